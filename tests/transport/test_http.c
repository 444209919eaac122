/* test_http.c -- the tracked transport against a real HTTP server on
 * 127.0.0.1 with injected faults.  The clock is fake, so retry waits are
 * asserted exactly and cost no time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/cancel.h"
#include "dwhost.h"
#include "transport/http_session.h"
#include "registry/registry.h"
#include "log/secrets.h"
#include "support.h"

#define NOW_MS 1700000000000LL /* Tue, 14 Nov 2023 22:13:20 GMT */
#define TOKEN "s3cr3t-token-value"

static ts_server srv;
static dwh_plugin *plugin;

typedef struct fixture {
    dw_ctx ctx;
    ts_clock clock;
    dwhi_secrets *secrets;
    const char *allow[2];
} fixture;

static int group_setup(void **st) {
    (void)st;
    ts_log_begin();
    ts_start(&srv);
    plugin = ts_plugin_load(TPORT_PLUGIN, "tport");
    return 0;
}

static int group_teardown(void **st) {
    (void)st;
    ts_stop(&srv);
    ts_plugin_release(plugin);
    return 0;
}

/* A ctx whose SSRF guard allows exactly this server (not all internal
 * addresses), with the fake clock. */
static fixture *fx_new(int allow_internal, int allow_server) {
    fixture *f = calloc(1, sizeof *f);
    f->secrets = dwhi_secrets_new();
    dwhi_secrets_add(f->secrets, TOKEN);
    ts_ctx(&f->ctx, plugin, f->secrets, allow_internal, NULL, NULL);
    ts_clock_init(&f->clock, NOW_MS, 0);
    f->allow[0] = allow_server ? srv.allow : NULL;
    dwhi_http_options o = {.clock = &f->clock.clock, .internal_allow = f->allow};
    assert_non_null(dwhi_http_session_attach(&f->ctx, &o));
    json_object_put(ts_log_lines()); /* drop earlier lines */
    return f;
}

static void fx_free(fixture *f) {
    dwhi_ctx_cleanup(&f->ctx);
    dwhi_secrets_free(f->secrets);
    free(f);
}

static dw_status get(fixture *f, const char *path, const dw_retry_policy *retry, uint32_t timeout_ms,
                     dw_http_response **out) {
    char url[256];
    snprintf(url, sizeof url, "%s%s", srv.base, path);
    const char *headers[] = {"Authorization: Bearer " TOKEN, NULL};
    dw_http_request req = {.struct_size = sizeof req, .url = url, .url_template = "/test/{thing}",
                           .headers = headers, .retry = retry, .timeout_ms = timeout_ms};
    return dwhi_http_perform(&f->ctx, &req, NULL, out);
}

static json_object *http_lines(void) {
    json_object *all = ts_log_lines();
    json_object *l = ts_log_filter(all, "http.request");
    json_object_put(all);
    return l;
}

/* ---- tests ------------------------------------------------------------ */

static void test_gzip_keepalive_and_log_line(void **st) {
    (void)st;
    fixture *f = fx_new(0, 1);
    ts_script(&srv, "{\"/data\": [{\"json\": {\"items\": [1, 2, 3], \"note\": \"compressed\"}, \"gzip\": true}]}");
    dw_http_response *r = NULL;
    assert_int_equal(get(f, "/data?page=1&token=" TOKEN, NULL, 0, &r), DW_OK);
    assert_int_equal(dwhi_http_response_status(r), 200);
    json_object *body = dwhi_http_response_json(r, NULL);
    assert_non_null(body);
    assert_string_equal(ts_str(body, "note"), "compressed");
    assert_string_equal(dwhi_http_response_header(r, "content-encoding"), "gzip");
    dwhi_http_response_free(r);
    assert_int_equal(get(f, "/data?page=2", NULL, 0, &r), DW_OK);
    dwhi_http_response_free(r);

    json_object *reqs = ts_requests(&srv);
    assert_int_equal(json_object_array_length(reqs), 2);
    json_object *h0 = NULL;
    json_object_object_get_ex(json_object_array_get_idx(reqs, 0), "headers", &h0);
    assert_non_null(strstr(ts_str(h0, "accept-encoding"), "gzip"));
    assert_string_equal(ts_str(h0, "authorization"), "Bearer " TOKEN);
    /* Keep-alive: both requests came over one connection. */
    assert_int_equal(ts_int(json_object_array_get_idx(reqs, 0), "client_port"),
                     ts_int(json_object_array_get_idx(reqs, 1), "client_port"));
    json_object_put(reqs);

    json_object *lines = http_lines();
    assert_int_equal(json_object_array_length(lines), 2); /* one per request */
    json_object *l = json_object_array_get_idx(lines, 0);
    assert_string_equal(ts_str(l, "level"), "info");
    assert_string_equal(ts_str(l, "team_id"), "team-7");
    assert_string_equal(ts_str(l, "source_type"), "tport");
    assert_string_equal(ts_str(l, "source_id"), "src-42");
    assert_string_equal(ts_str(l, "schema_id"), "schema-9");
    assert_string_equal(ts_str(l, "job_id"), "job-1");
    assert_string_equal(ts_str(l, "method"), "GET");
    char want[160];
    snprintf(want, sizeof want, "%s/data?page=1&token=***", srv.base);
    assert_string_equal(ts_str(l, "url"), want);
    assert_string_equal(ts_str(l, "url_template"), "/test/{thing}");
    assert_string_equal(ts_str(l, "host"), "127.0.0.1");
    assert_int_equal(ts_int(l, "status"), 200);
    assert_true(ts_int(l, "latency_ms") >= 0);
    assert_true(ts_int(l, "request_bytes") > 0);
    assert_true(ts_int(l, "response_bytes") > 0);
    assert_int_equal(ts_int(l, "attempt"), 1);
    assert_true(json_object_object_get_ex(l, "error_class", NULL));
    assert_null(ts_str(l, "error_class"));
    /* The secret appears nowhere in the log, not even in the message. */
    const char *text = json_object_to_json_string(lines);
    assert_null(strstr(text, TOKEN));
    json_object_put(lines);

    dwhi_http_counters c;
    dwhi_http_counters_get(&f->ctx, &c);
    assert_int_equal(c.requests, 2);
    assert_int_equal(c.status_2xx, 2);
    assert_int_equal(c.retries, 0);
    assert_true(c.bytes_in > 0 && c.bytes_out > 0);
    fx_free(f);
}

