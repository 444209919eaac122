/* http_retry.c -- retry classification and wait computation (see http_retry.h). */
#include "http_retry.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>


static uint32_t pick(const dw_retry_policy *a, const dw_retry_policy *b, const dw_retry_policy *c, size_t off,
                     uint32_t dflt) {
    const dw_retry_policy *ps[3] = {a, b, c};
    for (int i = 0; i < 3; i++) {
        const dw_retry_policy *p = ps[i];
        if (!p || p->struct_size < off + sizeof(uint32_t)) continue;
        uint32_t v;
        memcpy(&v, (const char *)p + off, sizeof v);
        if (v) return v;
    }
    return dflt;
}

void dwhi_retry_resolve(dwhi_retry_rules *out, const dw_retry_policy *request, const dw_retry_policy *client,
                       const dw_retry_policy *fallback) {
    out->max_attempts = pick(request, client, fallback, offsetof(dw_retry_policy, max_attempts),
                             DWHI_RETRY_MAX_ATTEMPTS);
    out->base_delay_ms = pick(request, client, fallback, offsetof(dw_retry_policy, base_delay_ms),
                              DWHI_RETRY_BASE_DELAY_MS);
    out->max_delay_ms = pick(request, client, fallback, offsetof(dw_retry_policy, max_delay_ms),
                             DWHI_RETRY_MAX_DELAY_MS);
    out->max_retry_after_s = pick(request, client, fallback, offsetof(dw_retry_policy, max_retry_after_s),
                                  DWHI_RETRY_MAX_RETRY_AFTER_S);
    if (out->max_delay_ms < out->base_delay_ms) out->max_delay_ms = out->base_delay_ms;
    out->min_delay_ms = out->base_delay_ms < DWHI_RETRY_MIN_DELAY_MS ? out->base_delay_ms : DWHI_RETRY_MIN_DELAY_MS;
}

static void cap(uint32_t *v, const dw_retry_policy *limit, size_t off, uint32_t dflt) {
    uint32_t m = dflt;
    if (limit && limit->struct_size >= off + sizeof(uint32_t)) {
        memcpy(&m, (const char *)limit + off, sizeof m);
        if (!m) return;
    }
    if (*v > m) *v = m;
}

void dwhi_retry_cap(dwhi_retry_rules *r, const dw_retry_policy *limit) {
    cap(&r->max_attempts, limit, offsetof(dw_retry_policy, max_attempts), DWHI_RETRY_CHECK_MAX_ATTEMPTS);
    cap(&r->base_delay_ms, limit, offsetof(dw_retry_policy, base_delay_ms), DWHI_RETRY_CHECK_BASE_DELAY_MS);
    cap(&r->max_delay_ms, limit, offsetof(dw_retry_policy, max_delay_ms), DWHI_RETRY_CHECK_MAX_DELAY_MS);
    cap(&r->max_retry_after_s, limit, offsetof(dw_retry_policy, max_retry_after_s),
        DWHI_RETRY_CHECK_MAX_RETRY_AFTER_S);
    if (r->max_attempts < 1) r->max_attempts = 1;
    if (r->max_delay_ms < r->base_delay_ms) r->max_delay_ms = r->base_delay_ms;
    r->min_delay_ms = r->base_delay_ms < DWHI_RETRY_MIN_DELAY_MS ? r->base_delay_ms : DWHI_RETRY_MIN_DELAY_MS;
}

static int header_is_zero(const char *v) {
    if (!v) return 0;
    while (isspace((unsigned char)*v)) v++;
    char *end;
    long n = strtol(v, &end, 10);
    return end != v && n == 0;
}

dwhi_retry_reason dwhi_retry_classify(long status, dwhi_header_fn header, void *ud) {
    switch (status) {
    case 429: return DWHI_RETRY_RATE_LIMITED;
    case 503: return DWHI_RETRY_UNAVAILABLE;
    case 500:
    case 502:
    case 504: return DWHI_RETRY_SERVER_ERROR;
    case 403:
        /* GitHub answers an exhausted primary rate limit with 403 and
         * X-RateLimit-Remaining: 0, and a secondary limit with 403 and
         * Retry-After; a plain 403 is a permission problem. */
        if (header && (header_is_zero(header(ud, "X-RateLimit-Remaining")) || header(ud, "Retry-After")))
            return DWHI_RETRY_RATE_LIMITED;
        return DWHI_RETRY_NO;
    default: return DWHI_RETRY_NO;
    }
}

