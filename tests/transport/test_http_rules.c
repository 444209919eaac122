/* test_http_rules.c -- the transport's pure rules: SSRF address classes,
 * retry classification and waits, URL redaction, Link headers, watermark
 * formats.  No network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "transport/http_retry.h"
#include "transport/http_ssrf.h"
#include "url/http_url.h"
#include "rest/rest.h"

static dwhi_addr_class cls(const char *ip) {
    struct sockaddr_storage ss;
    assert_true(dwhi_addr_parse(ip, &ss));
    return dwhi_addr_classify((struct sockaddr *)&ss);
}

static void test_ssrf_classes(void **st) {
    (void)st;
    assert_int_equal(cls("8.8.8.8"), DWHI_ADDR_PUBLIC);
    assert_int_equal(cls("140.82.112.3"), DWHI_ADDR_PUBLIC);
    assert_int_equal(cls("127.0.0.1"), DWHI_ADDR_LOOPBACK);
    assert_int_equal(cls("127.255.0.9"), DWHI_ADDR_LOOPBACK);
    assert_int_equal(cls("10.0.0.1"), DWHI_ADDR_PRIVATE);
    assert_int_equal(cls("172.16.0.1"), DWHI_ADDR_PRIVATE);
    assert_int_equal(cls("172.31.255.255"), DWHI_ADDR_PRIVATE);
    assert_int_equal(cls("172.32.0.1"), DWHI_ADDR_PUBLIC);
    assert_int_equal(cls("192.168.1.1"), DWHI_ADDR_PRIVATE);
    assert_int_equal(cls("169.254.1.1"), DWHI_ADDR_LINK_LOCAL);
    assert_int_equal(cls("169.254.169.254"), DWHI_ADDR_METADATA);
    assert_int_equal(cls("100.64.0.1"), DWHI_ADDR_CGNAT);
    assert_int_equal(cls("100.127.255.255"), DWHI_ADDR_CGNAT);
    assert_int_equal(cls("100.128.0.1"), DWHI_ADDR_PUBLIC);
    assert_int_equal(cls("224.0.0.1"), DWHI_ADDR_MULTICAST);
    assert_int_equal(cls("255.255.255.255"), DWHI_ADDR_MULTICAST);
    assert_int_equal(cls("0.0.0.0"), DWHI_ADDR_UNSPECIFIED);
    assert_int_equal(cls("240.0.0.1"), DWHI_ADDR_RESERVED);
    /* IPv6 */
    assert_int_equal(cls("2606:4700::1111"), DWHI_ADDR_PUBLIC);
    assert_int_equal(cls("::1"), DWHI_ADDR_LOOPBACK);
    assert_int_equal(cls("[::1]"), DWHI_ADDR_LOOPBACK);
    assert_int_equal(cls("::"), DWHI_ADDR_UNSPECIFIED);
    assert_int_equal(cls("fc00::1"), DWHI_ADDR_PRIVATE);
    assert_int_equal(cls("fd12:3456::1"), DWHI_ADDR_PRIVATE);
    assert_int_equal(cls("fe80::1"), DWHI_ADDR_LINK_LOCAL);
    assert_int_equal(cls("fe80::1%eth0"), DWHI_ADDR_LINK_LOCAL);
    assert_int_equal(cls("ff02::1"), DWHI_ADDR_MULTICAST);
    assert_int_equal(cls("fd00:ec2::254"), DWHI_ADDR_METADATA);
    /* v4 inside v6 is judged by the v4 address */
    assert_int_equal(cls("::ffff:127.0.0.1"), DWHI_ADDR_LOOPBACK);
    assert_int_equal(cls("::ffff:169.254.169.254"), DWHI_ADDR_METADATA);
    assert_int_equal(cls("::ffff:10.1.2.3"), DWHI_ADDR_PRIVATE);
    assert_int_equal(cls("::ffff:8.8.8.8"), DWHI_ADDR_PUBLIC);
    assert_int_equal(cls("64:ff9b::a9fe:a9fe"), DWHI_ADDR_METADATA);
    struct sockaddr_storage ss;
    assert_false(dwhi_addr_parse("api.github.com", &ss));
    assert_false(dwhi_addr_parse("10.0.0.1.example.com", &ss));
}

