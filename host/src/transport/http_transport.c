/*
 * http_transport.c -- one tracked request: guard, attempts, redirects,
 * retries, log lines and counters (see http_session.h for the contract).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/ctx.h"
#include "base/sized_copy.h"
#include "transport_int.h"
#include "http_retry.h"
#include "url/http_url.h"
#include "core/log.h"
#include "registry/registry.h"
#include "log/secrets.h"
#include "core/state_secrets.h"
#include "base/text.h"

static const char *status_reason(long status) {
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return status >= 500 ? "Server Error" : "Client Error";
    }
}

/* ---- the plugin's non-retryable map ----------------------------------- */

/* Returns the friendly message of the first entry whose substring occurs
 * (case-insensitively) in any of the texts, or NULL. */
static const char *non_retryable_match(const dw_ctx *ctx, const char *a, const char *b) {
    if (!ctx || !ctx->plugin) return NULL;
    const dw_source *src = dwh_plugin_source(ctx->plugin);
    if (!src || !src->non_retryable_errors) return NULL;
    for (uint32_t i = 0; i < src->n_non_retryable_errors; i++) {
        const dw_error_mapping *m = &src->non_retryable_errors[i];
        if (!m->substring || !*m->substring) continue;
        if ((a && strcasestr(a, m->substring)) || (b && strcasestr(b, m->substring)))
            return m->message && *m->message ? m->message : m->substring;
    }
    return NULL;
}

/* ---- headers ---------------------------------------------------------- */

static int header_name_is(const char *line, const char *name) {
    size_t n = strlen(name);
    return !strncasecmp(line, name, n) && line[n] == ':';
}

/* Credentials in headers must never reach a log line: register the values
 * of auth-looking headers (and the token after a "Bearer "-style scheme). */
static void register_header_secrets(dw_ctx *ctx, const char *line) {
    if (!ctx || !ctx->secrets) return;
    const char *colon = strchr(line, ':');
    if (!colon) return;
    if (!dwhi_url_param_is_secret(line, (size_t)(colon - line)) && !header_name_is(line, "Cookie")) return;
    const char *v = colon + 1;
    while (*v == ' ' || *v == '\t') v++;
    /* Run-time secrets: a resume state that holds one names it (state_secrets.h). */
    dwhi_state_secret_runtime(ctx, v);
    const char *sp = strchr(v, ' ');
    if (sp) dwhi_state_secret_runtime(ctx, sp + 1);
}

void dwhi_http_note_header_secrets(dw_ctx *ctx, const char *const *headers) {
    for (const char *const *h = headers; h && *h; h++)
        if (strchr(*h, ':')) register_header_secrets(ctx, *h);
}

/* Headers that carry credentials are sent only to the origin they belong
 * to (see dwhi_http_perform_claimed): never to a trusted other origin, a
 * redirect target or a next page elsewhere. */
static int header_is_credential(const char *line) {
    const char *colon = strchr(line, ':');
    if (!colon) return 0;
    return header_name_is(line, "Cookie") || dwhi_url_param_is_secret(line, (size_t)(colon - line));
}

static struct curl_slist *build_headers(dw_ctx *ctx, const char *const *client_h, const char *const *req_h,
                                        int drop_credentials) {
    struct curl_slist *l = NULL;
    const char *const *lists[2] = {client_h, req_h};
    for (int k = 0; k < 2; k++) {
        for (const char *const *h = lists[k]; h && *h; h++) {
            if (!strchr(*h, ':')) continue;
            register_header_secrets(ctx, *h);
            if (drop_credentials && header_is_credential(*h)) continue;
            struct curl_slist *n = curl_slist_append(l, *h);
            if (!n) break;
            l = n;
        }
    }
    return l;
}

/* ---- attempt bookkeeping ---------------------------------------------- */

typedef struct attempt_info {
    const char *method;
    const char *url;
    const char *url_template;
    long status;
    CURLcode rc;
    const char *error_class; /* NULL: none */
    int64_t latency_ms;
    uint64_t request_bytes, response_bytes;
    uint32_t attempt;
    int64_t retry_in_ms;     /* >= 0: a retry follows after this wait */
    const char *wait_source; /* header the wait came from */
    const char *redirect_to;
    const char *peer;
    const char *detail;      /* curl's error text */
} attempt_info;

