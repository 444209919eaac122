/*
 * dwsdk.h -- the dwhost plugin SDK.  The one header a source connector
 * (`libsource_<name>.so`) compiles against.
 *
 * A plugin links nothing of the host.  It exports exactly one symbol,
 * `dwhost_source` (DW_ENTRY_SYMBOL), a constant `dw_source` descriptor.
 * The descriptor is plain data: the host reads its metadata and config form
 * without running any plugin code.  When the host first *uses* a plugin it
 * calls `init`, handing it a versioned function table (`dw_host_api`) through
 * which the plugin logs, reads its config, emits schemas and rows, saves
 * resume state and makes HTTP requests.  This is the pattern of SQLite's
 * `sqlite3_api_routines`.
 *
 * ABI rules (read before changing this file):
 *   - DW_ABI_MAJOR changes only when an existing member moves or changes
 *     meaning.  A host refuses plugins of another major.
 *   - DW_ABI_MINOR grows when members are appended.  Structs only grow at the
 *     end.  A host loads plugins built with an older or equal minor; a plugin
 *     built with a newer minor than the host is refused.
 *   - Every growable struct starts with `struct_size` (set it with
 *     sizeof()).  The host reads only the members that fit in struct_size and
 *     treats the rest as zero.  Arrays of fields and select options are read
 *     with the element sizes recorded in the descriptor header.
 *   - Members of the function table are appended only; each is annotated with
 *     the minor version that introduced it.  A plugin that wants a newer
 *     member checks `api->abi_minor` (or DW_API_HAS()).
 *   - No type of any dependency crosses this header.  Rows cross as UTF-8
 *     JSON text, through the row builder, or as dw_json handles.
 *
 * Ownership, in one rule: every pointer a plugin hands the host is borrowed
 * for the duration of the call only (the host copies what it keeps); every
 * pointer the host hands a plugin is owned by the host and valid until the
 * call or handle named in its comment ends, unless the comment says the
 * plugin must release it with the named function.
 *
 * The process is the host's: never end it (exit, _exit, _Exit,
 * quick_exit) -- return an error through api->fail so the host reports it
 * and keeps committed work -- and never write to stdout, where `dwhost
 * read` prints rows; log with api->log.  tools/plugin-audit flags both.  A
 * crash inside a plugin call (SIGSEGV, a failed assert...) is contained:
 * the host prints one line naming the plugin and the operation and exits
 * (docs/concepts/plugins.md#when-a-plugin-crashes).
 *
 * Version history:
 *   1.0  descriptor, field tree, schemas, logging, config accessors, rows.
 *   1.1  resumable state, incremental watermark inputs.
 *   1.2  tracked HTTP transport, JSON helpers, REST toolkit.
 *   1.3  plugin_data(): what init() stored, from any operation.
 *   1.4  has_duplicate_primary_keys appended to dw_schema and dw_endpoint:
 *        a stream may deliver a key again in one run; the host keeps the
 *        last row per key instead of failing the sync.
 *   1.5  REST toolkit: DW_PAGINATE_AUTO (the paginator is detected from
 *        the first response of each listing); response_actions appended
 *        to dw_endpoint (ignore or fail on a status).
 *   1.6  Credentials stay on their origin: a next page, resumed page or
 *        redirect on another origin is refused (DW_ERR_SSRF) unless listed
 *        in trusted_origins (appended to dw_rest_client and
 *        dw_http_request), and no credential is sent there.
 *        dw_rest_client.resume_scope (a saved state of another scope is
 *        not resumed); dw_endpoint.row_hook (drop or add columns to each
 *        row) and incremental_until_params (inclusive upper bounds of the
 *        descending "older" phase, e.g. GitHub's `until`).
 *   1.7  emit_page(): a whole page of rows handed over in one call (the
 *        body text and a JSON Pointer to the rows), parsed straight into
 *        the host's row format as the REST toolkit's pages are.
 *   1.8  Actions: a descriptor may declare functions the host calls by
 *        name with typed arguments (dw_action; `dwhost call`, dwh_call),
 *        each answering JSON through api->action_result; a field may name
 *        the action that lists its choices (dw_field.options_action);
 *        log_text() and fail_text(): log and fail without varargs.
 *   1.9  Signed webhooks: dw_source.webhook_signature names how the
 *        provider signs its requests (dw_webhook_signature: Stripe's
 *        Stripe-Signature, GitHub's X-Hub-Signature-256) and
 *        dw_source.webhook_secret_field the secret config field holding
 *        the signing secret; the host verifies before storing.
 */
#ifndef DWSDK_H
#define DWSDK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DW_MAGIC 0x31485744u /* "DWH1" in little-endian memory order */
#define DW_ABI_MAJOR 1
#define DW_ABI_MINOR 9
#define DW_ENTRY_SYMBOL "dwhost_source"

/*
 * Targeting an older ABI (as DuckDB's DUCKDB_EXTENSION_API_VERSION_MINOR):
 *
 *     #define DW_TARGET_ABI_MINOR 5     (before the first #include <dwsdk.h>,
 *     #include <dwsdk.h>                 or -DDW_TARGET_ABI_MINOR=5)
 *
 * builds a plugin for hosts of 1.5 and newer with this header.  The
 * descriptor declares abi_minor 5 (DW_SOURCE_HEADER, dw_source_header()),
 * and every struct member, function-table member, enum value and macro
 * introduced after 1.5 is hidden: every struct has its 1.5 layout
 * (struct_size, field_size say so) and code that uses a newer member does
 * not compile.  A host of 1.5 or later loads the plugin as a 1.5 plugin.
 * DW_PLUGIN_ABI_MINOR is the minor the plugin is built for (the target, or
 * DW_ABI_MINOR when none is set).  The frozen headers of tests/abi are no
 * longer needed to build for an older host.
 *
 * Each member newer than 1.0 sits inside `#if DW_ABI_SINCE(m)` ... `#endif`
 * (m: the minor that introduced it); a new member gets its own.
 */
#ifdef DW_TARGET_ABI_MINOR
#if DW_TARGET_ABI_MINOR < 0 || DW_TARGET_ABI_MINOR > DW_ABI_MINOR
#error "DW_TARGET_ABI_MINOR: target 0 to DW_ABI_MINOR (this header's minor); a newer minor needs a newer dwsdk.h"
#endif
#define DW_PLUGIN_ABI_MINOR DW_TARGET_ABI_MINOR
#else
#define DW_PLUGIN_ABI_MINOR DW_ABI_MINOR
#endif
/* True when members introduced in 1.m are visible to this plugin. */
#define DW_ABI_SINCE(m) (DW_PLUGIN_ABI_MINOR >= (m))

