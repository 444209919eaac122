/* test_abi_target.c -- a plugin built with the current header and
 * DW_TARGET_ABI_MINOR 5 (plugin_target_1_5.c) loads in this host as a 1.5
 * plugin: it reports ABI 1.5, its 1.5-sized descriptor, fields and
 * endpoint are read with their own sizes, it has no actions, and its
 * endpoint's schema lists.  (That a newer member does not compile at 1.5
 * is test_target_abi.py; that every older layout is reproduced, the
 * abit_target_layout_* objects.) */
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

static void test_targeted_1_5_plugin_loads_as_1_5(void **state) {
    (void)state;
    const char *dirs[] = {ABIT_TARGET_DIR};
    dwhi_registry *r = dwhi_registry_new();
    assert_int_equal(dwhi_registry_scan(r, dirs, 1), 1);
    size_t nr = 0;
    dwh_rejection *rej = dwhi_registry_rejections(r, &nr);
    if (nr) fail_msg("%s: %s", rej[0].path, rej[0].message);
    dwh_rejections_free(rej, nr);
    dwh_plugin *p = dwhi_registry_find(r, "abit_t15");
    assert_non_null(p);
    unsigned major = 9, minor = 9;
    dwh_plugin_abi(p, &major, &minor);
    assert_int_equal(major, 1);
    assert_int_equal(minor, 5);
    const dw_source *src = dwh_plugin_source(p);
    assert_int_equal(src->n_actions, 0);
    assert_null(src->actions);
    assert_int_equal(src->n_fields, 2);
    assert_string_equal(src->fields[1].name, "token");
    assert_int_equal(src->fields[1].secret, 1);
    assert_null(src->fields[0].options_action);
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

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_targeted_1_5_plugin_loads_as_1_5),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
