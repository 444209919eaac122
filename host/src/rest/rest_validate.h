/*
 * rest_validate.h -- checks an endpoint's declarations before rest_run
 * makes any request, so a bad endpoint fails with one line naming it
 * instead of paging wrongly: a paginator kind this host knows (and that
 * the plugin's ABI can declare), valid response actions.  Internal to the
 * REST toolkit (rest_run.c).
 */
#ifndef DWHI_REST_VALIDATE_H
#define DWHI_REST_VALIDATE_H

#include "dwsdk.h"

/* `ep` is a host-sized copy.  Returns DW_OK, or records DW_ERR_CONFIG on
 * ctx and returns it. */
dw_status rest_endpoint_validate(dw_ctx *ctx, const dw_endpoint *ep);

#endif
