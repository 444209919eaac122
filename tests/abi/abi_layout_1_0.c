/*
 * abi_layout_1_0.c -- the same layout numbers, compiled against the frozen
 * 1.0 header (tests/abi/dwsdk_1_0.h): proves the current header is a
 * compatible extension of 1.0 (every 1.0 member where 1.0 had it, the 1.0
 * function table a prefix of today's).
 */
#include "dwsdk_1_0.h"
#include <stddef.h>

/* LP64 numbers (x86_64, also aarch64): other data models skip the asserts. */
#if defined(__LP64__)
#define DWHI_SIZE(t, n) _Static_assert(sizeof(t) == (n), "ABI break: sizeof(" #t ") changed; old plugins would break")
#define DWHI_OFF(t, m, n) \
    _Static_assert(offsetof(t, m) == (n), "ABI break: " #t "." #m " moved; old plugins would break")
#else
#define DWHI_SIZE(t, n) _Static_assert(1, "")
#define DWHI_OFF(t, m, n) _Static_assert(1, "")
#endif

_Static_assert(DW_ABI_MINOR == 0, "this file must see the frozen 1.0 header");

/* dw_select_option */
DWHI_SIZE(dw_select_option, 32);
DWHI_OFF(dw_select_option, label, 0);
DWHI_OFF(dw_select_option, value, 8);
DWHI_OFF(dw_select_option, fields, 16);
DWHI_OFF(dw_select_option, n_fields, 24);

/* dw_field */
DWHI_SIZE(dw_field, 160);
DWHI_OFF(dw_field, kind, 0);
DWHI_OFF(dw_field, name, 8);
DWHI_OFF(dw_field, label, 16);
DWHI_OFF(dw_field, caption, 24);
DWHI_OFF(dw_field, required, 32);
DWHI_OFF(dw_field, input_type, 36);
DWHI_OFF(dw_field, placeholder, 40);
DWHI_OFF(dw_field, secret, 48);
DWHI_OFF(dw_field, default_value, 56);
DWHI_OFF(dw_field, default_on, 64);
DWHI_OFF(dw_field, fields, 72);
DWHI_OFF(dw_field, n_fields, 80);
DWHI_OFF(dw_field, options, 88);
DWHI_OFF(dw_field, n_options, 96);
DWHI_OFF(dw_field, multiple, 100);
DWHI_OFF(dw_field, converter, 104);
DWHI_OFF(dw_field, oauth_kind, 112);
DWHI_OFF(dw_field, required_scopes, 120);
DWHI_OFF(dw_field, integration_field, 128);
DWHI_OFF(dw_field, integration_kind, 136);
DWHI_OFF(dw_field, file_format, 144);
DWHI_OFF(dw_field, file_keys, 152);

/* dw_error_mapping */
DWHI_SIZE(dw_error_mapping, 16);
DWHI_OFF(dw_error_mapping, substring, 0);
DWHI_OFF(dw_error_mapping, message, 8);

/* dw_webhook_resource */
DWHI_SIZE(dw_webhook_resource, 16);
DWHI_OFF(dw_webhook_resource, schema, 0);
DWHI_OFF(dw_webhook_resource, event_type, 8);

/* dw_incremental_field */
DWHI_SIZE(dw_incremental_field, 24);
DWHI_OFF(dw_incremental_field, label, 0);
DWHI_OFF(dw_incremental_field, field, 8);
DWHI_OFF(dw_incremental_field, type, 16);

/* dw_schema */
DWHI_SIZE(dw_schema, 136);
DWHI_OFF(dw_schema, struct_size, 0);
DWHI_OFF(dw_schema, name, 8);
DWHI_OFF(dw_schema, label, 16);
DWHI_OFF(dw_schema, description, 24);
DWHI_OFF(dw_schema, supports_incremental, 32);
DWHI_OFF(dw_schema, supports_append, 36);
DWHI_OFF(dw_schema, supports_webhooks, 40);
DWHI_OFF(dw_schema, webhook_only, 44);
DWHI_OFF(dw_schema, should_sync_default, 48);
DWHI_OFF(dw_schema, incremental_fields, 56);
DWHI_OFF(dw_schema, n_incremental_fields, 64);
DWHI_OFF(dw_schema, primary_keys, 72);
DWHI_OFF(dw_schema, sort_mode, 80);
DWHI_OFF(dw_schema, partition_mode, 84);
DWHI_OFF(dw_schema, partition_count, 88);
DWHI_OFF(dw_schema, partition_size, 96);
DWHI_OFF(dw_schema, partition_format, 104);
DWHI_OFF(dw_schema, partition_keys, 112);
DWHI_OFF(dw_schema, row_count, 120);
DWHI_OFF(dw_schema, default_incremental_lookback_seconds, 128);

/* dw_run_inputs */
DWHI_SIZE(dw_run_inputs, 88);
DWHI_OFF(dw_run_inputs, struct_size, 0);
DWHI_OFF(dw_run_inputs, schema_name, 8);
DWHI_OFF(dw_run_inputs, schema_id, 16);
DWHI_OFF(dw_run_inputs, source_id, 24);
DWHI_OFF(dw_run_inputs, team_id, 32);
DWHI_OFF(dw_run_inputs, job_id, 40);
DWHI_OFF(dw_run_inputs, reset_pipeline, 48);
DWHI_OFF(dw_run_inputs, use_incremental, 52);
DWHI_OFF(dw_run_inputs, incremental_field, 56);
DWHI_OFF(dw_run_inputs, incremental_field_type, 64);
DWHI_OFF(dw_run_inputs, incremental_last_value, 72);
DWHI_OFF(dw_run_inputs, incremental_earliest_value, 80);

/* dw_host_api */
DWHI_SIZE(dw_host_api, 176);
DWHI_OFF(dw_host_api, struct_size, 0);
DWHI_OFF(dw_host_api, abi_major, 4);
DWHI_OFF(dw_host_api, abi_minor, 6);
DWHI_OFF(dw_host_api, log, 8);
DWHI_OFF(dw_host_api, fail, 16);
DWHI_OFF(dw_host_api, cancelled, 24);
DWHI_OFF(dw_host_api, config_json, 32);
DWHI_OFF(dw_host_api, config_string, 40);
DWHI_OFF(dw_host_api, config_int, 48);
DWHI_OFF(dw_host_api, config_double, 56);
DWHI_OFF(dw_host_api, config_bool, 64);
DWHI_OFF(dw_host_api, config_array_len, 72);
DWHI_OFF(dw_host_api, schema_add, 80);
DWHI_OFF(dw_host_api, emit_json, 88);
DWHI_OFF(dw_host_api, row_new, 96);
DWHI_OFF(dw_host_api, row_set_string, 104);
DWHI_OFF(dw_host_api, row_set_int, 112);
DWHI_OFF(dw_host_api, row_set_double, 120);
DWHI_OFF(dw_host_api, row_set_bool, 128);
DWHI_OFF(dw_host_api, row_set_null, 136);
DWHI_OFF(dw_host_api, row_set_json, 144);
DWHI_OFF(dw_host_api, row_emit, 152);
DWHI_OFF(dw_host_api, row_discard, 160);
DWHI_OFF(dw_host_api, free, 168);

/* dw_source */
DWHI_SIZE(dw_source, 216);
DWHI_OFF(dw_source, magic, 0);
DWHI_OFF(dw_source, abi_major, 4);
DWHI_OFF(dw_source, abi_minor, 6);
DWHI_OFF(dw_source, struct_size, 8);
DWHI_OFF(dw_source, field_size, 12);
DWHI_OFF(dw_source, option_size, 14);
DWHI_OFF(dw_source, name, 16);
DWHI_OFF(dw_source, label, 24);
DWHI_OFF(dw_source, caption, 32);
DWHI_OFF(dw_source, docs_url, 40);
DWHI_OFF(dw_source, icon_path, 48);
DWHI_OFF(dw_source, category, 56);
DWHI_OFF(dw_source, keywords, 64);
DWHI_OFF(dw_source, release_status, 72);
DWHI_OFF(dw_source, feature_flag, 80);
DWHI_OFF(dw_source, unreleased, 88);
DWHI_OFF(dw_source, comm_method, 92);
DWHI_OFF(dw_source, primary_library, 96);
DWHI_OFF(dw_source, version, 104);
DWHI_OFF(dw_source, capabilities, 112);
DWHI_OFF(dw_source, fields, 120);
DWHI_OFF(dw_source, n_fields, 128);
DWHI_OFF(dw_source, non_retryable_errors, 136);
DWHI_OFF(dw_source, n_non_retryable_errors, 144);
DWHI_OFF(dw_source, webhook_resources, 152);
DWHI_OFF(dw_source, n_webhook_resources, 160);
DWHI_OFF(dw_source, init, 168);
DWHI_OFF(dw_source, fini, 176);
DWHI_OFF(dw_source, list_schemas, 184);
DWHI_OFF(dw_source, check_credentials, 192);
DWHI_OFF(dw_source, run, 200);
DWHI_OFF(dw_source, webhook_transform, 208);
