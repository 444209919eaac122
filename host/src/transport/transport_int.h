/*
 * http_internal.h -- structs shared by http_session.c, http_transport.c and
 * http_response.c.  Not for other modules: use http_session.h.
 */
#ifndef DWHI_HTTP_INTERNAL_H
#define DWHI_HTTP_INTERNAL_H

#include <curl/curl.h>
#include <json-c/json.h>

#include "http_session.h"
#include "http_ssrf.h"

typedef struct dwhi_http_header {
    char *name;
    char *value;
} dwhi_http_header;

struct dw_http_response {
    long status;
    char *reason;           /* reason phrase from the status line, or NULL (HTTP/2) */
    char *body;             /* NUL-terminated */
    size_t len, cap;
    uint64_t max_body;
    int too_big;            /* the body went past max_body (or its Content-Length said it would); stopped */
    /* Streaming (dwhi_http_perform_streamed): a 2xx body goes to `sink` as it
     * arrives instead of into `body`; len still counts it. */
    const dwhi_http_body_sink *sink;
    long line_status;       /* the status of the last status line the headers gave */
    int decided;            /* the body's first bytes came: streamed or buffered is settled */
    int streaming;
    int sink_failed;        /* the sink refused a chunk (its own error says why); stopped */
    dwhi_http_header *headers; /* of the final response only */
    size_t n_headers, cap_headers;
    char *url;              /* effective URL */
    json_object *json;      /* cached parse */
    int json_tried;
    const char *json_error;
};

struct dwhi_http_session {
    dw_ctx *ctx;
    CURL *curl;
    dwhi_http_options opts;      /* resolved: every timeout set */
    char *ca_bundle;            /* owned copy */
    char **internal_allow;      /* owned NULL-terminated copy */
    dwhi_http_clock clock;
    dwhi_ssrf_policy ssrf;
    dwhi_http_counters counters;
    /* Attempts that reached a server (an HTTP status, or at least a
     * connection) and attempts that failed to connect (DNS, refused,
     * connect timeout): dwhi_http_never_connected. */
    uint64_t connected, connect_failed;
    /* Set by the socket callbacks when the guard refused an address. */
    int blocked;
    char blocked_reason[256];
};

/* Response building (http_response.c). */
dw_http_response *dwhi_http_response_new(uint64_t max_body);
/* curl write/header callbacks; userdata is the response. */
size_t dwhi_http_response_write_cb(char *data, size_t size, size_t n, void *ud);
size_t dwhi_http_response_header_cb(char *data, size_t size, size_t n, void *ud);

/* Adds into the thread's accumulator, if any (http_session.c). */
void dwhi_http_counters_collect_add(const dwhi_http_counters *delta);

#endif
