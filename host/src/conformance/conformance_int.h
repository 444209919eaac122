/*
 * conformance_internal.h -- what the conformance_*.c files share: the
 * suite's running context, one read of a schema (conformance_run.c) and
 * the per-schema read checks (conformance_reads.c).  Not part of the
 * embedding API.
 */
#ifndef DWHI_CONFORMANCE_INTERNAL_H
#define DWHI_CONFORMANCE_INTERNAL_H

#include <stddef.h>

#include "conformance.h"
#include "conformance_rows.h"
#include "ops/ops.h"

/* The suite's context for one dwhi_conformance_run. */
typedef struct dwhi_conf_ctx {
    dwh_plugin *p;
    const dw_source *src;
    const dwhi_conf_options *opt;
    dwhi_conf_report *r;
    json_object *config; /* validated; owned */
    dwhi_secrets *secrets;
    dwhi_op_flags flags;
    dwhi_identity id;
    size_t leaks;
    char leak_where[160];
} dwhi_conf_ctx;

/* A resume point a read saved: after `after` rows, the state text (owned). */
typedef struct dwhi_conf_state {
    size_t after;
    char *state;
} dwhi_conf_state;

/* One read of a schema.  Release with dwhi_conf_run_free(). */
typedef struct dwhi_conf_run {
    dwhi_op_result res;   /* DW_OK also for a read stopped at the row cap */
    dwhi_conf_rows rows;  /* what the checks keep of each row */
    dwhi_conf_state *states;
    size_t n_states;
    int capped;          /* stopped at the row cap (opt->max_rows): rows are a prefix of the read */
} dwhi_conf_run;

/* What a read is asked for.  `schema` (the list_schemas object, borrowed)
 * says which fields to keep counts of: its incremental fields and
 * partition keys; `older_field` (may be NULL) also counts values below
 * `older_than` (borrowed).  `field` NULL: a full refresh. */
typedef struct dwhi_conf_read {
    json_object *schema;
    const char *name;
    const char *field;
    uint32_t ftype;
    const char *last, *earliest; /* watermarks (JSON scalar text) or NULL */
    const char *resume;          /* state to resume from, or NULL */
    json_object *older_than;     /* counted on `field` when set */
} dwhi_conf_read;

/* Runs one read through ops.h with the suite's config and secrets,
 * capturing the output (a secret there, in the error message or in a row
 * counts as a leak).  Stops at the first state save after opt->max_rows
 * rows (or at 2 x max_rows rows when no save comes), and then reports the
 * read as DW_OK with `capped` set.  The caller frees the result. */
dwhi_conf_run dwhi_conf_do_run(dwhi_conf_ctx *c, const dwhi_conf_read *rd);
void dwhi_conf_run_free(dwhi_conf_run *x);

/* check_credentials with the capture and leak scan; result freed by the caller. */
dwhi_op_result dwhi_conf_do_check(dwhi_conf_ctx *c, json_object *config, const char *schema, json_object **warnings);

/* Ends a capture begun with dwhi_conf_capture_begin: notes a leak in its
 * output ("the output of <what>"); forwards it scrubbed when verbose. */
void dwhi_conf_capture_done(dwhi_conf_ctx *c, dwhi_conf_capture *cap, const char *what);

/* Counts a leak when `text` (borrowed, may be NULL) holds a secret. */
void dwhi_conf_note_text(dwhi_conf_ctx *c, const char *text, const char *what);

/* The string member `k` of `o`, borrowed, or NULL. */
const char *dwhi_conf_sget(json_object *o, const char *k);

/* The read checks of one schema: read:, full_refresh:, incremental:,
 * resume: (conformance_reads.c).  Every check is added to c->r. */
void dwhi_conf_check_schema(dwhi_conf_ctx *c, json_object *schema, const char *name);

#endif
