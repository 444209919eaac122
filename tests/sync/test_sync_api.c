/* The embedding API (dwhost.h "== sync =="): sync a plugin by name into a
 * warehouse, read the report, stop it through the cancel flag and resume,
 * and get one clear line for a bad config or an unknown source; sync a
 * plugin reference (dwh_sync_plugin) with a config whose {"$file"}
 * reference starts at base_dir, and read the commands that continue it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <sqlite3.h>

#include "dwhost.h"

static char dir[64], db[128];
static dwh_host *host;

static int setup(void **s) {
    (void)s;
    snprintf(dir, sizeof dir, "/tmp/dwh-api-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    snprintf(db, sizeof db, "%s/w.db", dir);
    const char *dirs[] = {DWHOST_BUILD_DIR "/test-plugins"};
    dwh_host_options o = {.plugin_dirs = dirs, .n_plugin_dirs = 1, .flags = DWH_HOST_NO_ENV_PATH | DWH_HOST_NO_DEFAULT_DIR};
    host = dwh_host_new(&o);
    return host ? 0 : -1;
}

static int teardown(void **s) {
    (void)s;
    dwh_host_free(host);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

static long long count_rows(void) {
    sqlite3 *c;
    sqlite3_open(db, &c);
    sqlite3_stmt *st;
    long long n = -1;
    if (sqlite3_prepare_v2(c, "SELECT count(*), count(DISTINCT id) FROM pager_items", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) == sqlite3_column_int64(st, 1))
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(c);
    return n;
}

/* dwh_sync, returning the kind of failure; its status must agree. */
static dwh_sync_failure sync_kind(dwh_host *h, const char *source, const char *cfg, const dwh_sync_options *o,
                                  char **report, char **err) {
    dwh_sync_failure f = DWH_SYNC_FAIL_CONFIG;
    dw_status st = dwh_sync(h, source, cfg, o, &f, report, err);
    assert_int_equal(st == DW_OK, f == DWH_SYNC_OK);
    if (f == DWH_SYNC_FAIL_INTERRUPTED) assert_int_equal(st, DW_ERR_CANCELLED);
    if (f == DWH_SYNC_FAIL_CONFIG) assert_int_equal(st, DW_ERR_CONFIG);
    if (f == DWH_SYNC_FAIL_PLUGIN) assert_int_equal(st, DW_ERR_NOT_FOUND);
    return f;
}

static void syncs_and_reports(void **s) {
    (void)s;
    dwh_sync_options o = {.warehouse_path = db, .batch_rows = 100, .team_id = "t", .job_id = "api-1"};
    char *report = NULL, *err = NULL;
    dwh_sync_failure f = sync_kind(host, "pager", "{\"total_rows\": 450, \"page_rows\": 30}", &o, &report, &err);
    assert_int_equal(f, DWH_SYNC_OK);
    assert_null(err);
    json_object *doc = json_tokener_parse(report);
    assert_non_null(doc);
    assert_true(json_object_get_boolean(json_object_object_get(doc, "ok")));
    assert_string_equal(json_object_get_string(json_object_object_get(doc, "job_id")), "api-1");
    json_object *sch = json_object_array_get_idx(json_object_object_get(doc, "schemas"), 0);
    assert_int_equal(json_object_get_int(json_object_object_get(sch, "rows")), 450);
    assert_string_equal(json_object_get_string(json_object_object_get(sch, "table")), "pager_items");
    json_object_put(doc);
    free(report);
    assert_int_equal(count_rows(), 450);
}

static dwh_cancel *cancel;

static void stop_after_two(void *ud, const dwh_sync_progress *p) {
    (void)ud;
    if (p->batches >= 2) dwh_cancel_request(cancel);
}

static void cancel_then_resume(void **s) {
    (void)s;
    cancel = dwh_cancel_new();
    assert_non_null(cancel);
    snprintf(db, sizeof db, "%s/append.db", dir);
    dwh_sync_options o = {.warehouse_path = db, .batch_rows = 50, .mode = "append", .cancel = cancel,
                          .progress = stop_after_two};
    char *err = NULL;
    const char *cfg = "{\"total_rows\": 1000, \"page_rows\": 25}";
    assert_int_equal(sync_kind(host, "pager", cfg, &o, NULL, &err), DWH_SYNC_FAIL_INTERRUPTED);
    assert_non_null(strstr(err, "rerun to resume"));
    free(err);
    long long kept = count_rows();
    assert_true(kept >= 100 && kept < 1000 && kept % 25 == 0);
    dwh_cancel_reset(cancel);
    assert_int_equal(dwh_cancel_requested(cancel), 0);
    o.progress = NULL;
    char *report = NULL;
    assert_int_equal(sync_kind(host, "pager", cfg, &o, &report, NULL), DWH_SYNC_OK);
    assert_non_null(strstr(report, "\"resumed\":true"));
    free(report);
    assert_int_equal(count_rows(), 1000);
    dwh_cancel_free(cancel);
    cancel = NULL;
}