static void test_ssrf_policy(void **st) {
    (void)st;
    struct sockaddr_storage ss;
    char why[200];
    assert_true(dwhi_addr_parse("127.0.0.1", &ss));
    dwhi_addr_set_port(&ss, 8080);
    dwhi_ssrf_policy closed = {0};
    assert_false(dwhi_ssrf_allowed(&closed, (struct sockaddr *)&ss, why, sizeof why));
    assert_string_equal(why, "127.0.0.1:8080 is a loopback address");
    dwhi_ssrf_policy open = {.allow_internal = 1};
    assert_true(dwhi_ssrf_allowed(&open, (struct sockaddr *)&ss, why, sizeof why));
    const char *list[] = {"127.0.0.1:8080", NULL};
    dwhi_ssrf_policy listed = {.allow_list = list};
    assert_true(dwhi_ssrf_allowed(&listed, (struct sockaddr *)&ss, why, sizeof why));
    dwhi_addr_set_port(&ss, 8081); /* another port of the same host: refused */
    assert_false(dwhi_ssrf_allowed(&listed, (struct sockaddr *)&ss, why, sizeof why));
    assert_true(dwhi_addr_parse("169.254.169.254", &ss));
    dwhi_addr_set_port(&ss, 80);
    assert_false(dwhi_ssrf_allowed(&listed, (struct sockaddr *)&ss, why, sizeof why));
    assert_string_equal(why, "169.254.169.254:80 is a cloud metadata address (refused even when internal hosts are "
                             "allowed)");
    assert_true(dwhi_addr_parse("::ffff:10.0.0.1", &ss));
    dwhi_addr_set_port(&ss, 443);
    assert_false(dwhi_ssrf_allowed(&listed, (struct sockaddr *)&ss, why, sizeof why));
    assert_string_equal(why, "[::ffff:10.0.0.1]:443 is a private address");
    assert_true(dwhi_addr_parse("8.8.8.8", &ss));
    assert_true(dwhi_ssrf_allowed(&closed, (struct sockaddr *)&ss, why, sizeof why));
}

/* ---- retry rules ------------------------------------------------------ */

typedef struct hdrs {
    const char *k[6], *v[6];
} hdrs;
static const char *hget(void *ud, const char *name) {
    hdrs *h = ud;
    for (int i = 0; i < 6 && h->k[i]; i++)
        if (!strcasecmp(h->k[i], name)) return h->v[i];
    return NULL;
}

static void test_retry_resolve(void **st) {
    (void)st;
    dwhi_retry_rules r;
    dwhi_retry_resolve(&r, NULL, NULL, NULL);
    assert_int_equal(r.max_attempts, 5);
    assert_int_equal(r.base_delay_ms, 1000);
    assert_int_equal(r.max_delay_ms, 60000);
    assert_int_equal(r.max_retry_after_s, 300);
    assert_int_equal(r.min_delay_ms, 1000);
    dw_retry_policy client = {.struct_size = sizeof client, .max_attempts = 3, .base_delay_ms = 50};
    dw_retry_policy req = {.struct_size = sizeof req, .max_attempts = 2};
    dwhi_retry_resolve(&r, &req, &client, NULL);
    assert_int_equal(r.max_attempts, 2);   /* request wins */
    assert_int_equal(r.base_delay_ms, 50); /* then the client */
    assert_int_equal(r.min_delay_ms, 50);  /* a fast policy keeps a fast floor */
    /* A smaller (older) struct: members past struct_size are not read. */
    dw_retry_policy small = {.struct_size = offsetof(dw_retry_policy, base_delay_ms), .max_attempts = 4,
                             .base_delay_ms = 7};
    dwhi_retry_resolve(&r, &small, NULL, NULL);
    assert_int_equal(r.max_attempts, 4);
    assert_int_equal(r.base_delay_ms, 1000);
}

