/*
 * action_result.h -- api->action_result (ABI 1.8): the JSON answer of the
 * action being called, kept in its ctx (ctx->action_result).
 */
#ifndef DWHI_ACTION_RESULT_H
#define DWHI_ACTION_RESULT_H

#include <stddef.h>

#include "dwsdk.h"

/* Copies `len` bytes of `json` (borrowed) as the answer of the action ctx
 * runs, after a strict parse (stored compact).  DW_ERR_BAD_DATA, recorded
 * as by api->fail, when it is not JSON; DW_ERR_UNSUPPORTED (recorded)
 * outside an action call; DW_ERR_NOMEM. */
dw_status dwhi_action_result(dw_ctx *ctx, const char *json, size_t len);

#endif
