/* http_session.c -- sessions, options, clock and counters (see http_session.h). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "base/cancel.h"
#include "core/ctx.h"
#include "transport_int.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 10000u
#define DEFAULT_TIMEOUT_MS 60000u
#define DEFAULT_MAX_REDIRECTS 5u
#define DEFAULT_MAX_BODY (256ull << 20)
#define DEFAULT_REQUEST_TIMEOUT_MS 600000u
#define DEFAULT_STALL_TIMEOUT_MS 30000u

/* ---- counters --------------------------------------------------------- */

void dwhi_http_counters_add(dwhi_http_counters *into, const dwhi_http_counters *c) {
    if (!into || !c) return;
    into->requests += c->requests;
    into->status_2xx += c->status_2xx;
    into->status_3xx += c->status_3xx;
    into->status_4xx += c->status_4xx;
    into->status_5xx += c->status_5xx;
    into->transport_errors += c->transport_errors;
    into->retries += c->retries;
    into->bytes_out += c->bytes_out;
    into->bytes_in += c->bytes_in;
    into->rate_limit_wait_ms += c->rate_limit_wait_ms;
    into->backoff_wait_ms += c->backoff_wait_ms;
    into->ssrf_blocked += c->ssrf_blocked;
}

void dwhi_http_counters_get(const dw_ctx *ctx, dwhi_http_counters *out) {
    memset(out, 0, sizeof *out);
    if (ctx && ctx->http) *out = ctx->http->counters;
}

static __thread dwhi_http_counters *collect_into;

dwhi_http_counters *dwhi_http_counters_collect(dwhi_http_counters *totals) {
    dwhi_http_counters *prev = collect_into;
    collect_into = totals;
    return prev;
}

void dwhi_http_counters_collect_add(const dwhi_http_counters *delta) {
    if (collect_into) dwhi_http_counters_add(collect_into, delta);
}

json_object *dwhi_http_counters_json(const dwhi_http_counters *c) {
    json_object *o = json_object_new_object();
    if (!o) return NULL;
#define PUT(k) json_object_object_add(o, #k, json_object_new_int64((int64_t)c->k))
    PUT(requests);
    json_object *st = json_object_new_object();
    json_object_object_add(st, "2xx", json_object_new_int64((int64_t)c->status_2xx));
    json_object_object_add(st, "3xx", json_object_new_int64((int64_t)c->status_3xx));
    json_object_object_add(st, "4xx", json_object_new_int64((int64_t)c->status_4xx));
    json_object_object_add(st, "5xx", json_object_new_int64((int64_t)c->status_5xx));
    json_object_object_add(o, "status", st);
    PUT(transport_errors);
    PUT(retries);
    PUT(bytes_out);
    PUT(bytes_in);
    PUT(rate_limit_wait_ms);
    PUT(backoff_wait_ms);
    PUT(ssrf_blocked);
#undef PUT
    return o;
}

/* ---- the system clock ------------------------------------------------- */

