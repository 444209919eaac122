/*
 * test_config_bind.c -- typed configs end to end: a user's config is
 * validated by the host, then the cfgbind plugin binds it through the code
 * tools/gen-config generated from the same form and emits what it bound.
 * Every field kind, defaults, converters, the chosen option, disabled
 * groups and multiple selects reach the plugin as typed values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config_load.h"
#include "config_test_util.h"
#include "ops/ops.h"
#include "registry/registry.h"

static dwhi_registry *reg;
static dwh_plugin *plugin;

static int setup(void **state) {
    (void)state;
    reg = dwhi_registry_new();
    const char *dirs[] = {CFGT_DIR};
    dwhi_registry_scan(reg, dirs, 1);
    plugin = dwhi_registry_find(reg, "cfgbind");
    return plugin ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    dwh_plugin_unref(plugin);
    dwhi_registry_free(reg);
    return 0;
}

static dw_status collect(void *ud, dw_ctx *ctx, json_object *row) {
    (void)ctx;
    json_object_array_add((json_object *)ud, json_object_get(row));
    return DW_OK;
}

/* Runs cfgbind on `config` as given (no validation); returns its row. */
static json_object *run_raw(json_object *config, dwhi_secrets *secrets) {
    json_object *rows = json_object_new_array();
    dwhi_row_sink sink = {.ud = rows, .row = collect};
    dw_run_inputs in = {.struct_size = sizeof in, .schema_name = "bound"};
    dwhi_op_result r = dwhi_op_run(plugin, config, secrets, NULL, NULL, &in, &sink);
    if (r.code != DW_OK) fail_msg("run failed: %s", r.message ? r.message : "?");
    dwhi_op_result_free(&r);
    assert_int_equal(json_object_array_length(rows), 1);
    json_object *row = json_object_get(json_object_array_get_idx(rows, 0));
    json_object_put(rows);
    return row;
}

/* Validates `config_text`, runs cfgbind, returns the one row it emitted. */
static json_object *bind(const char *config_text) {
    json_object *raw = json_tokener_parse(config_text);
    assert_non_null(raw);
    dwhi_config_report rep;
    dwhi_config_report_init(&rep);
    dwhi_secrets *secrets = dwhi_secrets_new();
    json_object *validated = NULL;
    int rc = dwhi_config_load_json(dwh_plugin_source(plugin), raw, NULL, &validated, secrets, &rep);
    for (size_t i = 0; i < rep.n_errors; i++)
        print_message("config error at %s: expected %s, got %s\n", rep.errors[i].path, rep.errors[i].expected,
                      rep.errors[i].got);
    assert_int_equal(rc, 0);
    json_object *row = run_raw(validated, secrets);
    json_object_put(validated);
    json_object_put(raw);
    dwhi_secrets_free(secrets);
    dwhi_config_report_clear(&rep);
    return row;
}

static void expect(json_object *row, const char *col, const char *json) {
    json_object *got = NULL;
    json_object_object_get_ex(row, col, &got);
    json_object *want = json_tokener_parse(json);
    if (!json_object_equal(got, want))
        fail_msg("%s: want %s, got %s", col, json, got ? json_object_to_json_string(got) : "null");
    json_object_put(want);
}

static void test_defaults_and_option(void **state) {
    (void)state;
    json_object *row = bind("{\"host\": \"db.example.com\", \"auth\": {\"api_key\": \"sk_live_1234\"}}");
    expect(row, "host", "\"db.example.com\"");
    expect(row, "port", "5432");
    expect(row, "base_url", "\"https://api.example.com\"");
    expect(row, "email", "null");
    expect(row, "auth_selection", "1"); /* CFGFIX_AUTH_API_KEY */
    expect(row, "auth_value", "\"api_key\"");
    expect(row, "auth_api_key", "\"sk_live_1234\"");
    expect(row, "lookback", "7");
    expect(row, "include_archived", "false");
    expect(row, "limit", "null");
    expect(row, "tables", "[]");
    expect(row, "webhook_enabled", "false");
    expect(row, "webhook_signing_secret", "null");
    expect(row, "advanced_enabled", "true");
    expect(row, "advanced_page_size", "100");
    expect(row, "integration_access_token", "null");
    expect(row, "key_file_present", "false");
    expect(row, "any_file_present", "false");
    expect(row, "ssh_enabled", "false");
    expect(row, "ssh_host", "null");
    expect(row, "ssh_port", "0");
    json_object_put(row);
}

