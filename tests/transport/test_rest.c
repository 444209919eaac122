/* test_rest.c -- the REST toolkit end to end: a test connector declares
 * endpoints (tests/transport/plugins/tport.c) and runs them through
 * api->rest_run against the scripted server.  Each paginator and its
 * termination rule, incremental filters (ascending and Stripe-style
 * descending), fan-out with parent fields and renames, page caps, resume
 * from saved state, and the schemas rest_schema_add describes. */
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
#include "log/secrets.h"
#include "support.h"

#define TOKEN "tok-abcdef-123456"

static ts_server srv;
static dwh_plugin *plugin;
static ts_clock fake;
static json_object *charge_fixture;

static int group_setup(void **st) {
    (void)st;
    ts_log_begin();
    ts_start(&srv);
    plugin = ts_plugin_load(TPORT_PLUGIN, "tport");
    /* Every session of the process uses the fake clock: retries cost no time. */
    ts_clock_init(&fake, 1700000000000LL, 0);
    dwhi_http_options o = {.clock = &fake.clock};
    dwhi_http_set_defaults(&o);
    charge_fixture = json_object_from_file(DWHOST_SOURCE_DIR "/tests/transport/fixtures/stripe_charge.json");
    assert_non_null(charge_fixture);
    return 0;
}

static int group_teardown(void **st) {
    (void)st;
    dwhi_http_set_defaults(NULL);
    ts_stop(&srv);
    ts_plugin_release(plugin);
    json_object_put(charge_fixture);
    return 0;
}

typedef struct result {
    dwhi_op_result r;
    ts_sink sink;
} result;

/* Runs schema `name` with the given watermarks through dwhi_op_run. */
static void run_schema(result *out, const char *name, const char *field, const char *last, const char *earliest,
                       const char *resume_state, int fail_after) {
    json_object *config = json_object_new_object();
    json_object_object_add(config, "base_url", json_object_new_string(srv.base));
    json_object_object_add(config, "token", json_object_new_string(TOKEN));
    json_object_object_add(config, "owner", json_object_new_string("octo"));
    json_object_object_add(config, "repo", json_object_new_string("hello world"));
    dwhi_secrets *secrets = dwhi_secrets_new();
    dwhi_secrets_add(secrets, TOKEN);
    ts_sink_init(&out->sink);
    if (resume_state) out->sink.load = strdup(resume_state);
    out->sink.fail_after = fail_after;
    dw_run_inputs in = {.struct_size = sizeof in, .schema_name = name, .use_incremental = field != NULL,
                        .incremental_field = field, .incremental_last_value = last,
                        .incremental_earliest_value = earliest};
    dwhi_identity id = {.team_id = "team-7", .source_id = "src-42", .schema_id = "schema-9", .job_id = "job-1"};
    dwhi_op_flags flags = {.allow_internal_hosts = 1};
    out->r = dwhi_op_run(plugin, config, secrets, &id, &flags, &in, &out->sink.sink);
    json_object_put(config);
    dwhi_secrets_free(secrets);
}

static void result_free(result *r) {
    dwhi_op_result_free(&r->r);
    ts_sink_free(&r->sink);
}

static const char *row_str(result *r, size_t i, const char *key) {
    return ts_str(json_object_array_get_idx(r->sink.rows, i), key);
}

static const char *req_target(json_object *reqs, size_t i) {
    return ts_str(json_object_array_get_idx(reqs, i), "target");
}

/* ---- paginators ---------------------------------------------------------- */

