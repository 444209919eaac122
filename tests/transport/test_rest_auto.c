/* test_rest_auto.c -- the ABI 1.5 REST toolkit features end to end, through
 * the restx test connector (tests/transport/plugins/restx.c) and the
 * scripted server: the auto paginator detects a Link header, a next URL in
 * the body, a body cursor (string or number, default or own parameter) and
 * a single page, logs its choice once, and a resumed listing keeps the kind
 * it chose; response actions ignore a 404 fan-out child (the other children
 * still sync, the plugin's non-retryable map notwithstanding), ignore a 503
 * only after the retries, fail at once with the plugin's message; bad
 * declarations are refused before any request. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport/http_session.h"
#include "ops/ops.h"
#include "registry/registry.h"
#include "support.h"

static ts_server srv;
static dwh_plugin *plugin;
static ts_clock fake;

static int group_setup(void **st) {
    (void)st;
    ts_log_begin();
    ts_start(&srv);
    plugin = ts_plugin_load(RESTX_PLUGIN, "restx");
    /* Every session uses the fake clock: retries cost no time. */
    ts_clock_init(&fake, 1700000000000LL, 0);
    dwhi_http_options o = {.clock = &fake.clock};
    dwhi_http_set_defaults(&o);
    return 0;
}

static int group_teardown(void **st) {
    (void)st;
    dwhi_http_set_defaults(NULL);
    ts_stop(&srv);
    ts_plugin_release(plugin);
    return 0;
}

typedef struct result {
    dwhi_op_result r;
    ts_sink sink;
} result;

static void run_schema(result *out, const char *name, const char *resume_state, int fail_after) {
    json_object *config = json_object_new_object();
    json_object_object_add(config, "base_url", json_object_new_string(srv.base));
    ts_sink_init(&out->sink);
    if (resume_state) out->sink.load = strdup(resume_state);
    out->sink.fail_after = fail_after;
    dw_run_inputs in = {.struct_size = sizeof in, .schema_name = name};
    dwhi_identity id = {.team_id = "team-7", .source_id = "src-42", .schema_id = "schema-9", .job_id = "job-1"};
    dwhi_op_flags flags = {.allow_internal_hosts = 1};
    out->r = dwhi_op_run(plugin, config, NULL, &id, &flags, &in, &out->sink.sink);
    json_object_put(config);
}

static void result_free(result *r) {
    dwhi_op_result_free(&r->r);
    ts_sink_free(&r->sink);
}

static void assert_ok(result *r) {
    if (r->r.code != DW_OK) fail_msg("run failed: %s", r->r.message ? r->r.message : "?");
}

/* The ids of the rows, "1,2,3". */
static const char *ids(result *r) {
    static char buf[256];
    size_t o = 0;
    buf[0] = 0;
    for (size_t i = 0; i < json_object_array_length(r->sink.rows) && o < sizeof buf - 16; i++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%lld", i ? "," : "",
                              (long long)ts_int(json_object_array_get_idx(r->sink.rows, i), "id"));
    return buf;
}

/* The request targets served since the last script, "a b c". */
static const char *targets(void) {
    static char buf[1024];
    size_t o = 0;
    buf[0] = 0;
    json_object *reqs = ts_requests(&srv);
    for (size_t i = 0; i < json_object_array_length(reqs) && o < sizeof buf - 128; i++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? " " : "",
                              ts_str(json_object_array_get_idx(reqs, i), "target"));
    json_object_put(reqs);
    return buf;
}

/* The only log line of `event` since the last call (fails when not one). */
static json_object *one_line(json_object *lines, const char *event) {
    json_object *l = ts_log_filter(lines, event);
    if (json_object_array_length(l) != 1)
        fail_msg("%zu '%s' lines, want 1", json_object_array_length(l), event);
    json_object *line = json_object_get(json_object_array_get_idx(l, 0));
    json_object_put(l);
    return line;
}

