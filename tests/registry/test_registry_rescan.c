/* test_registry_rescan.c -- rescans while plugins are in use: unchanged
 * plugins are kept, removed ones retired but usable by their holders, a
 * file replaced at the same path loads as a new plugin, and lookups and
 * runs in other threads go on during rescans. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include <cmocka.h>

#include "ops/ops.h"
#include "registry/registry.h"
#include "regt_util.h"

/* Lists schemas through the plugin: proves its code is still mapped. */
static int schemas_of(dwh_plugin *p) {
    json_object *schemas = NULL;
    dwhi_op_result r = dwhi_op_list_schemas(p, NULL, NULL, NULL, NULL, &schemas);
    int n = r.code == DW_OK ? (int)json_object_array_length(schemas) : -1;
    json_object_put(schemas);
    dwhi_op_result_free(&r);
    return n;
}

static void test_rescan_keeps_retires_and_replaces(void **state) {
    char *dir = regt_tmpdir();
    char *ok = regt_install(dir, "regt_ok", NULL);
    char *good = regt_install(dir, "regt_good", NULL);
    dwhi_registry *r = dwhi_registry_new();
    const char *dirs[] = {dir};
    assert_int_equal(dwhi_registry_scan(r, dirs, 1), 2);
    dwh_plugin *ok1 = dwhi_registry_find(r, "regt_ok");
    dwh_plugin *good1 = dwhi_registry_find(r, "regt_good");

    /* Unchanged: the same plugin object. */
    assert_int_equal(dwhi_registry_rescan(r), 2);
    dwh_plugin *ok2 = dwhi_registry_find(r, "regt_ok");
    assert_ptr_equal(ok1, ok2);
    dwh_plugin_unref(ok2);

    /* Removed: gone from the registry, still usable by its holder. */
    assert_int_equal(unlink(good), 0);
    assert_int_equal(dwhi_registry_rescan(r), 1);
    assert_null(dwhi_registry_find(r, "regt_good"));
    assert_int_equal(dwh_plugin_activate(good1, NULL), DW_OK);
    assert_int_equal(schemas_of(good1), 1);
    assert_string_equal(dwh_plugin_source(good1)->version, "1.2.3");
    dwh_plugin_unref(good1);

    /* Replaced at the same path by another build (version patched): the
     * new file loads as a new plugin; the old holder keeps the old code. */
    free(regt_install(dir, "regt_ok", "libsource_regt_ok.so.new"));
    char *tmp = NULL;
    assert_true(asprintf(&tmp, "%s/libsource_regt_ok.so.new", dir) > 0);
    regt_patch(tmp, "0.0.1", "0.0.2");
    assert_int_equal(rename(tmp, ok), 0);
    free(tmp);
    assert_int_equal(dwhi_registry_rescan(r), 1);
    dwh_plugin *ok3 = dwhi_registry_find(r, "regt_ok");
    assert_non_null(ok3);
    assert_ptr_not_equal(ok3, ok1);
    assert_string_equal(dwh_plugin_source(ok3)->version, "0.0.2");
    assert_string_equal(dwh_plugin_source(ok1)->version, "0.0.1");
    assert_int_equal(dwh_plugin_activate(ok3, NULL), DW_OK);
    assert_int_equal(dwh_plugin_activate(ok1, NULL), DW_OK);
    dwh_plugin_unref(ok1);
    dwh_plugin_unref(ok3);

    /* Back to no holders: a rescan after the old one is gone still works. */
    assert_int_equal(dwhi_registry_rescan(r), 1);
    dwhi_registry_free(r);
    free(ok);
    free(good);
    regt_rmdir(dir);
}

static void test_add_file(void **state) {
    char *dir = regt_tmpdir(), *extra = regt_tmpdir();
    free(regt_install(dir, "regt_ok", NULL));
    char *mine = regt_install(extra, "regt_ok", NULL);
    char *bad = regt_install(extra, "regt_major", NULL);
    dwhi_registry *r = dwhi_registry_new();
    const char *dirs[] = {dir};
    dwhi_registry_scan(r, dirs, 1);
    char *err = NULL;
    assert_int_equal(dwhi_registry_add_file(r, mine, &err), 0);
    assert_null(err);
    dwh_plugin *p = dwhi_registry_find(r, "regt_ok");
    assert_string_equal(dwh_plugin_path(p), mine); /* ahead of the directories */
    dwh_plugin_unref(p);
    dwhi_registry_rescan(r);
    p = dwhi_registry_find(r, "regt_ok");
    assert_string_equal(dwh_plugin_path(p), mine); /* kept across rescans */
    dwh_plugin_unref(p);
    assert_int_equal(dwhi_registry_add_file(r, bad, &err), -1);
    assert_non_null(err);
    assert_non_null(strstr(err, "majors differ"));
    free(err);
    dwhi_registry_free(r);
    free(mine);
    free(bad);
    regt_rmdir(dir);
    regt_rmdir(extra);
}

typedef struct worker_arg {
    dwhi_registry *r;
    volatile int *stop;
    int runs;
    int failures;
} worker_arg;

static void *worker(void *v) {
    worker_arg *a = v;
    while (!*a->stop) {
        dwh_plugin *p = dwhi_registry_find(a->r, "regt_good");
        if (!p) continue; /* between a removal and the re-add */
        if (dwh_plugin_activate(p, NULL) != DW_OK || schemas_of(p) != 1) a->failures++;
        a->runs++;
        dwh_plugin_unref(p);
    }
    return NULL;
}

static void test_rescans_while_runs_are_in_flight(void **state) {
    char *dir = regt_tmpdir();
    char *good = regt_install(dir, "regt_good", NULL);
    dwhi_registry *r = dwhi_registry_new();
    const char *dirs[] = {dir};
    dwhi_registry_scan(r, dirs, 1);
    volatile int stop = 0;
    worker_arg args[2] = {{r, &stop, 0, 0}, {r, &stop, 0, 0}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++) assert_int_equal(pthread_create(&t[i], NULL, worker, &args[i]), 0);
    for (int round = 0; round < 30; round++) {
        /* Replace (new inode), remove, re-add: every kind of change. */
        free(regt_install(dir, "regt_good", NULL));
        dwhi_registry_rescan(r);
        if (round % 3 == 0) {
            unlink(good);
            dwhi_registry_rescan(r);
            free(regt_install(dir, "regt_good", NULL));
            dwhi_registry_rescan(r);
        }
        usleep(2000);
    }
    stop = 1;
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    assert_int_equal(args[0].failures + args[1].failures, 0);
    assert_true(args[0].runs + args[1].runs > 0);
    dwh_plugin *p = dwhi_registry_find(r, "regt_good");
    assert_non_null(p);
    dwh_plugin_unref(p);
    dwhi_registry_free(r);
    free(good);
    regt_rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rescan_keeps_retires_and_replaces),
        cmocka_unit_test(test_add_file),
        cmocka_unit_test(test_rescans_while_runs_are_in_flight),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