static void test_retry_classify(void **st) {
    (void)st;
    hdrs none = {{0}, {0}};
    assert_int_equal(dwhi_retry_classify(429, hget, &none), DWHI_RETRY_RATE_LIMITED);
    assert_int_equal(dwhi_retry_classify(503, hget, &none), DWHI_RETRY_UNAVAILABLE);
    assert_int_equal(dwhi_retry_classify(500, hget, &none), DWHI_RETRY_SERVER_ERROR);
    assert_int_equal(dwhi_retry_classify(502, hget, &none), DWHI_RETRY_SERVER_ERROR);
    assert_int_equal(dwhi_retry_classify(504, hget, &none), DWHI_RETRY_SERVER_ERROR);
    assert_int_equal(dwhi_retry_classify(501, hget, &none), DWHI_RETRY_NO);
    assert_int_equal(dwhi_retry_classify(404, hget, &none), DWHI_RETRY_NO);
    assert_int_equal(dwhi_retry_classify(403, hget, &none), DWHI_RETRY_NO);
    hdrs gh = {{"X-RateLimit-Remaining"}, {"0"}};
    assert_int_equal(dwhi_retry_classify(403, hget, &gh), DWHI_RETRY_RATE_LIMITED);
    hdrs gh_left = {{"X-RateLimit-Remaining"}, {"12"}};
    assert_int_equal(dwhi_retry_classify(403, hget, &gh_left), DWHI_RETRY_NO);
    assert_true(dwhi_method_idempotent("GET"));
    assert_true(dwhi_method_idempotent("put"));
    assert_true(dwhi_method_idempotent(NULL));
    assert_false(dwhi_method_idempotent("POST"));
    assert_false(dwhi_method_idempotent("PATCH"));
}

/* The server's wait (ms from now) from `h`, -1 when none; its header in *src. */
static int64_t server_wait(hdrs *h, int64_t now, const char **src, int *delta) {
    dwhi_server_wait w;
    if (dwhi_retry_server_wait(hget, h, now, &w) != 0) return -1;
    *src = w.header;
    if (delta) *delta = w.delta;
    return w.ms;
}

static void test_retry_server_waits(void **st) {
    (void)st;
    dwhi_retry_rules r;
    dwhi_retry_resolve(&r, NULL, NULL, NULL);
    const int64_t now = 1700000000000LL; /* 2023-11-14T22:13:20Z */
    const char *src = NULL;
    int delta = -1;
    hdrs secs = {{"Retry-After"}, {"7"}};
    assert_int_equal(server_wait(&secs, now, &src, &delta), 7000);
    assert_string_equal(src, "Retry-After");
    assert_int_equal(delta, 1);
    hdrs date = {{"Retry-After"}, {"Tue, 14 Nov 2023 22:13:32 GMT"}};
    assert_int_equal(server_wait(&date, now, &src, &delta), 12000);
    assert_int_equal(delta, 0);
    hdrs rfc850 = {{"Retry-After"}, {"Tuesday, 14-Nov-23 22:13:25 GMT"}};
    assert_int_equal(server_wait(&rfc850, now, &src, NULL), 5000);
    hdrs zero = {{"Retry-After"}, {"0"}};
    int64_t w = server_wait(&zero, now, &src, NULL);
    assert_int_equal(w, 0);
    assert_int_equal(dwhi_retry_floor(&r, w), 1000); /* no busy loop */
    hdrs past = {{"Retry-After"}, {"Tue, 14 Nov 2023 20:00:00 GMT"}};
    assert_int_equal(dwhi_retry_floor(&r, server_wait(&past, now, &src, NULL)), 1000);
    /* not capped: a wait past max_retry_after_s is the transport's to refuse */
    hdrs huge = {{"Retry-After"}, {"86400"}};
    assert_int_equal(server_wait(&huge, now, &src, NULL), 86400000);
    hdrs epoch = {{"X-RateLimit-Reset"}, {"1700000030"}};
    assert_int_equal(server_wait(&epoch, now, &src, &delta), 30000);
    assert_string_equal(src, "X-RateLimit-Reset");
    assert_int_equal(delta, 0);
    hdrs epoch_ms = {{"X-RateLimit-Reset"}, {"1700000002500"}};
    assert_int_equal(server_wait(&epoch_ms, now, &src, NULL), 2500);
    hdrs delta_h = {{"RateLimit-Reset"}, {"4"}};
    assert_int_equal(server_wait(&delta_h, now, &src, &delta), 4000);
    assert_string_equal(src, "RateLimit-Reset");
    assert_int_equal(delta, 1);
    hdrs reset_past = {{"X-RateLimit-Reset"}, {"1699999000"}};
    assert_int_equal(server_wait(&reset_past, now, &src, NULL), 0);
    /* Retry-After wins over a reset header. */
    hdrs both = {{"X-RateLimit-Reset", "Retry-After"}, {"1700000100", "3"}};
    assert_int_equal(server_wait(&both, now, &src, NULL), 3000);
    hdrs junk = {{"Retry-After"}, {"soon"}};
    assert_int_equal(server_wait(&junk, now, &src, NULL), -1);
    hdrs none = {{0}, {0}};
    assert_int_equal(server_wait(&none, now, &src, NULL), -1);

    /* When to rerun: the time, and the date once it is another day. */
    char until[64];
    dwhi_retry_until_text(now, 3600000, until, sizeof until);
    assert_string_equal(until, "23:13:20 UTC");
    dwhi_retry_until_text(now, 1500, until, sizeof until); /* rounded up: never earlier than asked */
    assert_string_equal(until, "22:13:22 UTC");
    dwhi_retry_until_text(now, 7200000, until, sizeof until);
    assert_string_equal(until, "2023-11-15 00:13:20 UTC");
}