static void test_link_header(void **st) {
    (void)st;
    ts_script(&srv,
              "{\"/repos/octo/hello%20world/issues\": [{\"json\": [{\"id\": 1, \"number\": 1}, {\"id\": 2, \"number\": 2}],"
              "  \"headers\": {\"Link\": \"<{base}/repositories/9/issues?page=2&per_page=2>; rel=\\\"next\\\", "
              "<{base}/repositories/9/issues?page=2&per_page=2>; rel=\\\"last\\\"\"}}],"
              " \"/repositories/9/issues\": [{\"json\": [{\"id\": 3, \"number\": 3}]}]}");
    result r;
    run_schema(&r, "issues", NULL, NULL, NULL, NULL, 0);
    assert_int_equal(r.r.code, DW_OK);
    assert_int_equal(json_object_array_length(r.sink.rows), 3);
    json_object *reqs = ts_requests(&srv);
    assert_int_equal(json_object_array_length(reqs), 2);
    assert_string_equal(req_target(reqs, 0), "/repos/octo/hello%20world/issues?state=all&sort=updated&direction=asc&per_page=2");
    /* The next URL is requested exactly as given: no params appended again. */
    assert_string_equal(req_target(reqs, 1), "/repositories/9/issues?page=2&per_page=2");
    json_object_put(reqs);
    /* One state per page: the next URL, then "listing finished". */
    assert_int_equal(json_object_array_length(r.sink.states), 2);
    json_object *s0 = json_object_array_get_idx(r.sink.states, 0), *pos = NULL;
    assert_true(json_object_object_get_ex(s0, "pos", &pos));
    char want[160];
    snprintf(want, sizeof want, "%s/repositories/9/issues?page=2&per_page=2", srv.base);
    assert_string_equal(ts_str(pos, "url"), want);
    assert_int_equal(ts_int(json_object_array_get_idx(r.sink.states, 1), "phase"), 1);
    result_free(&r);
}

static void test_incremental_ascending(void **st) {
    (void)st;
    ts_script(&srv, "{\"/repos/octo/hello%20world/issues\": [{\"json\": [{\"id\": 5, \"updated_at\": \"2024-02-01T00:00:00Z\"}]}]}");
    result r;
    run_schema(&r, "issues", "updated_at", "\"2024-01-31T10:00:00Z\"", NULL, NULL, 0);
    assert_int_equal(r.r.code, DW_OK);
    json_object *reqs = ts_requests(&srv);
    assert_string_equal(ts_str(json_object_array_get_idx(reqs, 0), "query"),
                        "state=all&sort=updated&direction=asc&since=2024-01-31T10%3A00%3A00Z&per_page=2");
    json_object_put(reqs);
    result_free(&r);

    /* A field the endpoint advertises but cannot filter server-side: an
     * error naming the choices, never a silent switch to another field. */
    ts_script(&srv, "{}");
    run_schema(&r, "issues", "created_at", "\"2024-01-31T10:00:00Z\"", NULL, NULL, 0);
    assert_int_equal(r.r.code, DW_ERR_CONFIG);
    assert_non_null(strstr(r.r.message, "cannot filter on incremental field 'created_at'"));
    assert_non_null(strstr(r.r.message, "choose one of: updated_at"));
    assert_int_equal(ts_request_count(&srv), 0);
    result_free(&r);
}

static void test_json_next_url(void **st) {
    (void)st;
    ts_script(&srv, "{\"/events\": [{\"json\": {\"data\": [{\"id\": \"e1\"}, {\"id\": \"e2\"}], \"links\": {\"next\": \"/events?after=e2\"}}}],"
                    " \"/events?after=e2\": [{\"json\": {\"data\": [{\"id\": \"e3\"}], \"links\": {\"next\": null}}}]}");
    result r;
    run_schema(&r, "events", NULL, NULL, NULL, NULL, 0);
    assert_int_equal(r.r.code, DW_OK);
    assert_int_equal(json_object_array_length(r.sink.rows), 3);
    assert_string_equal(row_str(&r, 2, "id"), "e3");
    assert_int_equal(ts_request_count(&srv), 2);
    result_free(&r);

    /* A server that hands back the same next URL forever is stopped. */
    ts_script(&srv, "{\"/events\": [{\"json\": {\"data\": [{\"id\": \"e1\"}], \"links\": {\"next\": \"{base}/events\"}}}]}");
    run_schema(&r, "events", NULL, NULL, NULL, NULL, 0);
    assert_int_equal(r.r.code, DW_OK);
    assert_int_equal(ts_request_count(&srv), 1);
    json_object *lines = ts_log_lines();
    json_object *loop = ts_log_filter(lines, "rest.pagination_loop");
    assert_int_equal(json_object_array_length(loop), 1);
    json_object_put(loop);
    json_object_put(lines);
    result_free(&r);
}

