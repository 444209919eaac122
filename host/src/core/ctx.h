/*
 * ctx.h -- the operation context behind the SDK's opaque dw_ctx, and the
 * sinks that decide where emitted schemas, rows and state go.
 *
 * Every plugin call (list_schemas, check_credentials, run,
 * webhook_transform) gets one dw_ctx.  The function table (plugin_api_table.c)
 * turns plugin calls into sink calls; the command that started the
 * operation (describe, read, sync, conformance...) supplies the sinks.
 * Most callers never touch a ctx directly: ops.h creates and tears one down
 * around each plugin call.  Internal to libdwhost; not installed.
 */
#ifndef DWHI_CTX_H
#define DWHI_CTX_H

#include <json-c/json.h>
#include <stdarg.h>
#include <stdint.h>

#include "dwsdk.h"
#include "base/source_names.h" /* dwhi_status_name */
#include "base/json_strict.h" /* DWHI_JSON_MAX_DEPTH */

struct dwh_plugin;
struct dwhi_secrets;
struct dwhi_http_session;
struct dwhi_http_options;

struct dwhi_rowref;
struct dwhi_keydict;

/* Where rows and state go.  Each callback returns DW_OK or an error that
 * stops the plugin; a failing callback records its reason with
 * dwhi_ctx_fail_host() (otherwise the host records a generic one).
 * `row` is a JSON object owned by the caller; a sink that keeps it takes a
 * reference with json_object_get(). */
typedef struct dwhi_row_sink {
    void *ud;
    dw_status (*row)(void *ud, dw_ctx *ctx, json_object *row);
    /* `state_json` borrowed, already checked to be a JSON object no larger
     * than DWHI_STATE_MAX_BYTES.  It is called only when every row emitted
     * before it was accepted.  NULL member: saves are accepted and dropped
     * (a read without --state-out). */
    dw_status (*state_save)(void *ud, dw_ctx *ctx, const char *state_json);
    /* Saved state for this run, NULL when none; owned by the sink until the
     * operation ends.  NULL member: there is never a saved state. */
    const char *(*state_load)(void *ud, dw_ctx *ctx);
    /* Optional: a row the streaming parse wrote as cells (rowref.h),
     * borrowed for the call.  NULL member: such rows reach `row` as json-c
     * objects (built for the call). */
    dw_status (*row_cells)(void *ud, dw_ctx *ctx, const struct dwhi_rowref *row);
    /* Optional (borrowed): the key dictionary cell rows are named in, so
     * the sink's own buffer takes their key ids as they are.  NULL: the
     * operation keeps its own. */
    struct dwhi_keydict *keys;
    /* Non-zero: cell rows carry their compact JSON text (rowref.h
     * cells->json), for JSON-lines output. */
    int want_text;
} dwhi_row_sink;

/* Limits that keep a misbehaving plugin from exhausting the host. */
#define DWHI_STATE_MAX_BYTES (64u * 1024u)       /* a resume cursor, not data */
#define DWHI_LOG_MAX_BYTES (8u * 1024u)          /* one log line from a plugin */
#define DWHI_ERROR_MAX_BYTES (2u * 1024u)        /* one error message */

struct dw_ctx {
    const struct dwh_plugin *plugin; /* NULL only in unit tests */

    /* Identity, printed in every log line.  Owned by ctx (copies). */
    char *team_id;
    char *source_id;
    char *schema_id;
    char *schema_name;
    char *job_id;

    /* The validated config: a deep copy owned by ctx (NULL: no config),
     * and its text (lazily serialised, owned by ctx). */
    json_object *config;
    char *config_text;

    /* Secret values to scrub from every message.  Borrowed from the caller
     * unless owns_secrets (then freed by cleanup); secret_add() appends. */
    struct dwhi_secrets *secrets;
    int owns_secrets;

    /* Outputs. */
    dwhi_row_sink *sink;   /* borrowed; NULL: emitting rows is an error */
    json_object *schemas; /* array; schema_add() appends; owned by ctx */
    json_object *warnings;/* array of scrubbed WARN+ plugin log lines; owned by ctx */

    /* The run being performed (NULL outside run()); host-sized copy whose
     * strings point into ctx-owned memory.  Set by ops.c. */
    const dw_run_inputs *inputs;

    /* Transport for this operation (1.2); NULL until first used.  Whoever
     * creates it sets http_free so cleanup releases it without this file
     * depending on the transport module. */
    struct dwhi_http_session *http;
    void (*http_free)(struct dwhi_http_session *http);
    int allow_internal_hosts; /* SSRF guard off (tests, --allow-internal) */
    /* A credential check (set by dwhi_op_check): the transport caps its
     * retries (dwhi_http_options.check_retry) so a dead host fails fast. */
    int checking;
    /* During a check: the last INFO line the plugin logged (what it
     * verified, "the folder /srv/x is readable"), scrubbed; owned by ctx. */
    char *check_note;

    /* The first error recorded, owned by ctx.  error_host: recorded by the
     * host (a refused emit, a sink failure, cancellation): such an error
     * fails the operation even if the plugin then returns DW_OK, and a
     * later fail() from the plugin prefixes its context to the message.
     * error_cause: the code the plugin or host gave when error_code was
     * rewritten to DW_ERR_NON_RETRYABLE by the plugin's error map. */
    dw_status error_code;
    dw_status error_cause;
    char *error;
    int error_host;
    int error_context_added;

