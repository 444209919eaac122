/*
 * http_retry.h -- when the transport retries, and how long it waits.
 *
 * Pure functions (no I/O, no clock reads: the caller passes "now"), so the
 * rules are tested directly and the transport stays a thin loop.
 *
 * Rules (the reference's REST client, made safe against busy loops):
 *   - retry on 429, 500, 502, 503, 504, on 403 with X-RateLimit-Remaining: 0
 *     (GitHub's primary rate limit) or with Retry-After (its secondary limit)
 *     and on transport errors;
 *   - a server-given wait wins: Retry-After (delta seconds or HTTP date),
 *     else X-RateLimit-Reset / RateLimit-Reset (epoch seconds, epoch
 *     milliseconds or delta seconds, told apart by size); one longer than
 *     max_retry_after_s (300 s) is not waited for: the request fails at
 *     once naming when to rerun;
 *   - otherwise exponential backoff min(base * 2^(n-1), max_delay) with
 *     "equal jitter" (half fixed, half random) so parallel runs spread out;
 *   - a server-given wait is never less than min_delay_ms: Retry-After: 0
 *     or a reset already in the past must not turn into a busy loop (plain
 *     backoff is at least base/2 by construction).
 */
#ifndef DWHI_HTTP_RETRY_H
#define DWHI_HTTP_RETRY_H

#include <stdint.h>

#include "dwsdk.h"

/* Defaults (the reference REST client's). */
#define DWHI_RETRY_MAX_ATTEMPTS 5u
#define DWHI_RETRY_BASE_DELAY_MS 1000u
#define DWHI_RETRY_MAX_DELAY_MS 60000u
#define DWHI_RETRY_MAX_RETRY_AFTER_S 300u
#define DWHI_RETRY_MIN_DELAY_MS 1000u

/* The ceiling for credential checks (dwhi_op_check): a check is "one cheap
 * request", so a dead or unreachable host must answer in about a second,
 * not after five attempts and 15 s of backoff.  Applied on top of whatever
 * the request, the plugin's client and the host default ask for;
 * configurable per process through dwhi_http_options.check_retry. */
#define DWHI_RETRY_CHECK_MAX_ATTEMPTS 2u
#define DWHI_RETRY_CHECK_BASE_DELAY_MS 250u
#define DWHI_RETRY_CHECK_MAX_DELAY_MS 1000u
#define DWHI_RETRY_CHECK_MAX_RETRY_AFTER_S 5u

/* A resolved policy: every member set. */
typedef struct dwhi_retry_rules {
    uint32_t max_attempts; /* total attempts including the first, >= 1 */
    uint32_t base_delay_ms;
    uint32_t max_delay_ms;
    uint32_t max_retry_after_s;
    uint32_t min_delay_ms; /* floor for every wait */
} dwhi_retry_rules;

/* Resolves the policy for one request: each member comes from the first of
 * `request`, `client`, `fallback` that sets it (non-zero, within its
 * struct_size), else the default above.  Any argument may be NULL.  The
 * floor is min(DWHI_RETRY_MIN_DELAY_MS, base delay) so a policy that asks
 * for fast retries (tests, 10 ms base) still gets them. */
void dwhi_retry_resolve(dwhi_retry_rules *out, const dw_retry_policy *request, const dw_retry_policy *client,
                       const dw_retry_policy *fallback);

/* Caps the resolved `r` by the non-zero members of `limit` (read through
 * its struct_size; NULL: the DWHI_RETRY_CHECK_* ceiling), lowering
 * max_attempts, base/max delay and max_retry_after_s where `limit` is
 * smaller, then recomputes the floor as dwhi_retry_resolve does. */
void dwhi_retry_cap(dwhi_retry_rules *r, const dw_retry_policy *limit);

/* Why a response is retryable. */
typedef enum dwhi_retry_reason {
    DWHI_RETRY_NO = 0,
    DWHI_RETRY_RATE_LIMITED, /* 429, or 403 with X-RateLimit-Remaining: 0 or Retry-After */
    DWHI_RETRY_UNAVAILABLE,  /* 503: the server did not process the request */
    DWHI_RETRY_SERVER_ERROR  /* 500, 502, 504: it may have; idempotent methods only */
} dwhi_retry_reason;

/* Header lookup the rules need: returns the value of `name`
 * (case-insensitive) or NULL. */
typedef const char *(*dwhi_header_fn)(void *ud, const char *name);

dwhi_retry_reason dwhi_retry_classify(long status, dwhi_header_fn header, void *ud);

/* Method is safe to repeat after it may have reached the server. */
int dwhi_method_idempotent(const char *method);

/* Parses an HTTP date (RFC 7231 IMF-fixdate, RFC 850 and asctime forms)
 * into epoch seconds.  Returns 0 on success. */
int dwhi_http_date_parse(const char *text, int64_t *epoch_s);

/* A wait the server asked for. */
typedef struct dwhi_server_wait {
    int64_t ms;         /* from now; >= 0 (a time in the past gives 0; the caller applies the floor) */
    const char *header; /* the header it came from (static storage) */
    const char *value;  /* that header's value (borrowed from the response) */
    int delta;          /* the value is a number of seconds, not a time */
} dwhi_server_wait;

/* The wait the server asked for, from Retry-After or the reset headers,
 * relative to now_ms (epoch ms).  Returns 0 with *out set, or -1 when no
 * header says.  Not capped: a wait beyond max_retry_after_s is the
 * caller's to refuse (the request fails at once and names the time; see
 * dwhi_retry_until_text). */
int dwhi_retry_server_wait(dwhi_header_fn header, void *ud, int64_t now_ms, dwhi_server_wait *out);

/* "14:05:07 UTC", the wall-clock time `wait_ms` after now_ms (epoch ms),
 * with the date in front ("2026-12-06 14:05:07 UTC") when it is not the
 * same UTC day: when to rerun after a wait too long to sit out. */
void dwhi_retry_until_text(int64_t now_ms, int64_t wait_ms, char *buf, size_t len);

/* Plain backoff for retry number n (1 = the first retry):
 * d = min(base * 2^(n-1), max_delay), returned as d - d/2 + random % (d/2 + 1),
 * i.e. within [d/2, d].  `random64` is any 64-bit value (the caller's
 * injectable RNG). */
int64_t dwhi_retry_backoff_ms(const dwhi_retry_rules *r, uint32_t n, uint64_t random64);

/* Applies the floor to a server-given wait. */
int64_t dwhi_retry_floor(const dwhi_retry_rules *r, int64_t wait_ms);

#endif
