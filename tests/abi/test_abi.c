/* test_abi.c -- a plugin built against the frozen 1.0 header loads in
 * this host, reports ABI 1.0, lists its schema and reads rows.  The
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

#include "ops.h"
#include "registry.h"

typedef struct collected {
    json_object *rows;
} collected;

static dw_status collect(void *ud, dw_ctx *ctx, json_object *row) {
    json_object_array_add(((collected *)ud)->rows, json_object_get(row));
    return DW_OK;
}

static void test_1_0_plugin_loads_and_reads(void **state) {
    const char *dirs[] = {ABIT_DIR};
    dwh_registry *r = dwh_registry_new();
    assert_int_equal(dwh_registry_scan(r, dirs, 1), 1);
    size_t nr = 0;
    dwh_rejection *rej = dwh_registry_rejections(r, &nr);
    if (nr) fail_msg("%s: %s", rej[0].path, rej[0].message);
    dwh_plugin *p = dwh_registry_find(r, "abit_v10");
    assert_non_null(p);
    unsigned major = 9, minor = 9;
    dwh_plugin_abi(p, &major, &minor);
    assert_int_equal(major, 1);
    assert_int_equal(minor, 0);
    const dw_source *s = dwh_plugin_source(p);
    assert_int_equal(s->n_fields, 2);
    assert_int_equal(s->fields[1].input_type, DW_INPUT_PASSWORD);

    json_object *schemas = NULL;
    dwh_op_result res = dwh_op_list_schemas(p, NULL, NULL, NULL, NULL, &schemas);
    assert_int_equal(res.code, DW_OK);
    assert_int_equal(json_object_array_length(schemas), 1);
    json_object *name = NULL;
    json_object_object_get_ex(json_object_array_get_idx(schemas, 0), "name", &name);
    assert_string_equal(json_object_get_string(name), "numbers");
    json_object_put(schemas);
    dwh_op_result_free(&res);

    collected c = {json_object_new_array()};
    dwh_row_sink sink = {.ud = &c, .row = collect};
    json_object *config = json_tokener_parse("{\"prefix\":\"p\",\"token\":\"s3cret-token\"}");
    dw_run_inputs in = {.struct_size = sizeof in, .schema_name = "numbers"};
    res = dwh_op_run(p, config, NULL, NULL, NULL, &in, &sink);
    if (res.code != DW_OK) fail_msg("run: %s", res.message ? res.message : "?");
    assert_int_equal(res.rows_emitted, 3);
    assert_int_equal(json_object_array_length(c.rows), 3);
    assert_string_equal(json_object_to_json_string_ext(c.rows, JSON_C_TO_STRING_PLAIN),
                        "[{\"id\":1,\"label\":\"one\"},{\"id\":2,\"label\":\"p\",\"even\":true},"
                        "{\"id\":3,\"label\":\"p\",\"even\":false}]");
    dwh_op_result_free(&res);
    json_object_put(c.rows);
    json_object_put(config);
    dwh_plugin_unref(p);
    dwh_registry_free(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_1_0_plugin_loads_and_reads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
