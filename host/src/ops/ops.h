/*
 * ops.h -- running one plugin operation (list schemas, check credentials,
 * run a schema, transform a webhook payload) with a fresh dw_ctx.  Every
 * command and the embedding API go through these, so activation, identity,
 * secrets, error mapping and cleanup happen in one place.  Every call
 * into the plugin is bracketed by a crash guard (plugin_guard.h).
 * Implemented in ops.c.
 *
 * Result rules (every operation):
 *   - DW_OK only when the plugin returned DW_OK and the host refused
 *     nothing it handed over (a bad row, a failing sink, cancellation).
 *   - Otherwise `code` is the first error recorded (api->fail or the
 *     host), or what the plugin returned when it recorded none; `message`
 *     is one scrubbed line naming what went wrong.
 *   - When the plugin's non-retryable map matched, code is
 *     DW_ERR_NON_RETRYABLE, message the friendly text and `cause` the code
 *     the plugin gave (so a CLI can still say "credentials rejected").
 *   - When the caller's cancel flag was set and the run did not finish,
 *     code is DW_ERR_CANCELLED.
 */
#ifndef DWHI_OPS_H
#define DWHI_OPS_H

#include <json-c/json.h>
#include <stdint.h>

#include "core/ctx.h"
#include "registry/registry.h"
#include "log/secrets.h"

/* Identity of an operation; every member borrowed (copied into the ctx),
 * any may be NULL (job_id NULL: a UUIDv4 is generated for runs). */
typedef struct dwhi_identity {
    const char *team_id;
    const char *source_id;
    const char *schema_id;
    const char *job_id;
} dwhi_identity;

/* How an operation runs; NULL means all defaults. */
typedef struct dwhi_op_flags {
    /* Polled by api->cancelled and before every emit; borrowed; a signal
     * handler may set it.  NULL: never cancelled. */
    const struct dwh_cancel *cancel;
    /* Lets the transport reach loopback/private addresses (tests,
     * --allow-internal). */
    int allow_internal_hosts;
} dwhi_op_flags;

/* Result of an operation.  `message` is one scrubbed line, malloc'd, NULL
 * when code == DW_OK.  `job_id` (runs only) is the job id used, malloc'd.
 * Release both with dwhi_op_result_free(). */
typedef struct dwhi_op_result {
    dw_status code;
    dw_status cause;       /* == code unless the non-retryable map matched */
    char *message;
    char *job_id;
    uint64_t rows_emitted; /* rows the sink accepted */
    uint64_t state_saves;  /* state saves the sink accepted */
    /* Checks that passed: the last INFO line the plugin logged during the
     * check (what it verified), scrubbed, malloc'd; NULL when none. */
    char *note;
    /* The operation made HTTP requests and none reached a server (name
     * not resolved, connection refused or timed out: see
     * dwhi_http_never_connected). */
    int never_connected;
    /* An action call (ops_action.h): its JSON answer, compact, scrubbed,
     * malloc'd ("null" when it set none; NULL unless code == DW_OK); and
     * crashed: the action died of a fatal signal, the call failed (message
     * is the crash line) and the process carried on. */
    char *result;
    int crashed;
    /* The same answer before scrubbing (secrets the action marked with
     * api->secret_add in clear, e.g. a webhook signing secret to store);
     * never print or log it.  Zeroed and freed by dwhi_op_result_free. */
    char *result_raw;
} dwhi_op_result;

void dwhi_op_result_free(dwhi_op_result *r);

/* Calls list_schemas.  `config` may be NULL (describe without
 * credentials; the plugin may answer DW_ERR_NEEDS_CONFIG).  On DW_OK
 * *schemas is a new JSON array (caller puts it) of schema objects as
 * documented in docs/schemas.md; otherwise *schemas is NULL.  Activates
 * the plugin first.  `p`, `config`, `secrets` (may be NULL), `id` (may be
 * NULL) are borrowed. */
dwhi_op_result dwhi_op_list_schemas(dwh_plugin *p, json_object *config, dwhi_secrets *secrets,
                                  const dwhi_identity *id, const dwhi_op_flags *flags, json_object **schemas);

/* Calls check_credentials (schema may be NULL: checking at source
 * creation).  Every HTTP request the check makes runs under the
 * transport's check retry ceiling (http_retry.h DWHI_RETRY_CHECK_*: at most
 * 2 attempts, short backoff; dwhi_http_options.check_retry changes it), so
 * an unreachable host fails in about a second.  `warnings` (may be NULL) receives a new JSON array (caller
 * puts it) of the scrubbed lines the plugin logged at WARN level or
 * above, e.g. "token lacks scope read:org; accepted without a schema",
 * whatever the result. */
dwhi_op_result dwhi_op_check(dwh_plugin *p, json_object *config, dwhi_secrets *secrets, const dwhi_identity *id,
                           const dwhi_op_flags *flags, const char *schema, json_object **warnings);

/* Calls run() for inputs->schema_name, sending rows and state to `sink`
 * (borrowed).  `inputs` is read through its struct_size into a host-sized
 * copy; its identity members are overridden by `id` where `id` sets them.
 * The watermarks, when set, must be JSON scalar text. */
dwhi_op_result dwhi_op_run(dwh_plugin *p, json_object *config, dwhi_secrets *secrets, const dwhi_identity *id,
                         const dwhi_op_flags *flags, const dw_run_inputs *inputs, dwhi_row_sink *sink);

/* Calls webhook_transform for `schema` on one pushed payload (`len`
 * bytes, borrowed), sending the rows it emits to `sink` (borrowed; its
 * state members are not used: webhooks are not resumable). */
dwhi_op_result dwhi_op_webhook(dwh_plugin *p, json_object *config, dwhi_secrets *secrets, const dwhi_identity *id,
                             const dwhi_op_flags *flags, const char *schema, const char *payload, size_t len,
                             dwhi_row_sink *sink);

/* Writes a random RFC 4122 version 4 UUID (36 chars + NUL) into out. */
void dwhi_uuid4(char out[37]);

#endif
