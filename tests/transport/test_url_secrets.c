/*
 * test_url_secrets.c -- QA #20: a base URL that carries a query keeps the
 * request path (api->url_build, which the REST toolkit uses too), and the
 * credentials URLs carry (userinfo passwords, secret-named query values)
 * are masked by the shared scrubber, so every log line and message masks
 * them, with or without a secret set, in plain and JSON-escaped text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "log/secrets.h"
#include "core/url_build.h"
#include "url/url_scrub.h"

static void base_query_keeps_the_path(void **state) {
    (void)state;
    static const char *const limit[] = {"limit", "100", NULL};
    struct {
        const char *base, *path;
        const char *const *params;
        const char *want;
    } cases[] = {
        /* The QA report: the path vanished into the query. */
        {"http://u:p@127.0.0.1:9/?api_key=x", "/v1/customers", limit,
         "http://u:p@127.0.0.1:9/v1/customers?api_key=x&limit=100"},
        {"https://h/api?key=k", "v1/x", NULL, "https://h/api/v1/x?key=k"},
        {"https://h/api/?key=k&b=2", "/v1/x", limit, "https://h/api/v1/x?key=k&b=2&limit=100"},
        {"https://h/api?key=k", "v1/x?page=2", limit, "https://h/api/v1/x?page=2&key=k&limit=100"},
        {"https://h/api?key=k", "v1/x?", limit, "https://h/api/v1/x?key=k&limit=100"},
        {"https://h/api?key=k#frag", "x", NULL, "https://h/api/x?key=k"},
        {"https://h/api#frag", "x", NULL, "https://h/api/x"},
        {"https://h/api/?key=k", "", NULL, "https://h/api/?key=k"},
        {"https://h/api/?key=k", NULL, limit, "https://h/api/?key=k&limit=100"},
        {"https://h/api?", "x", limit, "https://h/api/x?limit=100"},
        /* Unchanged behaviour. */
        {"https://h/api/v3/", "/repos/o/r", limit, "https://h/api/v3/repos/o/r?limit=100"},
        {"https://h", "https://other/next?page=2", limit, "https://other/next?page=2&limit=100"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *u = dwhi_url_build(NULL, cases[i].base, cases[i].path, cases[i].params);
        if (!u || strcmp(u, cases[i].want) != 0)
            fail_msg("url_build(%s, %s): got %s, want %s", cases[i].base, cases[i].path ? cases[i].path : "NULL",
                     u ? u : "NULL", cases[i].want);
        free(u);
    }
}