/* Runs `schema` and checks the auto paginator's choice and its log line. */
static void check_detects(const char *schema, const char *kind, const char *path, const char *want_ids,
                          const char *want_targets) {
    json_object_put(ts_log_lines());
    result r;
    run_schema(&r, schema, NULL, 0);
    assert_ok(&r);
    assert_string_equal(ids(&r), want_ids);
    assert_string_equal(targets(), want_targets);
    json_object *lines = ts_log_lines();
    json_object *l = one_line(lines, "rest.paginator_detected");
    assert_string_equal(ts_str(l, "level"), "info");
    assert_string_equal(ts_str(l, "resource"), schema);
    assert_string_equal(ts_str(l, "paginator"), kind);
    if (path)
        assert_string_equal(ts_str(l, "path"), path);
    else
        assert_null(ts_str(l, "path"));
    assert_string_equal(ts_str(l, "job_id"), "job-1"); /* the operation's identity */
    json_object_put(l);
    json_object_put(lines);
    /* The first state records the decision with the position. */
    json_object *s0 = json_object_array_get_idx(r.sink.states, 0), *pos = NULL, *a = NULL;
    if (strcmp(kind, "single")) {
        assert_true(json_object_object_get_ex(s0, "pos", &pos));
        assert_true(json_object_object_get_ex(pos, "auto", &a));
        assert_string_equal(ts_str(a, "kind"), kind);
    }
    result_free(&r);
}

/* ---- auto paginator ----------------------------------------------------- */

static void test_auto_link_header(void **st) {
    (void)st;
    ts_script(&srv, "{\"/link\": [{\"json\": [{\"id\": 1}, {\"id\": 2}],"
                    "   \"headers\": {\"Link\": \"<{base}/link?page=2>; rel=\\\"next\\\"\"}}],"
                    " \"/link?page=2\": [{\"json\": [{\"id\": 3}]}]}");
    check_detects("auto_link", "link_header", NULL, "1,2,3", "/link /link?page=2");
}

static void test_auto_json_next_url(void **st) {
    (void)st;
    /* "next" holds text that is no URL: skipped for links.next. */
    ts_script(&srv, "{\"/next\": [{\"json\": {\"data\": [{\"id\": 1}], \"next\": \"soon\","
                    "                      \"links\": {\"next\": \"/next?p=2\"}}}],"
                    " \"/next?p=2\": [{\"json\": {\"data\": [{\"id\": 2}], \"links\": {\"next\": null}}}]}");
    check_detects("auto_next", "json_next_url", "links.next", "1,2", "/next /next?p=2");
}

static void test_auto_cursor(void **st) {
    (void)st;
    ts_script(&srv, "{\"/cursor\": [{\"json\": {\"data\": [{\"id\": 1}, {\"id\": 2}], \"meta\": {\"next_cursor\": \"c2\"}}}],"
                    " \"/cursor?cursor=c2\": [{\"json\": {\"data\": [{\"id\": 3}], \"meta\": {\"next_cursor\": null}}}]}");
    check_detects("auto_cursor", "cursor", "meta.next_cursor", "1,2,3", "/cursor /cursor?cursor=c2");
    /* A numeric cursor, sent as the paginator's own cursor_param. */
    ts_script(&srv, "{\"/after\": [{\"json\": {\"items\": [{\"id\": 1}], \"next_cursor\": 17}}],"
                    " \"/after?after=17\": [{\"json\": {\"items\": [{\"id\": 2}]}}]}");
    check_detects("auto_after", "cursor", "next_cursor", "1,2", "/after /after?after=17");
}

static void test_auto_single_page(void **st) {
    (void)st;
    ts_script(&srv, "{\"/single\": [{\"json\": {\"data\": [{\"id\": 1}, {\"id\": 2}], \"next\": null, \"total\": 2}}]}");
    check_detects("auto_single", "single", NULL, "1,2", "/single");
}

/* Detected on page 1 as cursor; page 2 also carries a Link header (which a
 * fresh detection would prefer).  The interrupted run and the resumed one
 * both keep paging by cursor. */
