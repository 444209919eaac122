/* test_abi.c -- plugins built against the frozen 1.0 and 1.2 headers load
 * in this host, report their ABI, list their schema and read rows; a 1.3
 * plugin gets what its init() stored back through api->plugin_data in
 * every operation; a 1.4 REST plugin's shorter endpoints list, and its
 * paginator kind 6 (AUTO, 1.5) is refused naming the ABI it needs; a 1.5
 * REST plugin's endpoint (no row hook, 1.6) lists.  The
 * layout asserts (abi_layout*.c) are compiled into this test, so a layout
 * change fails the build before it gets here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ops/ops.h"
#include "registry/registry.h"

typedef struct collected {
    json_object *rows;
} collected;

static dw_status collect(void *ud, dw_ctx *ctx, json_object *row) {
    json_object_array_add(((collected *)ud)->rows, json_object_get(row));
    return DW_OK;
}

static void test_1_0_plugin_loads_and_reads(void **state) {
    const char *dirs[] = {ABIT_DIR};
    dwhi_registry *r = dwhi_registry_new();
    assert_int_equal(dwhi_registry_scan(r, dirs, 1), 8);
    size_t nr = 0;
    dwh_rejection *rej = dwhi_registry_rejections(r, &nr);
    if (nr) fail_msg("%s: %s", rej[0].path, rej[0].message);
    dwh_plugin *p = dwhi_registry_find(r, "abit_v10");
    assert_non_null(p);
    unsigned major = 9, minor = 9;
    dwh_plugin_abi(p, &major, &minor);
    assert_int_equal(major, 1);
    assert_int_equal(minor, 0);
    const dw_source *s = dwh_plugin_source(p);
    assert_int_equal(s->n_fields, 2);
    assert_int_equal(s->fields[1].input_type, DW_INPUT_PASSWORD);

    json_object *schemas = NULL;
    dwhi_op_result res = dwhi_op_list_schemas(p, NULL, NULL, NULL, NULL, &schemas);
    assert_int_equal(res.code, DW_OK);
    assert_int_equal(json_object_array_length(schemas), 1);
    json_object *name = NULL;
    json_object_object_get_ex(json_object_array_get_idx(schemas, 0), "name", &name);
    assert_string_equal(json_object_get_string(name), "numbers");
    json_object_put(schemas);
    dwhi_op_result_free(&res);

    collected c = {json_object_new_array()};
    dwhi_row_sink sink = {.ud = &c, .row = collect};
    json_object *config = json_tokener_parse("{\"prefix\":\"p\",\"token\":\"s3cret-token\"}");
    dw_run_inputs in = {.struct_size = sizeof in, .schema_name = "numbers"};
    res = dwhi_op_run(p, config, NULL, NULL, NULL, &in, &sink);
    if (res.code != DW_OK) fail_msg("run: %s", res.message ? res.message : "?");
    assert_int_equal(res.rows_emitted, 3);
    assert_int_equal(json_object_array_length(c.rows), 3);
    assert_string_equal(json_object_to_json_string_ext(c.rows, JSON_C_TO_STRING_PLAIN),
                        "[{\"id\":1,\"label\":\"one\"},{\"id\":2,\"label\":\"p\",\"even\":true},"
                        "{\"id\":3,\"label\":\"p\",\"even\":false}]");
    dwhi_op_result_free(&res);
    json_object_put(c.rows);
    json_object_put(config);
    dwh_plugin_unref(p);
    dwhi_registry_free(r);
}

/* Finds `name` in ABIT_DIR; *r receives the registry to free. */
static dwh_plugin *load(const char *name, dwhi_registry **r) {
    const char *dirs[] = {ABIT_DIR};
    *r = dwhi_registry_new();
    dwhi_registry_scan(*r, dirs, 1);
    size_t nr = 0;
    dwh_rejection *rej = dwhi_registry_rejections(*r, &nr);
    if (nr) fail_msg("%s: %s", rej[0].path, rej[0].message);
    dwh_rejections_free(rej, nr);
    dwh_plugin *p = dwhi_registry_find(*r, name);
    if (!p) fail_msg("%s not loaded", name);
    return p;
}