#if defined(__GNUC__)
#define DW_EXPORT __attribute__((visibility("default")))
#define DW_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define DW_EXPORT
#define DW_PRINTF(fmt, args)
#endif

/* ------------------------------------------------------------------------ */
/* Status codes: the one error type of the SDK.                             */
/* ------------------------------------------------------------------------ */
/*
 * What the dwhost CLI exits with when an operation ends with a status (pick
 * the status by what the user must do next; host/cli/cli_exit.c is the
 * code, tests/abi checks this table against it):
 *
 *   status                                        exit  meaning for the user
 *   DW_OK                                            0  done
 *   DW_ERR_AUTH, DW_ERR_FORBIDDEN,                   5  fix the credentials or
 *     DW_ERR_NON_RETRYABLE                                their permissions
 *   DW_ERR_UNREACHABLE, DW_ERR_TIMEOUT, DW_ERR_SSRF  6  the source cannot be reached
 *                                                      (or a URL it handed out was
 *                                                      refused: internal address,
 *                                                      another origin)
 *   DW_ERR_CONFIG, DW_ERR_NEEDS_CONFIG               4  fix the config
 *   DW_ERR_UNSUPPORTED                               3  the plugin cannot do this
 *   DW_ERR_CANCELLED                                 9  stopped; rerun to resume
 *   DW_ERR_STATE                                     7  resume state unusable (--reset)
 *   DW_ERR_SINK                                      8  the warehouse could not be written
 *   DW_ERR, DW_ERR_NOT_FOUND, DW_ERR_RATE_LIMITED,   1  the operation failed (the
 *     DW_ERR_NOMEM, DW_ERR_BAD_DATA, DW_ERR_HTTP          message says why)
 *
 * When the plugin's non-retryable map matches an error, the host reports
 * DW_ERR_NON_RETRYABLE with the friendly message, and the exit code follows
 * the status the plugin (or the transport) gave: DW_ERR_AUTH -> 5,
 * DW_ERR_HTTP -> 1, and so on.
 */
typedef enum dw_status {
    DW_OK = 0,
    DW_ERR = 1,              /* generic failure; see the message */
    DW_ERR_CONFIG = 2,       /* the config is unusable */
    DW_ERR_AUTH = 3,         /* credentials rejected (HTTP 401) */
    DW_ERR_FORBIDDEN = 4,    /* credentials valid but lack a permission (HTTP 403) */
    DW_ERR_UNREACHABLE = 5,  /* the remote could not be reached */
    DW_ERR_NOT_FOUND = 6,    /* a named thing (schema, file, resource) does not exist */
    DW_ERR_RATE_LIMITED = 7, /* retries exhausted on rate limiting */
    DW_ERR_NON_RETRYABLE = 8,/* matched the plugin's non-retryable error map */
    DW_ERR_CANCELLED = 9,    /* the host asked the plugin to stop */
    DW_ERR_STATE = 10,       /* resume state could not be loaded or saved */
    DW_ERR_UNSUPPORTED = 11, /* the operation is not supported by this plugin */
    DW_ERR_NOMEM = 12,       /* an allocation failed (in the plugin or the host) */
    DW_ERR_BAD_DATA = 13,    /* the remote sent something we cannot parse */
    DW_ERR_NEEDS_CONFIG = 14,/* list_schemas cannot answer without a config */
    DW_ERR_SSRF = 15,        /* the host's network guard refused the URL: an internal
                                address while internal hosts are not allowed, a cloud
                                metadata address (always), or (1.6) a next page,
                                resumed page or redirect on another origin than the
                                one the credentials belong to */
    DW_ERR_HTTP = 16,        /* an HTTP status >= 400 that is none of the above */
    DW_ERR_TIMEOUT = 17,     /* the remote did not answer in time (after the retries) */
    DW_ERR_SINK = 18         /* the host could not store what was emitted (disk full, ...) */
} dw_status;

typedef enum dw_log_level {
    DW_LOG_DEBUG = 10,
    DW_LOG_INFO = 20,
    DW_LOG_WARN = 30,
    DW_LOG_ERROR = 40
} dw_log_level;

/* ------------------------------------------------------------------------ */
/* Opaque host handles.                                                     */
/* ------------------------------------------------------------------------ */
typedef struct dw_ctx dw_ctx;                /* one operation on one source */
/* A ctx belongs to one operation: calls that take the same ctx must not run
 * on two threads at once (distinct ctxs may). */
typedef struct dw_row dw_row;                /* a row being built */
typedef struct dw_json dw_json;              /* a parsed JSON value (1.2) */
typedef struct dw_http_response dw_http_response; /* (1.2) */

/* ------------------------------------------------------------------------ */
/* Source metadata enums.                                                   */
/* ------------------------------------------------------------------------ */
typedef enum dw_release_status {
    DW_RELEASE_GA = 0, /* unset means generally available, as in the reference */
    DW_RELEASE_ALPHA = 1,
    DW_RELEASE_BETA = 2
} dw_release_status;

typedef enum dw_comm_method {
    DW_COMM_HTTP = 0,
    DW_COMM_VENDOR_SDK = 1,
    DW_COMM_GRPC = 2,
    DW_COMM_DB_PROTOCOL = 3,
    DW_COMM_WEBHOOK = 4,
    DW_COMM_LOCAL_FILES = 5
} dw_comm_method;

/* Capability flags (dw_source.capabilities). */
#define DW_CAP_RESUMABLE 0x1u /* saves resume state; see state_* (1.1) */
#define DW_CAP_WEBHOOK 0x2u   /* can receive pushed events */
#define DW_CAP_OAUTH 0x4u     /* authenticates through an OAuth integration */

/* ------------------------------------------------------------------------ */
/* The config form: a tree of fields (the reference's FieldType union).    */
/* ------------------------------------------------------------------------ */
typedef enum dw_field_kind {
    DW_FIELD_INPUT = 1,
    DW_FIELD_SWITCH_GROUP = 2,
    DW_FIELD_SELECT = 3,
    DW_FIELD_OAUTH = 4,
    DW_FIELD_OAUTH_ACCOUNT = 5,
    DW_FIELD_FILE_UPLOAD = 6,
    DW_FIELD_SSH_TUNNEL = 7
} dw_field_kind;

typedef enum dw_input_type {
    DW_INPUT_TEXT = 1,
    DW_INPUT_EMAIL = 2,
    DW_INPUT_SEARCH = 3,
    DW_INPUT_URL = 4,
    DW_INPUT_PASSWORD = 5, /* always secret */
    DW_INPUT_TIME = 6,
    DW_INPUT_NUMBER = 7,
    DW_INPUT_TEXTAREA = 8
} dw_input_type;