static void test_429_retry_after_forms(void **st) {
    (void)st;
    fixture *f = fx_new(0, 1);
    /* Seconds, an HTTP date 5 s after "now" (2 s of which pass in the
     * first wait), and 0 (which must not busy-loop). */
    ts_script(&srv, "{\"/ra\": ["
                    "{\"status\": 429, \"headers\": {\"Retry-After\": \"2\"}},"
                    "{\"status\": 429, \"headers\": {\"Retry-After\": \"Tue, 14 Nov 2023 22:13:25 GMT\"}},"
                    "{\"status\": 429, \"headers\": {\"Retry-After\": \"0\"}},"
                    "{\"json\": {\"ok\": true}}]}");
    dw_http_response *r = NULL;
    assert_int_equal(get(f, "/ra", NULL, 0, &r), DW_OK);
    assert_int_equal(dwhi_http_response_status(r), 200);
    dwhi_http_response_free(r);
    assert_int_equal(f->clock.n_waits, 3);
    assert_int_equal(f->clock.waits[0], 2000);
    assert_int_equal(f->clock.waits[1], 3000);
    assert_int_equal(f->clock.waits[2], 1000);
    assert_int_equal(ts_request_count(&srv), 4);
    dwhi_http_counters c;
    dwhi_http_counters_get(&f->ctx, &c);
    assert_int_equal(c.requests, 4);
    assert_int_equal(c.retries, 3);
    assert_int_equal(c.status_4xx, 3);
    assert_int_equal(c.rate_limit_wait_ms, 6000);
    assert_int_equal(c.backoff_wait_ms, 0);
    json_object *lines = http_lines();
    assert_int_equal(json_object_array_length(lines), 4);
    for (int i = 0; i < 3; i++) {
        json_object *l = json_object_array_get_idx(lines, (size_t)i);
        assert_string_equal(ts_str(l, "level"), "warn");
        assert_string_equal(ts_str(l, "error_class"), "rate_limited");
        assert_int_equal(ts_int(l, "attempt"), i + 1);
        assert_int_equal(ts_int(l, "status"), 429);
        assert_string_equal(ts_str(l, "wait_from"), "Retry-After");
    }
    assert_int_equal(ts_int(json_object_array_get_idx(lines, 0), "retry_in_ms"), 2000);
    assert_int_equal(ts_int(json_object_array_get_idx(lines, 3), "attempt"), 4);
    json_object_put(lines);
    fx_free(f);
}

static void test_rate_limit_reset_headers(void **st) {
    (void)st;
    fixture *f = fx_new(0, 1);
    ts_script(&srv, "{\"/rl\": ["
                    "{\"status\": 429, \"headers\": {\"X-RateLimit-Reset\": \"1700000004\"}},"
                    "{\"status\": 429, \"headers\": {\"RateLimit-Reset\": \"2\"}},"
                    "{\"status\": 403, \"headers\": {\"X-RateLimit-Remaining\": \"0\", \"X-RateLimit-Reset\": \"1600000000\"}},"
                    "{\"status\": 429, \"headers\": {\"Retry-After\": \"86400\"}},"
                    "{\"json\": []}]}");
    dw_http_response *r = NULL;
    /* A wait past max_retry_after_s (300 s) is not sat out: the request
     * fails at once, naming when to rerun (now is 7 s of waits later). */
    assert_int_equal(get(f, "/rl", NULL, 0, &r), DW_ERR_RATE_LIMITED);
    assert_null(r);
    assert_int_equal(f->clock.n_waits, 3);
    assert_int_equal(f->clock.waits[0], 4000); /* epoch reset 4 s ahead */
    assert_int_equal(f->clock.waits[1], 2000); /* delta seconds */
    assert_int_equal(f->clock.waits[2], 1000); /* GitHub 403, reset in the past: floor */
    assert_int_equal(ts_request_count(&srv), 4);
    char want[256];
    snprintf(want, sizeof want,
             "GET %s/rl: rate limited until 2023-11-15 22:13:27 UTC (Retry-After 86400 s; a request waits at most "
             "300 s); rerun then", srv.base);
    assert_string_equal(f->ctx.error, want);
    fx_free(f);

    /* GitHub's primary limit, reset an hour ahead (epoch seconds). */
    f = fx_new(0, 1);
    ts_script(&srv, "{\"/gh\": [{\"status\": 403, \"headers\": {\"X-RateLimit-Remaining\": \"0\", "
                    "\"X-RateLimit-Reset\": \"1700003600\"}, \"json\": {\"message\": \"API rate limit exceeded\"}}]}");
    assert_int_equal(get(f, "/gh", NULL, 0, &r), DW_ERR_RATE_LIMITED);
    assert_int_equal(f->clock.n_waits, 0);
    assert_int_equal(ts_request_count(&srv), 1);
    snprintf(want, sizeof want,
             "GET %s/gh: rate limited until 23:13:20 UTC (X-RateLimit-Reset 1700003600; a request waits at most "
             "300 s); rerun then", srv.base);
    assert_string_equal(f->ctx.error, want);
    json_object *lines = http_lines();
    assert_int_equal(json_object_array_length(lines), 1);
    assert_string_equal(ts_str(json_object_array_get_idx(lines, 0), "error_class"), "rate_limited");
    assert_false(json_object_object_get_ex(json_object_array_get_idx(lines, 0), "retry_in_ms", NULL));
    json_object_put(lines);
    fx_free(f);

    /* Maintenance (503) for ten minutes: the status is named, not a rate limit. */
    f = fx_new(0, 1);
    ts_script(&srv, "{\"/maint\": [{\"status\": 503, \"headers\": {\"Retry-After\": \"600\"}}]}");
    assert_int_equal(get(f, "/maint", NULL, 0, &r), DW_ERR_HTTP);
    snprintf(want, sizeof want,
             "GET %s/maint: 503 Service Unavailable until 22:23:20 UTC (Retry-After 600 s; a request waits at most "
             "300 s); rerun then", srv.base);
    assert_string_equal(f->ctx.error, want);
    fx_free(f);

    /* A plain 403 is a permission problem: no retry. */
    f = fx_new(0, 1);
    ts_script(&srv, "{\"/forbidden\": [{\"status\": 403, \"json\": {\"message\": \"Resource not accessible\"}}]}");
    assert_int_equal(get(f, "/forbidden", NULL, 0, &r), DW_OK);
    assert_int_equal(dwhi_http_response_status(r), 403);
    assert_int_equal(dwhi_http_fail_status(&f->ctx, r, "endpoint x"), DW_ERR_FORBIDDEN);
    assert_non_null(strstr(f->ctx.error, "403 Forbidden"));
    dwhi_http_response_free(r);
    assert_int_equal(f->clock.n_waits, 0);
    assert_int_equal(ts_request_count(&srv), 1);
    fx_free(f);
}