static json_object *read_rows(dwh_plugin *p, const char *schema) {
    collected c = {json_object_new_array()};
    dwhi_row_sink sink = {.ud = &c, .row = collect};
    dw_run_inputs in = {.struct_size = sizeof in, .schema_name = schema};
    dwhi_op_result res = dwhi_op_run(p, NULL, NULL, NULL, NULL, &in, &sink);
    if (res.code != DW_OK) fail_msg("run %s: %s", schema, res.message ? res.message : "?");
    dwhi_op_result_free(&res);
    return c.rows;
}

/* A plugin built with minor 2 knows nothing of plugin_data; it checks the
 * 1.2 members with DW_API_HAS and must keep working in a newer host. */
static void test_1_2_plugin_loads_and_reads(void **state) {
    (void)state;
    dwhi_registry *r;
    dwh_plugin *p = load("abit_v12", &r);
    unsigned major = 9, minor = 9;
    dwh_plugin_abi(p, &major, &minor);
    assert_int_equal(major, 1);
    assert_int_equal(minor, 2);
    assert_int_equal(dwh_plugin_activate(p, NULL), DW_OK); /* its DW_API_HAS checks passed */
    json_object *rows = read_rows(p, "parsed");
    assert_string_equal(json_object_to_json_string_ext(rows, JSON_C_TO_STRING_PLAIN),
                        "[{\"id\":1,\"abi\":\"1.2\"},{\"id\":2,\"abi\":\"1.2\"}]");
    json_object_put(rows);
    assert_null(dwhi_plugin_data(p)); /* its init stored nothing */
    dwh_plugin_unref(p);
    dwhi_registry_free(r);
}

/* A 1.3 plugin (frozen 1.3 header): what init stored comes back in every
 * operation, and its shorter dw_schema still lists in a 1.4 host. */
static void test_1_3_plugin_data(void **state) {
    (void)state;
    dwhi_registry *r;
    dwh_plugin *p = load("abit_v13", &r);
    unsigned major = 9, minor = 9;
    dwh_plugin_abi(p, &major, &minor);
    assert_int_equal(minor, 3);
    assert_null(dwhi_plugin_data(p)); /* not before init */
    json_object *schemas = NULL;
    dwhi_op_result res = dwhi_op_list_schemas(p, NULL, NULL, NULL, NULL, &schemas);
    if (res.code != DW_OK) fail_msg("list_schemas: %s", res.message);
    dwhi_op_result_free(&res);
    /* its dw_schema ends before has_duplicate_primary_keys (1.4): read as 0 */
    json_object *dup = json_object_object_get(json_object_array_get_idx(schemas, 0), "has_duplicate_primary_keys");
    assert_true(json_object_is_type(dup, json_type_boolean));
    assert_false(json_object_get_boolean(dup));
    json_object_put(schemas);
    assert_non_null(dwhi_plugin_data(p));
    res = dwhi_op_check(p, NULL, NULL, NULL, NULL, NULL, NULL);
    if (res.code != DW_OK) fail_msg("check: %s", res.message);
    dwhi_op_result_free(&res);
    json_object *rows = read_rows(p, "data");
    assert_string_equal(json_object_to_json_string_ext(rows, JSON_C_TO_STRING_PLAIN),
                        "[{\"id\":1,\"greeting\":\"hello from init\",\"null_ctx_gives_null\":true}]");
    json_object_put(rows);
    dwh_plugin_unref(p); /* fini frees the data (LSan would see a leak otherwise) */
    dwhi_registry_free(r);
}

/* A 1.4 REST plugin: its 192-byte dw_endpoint (no response_actions) lists;
 * an endpoint with kind 6, which a 1.4 SDK cannot mean, is refused before
 * any request with one line naming the ABI needed.  Reading its 1.4
 * endpoint over HTTP is in tests/transport/test_rest_cli.py. */