typedef enum dw_converter {
    DW_CONVERT_NONE = 0,
    DW_CONVERT_STR_TO_INT = 1,
    DW_CONVERT_STR_TO_BOOL = 2,
    DW_CONVERT_STR_TO_OPTIONAL_INT = 3
} dw_converter;

typedef struct dw_field dw_field;

/* One option of a select.  `fields` are shown (and validated) only when
 * this option is chosen: use them for alternative auth methods. */
typedef struct dw_select_option {
    const char *label;
    const char *value;
    const dw_field *fields;
    uint32_t n_fields;
} dw_select_option;

/*
 * One field of the form.  A flat struct: each kind reads the members listed
 * for it and ignores the rest.  `name` is the JSON key in the user's config.
 *
 *   all kinds:        kind, name, label, caption (markdown), required
 *   INPUT:            input_type, placeholder, secret (PASSWORD is always
 *                     secret), default_value
 *   SWITCH_GROUP:     default_on, fields/n_fields (shown when on)
 *   SELECT:           options/n_options, default_value, multiple, converter
 *   OAUTH:            oauth_kind, required_scopes (space separated)
 *   OAUTH_ACCOUNT:    integration_field, integration_kind, multiple
 *   FILE_UPLOAD:      file_format (".json"), file_keys (NULL-terminated list
 *                     of allowed keys; {"*", NULL} allows any)
 *   SSH_TUNNEL:       nothing else: expands to enabled, host, port, username,
 *                     auth_type{password | keypair}, password, private_key,
 *                     passphrase.
 */
struct dw_field {
    uint32_t kind; /* dw_field_kind */
    const char *name;
    const char *label;
    const char *caption;
    int32_t required;
    uint32_t input_type; /* dw_input_type */
    const char *placeholder;
    int32_t secret;
    const char *default_value;
    int32_t default_on;
    const dw_field *fields;
    uint32_t n_fields;
    const dw_select_option *options;
    uint32_t n_options;
    int32_t multiple;
    uint32_t converter; /* dw_converter */
    const char *oauth_kind;
    const char *required_scopes;
    const char *integration_field;
    const char *integration_kind;
    const char *file_format;
    const char *const *file_keys;
#if DW_ABI_SINCE(8)
    /* 1.8: the name of an action (dw_source.actions) that lists this
     * field's choices given the rest of the config, e.g. the repositories
     * a token can read; `dwhost describe --options FIELD` shows them.
     * Every argument of that action must have a default, and it answers
     * a JSON array of {"value": "...", "label": "..."} objects (other
     * members allowed).  INPUT and SELECT fields only.  NULL: none. */
    const char *options_action;
#endif
};

/* Maps a substring of a raw error (matched case-insensitively) to the
 * friendly message shown to the user; a match stops retries at once.
 * Frozen: never grows. */
typedef struct dw_error_mapping {
    const char *substring;
    const char *message;
} dw_error_mapping;

/* How a provider signs the webhook requests it sends (1.9,
 * dw_source.webhook_signature).  The host checks the signature with the
 * signing secret from the config field dw_source.webhook_secret_field
 * before it stores a payload (docs/concepts/webhooks.md "Signatures"). */
typedef enum dw_webhook_signature {
    DW_WEBHOOK_SIG_NONE = 0,          /* not declared: the host cannot verify */
    DW_WEBHOOK_SIG_STRIPE = 1,        /* Stripe-Signature: t=TIMESTAMP,v1=HEX[,v1=HEX...]: HMAC-SHA256 of
                                       * "TIMESTAMP.PAYLOAD", TIMESTAMP within 300 s of now */
    DW_WEBHOOK_SIG_GITHUB_SHA256 = 2  /* X-Hub-Signature-256: sha256=HEX: HMAC-SHA256 of the payload */
} dw_webhook_signature;

/* Webhook resource map entry: schema name -> provider event type.
 * Frozen: never grows. */
typedef struct dw_webhook_resource {
    const char *schema;
    const char *event_type;
} dw_webhook_resource;

/* ------------------------------------------------------------------------ */
/* Schemas (what a source can sync).                                        */
/* ------------------------------------------------------------------------ */
typedef enum dw_value_type {
    DW_TYPE_INTEGER = 1,
    DW_TYPE_NUMERIC = 2,
    DW_TYPE_DATETIME = 3,
    DW_TYPE_DATE = 4,
    DW_TYPE_TIMESTAMP = 5 /* integer seconds since the epoch */
} dw_value_type;

typedef enum dw_sort_mode { DW_SORT_ASC = 0, DW_SORT_DESC = 1 } dw_sort_mode;

typedef enum dw_partition_mode {
    DW_PARTITION_NONE = 0,
    DW_PARTITION_MD5 = 1,       /* md5(joined key values) % partition_count */
    DW_PARTITION_NUMERICAL = 2, /* key / partition_size */
    DW_PARTITION_DATETIME = 3   /* bucket by partition_format */
} dw_partition_mode;

typedef enum dw_partition_format {
    DW_PARTITION_BY_MONTH = 0,
    DW_PARTITION_BY_WEEK = 1,
    DW_PARTITION_BY_DAY = 2,
    DW_PARTITION_BY_HOUR = 3
} dw_partition_format;

/* One incremental field a schema advertises.  Frozen: never grows. */
typedef struct dw_incremental_field {
    const char *label;
    const char *field;
    uint32_t type; /* dw_value_type */
} dw_incremental_field;

/* A schema, handed to api->schema_add() from list_schemas().  The host
 * copies everything; the plugin may free or reuse it after the call. */
typedef struct dw_schema {
    uint32_t struct_size; /* sizeof(dw_schema) */
    const char *name;
    const char *label;
    const char *description;
    int32_t supports_incremental;
    int32_t supports_append;
    int32_t supports_webhooks;
    int32_t webhook_only;
    int32_t should_sync_default;
    const dw_incremental_field *incremental_fields;
    uint32_t n_incremental_fields;
    const char *const *primary_keys;   /* NULL-terminated; composite allowed */
    uint32_t sort_mode;                /* dw_sort_mode */
    uint32_t partition_mode;           /* dw_partition_mode */
    uint32_t partition_count;          /* MD5 */
    int64_t partition_size;            /* NUMERICAL */
    uint32_t partition_format;         /* DATETIME */
    const char *const *partition_keys; /* NULL: primary keys */
    int64_t row_count;                 /* < 0: unknown */
    int64_t default_incremental_lookback_seconds;
#if DW_ABI_SINCE(4)
    /* 1.4: non-zero when the stream may deliver the same primary key more
     * than once in one run (e.g. page-number pagination ordered by a field
     * that changes while the run pages: a row updated mid-run shows up
     * again on a later page).  The host then keeps the LAST row it got for
     * a key (merge and full refresh) instead of failing the sync; append
     * keeps every row anyway.  0: keys are unique per run and a repeat
     * fails an incremental sync.  The reference's SourceResponse
     * has_duplicate_primary_keys. */
    int32_t has_duplicate_primary_keys;
#endif
} dw_schema;

