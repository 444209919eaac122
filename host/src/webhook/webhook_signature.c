/* webhook_signature.c -- webhook signatures (see webhook_signature.h). */
#include "webhook_signature.h"

#include <ctype.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"

const char *dwhi_webhook_signature_header(uint32_t scheme) {
    switch (scheme) {
    case DW_WEBHOOK_SIG_STRIPE: return "Stripe-Signature";
    case DW_WEBHOOK_SIG_GITHUB_SHA256: return "X-Hub-Signature-256";
    default: return NULL;
    }
}

const char *dwhi_webhook_signature_name(uint32_t scheme) {
    switch (scheme) {
    case DW_WEBHOOK_SIG_STRIPE: return "stripe";
    case DW_WEBHOOK_SIG_GITHUB_SHA256: return "github_sha256";
    default: return "none";
    }
}

int dwhi_webhook_header_split(const char *line, size_t *name_len, const char **value) {
    const char *colon = line ? strchr(line, ':') : NULL;
    if (!colon) return -1;
    size_t n = (size_t)(colon - line);
    while (n && (line[n - 1] == ' ' || line[n - 1] == '\t')) n--;
    if (!n) return -1;
    const char *v = colon + 1;
    while (*v == ' ' || *v == '\t') v++;
    *name_len = n;
    *value = v;
    return 0;
}

/* HMAC-SHA256 of the parts (EVP_MAC): 0 and out[32], or -1. */
static int hmac_sha256(const char *secret, const char *const *parts, const size_t *lens, size_t n,
                       unsigned char out[32]) {
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0), OSSL_PARAM_construct_end()};
    size_t out_len = 0;
    int ok = ctx && EVP_MAC_init(ctx, (const unsigned char *)secret, strlen(secret), params);
    for (size_t i = 0; ok && i < n; i++) ok = EVP_MAC_update(ctx, (const unsigned char *)parts[i], lens[i]);
    ok = ok && EVP_MAC_final(ctx, out, &out_len, 32) && out_len == 32;
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    return ok ? 0 : -1;
}

/* `len` hex digits (either case) into bytes; -1 when not 64 hex digits. */
static int hex32(const char *s, size_t len, unsigned char out[32]) {
    if (len != 64) return -1;
    for (size_t i = 0; i < 32; i++) {
        int v = 0;
        for (int k = 0; k < 2; k++) {
            char c = s[2 * i + (size_t)k];
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (d < 0) return -1;
            v = v * 16 + d;
        }
        out[i] = (unsigned char)v;
    }
    return 0;
}

static int verify_stripe(const char *secret, const char *value, const char *payload, size_t len, int64_t now,
                         int64_t *timestamp, char **err) {
    const char *t = NULL;
    size_t t_len = 0, n_v1 = 0;
    int64_t ts = 0;
    /* t= once; every v1= kept to compare (Stripe sends several while a secret is rolled) */
    for (const char *p = value; *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        while (n && *p == ' ') p++, n--;
        if (n > 2 && !strncmp(p, "t=", 2)) {
            t = p + 2;
            t_len = n - 2;
        } else if (n > 3 && !strncmp(p, "v1=", 3)) {
            n_v1++;
        }
        p += n;
        if (*p == ',') p++;
    }
    if (!t || !n_v1) {
        *err = dwhi_strf("the Stripe-Signature header has no %s; it is \"t=TIMESTAMP,v1=SIGNATURE\"",
                         !t ? "timestamp (t=)" : "v1 signature (v1=)");
        return -1;
    }
    char *tend;
    ts = (int64_t)strtoll(t, &tend, 10);
    if (tend != t + t_len || t_len == 0 || t_len > 12 || !isdigit((unsigned char)t[0])) {
        *err = strdup("the Stripe-Signature timestamp (t=) is not a number of seconds");
        return -1;
    }
    if (timestamp) *timestamp = ts;
    if (ts < now - DWHI_STRIPE_TOLERANCE_S || ts > now + DWHI_STRIPE_TOLERANCE_S) {
        *err = dwhi_strf("the Stripe-Signature timestamp is %" PRId64 " s %s now, more than the %d s tolerance: an "
                         "old or replayed request, or a clock out of step (check NTP)",
                         ts < now ? now - ts : ts - now, ts < now ? "before" : "after", DWHI_STRIPE_TOLERANCE_S);
        return -1;
    }
    unsigned char want[32], got[32];
    const char *parts[] = {t, ".", payload};
    size_t lens[] = {t_len, 1, len};
    if (hmac_sha256(secret, parts, lens, 3, want) != 0) {
        *err = strdup("computing the HMAC-SHA256 failed (OpenSSL)");
        return -1;
    }
    int match = 0;
    for (const char *p = value; *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        while (n && *p == ' ') p++, n--;
        if (n > 3 && !strncmp(p, "v1=", 3) && hex32(p + 3, n - 3, got) == 0)
            match |= CRYPTO_memcmp(want, got, 32) == 0;
        p += n;
        if (*p == ',') p++;
    }
    OPENSSL_cleanse(want, sizeof want);
    if (!match) {
        *err = dwhi_strf("no v1 signature of the Stripe-Signature header (%zu given) matches the payload signed with the "
                         "signing secret: a wrong secret (the endpoint's whsec_...), or a payload changed on the way",
                         n_v1);
        return -1;
    }
    return 0;
}

static int verify_github(const char *secret, const char *value, const char *payload, size_t len, char **err) {
    unsigned char want[32], got[32];
    if (strncmp(value, "sha256=", 7) != 0 || hex32(value + 7, strlen(value + 7), got) != 0) {
        *err = strdup("the X-Hub-Signature-256 header is not \"sha256=\" and 64 hex digits");
        return -1;
    }
    const char *parts[] = {payload};
    size_t lens[] = {len};
    if (hmac_sha256(secret, parts, lens, 1, want) != 0) {
        *err = strdup("computing the HMAC-SHA256 failed (OpenSSL)");
        return -1;
    }
    int match = CRYPTO_memcmp(want, got, 32) == 0;
    OPENSSL_cleanse(want, sizeof want);
    if (!match) {
        *err = strdup("the X-Hub-Signature-256 signature does not match the payload signed with the webhook secret: "
                      "a wrong secret, or a payload changed on the way");
        return -1;
    }
    return 0;
}

int dwhi_webhook_verify(uint32_t scheme, const char *secret, const char *value, const char *payload, size_t len,
                        int64_t now, int64_t *timestamp, char **err) {
    *err = NULL;
    if (timestamp) *timestamp = 0;
    if (!secret || !*secret) {
        *err = strdup("no signing secret to verify the signature with");
        return -1;
    }
    if (!value) value = "";
    if (scheme == DW_WEBHOOK_SIG_STRIPE) return verify_stripe(secret, value, payload, len, now, timestamp, err);
    if (scheme == DW_WEBHOOK_SIG_GITHUB_SHA256) return verify_github(secret, value, payload, len, err);
    *err = strdup("the source declares no signature scheme");
    return -1;
}

int dwhi_webhook_replay_key(uint32_t scheme, int64_t timestamp, const char *payload, size_t len, char *out,
                            size_t cap) {
    if (scheme != DW_WEBHOOK_SIG_STRIPE) return 1; /* GitHub's signature has no timestamp to bound a record by */
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!EVP_Digest(payload, len, md, &n, EVP_sha256(), NULL) || n != 32) return -1;
    char hex[65];
    for (unsigned i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    int w = snprintf(out, cap, "stripe:t=%" PRId64 ":sha256=%s", timestamp, hex);
    return w > 0 && (size_t)w < cap ? 0 : -1;
}
