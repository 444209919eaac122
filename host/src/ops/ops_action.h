/*
 * ops_action.h -- one action call (ABI 1.8): the plugin's function called
 * through libffi with the declared signature, inside a recoverable crash
 * guard.  libffi is used here only.
 */
#ifndef DWHI_OPS_ACTION_H
#define DWHI_OPS_ACTION_H

#include "action_args.h"
#include "ops.h"

/* Calls action `a` (of dwh_plugin_source(p), borrowed) with `args` (bound
 * by dwhi_action_bind, borrowed) on the validated `config` (may be NULL),
 * as dwhi_op_check runs its operation: activation, identity, secrets,
 * error mapping (ops.h "Result rules").  On DW_OK r.result is the JSON
 * answer the action set with api->action_result ("null" without one),
 * scrubbed of the config's secrets.  A fatal signal inside the action
 * (with the crash guard installed, dwh_crash_guard_install) fails the call
 * with r.crashed set and the crash line as r.message, code DW_ERR; the
 * process carries on. */
dwhi_op_result dwhi_op_action(dwh_plugin *p, json_object *config, dwhi_secrets *secrets, const dwhi_identity *id,
                              const dwhi_op_flags *flags, const dw_action *a, const dwhi_action_args *args);

#endif
