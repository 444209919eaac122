/* test_conformance_cap_api.c -- dwh_conformance_options.max_rows through
 * the embedding API (dwhost.h): a cap marks the read checks capped_at and
 * they pass on the prefix; negative means every row; 0 is the default
 * (100000); the plain dwh_conformance (libdwhost 0.1.0 layout) never
 * reads the member. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "dwhost.h"

static dwh_host *host;
static dwh_plugin *pager;
static const char *config = "{\"total_rows\": 2000, \"page_rows\": 100}";

static int setup(void **state) {
    (void)state;
    const char *dirs[] = {DWHOST_BUILD_DIR "/test-plugins"};
    dwh_host_options o = {.plugin_dirs = dirs, .n_plugin_dirs = 1,
                          .flags = DWH_HOST_NO_ENV_PATH | DWH_HOST_NO_DEFAULT_DIR};
    host = dwh_host_new(&o);
    pager = host ? dwh_host_find(host, "pager") : NULL;
    return pager ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    dwh_plugin_unref(pager);
    dwh_host_free(host);
    return 0;
}

/* The check named `name` of a report (borrowed from it). */
static json_object *check(json_object *report, const char *name) {
    json_object *checks = json_object_object_get(report, "checks");
    for (size_t i = 0; i < json_object_array_length(checks); i++) {
        json_object *c = json_object_array_get_idx(checks, i);
        if (!strcmp(json_object_get_string(json_object_object_get(c, "name")), name)) return c;
    }
    fail_msg("no check %s", name);
    return NULL;
}

static const char *detail(json_object *report, const char *name) {
    return json_object_get_string(json_object_object_get(check(report, name), "detail"));
}

static json_object *run(const dwh_conformance_options *o) {
    char *text = NULL;
    /* 1: pager has no docs_url (descriptor fails), everything else passes. */
    assert_int_equal(dwh_conformance(pager, config, NULL, o, &text, NULL), DW_ERR);
    json_object *r = json_tokener_parse(text);
    free(text);
    assert_non_null(r);
    return r;
}

static void test_cap(void **state) {
    (void)state;
    dwh_conformance_options o = {.max_rows = 500};
    json_object *r = run(&o);
    assert_int_equal(json_object_get_int(json_object_object_get(r, "failed")), 1);
    assert_string_equal(detail(r, "read:items"), "500 rows, 5 state saves; primary keys present, scalar, non-null and "
                                                 "unique; read capped at 500 rows: checks ran on that prefix");
    const char *names[] = {"read:items", "full_refresh:items", "incremental:items:id", "resume:items"};
    for (size_t i = 0; i < 4; i++) {
        json_object *c = check(r, names[i]);
        assert_string_equal(json_object_get_string(json_object_object_get(c, "status")), "pass");
        assert_int_equal(json_object_get_int(json_object_object_get(c, "capped_at")), 500);
    }
    assert_null(json_object_object_get(check(r, "schemas"), "capped_at"));
    json_object_put(r);
}

static void test_no_cap_and_default(void **state) {
    (void)state;
    dwh_conformance_options every = {.max_rows = -1}, deflt = {0};
    const dwh_conformance_options *opts[] = {&every, &deflt};
    for (size_t i = 0; i < 2; i++) {
        json_object *r = run(opts[i]);
        assert_non_null(strstr(detail(r, "read:items"), "2000 rows, 20 state saves;"));
        assert_null(json_object_object_get(check(r, "read:items"), "capped_at"));
        assert_string_equal(detail(r, "full_refresh:items"), "two full reads gave the same 2000 rows");
        json_object_put(r);
    }
}

/* A caller whose struct ends before max_rows (an older dwhost.h) gets the
 * default cap: the member is not looked at. */
static void test_plain_function_reads_the_old_layout(void **state) {
    (void)state;
    dwh_conformance_options o = {.max_rows = 300};
    char *text = NULL;
    assert_int_equal(dwh_conformance_sized(pager, config, NULL, &o, offsetof(dwh_conformance_options, max_rows), &text,
                                           NULL),
                     DW_ERR);
    json_object *r = json_tokener_parse(text);
    free(text);
    assert_non_null(strstr(detail(r, "read:items"), "2000 rows"));
    json_object_put(r);
    /* The sized call with the full size does read it. */
    assert_int_equal(dwh_conformance_sized(pager, config, NULL, &o, sizeof o, &text, NULL), DW_ERR);
    r = json_tokener_parse(text);
    free(text);
    assert_non_null(strstr(detail(r, "read:items"), "300 rows, 3 state saves;"));
    json_object_put(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_no_cap_and_default),
        cmocka_unit_test(test_plain_function_reads_the_old_layout),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