int dwhi_method_idempotent(const char *method) {
    static const char *const safe[] = {"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE", NULL};
    if (!method) return 1; /* NULL means GET */
    for (int i = 0; safe[i]; i++)
        if (!strcasecmp(method, safe[i])) return 1;
    return 0;
}

int dwhi_http_date_parse(const char *text, int64_t *epoch_s) {
    if (!text || !*text) return -1;
    /* curl_getdate knows the three HTTP date forms (RFC 7231 7.1.1.1). */
    time_t t = curl_getdate(text, NULL);
    if (t == (time_t)-1) return -1;
    *epoch_s = (int64_t)t;
    return 0;
}

/* Parses a non-negative integer (optionally fractional: some servers send
 * "1.5"); returns 0 on success with *ms set to the value in milliseconds. */
static int parse_seconds(const char *v, double *out) {
    while (isspace((unsigned char)*v)) v++;
    if (!isdigit((unsigned char)*v)) return -1;
    char *end;
    double d = strtod(v, &end);
    while (isspace((unsigned char)*end)) end++;
    if (*end) return -1;
    *out = d;
    return 0;
}

int dwhi_retry_server_wait(dwhi_header_fn header, void *ud, int64_t now_ms, dwhi_server_wait *out) {
    if (!header) return -1;
    int64_t wait = -1;
    const char *used = NULL, *value = NULL;
    int delta = 0;
    const char *ra = header(ud, "Retry-After");
    double secs;
    if (ra) {
        int64_t when;
        if (parse_seconds(ra, &secs) == 0) {
            wait = (int64_t)(secs * 1000.0);
            used = "Retry-After";
            delta = 1;
        } else if (dwhi_http_date_parse(ra, &when) == 0) {
            wait = when * 1000 - now_ms;
            used = "Retry-After";
        }
        value = ra;
    }
    if (wait < 0 && !used) {
        static const char *const resets[] = {"X-RateLimit-Reset", "RateLimit-Reset", "X-Rate-Limit-Reset", NULL};
        for (int i = 0; resets[i] && !used; i++) {
            const char *v = header(ud, resets[i]);
            if (!v || parse_seconds(v, &secs) != 0) continue;
            /* Told apart by size: nobody asks to wait 30 years, so a value
             * past 10^12 is epoch ms, past 10^9 (2001) epoch seconds, and a
             * smaller one a delta in seconds (IETF RateLimit-Reset). */
            if (secs >= 1e12) {
                wait = (int64_t)secs - now_ms;
            } else if (secs >= 1e9) {
                wait = (int64_t)(secs * 1000.0) - now_ms;
            } else {
                wait = (int64_t)(secs * 1000.0);
                delta = 1;
            }
            used = resets[i];
            value = v;
        }
    }
    if (!used) return -1;
    out->ms = wait < 0 ? 0 : wait;
    out->header = used;
    out->value = value;
    out->delta = delta;
    return 0;
}

void dwhi_retry_until_text(int64_t now_ms, int64_t wait_ms, char *buf, size_t len) {
    time_t now = (time_t)(now_ms / 1000), until = (time_t)((now_ms + wait_ms + 999) / 1000);
    struct tm a, b;
    gmtime_r(&now, &a);
    gmtime_r(&until, &b);
    int same_day = a.tm_year == b.tm_year && a.tm_yday == b.tm_yday;
    if (!strftime(buf, len, same_day ? "%H:%M:%S UTC" : "%Y-%m-%d %H:%M:%S UTC", &b) && len) buf[0] = 0;
}

int64_t dwhi_retry_backoff_ms(const dwhi_retry_rules *r, uint32_t n, uint64_t random64) {
    if (n < 1) n = 1;
    int64_t d = r->base_delay_ms;
    for (uint32_t i = 1; i < n && d < (int64_t)r->max_delay_ms; i++) d *= 2;
    if (d > (int64_t)r->max_delay_ms) d = r->max_delay_ms;
    int64_t half = d / 2;
    return d - half + (half > 0 ? (int64_t)(random64 % (uint64_t)(half + 1)) : 0);
}

int64_t dwhi_retry_floor(const dwhi_retry_rules *r, int64_t wait_ms) {
    return wait_ms < (int64_t)r->min_delay_ms ? (int64_t)r->min_delay_ms : wait_ms;
}