static void log_attempt(dw_ctx *ctx, const attempt_info *a) {
    json_object *f = json_object_new_object();
    if (!f) return;
    char *safe_url = dwhi_url_redact(a->url);
    long port = 0;
    char *host = dwhi_url_host(a->url, &port, NULL);
    json_object_object_add(f, "method", json_object_new_string(a->method));
    json_object_object_add(f, "url", json_object_new_string(safe_url ? safe_url : ""));
    json_object_object_add(f, "url_template", a->url_template ? json_object_new_string(a->url_template) : NULL);
    json_object_object_add(f, "host", json_object_new_string(host ? host : ""));
    json_object_object_add(f, "status", a->status ? json_object_new_int64(a->status) : NULL);
    json_object_object_add(f, "latency_ms", json_object_new_int64(a->latency_ms));
    json_object_object_add(f, "request_bytes", json_object_new_int64((int64_t)a->request_bytes));
    json_object_object_add(f, "response_bytes", json_object_new_int64((int64_t)a->response_bytes));
    json_object_object_add(f, "attempt", json_object_new_int64(a->attempt));
    json_object_object_add(f, "error_class", a->error_class ? json_object_new_string(a->error_class) : NULL);
    if (a->retry_in_ms >= 0) json_object_object_add(f, "retry_in_ms", json_object_new_int64(a->retry_in_ms));
    if (a->wait_source) json_object_object_add(f, "wait_from", json_object_new_string(a->wait_source));
    char *safe_redirect = a->redirect_to ? dwhi_url_redact(a->redirect_to) : NULL;
    if (safe_redirect) json_object_object_add(f, "redirect_to", json_object_new_string(safe_redirect));
    if (a->peer && *a->peer) json_object_object_add(f, "peer", json_object_new_string(a->peer));
    if (a->detail && *a->detail) json_object_object_add(f, "error", json_object_new_string(a->detail));

    char msg[512];
    if (a->status)
        snprintf(msg, sizeof msg, "%s %s -> %ld (%lld ms)", a->method, safe_url ? safe_url : "", a->status,
                 (long long)a->latency_ms);
    else
        snprintf(msg, sizeof msg, "%s %s -> %s", a->method, safe_url ? safe_url : "",
                 a->error_class ? a->error_class : "error");
    dw_log_level lvl = (a->error_class || a->status >= 400) ? DW_LOG_WARN : DW_LOG_INFO;
    dwhi_log_fields(ctx, lvl, "http.request", msg, f);
    free(safe_url);
    free(safe_redirect);
    free(host);
}

static void count_attempt(dwhi_http_session *s, const attempt_info *a, int sent) {
    dwhi_http_counters d = {0};
    if (sent) {
        d.requests = 1;
        d.bytes_out = a->request_bytes;
        d.bytes_in = a->response_bytes;
        if (a->attempt > 1) d.retries = 1;
        if (a->status >= 200 && a->status < 300) d.status_2xx = 1;
        else if (a->status >= 300 && a->status < 400) d.status_3xx = 1;
        else if (a->status >= 400 && a->status < 500) d.status_4xx = 1;
        else if (a->status >= 500) d.status_5xx = 1;
        else d.transport_errors = 1;
    } else {
        d.ssrf_blocked = 1;
    }
    dwhi_http_counters_add(&s->counters, &d);
    dwhi_http_counters_collect_add(&d);
}

static void count_wait(dwhi_http_session *s, int64_t ms, int from_server) {
    dwhi_http_counters d = {0};
    if (from_server)
        d.rate_limit_wait_ms = (uint64_t)ms;
    else
        d.backoff_wait_ms = (uint64_t)ms;
    dwhi_http_counters_add(&s->counters, &d);
    dwhi_http_counters_collect_add(&d);
}

/* ---- time ------------------------------------------------------------- */

static int64_t mono_now(const dwhi_http_session *s) {
    return s->clock.mono_ms ? s->clock.mono_ms(s->clock.ud) : s->clock.now_ms(s->clock.ud);
}

/* What is left of the request's time limit (request_timeout_ms) since
 * `started` (mono_now). */
static int64_t time_left(const dwhi_http_session *s, int64_t started) {
    return (int64_t)s->opts.request_timeout_ms - (mono_now(s) - started);
}

/* Sleeps `ms` before a retry and counts the time it actually slept (a
 * wait a cancel cut short counts what passed, not what was asked).
 * Returns non-zero when cancelled. */
