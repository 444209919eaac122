/*
 * http_session.h -- the tracked HTTP transport of one operation.
 *
 * Every HTTP request a plugin makes goes through dwhi_http_perform() on the
 * session of its dw_ctx (ctx->http, created on first use, freed by
 * dwhi_ctx_cleanup through dwhi_http_session_free).  The session owns one
 * curl easy handle, reused for every request so connections are kept alive;
 * it asks for gzip/deflate/br, HTTP/2 over TLS where the server offers it,
 * verifies TLS always (custom CA bundle optional), applies libcurl's
 * connect, stall (low-speed) and per-attempt timeouts inside a time limit
 * for the whole request, retries (http_retry.h) with an injectable clock, guards
 * against SSRF (http_ssrf.h), follows redirects itself so each target is
 * checked before connecting, writes one "http.request" log line per attempt
 * and keeps per-run counters.
 *
 * Environment proxies are ignored: a proxy would hide the address the SSRF
 * guard must see.
 */
#ifndef DWHI_HTTP_SESSION_H
#define DWHI_HTTP_SESSION_H

#include <json-c/json.h>
#include <stdint.h>

#include "dwhost.h"
#include "dwsdk.h"

typedef struct dwhi_http_session dwhi_http_session;

/* ---- counters --------------------------------------------------------- */

/* Per-run counters: the public dwh_transport_counters (dwhost.h).  Plain
 * data; add with dwhi_http_counters_add. */
typedef dwh_transport_counters dwhi_http_counters;

/* Adds every member of `c` into `into`. */
void dwhi_http_counters_add(dwhi_http_counters *into, const dwhi_http_counters *c);

/* Copies the counters of ctx's session into *out (zeros when the operation
 * made no request). */
void dwhi_http_counters_get(const dw_ctx *ctx, dwhi_http_counters *out);

/* Thread-scoped accumulator for callers that do not hold the dw_ctx (the
 * sync command wraps dwhi_op_run): while set, every attempt made on this
 * thread is also added into `totals` (borrowed; must outlive the scope).
 * Pass NULL to stop.  Returns the previous accumulator so scopes nest. */
dwhi_http_counters *dwhi_http_counters_collect(dwhi_http_counters *totals);

/* The counters as a JSON object (keys as the member names, plus "status"
 * {"2xx":..}), for the sync summary and --json.  Caller puts it. */
json_object *dwhi_http_counters_json(const dwhi_http_counters *c);

/* ---- clock ------------------------------------------------------------ */

/* Time and sleep, injectable so retry tests run in milliseconds and assert
 * the computed waits.  Every member but mono_ms is required in a custom
 * clock. */
typedef struct dwhi_http_clock {
    void *ud;
    int64_t (*now_ms)(void *ud); /* wall clock, epoch ms (HTTP dates, epoch resets) */
    /* Sleeps ms; returns non-zero if *cancel became non-zero meanwhile. */
    int (*sleep_ms)(void *ud, int64_t ms, const struct dwh_cancel *cancel);
    uint64_t (*random)(void *ud); /* jitter source */
    /* A clock that never steps, in ms: the time a wait actually slept (the
     * counters) and what a request has spent of its time limit.  NULL:
     * now_ms (a fake clock whose now advances by the waits it sleeps). */
    int64_t (*mono_ms)(void *ud);
} dwhi_http_clock;

/* The real clock: gettimeofday, nanosleep in 50 ms slices watching
 * *cancel, a per-thread xorshift seeded from the time, CLOCK_MONOTONIC.
 * Static. */
const dwhi_http_clock *dwhi_http_clock_system(void);

/* ---- options ---------------------------------------------------------- */

