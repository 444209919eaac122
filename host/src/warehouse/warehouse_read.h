/*
 * warehouse_read.h -- what `dwhost status` reads of a warehouse, on a
 * connection from dwhi_wh_open_readonly() (warehouse_sqlite.h): the jobs'
 * state rows, their leases, the run history and pending webhooks, handed
 * out row by row as plain structs so status/ knows no table or column.
 *
 * Every string in a row is borrowed: valid only during the callback that
 * receives it (copy what you keep); NULL for a NULL column.  A callback
 * may call other readers of this header on the same connection (they see
 * the same snapshot while the outer read is open).  A callback returns 0
 * to go on, non-zero to stop early (not an error).
 */
#ifndef DWHI_WAREHOUSE_READ_H
#define DWHI_WAREHOUSE_READ_H

#include <stdint.h>

#include "run_history.h"
#include "warehouse_sqlite.h"

/* A job's identity as the warehouse keys it; `ns` "" when none. */
typedef struct dwhi_wh_job_key {
    const char *team_id, *source_id, *schema, *ns;
} dwhi_wh_job_key;

/* A job's state row (state.h), as stored. */
typedef struct dwhi_wh_state_row {
    dwhi_wh_job_key key;
    const char *write_mode;        /* NULL: no run in progress */
    const char *incremental_field;
    const char *last_value;        /* JSON scalar text */
    const char *earliest_value;    /* JSON scalar text */
    int64_t run_rows, run_batches;
    const char *job_id;            /* the last job that committed */
    const char *updated_at;
} dwhi_wh_state_row;

/* The state rows, ordered by source id, schema, team id, namespace.
 * Returns 0 when all were read (or fn stopped), or -1 with a malloc'd
 * one-line *err naming the path (caller frees): "<path> is not a dwhost
 * warehouse (it has no _dw_state table)", or "warehouse <path> cannot be
 * read: <why>" (also for a file that is not a database). */
int dwhi_wh_read_states(dwhi_warehouse *w, int (*fn)(void *arg, const dwhi_wh_state_row *row), void *arg, char **err);

/* Jobs that have no state row: first those holding a lease (namespace
 * ""), with from_lease 1, then those the run history knows of, with
 * from_lease 0; each job once per kind.  A warehouse without one of those
 * tables has none of its jobs.  Returns 0, or -1 with *err ("warehouse
 * <path> cannot be read: <why>"). */
int dwhi_wh_read_stateless_jobs(dwhi_warehouse *w, int (*fn)(void *arg, const dwhi_wh_job_key *job, int from_lease),
                               void *arg, char **err);

/* The lease rows of (team, source, schema) -- `o`'s members and
 * started_at borrowed.  None for a warehouse without leases. */
void dwhi_wh_read_leases(dwhi_warehouse *w, const dwhi_wh_job_key *job,
                        int (*fn)(void *arg, const dwhi_lease_owner *o), void *arg);

/* 1 when some lease of job id `job_id` was renewed within `timeout_ms`
 * before `now_ms`, else 0 (also for a warehouse without leases). */
int dwhi_wh_lease_fresh(dwhi_warehouse *w, const char *job_id, int64_t now_ms, int64_t timeout_ms);

/* Webhook payloads stored for the job that it has yet to apply, or -1
 * when the warehouse keeps no webhooks (made before them). */
int64_t dwhi_wh_read_webhooks_pending(dwhi_warehouse *w, const dwhi_wh_job_key *job);

/* A run of the history (run_history.h), as stored: `outcome` "running"
 * until it recorded its end; `command` JSON array text or NULL. */
typedef struct dwhi_wh_run_row {
    int64_t run_id;
    const char *job_id, *team_id, *source, *source_id, *ns;
    const char *started_at, *ended_at, *outcome, *failure, *error;
    int64_t rows;
    const char *host;
    int64_t pid, pid_start;
    const char *command, *cwd;
} dwhi_wh_run_row;

/* The runs, newest first, at most `limit` (<= 0: all).  A warehouse older
 * than the history has none.  Returns 0, or -1 with *err as for
 * dwhi_wh_read_states. */
int dwhi_wh_read_runs(dwhi_warehouse *w, int limit, int (*fn)(void *arg, const dwhi_wh_run_row *run), void *arg,
                     char **err);

/* The schemas of run `run_id`, in the order the run took them. */
void dwhi_wh_read_run_schemas(dwhi_warehouse *w, int64_t run_id, int (*fn)(void *arg, const dwhi_run_schema *s),
                             void *arg);

/* The last run of `job`: the most recent to end (or start, if it never
 * ended) of the runs of its (team, source id, namespace) that ran the
 * schema or stopped before choosing schemas; a run turned away because the
 * job was already running is left out.  Calls fn once with the run and
 * its row for the schema (NULL: the run stopped before choosing schemas),
 * or not at all when there is none (or the warehouse predates the
 * history).  The run's team_id, source_id and ns are the job's. */
void dwhi_wh_read_last_run(dwhi_warehouse *w, const dwhi_wh_job_key *job,
                          void (*fn)(void *arg, const dwhi_wh_run_row *run, const dwhi_run_schema *s), void *arg);

#endif
