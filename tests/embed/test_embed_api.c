/*
 * test_embed_api.c -- the embedding API (dwhost.h) through the shared
 * libdwhost, as a service uses it: NULL handles fail, missing plugin
 * directories are reported, schemas are listed, a schema is read row by
 * row (stopping, cancelling, resuming from saved state), log lines go to
 * the embedder's sink and never to stderr, conformance and sync run.
 * Data: the bundled files plugin on examples/files (customers.csv: 36
 * rows, ids 1..36).
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "dwhost.h"

static dwh_host *host;
static dwh_plugin *files;
static char *config; /* {"directory": examples, "page_rows": 5} */

static int setup(void **state) {
    (void)state;
    const char *dirs[] = {EMBED_PLUGIN_DIR};
    dwh_host_options o = {.plugin_dirs = dirs, .n_plugin_dirs = 1,
                          .flags = DWH_HOST_NO_ENV_PATH | DWH_HOST_NO_DEFAULT_DIR};
    host = dwh_host_new(&o);
    files = host ? dwh_host_find(host, "files") : NULL;
    if (asprintf(&config, "{\"directory\": \"%s\", \"page_rows\": 5}", EMBED_EXAMPLES) < 0) return -1;
    return files ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    dwh_plugin_unref(files);
    dwh_host_free(host);
    free(config);
    return 0;
}

static json_object *parse(const char *text) {
    assert_non_null(text);
    json_object *o = json_tokener_parse(text);
    assert_non_null(o);
    return o;
}

/* A host on the one directory `dir`, with no environment or default
 * directory, and `flags` besides. */
static dwh_host *host_on(const char *dir, unsigned flags) {
    const char *dirs[] = {dir};
    dwh_host_options o = {.plugin_dirs = dirs, .n_plugin_dirs = 1,
                          .flags = DWH_HOST_NO_ENV_PATH | DWH_HOST_NO_DEFAULT_DIR | flags};
    dwh_host *h = dwh_host_new(&o);
    assert_non_null(h);
    return h;
}

