/* action_result.c -- api->action_result (see action_result.h). */
#include "action_result.h"

#include <stdlib.h>
#include <string.h>

#include "base/json_strict.h"
#include "ctx.h"

dw_status dwhi_action_result(dw_ctx *ctx, const char *json, size_t len) {
    if (!ctx) return DW_ERR;
    if (!ctx->in_action)
        return dwhi_ctx_fail(ctx, DW_ERR_UNSUPPORTED, "action_result called outside an action call; only an "
                                                      "action (dw_source.actions) answers with it");
    if (!json) return dwhi_ctx_fail(ctx, DW_ERR_BAD_DATA, "action_result: no JSON text given (NULL)");
    json_object *v = NULL;
    char err[160];
    if (dwhi_json_parse_strict_tok(&ctx->tok, json, len, &v, err, sizeof err) != 0)
        return dwhi_ctx_fail(ctx, DW_ERR_BAD_DATA, "action_result: the answer is not JSON: %s", err);
    const char *t = v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
                      : "null";
    char *copy = t ? strdup(t) : NULL;
    json_object_put(v);
    if (!copy) return dwhi_ctx_fail(ctx, DW_ERR_NOMEM, "action_result: out of memory");
    free(ctx->action_result);
    ctx->action_result = copy;
    return DW_OK;
}