typedef struct dwhi_http_options {
    const char *ca_bundle;        /* PEM file of trusted CAs; NULL: DWHOST_CA_BUNDLE, else the system store */
    uint32_t connect_timeout_ms;  /* 0: 10 s */
    uint32_t timeout_ms;          /* one attempt in all; 0: 60 s; dw_http_request.timeout_ms overrides */
    uint32_t max_redirects;       /* 0: 5 */
    uint64_t max_body_bytes;      /* 0: 256 MiB; a larger body fails the request */
    const char *const *internal_allow; /* "ip:port" internal endpoints allowed even without
                                          ctx->allow_internal_hosts; NULL-terminated */
    const dwhi_http_clock *clock;  /* NULL: dwhi_http_clock_system() */
    const dw_retry_policy *retry; /* host default policy; NULL: http_retry.h defaults */
    /* Ceiling on the policy of every request a credential check makes
     * (ctx->checking, set by dwhi_op_check): non-zero members cap the
     * resolved policy, whoever set it.  NULL: DWHI_RETRY_CHECK_* (2
     * attempts, 250 ms base, 1 s max, Retry-After up to 5 s). */
    const dw_retry_policy *check_retry;
    /* One request in all: every attempt, redirect and wait (0: 600 s).
     * Each attempt gets what is left (libcurl's CURLOPT_TIMEOUT), and a
     * wait that would not leave time for another attempt is not started:
     * the request fails then, or returns the last response. */
    uint32_t request_timeout_ms;
    /* An attempt that receives nothing for this long fails as a timeout
     * (libcurl's low-speed limit: under 1 byte/s; whole seconds; 0: 30 s):
     * a server that accepts and never answers costs this, not timeout_ms. */
    uint32_t stall_timeout_ms;
} dwhi_http_options;

/* Sets the process-wide defaults new sessions start from (the CLI's
 * --ca-bundle, the embedding API).  Everything is copied except `clock`,
 * `retry` and `check_retry`, which are borrowed and must stay valid.  NULL
 * resets. */
void dwhi_http_set_defaults(const dwhi_http_options *o);

/* ---- sessions --------------------------------------------------------- */

/* Creates ctx->http with `o` (NULL: the process defaults), replacing and
 * freeing any existing session.  Options are copied (clock, retry and
 * check_retry borrowed).  Returns the session (owned by ctx) or NULL on OOM. */
dwhi_http_session *dwhi_http_session_attach(dw_ctx *ctx, const dwhi_http_options *o);

/* ctx->http, created with the process defaults on first use. */
dwhi_http_session *dwhi_http_session_for(dw_ctx *ctx);

/* Frees a session (NULL is fine).  Called by dwhi_ctx_cleanup. */
void dwhi_http_session_free(dwhi_http_session *s);

/* Non-zero when ctx's operation made requests and none of them reached a
 * server: every attempt failed to resolve the name, was refused or timed
 * out connecting (an address the SSRF guard refused does not count).  The
 * sync stops its run on it: the other schemas would fail the same way. */
int dwhi_http_never_connected(const dw_ctx *ctx);

/* ---- requests --------------------------------------------------------- */

/* Performs `req` on ctx's session: SSRF guard, retries, redirects (each
 * target re-checked), one log line per attempt, counters.  `client` (may be
 * NULL) contributes its headers (first, so the request's may override) and
 * its retry policy (the request's wins).
 *
 * On DW_OK *out is a response (any HTTP status, also after retries ran out
 * on 429/5xx) the caller frees with dwhi_http_response_free().  On error *out
 * is NULL and the error is recorded on ctx (dwhi_ctx_fail): DW_ERR_SSRF,
 * DW_ERR_TIMEOUT, DW_ERR_UNREACHABLE, DW_ERR_NON_RETRYABLE (the plugin's map
 * matched the raw error text or body: the friendly message), DW_ERR_CANCELLED,
 * DW_ERR_BAD_DATA (body over the size limit), DW_ERR_CONFIG (bad URL). */
dw_status dwhi_http_perform(dw_ctx *ctx, const dw_http_request *req, const dw_rest_client *client,
                           dw_http_response **out);

/* Responses a caller handles itself (the REST toolkit's response actions,
 * rest_actions.h).  `fn` sees every final response (after redirects) and
 * returns NOW to get it back at once (never retried, the plugin's
 * non-retryable map not applied), AFTER_RETRIES to let the usual retries
 * run first and get it back without the map applied, or NONE. */