static int sleep_counted(dwhi_http_session *s, dw_ctx *ctx, int64_t ms, int from_server) {
    int64_t t0 = mono_now(s);
    int cancelled = s->clock.sleep_ms(s->clock.ud, ms, ctx->cancel);
    int64_t slept = mono_now(s) - t0;
    count_wait(s, slept > 0 ? slept : 0, from_server);
    return cancelled;
}

/* ---- transport errors ------------------------------------------------- */

static const char *curl_error_class(CURLcode rc) {
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT: return "timeout";
    case CURLE_COULDNT_RESOLVE_HOST: return "dns";
    case CURLE_COULDNT_CONNECT: return "connect";
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CIPHER: return "tls";
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE: return "reset";
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_WEIRD_SERVER_REPLY: return "protocol";
    case CURLE_ABORTED_BY_CALLBACK: return "cancelled";
    default: return "transport";
    }
}

static int curl_retryable(CURLcode rc) {
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM: return 1;
    default: return 0;
    }
}

/* The request cannot have reached the server: safe to retry any method. */
static int curl_not_sent(CURL *c, CURLcode rc) {
    if (rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_CONNECT || rc == CURLE_SSL_CONNECT_ERROR) return 1;
    curl_off_t pre = 0;
    curl_easy_getinfo(c, CURLINFO_PRETRANSFER_TIME_T, &pre);
    return rc == CURLE_OPERATION_TIMEDOUT && pre == 0;
}

/* The attempt reached no server: the name did not resolve, the connection
 * was refused, or the time ran out before it was up. */
static int curl_no_connection(CURL *c, CURLcode rc) {
    if (rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_CONNECT) return 1;
    if (rc != CURLE_OPERATION_TIMEDOUT) return 0;
    curl_off_t connect_us = 0;
    curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &connect_us);
    return connect_us == 0;
}

static dw_status curl_status(CURLcode rc) {
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT: return DW_ERR_TIMEOUT;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE: return DW_ERR_UNREACHABLE;
    default: return DW_ERR;
    }
}

/* ---- per-attempt curl setup ------------------------------------------- */

static int xfer_cb(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un) {
    (void)dt, (void)dn, (void)ut, (void)un;
    dw_ctx *ctx = ud;
    return dwhi_ctx_cancelled(ctx) ? 1 : 0;
}

static void setup_attempt(dwhi_http_session *s, const char *method, const char *url, struct curl_slist *hdrs,
                          const char *body, size_t body_len, int64_t timeout_ms, dw_http_response *resp,
                          char *errbuf) {
    CURL *c = s->curl;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, dwhi_http_response_write_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, dwhi_http_response_header_cb);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, resp);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, xfer_cb);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, s->ctx);
    /* Reset the method options a previous request may have set. */
    curl_easy_setopt(c, CURLOPT_NOBODY, 0L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, NULL);
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    if (!strcasecmp(method, "HEAD")) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (body || strcasecmp(method, "GET")) {
        if (body || !strcasecmp(method, "POST") || !strcasecmp(method, "PUT") || !strcasecmp(method, "PATCH")) {
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? body_len : 0));
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
        }
        if (strcasecmp(method, "POST")) curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    }
}

/* ---- the request ------------------------------------------------------ */

/* Checks an IP-literal host before any connection is made; names are
 * checked by the socket callbacks once resolved, except the well-known
 * names of cloud metadata services, refused here. */
static int precheck_literal(dwhi_http_session *s, const char *url, char *why, size_t why_len) {
    long port = 0;
    char *scheme = NULL;
    char *host = dwhi_url_host(url, &port, &scheme);
    int ok = 1;
    if (!host || !scheme || (strcasecmp(scheme, "http") && strcasecmp(scheme, "https"))) {
        snprintf(why, why_len, "not an http(s) URL");
        ok = -1;
    } else if (dwhi_ssrf_name_is_metadata(host)) {
        snprintf(why, why_len, "%s is a cloud metadata host name (refused even when internal hosts are allowed)",
                 host);
        ok = 0;
    } else {
        struct sockaddr_storage ss;
        if (dwhi_addr_parse(host, &ss)) {
            dwhi_addr_set_port(&ss, (unsigned)port);
            if (!dwhi_ssrf_allowed(&s->ssrf, (struct sockaddr *)&ss, why, why_len)) ok = 0;
        }
    }
    free(host);
    free(scheme);
    return ok;
}