static void url_credentials_are_masked(void **state) {
    (void)state;
    struct {
        const char *in, *want;
    } cases[] = {
        {"GET http://u:p4ss@127.0.0.1:9/?api_key=x&limit=100 failed",
         "GET http://u:***@127.0.0.1:9/?api_key=***&limit=100 failed"},
        {"{\"api_base\":\"http:\\/\\/u:p4ss@h\\/v1?token=abc&page=2\"}",
         "{\"api_base\":\"http:\\/\\/u:***@h\\/v1?token=***&page=2\"}"},
        {"base https://ghp_abcdef@github.com/x", "base https://***@github.com/x"},
        {"'https://h/?Signature=zz&X-Amz-Credential=c&a=1' ok", "'https://h/?Signature=***&X-Amz-Credential=***&a=1' ok"},
        {"https://h/p?client_secret=s#frag", "https://h/p?client_secret=***#frag"},
        {"https://h/p?password=&q=1", "https://h/p?password=&q=1"}, /* nothing to hide */
        {"https://h/path?page=2&sort=asc", "https://h/path?page=2&sort=asc"},
        {"time 10:00:00 and a:b no URL", "time 10:00:00 and a:b no URL"},
        {"two: http://a:b1@h1/ and https://h2/?secret=s2", "two: http://a:***@h1/ and https://h2/?secret=***"},
        {"redis://:pw@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"},
        /* a database URL's user is a name, not a token: only its password goes */
        {"--warehouse postgresql://dw@db:5432/x", "--warehouse postgresql://dw@db:5432/x"},
        {"postgres://dw:pw@db/x?password=pw2&sslmode=require", "postgres://dw:***@db/x?password=***&sslmode=require"},
        {"file:///tmp/x?key=1", "file:///tmp/x?key=***"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *a = dwhi_url_scrub(cases[i].in);
        char *b = dwhi_secrets_scrub(NULL, cases[i].in); /* the shared scrubber, no secret set */
        if (strcmp(a, cases[i].want) != 0 || strcmp(b, cases[i].want) != 0)
            fail_msg("scrub(%s): got %s / %s, want %s", cases[i].in, a, b, cases[i].want);
        free(a);
        free(b);
    }
}

/* Every log line goes through the scrubber: a debug line carrying a
 * config (as config.loaded does) masks its URL credentials. */
static void log_lines_mask_url_credentials(void **state) {
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    assert_non_null(mem);
    dwhi_log_configure(mem, DWHI_LOG_JSON, DW_LOG_DEBUG);
    json_object *f = json_object_new_object();
    json_object *cfg = json_object_new_object();
    json_object_object_add(cfg, "api_base", json_object_new_string("http://u:hunter22@127.0.0.1:9/?api_key=k3y"));
    json_object_object_add(f, "config", cfg);
    dwhi_log_fields(NULL, DW_LOG_DEBUG, "config.loaded", "config validated", f);
    dwhi_log_configure(stderr, DWHI_LOG_TEXT, DW_LOG_INFO);
    fclose(mem);
    assert_non_null(strstr(buf, "config.loaded"));
    assert_null(strstr(buf, "hunter22"));
    assert_null(strstr(buf, "k3y"));
    assert_non_null(strstr(buf, "api_key=***"));
    free(buf);
}

/* A secret a server echoes into an error body is masked however the body
 * spells it: JSON-escaped as Rails, Go or Python write it ("\u003c" for
 * '<', "\/" for '/', \uXXXX for any character, surrogate pairs),
 * percent-encoded in either hex case, form-encoded ('+' for a space),
 * partly encoded, or a mix; text that only looks alike is left alone. */
static void secret_spellings_are_masked(void **state) {
    (void)state;
    dwhi_secrets *s = dwhi_secrets_new();
    dwhi_secrets_add(s, "tok<en/&p\u00e4ss w\xf0\x9f\x98\x80rd+1");
    static const char *const texts[] = {
        "raw tok<en/&p\u00e4ss w\xf0\x9f\x98\x80rd+1 end",
        "{\"message\":\"bad credential tok\\u003cen\\/\\u0026p\\u00e4ss w\\ud83d\\ude00rd+1\"}", /* Rails, Go */
        "{\"detail\":\"tok\\u003Cen\\u002F\\u0026p\\u00E4ss\\u0020w\\uD83D\\uDE00rd\\u002b1\"}", /* all \u */
        "{\"k\":\"tok<en\\/&p\\u00e4ss w\\ud83d\\ude00rd+1\"}",                          /* json-c, Python */
        "url ?t=tok%3cen%2f%26p%c3%a4ss%20w%f0%9f%98%80rd%2b1&x=1",                                     /* lower hex */
        "form t=tok%3Cen%2F%26p%C3%A4ss+w%F0%9F%98%80rd%2B1&x=1",                                       /* '+' space */
        "partly t=tok%3Cen/&p\u00e4ss%20w\xf0\x9f\x98\x80rd%2B1",
        "json of url {\"next\":\"https:\\/\\/h\\/x?t=tok%3Cen%2F%26p%C3%A4ss%20w%F0%9F%98%80rd%2B1\"}",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        size_t hits = 0;
        char *clean = dwhi_secrets_mask(s, texts[i], "***", &hits);
        if (hits != 1 || !strstr(clean, "***") || strstr(clean, "tok") || strstr(clean, "rd"))
            fail_msg("spelling %zu not masked (%zu hits): %s -> %s", i, hits, texts[i], clean);
        free(clean);
        clean = dwhi_secrets_scrub(s, texts[i]);
        if (strstr(clean, "tok")) fail_msg("scrub left spelling %zu: %s", i, clean);
        free(clean);
    }
    /* Alike but not the secret: unchanged. */
    static const char *const alike[] = {"tok<en/&pass w", "tok%3Cen%2F%26p%C3%A4sX", "tok\\u003cen\\/x"};
    for (size_t i = 0; i < sizeof alike / sizeof alike[0]; i++) {
        size_t hits = 9;
        char *clean = dwhi_secrets_mask(s, alike[i], "***", &hits);
        if (hits != 0 || strcmp(clean, alike[i])) fail_msg("masked a look-alike: %s -> %s", alike[i], clean);
        free(clean);
    }
    /* A secret holding '%' and '\\' itself, written raw. */
    dwhi_secrets *t = dwhi_secrets_new();
    dwhi_secrets_add(t, "100%41\\n-key");
    char *clean = dwhi_secrets_scrub(t, "raw 100%41\\n-key and encoded 100%2541%5Cn-key.");
    assert_string_equal(clean, "raw *** and encoded ***.");
    free(clean);
    dwhi_secrets_free(t);
    dwhi_secrets_free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(base_query_keeps_the_path),
        cmocka_unit_test(url_credentials_are_masked),
        cmocka_unit_test(log_lines_mask_url_credentials),
        cmocka_unit_test(secret_spellings_are_masked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