/* What the host hands run(): which schema, whose job, and the watermark.
 * The struct and every string in it are owned by the host and valid until
 * run() returns: copy what must outlive the call.  Strings other than
 * schema_name may be NULL (not known to the host: a local `dwhost read`). */
typedef struct dw_run_inputs {
    uint32_t struct_size;
    const char *schema_name;       /* never NULL */
    const char *schema_id;         /* the host's id of the schema */
    const char *source_id;         /* the host's id of the configured source */
    const char *team_id;           /* the owner of the source */
    const char *job_id;            /* this run; a UUID the host generated when none was given */
    int32_t reset_pipeline;        /* ignore any saved state */
    int32_t use_incremental;       /* should_use_incremental_field */
    const char *incremental_field; /* the user's choice; never pick another; NULL when
                                      use_incremental is 0 or the host has none */
    uint32_t incremental_field_type; /* dw_value_type; 0: unknown (use the schema's) */
    /* Watermarks as JSON scalar text (a number, or a quoted ISO-8601 string
     * for dates), NULL on the first run.  Owned by the host for the call. */
    const char *incremental_last_value;
    const char *incremental_earliest_value;
} dw_run_inputs;

/* ------------------------------------------------------------------------ */
/* 1.2: HTTP transport and REST toolkit descriptions.                       */
/* ------------------------------------------------------------------------ */

/* Retry policy; zero members take the host's defaults (5 attempts, base
 * 1 s, cap 60 s, Retry-After honoured up to 300 s).  During
 * check_credentials the host caps every policy at 2 attempts, 250 ms base,
 * 1 s cap and Retry-After up to 5 s, so a dead host fails a check fast. */
typedef struct dw_retry_policy {
    uint32_t struct_size;
    uint32_t max_attempts;
    uint32_t base_delay_ms;
    uint32_t max_delay_ms;
    uint32_t max_retry_after_s;
} dw_retry_policy;

typedef struct dw_http_request {
    uint32_t struct_size;
    const char *method;       /* NULL: GET */
    const char *url;          /* absolute */
    const char *url_template; /* e.g. "/repos/{owner}/{repo}/issues"; logged */
    const char *const *headers; /* "Name: value", NULL-terminated */
    const char *body;
    size_t body_len;
    uint32_t timeout_ms;      /* 0: host default */
    const dw_retry_policy *retry; /* NULL: the plugin's or host's default */
#if DW_ABI_SINCE(6)
    /* 1.6: origins other than url's that a redirect of this request may lead
     * to, as "scheme://host[:port]" ("https://cdn.example.com"; the default
     * port may be left out), NULL-terminated; borrowed for the call.  No
     * credential (Authorization, Cookie, Proxy-Authorization, or a header
     * whose name says token, key, secret, auth, session...) is sent there.
     * A redirect to an origin that is neither url's nor listed is refused
     * with DW_ERR_SSRF naming both origins.  NULL: none. */
    const char *const *trusted_origins;
#endif
} dw_http_request;

typedef enum dw_paginator_kind {
    DW_PAGINATE_SINGLE = 0,      /* one request */
    DW_PAGINATE_LINK_HEADER = 1, /* Link: <...>; rel="next" */
    DW_PAGINATE_JSON_NEXT_URL = 2, /* a full URL at next_url_path */
    DW_PAGINATE_CURSOR = 3,      /* cursor_param=<value>; value from the body or last row */
    DW_PAGINATE_OFFSET = 4,      /* offset_param/limit_param */
    DW_PAGINATE_PAGE_NUMBER = 5, /* page_param=1,2,... */
#if DW_ABI_SINCE(5)
    /* 1.5: decided from the first response of each listing, then fixed for
     * that listing (and recorded in its resume state), in this order:
     *   a Link header with rel="next"                -> LINK_HEADER;
     *   a string URL (http(s)://, or a path starting with "/") at
     *     next_url_path when set, else at the first of next, links.next,
     *     _links.next.href, pagination.next, next_page_url, meta.next,
     *     paging.next that holds one                  -> JSON_NEXT_URL;
     *   a non-empty string or an integer at cursor_path when set, else at
     *     the first of next_cursor, cursor.next, meta.next_cursor,
     *     pagination.next_cursor, response_metadata.next_cursor,
     *     paging.cursors.after that holds one         -> CURSOR, sent as
     *     cursor_param (default "cursor"; has_more_path applies if set);
     *   otherwise                                     -> SINGLE.
     * The choice is logged (INFO "rest.paginator_detected").  A host older
     * than 1.5 refuses a plugin built with it (ABI minor). */
    DW_PAGINATE_AUTO = 6
#endif
} dw_paginator_kind;

typedef struct dw_paginator {
    uint32_t struct_size;
    uint32_t kind;                /* dw_paginator_kind */
    const char *next_url_path;    /* JSON_NEXT_URL: dotted path, "links.next" (AUTO: the only place looked at) */
    const char *cursor_param;     /* CURSOR: "starting_after" (AUTO: default "cursor") */
    const char *cursor_path;      /* CURSOR: dotted path in the body ("next_cursor"); AUTO: as next_url_path */
    const char *cursor_row_field; /* CURSOR: field of the last row ("id") */
    const char *has_more_path;    /* CURSOR/OFFSET: stop when false ("has_more") */
    const char *offset_param;     /* OFFSET */
    const char *limit_param;      /* OFFSET */
    const char *page_param;       /* PAGE_NUMBER */
    int64_t first_page;           /* PAGE_NUMBER, default 1 */
    const char *total_path;       /* OFFSET/PAGE_NUMBER: stop past the total */
    int64_t max_pages;            /* hard cap, 0: none */
} dw_paginator;

/* 1.5: what a response action does. */
typedef enum dw_response_action_kind {
    DW_RESPONSE_IGNORE = 1, /* end this listing quietly: no rows, no error */
    DW_RESPONSE_FAIL = 2    /* fail the operation at once with `message` */
} dw_response_action_kind;

/* 1.5: one response action of an endpoint (the reference's
 * response_actions).  An action matches a response whose status equals
 * `status` (100..599) and, when body_contains is set, whose body contains
 * it (case-sensitive).  The first matching action of the array wins.
 *   IGNORE ends the listing that got the response, without rows and
 *     without error (typically a 404 for one fan-out child whose parent was
 *     deleted meanwhile: the other children still sync); one INFO line
 *     "rest.response_ignored" names the status and the URL template.  For a
 *     status the transport retries (429, 500, 502, 503, 504, a rate-limit
 *     403) the retries run first: only a status still there after them is
 *     ignored, so a passing outage does not silently drop pages.
 *   FAIL fails the operation at once, never retried, with DW_ERR_NON_RETRYABLE
 *     and `message` as the user-facing error; the exit code follows the
 *     status (401/403: credentials, else the operation failed).
 * Actions take precedence over the plugin's non_retryable_errors map.
 * Strings are the plugin's (static data); the host copies nothing and
 * reads them during rest_run only.  Frozen: never grows. */