static void bad_inputs(void **s) {
    (void)s;
    char *err = NULL;
    assert_int_equal(sync_kind(host, "nosuch", "{}", NULL, NULL, &err), DWH_SYNC_FAIL_PLUGIN);
    assert_non_null(strstr(err, "no source named 'nosuch'"));
    free(err);
    dwh_sync_options o = {.warehouse_path = db};
    assert_int_equal(sync_kind(host, "pager", "{\"total_rows\": \"many\", \"secret\": \"hunter2hunter2\"}", &o, NULL, &err),
                     DWH_SYNC_FAIL_CONFIG);
    assert_non_null(strstr(err, "total_rows"));
    assert_null(strstr(err, "hunter2hunter2"));
    free(err);
    assert_int_equal(sync_kind(host, "pager", "{not json", &o, NULL, &err), DWH_SYNC_FAIL_CONFIG);
    assert_non_null(strstr(err, "not JSON"));
    free(err);
    assert_string_equal(dwh_sync_failure_name(DWH_SYNC_FAIL_STATE), "state");
    assert_null(dwh_sync_failure_name(DWH_SYNC_OK));
}

static const char *member_str(json_object *o, const char *key) {
    json_object *v = NULL;
    return json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : NULL;
}

/* dwh_sync_plugin: the config's relative {"$file"} reference read from
 * base_dir, a source failure after 3 committed pages with its status, and
 * the report's "rerun" (from opts->command: --reset dropped, the restart
 * of the full refresh with --restart-refresh; the secret read from the
 * file scrubbed) and "warehouse_kind"; without a command, "rerun" is
 * null; a NULL plugin is DW_ERR_NOT_FOUND. */
static void plugin_reference(void **s) {
    (void)s;
    char path[160];
    snprintf(path, sizeof path, "%s/token.txt", dir);
    FILE *token = fopen(path, "w");
    assert_non_null(token);
    fputs("file-Secret-77\n", token);
    fclose(token);
    snprintf(db, sizeof db, "%s/plugin.db", dir);
    const char *cfg = "{\"total_rows\": 95, \"page_rows\": 10, \"fail_after_pages\": 3, \"fail_message\": \"outage\", "
                      "\"secret\": {\"$file\": \"token.txt\"}}";
    const char *words[] = {"dwhost", "sync", "pager", "--config", "p.json", "--mode", "full", "--reset",
                           "--team-id", "file-Secret-77"};
    dwh_sync_options o = {.warehouse_path = db, .batch_rows = 10, .mode = "full", .command = words,
                          .n_command = sizeof words / sizeof words[0]};
    dwh_plugin *p = dwh_host_find(host, "pager");
    assert_non_null(p);
    char *report = NULL, *err = NULL;
    dwh_sync_failure f = DWH_SYNC_OK;
    assert_int_equal(dwh_sync_plugin(p, cfg, dir, &o, &f, &report, &err), DW_ERR_UNREACHABLE);
    assert_int_equal(f, DWH_SYNC_FAIL_SOURCE);
    assert_non_null(err);
    assert_non_null(strstr(err, "outage"));
    assert_int_equal(count_rows(), 30);
    assert_non_null(report);
    assert_null(strstr(report, "file-Secret-77"));
    json_object *doc = json_tokener_parse(report);
    assert_non_null(doc);
    json_object *rerun = json_object_object_get(doc, "rerun");
    assert_non_null(rerun);
    assert_string_equal(member_str(rerun, "resume"), "dwhost sync pager --config p.json --mode full --team-id ***");
    assert_string_equal(member_str(json_object_object_get(rerun, "restart"), "items"),
                        "dwhost sync pager --config p.json --team-id *** --schema items --restart-refresh");
    assert_string_equal(member_str(doc, "warehouse_kind"), "sqlite");
    json_object_put(doc);
    free(report);
    free(err);

    /* the same plugin without a command: resumes, fails again, no rerun to name */
    o.command = NULL;
    o.n_command = 0;
    assert_int_equal(dwh_sync_plugin(p, cfg, dir, &o, &f, &report, NULL), DW_ERR_UNREACHABLE);
    doc = json_tokener_parse(report);
    assert_non_null(doc);
    json_object *sch = json_object_array_get_idx(json_object_object_get(doc, "schemas"), 0);
    assert_true(json_object_get_boolean(json_object_object_get(sch, "resumed")));
    assert_true(json_object_object_get_ex(doc, "rerun", &rerun));
    assert_null(rerun);
    json_object_put(doc);
    free(report);
    dwh_plugin_unref(p);

    assert_int_equal(dwh_sync_plugin(NULL, cfg, dir, &o, &f, &report, &err), DW_ERR_NOT_FOUND);
    assert_int_equal(f, DWH_SYNC_FAIL_PLUGIN);
    assert_null(report);
    assert_non_null(strstr(err, "dwh_host_find"));
    free(err);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(syncs_and_reports),
        cmocka_unit_test(cancel_then_resume),
        cmocka_unit_test(bad_inputs),
        cmocka_unit_test(plugin_reference),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