static void test_auto_resume_keeps_kind(void **st) {
    (void)st;
    const char *script =
        "{\"/cursor\": [{\"json\": {\"data\": [{\"id\": 1}, {\"id\": 2}], \"meta\": {\"next_cursor\": \"c2\"}}}],"
        " \"/cursor?cursor=c2\": [{\"json\": {\"data\": [{\"id\": 3}, {\"id\": 4}], \"meta\": {\"next_cursor\": \"c3\"}},"
        "   \"headers\": {\"Link\": \"</elsewhere>; rel=\\\"next\\\"\"}}],"
        " \"/cursor?cursor=c3\": [{\"json\": {\"data\": [{\"id\": 5}]}}],"
        " \"/elsewhere\": [{\"json\": {\"data\": [{\"id\": 99}]}}]}";
    ts_script(&srv, script);
    result r1;
    run_schema(&r1, "auto_cursor", NULL, 3); /* the sink refuses row 3 (page 2) */
    assert_int_not_equal(r1.r.code, DW_OK);
    assert_int_equal(json_object_array_length(r1.sink.states), 1);
    char *saved = strdup(json_object_to_json_string_ext(json_object_array_get_idx(r1.sink.states, 0), JSON_C_TO_STRING_PLAIN));
    assert_non_null(strstr(saved, "\"auto\":{\"kind\":\"cursor\",\"path\":\"meta.next_cursor\"}"));
    result_free(&r1);

    ts_script(&srv, script);
    json_object_put(ts_log_lines());
    result r2;
    run_schema(&r2, "auto_cursor", saved, 0);
    assert_ok(&r2);
    assert_string_equal(targets(), "/cursor?cursor=c2 /cursor?cursor=c3");
    assert_string_equal(ids(&r2), "3,4,5");
    json_object *lines = ts_log_lines();
    json_object *det = ts_log_filter(lines, "rest.paginator_detected");
    assert_int_equal(json_object_array_length(det), 0); /* no second detection */
    json_object_put(det);
    json_object_put(lines);
    result_free(&r2);

    /* A saved decision this host cannot read is not guessed at: the listing
     * starts over (and detects again). */
    ts_script(&srv, script);
    run_schema(&r2, "auto_cursor", "{\"v\":1,\"endpoint\":\"auto_cursor\",\"phase\":0,\"phase_name\":\"all\","
                                   "\"pos\":{\"cursor\":\"c2\",\"auto\":{\"kind\":\"offset\"}}}", 0);
    assert_ok(&r2);
    assert_string_equal(ids(&r2), "1,2,3,4,5");
    result_free(&r2);
    free(saved);
}

/* ---- response actions --------------------------------------------------- */

#define PROJECTS                                                                                     \
    "\"/projects\": [{\"json\": {\"data\": [{\"id\": 1, \"name\": \"A\"}, {\"id\": 2, \"name\": \"B\"}," \
    "                                      {\"id\": 3, \"name\": \"C\"}]}}]"

static void test_ignore_404_child(void **st) {
    (void)st;
    ts_script(&srv, "{" PROJECTS ","
                    " \"/projects/1/tasks\": [{\"json\": {\"data\": [{\"id\": 11}, {\"id\": 12}]}}],"
                    " \"/projects/2/tasks\": [{\"status\": 404, \"json\": {\"error\": \"project deleted\"}}],"
                    " \"/projects/3/tasks\": [{\"json\": {\"data\": [{\"id\": 31}]}}]}");
    json_object_put(ts_log_lines());
    result r;
    run_schema(&r, "tasks", NULL, 0);
    assert_ok(&r);
    assert_string_equal(ids(&r), "11,12,31");
    assert_string_equal(ts_str(json_object_array_get_idx(r.sink.rows, 2), "project_name"), "C");
    /* The 404 was asked once: not retried. */
    assert_string_equal(targets(), "/projects /projects/1/tasks /projects/2/tasks /projects/3/tasks");
    json_object *lines = ts_log_lines();
    json_object *l = one_line(lines, "rest.response_ignored");
    assert_string_equal(ts_str(l, "level"), "info");
    assert_string_equal(ts_str(l, "resource"), "tasks");
    assert_int_equal(ts_int(l, "status"), 404);
    assert_string_equal(ts_str(l, "url_template"), "/projects/{pid}/tasks");
    assert_non_null(strstr(ts_str(l, "url"), "/projects/2/tasks"));
    assert_string_equal(ts_str(l, "job_id"), "job-1");
    json_object_put(l);
    /* One INFO line for the choice, however many child listings chose it. */
    json_object *det = ts_log_filter(lines, "rest.paginator_detected");
    int info = 0;
    for (size_t i = 0; i < json_object_array_length(det); i++)
        info += !strcmp(ts_str(json_object_array_get_idx(det, i), "level"), "info");
    assert_int_equal(info, 1);
    json_object_put(det);
    json_object_put(lines);
    /* The listing finished: the last state points past every phase. */
    size_t ns = json_object_array_length(r.sink.states);
    assert_true(ns >= 3);
    assert_int_equal(ts_int(json_object_array_get_idx(r.sink.states, ns - 1), "phase"), 1);
    result_free(&r);
}