static void test_5xx_burst_backoff(void **st) {
    (void)st;
    fixture *f = fx_new(0, 1);
    ts_script(&srv, "{\"/flaky\": [{\"status\": 500}, {\"status\": 502}, {\"status\": 503}, {\"json\": {\"ok\": 1}}]}");
    dw_retry_policy fast = {.struct_size = sizeof fast, .base_delay_ms = 100, .max_delay_ms = 150};
    dw_http_response *r = NULL;
    assert_int_equal(get(f, "/flaky", &fast, 0, &r), DW_OK);
    assert_int_equal(dwhi_http_response_status(r), 200);
    dwhi_http_response_free(r);
    /* random 0 -> the low end of [d/2, d]; d = 100, 150 (capped), 150. */
    assert_int_equal(f->clock.n_waits, 3);
    assert_int_equal(f->clock.waits[0], 50);
    assert_int_equal(f->clock.waits[1], 75);
    assert_int_equal(f->clock.waits[2], 75);
    dwhi_http_counters c;
    dwhi_http_counters_get(&f->ctx, &c);
    assert_int_equal(c.status_5xx, 3);
    assert_int_equal(c.backoff_wait_ms, 200);
    json_object *lines = http_lines();
    assert_string_equal(ts_str(json_object_array_get_idx(lines, 0), "error_class"), "server_error");
    assert_string_equal(ts_str(json_object_array_get_idx(lines, 0), "wait_from"), "backoff");
    json_object_put(lines);
    fx_free(f);

    /* Attempts are bounded: the last 503 comes back as the response. */
    f = fx_new(0, 1);
    ts_script(&srv, "{\"/down\": [{\"status\": 503, \"body\": \"maintenance\"}]}");
    dw_retry_policy three = {.struct_size = sizeof three, .max_attempts = 3, .base_delay_ms = 10};
    assert_int_equal(get(f, "/down", &three, 0, &r), DW_OK);
    assert_int_equal(dwhi_http_response_status(r), 503);
    assert_string_equal(dwhi_http_response_body(r, NULL), "maintenance");
    dwhi_http_response_free(r);
    assert_int_equal(ts_request_count(&srv), 3);
    assert_int_equal(f->clock.n_waits, 2);
    fx_free(f);
}

static void test_post_retries_only_when_safe(void **st) {
    (void)st;
    fixture *f = fx_new(0, 1);
    char url[128];
    snprintf(url, sizeof url, "%s/post", srv.base);
    dw_retry_policy fast = {.struct_size = sizeof fast, .base_delay_ms = 10};
    dw_http_request req = {.struct_size = sizeof req, .method = "POST", .url = url, .body = "{\"a\":1}",
                           .retry = &fast};
    dw_http_response *r = NULL;
    /* 500 after a POST: the server may have acted on it; not repeated. */
    ts_script(&srv, "{\"/post\": [{\"status\": 500}, {\"json\": {}}]}");
    assert_int_equal(dwhi_http_perform(&f->ctx, &req, NULL, &r), DW_OK);
    assert_int_equal(dwhi_http_response_status(r), 500);
    dwhi_http_response_free(r);
    json_object *reqs = ts_requests(&srv);
    assert_int_equal(json_object_array_length(reqs), 1);
    assert_string_equal(ts_str(json_object_array_get_idx(reqs, 0), "body"), "{\"a\":1}");
    json_object_put(reqs);
    /* 503 / 429 mean "not processed": retried for any method. */
    ts_script(&srv, "{\"/post\": [{\"status\": 503}, {\"status\": 429}, {\"json\": {}}]}");
    assert_int_equal(dwhi_http_perform(&f->ctx, &req, NULL, &r), DW_OK);
    assert_int_equal(dwhi_http_response_status(r), 200);
    dwhi_http_response_free(r);
    assert_int_equal(ts_request_count(&srv), 3);
    fx_free(f);
}