/* A Stripe list page from the API's own example charge. */
static char *stripe_page(const char *const *ids, const int64_t *created, size_t n, int has_more) {
    json_object *page = json_object_new_object();
    json_object *data = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        json_object *c = NULL;
        json_object_deep_copy(charge_fixture, &c, NULL);
        json_object_object_add(c, "id", json_object_new_string(ids[i]));
        json_object_object_add(c, "created", json_object_new_int64(created[i]));
        json_object_array_add(data, c);
    }
    json_object_object_add(page, "object", json_object_new_string("list"));
    json_object_object_add(page, "url", json_object_new_string("/v1/charges"));
    json_object_object_add(page, "has_more", json_object_new_boolean(has_more));
    json_object_object_add(page, "data", data);
    char *s = strdup(json_object_to_json_string_ext(page, JSON_C_TO_STRING_PLAIN));
    json_object_put(page);
    return s;
}

static void script_charges(const char *const *keys, char *const *pages, size_t n) {
    size_t cap = 64;
    for (size_t i = 0; i < n; i++) cap += strlen(keys[i]) + strlen(pages[i]) + 32;
    char *s = malloc(cap);
    size_t w = (size_t)sprintf(s, "{");
    for (size_t i = 0; i < n; i++) w += (size_t)sprintf(s + w, "%s\"%s\": [{\"json\": %s}]", i ? "," : "", keys[i], pages[i]);
    sprintf(s + w, "}");
    ts_script(&srv, s);
    free(s);
}

static void test_stripe_cursor_and_descending(void **st) {
    (void)st;
    const char *p1_ids[] = {"ch_3", "ch_2"}, *p2_ids[] = {"ch_1"};
    const int64_t p1_c[] = {1700000300, 1700000200}, p2_c[] = {1700000100};
    char *pages[2] = {stripe_page(p1_ids, p1_c, 2, 1), stripe_page(p2_ids, p2_c, 1, 0)};
    const char *keys[2] = {"/v1/charges?limit=2", "/v1/charges?limit=2&starting_after=ch_2"};
    script_charges(keys, pages, 2);
    result r;
    run_schema(&r, "charges", NULL, NULL, NULL, NULL, 0);
    assert_int_equal(r.r.code, DW_OK);
    assert_int_equal(json_object_array_length(r.sink.rows), 3);
    assert_string_equal(row_str(&r, 0, "object"), "charge");
    assert_string_equal(row_str(&r, 2, "id"), "ch_1");
    json_object *reqs = ts_requests(&srv);
    assert_int_equal(json_object_array_length(reqs), 2); /* has_more false ends it */
    assert_string_equal(req_target(reqs, 1), "/v1/charges?limit=2&starting_after=ch_2");
    json_object_put(reqs);
    result_free(&r);
    free(pages[0]);
    free(pages[1]);

    /* Incremental, descending: first the rows older than the earliest value
     * (created[lt]), then the newer ones (created[gte]), stopping at the
     * first row at or before the last value. */
    const char *old_ids[] = {"ch_0"}, *new_ids[] = {"ch_9", "ch_5", "ch_4"};
    const int64_t old_c[] = {1700000050}, new_c[] = {1700000900, 1700000500, 1700000400};
    char *p[2] = {stripe_page(old_ids, old_c, 1, 0), stripe_page(new_ids, new_c, 3, 1)};
    const char *k[2] = {"/v1/charges?created%5Blt%5D=1700000100&limit=2",
                        "/v1/charges?created%5Bgte%5D=1700000500&limit=2"};
    script_charges(k, p, 2);
    run_schema(&r, "charges", "created", "1700000500", "1700000100", NULL, 0);
    assert_int_equal(r.r.code, DW_OK);
    assert_int_equal(json_object_array_length(r.sink.rows), 2);
    assert_string_equal(row_str(&r, 0, "id"), "ch_0");
    assert_string_equal(row_str(&r, 1, "id"), "ch_9");
    reqs = ts_requests(&srv);
    assert_int_equal(json_object_array_length(reqs), 2); /* no page after the stop */
    json_object_put(reqs);
    result_free(&r);
    free(p[0]);
    free(p[1]);
}

