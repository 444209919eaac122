/*
 * plugin_api_http.c -- the 1.2 transport and REST members of the function table
 * (see plugin_api_http.h): thin adapters onto http_session.h and rest.h.
 */
#include "plugin_api_http.h"

#include "transport/http_session.h"
#include "rest/rest.h"

static dw_status api_http_request(dw_ctx *ctx, const dw_http_request *req, dw_http_response **out) {
    return dwhi_http_perform(ctx, req, NULL, out);
}

static long api_http_status(const dw_http_response *r) { return dwhi_http_response_status(r); }

static const char *api_http_body(const dw_http_response *r, size_t *len) { return dwhi_http_response_body(r, len); }

static const char *api_http_header(const dw_http_response *r, const char *name) {
    return dwhi_http_response_header(r, name);
}

static void api_http_free(dw_http_response *r) { dwhi_http_response_free(r); }

void dwhi_api_fill_http(dw_host_api *t) {
    t->http_request = api_http_request;
    t->http_status = api_http_status;
    t->http_body = api_http_body;
    t->http_header = api_http_header;
    t->http_free = api_http_free;
    t->rest_run = dwhi_rest_run;
    t->rest_schema_add = dwhi_rest_schema_add;
}
