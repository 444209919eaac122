/* rest_actions.c -- an endpoint's response actions (see rest_actions.h). */
#include "rest_actions.h"

#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "url/http_url.h"
#include "core/log.h"

static const char *ep_name(const dw_endpoint *ep) { return ep->name ? ep->name : "?"; }

/* The body is NUL-terminated by the transport, but may hold NULs of its
 * own: search the whole length. */
static int body_has(const char *body, size_t len, const char *needle) {
    size_t n = strlen(needle);
    if (n == 0) return 1;
    if (!body || len < n) return 0;
    return memmem(body, len, needle, n) != NULL;
}

const dw_response_action *rest_action_match(const dw_endpoint *ep, long status, const char *body, size_t len) {
    if (!ep || !ep->response_actions) return NULL;
    for (uint32_t i = 0; i < ep->n_response_actions; i++) {
        const dw_response_action *a = &ep->response_actions[i];
        if (a->status != status) continue;
        if (a->body_contains && !body_has(body, len, a->body_contains)) continue;
        return a;
    }
    return NULL;
}

dwhi_http_claim rest_action_claim(void *ud, long status, const char *body, size_t len) {
    const dw_response_action *a = rest_action_match(ud, status, body, len);
    if (!a) return DWHI_HTTP_CLAIM_NONE;
    return a->action == DW_RESPONSE_FAIL ? DWHI_HTTP_CLAIM_NOW : DWHI_HTTP_CLAIM_AFTER_RETRIES;
}

static dw_status cause_for(long status) {
    switch (status) {
    case 401: return DW_ERR_AUTH;
    case 403: return DW_ERR_FORBIDDEN;
    case 404: return DW_ERR_NOT_FOUND;
    case 429: return DW_ERR_RATE_LIMITED;
    default: return status >= 400 ? DW_ERR_HTTP : DW_ERR;
    }
}

dw_status rest_action_apply(dw_ctx *ctx, const dw_endpoint *ep, const dw_response_action *a, long status,
                            const char *url) {
    char *safe = dwhi_url_redact(url ? url : "");
    json_object *f = json_object_new_object();
    json_object_object_add(f, "resource", json_object_new_string(ep_name(ep)));
    json_object_object_add(f, "status", json_object_new_int64(status));
    json_object_object_add(f, "url_template", json_object_new_string(ep->path ? ep->path : ""));
    json_object_object_add(f, "url", json_object_new_string(safe ? safe : ""));
    char msg[512];
    if (a->action == DW_RESPONSE_IGNORE) {
        snprintf(msg, sizeof msg, "endpoint %s: HTTP %ld from %s ignored (response action); this listing ends here",
                 ep_name(ep), status, ep->path ? ep->path : "");
        dwhi_log_fields(ctx, DW_LOG_INFO, "rest.response_ignored", msg, f);
        free(safe);
        return DW_OK;
    }
    snprintf(msg, sizeof msg, "endpoint %s: HTTP %ld from %s fails the run (response action)", ep_name(ep), status,
             ep->path ? ep->path : "");
    dwhi_log_fields(ctx, DW_LOG_WARN, "rest.response_failed", msg, f);
    free(safe);
    return dwhi_ctx_fail_permanent(ctx, cause_for(status), "%s", a->message);
}

dw_status rest_actions_validate(dw_ctx *ctx, const dw_endpoint *ep) {
    if (ep->n_response_actions && !ep->response_actions)
        return dwhi_ctx_fail(ctx, DW_ERR_CONFIG, "endpoint %s: n_response_actions is %u but response_actions is NULL",
                            ep_name(ep), ep->n_response_actions);
    for (uint32_t i = 0; i < ep->n_response_actions; i++) {
        const dw_response_action *a = &ep->response_actions[i];
        if (a->status < 100 || a->status > 599)
            return dwhi_ctx_fail(ctx, DW_ERR_CONFIG,
                                "endpoint %s: response_actions[%u] has status %d; use an HTTP status (100-599)",
                                ep_name(ep), i, (int)a->status);
        if (a->action != DW_RESPONSE_IGNORE && a->action != DW_RESPONSE_FAIL)
            return dwhi_ctx_fail(ctx, DW_ERR_CONFIG,
                                "endpoint %s: response_actions[%u] has action %d; use DW_RESPONSE_IGNORE or "
                                "DW_RESPONSE_FAIL",
                                ep_name(ep), i, (int)a->action);
        if (a->action == DW_RESPONSE_FAIL && (!a->message || !*a->message))
            return dwhi_ctx_fail(ctx, DW_ERR_CONFIG,
                                "endpoint %s: response_actions[%u] (FAIL on %d) has no message for the user",
                                ep_name(ep), i, (int)a->status);
    }
    return DW_OK;
}