static void test_body_cursor_offset_page_number(void **st) {
    (void)st;
    result r;
    ts_script(&srv, "{\"/feed\": [{\"json\": {\"items\": [{\"id\": 1}], \"meta\": {\"next_cursor\": \"c2\"}}}],"
                    " \"/feed?cursor=c2\": [{\"json\": {\"items\": [{\"id\": 2}], \"meta\": {\"next_cursor\": \"\"}}}]}");
    run_schema(&r, "feed", NULL, NULL, NULL, NULL, 0);
    assert_int_equal(r.r.code, DW_OK);
    assert_int_equal(json_object_array_length(r.sink.rows), 2);
    assert_int_equal(ts_request_count(&srv), 2);
    result_free(&r);

    /* Offset: a short page ends it. */
    ts_script(&srv, "{\"/users?offset=0&limit=2\": [{\"json\": {\"results\": [{\"id\": 1}, {\"id\": 2}]}}],"
                    " \"/users?offset=2&limit=2\": [{\"json\": {\"results\": [{\"id\": 3}, {\"id\": 4}]}}],"
                    " \"/users?offset=4&limit=2\": [{\"json\": {\"results\": [{\"id\": 5}]}}]}");
    run_schema(&r, "users", NULL, NULL, NULL, NULL, 0);
    assert_int_equal(r.r.code, DW_OK);
    assert_int_equal(json_object_array_length(r.sink.rows), 5);
    assert_int_equal(ts_request_count(&srv), 3);
    result_free(&r);
    /* Offset: reaching the total ends it without fetching an empty page. */
    ts_script(&srv, "{\"/users?offset=0&limit=2\": [{\"json\": {\"results\": [{\"id\": 1}, {\"id\": 2}], \"total\": 4}}],"
                    " \"/users?offset=2&limit=2\": [{\"json\": {\"results\": [{\"id\": 3}, {\"id\": 4}], \"total\": 4}}]}");
    run_schema(&r, "users", NULL, NULL, NULL, NULL, 0);
    assert_int_equal(r.r.code, DW_OK);
    assert_int_equal(json_object_array_length(r.sink.rows), 4);
    assert_int_equal(ts_request_count(&srv), 2);
    result_free(&r);

    /* Page numbers until the last page of total_pages. */
    ts_script(&srv, "{\"/pages?page=1\": [{\"json\": {\"rows\": [{\"id\": 1}], \"total_pages\": 3}}],"
                    " \"/pages?page=2\": [{\"json\": {\"rows\": [{\"id\": 2}], \"total_pages\": 3}}],"
                    " \"/pages?page=3\": [{\"json\": {\"rows\": [{\"id\": 3}], \"total_pages\": 3}}]}");
    run_schema(&r, "pages", NULL, NULL, NULL, NULL, 0);
    assert_int_equal(r.r.code, DW_OK);
    assert_int_equal(json_object_array_length(r.sink.rows), 3);
    assert_int_equal(ts_request_count(&srv), 3);
    result_free(&r);
}

/* ---- fan-out ------------------------------------------------------------- */

#define ISSUES_PAGE                                                                                         \
    "\"/repos/octo/hello%20world/issues\": [{\"json\": [{\"id\": 101, \"number\": 1, \"title\": \"Bug\"}," \
    " {\"id\": 102, \"number\": 2, \"title\": \"Feature\"}]}]"

