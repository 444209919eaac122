/*
 * abi_layout_1_8.c -- the layout numbers of abi_layout.c, compiled against
 * the frozen 1.8 header (tests/abi/dwsdk_1_8.h): proves the current header
 * is a compatible extension of 1.8 (every 1.8 member where 1.8 had it, the
 * 1.8 function table a prefix of today's).  Never edit the numbers.
 */
#include "dwsdk_1_8.h"
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

_Static_assert(DW_MAGIC == 0x31485744u, "ABI break: DW_MAGIC changed");
_Static_assert(DW_ABI_MAJOR == 1, "ABI major changed: every plugin must be rebuilt");
_Static_assert(DW_ABI_MINOR == 8, "this file must see the frozen 1.8 header");

/* Enum values cross the boundary as integers. */
_Static_assert(DW_OK == 0, "ABI break: DW_OK changed");
_Static_assert(DW_ERR == 1, "ABI break: DW_ERR changed");
_Static_assert(DW_ERR_CONFIG == 2, "ABI break: DW_ERR_CONFIG changed");
_Static_assert(DW_ERR_AUTH == 3, "ABI break: DW_ERR_AUTH changed");
_Static_assert(DW_ERR_FORBIDDEN == 4, "ABI break: DW_ERR_FORBIDDEN changed");
_Static_assert(DW_ERR_UNREACHABLE == 5, "ABI break: DW_ERR_UNREACHABLE changed");
_Static_assert(DW_ERR_NOT_FOUND == 6, "ABI break: DW_ERR_NOT_FOUND changed");
_Static_assert(DW_ERR_RATE_LIMITED == 7, "ABI break: DW_ERR_RATE_LIMITED changed");
_Static_assert(DW_ERR_NON_RETRYABLE == 8, "ABI break: DW_ERR_NON_RETRYABLE changed");
_Static_assert(DW_ERR_CANCELLED == 9, "ABI break: DW_ERR_CANCELLED changed");
_Static_assert(DW_ERR_STATE == 10, "ABI break: DW_ERR_STATE changed");
_Static_assert(DW_ERR_UNSUPPORTED == 11, "ABI break: DW_ERR_UNSUPPORTED changed");
_Static_assert(DW_ERR_NOMEM == 12, "ABI break: DW_ERR_NOMEM changed");
_Static_assert(DW_ERR_BAD_DATA == 13, "ABI break: DW_ERR_BAD_DATA changed");
_Static_assert(DW_ERR_NEEDS_CONFIG == 14, "ABI break: DW_ERR_NEEDS_CONFIG changed");
_Static_assert(DW_ERR_SSRF == 15, "ABI break: DW_ERR_SSRF changed");
_Static_assert(DW_ERR_HTTP == 16, "ABI break: DW_ERR_HTTP changed");
_Static_assert(DW_ERR_TIMEOUT == 17, "ABI break: DW_ERR_TIMEOUT changed");
_Static_assert(DW_ERR_SINK == 18, "ABI break: DW_ERR_SINK changed");
_Static_assert(DW_LOG_DEBUG == 10, "ABI break: DW_LOG_DEBUG changed");
_Static_assert(DW_LOG_INFO == 20, "ABI break: DW_LOG_INFO changed");
_Static_assert(DW_LOG_WARN == 30, "ABI break: DW_LOG_WARN changed");
_Static_assert(DW_LOG_ERROR == 40, "ABI break: DW_LOG_ERROR changed");
_Static_assert(DW_RELEASE_GA == 0, "ABI break: DW_RELEASE_GA changed");
_Static_assert(DW_RELEASE_ALPHA == 1, "ABI break: DW_RELEASE_ALPHA changed");
_Static_assert(DW_RELEASE_BETA == 2, "ABI break: DW_RELEASE_BETA changed");
_Static_assert(DW_COMM_HTTP == 0, "ABI break: DW_COMM_HTTP changed");
_Static_assert(DW_COMM_VENDOR_SDK == 1, "ABI break: DW_COMM_VENDOR_SDK changed");
_Static_assert(DW_COMM_GRPC == 2, "ABI break: DW_COMM_GRPC changed");
_Static_assert(DW_COMM_DB_PROTOCOL == 3, "ABI break: DW_COMM_DB_PROTOCOL changed");
_Static_assert(DW_COMM_WEBHOOK == 4, "ABI break: DW_COMM_WEBHOOK changed");
_Static_assert(DW_COMM_LOCAL_FILES == 5, "ABI break: DW_COMM_LOCAL_FILES changed");
_Static_assert(DW_FIELD_INPUT == 1, "ABI break: DW_FIELD_INPUT changed");
_Static_assert(DW_FIELD_SWITCH_GROUP == 2, "ABI break: DW_FIELD_SWITCH_GROUP changed");
_Static_assert(DW_FIELD_SELECT == 3, "ABI break: DW_FIELD_SELECT changed");
_Static_assert(DW_FIELD_OAUTH == 4, "ABI break: DW_FIELD_OAUTH changed");
_Static_assert(DW_FIELD_OAUTH_ACCOUNT == 5, "ABI break: DW_FIELD_OAUTH_ACCOUNT changed");
_Static_assert(DW_FIELD_FILE_UPLOAD == 6, "ABI break: DW_FIELD_FILE_UPLOAD changed");
_Static_assert(DW_FIELD_SSH_TUNNEL == 7, "ABI break: DW_FIELD_SSH_TUNNEL changed");
_Static_assert(DW_INPUT_TEXT == 1, "ABI break: DW_INPUT_TEXT changed");
_Static_assert(DW_INPUT_EMAIL == 2, "ABI break: DW_INPUT_EMAIL changed");
_Static_assert(DW_INPUT_SEARCH == 3, "ABI break: DW_INPUT_SEARCH changed");
_Static_assert(DW_INPUT_URL == 4, "ABI break: DW_INPUT_URL changed");
_Static_assert(DW_INPUT_PASSWORD == 5, "ABI break: DW_INPUT_PASSWORD changed");
_Static_assert(DW_INPUT_TIME == 6, "ABI break: DW_INPUT_TIME changed");
_Static_assert(DW_INPUT_NUMBER == 7, "ABI break: DW_INPUT_NUMBER changed");
_Static_assert(DW_INPUT_TEXTAREA == 8, "ABI break: DW_INPUT_TEXTAREA changed");
_Static_assert(DW_CONVERT_NONE == 0, "ABI break: DW_CONVERT_NONE changed");
_Static_assert(DW_CONVERT_STR_TO_INT == 1, "ABI break: DW_CONVERT_STR_TO_INT changed");
_Static_assert(DW_CONVERT_STR_TO_BOOL == 2, "ABI break: DW_CONVERT_STR_TO_BOOL changed");
_Static_assert(DW_CONVERT_STR_TO_OPTIONAL_INT == 3, "ABI break: DW_CONVERT_STR_TO_OPTIONAL_INT changed");
_Static_assert(DW_TYPE_INTEGER == 1, "ABI break: DW_TYPE_INTEGER changed");
_Static_assert(DW_TYPE_NUMERIC == 2, "ABI break: DW_TYPE_NUMERIC changed");
_Static_assert(DW_TYPE_DATETIME == 3, "ABI break: DW_TYPE_DATETIME changed");
_Static_assert(DW_TYPE_DATE == 4, "ABI break: DW_TYPE_DATE changed");
_Static_assert(DW_TYPE_TIMESTAMP == 5, "ABI break: DW_TYPE_TIMESTAMP changed");
_Static_assert(DW_PARTITION_NONE == 0, "ABI break: DW_PARTITION_NONE changed");
_Static_assert(DW_PARTITION_MD5 == 1, "ABI break: DW_PARTITION_MD5 changed");
_Static_assert(DW_PARTITION_NUMERICAL == 2, "ABI break: DW_PARTITION_NUMERICAL changed");
_Static_assert(DW_PARTITION_DATETIME == 3, "ABI break: DW_PARTITION_DATETIME changed");
_Static_assert(DW_PARTITION_BY_MONTH == 0, "ABI break: DW_PARTITION_BY_MONTH changed");
_Static_assert(DW_PARTITION_BY_WEEK == 1, "ABI break: DW_PARTITION_BY_WEEK changed");
_Static_assert(DW_PARTITION_BY_DAY == 2, "ABI break: DW_PARTITION_BY_DAY changed");
_Static_assert(DW_PARTITION_BY_HOUR == 3, "ABI break: DW_PARTITION_BY_HOUR changed");
_Static_assert(DW_PAGINATE_SINGLE == 0, "ABI break: DW_PAGINATE_SINGLE changed");
_Static_assert(DW_PAGINATE_LINK_HEADER == 1, "ABI break: DW_PAGINATE_LINK_HEADER changed");
_Static_assert(DW_PAGINATE_JSON_NEXT_URL == 2, "ABI break: DW_PAGINATE_JSON_NEXT_URL changed");
_Static_assert(DW_PAGINATE_CURSOR == 3, "ABI break: DW_PAGINATE_CURSOR changed");
_Static_assert(DW_PAGINATE_OFFSET == 4, "ABI break: DW_PAGINATE_OFFSET changed");
_Static_assert(DW_PAGINATE_PAGE_NUMBER == 5, "ABI break: DW_PAGINATE_PAGE_NUMBER changed");
_Static_assert(DW_PAGINATE_AUTO == 6, "ABI break: DW_PAGINATE_AUTO changed"); /* 1.5 */
_Static_assert(DW_RESPONSE_IGNORE == 1, "ABI break: DW_RESPONSE_IGNORE changed"); /* 1.5 */
_Static_assert(DW_RESPONSE_FAIL == 2, "ABI break: DW_RESPONSE_FAIL changed");     /* 1.5 */