static const char *resp_header(void *ud, const char *name) { return dwhi_http_response_header(ud, name); }

/* What follows an SSRF refusal: a metadata refusal explains itself. */
static const char *ssrf_hint(const char *why) {
    return strstr(why, "cloud metadata") ? "" : "; internal addresses are not allowed for this source";
}

/* The first entry of `list` that names no origin, or NULL. */
static const char *bad_origin(const char *const *list) {
    for (const char *const *t = list; t && *t; t++) {
        char *o = dwhi_url_origin(*t);
        free(o);
        if (!o) return *t;
    }
    return NULL;
}

/* The origin rule for a redirect target: the request's own origin, the
 * credentials' origin (a REST client's base URL) and the trusted origins of
 * the client and the request may be followed, nothing else. */
static int redirect_allowed(const char *target, const char *req_origin, const char *cred_origin,
                            const dw_rest_client *client, const dw_http_request *req) {
    return dwhi_url_origin_in(target, req_origin, client->trusted_origins) ||
           dwhi_url_origin_in(target, cred_origin, req->trusted_origins);
}

/* Fails the request whose server asked to wait longer than it may (past
 * max_retry_after_s or past what is left of the request's time):
 * "GET <url>: rate limited until 14:05:07 UTC (Retry-After 3600 s; a
 * request waits at most 300 s); rerun then".  DW_ERR_RATE_LIMITED for a
 * rate limit, DW_ERR_HTTP for another status (503 with Retry-After). */
static dw_status fail_wait_too_long(dw_ctx *ctx, dwhi_http_session *s, const attempt_info *a,
                                    const dwhi_server_wait *sw, int64_t now_ms, dwhi_retry_reason why,
                                    const dwhi_retry_rules *rules, int64_t left_ms) {
    char until[64], limit[96];
    dwhi_retry_until_text(now_ms, sw->ms, until, sizeof until);
    if (sw->ms > (int64_t)rules->max_retry_after_s * 1000)
        snprintf(limit, sizeof limit, "a request waits at most %u s", rules->max_retry_after_s);
    else
        snprintf(limit, sizeof limit, "the request has %lld s left of its %u s time limit",
                 (long long)(left_ms > 0 ? left_ms / 1000 : 0), (s->opts.request_timeout_ms + 999) / 1000);
    char *value = dwhi_text_excerpt(sw->value, strlen(sw->value), DWHI_TEXT_EXCERPT_MAX, 0);
    char *safe = dwhi_url_redact(a->url);
    dw_status st;
    if (why == DWHI_RETRY_RATE_LIMITED)
        st = dwhi_ctx_fail(ctx, DW_ERR_RATE_LIMITED, "%s %s: rate limited until %s (%s %s%s; %s); rerun then",
                          a->method, safe ? safe : "", until, sw->header, value ? value : "", sw->delta ? " s" : "",
                          limit);
    else
        st = dwhi_ctx_fail(ctx, DW_ERR_HTTP, "%s %s: %ld %s until %s (%s %s%s; %s); rerun then", a->method,
                          safe ? safe : "", a->status, status_reason(a->status), until, sw->header,
                          value ? value : "", sw->delta ? " s" : "", limit);
    free(value);
    free(safe);
    return st;
}

dw_status dwhi_http_perform(dw_ctx *ctx, const dw_http_request *req_in, const dw_rest_client *client_in,
                           dw_http_response **out) {
    return dwhi_http_perform_claimed(ctx, req_in, client_in, NULL, out);
}

dw_status dwhi_http_perform_claimed(dw_ctx *ctx, const dw_http_request *req_in, const dw_rest_client *client_in,
                                   const dwhi_http_claims *claims, dw_http_response **out) {
    return dwhi_http_perform_streamed(ctx, req_in, client_in, claims, NULL, out);
}

