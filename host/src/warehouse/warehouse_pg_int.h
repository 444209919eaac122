/*
 * warehouse_pg_int.h -- the PostgreSQL backend (libpq), shared by
 * warehouse_pg.c (connection, errors, transactions, names, the system
 * tables), warehouse_pg_table.c (target tables and their writes) and
 * warehouse_pg_jobs.c (state, leases, run history, webhook inbox).  Not
 * for other modules.
 *
 * Layout in the database --warehouse names:
 *   <schema>.<table>           one table per schema, in the first schema
 *                              of the connection's search_path that exists
 *                              (normally public; never dwhost), named as
 *                              for SQLite.
 *                              Column types from the rows: bigint, double
 *                              precision, boolean, text, numeric (integers
 *                              beyond 64 bits), jsonb (objects, arrays);
 *                              timestamptz (date) for a key the schema
 *                              says holds times (an incremental field of
 *                              type datetime or date) while its values
 *                              are ISO-8601 times; a column whose values
 *                              disagree is widened (bigint -> double
 *                              precision -> numeric, anything else, a
 *                              time column too -> text).  Plus _dw_synced_at
 *                              (timestamptz) and _dw_partition_key (text).
 *                              A key that cannot be a column name (empty,
 *                              starting with _dw_, longer than 63 bytes)
 *                              gets "<key, cut>__<8 hex of md5(key)>" and
 *                              the key as the column's comment.
 *   _dw_staging_<table>        a full refresh being written (same schema)
 *   _dw_pk_<table>             merge: the UNIQUE index on the key columns
 *   dwhost.meta, dwhost.state, dwhost.lease, dwhost.runs,
 *   dwhost.run_schemas, dwhost.webhook_inbox, dwhost.webhook_target,
 *   dwhost.webhook_cursor      dwhost's own tables, as the SQLite
 *                              warehouse's _dw_ tables (DWHI_PG_SCHEMA)
 * A batch is COPYed (text format) into a temporary table, then merged
 * with INSERT ... ON CONFLICT (keys) DO UPDATE; an append or a full
 * refresh COPYs straight into its target.  Every write is inside the
 * caller's transaction, so a batch, its new columns, its state row and
 * its webhook cursor commit together or not at all.
 */
#ifndef DWHI_WAREHOUSE_PG_INT_H
#define DWHI_WAREHOUSE_PG_INT_H

#include <libpq-fe.h>

#include "warehouse_int.h"

#define DWHI_PG_SCHEMA "dwhost"
/* PostgreSQL truncates longer identifiers (NAMEDATALEN - 1). */
#define DWHI_PG_NAME_MAX 63

struct dwhi_pg {
    PGconn *conn;
    char *schema;   /* current_schema(): where target tables live */
    char *qschema;  /* quoted */
    char *password; /* the one the conninfo holds (masked in messages), or NULL */
};

/* Records the error kind of a failed statement (`res`: its result, may be
 * NULL when libpq returned none) or of the connection, and sets *err to
 * one line: "warehouse <shown>: <what happened> while <doing>; <what to
 * do>", the password masked.  `doing` is printf-formatted.  Returns -1. */
int dwhi_pg_fail(dwhi_warehouse *w, const PGresult *res, char **err, const char *doing, ...)
    __attribute__((format(printf, 4, 5)));
/* Runs `sql` with `n` text parameters (NULL: SQL NULL).  Returns the
 * result (PQclear it) when the statement succeeded, else NULL after
 * dwhi_pg_fail with `doing`. */
PGresult *dwhi_pg_query(dwhi_warehouse *w, const char *sql, int n, const char *const *params, char **err,
                        const char *doing);
/* As dwhi_pg_query for a statement whose result is not needed.  Returns 0
 * or -1 with *err. */
int dwhi_pg_exec(dwhi_warehouse *w, const char *sql, int n, const char *const *params, char **err, const char *doing);
/* A quoted identifier ("" doubled), malloc'd (caller frees); NULL on OOM. */
char *dwhi_pg_ident(const char *name);
/* "<schema>"."<name>" in the target schema, malloc'd; NULL on OOM. */
char *dwhi_pg_qualified(dwhi_warehouse *w, const char *name);
/* Non-zero when table `name` exists in the target schema (-1: error, *err). */
int dwhi_pg_table_exists(dwhi_warehouse *w, const char *name, char **err);
/* The unique key index of table `name`, malloc'd: _dw_pk_<name>, or
 * _dw_pk_<8 hex of md5(name)> when that would be too long. */
char *dwhi_pg_index_name(const char *name);

/* warehouse_pg_table.c */
int dwhi_whpg_table_exists(dwhi_warehouse *w, const char *table);
int64_t dwhi_whpg_count(dwhi_warehouse *w, const char *table);
int dwhi_whpg_staging_exists(dwhi_warehouse *w, const char *table);
int dwhi_whpg_staging_drop(dwhi_warehouse *w, const char *table, char **err);
dwhi_wh_table *dwhi_whpg_table_open(dwhi_warehouse *w, const char *table, dwhi_write_mode mode,
                                   const char *const *primary_keys, dwhi_wh_target target, char **err);