/* dw_select_option */
DWHI_SIZE(dw_select_option, 32);
DWHI_OFF(dw_select_option, label, 0);
DWHI_OFF(dw_select_option, value, 8);
DWHI_OFF(dw_select_option, fields, 16);
DWHI_OFF(dw_select_option, n_fields, 24);

/* dw_field */
DWHI_SIZE(dw_field, 168);
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
DWHI_OFF(dw_field, options_action, 160); /* 1.8 */

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
DWHI_SIZE(dw_schema, 144);
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
DWHI_OFF(dw_schema, has_duplicate_primary_keys, 136); /* 1.4 */

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

/* dw_retry_policy */
DWHI_SIZE(dw_retry_policy, 20);
DWHI_OFF(dw_retry_policy, struct_size, 0);
DWHI_OFF(dw_retry_policy, max_attempts, 4);
DWHI_OFF(dw_retry_policy, base_delay_ms, 8);
DWHI_OFF(dw_retry_policy, max_delay_ms, 12);
DWHI_OFF(dw_retry_policy, max_retry_after_s, 16);

/* dw_http_request */
DWHI_SIZE(dw_http_request, 80);
DWHI_OFF(dw_http_request, struct_size, 0);
DWHI_OFF(dw_http_request, method, 8);
DWHI_OFF(dw_http_request, url, 16);
DWHI_OFF(dw_http_request, url_template, 24);
DWHI_OFF(dw_http_request, headers, 32);
DWHI_OFF(dw_http_request, body, 40);
DWHI_OFF(dw_http_request, body_len, 48);
DWHI_OFF(dw_http_request, timeout_ms, 56);
DWHI_OFF(dw_http_request, retry, 64);
DWHI_OFF(dw_http_request, trusted_origins, 72); /* 1.6 */