static void test_connection_reset_and_timeout(void **st) {
    (void)st;
    fixture *f = fx_new(0, 1);
    ts_script(&srv, "{\"/reset\": [{\"reset\": true}, {\"json\": {\"after\": \"reset\"}}]}");
    dw_retry_policy fast = {.struct_size = sizeof fast, .base_delay_ms = 10};
    dw_http_response *r = NULL;
    assert_int_equal(get(f, "/reset", &fast, 0, &r), DW_OK);
    assert_int_equal(dwhi_http_response_status(r), 200);
    dwhi_http_response_free(r);
    json_object *lines = http_lines();
    assert_int_equal(json_object_array_length(lines), 2);
    json_object *l0 = json_object_array_get_idx(lines, 0);
    assert_string_equal(ts_str(l0, "error_class"), "reset");
    assert_string_equal(ts_str(l0, "level"), "warn");
    assert_true(json_object_object_get_ex(l0, "status", NULL));
    assert_int_equal(ts_int(l0, "status"), -1); /* null: no HTTP status */
    json_object_put(lines);
    dwhi_http_counters c;
    dwhi_http_counters_get(&f->ctx, &c);
    assert_int_equal(c.transport_errors, 1);
    fx_free(f);

    /* A response slower than the timeout: bounded attempts, then a
     * timeout error naming the request. */
    f = fx_new(0, 1);
    ts_script(&srv, "{\"/slow\": [{\"delay\": 1.5, \"json\": {}}]}");
    dw_retry_policy two = {.struct_size = sizeof two, .max_attempts = 2, .base_delay_ms = 10};
    assert_int_equal(get(f, "/slow", &two, 300, &r), DW_ERR_TIMEOUT);
    assert_null(r);
    assert_int_equal(f->ctx.error_code, DW_ERR_TIMEOUT);
    assert_non_null(strstr(f->ctx.error, "after 2 attempts"));
    assert_non_null(strstr(f->ctx.error, "/slow"));
    lines = http_lines();
    assert_int_equal(json_object_array_length(lines), 2);
    assert_string_equal(ts_str(json_object_array_get_idx(lines, 1), "error_class"), "timeout");
    json_object_put(lines);
    fx_free(f);
}

static void test_non_retryable_map(void **st) {
    (void)st;
    fixture *f = fx_new(0, 1);
    ts_script(&srv, "{\"/me\": [{\"status\": 401, \"json\": {\"message\": \"Bad credentials\"}}],"
                    " \"/oauth\": [{\"status\": 400, \"json\": {\"error\": \"bad_verification_code\"}}]}");
    dw_http_response *r = NULL;
    assert_int_equal(get(f, "/me", NULL, 0, &r), DW_ERR_NON_RETRYABLE);
    assert_null(r);
    assert_string_equal(f->ctx.error, "The token was rejected: create a new one and reconnect.");
    assert_int_equal(ts_request_count(&srv), 1);
    assert_int_equal(f->clock.n_waits, 0);
    json_object *lines = http_lines();
    assert_string_equal(ts_str(json_object_array_get_idx(lines, 0), "error_class"), "non_retryable");
    json_object_put(lines);
    fx_free(f);

    /* Matched in the body, case-insensitively. */
    f = fx_new(0, 1);
    ts_script(&srv, "{\"/oauth\": [{\"status\": 400, \"json\": {\"error\": \"BAD_VERIFICATION_CODE\"}}]}");
    assert_int_equal(get(f, "/oauth", NULL, 0, &r), DW_ERR_NON_RETRYABLE);
    assert_string_equal(f->ctx.error, "The verification code is wrong: start the connection again.");
    fx_free(f);
}

static void test_ssrf_guard(void **st) {
    (void)st;
    /* The server is on loopback: refused unless allowed. */
    fixture *f = fx_new(0, 0);
    ts_script(&srv, "{\"/x\": [{\"json\": {}}]}");
    dw_http_response *r = NULL;
    assert_int_equal(get(f, "/x", NULL, 0, &r), DW_ERR_SSRF);
    char want[128];
    snprintf(want, sizeof want, "%s is a loopback address", srv.allow);
    assert_non_null(strstr(f->ctx.error, want));
    assert_int_equal(ts_request_count(&srv), 0);
    fx_free(f);

    /* A name resolving to loopback is refused at connect time (the check
     * runs on the address actually dialled, not on the name). */
    f = fx_new(0, 0);
    char url[128];
    snprintf(url, sizeof url, "http://localhost:%d/x", srv.port);
    dw_http_request req = {.struct_size = sizeof req, .url = url};
    assert_int_equal(dwhi_http_perform(&f->ctx, &req, NULL, &r), DW_ERR_SSRF);
    assert_non_null(strstr(f->ctx.error, "loopback address"));
    assert_int_equal(ts_request_count(&srv), 0);
    dwhi_http_counters c;
    dwhi_http_counters_get(&f->ctx, &c);
    assert_true(c.ssrf_blocked >= 1);
    assert_int_equal(c.requests, 0);
    fx_free(f);

    /* The allow-list is by address: "localhost" reaches the listed
     * 127.0.0.1:PORT (an IPv6 ::1 attempt, if any, is refused and skipped). */
    f = fx_new(0, 1);
    assert_int_equal(dwhi_http_perform(&f->ctx, &req, NULL, &r), DW_OK);
    assert_int_equal(dwhi_http_response_status(r), 200);
    dwhi_http_response_free(r);
    fx_free(f);

    /* With allow_internal_hosts the same request goes through. */
    f = fx_new(1, 0);
    assert_int_equal(get(f, "/x", NULL, 0, &r), DW_OK);
    dwhi_http_response_free(r);
    fx_free(f);
}

