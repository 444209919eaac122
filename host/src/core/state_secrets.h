/*
 * state_secrets.h -- resume state never holds a secret in clear.
 *
 * A server may echo a credential into what a plugin saves as its resume
 * position (a next URL with ?access_token=..., a cursor that embeds a
 * key).  Before a state reaches the sink (the warehouse's _dw_state, Redis,
 * `read --state-out`), every secret value of the operation found in it, in
 * any of the spellings a JSON text can hold it (the value JSON-escaped, or
 * percent-encoded), is replaced by a reference naming where the value
 * comes from; when the state is loaded the references are replaced by the
 * current values, so the plugin gets back exactly the text it saved (with
 * a rotated token, the new one).
 *
 * A reference is {{dwhost.secret:<form>:<name>}}, name being
 *   config:<path>   the config value at that dotted path ("api_key",
 *                   "auth.token"), or
 *   runtime:<n>     the n-th value (from 0) this operation registered
 *                   at run time: api->secret_add, or a credential header
 *                   the transport saw (the REST toolkit registers its
 *                   client's headers before it loads the state);
 * and form j (JSON-escaped, "/" as "\/"), J (JSON-escaped, "/" kept),
 * u (percent-encoded) or p (percent-encoded, "+" for a space).  A secret
 * that is neither (or is spelt otherwise) is masked as
 * {{dwhost.secret:masked}}: such a state is not resumed (the run starts
 * over, with a warning) rather than kept in clear.  Literal "{{dwhost."
 * text in a state is saved as "{{dwhost.lit." and given back unchanged.
 */
#ifndef DWHI_STATE_SECRETS_H
#define DWHI_STATE_SECRETS_H

#include "ctx.h"

/* Registers `value` (copied) as a secret of this operation obtained at run
 * time: added to ctx->secrets (scrubbed everywhere) and to the operation's
 * runtime list that runtime:<n> references count in.  Values under 4 bytes
 * and repeats are ignored. */
void dwhi_state_secret_runtime(dw_ctx *ctx, const char *value);

/* The state text to store for `state` (the plugin's text, borrowed): a
 * malloc'd copy with every secret replaced by a reference, which the
 * caller frees.  *masked (may be NULL) receives the number of secrets that
 * had to be masked instead (logged once as a WARN "state.secret_masked").
 * NULL on OOM. */
char *dwhi_state_secrets_hide(dw_ctx *ctx, const char *state, size_t *masked);

/* The state text a plugin gets back for `stored` (borrowed): a malloc'd
 * copy with the references replaced by the current values, which the
 * caller frees.  NULL when a reference cannot be resolved (a masked
 * secret, a config path or runtime value this operation does not have, a
 * damaged reference) with the reason in *why (malloc'd, caller frees), or
 * on OOM (*why NULL). */
char *dwhi_state_secrets_restore(dw_ctx *ctx, const char *stored, char **why);

#endif