static void test_ignore_503_only_after_retries(void **st) {
    (void)st;
    ts_script(&srv, "{\"/projects\": [{\"json\": {\"data\": [{\"id\": 1, \"name\": \"A\"}]}}],"
                    " \"/projects/1/tasks\": [{\"status\": 503, \"body\": \"down\"}]}");
    result r;
    run_schema(&r, "tasks", NULL, 0);
    assert_ok(&r);
    assert_string_equal(ids(&r), "");
    /* max_attempts 3: retried first, then ignored. */
    assert_string_equal(targets(), "/projects /projects/1/tasks /projects/1/tasks /projects/1/tasks");
    result_free(&r);
    /* A passing outage does not lose the page. */
    ts_script(&srv, "{\"/projects\": [{\"json\": {\"data\": [{\"id\": 1, \"name\": \"A\"}]}}],"
                    " \"/projects/1/tasks\": [{\"status\": 503, \"body\": \"down\"},"
                    "                         {\"json\": {\"data\": [{\"id\": 11}]}}]}");
    run_schema(&r, "tasks", NULL, 0);
    assert_ok(&r);
    assert_string_equal(ids(&r), "11");
    result_free(&r);
}

static void test_fail_action(void **st) {
    (void)st;
    const char *msg = "Tasks need the Business plan: upgrade the workspace or deselect the tasks table.";
    ts_script(&srv, "{" PROJECTS ","
                    " \"/projects/1/tasks\": [{\"status\": 403, \"json\": {\"error\": \"plan_upgrade_required\"}}]}");
    result r;
    run_schema(&r, "tasks", NULL, 0);
    assert_int_equal(r.r.code, DW_ERR_NON_RETRYABLE);
    assert_int_equal(r.r.cause, DW_ERR_FORBIDDEN);
    assert_string_equal(r.r.message, msg);
    assert_string_equal(ids(&r), "");
    assert_string_equal(targets(), "/projects /projects/1/tasks"); /* the run stopped there */
    result_free(&r);
    /* The same status without the body text is an ordinary error. */
    ts_script(&srv, "{" PROJECTS ", \"/projects/1/tasks\": [{\"status\": 403, \"json\": {\"error\": \"nope\"}}]}");
    run_schema(&r, "tasks", NULL, 0);
    assert_int_equal(r.r.code, DW_ERR_FORBIDDEN);
    assert_non_null(strstr(r.r.message, "endpoint tasks: 403 Forbidden from"));
    result_free(&r);
    /* FAIL on a retryable status: at once, no retry. */
    ts_script(&srv, "{" PROJECTS ", \"/projects/1/tasks\": [{\"status\": 500, \"body\": \"maintenance window\"}]}");
    run_schema(&r, "tasks", NULL, 0);
    assert_int_equal(r.r.code, DW_ERR_NON_RETRYABLE);
    assert_int_equal(r.r.cause, DW_ERR_HTTP);
    assert_string_equal(r.r.message, "The API is in maintenance mode; sync again later.");
    assert_string_equal(targets(), "/projects /projects/1/tasks");
    result_free(&r);
    /* Without the body text a 500 is retried as usual. */
    ts_script(&srv, "{" PROJECTS ", \"/projects/1/tasks\": [{\"status\": 500, \"body\": \"oops\"}]}");
    run_schema(&r, "tasks", NULL, 0);
    assert_int_equal(r.r.code, DW_ERR_HTTP);
    assert_string_equal(targets(), "/projects /projects/1/tasks /projects/1/tasks /projects/1/tasks");
    result_free(&r);
}

static void test_bad_declarations(void **st) {
    (void)st;
    ts_script(&srv, "{}");
    result r;
    run_schema(&r, "future", NULL, 0);
    assert_int_equal(r.r.code, DW_ERR_CONFIG);
    assert_string_equal(r.r.message, "endpoint future: paginator kind 7 is unknown to this dwhost (plugin ABI 1.9 "
                                     "knows kinds 0-6); upgrade dwhost or fix the endpoint");
    result_free(&r);
    run_schema(&r, "bad_action", NULL, 0);
    assert_int_equal(r.r.code, DW_ERR_CONFIG);
    assert_string_equal(r.r.message, "endpoint bad_action: response_actions[0] (FAIL on 404) has no message for the "
                                     "user");
    result_free(&r);
    assert_string_equal(targets(), ""); /* refused before any request */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auto_link_header),
        cmocka_unit_test(test_auto_json_next_url),
        cmocka_unit_test(test_auto_cursor),
        cmocka_unit_test(test_auto_single_page),
        cmocka_unit_test(test_auto_resume_keeps_kind),
        cmocka_unit_test(test_ignore_404_child),
        cmocka_unit_test(test_ignore_503_only_after_retries),
        cmocka_unit_test(test_fail_action),
        cmocka_unit_test(test_bad_declarations),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