static void test_fanout_parent_fields_and_cap(void **st) {
    (void)st;
    ts_script(&srv, "{" ISSUES_PAGE ","
                    " \"/repos/octo/hello%20world/issues/1/comments\": [{\"json\": [{\"id\": 11}, {\"id\": 12}],"
                    "   \"headers\": {\"Link\": \"</c1p2>; rel=\\\"next\\\"\"}}],"
                    " \"/c1p2\": [{\"json\": [{\"id\": 13}], \"headers\": {\"Link\": \"</c1p3>; rel=\\\"next\\\"\"}}],"
                    " \"/c1p3\": [{\"json\": [{\"id\": 14}]}],"
                    " \"/repos/octo/hello%20world/issues/2/comments\": [{\"json\": [{\"id\": 21}]}]}");
    json_object_put(ts_log_lines());
    result r;
    run_schema(&r, "comments", NULL, NULL, NULL, NULL, 0);
    assert_int_equal(r.r.code, DW_OK);
    /* Issue 1 is capped at 2 pages (3 comments); issue 2 has 1. */
    assert_int_equal(json_object_array_length(r.sink.rows), 4);
    json_object *c0 = json_object_array_get_idx(r.sink.rows, 0);
    assert_int_equal(ts_int(c0, "id"), 11);
    assert_int_equal(ts_int(c0, "_issues_id"), 101);       /* _<parent>_<field> */
    assert_string_equal(ts_str(c0, "issue_title"), "Bug"); /* "title:issue_title" rename */
    assert_false(json_object_object_get_ex(c0, "_issues_title", NULL));
    json_object *c3 = json_object_array_get_idx(r.sink.rows, 3);
    assert_int_equal(ts_int(c3, "id"), 21);
    assert_int_equal(ts_int(c3, "_issues_id"), 102);
    assert_string_equal(ts_str(c3, "issue_title"), "Feature");
    json_object *reqs = ts_requests(&srv);
    for (size_t i = 0; i < json_object_array_length(reqs); i++)
        assert_string_not_equal(req_target(reqs, i), "/c1p3"); /* the cap held */
    json_object_put(reqs);
    json_object *lines = ts_log_lines();
    json_object *cap = ts_log_filter(lines, "rest.page_cap");
    assert_int_equal(json_object_array_length(cap), 1);
    json_object *l = json_object_array_get_idx(cap, 0);
    assert_string_equal(ts_str(l, "level"), "warn");
    assert_string_equal(ts_str(l, "resource"), "comments");
    assert_string_equal(ts_str(l, "parent_resource"), "issues");
    assert_string_equal(ts_str(l, "parent_field"), "number");
    assert_string_equal(ts_str(l, "parent_value"), "1");
    assert_int_equal(ts_int(l, "parent_id"), 101);
    assert_int_equal(ts_int(l, "pages"), 2);
    assert_int_equal(ts_int(l, "cap"), 2);
    assert_string_equal(ts_str(l, "job_id"), "job-1");
    json_object_put(cap);
    /* Every request got exactly one log line with the whole identity. */
    json_object *http = ts_log_filter(lines, "http.request");
    assert_int_equal(json_object_array_length(http), 4);
    for (size_t i = 0; i < json_object_array_length(http); i++) {
        json_object *h = json_object_array_get_idx(http, i);
        assert_string_equal(ts_str(h, "team_id"), "team-7");
        assert_string_equal(ts_str(h, "source_type"), "tport");
        assert_string_equal(ts_str(h, "source_id"), "src-42");
        assert_string_equal(ts_str(h, "schema_id"), "schema-9");
        assert_string_equal(ts_str(h, "job_id"), "job-1");
        assert_non_null(ts_str(h, "url_template"));
        assert_int_equal(ts_int(h, "status"), 200);
    }
    assert_string_equal(ts_str(json_object_array_get_idx(http, 1), "url_template"),
                        "/repos/{owner}/{repo}/issues/{number}/comments");
    assert_null(strstr(json_object_to_json_string(lines), TOKEN));
    json_object_put(http);
    json_object_put(lines);
    result_free(&r);
}