typedef struct dw_response_action {
    int32_t status;            /* HTTP status to match */
    const char *body_contains; /* NULL: any body */
    int32_t action;            /* dw_response_action_kind */
    const char *message;       /* FAIL: the user-facing message (required) */
} dw_response_action;

/* Maps an incremental field to the server-side filter it drives.  `format`
 * is "unix" (integer seconds) or "iso8601".  Frozen: never grows. */
typedef struct dw_incremental_param {
    const char *field;
    const char *param;  /* "since", "created[gte]" */
    const char *format;
} dw_incremental_param;

/* One declarative endpoint (one schema).  Lives in a plugin's settings.c. */
typedef struct dw_endpoint {
    uint32_t struct_size;
    const char *name;           /* schema name */
    const char *label;
    const char *description;
    const char *path;           /* relative to the client's base URL; a "{name}"
                                   placeholder is filled with the value of the
                                   top-level config field `name` (e.g. {owner}
                                   from config "owner"), or, for a fan-out
                                   child, {resolve_param} with the parent row's
                                   resolve_field; values are URL-escaped; one
                                   that nothing fills is DW_ERR_CONFIG */
    const char *const *params;  /* static query, "k", "v" pairs, NULL-terminated */
    const char *data_selector;  /* dotted path to the rows array; NULL: the body */
    const char *const *primary_keys;
    const dw_incremental_field *incremental_fields;
    uint32_t n_incremental_fields;
    const dw_incremental_param *incremental_params;
    uint32_t n_incremental_params;
    uint32_t sort_mode;         /* must match the order the request asks for */
    uint32_t partition_mode;
    uint32_t partition_format;
    const char *const *partition_keys;
    const char *page_size_param;
    int64_t page_size;
    const dw_paginator *paginator;
    /* Fan-out: rows of `parent` (another endpoint's name) each resolve
     * `{resolve_param}` in path from the parent row's `resolve_field`. */
    const char *parent;
    const char *resolve_param;
    const char *resolve_field;
    /* Parent fields copied into child rows as _<parent>_<field>; an entry
     * "field:newname" copies it as newname instead. NULL-terminated. */
    const char *const *include_from_parent;
    int64_t max_pages_per_parent; /* hard cap; hitting it logs a structured line */
    int32_t supports_webhooks;
    int32_t should_sync_default;
#if DW_ABI_SINCE(4)
    /* 1.4: the schema's has_duplicate_primary_keys (see dw_schema). */
    int32_t has_duplicate_primary_keys;
#endif
#if DW_ABI_SINCE(5)
    /* 1.5: what to do with particular responses (see dw_response_action);
     * the array is the plugin's, borrowed for each rest_run and
     * rest_schema_add call.  An endpoint built against 1.4 has none. */
    const dw_response_action *response_actions;
    uint32_t n_response_actions;
#endif
#if DW_ABI_SINCE(6)
    /* 1.6: a per-row hook, for what a declaration cannot say (drop the pull
     * requests GitHub lists among issues; lift a nested field to a column
     * for a key or an incremental field).  Called once for every row this
     * endpoint is about to emit (not for the rows of a parent read only to
     * fan out), after include_from_parent, before the descending stop
     * check and the emit.
     *   endpoint  the pointer the plugin passed to rest_run (or found in
     *             the client's endpoints for a parent), to tell endpoints
     *             sharing one hook apart;
     *   row       the row as served, borrowed for the call: read it with
     *             json_get / json_string / json_text, never keep it or
     *             json_free it (it may not be a parsed tree in a later
     *             host, only a view of the page);
     *   extra     an empty row owned by the host, valid for the call:
     *             set columns on it with the row_set_* members and the
     *             host adds them to the row after the call, replacing a
     *             column of the same name (row_set_null clears one).
     *             row_emit and row_discard refuse it.  A bad value poisons
     *             it as any row: the run fails naming the column;
     *   skip      *skip is 0 on entry; set it non-zero to drop the row.
     * Return DW_OK, or an error recorded with api->fail: the run stops
     * with it.  NULL: rows are emitted as served. */
    dw_status (*row_hook)(dw_ctx *ctx, const struct dw_endpoint *endpoint, const dw_json *row, dw_row *extra,
                          int32_t *skip);
    /* 1.6: inclusive upper bounds for the "older" phase of a descending
     * endpoint (rows before incremental_earliest_value): {field, param,
     * format} where param keeps rows AT OR BEFORE its value (GitHub's
     * `until`).  The toolkit sends the earliest value one second earlier
     * (format "unix" or "iso8601"), so the oldest row already synced is
     * not read again.  A field without an entry here uses the "[lt]" form
     * of its incremental_params param, as before 1.6.  The array is the
     * plugin's, borrowed for each rest_run call. */
    const dw_incremental_param *incremental_until_params;
    uint32_t n_incremental_until_params;
#endif
} dw_endpoint;

/* The client an endpoint runs with. */
typedef struct dw_rest_client {
    uint32_t struct_size;
    const char *base_url;        /* may include a path, e.g. https://ghe/api/v3 */
    const char *const *headers;  /* "Name: value", NULL-terminated; secrets in
                                    them are scrubbed from every log line */
    const dw_retry_policy *retry;
    const dw_endpoint *const *endpoints; /* all endpoints (parents are looked up here) */
    uint32_t n_endpoints;
#if DW_ABI_SINCE(6)
    /* 1.6: the origin rule.  Credentials (the headers above that carry
     * them: Authorization, Cookie, API-key headers) are sent only to
     * base_url's origin (scheme, host, port).  A next page (Link header,
     * JSON next URL, the auto paginator), a resumed page or a redirect on
     * another origin is refused with DW_ERR_SSRF and one line naming both
     * origins; the rows of the pages before it stay emitted and the resume
     * state keeps the page that linked there.  Origins listed here
     * ("https://cdn.example.com", NULL-terminated; borrowed for the call)
     * may be followed, without credentials.  NULL: none. */
    const char *const *trusted_origins;
    /* 1.6: what this client reads, e.g. "octocat/hello-world": saved in
     * the resume state; a saved state of another scope (or of a client
     * that had none) is not resumed -- the run starts over with a WARN
     * "rest.state_ignored" -- so a changed config never continues another
     * resource's pages.  Copied.  NULL: none. */
    const char *resume_scope;
#endif
} dw_rest_client;