static void test_redirects(void **st) {
    (void)st;
    /* Only this server is allowed; redirects to a private address and to
     * the metadata service are refused before any connection to them. */
    const char *targets[] = {"http://10.0.0.1/latest", "http://169.254.169.254/latest/meta-data/",
                             "http://[fd00:ec2::254]/", "http://[::ffff:192.168.0.1]:8080/"};
    const char *reasons[] = {"10.0.0.1:80 is a private address", "169.254.169.254:80 is a cloud metadata address",
                             "[fd00:ec2::254]:80 is a cloud metadata address",
                             "[::ffff:192.168.0.1]:8080 is a private address"};
    for (size_t i = 0; i < 4; i++) {
        fixture *f = fx_new(0, 1);
        char script[256];
        snprintf(script, sizeof script, "{\"/go\": [{\"status\": 302, \"headers\": {\"Location\": \"%s\"}}]}",
                 targets[i]);
        ts_script(&srv, script);
        dw_http_response *r = NULL;
        assert_int_equal(get(f, "/go", NULL, 0, &r), DW_ERR_SSRF);
        assert_non_null(strstr(f->ctx.error, "(redirect target)"));
        assert_non_null(strstr(f->ctx.error, reasons[i]));
        assert_int_equal(ts_request_count(&srv), 1);
        dwhi_http_counters c;
        dwhi_http_counters_get(&f->ctx, &c);
        assert_int_equal(c.requests, 1);
        assert_int_equal(c.ssrf_blocked, 1);
        json_object *lines = http_lines();
        assert_int_equal(json_object_array_length(lines), 2);
        assert_int_equal(ts_int(json_object_array_get_idx(lines, 0), "status"), 302);
        assert_string_equal(ts_str(json_object_array_get_idx(lines, 1), "error_class"), "ssrf_blocked");
        json_object_put(lines);
        fx_free(f);
    }

    /* A redirect within the allowed server is followed, credentials kept. */
    fixture *f = fx_new(0, 1);
    ts_script(&srv, "{\"/old\": [{\"status\": 301, \"headers\": {\"Location\": \"/new?x=1\"}}],"
                    " \"/new\": [{\"json\": {\"moved\": true}}]}");
    dw_http_response *r = NULL;
    assert_int_equal(get(f, "/old", NULL, 0, &r), DW_OK);
    assert_int_equal(dwhi_http_response_status(r), 200);
    char want[128];
    snprintf(want, sizeof want, "%s/new?x=1", srv.base);
    assert_string_equal(dwhi_http_response_url(r), want);
    dwhi_http_response_free(r);
    json_object *reqs = ts_requests(&srv);
    assert_int_equal(json_object_array_length(reqs), 2);
    json_object *h = NULL;
    json_object_object_get_ex(json_object_array_get_idx(reqs, 1), "headers", &h);
    assert_string_equal(ts_str(h, "authorization"), "Bearer " TOKEN);
    json_object_put(reqs);
    fx_free(f);
}

/* The origin rule for redirects (ABI 1.6): a redirect to another origin
 * (here a second server on another port, then the same server under
 * another host name) is refused with one line naming both origins and the
 * target sees nothing; a trusted origin is followed without the
 * credentials; a trusted origin that names no origin is a config error. */
static void test_redirect_origin_rule(void **st) {
    (void)st;
    ts_server other;
    ts_start(&other);
    ts_script(&other, "{\"/x\": [{\"json\": {\"cdn\": true}}]}");
    char script[512];
    snprintf(script, sizeof script,
             "{\"/go\": [{\"status\": 302, \"headers\": {\"Location\": \"%s/x?sig=abc\"}}],"
             " \"/alias\": [{\"status\": 307, \"headers\": {\"Location\": \"http://localhost:%d/x\"}}]}",
             other.base, srv.port);
    ts_script(&srv, script);
    char want_to[96], want_from[96];
    snprintf(want_to, sizeof want_to, "on another origin (http://127.0.0.1:%d)", other.port);
    snprintf(want_from, sizeof want_from, "than the request's (http://127.0.0.1:%d)", srv.port);

    fixture *f = fx_new(1, 0);
    dw_http_response *r = NULL;
    assert_int_equal(get(f, "/go", NULL, 0, &r), DW_ERR_SSRF);
    assert_null(r);
    if (!strstr(f->ctx.error, want_to) || !strstr(f->ctx.error, want_from)) fail_msg("%s", f->ctx.error);
    assert_null(strchr(f->ctx.error, '\n'));
    assert_int_equal(ts_request_count(&other), 0);
    json_object *lines = http_lines();
    assert_int_equal(json_object_array_length(lines), 2);
    assert_string_equal(ts_str(json_object_array_get_idx(lines, 1), "error_class"), "origin_refused");
    json_object_put(lines);
    fx_free(f);

    /* Another host name is another origin, even for the same address. */
    f = fx_new(1, 0);
    assert_int_equal(get(f, "/alias", NULL, 0, &r), DW_ERR_SSRF);
    snprintf(want_to, sizeof want_to, "on another origin (http://localhost:%d)", srv.port);
    if (!strstr(f->ctx.error, want_to)) fail_msg("%s", f->ctx.error);
    fx_free(f);

    /* Trusted: followed, without the Authorization header. */
    f = fx_new(1, 0);
    char url[128];
    snprintf(url, sizeof url, "%s/go", srv.base);
    const char *headers[] = {"Authorization: Bearer " TOKEN, "X-Api-Key: k3y-value-0001", "Accept: x/y", NULL};
    const char *trusted[] = {other.base, NULL};
    dw_http_request req = {.struct_size = sizeof req, .url = url, .headers = headers, .trusted_origins = trusted};
    assert_int_equal(dwhi_http_perform(&f->ctx, &req, NULL, &r), DW_OK);
    assert_int_equal(dwhi_http_response_status(r), 200);
    dwhi_http_response_free(r);
    json_object *reqs = ts_requests(&other);
    assert_int_equal(json_object_array_length(reqs), 1);
    json_object *h = NULL;
    json_object_object_get_ex(json_object_array_get_idx(reqs, 0), "headers", &h);
    assert_null(ts_str(h, "authorization"));
    assert_null(ts_str(h, "x-api-key"));
    assert_string_equal(ts_str(h, "accept"), "x/y");
    json_object_put(reqs);
    fx_free(f);

    /* A trusted origin that is not one: refused before any request. */
    f = fx_new(1, 0);
    const char *junk[] = {"cdn.example.com", NULL};
    req.trusted_origins = junk;
    ts_script(&srv, "{}");
    assert_int_equal(dwhi_http_perform(&f->ctx, &req, NULL, &r), DW_ERR_CONFIG);
    assert_non_null(strstr(f->ctx.error, "trusted origin 'cdn.example.com' is not an origin"));
    assert_int_equal(ts_request_count(&srv), 0);
    fx_free(f);
    ts_stop(&other);
}