/* dw_paginator */
DWHI_SIZE(dw_paginator, 96);
DWHI_OFF(dw_paginator, struct_size, 0);
DWHI_OFF(dw_paginator, kind, 4);
DWHI_OFF(dw_paginator, next_url_path, 8);
DWHI_OFF(dw_paginator, cursor_param, 16);
DWHI_OFF(dw_paginator, cursor_path, 24);
DWHI_OFF(dw_paginator, cursor_row_field, 32);
DWHI_OFF(dw_paginator, has_more_path, 40);
DWHI_OFF(dw_paginator, offset_param, 48);
DWHI_OFF(dw_paginator, limit_param, 56);
DWHI_OFF(dw_paginator, page_param, 64);
DWHI_OFF(dw_paginator, first_page, 72);
DWHI_OFF(dw_paginator, total_path, 80);
DWHI_OFF(dw_paginator, max_pages, 88);

/* dw_incremental_param */
DWHI_SIZE(dw_incremental_param, 24);
DWHI_OFF(dw_incremental_param, field, 0);
DWHI_OFF(dw_incremental_param, param, 8);
DWHI_OFF(dw_incremental_param, format, 16);

/* dw_endpoint */
DWHI_SIZE(dw_endpoint, 232);
DWHI_OFF(dw_endpoint, struct_size, 0);
DWHI_OFF(dw_endpoint, name, 8);
DWHI_OFF(dw_endpoint, label, 16);
DWHI_OFF(dw_endpoint, description, 24);
DWHI_OFF(dw_endpoint, path, 32);
DWHI_OFF(dw_endpoint, params, 40);
DWHI_OFF(dw_endpoint, data_selector, 48);
DWHI_OFF(dw_endpoint, primary_keys, 56);
DWHI_OFF(dw_endpoint, incremental_fields, 64);
DWHI_OFF(dw_endpoint, n_incremental_fields, 72);
DWHI_OFF(dw_endpoint, incremental_params, 80);
DWHI_OFF(dw_endpoint, n_incremental_params, 88);
DWHI_OFF(dw_endpoint, sort_mode, 92);
DWHI_OFF(dw_endpoint, partition_mode, 96);
DWHI_OFF(dw_endpoint, partition_format, 100);
DWHI_OFF(dw_endpoint, partition_keys, 104);
DWHI_OFF(dw_endpoint, page_size_param, 112);
DWHI_OFF(dw_endpoint, page_size, 120);
DWHI_OFF(dw_endpoint, paginator, 128);
DWHI_OFF(dw_endpoint, parent, 136);
DWHI_OFF(dw_endpoint, resolve_param, 144);
DWHI_OFF(dw_endpoint, resolve_field, 152);
DWHI_OFF(dw_endpoint, include_from_parent, 160);
DWHI_OFF(dw_endpoint, max_pages_per_parent, 168);
DWHI_OFF(dw_endpoint, supports_webhooks, 176);
DWHI_OFF(dw_endpoint, should_sync_default, 180);
DWHI_OFF(dw_endpoint, has_duplicate_primary_keys, 184); /* 1.4 */
DWHI_OFF(dw_endpoint, response_actions, 192);         /* 1.5 */
DWHI_OFF(dw_endpoint, n_response_actions, 200);       /* 1.5 */
DWHI_OFF(dw_endpoint, row_hook, 208);                 /* 1.6 */
DWHI_OFF(dw_endpoint, incremental_until_params, 216); /* 1.6 */
DWHI_OFF(dw_endpoint, n_incremental_until_params, 224); /* 1.6 */

