/* test_webhook_signature.c -- webhook/webhook_signature.c against the
 * providers' rules: Stripe's Stripe-Signature (t=, any of several v1=,
 * HMAC-SHA256 of "t.payload", 300 s either way) and GitHub's
 * X-Hub-Signature-256 (GitHub's documented example: secret "It's a Secret
 * to Everybody", payload "Hello, World!").  The expected signatures were
 * computed with Python's hmac module, not with the code under test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "webhook/webhook_signature.h"

#define T 1700000000
static const char *payload = "{\"id\":\"evt_1\"}";
static const char *secret = "whsec_test_secret";
#define SIG "248a374f50f943a28b0f6ab50faf9a7e7e29b710fa26df9fb1618b9bf8ea9c9a"
#define OTHER "0000000000000000000000000000000000000000000000000000000000000000"

static int stripe(const char *value, const char *key, const char *body, int64_t now, char **err) {
    int64_t ts = -1;
    int rc = dwhi_webhook_verify(DW_WEBHOOK_SIG_STRIPE, key, value, body, strlen(body), now, &ts, err);
    if (rc == 0) assert_int_equal(ts, T);
    return rc;
}

/* A refusal: -1 and one line holding `want`, never the secret or the signature. */
static void refused(int rc, char **errp, const char *want) {
    char *err = *errp;
    *errp = NULL;
    assert_int_equal(rc, -1);
    assert_non_null(err);
    if (!strstr(err, want)) fail_msg("'%s' not in: %s", want, err);
    assert_null(strchr(err, '\n'));
    assert_null(strstr(err, secret));
    assert_null(strstr(err, SIG));
    free(err);
}

static void stripe_good(void **s) {
    (void)s;
    char *err = NULL;
    assert_int_equal(stripe("t=1700000000,v1=" SIG, secret, payload, T, &err), 0);
    assert_null(err);
    /* several v1 (a secret being rolled) and a v0 entry: one match is enough */
    assert_int_equal(stripe("t=1700000000,v1=" OTHER ",v0=abc,v1=" SIG, secret, payload, T, &err), 0);
    /* the signature's hex in capitals, spaces after the commas */
    char upper[] = "t=1700000000, v1=" SIG;
    for (char *p = upper + 17; *p; p++)
        if (*p >= 'a' && *p <= 'f') *p = (char)(*p - 32);
    assert_int_equal(stripe(upper, secret, payload, T, &err), 0);
    /* 300 s either way is still in time */
    assert_int_equal(stripe("t=1700000000,v1=" SIG, secret, payload, T + 300, &err), 0);
    assert_int_equal(stripe("t=1700000000,v1=" SIG, secret, payload, T - 300, &err), 0);
}

static void stripe_bad(void **s) {
    (void)s;
    char *err = NULL;
    refused(stripe("t=1700000000,v1=" OTHER, secret, payload, T, &err), &err, "no v1 signature");
    refused(stripe("t=1700000000,v1=" SIG, "whsec_other", payload, T, &err), &err, "(1 given) matches");
    refused(stripe("t=1700000000,v1=" SIG, secret, "{\"id\":\"evt_2\"}", T, &err), &err, "matches");
    /* the timestamp is signed too: another t with the same v1 fails */
    refused(stripe("t=1700000001,v1=" SIG, secret, payload, T, &err), &err, "matches");
    refused(stripe("t=1700000000,v1=" SIG "00", secret, payload, T, &err), &err, "matches");
}

static void stripe_expired_and_future(void **s) {
    (void)s;
    char *err = NULL;
    refused(stripe("t=1700000000,v1=" SIG, secret, payload, T + 301, &err), &err, "301 s before now");
    refused(stripe("t=1700000000,v1=" SIG, secret, payload, T - 301, &err), &err, "301 s after now");
}

static void stripe_missing(void **s) {
    (void)s;
    char *err = NULL;
    refused(stripe("", secret, payload, T, &err), &err, "no timestamp");
    refused(stripe("v1=" SIG, secret, payload, T, &err), &err, "no timestamp");
    refused(stripe("t=1700000000", secret, payload, T, &err), &err, "no v1 signature");
    refused(stripe("t=1700000000,v0=" SIG, secret, payload, T, &err), &err, "no v1 signature");
    refused(stripe("t=soon,v1=" SIG, secret, payload, T, &err), &err, "not a number");
    refused(stripe("t=-5,v1=" SIG, secret, payload, T, &err), &err, "not a number");
    refused(stripe("t=1700000000,v1=" SIG, "", payload, T, &err), &err, "no signing secret");
}

static void github(void **s) {
    (void)s;
    const char *key = "It's a Secret to Everybody", *body = "Hello, World!";
    const char *good = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    char *err = NULL;
    assert_int_equal(dwhi_webhook_verify(DW_WEBHOOK_SIG_GITHUB_SHA256, key, good, body, strlen(body), 0, NULL, &err), 0);
    assert_null(err);
    int rc = dwhi_webhook_verify(DW_WEBHOOK_SIG_GITHUB_SHA256, key, "sha256=" OTHER, body, strlen(body), 0, NULL, &err);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err, "does not match"));
    free(err);
    rc = dwhi_webhook_verify(DW_WEBHOOK_SIG_GITHUB_SHA256, "another secret", good, body, strlen(body), 0, NULL, &err);
    assert_int_equal(rc, -1);
    free(err);
    rc = dwhi_webhook_verify(DW_WEBHOOK_SIG_GITHUB_SHA256, key, good, "Hello, World?", 13, 0, NULL, &err);
    assert_int_equal(rc, -1);
    free(err);
    const char *malformed[] = {"", "sha1=757107ea0eb2509fc211221cce984b8a37570b6d", "sha256=xyz", good + 7};
    for (size_t i = 0; i < sizeof malformed / sizeof *malformed; i++) {
        rc = dwhi_webhook_verify(DW_WEBHOOK_SIG_GITHUB_SHA256, key, malformed[i], body, strlen(body), 0, NULL, &err);
        assert_int_equal(rc, -1);
        assert_non_null(strstr(err, "not \"sha256=\""));
        free(err);
    }
}

static void headers(void **s) {
    (void)s;
    assert_string_equal(dwhi_webhook_signature_header(DW_WEBHOOK_SIG_STRIPE), "Stripe-Signature");
    assert_string_equal(dwhi_webhook_signature_header(DW_WEBHOOK_SIG_GITHUB_SHA256), "X-Hub-Signature-256");
    assert_null(dwhi_webhook_signature_header(DW_WEBHOOK_SIG_NONE));
    size_t n = 0;
    const char *v = NULL;
    assert_int_equal(dwhi_webhook_header_split("Stripe-Signature : t=1,v1=2", &n, &v), 0);
    assert_int_equal(n, 16);
    assert_string_equal(v, "t=1,v1=2");
    assert_int_equal(dwhi_webhook_header_split("no colon", &n, &v), -1);
    assert_int_equal(dwhi_webhook_header_split(": value", &n, &v), -1);
    char *err = NULL;
    assert_int_equal(dwhi_webhook_verify(DW_WEBHOOK_SIG_NONE, secret, "x", payload, 1, 0, NULL, &err), -1);
    free(err);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stripe_good),    cmocka_unit_test(stripe_bad), cmocka_unit_test(stripe_expired_and_future),
        cmocka_unit_test(stripe_missing), cmocka_unit_test(github),     cmocka_unit_test(headers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