static void test_retry_backoff(void **st) {
    (void)st;
    dwhi_retry_rules r;
    dwhi_retry_resolve(&r, NULL, NULL, NULL);
    /* min(2^(n-1), 60) s, with the jitter inside [d/2, d]. */
    assert_int_equal(dwhi_retry_backoff_ms(&r, 1, 0), 500);
    assert_int_equal(dwhi_retry_backoff_ms(&r, 1, 500), 1000);
    assert_int_equal(dwhi_retry_backoff_ms(&r, 2, 0), 1000);
    assert_int_equal(dwhi_retry_backoff_ms(&r, 3, 2000), 4000);
    assert_int_equal(dwhi_retry_backoff_ms(&r, 7, 30000), 60000);
    assert_int_equal(dwhi_retry_backoff_ms(&r, 30, 30000), 60000); /* capped, no overflow */
    for (uint64_t x = 0; x < 5000; x += 37) {
        int64_t w = dwhi_retry_backoff_ms(&r, 4, x * 7919);
        assert_true(w >= 4000 && w <= 8000);
    }
}

/* ---- URLs, links, watermarks ------------------------------------------- */

static void test_url_redact(void **st) {
    (void)st;
    char *u = dwhi_url_redact("https://user:pw@api.x.com/v1/items?page=2&api_key=abc&access_token=zz&sig=1&design=ok#frag");
    assert_string_equal(u, "https://api.x.com/v1/items?page=2&api_key=***&access_token=***&sig=***&design=ok");
    free(u);
    u = dwhi_url_redact("not a url");
    assert_string_equal(u, "<invalid url>");
    free(u);
    char *r = dwhi_url_resolve("https://api.x.com/v1/items?page=1", "/v1/items?page=2");
    assert_string_equal(r, "https://api.x.com/v1/items?page=2");
    free(r);
    r = dwhi_url_resolve("https://api.x.com/v1/items", "https://other.example/next");
    assert_string_equal(r, "https://other.example/next");
    free(r);
    long port = 0;
    char *scheme = NULL;
    char *h = dwhi_url_host("http://[::1]:8080/x", &port, &scheme);
    assert_string_equal(h, "::1");
    assert_int_equal(port, 8080);
    assert_string_equal(scheme, "http");
    free(h);
    free(scheme);
    h = dwhi_url_host("https://API.GitHub.com/x", &port, NULL);
    assert_string_equal(h, "api.github.com");
    assert_int_equal(port, 443);
    free(h);
}