static void test_fanout_missing_parent_field(void **st) {
    (void)st;
    result r;
    ts_script(&srv, "{\"/repos/octo/hello%20world/issues\": [{\"json\": [{\"id\": 101, \"title\": \"no number\"}]}]}");
    run_schema(&r, "comments", NULL, NULL, NULL, NULL, 0);
    assert_int_equal(r.r.code, DW_ERR_BAD_DATA);
    assert_non_null(strstr(r.r.message, "parent issues row 0 has no field 'number' to fill {number}"));
    result_free(&r);
    ts_script(&srv, "{\"/repos/octo/hello%20world/issues\": [{\"json\": [{\"id\": 101, \"number\": 1}]}],"
                    " \"/repos/octo/hello%20world/issues/1/comments\": [{\"json\": [{\"id\": 11}]}]}");
    run_schema(&r, "comments", NULL, NULL, NULL, NULL, 0);
    assert_int_equal(r.r.code, DW_ERR_BAD_DATA);
    assert_non_null(strstr(r.r.message, "parent issues row has no field 'title' (include_from_parent)"));
    assert_int_equal(json_object_array_length(r.sink.rows), 0);
    result_free(&r);
    run_schema(&r, "orphans", NULL, NULL, NULL, NULL, 0);
    assert_int_equal(r.r.code, DW_ERR_CONFIG);
    assert_non_null(strstr(r.r.message, "parent endpoint 'nowhere' is not among the client's endpoints"));
    result_free(&r);
}

/* ---- resume ------------------------------------------------------------- */

static void test_resume_from_saved_page(void **st) {
    (void)st;
    const char *a[] = {"ch_6", "ch_5"}, *b[] = {"ch_4", "ch_3"}, *c[] = {"ch_2"};
    const int64_t ac[] = {600, 500}, bc[] = {400, 300}, cc[] = {200};
    char *pages[3] = {stripe_page(a, ac, 2, 1), stripe_page(b, bc, 2, 1), stripe_page(c, cc, 1, 0)};
    const char *keys[3] = {"/v1/charges?limit=2", "/v1/charges?limit=2&starting_after=ch_5",
                           "/v1/charges?limit=2&starting_after=ch_3"};
    script_charges(keys, pages, 3);
    /* The sink refuses the 4th row: the run stops in page 2, after the
     * state for page 1 was staged. */
    result r1;
    run_schema(&r1, "charges", NULL, NULL, NULL, NULL, 4);
    assert_int_not_equal(r1.r.code, DW_OK);
    assert_int_equal(json_object_array_length(r1.sink.rows), 3);
    assert_int_equal(json_object_array_length(r1.sink.states), 1);
    char *saved = strdup(json_object_to_json_string(json_object_array_get_idx(r1.sink.states, 0)));
    result_free(&r1);
    script_charges(keys, pages, 3);
    result r2;
    run_schema(&r2, "charges", NULL, NULL, NULL, saved, 0);
    assert_int_equal(r2.r.code, DW_OK);
    /* Page 2 again (its rows were not all stored), then page 3: nothing of
     * page 1 is fetched twice. */
    json_object *reqs = ts_requests(&srv);
    assert_int_equal(json_object_array_length(reqs), 2);
    assert_string_equal(req_target(reqs, 0), "/v1/charges?limit=2&starting_after=ch_5");
    json_object_put(reqs);
    assert_int_equal(json_object_array_length(r2.sink.rows), 3);
    assert_string_equal(row_str(&r2, 0, "id"), "ch_4");
    assert_string_equal(row_str(&r2, 2, "id"), "ch_2");
    result_free(&r2);
    /* A state of another endpoint is ignored with a warning. */
    script_charges(keys, pages, 3);
    run_schema(&r2, "charges", NULL, NULL, NULL, "{\"v\":1,\"endpoint\":\"issues\",\"phase\":0}", 0);
    assert_int_equal(r2.r.code, DW_OK);
    assert_int_equal(json_object_array_length(r2.sink.rows), 5);
    result_free(&r2);
    free(saved);
    for (int i = 0; i < 3; i++) free(pages[i]);
}