static void test_1_4_rest_plugin(void **state) {
    (void)state;
    dwhi_registry *r;
    dwh_plugin *p = load("abit_v14", &r);
    unsigned major = 9, minor = 9;
    dwh_plugin_abi(p, &major, &minor);
    assert_int_equal(minor, 4);
    json_object *config = json_tokener_parse("{\"base_url\":\"http://127.0.0.1:1\"}");
    json_object *schemas = NULL;
    dwhi_op_result res = dwhi_op_list_schemas(p, config, NULL, NULL, NULL, &schemas);
    if (res.code != DW_OK) fail_msg("list_schemas: %s", res.message);
    dwhi_op_result_free(&res);
    assert_int_equal(json_object_array_length(schemas), 2);
    json_object_put(schemas);
    collected c = {json_object_new_array()};
    dwhi_row_sink sink = {.ud = &c, .row = collect};
    dw_run_inputs in = {.struct_size = sizeof in, .schema_name = "future"};
    res = dwhi_op_run(p, config, NULL, NULL, NULL, &in, &sink);
    assert_int_equal(res.code, DW_ERR_CONFIG);
    assert_non_null(res.message);
    assert_non_null(strstr(res.message, "endpoint future: paginator kind 6 needs plugin ABI 1.5 but the plugin was "
                                        "built for 1.4; rebuild it against the current dwsdk.h"));
    assert_int_equal(json_object_array_length(c.rows), 0);
    dwhi_op_result_free(&res);
    json_object_put(c.rows);
    json_object_put(config);
    dwh_plugin_unref(p);
    dwhi_registry_free(r);
}

/* A 1.5 REST plugin: its 208-byte dw_endpoint (no row_hook, no
 * incremental_until_params) lists with its 1.5 auto paginator; reading it
 * over HTTP (its 48-byte dw_rest_client: no trusted origins, the origin
 * rule applies) is in tests/transport/test_rest_cli.py. */
static void test_1_5_rest_plugin(void **state) {
    (void)state;
    dwhi_registry *r;
    dwh_plugin *p = load("abit_v15", &r);
    unsigned major = 9, minor = 9;
    dwh_plugin_abi(p, &major, &minor);
    assert_int_equal(minor, 5);
    json_object *schemas = NULL;
    dwhi_op_result res = dwhi_op_list_schemas(p, NULL, NULL, NULL, NULL, &schemas);
    if (res.code != DW_OK) fail_msg("list_schemas: %s", res.message);
    dwhi_op_result_free(&res);
    assert_int_equal(json_object_array_length(schemas), 1);
    json_object *name = json_object_object_get(json_object_array_get_idx(schemas, 0), "name");
    assert_string_equal(json_object_get_string(name), "items");
    json_object_put(schemas);
    dwh_plugin_unref(p);
    dwhi_registry_free(r);
}

/* A 1.6 plugin (no emit_page in its table) hands pages over with
 * emit_json; the 1.7 host's streaming parse gives back exactly its rows. */
