/*
 * ops_int.h -- what the operations of ops/ share with each other (ops.c's
 * begin and finish, for ops_action.c).  Private to ops/.
 */
#ifndef DWHI_OPS_INT_H
#define DWHI_OPS_INT_H

#include "ops.h"

/* Activates `p` and prepares *ctx for one operation about `subject` (a
 * schema, or NULL); non-zero with *r filled (ctx cleaned up) on failure. */
int dwhi_op_begin(dw_ctx *ctx, dwh_plugin *p, json_object *config, dwhi_secrets *secrets, const dwhi_identity *id,
                  const dwhi_op_flags *flags, const char *subject, dwhi_op_result *r);
/* What the plugin returned and ctx recorded, as a result (ops.h rules);
 * `what` names the call in messages.  Does not clean ctx up. */
dwhi_op_result dwhi_op_finish(dw_ctx *ctx, dw_status ret, const char *what);
/* A failed result with `message` (borrowed, made one line). */
dwhi_op_result dwhi_op_failed(dw_status code, const char *message);

#endif
