/*
 * state.h -- the resumable state of one sync job, and how its copies are
 * reconciled.
 *
 * A job is identified by (team, source id, schema[, namespace]): rerunning
 * the same sync after a crash finds the same record, whatever its job id.
 * The record holds the plugin's resume state, the incremental watermarks,
 * the write mode of a run in progress and a sequence number that grows by
 * one with every commit.
 *
 * Where it lives: always in the warehouse's _dw_state table, written in the
 * same transaction as the batch it describes, so rows and state can never
 * disagree.  With --state redis:// it is also mirrored to Redis under
 * "dwhost:resumable:<team>:<source_id>/<schema>[:<namespace>]" (each part
 * %-escaped) with a TTL, written after the batch is staged and BEFORE the
 * warehouse commit: a Redis failure rolls the batch back (nothing
 * committed), and a failed or interrupted warehouse commit leaves Redis at
 * most one sequence ahead.  On load the warehouse's record wins whenever a
 * warehouse is used (it is the commit record of the data itself); Redis is
 * repaired from it.  Without a warehouse (--output jsonl) Redis is the only
 * copy.  See dwhi_state_reconcile().
 */
#ifndef DWHI_STATE_H
#define DWHI_STATE_H

#include <json-c/json.h>
#include <stdint.h>

typedef struct dwhi_state_key {
    const char *team_id;   /* borrowed; NULL means "" */
    const char *source_id;
    const char *schema;
    const char *ns;        /* optional namespace, NULL or "" for none */
} dwhi_state_key;

typedef struct dwhi_state_record {
    int64_t seq;               /* 0: no record */
    char *resume;              /* the plugin's resume state (JSON text) or NULL */
    char *write_mode;          /* "full", "incremental", "append" while a run is in progress; NULL when idle */
    char *incremental_field;   /* the field the watermarks are of */
    char *last_value;          /* watermarks: JSON scalar text or NULL */
    char *earliest_value;
    char *pending_last_value;  /* run maximum not yet promoted (descending sources, full refresh) */
    char *pending_earliest_value; /* run minimum of a full refresh, promoted at the swap */
    char *run_last_value;      /* the watermarks the in-progress run was started with */
    char *run_earliest_value;
    int64_t rows_past_resume;  /* rows committed after the resume point (replayed rows to skip) */
    int64_t run_rows;          /* rows committed by the in-progress run so far */
    int64_t run_batches;
    char *job_id;              /* the run that wrote the record */
    char *warehouse_id;        /* the warehouse whose data the record describes; NULL: none */
    char *updated_at;          /* ISO-8601 UTC */
} dwhi_state_record;

/* The write_mode of a first full refresh written in place (a resume
 * continues into the table, not a staging table); the others are the
 * write modes' names ("incremental", "full", "append"). */
#define DWHI_WRITE_MODE_FIRST_FULL "full-first"

/* Checks what a run would hand on from a loaded record: a known
 * write_mode, a resume state that is a JSON object, watermarks that are
 * JSON scalars (number or string), counts that are not negative.  Returns
 * 0, or -1 with *why (malloc'd, caller frees; NULL on OOM) naming the
 * member and what it holds (shortened). */
int dwhi_state_record_check(const dwhi_state_record *r, char **why);

/* Frees the strings of r and zeroes it (r itself is not freed). */
void dwhi_state_record_clear(dwhi_state_record *r);
/* Deep copy into *dst (cleared first).  Returns 0, -1 on OOM. */
int dwhi_state_record_copy(dwhi_state_record *dst, const dwhi_state_record *src);
/* Replaces *field with a copy of value (NULL allowed).  Returns 0, -1 OOM. */
int dwhi_state_set(char **field, const char *value);

/* The record as a JSON document (Redis value); caller puts it. */
json_object *dwhi_state_record_to_json(const dwhi_state_record *r);
/* Parses a JSON document into *out (cleared first).  Returns 0, or -1 with
 * a malloc'd one-line *err (caller frees). */
int dwhi_state_record_from_json(const char *text, dwhi_state_record *out, char **err);

/* The Redis key of a job, malloc'd (caller frees); NULL on OOM. */
char *dwhi_state_redis_key(const dwhi_state_key *k);

/* Which copy a run starts from.  `wh` and `mirror` may be records with
 * seq 0 (absent).  With a warehouse (have_warehouse), the warehouse's
 * record is chosen: a mirror ahead of it describes a commit that did not
 * happen, one behind it missed a write after a crash, one from another
 * warehouse describes other data; in each case *note (malloc'd, caller
 * frees; may stay NULL) says why the mirror was overruled and
 * *repair_mirror is set.  Without a warehouse the mirror is the state.
 * Returns the chosen record (one of the two arguments). */
const dwhi_state_record *dwhi_state_reconcile(const dwhi_state_record *wh, const dwhi_state_record *mirror,
                                            int have_warehouse, const char *warehouse_id, char **note,
                                            int *repair_mirror);

#endif