static void test_fanout_resume(void **st) {
    (void)st;
    const char *script = "{" ISSUES_PAGE ","
                         " \"/repos/octo/hello%20world/issues/1/comments\": [{\"json\": [{\"id\": 11}]}],"
                         " \"/repos/octo/hello%20world/issues/2/comments\": [{\"json\": [{\"id\": 21}, {\"id\": 22}],"
                         "   \"headers\": {\"Link\": \"</i2p2>; rel=\\\"next\\\"\"}}],"
                         " \"/i2p2\": [{\"json\": [{\"id\": 23}]}]}";
    ts_script(&srv, script);
    result r1;
    run_schema(&r1, "comments", NULL, NULL, NULL, NULL, 4); /* fails on comment 23 */
    assert_int_not_equal(r1.r.code, DW_OK);
    size_t n = json_object_array_length(r1.sink.states);
    assert_true(n >= 2);
    json_object *last = json_object_array_get_idx(r1.sink.states, n - 1), *parent = NULL;
    assert_true(json_object_object_get_ex(last, "parent", &parent));
    assert_int_equal(ts_int(parent, "index"), 1);
    assert_string_equal(ts_str(parent, "key"), "2");
    char *saved = strdup(json_object_to_json_string(last));
    result_free(&r1);
    ts_script(&srv, script);
    result r2;
    run_schema(&r2, "comments", NULL, NULL, NULL, saved, 0);
    assert_int_equal(r2.r.code, DW_OK);
    json_object *reqs = ts_requests(&srv);
    assert_int_equal(json_object_array_length(reqs), 2); /* the parent page, then the child's page 2 */
    assert_string_equal(req_target(reqs, 1), "/i2p2");
    json_object_put(reqs);
    assert_int_equal(json_object_array_length(r2.sink.rows), 1);
    assert_int_equal(ts_int(json_object_array_get_idx(r2.sink.rows, 0), "id"), 23);
    assert_int_equal(ts_int(json_object_array_get_idx(r2.sink.rows, 0), "_issues_id"), 102);
    result_free(&r2);
    free(saved);
}

/* ---- errors and caps ----------------------------------------------------- */

static void test_bad_bodies_and_caps(void **st) {
    (void)st;
    result r;
    ts_script(&srv, "{\"/users\": [{\"json\": {\"data\": []}}]}");
    run_schema(&r, "users", NULL, NULL, NULL, NULL, 0);
    assert_int_equal(r.r.code, DW_ERR_BAD_DATA);
    assert_non_null(strstr(r.r.message, "has no 'results' (data selector)"));
    result_free(&r);
    ts_script(&srv, "{\"/events\": [{\"body\": \"{\\\"data\\\": [1,\", \"headers\": {\"Content-Type\": \"application/json\"}}]}");
    run_schema(&r, "events", NULL, NULL, NULL, NULL, 0);
    assert_int_equal(r.r.code, DW_ERR_BAD_DATA);
    assert_non_null(strstr(r.r.message, "is not valid JSON"));
    result_free(&r);
    ts_script(&srv, "{\"/events\": [{\"json\": {\"data\": [1, 2]}}]}");
    run_schema(&r, "events", NULL, NULL, NULL, NULL, 0);
    assert_int_equal(r.r.code, DW_ERR_BAD_DATA);
    assert_non_null(strstr(r.r.message, "row 0"));
    result_free(&r);
    /* 401 through rest_run: the plugin's map turns it into its message. */
    ts_script(&srv, "{\"/events\": [{\"status\": 401, \"json\": {\"message\": \"Bad credentials\"}}]}");
    run_schema(&r, "events", NULL, NULL, NULL, NULL, 0);
    assert_int_equal(r.r.code, DW_ERR_NON_RETRYABLE);
    assert_string_equal(r.r.message, "The token was rejected: create a new one and reconnect.");
    result_free(&r);
    /* 404 is an error naming the endpoint. */
    ts_script(&srv, "{}");
    run_schema(&r, "events", NULL, NULL, NULL, NULL, 0);
    assert_int_equal(r.r.code, DW_ERR_NOT_FOUND);
    assert_non_null(strstr(r.r.message, "endpoint events: 404 Not Found"));
    result_free(&r);
    /* A top-level page cap. */
    ts_script(&srv, "{\"/capped\": [{\"json\": [{\"id\": 1}], \"headers\": {\"Link\": \"</capped?p=2>; rel=\\\"next\\\"\"}}],"
                    " \"/capped?p=2\": [{\"json\": [{\"id\": 2}], \"headers\": {\"Link\": \"</capped?p=3>; rel=\\\"next\\\"\"}}]}");
    json_object_put(ts_log_lines());
    run_schema(&r, "capped", NULL, NULL, NULL, NULL, 0);
    assert_int_equal(r.r.code, DW_OK);
    assert_int_equal(json_object_array_length(r.sink.rows), 2);
    assert_int_equal(ts_request_count(&srv), 2);
    json_object *lines = ts_log_lines();
    json_object *cap = ts_log_filter(lines, "rest.page_cap");
    assert_int_equal(json_object_array_length(cap), 1);
    assert_string_equal(ts_str(json_object_array_get_idx(cap, 0), "resource"), "capped");
    json_object_put(cap);
    json_object_put(lines);
    result_free(&r);
}