static int64_t sys_now_ms(void *ud) {
    (void)ud;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static int sys_sleep_ms(void *ud, int64_t ms, const struct dwh_cancel *cancel) {
    (void)ud;
    /* Slices so a signal-driven cancel ends a long Retry-After wait. */
    while (ms > 0) {
        if (dwhi_cancel_requested(cancel)) return 1;
        dwhi_ctx_alive(); /* waiting for the source is not hanging (dwhi_ctx_activity) */
        int64_t slice = ms > 50 ? 50 : ms;
        struct timespec ts = {(time_t)(slice / 1000), (long)(slice % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
            if (dwhi_cancel_requested(cancel)) return 1;
        }
        ms -= slice;
    }
    return dwhi_cancel_requested(cancel);
}

static uint64_t sys_random(void *ud) {
    (void)ud;
    static __thread uint64_t x;
    if (!x) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        x = ((uint64_t)ts.tv_sec * 1000000007ull) ^ (uint64_t)ts.tv_nsec ^ (uint64_t)(uintptr_t)&x;
        if (!x) x = 0x9E3779B97F4A7C15ull;
    }
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
}

static int64_t sys_mono_ms(void *ud) {
    (void)ud;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const dwhi_http_clock system_clock = {NULL, sys_now_ms, sys_sleep_ms, sys_random, sys_mono_ms};

const dwhi_http_clock *dwhi_http_clock_system(void) { return &system_clock; }

/* ---- process defaults ------------------------------------------------- */

static pthread_mutex_t defaults_lock = PTHREAD_MUTEX_INITIALIZER;
static dwhi_http_options defaults;
static char *defaults_ca;
static char **defaults_allow;

static char **copy_list(const char *const *l) {
    if (!l) return NULL;
    size_t n = 0;
    while (l[n]) n++;
    char **c = calloc(n + 1, sizeof *c);
    if (!c) return NULL;
    for (size_t i = 0; i < n; i++) {
        c[i] = strdup(l[i]);
        if (!c[i]) {
            for (size_t j = 0; j < i; j++) free(c[j]);
            free(c);
            return NULL;
        }
    }
    return c;
}

static void free_list(char **l) {
    for (size_t i = 0; l && l[i]; i++) free(l[i]);
    free(l);
}

void dwhi_http_set_defaults(const dwhi_http_options *o) {
    pthread_mutex_lock(&defaults_lock);
    free(defaults_ca);
    free_list(defaults_allow);
    defaults_ca = NULL;
    defaults_allow = NULL;
    memset(&defaults, 0, sizeof defaults);
    if (o) {
        defaults = *o;
        defaults_ca = o->ca_bundle ? strdup(o->ca_bundle) : NULL;
        defaults_allow = copy_list(o->internal_allow);
        defaults.ca_bundle = defaults_ca;
        defaults.internal_allow = (const char *const *)defaults_allow;
    }
    pthread_mutex_unlock(&defaults_lock);
}

/* ---- socket callbacks: the SSRF guard at connect time ----------------- */

static curl_socket_t open_socket_cb(void *ud, curlsocktype purpose, struct curl_sockaddr *addr) {
    dwhi_http_session *s = ud;
    (void)purpose;
    char why[200];
    if (!dwhi_ssrf_allowed(&s->ssrf, &addr->addr, why, sizeof why)) {
        /* Refused before connect(): no packet leaves for this address. */
        s->blocked = 1;
        snprintf(s->blocked_reason, sizeof s->blocked_reason, "%s", why);
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype, addr->protocol);
}

/* Runs once the connection is up, before the request is sent: re-checks
 * the peer actually connected to (also for reused connections). */
static int prereq_cb(void *ud, char *conn_primary_ip, char *conn_local_ip, int conn_primary_port,
                     int conn_local_port) {
    dwhi_http_session *s = ud;
    (void)conn_local_ip;
    (void)conn_local_port;
    struct sockaddr_storage ss;
    if (!dwhi_addr_parse(conn_primary_ip, &ss)) {
        s->blocked = 1;
        snprintf(s->blocked_reason, sizeof s->blocked_reason, "connected peer address '%s' could not be checked",
                 conn_primary_ip ? conn_primary_ip : "");
        return CURL_PREREQFUNC_ABORT;
    }
    dwhi_addr_set_port(&ss, (unsigned)conn_primary_port);
    char why[200];
    if (!dwhi_ssrf_allowed(&s->ssrf, (struct sockaddr *)&ss, why, sizeof why)) {
        s->blocked = 1;
        snprintf(s->blocked_reason, sizeof s->blocked_reason, "%s", why);
        return CURL_PREREQFUNC_ABORT;
    }
    return CURL_PREREQFUNC_OK;
}

/* ---- sessions --------------------------------------------------------- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

dwhi_http_session *dwhi_http_session_attach(dw_ctx *ctx, const dwhi_http_options *o) {
    pthread_once(&curl_once, curl_init_once);
    dwhi_http_session *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->ctx = ctx;
    pthread_mutex_lock(&defaults_lock);
    const dwhi_http_options *src = o ? o : ctx && ctx->http_defaults ? ctx->http_defaults : &defaults;
    s->opts = *src;
    s->ca_bundle = src->ca_bundle ? strdup(src->ca_bundle) : NULL;
    s->internal_allow = copy_list(src->internal_allow);
    pthread_mutex_unlock(&defaults_lock);
    if (!s->ca_bundle) {
        const char *env = getenv("DWHOST_CA_BUNDLE");
        if (env && *env) s->ca_bundle = strdup(env);
    }
    s->opts.ca_bundle = s->ca_bundle;
    s->opts.internal_allow = (const char *const *)s->internal_allow;
    if (!s->opts.connect_timeout_ms) s->opts.connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
    if (!s->opts.timeout_ms) s->opts.timeout_ms = DEFAULT_TIMEOUT_MS;
    if (!s->opts.max_redirects) s->opts.max_redirects = DEFAULT_MAX_REDIRECTS;
    if (!s->opts.max_body_bytes) s->opts.max_body_bytes = DEFAULT_MAX_BODY;
    if (!s->opts.request_timeout_ms) s->opts.request_timeout_ms = DEFAULT_REQUEST_TIMEOUT_MS;
    if (!s->opts.stall_timeout_ms) s->opts.stall_timeout_ms = DEFAULT_STALL_TIMEOUT_MS;
    s->clock = s->opts.clock ? *s->opts.clock : system_clock;
    s->ssrf.allow_internal = ctx ? ctx->allow_internal_hosts : 0;
    s->ssrf.allow_list = s->opts.internal_allow;

    s->curl = curl_easy_init();
    if (!s->curl) {
        dwhi_http_session_free(s);
        return NULL;
    }
    CURL *c = s->curl;
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, ""); /* every encoding curl can decode */
    curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (s->ca_bundle) curl_easy_setopt(c, CURLOPT_CAINFO, s->ca_bundle);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L); /* we follow, after checking the target */
    curl_easy_setopt(c, CURLOPT_PROXY, "");          /* no environment proxy: see header */
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)s->opts.connect_timeout_ms);
    /* a stalled attempt: under 1 byte/s for the stall timeout (libcurl
     * counts whole seconds) */
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)((s->opts.stall_timeout_ms + 999) / 1000));
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    /* Pages are read in pieces of up to 256 KiB instead of curl's 16:
     * a sixteenth of the reads, wake-ups and parse calls for a large
     * page (one buffer per session). */
    curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 256L * 1024);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "dwhost/" DWHOST_VERSION);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket_cb);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, s);
    curl_easy_setopt(c, CURLOPT_PREREQFUNCTION, prereq_cb);
    curl_easy_setopt(c, CURLOPT_PREREQDATA, s);
    if (ctx) {
        if (ctx->http && ctx->http != s && ctx->http_free) ctx->http_free(ctx->http);
        ctx->http = s;
        ctx->http_free = dwhi_http_session_free;
    }
    return s;
}

dwhi_http_session *dwhi_http_session_for(dw_ctx *ctx) {
    if (!ctx) return NULL;
    if (ctx->http) {
        /* The flag may be set after the session was made (tests, CLI). */
        ctx->http->ssrf.allow_internal = ctx->allow_internal_hosts;
        return ctx->http;
    }
    return dwhi_http_session_attach(ctx, NULL);
}

int dwhi_http_never_connected(const dw_ctx *ctx) {
    const dwhi_http_session *s = ctx ? ctx->http : NULL;
    return s && s->connect_failed > 0 && s->connected == 0;
}

void dwhi_http_session_free(dwhi_http_session *s) {
    if (!s) return;
    if (s->curl) curl_easy_cleanup(s->curl);
    free(s->ca_bundle);
    free_list(s->internal_allow);
    free(s);
}