void dwhi_whpg_table_close(dwhi_wh_table *t);
void dwhi_whpg_table_keep_last(dwhi_wh_table *t, int on);
uint64_t dwhi_whpg_table_repeated(const dwhi_wh_table *t);
int dwhi_whpg_table_time_keys(dwhi_wh_table *t, const dwhi_wh_time_key *keys, size_t n, char **err);
int dwhi_whpg_write(dwhi_wh_table *t, const dwhi_wh_rows *rows, char **err);
int dwhi_whpg_finish(dwhi_wh_table *t, char **err);

/* warehouse_pg_jobs.c */
int dwhi_whpg_state_get(dwhi_warehouse *w, const dwhi_state_key *k, dwhi_state_record *out, char **err);
int dwhi_whpg_state_put(dwhi_warehouse *w, const dwhi_state_key *k, const dwhi_state_record *r, char **err);
int dwhi_whpg_state_delete(dwhi_warehouse *w, const dwhi_state_key *k, char **err);
int dwhi_whpg_lease_get(dwhi_warehouse *w, const dwhi_state_key *k, dwhi_lease_owner *out, char **err);
int dwhi_whpg_lease_put(dwhi_warehouse *w, const dwhi_state_key *k, const dwhi_lease_owner *me, char **err);
int dwhi_whpg_lease_renew(dwhi_warehouse *w, const dwhi_state_key *k, const char *job_id, int64_t now_ms, char **err);
int dwhi_whpg_lease_release(dwhi_warehouse *w, const dwhi_state_key *k, const char *job_id, char **err);
int dwhi_whpg_run_begin(dwhi_warehouse *w, const dwhi_run_start *run, int64_t *run_id, char **err);
int dwhi_whpg_run_schemas_put(dwhi_warehouse *w, int64_t run_id, const dwhi_run_schema *s, size_t n, char **err);
int dwhi_whpg_run_end(dwhi_warehouse *w, int64_t run_id, const char *outcome, const char *failure, const char *error,
                     int64_t rows, char **err);
int dwhi_whpg_inbox_add(dwhi_warehouse *w, const dwhi_state_key *k, const char *payload, size_t len,
                       const char *const *schemas, size_t n, const dwhi_wh_replay *replay, int64_t *id, char **err);
int dwhi_whpg_inbox_next(dwhi_warehouse *w, const dwhi_state_key *k, int64_t after, int64_t *id, char **payload,
                        size_t *len, char **err);
int64_t dwhi_whpg_inbox_pending(dwhi_warehouse *w, const dwhi_state_key *k, int64_t after, char **err);
int dwhi_whpg_webhook_cursor_get(dwhi_warehouse *w, const dwhi_state_key *k, int64_t *last_id, int *synced,
                                char **err);
int dwhi_whpg_webhook_cursor_put(dwhi_warehouse *w, const dwhi_state_key *k, int64_t last_id, char **err);
int dwhi_whpg_webhook_mark_synced(dwhi_warehouse *w, const dwhi_state_key *k, char **err);
int dwhi_whpg_webhook_skip_before(dwhi_warehouse *w, const dwhi_state_key *k, const char *received_before,
                                 int64_t *skipped, char **err);
int dwhi_whpg_inbox_gc(dwhi_warehouse *w, const dwhi_state_key *k, int64_t *deleted, char **err);
int dwhi_whpg_inbox_drop(dwhi_warehouse *w, const dwhi_state_key *k, int64_t id, char **err);

/* warehouse_pg_read.c: what `dwhost status` reads (warehouse_read.h) */
int dwhi_whpg_read_states(dwhi_warehouse *w, int (*fn)(void *arg, const dwhi_wh_state_row *row), void *arg,
                          char **err);
int dwhi_whpg_read_stateless_jobs(dwhi_warehouse *w, int (*fn)(void *arg, const dwhi_wh_job_key *job, int from_lease),
                                  void *arg, char **err);
void dwhi_whpg_read_leases(dwhi_warehouse *w, const dwhi_wh_job_key *job,
                           int (*fn)(void *arg, const dwhi_lease_owner *o), void *arg);
int dwhi_whpg_lease_fresh(dwhi_warehouse *w, const char *job_id, int64_t now_ms, int64_t timeout_ms);
int64_t dwhi_whpg_read_webhooks_pending(dwhi_warehouse *w, const dwhi_wh_job_key *job);
int dwhi_whpg_read_runs(dwhi_warehouse *w, int limit, int (*fn)(void *arg, const dwhi_wh_run_row *run), void *arg,
                        char **err);
void dwhi_whpg_read_run_schemas(dwhi_warehouse *w, int64_t run_id, int (*fn)(void *arg, const dwhi_run_schema *s),
                                void *arg);
void dwhi_whpg_read_last_run(dwhi_warehouse *w, const dwhi_wh_job_key *job,
                             void (*fn)(void *arg, const dwhi_wh_run_row *run, const dwhi_run_schema *s), void *arg);

#endif