typedef enum dwhi_http_claim {
    DWHI_HTTP_CLAIM_NONE = 0,
    DWHI_HTTP_CLAIM_AFTER_RETRIES = 1,
    DWHI_HTTP_CLAIM_NOW = 2
} dwhi_http_claim;
typedef struct dwhi_http_claims {
    dwhi_http_claim (*fn)(void *ud, long status, const char *body, size_t len);
    void *ud;
} dwhi_http_claims;

/* dwhi_http_perform with `claims` (borrowed; NULL: none). */
dw_status dwhi_http_perform_claimed(dw_ctx *ctx, const dw_http_request *req, const dw_rest_client *client,
                                   const dwhi_http_claims *claims, dw_http_response **out);

/* Where the body of a 2xx final response goes as it arrives, instead of
 * into the response (a page of rows parsed while it downloads, never held
 * whole).  Bodies of other statuses (errors, redirects) are buffered as
 * usual.  Called on the requesting thread. */
typedef struct dwhi_http_body_sink {
    void *ud;
    /* A 2xx body starts: forget what an earlier attempt of the request
     * delivered (a transfer cut short is retried from the start). */
    void (*start)(void *ud);
    /* The next `len` bytes (borrowed for the call).  0, or -1 to stop the
     * transfer: the request then returns DW_OK with a response for which
     * dwhi_http_response_stream_failed() is 1, and the sink keeps its own
     * reason (nothing is retried or recorded by the transport). */
    int (*data)(void *ud, const char *data, size_t len);
} dwhi_http_body_sink;

/* dwhi_http_perform_claimed whose 2xx body goes to `sink` (borrowed for the
 * call; NULL: buffered).  A body whose Content-Length passes the session's
 * max_body_bytes is refused before it downloads, streamed or not. */
dw_status dwhi_http_perform_streamed(dw_ctx *ctx, const dw_http_request *req, const dw_rest_client *client,
                                    const dwhi_http_claims *claims, const dwhi_http_body_sink *sink,
                                    dw_http_response **out);

/* 1 when the response's body went to a body sink (dwhi_http_body(): empty),
 * and stream_failed 1 when the sink stopped it. */
int dwhi_http_response_streamed(const dw_http_response *r);
int dwhi_http_response_stream_failed(const dw_http_response *r);

/* Registers the credentials in `headers` ("Name: value", NULL-terminated;
 * borrowed) as secrets of ctx's operation, as a request would: the values
 * of Authorization, Cookie and secret-named headers, and the token after a
 * "Bearer "-style scheme.  The REST toolkit calls it before loading resume
 * state, so a state that holds one can name it (state_secrets.h). */
void dwhi_http_note_header_secrets(dw_ctx *ctx, const char *const *headers);

/* Turns a response with status >= 400 into an error recorded on ctx and
 * returns it: 401 DW_ERR_AUTH, 403 DW_ERR_FORBIDDEN, 404 DW_ERR_NOT_FOUND,
 * 429 (or a rate-limit 403) DW_ERR_RATE_LIMITED, else DW_ERR_HTTP.  `what`
 * names the thing fetched ("endpoint issues").  Returns DW_OK for < 400. */
dw_status dwhi_http_fail_status(dw_ctx *ctx, const dw_http_response *resp, const char *what);

/* ---- responses -------------------------------------------------------- */

long dwhi_http_response_status(const dw_http_response *r);
/* Body, NUL-terminated (decompressed); owned by the response. */
const char *dwhi_http_response_body(const dw_http_response *r, size_t *len);
/* Header value (case-insensitive name); repeated headers are joined with
 * ", " as RFC 9110 allows.  Owned by the response; NULL when absent. */
const char *dwhi_http_response_header(const dw_http_response *r, const char *name);
/* The URL the response came from (after redirects); owned by the response. */
const char *dwhi_http_response_url(const dw_http_response *r);
/* Parses the body as JSON once and caches it; owned by the response.
 * NULL when the body is not JSON; *error (may be NULL) receives json-c's
 * reason (static storage). */
json_object *dwhi_http_response_json(dw_http_response *r, const char **error);
void dwhi_http_response_free(dw_http_response *r);

#endif