    /* Where this operation's log lines go: the destination the creating
     * thread was scoped to (log_line.h), so threads the operation starts
     * log to the same place.  Borrowed; NULL: the process destination. */
    struct dwhi_log_dest *log_dest;
    /* The transport settings this operation's sessions start from (the
     * dwh_host's, dwhi_ctx_scope_http), borrowed; NULL: the process
     * defaults (transport/http_session.h). */
    const struct dwhi_http_options *http_defaults;

    /* Polled by api->cancelled; borrowed (NULL: never cancelled).  A
     * signal handler may set it. */
    const struct dwh_cancel *cancel;
    /* One JSON tokener for every strict parse of this operation (pages,
     * state saves, api->json_parse): creating one per parse cost ~5% of a
     * sync (its calloc consolidates the heap the last page freed).
     * Created on first use, owned by ctx. */
    json_tokener *tok;
    /* The streaming parse of rows (emit_json, REST pages): its key
     * dictionary, page store and parsers, made by emit.c on first use and
     * released by cleanup through pages_free. */
    struct dwhi_emit_pages *pages;
    void (*pages_free)(struct dwhi_emit_pages *pages);
    /* Secrets this operation registered at run time, in order (api->
     * secret_add, credential headers): what a "runtime:<n>" reference in
     * resume state names (state_secrets.h).  Owned by ctx. */
    char **runtime_secrets;
    size_t n_runtime_secrets;
    /* The saved state with its secret references resolved, once it could
     * be (state_secrets.h); owned by ctx.  state_warned: the WARN for a
     * state that could not be was logged. */
    char *state_restored;
    int state_warned;
    uint64_t rows_emitted;
    uint64_t state_saves;
    /* An action call (dwhi_op_action, 1.8): in_action lets
     * api->action_result answer; action_result is the last JSON answer
     * it set (strict JSON, compact), owned by ctx; NULL: none (null). */
    int in_action;
    char *action_result;
};

/* Scopes the calling thread's new operations to transport settings `o`
 * (borrowed; must outlive them; NULL: the process defaults): dwhi_ctx_init
 * copies the pointer into ctx->http_defaults.  Returns the previous scope,
 * to restore when the embedding-API call ends. */
const struct dwhi_http_options *dwhi_ctx_scope_http(const struct dwhi_http_options *o);

/* Initialises ctx for one operation of `plugin` (may be NULL in unit tests).
 * `config` (may be NULL) is deep-copied.  `secrets` is borrowed; when NULL
 * ctx creates and owns an empty set so secret_add() always has a home.
 * Returns DW_OK or DW_ERR_NOMEM.  Always pair with dwhi_ctx_cleanup(). */
dw_status dwhi_ctx_init(dw_ctx *ctx, const struct dwh_plugin *plugin, json_object *config,
                       struct dwhi_secrets *secrets);
/* Frees what ctx owns (identity, config copy, schemas, warnings, error,
 * http, the tokener, an owned secret set).  Safe on a zeroed ctx. */
void dwhi_ctx_cleanup(dw_ctx *ctx);

/* Replaces the identity printed in log lines; every argument is copied
 * (NULL: unset).  Returns DW_OK or DW_ERR_NOMEM. */
dw_status dwhi_ctx_set_identity(dw_ctx *ctx, const char *team_id, const char *source_id,
                          const char *schema_id, const char *schema_name, const char *job_id);

/* Records the first error (later ones are logged, not kept) and returns
 * code.  The message is scrubbed of secrets, made one line and bounded;
 * when the plugin's non-retryable map matches it (case-insensitive
 * substring), the friendly message replaces it and the code becomes
 * DW_ERR_NON_RETRYABLE (error_cause keeps the original code).  This is
 * what api->fail() calls. */
dw_status dwhi_ctx_fail(dw_ctx *ctx, dw_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
dw_status dwhi_ctx_failv(dw_ctx *ctx, dw_status code, const char *fmt, va_list ap);
/* The same for failures the host detects (refused emits, sinks, cancel):
 * the error is sticky (see error_host).  Sinks use this. */
dw_status dwhi_ctx_fail_host(dw_ctx *ctx, dw_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records a permanent failure whose message is already the user-facing
 * one (a REST response action's FAIL): the code becomes
 * DW_ERR_NON_RETRYABLE, error_cause is `cause` (what the exit code follows)
 * and the non-retryable map is not applied.  Otherwise as dwhi_ctx_fail;
 * returns `cause`. */
dw_status dwhi_ctx_fail_permanent(dw_ctx *ctx, dw_status cause, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Non-zero when the caller's cancel flag is set.  Every call counts as a
 * sign of life of the operation (dwhi_ctx_activity). */
int dwhi_ctx_cancelled(const dw_ctx *ctx);

/* How many times any operation of this process polled its cancel flag.
 * Plugins poll it through the host whenever they make progress: every
 * emit, every HTTP transfer (curl's progress callback, about once a second
 * even while a transfer waits), api->cancelled and the REST toolkit's
 * pages.  A value that stops changing while a plugin runs means it calls
 * nothing of the host: `dwhost serve-worker` beats on it
 * (host/serve/serve_worker.c).  Thread-safe; relaxed order. */
unsigned long dwhi_ctx_activity(void);
/* Counts one sign of life without a ctx: the transport's waits (a
 * Retry-After the host sits out for the plugin) call it as they sleep. */
void dwhi_ctx_alive(void);

/* Appends a scrubbed warning line to ctx->warnings (what dwhi_op_check
 * reports).  `msg` borrowed. */
void dwhi_ctx_add_warning(dw_ctx *ctx, const char *msg);
/* Replaces ctx->check_note with a scrubbed copy of `msg` (borrowed). */
void dwhi_ctx_set_check_note(dw_ctx *ctx, const char *msg);


#endif