/* ------------------------------------------------------------------------ */
/* Actions (1.8): functions the host calls by name with typed arguments.   */
/* ------------------------------------------------------------------------ */
/*
 * An action is a plain C function of the plugin,
 *
 *     static dw_status list_repositories(dw_ctx *ctx, const char *owner, int64_t limit);
 *
 * declared in the descriptor with its arguments in order (the context
 * comes first implicitly; the validated config is the ctx's, read with
 * api->config_*).  The host checks the declaration at load, converts the
 * caller's arguments (`dwhost call SOURCE ACTION NAME=VALUE...`, JSON
 * through dwh_call) to these C types and calls the function through
 * libffi, inside the crash guard.  The function answers JSON with
 * api->action_result (no call: the result is null) and returns a
 * dw_status, failing with api->fail as any operation.
 *
 *   dw_arg_type      C parameter type     from the command line    from JSON
 *   DW_ARG_INT64     int64_t              -12, 40                  an integer
 *   DW_ARG_DOUBLE    double               1.5, -2e3                a number
 *   DW_ARG_BOOL      int (0 or 1)         true, false, 1, 0        true, false
 *   DW_ARG_STRING    const char * (UTF-8) the text as written      a string
 *   DW_ARG_JSON      const char * (JSON)  any JSON text            any value
 *
 * Strings are borrowed for the call; an absent string or JSON argument
 * with the default "null" is passed as NULL.
 */
typedef enum dw_arg_type {
    DW_ARG_INT64 = 1,
    DW_ARG_DOUBLE = 2,
    DW_ARG_BOOL = 3,
    DW_ARG_STRING = 4,
    DW_ARG_JSON = 5
} dw_arg_type;

/* At most this many arguments per action. */
#define DW_ACTION_MAX_ARGS 16

/* One argument of an action.  Frozen: never grows. */
typedef struct dw_action_arg {
    const char *name;          /* [a-z0-9_]+, unique in the action */
    uint32_t type;             /* dw_arg_type */
    const char *description;   /* one line; may be NULL */
    /* JSON text used when the caller does not give the argument: a value
     * of the argument's type ("100", "false", "\"all\""), or "null" for a
     * STRING or JSON argument (passed as NULL).  NULL: required. */
    const char *default_value;
} dw_action_arg;

/* The type an action's function is stored as; DW_ACTION_FN casts a
 * function of any action signature to it (the host calls it with the
 * declared one). */
typedef void (*dw_action_fn)(void);
#define DW_ACTION_FN(f) ((dw_action_fn)(void (*)(void))(f))

/* One action of the descriptor (array stride: dw_source.action_size). */
typedef struct dw_action {
    const char *name;        /* [a-z0-9_]+, unique in the source */
    const char *description; /* one line */
    const dw_action_arg *args; /* in the order of the C parameters after ctx */
    uint32_t n_args;           /* 0..DW_ACTION_MAX_ARGS */
    dw_action_fn fn;         /* DW_ACTION_FN(your_function) */
} dw_action;

/* Sets .actions, .n_actions and .action_size from a static array:
 *   DW_EXPORT const dw_source dwhost_source = { DW_SOURCE_HEADER, ..., DW_ACTIONS(my_actions) }; */
#if DW_ABI_SINCE(8)
#define DW_ACTIONS(a) .actions = (a), .n_actions = DW_COUNT(a), .action_size = (uint32_t)sizeof((a)[0])
#endif