static void test_link_header(void **st) {
    (void)st;
    char *n = dwhi_link_next("<https://api.github.com/repositories/1/issues?page=2>; rel=\"next\", "
                            "<https://api.github.com/repositories/1/issues?page=5>; rel=\"last\"");
    assert_string_equal(n, "https://api.github.com/repositories/1/issues?page=2");
    free(n);
    n = dwhi_link_next("<https://x/a?q=1,2>; rel=\"prev\", <https://x/b?c=3,4>; title=\"a, b\"; rel=\"last next\"");
    assert_string_equal(n, "https://x/b?c=3,4");
    free(n);
    n = dwhi_link_next("</items?cursor=abc>; rel=next");
    assert_string_equal(n, "/items?cursor=abc");
    free(n);
    assert_null(dwhi_link_next("<https://x/a>; rel=\"prev\""));
    assert_null(dwhi_link_next(""));
    assert_null(dwhi_link_next(NULL));
}

static void test_watermarks(void **st) {
    (void)st;
    double e;
    assert_int_equal(dwhi_iso8601_parse("2024-01-31T10:00:00Z", &e), 0);
    assert_true(e == 1706695200.0);
    assert_int_equal(dwhi_iso8601_parse("2024-01-31T12:00:00+02:00", &e), 0);
    assert_true(e == 1706695200.0);
    assert_int_equal(dwhi_iso8601_parse("2024-01-31 10:00:00.500Z", &e), 0);
    assert_true(e == 1706695200.5);
    assert_int_equal(dwhi_iso8601_parse("2024-01-31", &e), 0);
    assert_true(e == 1706659200.0);
    assert_int_not_equal(dwhi_iso8601_parse("31/01/2024", &e), 0);
    assert_int_not_equal(dwhi_iso8601_parse("2024-13-01", &e), 0);
    char *v = dwhi_incremental_format("1706695200", "unix");
    assert_string_equal(v, "1706695200");
    free(v);
    v = dwhi_incremental_format("\"2024-01-31T10:00:00Z\"", "unix");
    assert_string_equal(v, "1706695200");
    free(v);
    v = dwhi_incremental_format("1706695200", "iso8601");
    assert_string_equal(v, "2024-01-31T10:00:00Z");
    free(v);
    v = dwhi_incremental_format("\"2024-01-31T10:00:00Z\"", "iso8601");
    assert_string_equal(v, "2024-01-31T10:00:00Z");
    free(v);
    v = dwhi_incremental_format("\"abc\"", NULL);
    assert_string_equal(v, "abc");
    free(v);
    assert_null(dwhi_incremental_format("\"yesterday\"", "unix"));
    assert_null(dwhi_incremental_format("{\"a\":1}", "unix"));
}

/* Cloud metadata services hand out the machine's own credentials: refused
 * under every policy (allow_internal, an allow-list naming them exactly),
 * in every spelling of the address, and by their well-known names. */
