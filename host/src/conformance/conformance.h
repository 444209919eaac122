/*
 * conformance.h -- the connector acceptance suite behind `dwhost
 * conformance`: runs a plugin through the checks a connector must pass
 * (as Airbyte's connector acceptance tests do) and reports each one.
 *
 * Checks, in order (names as printed; <s> is a schema):
 *   descriptor     metadata, operations and capabilities are consistent
 *   form           the field tree has labels; secret-looking names are secret
 *   config         the given config validates against the form
 *   check          the config passes the credential check
 *   check_broken   the config with every secret replaced fails it, with one
 *                  clear line
 *   schemas        non-empty, unique names; incremental schemas have keys and
 *                  fields
 *   read:<s>       rows > 0; primary keys present, scalar, non-null, unique;
 *                  incremental and partition fields present
 *   full_refresh:<s>  a second full read gives the same rows
 *   incremental:<s>   per incremental field: a second run from the watermark
 *                  of the first returns no older row; a future watermark
 *                  returns no row
 *   resume:<s>     a run resumed from an intermediate checkpoint completes the
 *                  first run's rows, nothing missing, nothing twice
 *   secrets        no secret value reached stdout, stderr, logs, messages or
 *                  rows during any of the above
 * Every detail line is scrubbed of the config's secrets.
 *
 * Memory: a read keeps per row only its key tuple and a digest
 * (conformance_rows.h), and stops at the first state save after
 * max_rows rows; the checks then run on that prefix (the read:, and
 * every check that used a capped read, say so and carry capped_at).
 */
#ifndef DWHI_CONFORMANCE_H
#define DWHI_CONFORMANCE_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdio.h>

#include "registry/registry.h"
#include "log/secrets.h"

typedef enum dwhi_conf_status { DWHI_CONF_PASS = 0, DWHI_CONF_FAIL = 1, DWHI_CONF_SKIP = 2 } dwhi_conf_status;

typedef struct dwhi_conf_check {
    char *name;
    dwhi_conf_status status;
    char *detail; /* one scrubbed line */
    size_t capped_at; /* a read of this check stopped at this row cap; 0: none */
} dwhi_conf_check;

/* Rows per read when the caller does not say (`--max-rows`). */
#define DWHI_CONF_DEFAULT_MAX_ROWS 100000

/* The results; owned by the caller, released with dwhi_conf_report_free(). */
typedef struct dwhi_conf_report {
    char *source;
    char *version;
    char *path;
    dwhi_conf_check *checks;
    size_t n, cap;
    size_t passed, failed, skipped;
    dwhi_secrets *scrub; /* owned: every detail is scrubbed with it; the run's secrets */
} dwhi_conf_report;

typedef struct dwhi_conf_options {
    json_object *config;        /* the user's config (raw), borrowed */
    const char *config_dir;     /* anchors {"$file"} references; may be NULL */
    int allow_internal_hosts;   /* --allow-internal */
    const char *const *schemas; /* only these schemas (n_schemas); NULL: all */
    size_t n_schemas;
    int verbose;                /* forward the plugin's (scrubbed) output to stderr */
    int structural;             /* only descriptor, form, config, schemas: no credentials, no reads */
    size_t max_rows;            /* stop each read at the first state save after this many rows; 0: no cap */
} dwhi_conf_options;

/* Runs every check on `p` (borrowed) and fills `report` (zeroed by the
 * caller).  Returns 0 when every check passed or was skipped, 1 when one
 * failed, -1 when the suite could not run at all (the reason is the last
 * check, failed). */
int dwhi_conformance_run(dwh_plugin *p, const dwhi_conf_options *opt, dwhi_conf_report *report);

void dwhi_conf_report_free(dwhi_conf_report *r);

/* Appends a check (detail formatted, scrubbed, made one line). */
void dwhi_conf_add(dwhi_conf_report *r, const char *name, dwhi_conf_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Marks the last check added as run on reads capped at `max_rows` rows. */
void dwhi_conf_mark_capped(dwhi_conf_report *r, size_t max_rows);

/* Prints the report: aligned text ending in "N passed, N failed, N skipped",
 * or one JSON document. */
void dwhi_conf_print_text(const dwhi_conf_report *r, FILE *out);
void dwhi_conf_print_json(const dwhi_conf_report *r, FILE *out);

/* ---- pieces shared by the conformance_*.c files ----------------------- */

/* Non-zero when a field name looks like it holds a secret: a word (split
 * on _ - . and camelCase) is token, secret, password, passphrase, key,
 * apikey..., except keys that name columns (primary_key, partition_key,
 * sort_key, cursor_key, foreign_key, public_key). */
int dwhi_conf_name_looks_secret(const char *name);

/* Descriptor and form checks (conformance_form.c). */
void dwhi_conf_check_descriptor(const dw_source *src, dwhi_conf_report *r);
void dwhi_conf_check_form(const dw_source *src, dwhi_conf_report *r);

/* A copy of `config` (borrowed) where every string at a secret path of the
 * form is replaced by a wrong value of the same shape; each wrong value is
 * added to `secrets`.  *n_replaced counts them.  Caller puts the result. */
json_object *dwhi_conf_break_secrets(const dw_source *src, json_object *config, dwhi_secrets *secrets,
                                    size_t *n_replaced);

/* Captures everything written to stdout and stderr (file descriptors 1
 * and 2, so plugin writes too) between begin and end. */
typedef struct dwhi_conf_capture {
    int saved_out, saved_err;
    FILE *tmp;
    int active;
} dwhi_conf_capture;
int dwhi_conf_capture_begin(dwhi_conf_capture *c);
/* Ends the capture; returns the captured bytes (malloc'd, NUL-terminated;
 * caller frees) or NULL. */
char *dwhi_conf_capture_end(dwhi_conf_capture *c, size_t *len);

/* Non-zero when `text` holds any value of `secrets` (raw or URL-encoded). */
int dwhi_conf_has_secret(const dwhi_secrets *secrets, const char *text);

/* Compares two JSON scalars as watermarks: numbers numerically, ISO-8601
 * strings by time, other strings bytewise.  Returns <0, 0, >0. */
int dwhi_conf_value_cmp(json_object *a, json_object *b);

#endif
