/* test_json_path.c -- dotted-path lookups (host/src/base/json_path.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/json_path.h"

static json_object *doc;

static int setup(void **state) {
    (void)state;
    doc = json_tokener_parse("{\"auth\":{\"token\":\"t0k\",\"n\":3},\"tables\":[{\"name\":\"a\"},{\"name\":\"b\","
                             "\"cols\":[[1,2],[3,4]]}],\"nothing\":null,\"a.b\":1,\"\":{\"x\":1}}");
    return doc ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    json_object_put(doc);
    return 0;
}

static const char *str_at(const char *path) { return json_object_get_string(dwhi_json_path(doc, path)); }

static void finds_members_and_elements(void **state) {
    (void)state;
    assert_string_equal(str_at("auth.token"), "t0k");
    assert_int_equal(json_object_get_int(dwhi_json_path(doc, "auth.n")), 3);
    assert_string_equal(str_at("tables[1].name"), "b");
    assert_int_equal(json_object_get_int(dwhi_json_path(doc, "tables[1].cols[1][0]")), 3);
    assert_ptr_equal(dwhi_json_path(doc, ""), doc);
    json_object *arr = dwhi_json_path(doc, "tables");
    assert_string_equal(json_object_get_string(dwhi_json_path(arr, "[0].name")), "a");
}

static void absent_and_malformed_paths_are_null(void **state) {
    (void)state;
    const char *bad[] = {"missing", "auth.missing", "tables[2]", "tables[99999999999999999999]", "tables[-1]",
                         "tables[x]", "tables[1", "auth..token", ".auth", "auth.", "auth.token.deeper",
                         "tables.name", "auth[0]", "a.b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_null(dwhi_json_path(doc, bad[i]));
        assert_false(dwhi_json_path_exists(doc, bad[i]));
    }
    assert_null(dwhi_json_path(doc, NULL));
    assert_null(dwhi_json_path(NULL, "auth"));
}

static void null_members_exist_but_are_null(void **state) {
    (void)state;
    assert_null(dwhi_json_path(doc, "nothing"));
    assert_true(dwhi_json_path_exists(doc, "nothing"));
    assert_false(dwhi_json_path_exists(doc, "nothing.below"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finds_members_and_elements),
        cmocka_unit_test(absent_and_malformed_paths_are_null),
        cmocka_unit_test(null_members_exist_but_are_null),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