static void test_malformed_json_and_headers(void **st) {
    (void)st;
    fixture *f = fx_new(0, 1);
    ts_script(&srv, "{\"/bad\": [{\"body\": \"{\\\"a\\\": [1, 2\", \"headers\": {\"X-Thing\": \"one\"}}]}");
    dw_http_response *r = NULL;
    assert_int_equal(get(f, "/bad", NULL, 0, &r), DW_OK);
    const char *err = NULL;
    assert_null(dwhi_http_response_json(r, &err));
    assert_string_equal(err, "unexpected end of JSON");
    assert_string_equal(dwhi_http_response_header(r, "x-thing"), "one");
    assert_string_equal(dwhi_http_response_header(r, "X-THING"), "one");
    assert_null(dwhi_http_response_header(r, "x-missing"));
    dwhi_http_response_free(r);
    fx_free(f);
}

static void test_counters_collect(void **st) {
    (void)st;
    /* Through the public embedding API (dwhost.h). */
    dwh_transport_counters totals = {0};
    dwh_transport_counters *prev = dwh_transport_counters_collect(&totals);
    for (int i = 0; i < 2; i++) {
        fixture *f = fx_new(0, 1);
        ts_script(&srv, "{\"/c\": [{\"status\": 429, \"headers\": {\"Retry-After\": \"1\"}}, {\"json\": {}}]}");
        dw_http_response *r = NULL;
        assert_int_equal(get(f, "/c", NULL, 0, &r), DW_OK);
        dwhi_http_response_free(r);
        fx_free(f);
    }
    assert_ptr_equal(dwh_transport_counters_collect(prev), &totals);
    assert_int_equal(totals.requests, 4);
    assert_int_equal(totals.retries, 2);
    assert_int_equal(totals.status_2xx, 2);
    assert_int_equal(totals.status_4xx, 2);
    assert_int_equal(totals.rate_limit_wait_ms, 2000);
    json_object *j = dwhi_http_counters_json(&totals);
    json_object *status = NULL;
    json_object_object_get_ex(j, "status", &status);
    assert_int_equal(ts_int(status, "4xx"), 2);
    assert_int_equal(ts_int(j, "rate_limit_wait_ms"), 2000);
    json_object_put(j);
}

/* QA #17: a credential check makes at most 2 attempts with a short
 * backoff, whatever the request or the host default ask for; the ceiling
 * is configurable. */
static void test_check_retry_ceiling(void **st) {
    (void)st;
    fixture *f = fx_new(0, 1);
    f->ctx.checking = 1;
    ts_script(&srv, "{\"/down\": [{\"status\": 503}]}");
    dw_retry_policy five = {.struct_size = sizeof five, .max_attempts = 5, .base_delay_ms = 2000};
    dw_http_response *r = NULL;
    assert_int_equal(get(f, "/down", &five, 0, &r), DW_OK);
    assert_int_equal(dwhi_http_response_status(r), 503);
    dwhi_http_response_free(r);
    assert_int_equal(ts_request_count(&srv), 2);
    assert_int_equal(f->clock.n_waits, 1);
    assert_int_equal(f->clock.waits[0], 125); /* base 250 ms, random 0: the low end of [d/2, d] */
    fx_free(f);

    /* A server asking for a long wait is not waited for at all: the
     * check fails at once, saying when to try again. */
    f = fx_new(0, 1);
    f->ctx.checking = 1;
    ts_script(&srv, "{\"/limited\": [{\"status\": 429, \"headers\": {\"Retry-After\": \"120\"}}]}");
    assert_int_equal(get(f, "/limited", NULL, 0, &r), DW_ERR_RATE_LIMITED);
    assert_int_equal(f->clock.n_waits, 0);
    assert_int_equal(ts_request_count(&srv), 1);
    assert_non_null(strstr(f->ctx.error, ": rate limited until 22:15:20 UTC (Retry-After 120 s; a request waits at "
                                         "most 5 s); rerun then"));
    fx_free(f);

    /* Configured: three attempts. */
    f = fx_new(0, 1);
    f->ctx.checking = 1;
    dw_retry_policy three = {.struct_size = sizeof three, .max_attempts = 3};
    dwhi_http_options o = {.clock = &f->clock.clock, .internal_allow = f->allow, .check_retry = &three};
    assert_non_null(dwhi_http_session_attach(&f->ctx, &o));
    ts_script(&srv, "{\"/down\": [{\"status\": 503}]}");
    assert_int_equal(get(f, "/down", NULL, 0, &r), DW_OK);
    dwhi_http_response_free(r);
    assert_int_equal(ts_request_count(&srv), 3);
    fx_free(f);

    /* Not a check: the usual five. */
    f = fx_new(0, 1);
    dw_retry_policy fast = {.struct_size = sizeof fast, .base_delay_ms = 10};
    ts_script(&srv, "{\"/down\": [{\"status\": 503}]}");
    assert_int_equal(get(f, "/down", &fast, 0, &r), DW_OK);
    dwhi_http_response_free(r);
    assert_int_equal(ts_request_count(&srv), 5);
    fx_free(f);

    /* A refused connection (the unreachable host of the QA report). */
    f = fx_new(1, 0);
    f->ctx.checking = 1;
    dw_http_request req = {.struct_size = sizeof req, .url = "http://127.0.0.1:1/v1/account"};
    assert_int_equal(dwhi_http_perform(&f->ctx, &req, NULL, &r), DW_ERR_UNREACHABLE);
    assert_non_null(strstr(f->ctx.error, "after 2 attempts"));
    fx_free(f);
}