dw_status dwhi_http_perform_streamed(dw_ctx *ctx, const dw_http_request *req_in, const dw_rest_client *client_in,
                                    const dwhi_http_claims *claims, const dwhi_http_body_sink *sink,
                                    dw_http_response **out) {
    if (out) *out = NULL;
    if (!ctx || !out) return DW_ERR;
    dw_http_request req;
    DWHI_COPY_SIZED(req, req_in);
    dw_rest_client client;
    DWHI_COPY_SIZED(client, client_in);
    if (!req_in || !req.url || !*req.url)
        return dwhi_ctx_fail(ctx, DW_ERR_CONFIG, "http_request: no URL given (dw_http_request.url is required)");
    dwhi_http_session *s = dwhi_http_session_for(ctx);
    if (!s) return dwhi_ctx_fail(ctx, DW_ERR_NOMEM, "http_request: out of memory creating the HTTP session");

    dwhi_retry_rules rules;
    dwhi_retry_resolve(&rules, req.retry, client_in ? client.retry : NULL, s->opts.retry);
    if (ctx->checking) dwhi_retry_cap(&rules, s->opts.check_retry); /* a check is one cheap probe */
    uint32_t timeout_ms = req.timeout_ms ? req.timeout_ms : s->opts.timeout_ms;
    const int64_t started = mono_now(s); /* the request's time limit counts from here */

    char method[16];
    snprintf(method, sizeof method, "%s", req.method && *req.method ? req.method : "GET");
    for (char *m = method; *m; m++) *m = (char)toupper((unsigned char)*m);
    const char *body = req.body;
    size_t body_len = req.body ? (req.body_len ? req.body_len : strlen(req.body)) : 0;
    int idempotent = dwhi_method_idempotent(method);

    const char *bad = bad_origin(client_in ? client.trusted_origins : NULL);
    if (!bad) bad = bad_origin(req.trusted_origins);
    if (bad)
        return dwhi_ctx_fail(ctx, DW_ERR_CONFIG,
                            "http_request: trusted origin '%s' is not an origin; write it as scheme://host[:port] "
                            "(e.g. https://cdn.example.com)",
                            bad);
    /* The origin rule: credentials belong to the client's base URL (a REST
     * client) or else to the URL the plugin asked for, and are sent only
     * there; a redirect leaves that origin only for a trusted one. */
    char *req_origin = dwhi_url_origin(req.url);
    char *cred_origin = dwhi_url_origin(client_in && client.base_url ? client.base_url : req.url);
    char *url = strdup(req.url);
    if (!url) {
        free(req_origin);
        free(cred_origin);
        return dwhi_ctx_fail(ctx, DW_ERR_NOMEM, "http_request: out of memory");
    }
    int drop_credentials = !dwhi_url_origin_in(url, cred_origin, NULL);
    struct curl_slist *hdrs =
        build_headers(ctx, client_in ? client.headers : NULL, req.headers, drop_credentials);
    uint32_t attempt = 1, redirects = 0;
    dw_status result = DW_OK;
    char errbuf[CURL_ERROR_SIZE];

    for (;;) {
        if (dwhi_ctx_cancelled(ctx)) {
            result = dwhi_ctx_fail_host(ctx, DW_ERR_CANCELLED, "%s request cancelled", method);
            break;
        }
        attempt_info a = {.method = method, .url = url, .url_template = req.url_template, .attempt = attempt,
                          .retry_in_ms = -1};
        char why[256];
        int pre = precheck_literal(s, url, why, sizeof why);
        if (pre <= 0) {
            char *safe = dwhi_url_redact(url);
            a.error_class = pre < 0 ? "bad_url" : "ssrf_blocked";
            a.detail = why;
            log_attempt(ctx, &a);
            if (pre < 0) {
                result = dwhi_ctx_fail(ctx, DW_ERR_CONFIG, "%s %s: %s", method, safe, why);
            } else {
                count_attempt(s, &a, 0);
                result = dwhi_ctx_fail(ctx, DW_ERR_SSRF, "%s %s refused%s: %s%s", method, safe,
                                      redirects ? " (redirect target)" : "", why, ssrf_hint(why));
            }
            free(safe);
            break;
        }

        dw_http_response *resp = dwhi_http_response_new(s->opts.max_body_bytes);
        if (!resp) {
            result = dwhi_ctx_fail(ctx, DW_ERR_NOMEM, "http_request: out of memory");
            break;
        }
        resp->sink = sink;
        errbuf[0] = 0;
        s->blocked = 0;
        /* each attempt gets what is left of the request's time */
        int64_t left = time_left(s, started);
        int64_t attempt_ms = left < (int64_t)timeout_ms ? left : (int64_t)timeout_ms;
        setup_attempt(s, method, url, hdrs, body, body_len, attempt_ms > 0 ? attempt_ms : 1, resp, errbuf);
        CURLcode rc = curl_easy_perform(s->curl);
        if (!s->blocked || rc == CURLE_OK) {
            if (rc != CURLE_OK && curl_no_connection(s->curl, rc)) s->connect_failed++;
            else s->connected++;
        }

        long status = 0;
        curl_off_t total_us = 0, down = 0, up = 0;
        long hdr_in = 0, req_size = 0;
        char *peer = NULL;
        curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(s->curl, CURLINFO_TOTAL_TIME_T, &total_us);
        curl_easy_getinfo(s->curl, CURLINFO_SIZE_DOWNLOAD_T, &down);
        curl_easy_getinfo(s->curl, CURLINFO_SIZE_UPLOAD_T, &up);
        curl_easy_getinfo(s->curl, CURLINFO_HEADER_SIZE, &hdr_in);
        curl_easy_getinfo(s->curl, CURLINFO_REQUEST_SIZE, &req_size);
        curl_easy_getinfo(s->curl, CURLINFO_PRIMARY_IP, &peer);
        a.latency_ms = (int64_t)(total_us / 1000);
        a.request_bytes = (uint64_t)req_size + (uint64_t)up;
        a.response_bytes = (uint64_t)hdr_in + (uint64_t)down;
        a.peer = peer;
        resp->url = strdup(url);

        /* A refused address only matters when no other address of the
         * name worked (happy eyeballs may try ::1 and then 127.0.0.1). */
        if (s->blocked && rc != CURLE_OK) {
            char *safe = dwhi_url_redact(url);
            a.error_class = "ssrf_blocked";
            a.detail = s->blocked_reason;
            a.status = 0;
            log_attempt(ctx, &a);
            count_attempt(s, &a, 0);
            result = dwhi_ctx_fail(ctx, DW_ERR_SSRF, "%s %s refused%s: %s%s", method, safe,
                                  redirects ? " (redirect target)" : "", s->blocked_reason,
                                  ssrf_hint(s->blocked_reason));
            free(safe);
            dwhi_http_response_free(resp);
            break;
        }

        if (rc != CURLE_OK && resp->sink_failed) {
            /* the body sink stopped the transfer: its reason is its own */
            a.status = status;
            log_attempt(ctx, &a);
            count_attempt(s, &a, 1);
            resp->status = status;
            *out = resp;
            result = DW_OK;
            break;
        }
        if (rc != CURLE_OK) {
            int too_big = resp->too_big;
            a.status = 0;
            a.error_class = too_big ? "body_too_large" : curl_error_class(rc);
            a.detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
            int cancelled = rc == CURLE_ABORTED_BY_CALLBACK && dwhi_ctx_cancelled(ctx);
            int retry = !too_big && !cancelled && curl_retryable(rc) && attempt < rules.max_attempts &&
                        (idempotent || curl_not_sent(s->curl, rc));
            const char *friendly = non_retryable_match(ctx, a.detail, NULL);
            if (friendly) retry = 0;
            int64_t wait = 0;
            int out_of_time = 0; /* a retry was due but the request's time is spent */
            if (retry) {
                wait = dwhi_retry_backoff_ms(&rules, attempt, s->clock.random(s->clock.ud));
                if (wait >= time_left(s, started)) out_of_time = 1, retry = 0;
                else a.retry_in_ms = wait;
            }
            log_attempt(ctx, &a);
            count_attempt(s, &a, 1);
            char detail[CURL_ERROR_SIZE];
            snprintf(detail, sizeof detail, "%s", a.detail);
            dwhi_http_response_free(resp);
            if (retry) {
                if (sleep_counted(s, ctx, wait, 0)) continue; /* cancel handled on top */
                attempt++;
                continue;
            }
            char *safe = dwhi_url_redact(url);
            if (friendly)
                result = dwhi_ctx_fail(ctx, DW_ERR_NON_RETRYABLE, "%s", friendly);
            else if (cancelled)
                result = dwhi_ctx_fail_host(ctx, DW_ERR_CANCELLED, "%s %s cancelled", method, safe);
            else if (too_big)
                result = dwhi_ctx_fail(ctx, DW_ERR_BAD_DATA, "%s %s: response body larger than %llu bytes; refused",
                                      method, safe, (unsigned long long)s->opts.max_body_bytes);
            else if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE)
                result = dwhi_ctx_fail(ctx, DW_ERR_UNREACHABLE,
                                      "%s %s: TLS verification failed (%s); check the server certificate or the CA "
                                      "bundle (DWHOST_CA_BUNDLE)",
                                      method, safe, detail);
            else if (out_of_time)
                result = dwhi_ctx_fail(ctx, curl_status(rc),
                                      "%s %s failed after %u attempt%s: %s; the request's time limit of %u s is spent",
                                      method, safe, attempt, attempt == 1 ? "" : "s", detail,
                                      (s->opts.request_timeout_ms + 999) / 1000);
            else
                result = dwhi_ctx_fail(ctx, curl_status(rc), "%s %s failed after %u attempt%s: %s", method, safe,
                                      attempt, attempt == 1 ? "" : "s", detail);
            free(safe);
            break;
        }

        resp->status = status;
        a.status = status;

        /* Redirects: followed here so every target passes the guard first. */
        const char *location = dwhi_http_response_header(resp, "Location");
        if ((status == 301 || status == 302 || status == 303 || status == 307 || status == 308) && location) {
            char *target = dwhi_url_resolve(url, location);
            a.redirect_to = target;
            log_attempt(ctx, &a);
            count_attempt(s, &a, 1);
            dwhi_http_response_free(resp);
            if (!target) {
                char *safe = dwhi_url_redact(url);
                result = dwhi_ctx_fail(ctx, DW_ERR_BAD_DATA, "%s %s: redirect to an invalid Location", method, safe);
                free(safe);
                break;
            }
            if (++redirects > s->opts.max_redirects) {
                char *safe = dwhi_url_redact(url);
                result = dwhi_ctx_fail(ctx, DW_ERR_HTTP, "%s %s: more than %u redirects; stopped", method, safe,
                                      s->opts.max_redirects);
                free(safe);
                free(target);
                break;
            }
            if (status == 303 || ((status == 301 || status == 302) && !strcmp(method, "POST"))) {
                if (strcmp(method, "HEAD")) snprintf(method, sizeof method, "GET");
                body = NULL;
                body_len = 0;
                idempotent = 1;
            }
            /* An internal target is refused as such by the guard at the top
             * of the loop; any other target must pass the origin rule. */
            char why_target[256];
            if (precheck_literal(s, target, why_target, sizeof why_target) > 0 &&
                !redirect_allowed(target, req_origin, cred_origin, &client, &req)) {
                char *from = dwhi_url_redact(url), *to = dwhi_url_redact(target);
                char *to_origin = dwhi_url_origin(target);
                attempt_info refused = {.method = method, .url = target, .url_template = req.url_template,
                                        .attempt = attempt, .retry_in_ms = -1, .error_class = "origin_refused",
                                        .detail = "another origin"};
                log_attempt(ctx, &refused);
                result = dwhi_ctx_fail(ctx, DW_ERR_SSRF,
                                      "%s %s redirected to %s, on another origin (%s) than the request's (%s): not "
                                      "followed, so no credential leaves %s",
                                      method, from, to, to_origin ? to_origin : "?", req_origin ? req_origin : "?",
                                      cred_origin ? cred_origin : "?");
                free(from), free(to), free(to_origin), free(target);
                break;
            }
            int drop = !dwhi_url_origin_in(target, cred_origin, NULL);
            if (drop != drop_credentials) {
                drop_credentials = drop;
                curl_slist_free_all(hdrs);
                hdrs = build_headers(ctx, client_in ? client.headers : NULL, req.headers, drop_credentials);
            }
            free(url);
            url = target;
            continue;
        }

        /* A response the caller claimed (a REST response action) is the
         * caller's to report: the plugin's map does not rewrite it, and a
         * "now" claim is never retried. */
        dwhi_http_claim claim = claims && claims->fn ? claims->fn(claims->ud, status, resp->body, resp->len)
                                                    : DWHI_HTTP_CLAIM_NONE;
        const char *friendly = NULL;
        if (status >= 400 && claim == DWHI_HTTP_CLAIM_NONE) {
            char raw[1024];
            snprintf(raw, sizeof raw, "%ld %s Error: %s for url: %s", status, status >= 500 ? "Server" : "Client",
                     resp->reason ? resp->reason : status_reason(status), url);
            friendly = non_retryable_match(ctx, raw, resp->body);
        }
        dwhi_retry_reason why_retry = friendly || claim == DWHI_HTTP_CLAIM_NOW
                                         ? DWHI_RETRY_NO
                                         : dwhi_retry_classify(status, resp_header, resp);
        int may_retry = why_retry == DWHI_RETRY_RATE_LIMITED || why_retry == DWHI_RETRY_UNAVAILABLE ||
                        (why_retry == DWHI_RETRY_SERVER_ERROR && idempotent);
        if (friendly) a.error_class = "non_retryable";
        else if (why_retry == DWHI_RETRY_RATE_LIMITED) a.error_class = "rate_limited";
        else if (status >= 500) a.error_class = "server_error";
        else if (status >= 400) a.error_class = "client_error";
        dwhi_server_wait sw;
        int64_t now_ms = s->clock.now_ms(s->clock.ud);
        int server = may_retry && dwhi_retry_server_wait(resp_header, resp, now_ms, &sw) == 0;
        if (server && (sw.ms > (int64_t)rules.max_retry_after_s * 1000 || sw.ms >= time_left(s, started))) {
            /* Too long to sit out (an hour of GitHub's rate limit): fail
             * now, saying when a rerun can work, instead of a string of
             * capped waits that end the same way. */
            log_attempt(ctx, &a);
            count_attempt(s, &a, 1);
            result = fail_wait_too_long(ctx, s, &a, &sw, now_ms, why_retry, &rules, time_left(s, started));
            dwhi_http_response_free(resp);
            break;
        }
        if (may_retry && attempt < rules.max_attempts) {
            /* The floor guards only server-given waits (Retry-After: 0, a
             * reset in the past); backoff is at least base/2 by itself. */
            int64_t wait = server ? dwhi_retry_floor(&rules, sw.ms)
                                  : dwhi_retry_backoff_ms(&rules, attempt, s->clock.random(s->clock.ud));
            /* no time left for another attempt: this response is the last */
            if (wait < time_left(s, started)) {
                a.retry_in_ms = wait;
                a.wait_source = server ? sw.header : "backoff";
                log_attempt(ctx, &a);
                count_attempt(s, &a, 1);
                dwhi_http_response_free(resp);
                if (sleep_counted(s, ctx, wait, server)) continue;
                attempt++;
                continue;
            }
        }
        log_attempt(ctx, &a);
        count_attempt(s, &a, 1);
        if (friendly) {
            dwhi_http_response_free(resp);
            result = dwhi_ctx_fail(ctx, DW_ERR_NON_RETRYABLE, "%s", friendly);
            break;
        }
        *out = resp;
        result = DW_OK;
        break;
    }
    curl_slist_free_all(hdrs);
    /* Body and header pointers were the caller's: curl must not keep them. */
    curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, NULL);
    curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, NULL);
    free(url);
    free(req_origin);
    free(cred_origin);
    return result;
}