/* ------------------------------------------------------------------------ */
/* The function table the host hands a plugin at init.  Append only.       */
/* ------------------------------------------------------------------------ */
typedef struct dw_host_api {
    uint32_t struct_size;
    uint16_t abi_major;
    uint16_t abi_minor;

    /* ---- 1.0 -------------------------------------------------------- */

    /* Writes one log line attributed to the operation (team, source,
     * schema, job).  Secret config values are scrubbed. */
    void (*log)(dw_ctx *ctx, dw_log_level level, const char *fmt, ...) DW_PRINTF(3, 4);
    /* Records the error of the current operation and returns `code`, so a
     * plugin writes `return api->fail(ctx, DW_ERR_AUTH, "token rejected");`.
     * The message is scrubbed and matched against the non-retryable map.
     * The FIRST error of an operation is the one reported: later calls are
     * logged but do not replace it (so a cleanup failure cannot hide the
     * cause); an error the host recorded (a refused row, cancellation)
     * stays first, and the plugin's message is added as context. */
    dw_status (*fail)(dw_ctx *ctx, dw_status code, const char *fmt, ...) DW_PRINTF(3, 4);
    /* Non-zero once the host wants the operation to stop (signal, timeout). */
    int (*cancelled)(dw_ctx *ctx);

    /* Config accessors.  `path` is dotted with [i] for arrays:
     * "auth.private_key", "tables[2].name".  Returned strings are owned by
     * the host and valid until the operation returns. */
    const char *(*config_json)(dw_ctx *ctx); /* the whole validated config */
    /* Any scalar as text: a string as is, a number as JSON text ("42",
     * "1.5"), a boolean as "true"/"false".  NULL: absent, null, an object
     * or an array. */
    const char *(*config_string)(dw_ctx *ctx, const char *path);
    /* Return 1 and set *out when present with that type, 0 when absent,
     * -1 when present with another type. */
    int (*config_int)(dw_ctx *ctx, const char *path, int64_t *out);
    int (*config_double)(dw_ctx *ctx, const char *path, double *out);
    int (*config_bool)(dw_ctx *ctx, const char *path, int *out);
    /* Number of elements of an array, 0 when absent or not an array. */
    size_t (*config_array_len)(dw_ctx *ctx, const char *path);

    /* Schemas: called from list_schemas(). */
    dw_status (*schema_add)(dw_ctx *ctx, const dw_schema *schema);

    /* Rows: `json` is one UTF-8 JSON object (a row) or an array of objects
     * (rows).  Borrowed for the call.  A non-OK return means stop: the
     * host could not take the rows (cancelled, sink full, bad JSON). */
    dw_status (*emit_json)(dw_ctx *ctx, const char *json, size_t len);

    /* Row builder: an alternative to JSON text.  row_new() returns a row
     * owned by the plugin until row_emit() (which consumes it, whatever it
     * returns) or row_discard().  Column names and values are copied.
     * row_new() returns NULL only when memory runs out (or ctx is NULL);
     * every setter ignores a NULL row, row_emit(NULL) returns DW_ERR_NOMEM
     * and row_discard(NULL) does nothing, so a plugin may build and emit
     * without checking each step.  A bad column name or value (NULL or
     * empty name, NaN, invalid JSON) poisons the row: row_emit() then
     * fails with DW_ERR_BAD_DATA naming the column.  A NULL string or JSON
     * value sets the column to null. */
    dw_row *(*row_new)(dw_ctx *ctx);
    void (*row_set_string)(dw_row *row, const char *column, const char *value);
    void (*row_set_int)(dw_row *row, const char *column, int64_t value);
    void (*row_set_double)(dw_row *row, const char *column, double value);
    void (*row_set_bool)(dw_row *row, const char *column, int value);
    void (*row_set_null)(dw_row *row, const char *column);
    /* `json` is any JSON value text (object/array stored as JSON). */
    void (*row_set_json)(dw_row *row, const char *column, const char *json);
    dw_status (*row_emit)(dw_row *row);
    void (*row_discard)(dw_row *row);

    /* Frees memory the host allocated for the plugin where a comment says
     * "free with api->free". */
    void (*free)(void *ptr);

#if DW_ABI_SINCE(1)
    /* ---- 1.1: resumable state ---------------------------------------- */

    /* Non-zero when a saved state exists for this job and schema and the
     * run was not reset. */
    int (*state_can_resume)(dw_ctx *ctx);
    /* The saved state as JSON text, owned by the host until the run ends;
     * NULL when there is none. */
    const char *(*state_load)(dw_ctx *ctx);
    /* Stages `json` (borrowed) as the resume point reached once every row
     * emitted so far is durable.  Call it after emitting each page/batch.
     * The host commits it only together with (or after) those rows. */
    dw_status (*state_save)(dw_ctx *ctx, const char *json);
#endif

#if DW_ABI_SINCE(2)
    /* ---- 1.2: tracked HTTP transport --------------------------------- */

    /* Performs a request through the host's tracked session: retries,
     * rate limits, SSRF guard, logging, counters.  On DW_OK *out is a
     * response (any HTTP status) the plugin frees with http_free(); on
     * error *out is NULL and the error is recorded as by fail(). */
    dw_status (*http_request)(dw_ctx *ctx, const dw_http_request *req, dw_http_response **out);
    long (*http_status)(const dw_http_response *resp);
    /* The body, NUL-terminated, owned by the response. */
    const char *(*http_body)(const dw_http_response *resp, size_t *len);
    /* A header's value (case-insensitive name), owned by the response. */
    const char *(*http_header)(const dw_http_response *resp, const char *name);
    void (*http_free)(dw_http_response *resp);
    /* Builds base + path + "?" + encoded params ("k","v",..., NULL).  A
     * query already in path is kept.  Free with api->free. */
    char *(*url_build)(dw_ctx *ctx, const char *base, const char *path, const char *const *params);
    /* Marks a runtime value (a token obtained at run time) as a secret to
     * scrub from every log line and error. */
    void (*secret_add)(dw_ctx *ctx, const char *value);

    /* JSON helpers: parse text into a handle the plugin frees with
     * json_free(); json_get() and json_index() return borrowed children,
     * valid while the root lives.  NULL on absent/parse error. */
    dw_json *(*json_parse)(dw_ctx *ctx, const char *text, size_t len);
    dw_json *(*json_get)(const dw_json *v, const char *dotted_path);
    size_t (*json_array_len)(const dw_json *v);
    dw_json *(*json_index)(const dw_json *v, size_t i);
    /* Scalar as text (strings unquoted, numbers/bools as written), owned
     * by the handle; NULL for null, objects and arrays. */
    const char *(*json_string)(const dw_json *v);
    /* Serialises a value; free with api->free. */
    char *(*json_text)(const dw_json *v);
    void (*json_free)(dw_json *root);
    /* Emits a parsed object (one row) or array (rows) without re-parsing. */
    dw_status (*emit_value)(dw_ctx *ctx, const dw_json *v);

    /* Runs a declarative endpoint: paginates, applies the incremental
     * filter, fans out from its parent, emits rows and saves the resume
     * position after each page.  Everything is borrowed for the call. */
    dw_status (*rest_run)(dw_ctx *ctx, const dw_rest_client *client, const dw_endpoint *endpoint,
                          const dw_run_inputs *inputs);
    /* Adds the schema an endpoint describes (call from list_schemas). */
    dw_status (*rest_schema_add)(dw_ctx *ctx, const dw_endpoint *endpoint);
#endif

#if DW_ABI_SINCE(3)
    /* ---- 1.3 ---------------------------------------------------------- */

    /* What init() stored in *plugin_data (NULL when it stored nothing, or
     * ctx is NULL), for any operation of this plugin: keep per-plugin state
     * there instead of in globals.  Owned by the plugin (fini() frees it);
     * shared by all operations, which may run on several threads at once. */
    void *(*plugin_data)(dw_ctx *ctx);
#endif

#if DW_ABI_SINCE(7)
    /* ---- 1.7 ---------------------------------------------------------- */

    /* Emits every row of one page: `json` (`len` bytes, borrowed for the
     * call) is the page as the API sent it, `pointer` a JSON Pointer (RFC
     * 6901) to its rows: "" or NULL for the whole text, "/data",
     * "/result/items", "/a~1b" for a member named "a/b".  The value there
     * is an array of objects (rows), one object (one row) or null (no
     * rows); nothing else of the page is kept.  The text is parsed
     * straight into the host's rows, with no tree built (what rest_run
     * does with its pages): prefer it to json_parse + json_get +
     * emit_value for a page.  The whole page is checked (strict JSON) before
     * the first row is delivered.  DW_ERR_BAD_DATA, naming the byte or the
     * row, when the text is not JSON, nothing is at `pointer`, or the value
     * there is not rows; the status of a refused row otherwise, as
     * emit_json. */
    dw_status (*emit_page)(dw_ctx *ctx, const char *json, size_t len, const char *pointer);
#endif

#if DW_ABI_SINCE(8)
    /* ---- 1.8 ---------------------------------------------------------- */

    /* Sets the JSON answer of the action being called (`json`, `len`
     * bytes, borrowed: copied).  A later call replaces it.
     * DW_ERR_BAD_DATA (recorded as by fail) when the text is not JSON;
     * DW_ERR_UNSUPPORTED outside an action call. */
    dw_status (*action_result)(dw_ctx *ctx, const char *json, size_t len);
    /* log and fail without varargs, for languages that cannot call C
     * variadic functions (Rust without nightly, Go, most FFIs): `message`
     * is taken as it is -- a '%' in it is just a '%'.  Otherwise exactly
     * log and fail. */
    void (*log_text)(dw_ctx *ctx, dw_log_level level, const char *message);
    dw_status (*fail_text)(dw_ctx *ctx, dw_status code, const char *message);
#endif
} dw_host_api;

/* True when the host's table has member `m` (use before calling members
 * newer than the minor the plugin requires). */