static void test_public_configure(void **st) {
    (void)st;
    /* What dwh_host_set_transport does for a host's operations: the thread
     * is scoped to the host's settings while the call runs, and an
     * operation's context keeps them for its sessions. */
    dwhi_http_options host_settings = {.timeout_ms = 200};
    const struct dwhi_http_options *prev = dwhi_ctx_scope_http(&host_settings);
    dw_ctx ctx;
    ts_ctx(&ctx, plugin, NULL, 1, NULL, NULL); /* session created on first use, from the host's settings */
    dwhi_ctx_scope_http(prev);
    assert_ptr_equal(ctx.http_defaults, &host_settings);
    ts_script(&srv, "{\"/slow\": [{\"delay\": 1.0, \"json\": {}}]}");
    char url[128];
    snprintf(url, sizeof url, "%s/slow", srv.base);
    dw_retry_policy once = {.struct_size = sizeof once, .max_attempts = 1};
    dw_http_request req = {.struct_size = sizeof req, .url = url, .retry = &once};
    dw_http_response *r = NULL;
    assert_int_equal(dwhi_http_perform(&ctx, &req, NULL, &r), DW_ERR_TIMEOUT);
    dwhi_ctx_cleanup(&ctx);
    /* Outside the scope an operation starts from the process defaults. */
    ts_ctx(&ctx, plugin, NULL, 1, NULL, NULL);
    assert_null(ctx.http_defaults);
    ts_script(&srv, "{\"/slow\": [{\"delay\": 0.4, \"json\": {}}]}");
    assert_int_equal(dwhi_http_perform(&ctx, &req, NULL, &r), DW_OK);
    dwhi_http_response_free(r);
    dwhi_ctx_cleanup(&ctx);
}

/* The request's time limit (request_timeout_ms) bounds its attempts and
 * waits together: a wait that would not leave time for another attempt
 * is not started. */
static void test_request_time_limit(void **st) {
    (void)st;
    /* fake clock: waits spend the time */
    fixture *f = fx_new(0, 1);
    dwhi_http_options o = {.clock = &f->clock.clock, .internal_allow = f->allow, .request_timeout_ms = 5000};
    assert_non_null(dwhi_http_session_attach(&f->ctx, &o));
    ts_script(&srv, "{\"/down\": [{\"status\": 503, \"body\": \"maintenance\"}]}");
    dw_retry_policy slow = {.struct_size = sizeof slow, .base_delay_ms = 4000, .max_delay_ms = 60000};
    dw_http_response *r = NULL;
    assert_int_equal(get(f, "/down", &slow, 0, &r), DW_OK);
    /* waits 2000 (the low end of [2000, 4000]), then 4000 >= the 3000 left:
     * the second 503 is the last */
    assert_int_equal(dwhi_http_response_status(r), 503);
    dwhi_http_response_free(r);
    assert_int_equal(f->clock.n_waits, 1);
    assert_int_equal(f->clock.waits[0], 2000);
    assert_int_equal(ts_request_count(&srv), 2);
    fx_free(f);

    /* a server wait that fits max_retry_after_s but not the time left */
    f = fx_new(0, 1);
    o.clock = &f->clock.clock;
    o.internal_allow = f->allow;
    assert_non_null(dwhi_http_session_attach(&f->ctx, &o));
    ts_script(&srv, "{\"/ra\": [{\"status\": 429, \"headers\": {\"Retry-After\": \"3\"}},"
                    "{\"status\": 429, \"headers\": {\"Retry-After\": \"3\"}}]}");
    assert_int_equal(get(f, "/ra", NULL, 0, &r), DW_ERR_RATE_LIMITED);
    assert_int_equal(f->clock.n_waits, 1);
    assert_non_null(strstr(f->ctx.error, "rate limited until 22:13:26 UTC (Retry-After 3 s; the request has 2 s left "
                                         "of its 5 s time limit); rerun then"));
    fx_free(f);

    /* real clock: a server that never answers is given up on when the
     * request's time is spent, whatever attempts remain */
    f = fx_new(0, 1);
    dwhi_http_options real = {.internal_allow = f->allow, .request_timeout_ms = 1500};
    assert_non_null(dwhi_http_session_attach(&f->ctx, &real));
    ts_script(&srv, "{\"/hang\": [{\"delay\": 8, \"json\": {}}]}");
    dw_retry_policy fast = {.struct_size = sizeof fast, .base_delay_ms = 10};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(get(f, "/hang", &fast, 0, &r), DW_ERR_TIMEOUT);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(secs >= 1.4 && secs < 6.0);
    assert_int_equal(ts_request_count(&srv), 1);
    assert_non_null(strstr(f->ctx.error, "failed after 1 attempt: "));
    assert_non_null(strstr(f->ctx.error, "; the request's time limit of 2 s is spent"));
    fx_free(f);
}

/* An attempt that receives nothing for stall_timeout_ms fails as a
 * timeout (libcurl's low-speed limit), long before timeout_ms. */