dw_status dwhi_http_fail_status(dw_ctx *ctx, const dw_http_response *resp, const char *what) {
    if (!resp || resp->status < 400) return DW_OK;
    long st = resp->status;
    dw_status code = DW_ERR_HTTP;
    const char *hint = "";
    if (st == 401) code = DW_ERR_AUTH, hint = "; check the credentials";
    else if (st == 403 && dwhi_retry_classify(st, resp_header, (void *)resp) == DWHI_RETRY_RATE_LIMITED)
        code = DW_ERR_RATE_LIMITED, hint = "; rate limit still exhausted after retries";
    else if (st == 403) code = DW_ERR_FORBIDDEN, hint = "; the credentials lack a permission";
    else if (st == 404) code = DW_ERR_NOT_FOUND;
    else if (st == 429) code = DW_ERR_RATE_LIMITED, hint = "; rate limit still exhausted after retries";
    char *safe = dwhi_url_redact(resp->url);
    /* A short body excerpt helps ("bad_verification_code"); secrets in it
     * are scrubbed by dwhi_ctx_fail. */
    char excerpt[201];
    size_t n = 0;
    for (size_t i = 0; i < resp->len && n < sizeof excerpt - 1; i++)
        excerpt[n++] = (resp->body[i] == '\n' || resp->body[i] == '\r') ? ' ' : resp->body[i];
    excerpt[n] = 0;
    dw_status r = dwhi_ctx_fail(ctx, code, "%s: %ld %s from %s%s%s%s", what ? what : "request", st,
                               resp->reason ? resp->reason : status_reason(st), safe ? safe : "", hint,
                               n ? ": " : "", excerpt);
    free(safe);
    return r;
}