static void test_every_kind_set(void **state) {
    (void)state;
    json_object *row = bind(
        "{\"host\": \"h1\", \"port\": \"6_000\", \"email\": \"ops@example.com\", \"sync_time\": \"09:30\","
        " \"notes\": \"n\", \"query\": \"q\", \"token\": \"tok_1234\","
        " \"auth\": {\"selection\": \"keypair\", \"user\": \"etl\", \"private_key\": \"pk_1234\"},"
        " \"lookback\": \"30\", \"include_archived\": true, \"limit\": \"100\", \"tables\": [\"users\", \"items\"],"
        " \"webhook\": {\"enabled\": true, \"signing_secret\": \"whsec_1234\", \"endpoint\": \"https://hook.example.com/x\"},"
        " \"advanced\": {\"enabled\": false, \"page_size\": 5},"
        " \"integration\": {\"access_token\": \"gho_1234\", \"scope\": \"repo read:org\", \"expires_at\": 1700000000},"
        " \"account\": \"acct_7\","
        " \"key_file\": {\"project_id\": \"p-1\", \"private_key\": \"fk_1234\"},"
        " \"any_file\": \"{\\\"a\\\": [1, {\\\"b\\\": null}]}\","
        " \"ssh_tunnel\": {\"enabled\": true, \"host\": \"bastion\", \"port\": 2222, \"username\": \"u\","
        " \"auth_type\": \"keypair\", \"private_key\": \"-----BEGIN K-----\\nx\\n-----END K-----\", \"passphrase\": \"pp_1234\"}}");
    expect(row, "port", "6000");
    expect(row, "email", "\"ops@example.com\"");
    expect(row, "sync_time", "\"09:30\"");
    expect(row, "token", "\"tok_1234\"");
    expect(row, "auth_selection", "2"); /* CFGFIX_AUTH_KEYPAIR */
    expect(row, "auth_user", "\"etl\"");
    expect(row, "auth_private_key", "\"pk_1234\"");
    expect(row, "auth_passphrase", "null");
    expect(row, "lookback", "30");
    expect(row, "include_archived", "true");
    expect(row, "limit", "100");
    expect(row, "tables", "[\"users\", \"items\"]");
    expect(row, "webhook_enabled", "true");
    expect(row, "webhook_signing_secret", "\"whsec_1234\"");
    expect(row, "webhook_endpoint", "\"https://hook.example.com/x\"");
    expect(row, "advanced_enabled", "false");
    expect(row, "advanced_page_size", "0");
    expect(row, "integration_access_token", "\"gho_1234\"");
    expect(row, "integration_scope", "\"repo read:org\"");
    expect(row, "integration_expires_at", "\"1700000000\"");
    expect(row, "account", "\"acct_7\"");
    expect(row, "key_file_present", "true");
    expect(row, "key_file_project_id", "\"p-1\"");
    expect(row, "key_file_private_key", "\"fk_1234\"");
    expect(row, "key_file_json", "{\"project_id\": \"p-1\", \"private_key\": \"fk_1234\"}");
    expect(row, "any_file_present", "true");
    expect(row, "any_file_json", "{\"a\": [1, {\"b\": null}]}");
    expect(row, "ssh_enabled", "true");
    expect(row, "ssh_host", "\"bastion\"");
    expect(row, "ssh_port", "2222");
    expect(row, "ssh_auth_type", "\"keypair\"");
    expect(row, "ssh_password", "null");
    expect(row, "ssh_passphrase", "\"pp_1234\"");
    json_object_put(row);
}

static void test_option_without_fields(void **state) {
    (void)state;
    json_object *row = bind("{\"host\": \"h\", \"auth\": \"none\", \"limit\": \"\", \"lookback\": 7}");
    expect(row, "auth_selection", "3"); /* CFGFIX_AUTH_NONE */
    expect(row, "auth_value", "\"none\"");
    expect(row, "limit", "null");
    expect(row, "lookback", "7");
    json_object_put(row);
}

/* A host that skips validation (an embedding, a test) still gets the
 * form's defaults and numbers given as text through the binder. */
static void test_unvalidated_config(void **state) {
    (void)state;
    json_object *raw = json_tokener_parse("{\"host\": \"h\", \"port\": \" 6543\", \"auth\": {\"selection\": \"api_key\"}}");
    json_object *row = run_raw(raw, NULL);
    expect(row, "port", "6543");
    expect(row, "base_url", "\"https://api.example.com\"");
    expect(row, "lookback", "7");
    expect(row, "include_archived", "false");
    expect(row, "advanced_enabled", "true");
    expect(row, "advanced_page_size", "100");
    expect(row, "auth_selection", "1");
    json_object_put(row);
    json_object_put(raw);
}

/* A config of another shape than the generated code expects fails with one
 * clear message naming the path and the fix. */
static void test_wrong_shape(void **state) {
    (void)state;
    json_object *raw = json_tokener_parse("{\"host\": \"h\", \"port\": [1], \"auth\": \"api_key\"}");
    json_object *rows = json_object_new_array();
    dwhi_row_sink sink = {.ud = rows, .row = collect};
    dw_run_inputs in = {.struct_size = sizeof in, .schema_name = "bound"};
    dwhi_op_result r = dwhi_op_run(plugin, raw, NULL, NULL, NULL, &in, &sink);
    assert_int_equal(r.code, DW_ERR_CONFIG);
    assert_non_null(strstr(r.message, "config value at port does not have the type cfgfix_config expects"));
    assert_non_null(strstr(r.message, "tools/gen-config cfgfix"));
    assert_int_equal(json_object_array_length(rows), 0);
    dwhi_op_result_free(&r);
    json_object_put(rows);
    json_object_put(raw);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_and_option),
        cmocka_unit_test(test_every_kind_set),
        cmocka_unit_test(test_option_without_fields),
        cmocka_unit_test(test_unvalidated_config),
        cmocka_unit_test(test_wrong_shape),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