static void test_stalled_server(void **st) {
    (void)st;
    fixture *f = fx_new(0, 1);
    dwhi_http_options o = {.clock = &f->clock.clock, .internal_allow = f->allow, .stall_timeout_ms = 1000};
    assert_non_null(dwhi_http_session_attach(&f->ctx, &o));
    ts_script(&srv, "{\"/hang\": [{\"delay\": 8, \"json\": {}}]}");
    dw_retry_policy once = {.struct_size = sizeof once, .max_attempts = 1};
    dw_http_response *r = NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(get(f, "/hang", &once, 0, &r), DW_ERR_TIMEOUT);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(secs >= 0.9 && secs < 6.0); /* not the 60 s of timeout_ms */
    assert_non_null(strstr(f->ctx.error, "too slow"));
    json_object *lines = http_lines();
    assert_string_equal(ts_str(json_object_array_get_idx(lines, 0), "error_class"), "timeout");
    json_object_put(lines);
    /* it connected: a stalled server is not an unreachable one */
    assert_false(dwhi_http_never_connected(&f->ctx));
    fx_free(f);
}

/* Sets *flag after `ms`: a Ctrl-C in the middle of a wait. */
typedef struct later {
    struct dwh_cancel *flag;
    int ms;
} later;
static void *set_later(void *ud) {
    later *l = ud;
    struct timespec ts = {l->ms / 1000, (long)(l->ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    dwhi_cancel_set(l->flag);
    return NULL;
}

/* The wait counters hold the time actually slept (real clock), not the
 * wait asked for: a 5 s Retry-After cut short after 0.3 s counts 0.3 s. */
static void test_wait_counters_measure_the_sleep(void **st) {
    (void)st;
    fixture *f = fx_new(0, 1);
    dwhi_http_options real = {.internal_allow = f->allow};
    assert_non_null(dwhi_http_session_attach(&f->ctx, &real));
    struct dwh_cancel cancel = {0};
    f->ctx.cancel = &cancel;
    ts_script(&srv, "{\"/ra\": [{\"status\": 429, \"headers\": {\"Retry-After\": \"5\"}}, {\"json\": {}}]}");
    later l = {&cancel, 300};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, set_later, &l), 0);
    dw_http_response *r = NULL;
    assert_int_equal(get(f, "/ra", NULL, 0, &r), DW_ERR_CANCELLED);
    pthread_join(t, NULL);
    dwhi_http_counters c;
    dwhi_http_counters_get(&f->ctx, &c);
    assert_true(c.rate_limit_wait_ms >= 250 && c.rate_limit_wait_ms < 2500);
    assert_int_equal(c.backoff_wait_ms, 0);
    json_object *lines = http_lines();
    assert_int_equal(ts_int(json_object_array_get_idx(lines, 0), "retry_in_ms"), 5000); /* what was asked */
    json_object_put(lines);
    fx_free(f);

    /* uncut, a wait counts at least what it was asked */
    f = fx_new(0, 1);
    real.internal_allow = f->allow;
    assert_non_null(dwhi_http_session_attach(&f->ctx, &real));
    ts_script(&srv, "{\"/ra\": [{\"status\": 429, \"headers\": {\"Retry-After\": \"0\"}}, {\"json\": {}}]}");
    dw_retry_policy quick = {.struct_size = sizeof quick, .base_delay_ms = 200};
    assert_int_equal(get(f, "/ra", &quick, 0, &r), DW_OK);
    dwhi_http_response_free(r);
    dwhi_http_counters_get(&f->ctx, &c);
    assert_true(c.rate_limit_wait_ms >= 200 && c.rate_limit_wait_ms < 2000);
    fx_free(f);
}

/* dwhi_http_never_connected: every attempt failed to connect. */
static void test_never_connected(void **st) {
    (void)st;
    fixture *f = fx_new(1, 0);
    assert_false(dwhi_http_never_connected(&f->ctx)); /* no request yet */
    dw_retry_policy two = {.struct_size = sizeof two, .max_attempts = 2, .base_delay_ms = 10};
    dw_http_request req = {.struct_size = sizeof req, .url = "http://127.0.0.1:1/v1/account", .retry = &two};
    dw_http_response *r = NULL;
    assert_int_equal(dwhi_http_perform(&f->ctx, &req, NULL, &r), DW_ERR_UNREACHABLE);
    assert_true(dwhi_http_never_connected(&f->ctx));
    /* one request that got an answer: the source is reachable */
    ts_script(&srv, "{\"/ok\": [{\"json\": {}}]}");
    assert_int_equal(get(f, "/ok", NULL, 0, &r), DW_OK);
    dwhi_http_response_free(r);
    assert_false(dwhi_http_never_connected(&f->ctx));
    fx_free(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gzip_keepalive_and_log_line),
        cmocka_unit_test(test_429_retry_after_forms),
        cmocka_unit_test(test_rate_limit_reset_headers),
        cmocka_unit_test(test_5xx_burst_backoff),
        cmocka_unit_test(test_post_retries_only_when_safe),
        cmocka_unit_test(test_connection_reset_and_timeout),
        cmocka_unit_test(test_non_retryable_map),
        cmocka_unit_test(test_ssrf_guard),
        cmocka_unit_test(test_redirects),
        cmocka_unit_test(test_redirect_origin_rule),
        cmocka_unit_test(test_malformed_json_and_headers),
        cmocka_unit_test(test_counters_collect),
        cmocka_unit_test(test_check_retry_ceiling),
        cmocka_unit_test(test_public_configure),
        cmocka_unit_test(test_request_time_limit),
        cmocka_unit_test(test_stalled_server),
        cmocka_unit_test(test_wait_counters_measure_the_sleep),
        cmocka_unit_test(test_never_connected),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