#define DW_API_HAS(api, m) \
    ((api) != NULL && (size_t)(api)->struct_size >= offsetof(dw_host_api, m) + sizeof((api)->m))

/* ------------------------------------------------------------------------ */
/* The descriptor a plugin exports as `dwhost_source`.                     */
/* ------------------------------------------------------------------------ */
typedef struct dw_source {
    /* ABI header: never moves. */
    uint32_t magic;       /* DW_MAGIC */
    uint16_t abi_major;   /* DW_ABI_MAJOR the plugin was built with */
    uint16_t abi_minor;   /* DW_ABI_MINOR the plugin was built with */
    uint32_t struct_size; /* sizeof(dw_source) */
    uint16_t field_size;  /* sizeof(dw_field): stride of field arrays */
    uint16_t option_size; /* sizeof(dw_select_option) */

    /* Metadata. */
    const char *name;     /* source type; must equal <name> in libsource_<name>.so */
    const char *label;
    const char *caption;  /* markdown */
    const char *docs_url;
    const char *icon_path;
    const char *category;
    const char *const *keywords; /* NULL-terminated */
    uint32_t release_status;     /* dw_release_status */
    const char *feature_flag;    /* "dwh-<name>" for controlled rollout */
    int32_t unreleased;
    uint32_t comm_method;        /* dw_comm_method */
    const char *primary_library; /* for SOURCES.md, e.g. "dwhost transport" */
    const char *version;         /* the plugin's own version, semver */
    uint32_t capabilities;       /* DW_CAP_* */

    /* The config form. */
    const dw_field *fields;
    uint32_t n_fields;

    /* Permanent failures (substring -> friendly message). */
    const dw_error_mapping *non_retryable_errors;
    uint32_t n_non_retryable_errors;

    /* Webhooks (DW_CAP_WEBHOOK). */
    const dw_webhook_resource *webhook_resources;
    uint32_t n_webhook_resources;

    /* Operations.  All but init/fini receive an operation context.
     *
     * init: called once before first use; keep `api` (it outlives the
     *   plugin).  *plugin_data may be set: every operation gets it back
     *   with api->plugin_data(ctx) (1.3), and fini receives it to free.
     *   Return DW_OK or fail.  May be NULL.
     * list_schemas: calls api->schema_add for each schema.  With no config
     *   (describe) return DW_ERR_NEEDS_CONFIG if a config is needed.
     * check_credentials: one cheap probe.  schema == NULL at source
     *   creation: a valid token that lacks a scope (403) should pass,
     *   logging a warning.  With a schema, 403 is an error.  On a pass,
     *   the last INFO line it logged is shown as what was verified
     *   ("ok: files: the folder /srv/x is readable"); without one the host
     *   says the source "accepted the credentials".
     * run: emits the schema's rows; resumable plugins save state after
     *   each emitted page.
     * webhook_transform: turns one pushed payload into rows (emit them). */
    dw_status (*init)(const dw_host_api *api, void **plugin_data);
    void (*fini)(void *plugin_data);
    dw_status (*list_schemas)(dw_ctx *ctx);
    dw_status (*check_credentials)(dw_ctx *ctx, const char *schema);
    dw_status (*run)(dw_ctx *ctx, const dw_run_inputs *inputs);
    dw_status (*webhook_transform)(dw_ctx *ctx, const char *schema, const char *payload, size_t len);

#if DW_ABI_SINCE(8)
    /* 1.8: actions (see dw_action); set all three with DW_ACTIONS(). */
    const dw_action *actions;
    uint32_t n_actions;
    uint32_t action_size; /* sizeof(dw_action) */
#endif

#if DW_ABI_SINCE(9)
    /* 1.9: how the provider signs webhook requests (dw_webhook_signature)
     * and the name of the secret field (DW_INPUT_PASSWORD) of `fields`
     * that holds the signing secret. */
    uint32_t webhook_signature;
    const char *webhook_secret_field;
#endif
} dw_source;

/* Fills the ABI header of a descriptor (abi_minor: the targeted minor,
 * DW_PLUGIN_ABI_MINOR): use as the first initializer,
 *   DW_EXPORT const dw_source dwhost_source = { DW_SOURCE_HEADER, .name = ... }; */
#define DW_SOURCE_HEADER                                                        \
    .magic = DW_MAGIC, .abi_major = DW_ABI_MAJOR, .abi_minor = DW_PLUGIN_ABI_MINOR, \
    .struct_size = (uint32_t)sizeof(dw_source), .field_size = (uint16_t)sizeof(dw_field), \
    .option_size = (uint16_t)sizeof(dw_select_option)

/* Number of elements of a static array, for n_fields and friends. */
#define DW_COUNT(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))

/* Declares the exported descriptor with C linkage and default visibility,
 * the same in C and C++:
 *   DW_DESCRIPTOR = { DW_SOURCE_HEADER, .name = "hello", ... };   (C)
 *   DW_DESCRIPTOR = hello_source();                                (C++, see below)
 * In C++ a namespace-scope const has internal linkage: `DW_EXPORT const
 * dw_source dwhost_source = {...}` would export nothing. */
#ifdef __cplusplus
#define DW_DESCRIPTOR extern "C" DW_EXPORT const dw_source dwhost_source
#else
#define DW_DESCRIPTOR DW_EXPORT const dw_source dwhost_source
#endif

#ifdef __cplusplus
}

/*
 * C++ (C++14 and later): designated initializers must follow declaration
 * order (C++20) and g++ -Wextra warns about every member left out of one
 * (-Wmissing-field-initializers).  Fill value-initialized structs in
 * constexpr functions instead: the result is still constant-initialized
 * (plain data in the image, no code at load) and no member is ever left
 * uninitialized:
 *
 *   constexpr dw_source hello_source() {
 *       dw_source s = dw_source_header();
 *       s.name = "hello";
 *       s.icon_path = "/static/services/hello.png";
 *       s.version = "1.0.0";
 *       s.list_schemas = list_schemas; ...
 *       return s;
 *   }
 *   DW_DESCRIPTOR = hello_source();
 *
 * Fields, options, actions and arguments likewise: `dw_field f{}; f.kind =
 * DW_FIELD_INPUT; ...` in a constexpr function.
 */
constexpr dw_source dw_source_header() {
    dw_source s{};
    s.magic = DW_MAGIC;
    s.abi_major = DW_ABI_MAJOR;
    s.abi_minor = DW_PLUGIN_ABI_MINOR;
    s.struct_size = (uint32_t)sizeof(dw_source);
    s.field_size = (uint16_t)sizeof(dw_field);
    s.option_size = (uint16_t)sizeof(dw_select_option);
#if DW_ABI_SINCE(8)
    s.action_size = (uint32_t)sizeof(dw_action);
#endif
    return s;
}
#endif
#endif /* DWSDK_H */
