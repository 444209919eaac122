/*
 * rest_actions.h -- an endpoint's response actions (dw_response_action,
 * ABI 1.5): which response an action claims, and what it then does.
 * Internal to the REST toolkit (rest_page.c, rest_validate.c).
 *
 * Order of events for one page request:
 *   1. the transport asks rest_action_claim() about every final response:
 *      a FAIL action claims it "now" (no retry, the plugin's
 *      non_retryable_errors map not applied), an IGNORE action "after
 *      retries" (a retryable 429/5xx is retried as usual first);
 *   2. rest_fetch_page() gets the response back and applies the matching
 *      action with rest_action_apply().
 */
#ifndef DWHI_REST_ACTIONS_H
#define DWHI_REST_ACTIONS_H

#include <stddef.h>

#include "dwsdk.h"
#include "transport/http_session.h"

/* The first action of `ep` (a host-sized copy) matching `status` and the
 * body, or NULL.  Borrowed from the plugin's array. */
const dw_response_action *rest_action_match(const dw_endpoint *ep, long status, const char *body, size_t len);

/* dwhi_http_claims.fn with ud = the endpoint (const dw_endpoint *). */
dwhi_http_claim rest_action_claim(void *ud, long status, const char *body, size_t len);

/* Applies `a` to the response of `url` (borrowed; logged redacted).
 * IGNORE: logs one INFO line "rest.response_ignored" and returns DW_OK
 * (the caller ends the listing without rows).  FAIL: records the action's
 * message as DW_ERR_NON_RETRYABLE (cause by status: 401 DW_ERR_AUTH, 403
 * DW_ERR_FORBIDDEN, 404 DW_ERR_NOT_FOUND, 429 DW_ERR_RATE_LIMITED, other
 * >= 400 DW_ERR_HTTP, else DW_ERR) and returns the cause. */
dw_status rest_action_apply(dw_ctx *ctx, const dw_endpoint *ep, const dw_response_action *a, long status,
                            const char *url);

/* Checks the actions of `ep` (a host-sized copy) before any request:
 * a status in 100..599, a known action, a message for FAIL.  Records
 * DW_ERR_CONFIG naming the endpoint and the entry and returns it. */
dw_status rest_actions_validate(dw_ctx *ctx, const dw_endpoint *ep);

#endif