/* Removes a temporary directory and what is in it. */
static void rm_rf(const char *dir) {
    char *cmd = NULL;
    assert_true(asprintf(&cmd, "rm -rf '%s'", dir) > 0);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

/* Every function given a NULL handle fails and says so (QA #3). */
/* The linked library names its release, the same one the header states,
 * and DWH_VERSION_NUM encodes it as 0xMMmmpp. */
static void test_version(void **state) {
    (void)state;
    assert_string_equal(dwh_version(), DWH_VERSION);
    assert_int_equal(dwh_version_num(), DWH_VERSION_NUM);
    unsigned major, minor, patch;
    assert_int_equal(sscanf(dwh_version(), "%u.%u.%u", &major, &minor, &patch), 3);
    assert_int_equal(DWH_VERSION_NUM, (major << 16) | (minor << 8) | patch);
    assert_true(DWH_VERSION_NUM >= 0x000100);
    assert_ptr_equal(dwh_version(), dwh_version()); /* static: the same string every call */
}

static void test_null_handles(void **state) {
    (void)state;
    char *validated = (char *)"x", *report = NULL;
    char *verr = NULL;
    assert_int_equal(dwh_config_validate_text(NULL, "{}", NULL, &validated, &report, &verr), DW_ERR_NOT_FOUND);
    assert_null(validated);
    assert_non_null(strstr(verr, "NULL handle"));
    free(verr);
    json_object *r = parse(report);
    json_object *errors = json_object_object_get(r, "errors");
    assert_int_equal(json_object_array_length(errors), 1);
    assert_string_equal(json_object_get_string(json_object_object_get(json_object_array_get_idx(errors, 0), "path")),
                        "(plugin)");
    json_object_put(r);
    free(report);
    assert_int_equal(dwh_config_validate_text(NULL, "{}", NULL, NULL, NULL, NULL), DW_ERR_NOT_FOUND);

    assert_null(dwh_config_mask_text(NULL, "{}"));
    assert_null(dwh_config_secret_paths_json(NULL));

    char *doc = NULL;
    char *cerr = NULL;
    assert_int_equal(dwh_check(NULL, "{}", NULL, NULL, 0, &doc, &cerr), DW_ERR_NOT_FOUND);
    assert_non_null(cerr);
    free(cerr);
    r = parse(doc);
    assert_false(json_object_get_boolean(json_object_object_get(r, "ok")));
    json_object_put(r);
    free(doc);

    char *err = NULL;
    assert_int_equal(dwh_plugin_activate(NULL, &err), DW_ERR_NOT_FOUND);
    assert_non_null(strstr(err, "NULL"));
    free(err);
    err = NULL;
    unsigned major = 9, minor = 9;
    dwh_plugin_abi(NULL, &major, &minor);
    assert_int_equal(major, 0);
    assert_int_equal(minor, 0);
    assert_null(dwh_plugin_name(NULL));
    assert_null(dwh_plugin_source(NULL));
    assert_null(dwh_plugin_form_json(NULL));

    assert_null(dwh_host_find(NULL, "files"));
    assert_null(dwh_host_find(host, "no_such_source"));
    size_t n = 7;
    assert_null(dwh_host_list(NULL, &n));
    assert_int_equal(n, 0);
    n = 7;
    assert_null(dwh_host_rejections(NULL, &n));
    assert_int_equal(n, 0);
    assert_int_equal(dwh_host_rescan(NULL), 0);
    assert_null(dwh_host_plugin_dirs(NULL));
    char *e = NULL;
    assert_int_equal(dwh_host_add_plugin_file(NULL, "/x.so", &e), DW_ERR_CONFIG);
    assert_non_null(e);
    free(e);

    char *schemas = (char *)"x";
    e = NULL;
    assert_int_equal(dwh_list_schemas(NULL, "{}", NULL, 0, &schemas, &e), DW_ERR_NOT_FOUND);
    assert_null(schemas);
    assert_non_null(strstr(e, "dwh_host_find"));
    free(e);

    dwh_read_options ro = {.schema = "customers"};
    e = NULL;
    assert_int_equal(dwh_read(NULL, "{}", NULL, &ro, NULL, NULL, &e), DW_ERR_NOT_FOUND);
    free(e);

    char *conf = NULL;
    e = NULL;
    assert_int_equal(dwh_conformance(NULL, "{}", NULL, NULL, &conf, &e), DW_ERR_NOT_FOUND);
    assert_non_null(e);
    free(e);
    r = parse(conf);
    assert_false(json_object_get_boolean(json_object_object_get(r, "ok")));
    json_object_put(r);
    free(conf);

    e = NULL;
    dwh_sync_failure why = DWH_SYNC_OK;
    assert_int_equal(dwh_sync(NULL, "files", config, NULL, &why, NULL, &e), DW_ERR_NOT_FOUND);
    assert_int_equal(why, DWH_SYNC_FAIL_PLUGIN);
    free(e);

    /* Freeing NULL is a no-op everywhere. */
    dwh_host_free(NULL);
    dwh_plugin_unref(NULL);
    dwh_free_secret(NULL);
}

/* A plugin directory the embedder named but that does not exist is
 * reported; once created, a rescan clears it. */
static void test_missing_plugin_dir(void **state) {
    (void)state;
    char tmpl[] = "/tmp/dwhost-embed-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    char *missing = NULL;
    assert_true(asprintf(&missing, "%s/plugins", tmpl) > 0);
    const char *dirs[] = {missing};
    dwh_host_options o = {.plugin_dirs = dirs, .n_plugin_dirs = 1,
                          .flags = DWH_HOST_NO_ENV_PATH | DWH_HOST_NO_DEFAULT_DIR};
    dwh_host *h = dwh_host_new(&o);
    assert_non_null(h);
    size_t n = 0;
    dwh_rejection *rej = dwh_host_rejections(h, &n);
    assert_int_equal(n, 1);
    assert_int_equal(rej[0].reason, DWH_REJECT_DIR_MISSING);
    assert_string_equal(dwh_reject_reason_name(rej[0].reason), "dir_missing");
    assert_string_equal(rej[0].path, missing);
    assert_non_null(strstr(rej[0].message, "does not exist"));
    dwh_rejections_free(rej, n);

    assert_int_equal(mkdir(missing, 0700), 0);
    assert_int_equal(dwh_host_rescan(h), 0);
    rej = dwh_host_rejections(h, &n);
    assert_int_equal(n, 0);
    assert_null(rej);
    dwh_host_free(h);
    rmdir(missing);
    rmdir(tmpl);
    free(missing);
}

static void test_list_schemas(void **state) {
    (void)state;
    char *schemas = NULL, *err = NULL;
    /* files lists its schemas only from a config. */
    assert_int_equal(dwh_list_schemas(files, NULL, NULL, 0, &schemas, &err), DW_ERR_NEEDS_CONFIG);
    assert_null(schemas);
    assert_non_null(err);
    free(err);

    assert_int_equal(dwh_list_schemas(files, config, NULL, 0, &schemas, &err), DW_OK);
    assert_null(err);
    json_object *a = parse(schemas);
    assert_int_equal(json_object_array_length(a), 3);
    assert_string_equal(json_object_get_string(json_object_object_get(json_object_array_get_idx(a, 0), "name")),
                        "customers");
    json_object_put(a);
    free(schemas);

    /* An invalid config: no plugin code, every error in one line. */
    assert_int_equal(dwh_list_schemas(files, "{\"directry\": 1}", NULL, 0, &schemas, &err), DW_ERR_CONFIG);
    assert_null(schemas);
    assert_non_null(strstr(err, "directry"));
    free(err);
    assert_int_equal(dwh_list_schemas(files, "not json", NULL, 0, &schemas, &err), DW_ERR_CONFIG);
    assert_non_null(strstr(err, "not JSON"));
    free(err);
}

typedef struct rows {
    long ids[200];
    size_t n;
    size_t stop_after; /* 0: never */
    char *states[64];
    size_t n_states;
    int refuse_state;
} rows;

static int on_row(void *user, const char *row_json, size_t len) {
    rows *r = user;
    assert_int_equal(strlen(row_json), len);
    json_object *o = parse(row_json);
    /* CSV values are strings. */
    r->ids[r->n++] = atol(json_object_get_string(json_object_object_get(o, "id")));
    json_object_put(o);
    return r->stop_after && r->n >= r->stop_after;
}

static int on_state(void *user, const char *state_json) {
    rows *r = user;
    if (r->refuse_state) return 1;
    if (r->n_states < 64) r->states[r->n_states++] = strdup(state_json);
    return 0;
}

/* Counts rows of any shape. */
static int on_row_any(void *user, const char *row_json, size_t len) {
    (void)row_json;
    (void)len;
    ((rows *)user)->n++;
    return 0;
}

static void rows_clear(rows *r) {
    for (size_t i = 0; i < r->n_states; i++) free(r->states[i]);
    memset(r, 0, sizeof *r);
}

static void test_read(void **state) {
    (void)state;
    rows r = {0};
    dwh_read_options o = {.schema = "customers", .row = on_row, .state = on_state, .user = &r};
    int stopped = -1;
    char *last = NULL, *err = NULL;
    assert_int_equal(dwh_read(files, config, NULL, &o, &stopped, &last, &err), DW_OK);
    assert_int_equal(stopped, 0);
    assert_null(err);
    assert_int_equal(r.n, 36);
    for (size_t i = 0; i < r.n; i++) assert_int_equal(r.ids[i], (long)i + 1);
    assert_true(r.n_states >= 7); /* every 5 records and at the end */
    assert_non_null(last);
    assert_string_equal(last, r.states[r.n_states - 1]);
    free(last);
    rows_clear(&r);

    /* The row callback stops the read after 12 rows: DW_OK, stopped; the
     * last state covers 10 rows, so resuming from it gives 11..36. */
    r.stop_after = 12;
    assert_int_equal(dwh_read(files, config, NULL, &o, &stopped, &last, &err), DW_OK);
    assert_int_equal(stopped, 1);
    assert_int_equal(r.n, 12);
    assert_non_null(last);
    json_object *st = parse(last);
    assert_int_equal(json_object_get_int(json_object_object_get(st, "rows")), 10);
    json_object_put(st);
    rows_clear(&r);
    o.state_in = last;
    assert_int_equal(dwh_read(files, config, NULL, &o, &stopped, NULL, &err), DW_OK);
    assert_int_equal(r.n, 26);
    assert_int_equal(r.ids[0], 11);
    assert_int_equal(r.ids[25], 36);
    rows_clear(&r);
    free(last);
    o.state_in = NULL;

    /* Cancelled before it starts: DW_ERR_CANCELLED, nothing delivered. */
    dwh_cancel *cancel = dwh_cancel_new();
    assert_non_null(cancel);
    assert_int_equal(dwh_cancel_requested(cancel), 0);
    dwh_cancel_request(cancel);
    assert_int_equal(dwh_cancel_requested(cancel), 1);
    o.cancel = cancel;
    assert_int_equal(dwh_read(files, config, NULL, &o, &stopped, NULL, &err), DW_ERR_CANCELLED);
    assert_int_equal(r.n, 0);
    free(err);
    o.cancel = NULL;
    dwh_cancel_free(cancel);

    /* The embedder's state store fails: DW_ERR_STATE. */
    r.refuse_state = 1;
    assert_int_equal(dwh_read(files, config, NULL, &o, &stopped, NULL, &err), DW_ERR_STATE);
    assert_non_null(strstr(err, "state callback"));
    assert_int_equal(r.n, 5);
    free(err);
    rows_clear(&r);

    /* Bad inputs never reach the plugin. */
    o.state_in = "[1]";
    assert_int_equal(dwh_read(files, config, NULL, &o, &stopped, NULL, &err), DW_ERR_STATE);
    free(err);
    o.state_in = NULL;
    o.schema = "nope";
    assert_int_equal(dwh_read(files, config, NULL, &o, &stopped, NULL, &err), DW_ERR_NOT_FOUND);
    assert_non_null(strstr(err, "customers, orders, products"));
    free(err);
    o.schema = NULL;
    assert_int_equal(dwh_read(files, config, NULL, &o, &stopped, NULL, &err), DW_ERR_CONFIG);
    free(err);
    o.schema = "customers";
    o.row = NULL;
    assert_int_equal(dwh_read(files, config, NULL, &o, &stopped, NULL, &err), DW_ERR_CONFIG);
    free(err);
    o.row = on_row;
    o.incremental_field = "id";
    o.last_value = "not a scalar";
    assert_int_equal(dwh_read(files, config, NULL, &o, &stopped, NULL, &err), DW_ERR_CONFIG);
    free(err);
    assert_int_equal(r.n, 0);
}

/* dwh_schema_check answers as `dwhost read` and `dwhost sync` refuse a
 * schema or an incremental field: DW_ERR_CONFIG with sync's wording. */
static void test_schema_check(void **state) {
    (void)state;
    char *err = NULL;
    assert_int_equal(dwh_schema_check(files, config, NULL, "orders", NULL, 0, &err), DW_OK);
    assert_null(err);
    assert_int_equal(dwh_schema_check(files, config, NULL, "nope", NULL, 0, &err), DW_ERR_CONFIG);
    assert_string_equal(err, "the source has no schema 'nope'; choose from: customers, orders, products");
    free(err);
    char *inc = NULL;
    assert_true(asprintf(&inc, "{\"directory\": \"%s\", \"incremental_field\": \"updated_at\"}",
                         EMBED_EXAMPLES) > 0);
    assert_int_equal(dwh_schema_check(files, inc, NULL, "orders", "updated_at", 0, &err), DW_OK);
    assert_int_equal(dwh_schema_check(files, inc, NULL, "orders", "nope", 0, &err), DW_ERR_CONFIG);
    assert_string_equal(err, "schema 'orders' has no incremental field 'nope'; choose one of: updated_at");
    free(err);
    free(inc);
    /* an invalid config is refused before plugin code runs */
    assert_int_equal(dwh_schema_check(files, "{\"directry\": 1}", NULL, "orders", NULL, 0, &err), DW_ERR_CONFIG);
    assert_non_null(strstr(err, "directry"));
    free(err);
    /* a listing that fails gives its own status, not DW_ERR_CONFIG */
    dw_status st = dwh_schema_check(files, "{\"directory\": \"/nonexistent/dwh\"}", NULL, "orders", NULL, 0, &err);
    assert_int_not_equal(st, DW_OK);
    assert_int_not_equal(st, DW_ERR_CONFIG);
    assert_non_null(strstr(err, "cannot check schema 'orders': listing the schemas failed"));
    assert_non_null(strstr(err, "/nonexistent/dwh"));
    free(err);
    assert_int_equal(dwh_schema_check(NULL, config, NULL, "orders", NULL, 0, &err), DW_ERR_NOT_FOUND);
    free(err);
}

/* `cause`: behind DW_ERR_NON_RETRYABLE, the status the plugin failed
 * with (the pager maps "simulated permanent failure" to a friendly text;
 * the failure itself is DW_ERR_UNREACHABLE). */
static void test_read_cause(void **state) {
    (void)state;
    dwh_host *h = host_on(EMBED_TEST_PLUGIN_DIR, 0);
    dwh_plugin *pager = dwh_host_find(h, "pager");
    assert_non_null(pager);
    rows r = {0};
    dw_status cause = DW_ERR;
    dwh_read_options o = {.schema = "items", .row = on_row_any, .user = &r, .cause = &cause};
    char *err = NULL;
    assert_int_equal(dwh_read(pager, "{\"total_rows\": 30, \"page_rows\": 10}", NULL, &o, NULL, NULL, &err), DW_OK);
    assert_int_equal(cause, DW_OK);
    assert_int_equal(r.n, 30);
    r.n = 0;
    cause = DW_OK;
    assert_int_equal(dwh_read(pager, "{\"fail_after_pages\": 1, \"fail_message\": \"simulated permanent failure\"}",
                              NULL, &o, NULL, NULL, &err),
                     DW_ERR_NON_RETRYABLE);
    assert_int_equal(cause, DW_ERR_UNREACHABLE);
    assert_non_null(strstr(err, "refused the request permanently"));
    free(err);
    cause = DW_OK;
    assert_int_equal(dwh_read(pager, "{\"fail_after_pages\": 1}", NULL, &o, NULL, NULL, &err), DW_ERR_UNREACHABLE);
    assert_int_equal(cause, DW_ERR_UNREACHABLE);
    free(err);
    /* refused before plugin code: the cause is the result */
    o.last_value = "42";
    assert_int_equal(dwh_read(pager, "{}", NULL, &o, NULL, NULL, &err), DW_ERR_CONFIG);
    assert_int_equal(cause, DW_ERR_CONFIG);
    free(err);
    dwh_plugin_unref(pager);
    dwh_host_free(h);
}

/* ---- logging ----------------------------------------------------------- */

typedef struct lines {
    char *v[256];
    int level[256];
    size_t n;
} lines;

static void sink(int level, const char *line, void *user) {
    lines *l = user;
    if (l->n < 256) {
        l->level[l->n] = level;
        l->v[l->n++] = strdup(line);
    }
}

/* Runs fn with fd 2 redirected into a temp file; returns what was written. */
static char *capture_stderr(void (*fn)(void *), void *arg) {
    char path[] = "/tmp/dwhost-embed-err-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    fn(arg);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    off_t len = lseek(fd, 0, SEEK_END);
    char *buf = calloc(1, (size_t)len + 1);
    assert_int_equal(pread(fd, buf, (size_t)len, 0), len);
    close(fd);
    unlink(path);
    return buf;
}

static void read_with_job(void *arg) {
    (void)arg;
    rows r = {0};
    dwh_read_options o = {.schema = "orders", .row = on_row, .user = &r, .job_id = "job-embed-1"};
    assert_int_equal(dwh_read(files, config, NULL, &o, NULL, NULL, NULL), DW_OK);
    assert_true(r.n > 0);
    rows_clear(&r);
    /* A sync logs at INFO ("sync.start", "sync.done"): those went to stderr
     * before the sink existed (QA #5). */
    char tmpl[] = "/tmp/dwhost-embed-wh-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    char *wh = NULL;
    assert_true(asprintf(&wh, "%s/w.db", tmpl) > 0);
    const char *const only[] = {"customers"};
    dwh_sync_options so = {.warehouse_path = wh, .schemas = only, .n_schemas = 1};
    char *report = NULL, *err = NULL;
    dwh_sync_failure why = DWH_SYNC_FAIL_CONFIG;
    assert_int_equal(dwh_sync(host, "files", config, &so, &why, &report, &err), DW_OK);
    assert_int_equal(why, DWH_SYNC_OK);
    assert_null(err);
    assert_non_null(strstr(report, "\"rows\":36"));
    free(report);
    /* what `dwhost status --json` prints, for the embedder */
    char *status = NULL;
    assert_int_equal(dwh_status_json(wh, &status, &err), DW_OK);
    assert_non_null(status);
    assert_null(err);
    json_object *st = parse(status);
    json_object *job = json_object_array_get_idx(json_object_object_get(st, "jobs"), 0);
    assert_string_equal(json_object_get_string(json_object_object_get(job, "schema")), "customers");
    assert_string_equal(json_object_get_string(json_object_object_get(job, "status")), "idle");
    json_object *last = json_object_object_get(job, "last_run");
    assert_string_equal(json_object_get_string(json_object_object_get(last, "outcome")), "ok");
    assert_int_equal(json_object_get_int64(json_object_object_get(last, "rows")), 36);
    assert_null(json_object_object_get(last, "command")); /* an embedder gave none */
    json_object_put(st);
    free(status);
    status = (char *)"x";
    assert_int_equal(dwh_status_json("/nonexistent/w.db", &status, &err), DW_ERR_NOT_FOUND);
    assert_null(status);
    assert_non_null(strstr(err, "no warehouse at /nonexistent/w.db"));
    free(err);
    err = NULL;
    /* the run history: a failing run is recorded too, newest first */
    const char *const nope[] = {"nope"};
    dwh_sync_options bad = {.warehouse_path = wh, .schemas = nope, .n_schemas = 1, .job_id = "job-bad"};
    assert_int_equal(dwh_sync(host, "files", config, &bad, &why, NULL, &err), DW_ERR_CONFIG);
    assert_int_equal(why, DWH_SYNC_FAIL_CONFIG);
    free(err);
    err = NULL;
    char *hist = NULL;
    assert_int_equal(dwh_status_history_json(wh, 1, &hist, &err), DW_OK);
    assert_non_null(hist);
    assert_null(err);
    json_object *h = parse(hist);
    json_object *runs = json_object_object_get(h, "runs");
    assert_int_equal(json_object_array_length(runs), 1); /* --limit 1 */
    json_object *r0 = json_object_array_get_idx(runs, 0);
    assert_string_equal(json_object_get_string(json_object_object_get(r0, "job_id")), "job-bad");
    assert_string_equal(json_object_get_string(json_object_object_get(r0, "outcome")), "failed");
    assert_string_equal(json_object_get_string(json_object_object_get(r0, "failure")), "config");
    assert_non_null(strstr(json_object_get_string(json_object_object_get(r0, "error")), "no schema 'nope'"));
    json_object_put(h);
    free(hist);
    assert_int_equal(dwh_status_history_json(wh, 0, &hist, &err), DW_OK);
    h = parse(hist);
    assert_int_equal(json_object_array_length(json_object_object_get(h, "runs")), 2);
    json_object_put(h);
    free(hist);
    assert_int_equal(dwh_status_history_json("/nonexistent/w.db", 0, &hist, &err), DW_ERR_NOT_FOUND);
    assert_null(hist);
    assert_non_null(strstr(err, "no warehouse at /nonexistent/w.db"));
    free(err);
    err = NULL;
    unlink(wh);
    char *wal = NULL;
    if (asprintf(&wal, "%s-wal", wh) > 0) unlink(wal);
    free(wal);
    if (asprintf(&wal, "%s-shm", wh) > 0) unlink(wal);
    free(wal);
    rmdir(tmpl);
    free(wh);
}

static void test_log_sink(void **state) {
    (void)state;
    lines l = {0};
    dwh_host_set_log_sink(host, sink, &l, DW_LOG_DEBUG);
    char *err_out = capture_stderr(read_with_job, NULL);
    assert_string_equal(err_out, ""); /* nothing reached stderr */
    free(err_out);
    int saw_run_start = 0, saw_sync_start = 0;
    for (size_t i = 0; i < l.n; i++) {
        json_object *o = parse(l.v[i]); /* JSON, one object per line */
        assert_null(strchr(l.v[i], '\n'));
        const char *event = json_object_get_string(json_object_object_get(o, "event"));
        assert_non_null(json_object_object_get(o, "ts"));
        assert_non_null(json_object_object_get(o, "level"));
        const char *schema = json_object_get_string(json_object_object_get(o, "schema"));
        if (!strcmp(event, "plugin.run.start") && schema && !strcmp(schema, "orders")) { /* the read's */
            saw_run_start = 1;
            assert_int_equal(l.level[i], DW_LOG_DEBUG);
            assert_string_equal(json_object_get_string(json_object_object_get(o, "job_id")), "job-embed-1");
            assert_string_equal(json_object_get_string(json_object_object_get(o, "source_type")), "files");
        }
        if (!strcmp(event, "sync.start")) saw_sync_start = 1;
        json_object_put(o);
        free(l.v[i]);
    }
    assert_true(saw_run_start);
    assert_true(saw_sync_start);

    /* Min level: only WARN and above reach the sink; text on request. */
    memset(&l, 0, sizeof l);
    dwh_host_set_log_sink(host, sink, &l, DW_LOG_WARN);
    assert_int_equal(dwh_host_set_log_format(host, DWH_LOG_FORMAT_TEXT, NULL), DW_OK);
    char *ferr = NULL;
    assert_int_equal(dwh_host_set_log_format(host, 7, &ferr), DW_ERR_CONFIG);
    assert_non_null(strstr(ferr, "DWH_LOG_FORMAT_TEXT"));
    free(ferr);
    err_out = capture_stderr(read_with_job, NULL);
    assert_string_equal(err_out, "");
    free(err_out);
    for (size_t i = 0; i < l.n; i++) {
        assert_true(l.level[i] >= DW_LOG_WARN);
        free(l.v[i]);
    }

    /* Back to stderr (the default destination), then silence. */
    dwh_host_set_log_sink(host, NULL, NULL, DW_LOG_INFO);
    err_out = capture_stderr(read_with_job, NULL);
    assert_non_null(strstr(err_out, "info files/customers: "));
    free(err_out);
    dwh_host_set_log_sink(host, NULL, NULL, DWH_LOG_OFF);
    err_out = capture_stderr(read_with_job, NULL);
    assert_string_equal(err_out, "");
    free(err_out);
    dwh_host_set_log_sink(host, NULL, NULL, DW_LOG_INFO);
}

typedef struct plugin_read {
    dwh_plugin *p;
    rows *r;
} plugin_read;

static void read_plugin(void *arg) {
    plugin_read *pr = arg;
    dwh_read_options ro = {.schema = "orders", .row = on_row, .user = pr->r};
    assert_int_equal(dwh_read(pr->p, config, NULL, &ro, NULL, NULL, NULL), DW_OK);
}

/* The log destination belongs to the host: a second host in the process
 * with its own sink gets its own operations' lines and none of the first
 * host's, and a plugin reference keeps its host's sink after the host is
 * freed. */
/* Reads a whole file into a malloc'd string. */
static char *slurp(FILE *f) {
    fflush(f);
    long n = ftell(f);
    char *buf = calloc(1, (size_t)n + 1);
    assert_non_null(buf);
    rewind(f);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    return buf;
}

/* DWH_HOST_DEFER_SCAN, dwh_host_set_log_stream and dwh_host_log: what
 * `dwhost --log-file F --log-format text` does through dwhost.h -- the
 * scan's own lines, the embedder's line and a sync's lines (ending with
 * the job when DWH_LOG_TEXT_IDENTITY is set) land in the stream, in the
 * format and at the level asked. */
static void test_log_stream(void **state) {
    (void)state;
    assert_int_equal(dwh_log_level_from_name("debug"), DW_LOG_DEBUG);
    assert_int_equal(dwh_log_level_from_name("WARNING"), DW_LOG_WARN);
    assert_int_equal(dwh_log_level_from_name("error"), DW_LOG_ERROR);
    assert_int_equal(dwh_log_level_from_name("loud"), -1);
    assert_int_equal(dwh_log_level_from_name(NULL), -1);
    dwh_host *h = host_on(EMBED_PLUGIN_DIR, DWH_HOST_DEFER_SCAN);
    assert_null(dwh_host_find(h, "files")); /* not scanned yet */
    FILE *f = tmpfile();
    assert_non_null(f);
    char *err = NULL;
    assert_int_equal(dwh_host_set_log_stream(h, f, 7, DW_LOG_DEBUG, 0, &err), DW_ERR_CONFIG);
    assert_non_null(strstr(err, "unknown log format"));
    free(err);
    assert_int_equal(dwh_host_set_log_stream(h, f, DWH_LOG_FORMAT_TEXT, DW_LOG_DEBUG, DWH_LOG_TEXT_IDENTITY, &err),
                     DW_OK);
    assert_true(dwh_host_rescan(h) >= 1);
    dwh_plugin *p = dwh_host_find(h, "files");
    assert_non_null(p);
    dwh_host_log(h, DW_LOG_WARN, "app.note", "hello from the embedder");
    char tmpl[] = "/tmp/dwhost-embed-ls-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    char *wh = NULL;
    assert_true(asprintf(&wh, "%s/w.db", tmpl) > 0);
    const char *const only[] = {"customers"};
    dwh_sync_options so = {.warehouse_path = wh, .schemas = only, .n_schemas = 1, .job_id = "job-ls"};
    assert_int_equal(dwh_sync(h, "files", config, &so, NULL, NULL, NULL), DW_OK);
    char *text = slurp(f);
    assert_non_null(strstr(text, "loaded source 'files'")); /* the scan's debug line */
    assert_non_null(strstr(text, "hello from the embedder"));
    assert_non_null(strstr(text, "[team=local source_id=files job=job-ls]"));
    assert_false(text[0] == '{' || strstr(text, "\n{")); /* text lines, not JSON objects */
    free(text);
    /* JSON at WARN: the sync's INFO lines are dropped, a WARN line kept */
    assert_int_equal(ftruncate(fileno(f), 0), 0);
    rewind(f);
    assert_int_equal(dwh_host_set_log_stream(h, f, DWH_LOG_FORMAT_JSON, DW_LOG_WARN, 0, NULL), DW_OK);
    so.job_id = "job-ls2";
    assert_int_equal(dwh_sync(h, "files", config, &so, NULL, NULL, NULL), DW_OK);
    dwh_host_log(h, DW_LOG_WARN, "app.note", "second");
    dwh_host_log(h, DW_LOG_INFO, "app.note", "dropped");
    text = slurp(f);
    assert_null(strstr(text, "job-ls2"));
    assert_null(strstr(text, "dropped"));
    json_object *line = parse(text);
    assert_string_equal(json_object_get_string(json_object_object_get(line, "event")), "app.note");
    assert_string_equal(json_object_get_string(json_object_object_get(line, "msg")), "second");
    json_object_put(line);
    free(text);
    fclose(f);
    dwh_plugin_unref(p);
    dwh_host_free(h);
    rm_rf(tmpl);
    free(wh);
}

/* dwh_plugin_pins_check: a usable pin file passes; a malformed or missing
 * one fails with one line naming it. */
static void test_pins_check(void **state) {
    (void)state;
    char path[] = "/tmp/dwhost-embed-pins-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char good[] = "# pins\nfiles 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n";
    assert_int_equal(write(fd, good, sizeof good - 1), (ssize_t)(sizeof good - 1));
    char *err = NULL;
    assert_int_equal(dwh_plugin_pins_check(path, &err), DW_OK);
    assert_null(err);
    assert_int_equal(write(fd, "oops\n", 5), 5);
    close(fd);
    assert_int_equal(dwh_plugin_pins_check(path, &err), DW_ERR_CONFIG);
    assert_non_null(err);
    assert_non_null(strstr(err, path));
    free(err);
    unlink(path);
    assert_int_equal(dwh_plugin_pins_check(path, &err), DW_ERR_CONFIG);
    assert_non_null(strstr(err, path));
    free(err);
    assert_int_equal(dwh_plugin_pins_check(NULL, NULL), DW_ERR_CONFIG);
}

static void test_log_sink_per_host(void **state) {
    (void)state;
    dwh_host_options o = {.plugin_dirs = (const char *[]){EMBED_PLUGIN_DIR}, .n_plugin_dirs = 1,
                          .flags = DWH_HOST_NO_ENV_PATH | DWH_HOST_NO_DEFAULT_DIR};
    dwh_host *other = dwh_host_new(&o);
    assert_non_null(other);
    lines mine = {0}, theirs = {0};
    dwh_host_set_log_sink(host, sink, &mine, DW_LOG_DEBUG);
    dwh_host_set_log_sink(other, sink, &theirs, DW_LOG_DEBUG);
    dwh_plugin *their_files = dwh_host_find(other, "files");
    assert_non_null(their_files);
    rows r = {0};
    dwh_read_options ro = {.schema = "orders", .row = on_row, .user = &r, .job_id = "job-other"};
    assert_int_equal(dwh_read(their_files, config, NULL, &ro, NULL, NULL, NULL), DW_OK);
    assert_true(theirs.n > 0);
    assert_int_equal(mine.n, 0); /* the first host heard nothing of it */
    for (size_t i = 0; i < theirs.n; i++) {
        json_object *line = parse(theirs.v[i]);
        json_object *job = json_object_object_get(line, "job_id");
        if (job) assert_string_equal(json_object_get_string(job), "job-other");
        json_object_put(line);
        free(theirs.v[i]);
    }
    memset(&theirs, 0, sizeof theirs);
    /* the plugin outlives its host, and so does the host's sink */
    dwh_host_free(other);
    rows_clear(&r);
    plugin_read pr = {their_files, &r};
    char *err_out = capture_stderr(read_plugin, &pr);
    assert_string_equal(err_out, "");
    free(err_out);
    assert_true(theirs.n > 0);
    assert_int_equal(mine.n, 0);
    for (size_t i = 0; i < theirs.n; i++) free(theirs.v[i]);
    rows_clear(&r);
    dwh_plugin_unref(their_files);
    dwh_host_set_log_sink(host, NULL, NULL, DW_LOG_INFO);
}

static void test_conformance_and_secret_free(void **state) {
    (void)state;
    char *report = NULL;
    dwh_conformance_options co = {.structural = 1};
    char *cerr = (char *)"x";
    assert_int_equal(dwh_conformance(files, config, NULL, &co, &report, &cerr), DW_OK);
    assert_null(cerr);
    json_object *r = parse(report);
    assert_true(json_object_get_boolean(json_object_object_get(r, "ok")));
    assert_string_equal(json_object_get_string(json_object_object_get(r, "source")), "files");
    assert_true(json_object_array_length(json_object_object_get(r, "checks")) >= 4);
    json_object_put(r);
    free(report);
    assert_int_equal(dwh_conformance(files, "{\"directory\": 5}", NULL, &co, &report, &cerr), DW_ERR_CONFIG);
    assert_non_null(strstr(cerr, "directory")); /* the suite could not run: the config is invalid */
    free(cerr);
    free(report);
    assert_int_equal(dwh_conformance(files, "nope", NULL, &co, &report, &cerr), DW_ERR_CONFIG);
    assert_non_null(strstr(report, "not JSON"));
    assert_non_null(strstr(cerr, "not JSON"));
    free(cerr);
    free(report);

    char *validated = NULL;
    assert_int_equal(dwh_config_validate_text(files, config, NULL, &validated, NULL, NULL), DW_OK);
    char *verr = NULL;
    assert_int_equal(dwh_config_validate_text(files, "{\"directory\": 5}", NULL, NULL, NULL, &verr), DW_ERR_CONFIG);
    assert_non_null(strstr(verr, "directory"));
    free(verr);
    assert_non_null(strstr(validated, "examples/files"));
    dwh_free_secret(validated);
}

/* A conformance run of one schema, its reads capped at 5 rows, with
 * dwh_conformance_options.verbose as *arg says. */
static void conformance_of_orders(void *arg) {
    static const char *const only[] = {"orders"};
    dwh_conformance_options co = {.schemas = only, .n_schemas = 1, .max_rows = 5, .verbose = *(int *)arg};
    char *report = NULL;
    assert_int_equal(dwh_conformance(files, config, NULL, &co, &report, NULL), DW_OK);
    free(report);
}

/* verbose (0.2): what the plugin logged while the suite captured its
 * output reaches stderr, scrubbed; without it, nothing does. */
static void test_conformance_verbose(void **state) {
    (void)state;
    int verbose = 0;
    char *quiet = capture_stderr(conformance_of_orders, &verbose);
    assert_null(strstr(quiet, "is readable"));
    free(quiet);
    verbose = 1;
    char *loud = capture_stderr(conformance_of_orders, &verbose);
    assert_non_null(strstr(loud, "files: the folder "));
    assert_non_null(strstr(loud, " is readable (3 schemas)"));
    free(loud);
}

/* A sync into a fresh warehouse with options `o` passed as `size` bytes
 * through the sized entry point.  Returns the failure; *report and *err
 * as dwh_sync's. */
static dwh_sync_failure sync_sized(const dwh_sync_options *o, size_t size, char **report, char **err) {
    char tmpl[] = "/tmp/dwhost-embed-sz-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    char *wh = NULL;
    assert_true(asprintf(&wh, "%s/w.db", tmpl) > 0);
    size_t n = size;
    dwh_sync_options *copy = calloc(1, n > sizeof *copy ? n : sizeof *copy);
    memcpy(copy, o, n); /* the caller's bytes, newer members included */
    copy->warehouse_path = wh;
    dwh_sync_failure f = DWH_SYNC_FAIL_CONFIG;
    dw_status st = dwh_sync_sized(host, "files", config, copy, size, &f, report, err);
    assert_int_equal(st == DW_OK, f == DWH_SYNC_OK);
    free(copy);
    rm_rf(tmpl);
    free(wh);
    return f;
}

/* Option structs from older and newer dwhost.h versions ("Option structs"
 * in dwhost.h): an older, shorter struct is read only as far as it goes
 * (the bytes after it here are garbage that must not be read); a newer
 * one with a member this library lacks is refused, not ignored. */
static void test_option_struct_versions(void **state) {
    (void)state;
    const char *const only[] = {"customers"};
    size_t old_size = offsetof(dwh_sync_options, lease_timeout_ms) + sizeof(int);
    /* an older caller: state_namespace does not exist in its struct */
    struct {
        dwh_sync_options o;
        unsigned char tail[64];
    } old;
    memset(&old, 0xA5, sizeof old); /* what lies past the caller's struct */
    memset(&old.o, 0, old_size);
    old.o.schemas = only;
    old.o.n_schemas = 1;
    char *report = NULL, *err = NULL;
    assert_int_equal(sync_sized(&old.o, old_size, &report, &err), DWH_SYNC_OK);
    assert_non_null(strstr(report, "\"state_namespace\":null"));
    free(report);
    /* today's caller, through the macro: every member is seen */
    dwh_sync_options now = {.schemas = only, .n_schemas = 1, .state_namespace = "blue"};
    assert_int_equal(sync_sized(&now, sizeof now, &report, &err), DWH_SYNC_OK);
    assert_non_null(strstr(report, "\"state_namespace\":\"blue\""));
    free(report);
    /* a newer caller: a member this library does not have */
    struct {
        dwh_sync_options o;
        void *future;
    } newer = {.o = {.schemas = only, .n_schemas = 1}, .future = NULL};
    assert_int_equal(sync_sized(&newer.o, sizeof newer, &report, &err), DWH_SYNC_OK); /* zero: fine */
    free(report);
    newer.future = &newer;
    report = NULL;
    assert_int_equal(sync_sized(&newer.o, sizeof newer, &report, &err), DWH_SYNC_FAIL_CONFIG);
    assert_non_null(err);
    assert_non_null(strstr(err, "dwh_sync_options sets a member at byte"));
    assert_non_null(strstr(err, "newer dwhost.h"));
    assert_null(report);
    free(err);
    err = NULL;

    rows r = {0};
    struct {
        dwh_read_options o;
        long future;
    } rnew = {.o = {.schema = "customers", .row = on_row, .user = &r}, .future = 7};
    assert_int_equal(dwh_read_sized(files, config, NULL, &rnew.o, sizeof rnew, NULL, NULL, &err), DW_ERR_CONFIG);
    assert_non_null(strstr(err, "dwh_read_options sets a member"));
    free(err);
    assert_int_equal(r.n, 0);
    dwh_read_options rold;
    memset(&rold, 0xA5, sizeof rold);
    size_t rold_size = offsetof(dwh_read_options, user) + sizeof(void *); /* an even older, shorter caller */
    memset(&rold, 0, rold_size);
    rold.schema = "customers";
    rold.row = on_row;
    rold.user = &r;
    assert_int_equal(dwh_read_sized(files, config, NULL, &rold, rold_size, NULL, NULL, NULL), DW_OK);
    assert_int_equal(r.n, 36);
    rows_clear(&r);

    struct {
        dwh_conformance_options o;
        int future;
    } cnew = {.o = {.structural = 1}, .future = 1};
    char *creport = NULL;
    assert_int_equal(dwh_conformance_sized(files, config, NULL, &cnew.o, sizeof cnew, &creport, &err), DW_ERR_CONFIG);
    assert_non_null(strstr(creport, "dwh_conformance_options sets a member"));
    assert_non_null(strstr(err, "dwh_conformance_options sets a member"));
    free(err);
    err = NULL;
    free(creport);

    struct {
        dwh_host_options o;
        int future;
    } hnew = {.o = {.flags = DWH_HOST_NO_ENV_PATH | DWH_HOST_NO_DEFAULT_DIR}, .future = 1};
    dwh_host *h2 = dwh_host_new_sized(&hnew.o, sizeof hnew); /* logged and ignored */
    assert_non_null(h2);
    dwh_host_free(h2);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_null_handles),
        cmocka_unit_test(test_missing_plugin_dir),
        cmocka_unit_test(test_list_schemas),
        cmocka_unit_test(test_read),
        cmocka_unit_test(test_schema_check),
        cmocka_unit_test(test_read_cause),
        cmocka_unit_test(test_log_sink),
        cmocka_unit_test(test_log_sink_per_host),
        cmocka_unit_test(test_log_stream),
        cmocka_unit_test(test_pins_check),
        cmocka_unit_test(test_conformance_and_secret_free),
        cmocka_unit_test(test_conformance_verbose),
        cmocka_unit_test(test_option_struct_versions),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