static void test_metadata_always_refused(void **st) {
    (void)st;
    const char *addrs[] = {"169.254.169.254", "169.254.170.2", "169.254.170.23", "100.100.100.200", "192.0.0.192",
                           "fd00:ec2::254", "fd00:ec2::23", "::ffff:169.254.169.254", "::ffff:100.100.100.200",
                           "::169.254.169.254", "64:ff9b::a9fe:a9fe", "[fd00:ec2::254]", NULL};
    for (int i = 0; addrs[i]; i++) {
        struct sockaddr_storage ss;
        assert_true(dwhi_addr_parse(addrs[i], &ss));
        dwhi_addr_set_port(&ss, 80);
        char addr[80], why[200];
        dwhi_addr_format((struct sockaddr *)&ss, addr, sizeof addr);
        const char *listed[] = {addr, NULL};
        dwhi_ssrf_policy everything = {.allow_internal = 1, .allow_list = listed};
        if (dwhi_addr_classify((struct sockaddr *)&ss) != DWHI_ADDR_METADATA) fail_msg("%s is not metadata", addrs[i]);
        if (dwhi_ssrf_allowed(&everything, (struct sockaddr *)&ss, why, sizeof why))
            fail_msg("%s allowed with allow_internal", addrs[i]);
        assert_non_null(strstr(why, "is a cloud metadata address (refused even when internal hosts are allowed)"));
    }
    /* Neighbours stay ordinary internal addresses, allowed with allow_internal. */
    assert_int_equal(cls("169.254.169.253"), DWHI_ADDR_LINK_LOCAL);
    assert_int_equal(cls("100.100.100.201"), DWHI_ADDR_CGNAT);
    assert_int_equal(cls("fd00:ec2::1"), DWHI_ADDR_PRIVATE);
    assert_true(dwhi_ssrf_name_is_metadata("metadata.google.internal"));
    assert_true(dwhi_ssrf_name_is_metadata("METADATA.Google.Internal."));
    assert_true(dwhi_ssrf_name_is_metadata("metadata"));
    assert_true(dwhi_ssrf_name_is_metadata("metadata.goog"));
    assert_true(dwhi_ssrf_name_is_metadata("instance-data.ec2.internal"));
    assert_false(dwhi_ssrf_name_is_metadata("metadata.example.com"));
    assert_false(dwhi_ssrf_name_is_metadata("api.github.com"));
    assert_false(dwhi_ssrf_name_is_metadata(NULL));
}

/* Origins: scheme, host (any case) and port (the default one written). */
static void test_url_origin(void **st) {
    (void)st;
    char *o = dwhi_url_origin("HTTPS://API.GitHub.com/repos/x?page=2");
    assert_string_equal(o, "https://api.github.com:443");
    free(o);
    o = dwhi_url_origin("http://[::1]:8080/a");
    assert_string_equal(o, "http://[::1]:8080");
    free(o);
    assert_null(dwhi_url_origin("/relative/path"));
    assert_null(dwhi_url_origin(NULL));
    assert_true(dwhi_url_same_origin("https://api.github.com/a", "https://API.github.com:443/b?c=d"));
    assert_false(dwhi_url_same_origin("https://api.github.com/a", "http://api.github.com/a"));
    assert_false(dwhi_url_same_origin("https://api.github.com/a", "https://api.github.com:8443/a"));
    assert_false(dwhi_url_same_origin("https://api.github.com/a", "https://uploads.github.com/a"));
    assert_false(dwhi_url_same_origin("https://api.github.com/a", "not a url"));
    const char *trusted[] = {"https://cdn.example.com", "http://127.0.0.1:9000/", NULL};
    assert_true(dwhi_url_origin_in("https://api.x.com/p", "https://api.x.com:443", trusted));
    assert_true(dwhi_url_origin_in("https://CDN.example.com:443/f.csv", "https://api.x.com:443", trusted));
    assert_true(dwhi_url_origin_in("http://127.0.0.1:9000/f", "https://api.x.com:443", trusted));
    assert_false(dwhi_url_origin_in("http://127.0.0.1:9001/f", "https://api.x.com:443", trusted));
    assert_false(dwhi_url_origin_in("https://cdn.example.com.evil.io/", "https://api.x.com:443", trusted));
    assert_false(dwhi_url_origin_in("https://evil.io/", "https://api.x.com:443", NULL));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ssrf_classes),      cmocka_unit_test(test_ssrf_policy),
        cmocka_unit_test(test_retry_resolve),     cmocka_unit_test(test_retry_classify),
        cmocka_unit_test(test_retry_server_waits), cmocka_unit_test(test_retry_backoff),
        cmocka_unit_test(test_url_redact),        cmocka_unit_test(test_link_header),
        cmocka_unit_test(test_watermarks),        cmocka_unit_test(test_metadata_always_refused),
        cmocka_unit_test(test_url_origin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