/* dw_response_action (1.5, frozen) */
DWHI_SIZE(dw_response_action, 32);
DWHI_OFF(dw_response_action, status, 0);
DWHI_OFF(dw_response_action, body_contains, 8);
DWHI_OFF(dw_response_action, action, 16);
DWHI_OFF(dw_response_action, message, 24);

/* dw_rest_client */
DWHI_SIZE(dw_rest_client, 64);
DWHI_OFF(dw_rest_client, struct_size, 0);
DWHI_OFF(dw_rest_client, base_url, 8);
DWHI_OFF(dw_rest_client, headers, 16);
DWHI_OFF(dw_rest_client, retry, 24);
DWHI_OFF(dw_rest_client, endpoints, 32);
DWHI_OFF(dw_rest_client, n_endpoints, 40);
DWHI_OFF(dw_rest_client, trusted_origins, 48); /* 1.6 */
DWHI_OFF(dw_rest_client, resume_scope, 56);    /* 1.6 */

/* dw_host_api */
DWHI_SIZE(dw_host_api, 376);
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
DWHI_OFF(dw_host_api, state_can_resume, 176);
DWHI_OFF(dw_host_api, state_load, 184);
DWHI_OFF(dw_host_api, state_save, 192);
DWHI_OFF(dw_host_api, http_request, 200);
DWHI_OFF(dw_host_api, http_status, 208);
DWHI_OFF(dw_host_api, http_body, 216);
DWHI_OFF(dw_host_api, http_header, 224);
DWHI_OFF(dw_host_api, http_free, 232);
DWHI_OFF(dw_host_api, url_build, 240);
DWHI_OFF(dw_host_api, secret_add, 248);
DWHI_OFF(dw_host_api, json_parse, 256);
DWHI_OFF(dw_host_api, json_get, 264);
DWHI_OFF(dw_host_api, json_array_len, 272);
DWHI_OFF(dw_host_api, json_index, 280);
DWHI_OFF(dw_host_api, json_string, 288);
DWHI_OFF(dw_host_api, json_text, 296);
DWHI_OFF(dw_host_api, json_free, 304);
DWHI_OFF(dw_host_api, emit_value, 312);
DWHI_OFF(dw_host_api, rest_run, 320);
DWHI_OFF(dw_host_api, rest_schema_add, 328);
DWHI_OFF(dw_host_api, plugin_data, 336); /* 1.3 */
DWHI_OFF(dw_host_api, emit_page, 344); /* 1.7 */
DWHI_OFF(dw_host_api, action_result, 352); /* 1.8 */
DWHI_OFF(dw_host_api, log_text, 360);      /* 1.8 */
DWHI_OFF(dw_host_api, fail_text, 368);     /* 1.8 */

/* dw_source */
DWHI_SIZE(dw_source, 232);
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
DWHI_OFF(dw_source, actions, 216);     /* 1.8 */
DWHI_OFF(dw_source, n_actions, 224);   /* 1.8 */
DWHI_OFF(dw_source, action_size, 228); /* 1.8 */

/* dw_action_arg (1.8; frozen) and dw_action (1.8; stride action_size) */
_Static_assert(DW_ARG_INT64 == 1 && DW_ARG_DOUBLE == 2 && DW_ARG_BOOL == 3 && DW_ARG_STRING == 4 && DW_ARG_JSON == 5,
               "ABI break: dw_arg_type changed");
_Static_assert(DW_ACTION_MAX_ARGS == 16, "ABI break: DW_ACTION_MAX_ARGS changed");
DWHI_SIZE(dw_action_arg, 32);
DWHI_OFF(dw_action_arg, name, 0);
DWHI_OFF(dw_action_arg, type, 8);
DWHI_OFF(dw_action_arg, description, 16);
DWHI_OFF(dw_action_arg, default_value, 24);
DWHI_SIZE(dw_action, 40);
DWHI_OFF(dw_action, name, 0);
DWHI_OFF(dw_action, description, 8);
DWHI_OFF(dw_action, args, 16);
DWHI_OFF(dw_action, n_args, 24);
DWHI_OFF(dw_action, fn, 32);