static void test_1_6_plugin_pages(void **state) {
    (void)state;
    dwhi_registry *r;
    dwh_plugin *p = load("abit_v16", &r);
    unsigned major = 9, minor = 9;
    dwh_plugin_abi(p, &major, &minor);
    assert_int_equal(minor, 6);
    collected c = {json_object_new_array()};
    dwhi_row_sink sink = {.ud = &c, .row = collect};
    dw_run_inputs in = {.struct_size = sizeof in, .schema_name = "pages"};
    dwhi_op_result res = dwhi_op_run(p, NULL, NULL, NULL, NULL, &in, &sink);
    if (res.code != DW_OK) fail_msg("run: %s", res.message ? res.message : "?");
    assert_int_equal(res.rows_emitted, 3);
    assert_string_equal(json_object_to_json_string_ext(c.rows, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
                        "[{\"id\":1,\"n\":1.5e3,\"tags\":[\"a\",\"b\"],\"u\":{\"l\":\"caf\u00e9\"},\"none\":null},"
                        "{\"id\":2,\"big\":18446744073709551615,\"t\":\"x\\ty\"},{\"id\":3}]");
    dwhi_op_result_free(&res);
    json_object_put(c.rows);
    dwh_plugin_unref(p);
    dwhi_registry_free(r);
}

/* A 1.8 webhook plugin (descriptor without the 1.9 members) loads in a
 * 1.9 host with no signature scheme and no secret field, its actions
 * (none) and webhooks as it declared them, and syncs. */
static void test_1_8_plugin_no_signature(void **state) {
    (void)state;
    dwhi_registry *r;
    dwh_plugin *p = load("abit_v18", &r);
    unsigned major = 9, minor = 9;
    dwh_plugin_abi(p, &major, &minor);
    assert_int_equal(minor, 8);
    const dw_source *src = dwh_plugin_source(p);
    assert_int_equal(src->webhook_signature, DW_WEBHOOK_SIG_NONE);
    assert_null(src->webhook_secret_field);
    assert_int_equal(src->capabilities & DW_CAP_WEBHOOK, DW_CAP_WEBHOOK);
    assert_int_equal(src->n_webhook_resources, 1);
    assert_string_equal(src->webhook_resources[0].event_type, "page.*");
    assert_int_equal(src->n_actions, 0);
    collected c = {json_object_new_array()};
    dwhi_row_sink sink = {.ud = &c, .row = collect};
    dw_run_inputs in = {.struct_size = sizeof in, .schema_name = "pages"};
    dwhi_op_result res = dwhi_op_run(p, NULL, NULL, NULL, NULL, &in, &sink);
    if (res.code != DW_OK) fail_msg("run: %s", res.message ? res.message : "?");
    assert_int_equal(json_object_array_length(c.rows), 2);
    dwhi_op_result_free(&res);
    json_object_put(c.rows);
    dwh_plugin_unref(p);
    dwhi_registry_free(r);
}

/* A 1.7 plugin (descriptor and fields without the 1.8 members) loads in
 * a 1.8 host: no actions, its fields read with its stride (no
 * options_action), and its emit_page rows arrive. */
static void test_1_7_plugin_no_actions(void **state) {
    (void)state;
    dwhi_registry *r;
    dwh_plugin *p = load("abit_v17", &r);
    unsigned major = 9, minor = 9;
    dwh_plugin_abi(p, &major, &minor);
    assert_int_equal(minor, 7);
    const dw_source *src = dwh_plugin_source(p);
    assert_int_equal(src->n_actions, 0);
    assert_null(src->actions);
    assert_int_equal(src->n_fields, 2);
    assert_string_equal(src->fields[1].name, "kind");
    assert_null(src->fields[0].options_action);
    assert_null(src->fields[1].options_action);
    assert_int_equal(src->fields[1].n_options, 2);
    collected c = {json_object_new_array()};
    dwhi_row_sink sink = {.ud = &c, .row = collect};
    dw_run_inputs in = {.struct_size = sizeof in, .schema_name = "pages"};
    dwhi_op_result res = dwhi_op_run(p, NULL, NULL, NULL, NULL, &in, &sink);
    if (res.code != DW_OK) fail_msg("run: %s", res.message ? res.message : "?");
    assert_string_equal(json_object_to_json_string_ext(c.rows, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
                        "[{\"id\":1,\"v\":\"a\"},{\"id\":2,\"v\":[1,2]}]");
    dwhi_op_result_free(&res);
    json_object_put(c.rows);
    dwh_plugin_unref(p);
    dwhi_registry_free(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_1_0_plugin_loads_and_reads),
        cmocka_unit_test(test_1_2_plugin_loads_and_reads),
        cmocka_unit_test(test_1_3_plugin_data),
        cmocka_unit_test(test_1_4_rest_plugin),
        cmocka_unit_test(test_1_5_rest_plugin),
        cmocka_unit_test(test_1_6_plugin_pages),
        cmocka_unit_test(test_1_7_plugin_no_actions),
        cmocka_unit_test(test_1_8_plugin_no_signature),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
