/*
 * ctx.h -- the operation context behind the SDK's opaque dw_ctx, and the
 * sinks that decide where emitted schemas, rows and state go.
 *
 * Every plugin call (list_schemas, check_credentials, run,
 * webhook_transform) gets one dw_ctx.  The function table (api_table.c)
 * turns plugin calls into sink calls; the command that started the
 * operation (describe, read, sync, conformance...) supplies the sinks.
 * Internal to libdwhost; not installed.
 */
#ifndef DWH_CTX_H
#define DWH_CTX_H

#include <json-c/json.h>
#include <stdint.h>

#include "dwsdk.h"

struct dwh_plugin;
struct dwh_secrets;
struct dwh_http_session;

/* Where rows and state go.  Each callback returns DW_OK or an error that
 * stops the plugin (the sink records the reason in ctx via dwh_ctx_fail).
 * `row` is a JSON object owned by the caller; a sink that keeps it takes a
 * reference with json_object_get(). */
typedef struct dwh_row_sink {
    void *ud;
    dw_status (*row)(void *ud, dw_ctx *ctx, json_object *row);
    /* `state_json` borrowed; NULL sink member: state saves are accepted and
     * dropped (read without state). */
    dw_status (*state_save)(void *ud, dw_ctx *ctx, const char *state_json);
    /* Saved state for this run, NULL when none; owned by the sink. */
    const char *(*state_load)(void *ud, dw_ctx *ctx);
} dwh_row_sink;

/* Where list_schemas() output goes: a JSON array the ctx owns. */

struct dw_ctx {
    const struct dwh_plugin *plugin;
    const dw_host_api *api;

    /* Identity, printed in every log line.  Borrowed from the caller. */
    const char *team_id;
    const char *source_id;
    const char *schema_id;
    const char *schema_name;
    const char *job_id;

    /* The validated config (owned by the caller) and its text (lazily
     * serialised, owned by ctx). */
    json_object *config;
    char *config_text;

    /* Secret values to scrub from every message (owned by the caller;
     * secret_add() appends to it). */
    struct dwh_secrets *secrets;

    /* Outputs. */
    dwh_row_sink *sink;           /* NULL: emitting rows is an error */
    json_object *schemas;         /* array; schema_add() appends; owned by ctx */

    /* Transport for this operation (1.2); NULL until first used. */
    struct dwh_http_session *http;
    int allow_internal_hosts;     /* SSRF guard off (tests, --allow-internal) */

    /* The first error recorded by fail() or the host, owned by ctx. */
    dw_status error_code;
    char *error;

    volatile int cancel;          /* set from a signal handler */
    uint64_t rows_emitted;

    /* Scratch strings handed to the plugin with "valid until the operation
     * returns" lifetime (config_string results and the like). */
    json_object *scratch;
};

/* Initialises ctx for one operation of `plugin`.  Borrowed pointers must
 * outlive dwh_ctx_cleanup().  */
void dwh_ctx_init(dw_ctx *ctx, const struct dwh_plugin *plugin, json_object *config,
                  struct dwh_secrets *secrets);
/* Frees what ctx owns (config_text, schemas, error, scratch, http). */
void dwh_ctx_cleanup(dw_ctx *ctx);

/* Records the first error (later ones are logged, not kept) and returns
 * code.  The message is scrubbed of secrets and, when the plugin's
 * non-retryable map matches, replaced by its friendly message with code
 * DW_ERR_NON_RETRYABLE. */
dw_status dwh_ctx_fail(dw_ctx *ctx, dw_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The function table handed to plugins (static, host lifetime). */
const dw_host_api *dwh_api_table(void);

#endif