static void test_schemas_from_endpoints(void **st) {
    (void)st;
    json_object *config = json_object_new_object();
    json_object_object_add(config, "base_url", json_object_new_string(srv.base));
    json_object_object_add(config, "token", json_object_new_string(TOKEN));
    json_object *schemas = NULL;
    dwhi_op_result r = dwhi_op_list_schemas(plugin, config, NULL, NULL, NULL, &schemas);
    assert_int_equal(r.code, DW_OK);
    json_object *issues = NULL, *charges = NULL, *comments = NULL;
    for (size_t i = 0; i < json_object_array_length(schemas); i++) {
        json_object *s = json_object_array_get_idx(schemas, i);
        const char *n = ts_str(s, "name");
        if (!strcmp(n, "issues")) issues = s;
        if (!strcmp(n, "charges")) charges = s;
        if (!strcmp(n, "comments")) comments = s;
    }
    assert_non_null(issues);
    assert_non_null(charges);
    assert_non_null(comments);
    json_object *v = NULL;
    assert_true(json_object_object_get_ex(issues, "supports_incremental", &v) && json_object_get_boolean(v));
    /* created_at is declared but has no server-side filter: not offered. */
    assert_true(json_object_object_get_ex(issues, "incremental_fields", &v));
    assert_int_equal(json_object_array_length(v), 1);
    assert_string_equal(ts_str(json_object_array_get_idx(v, 0), "field"), "updated_at");
    assert_string_equal(ts_str(charges, "sort_mode"), "desc");
    assert_true(json_object_object_get_ex(comments, "supports_incremental", &v) && !json_object_get_boolean(v));
    /* has_duplicate_primary_keys (1.4) comes from the endpoint */
    assert_true(json_object_object_get_ex(issues, "has_duplicate_primary_keys", &v) && json_object_get_boolean(v));
    assert_true(json_object_object_get_ex(comments, "has_duplicate_primary_keys", &v) && !json_object_get_boolean(v));
    json_object_put(schemas);
    json_object_put(config);
    dwhi_op_result_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_link_header),
        cmocka_unit_test(test_incremental_ascending),
        cmocka_unit_test(test_json_next_url),
        cmocka_unit_test(test_stripe_cursor_and_descending),
        cmocka_unit_test(test_body_cursor_offset_page_number),
        cmocka_unit_test(test_fanout_parent_fields_and_cap),
        cmocka_unit_test(test_fanout_missing_parent_field),
        cmocka_unit_test(test_resume_from_saved_page),
        cmocka_unit_test(test_fanout_resume),
        cmocka_unit_test(test_bad_bodies_and_caps),
        cmocka_unit_test(test_schemas_from_endpoints),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
