/*
 * warehouse_sqlite.h -- the warehouse: the embedded default, one SQLite
 * file (default ./warehouse.db, WAL mode, synchronous=NORMAL), described
 * below; or a PostgreSQL database when --warehouse is a postgres:// or
 * postgresql:// URL or a libpq conninfo ("host=... dbname=..."), with
 * the same operations and guarantees (warehouse_pg_int.h tells its
 * layout; docs/warehouse/postgresql.md).  Every function below works on
 * either; warehouse.c sends each call to the backend that opened `w`.
 *
 * Layout:
 *   <prefix><source>_<schema>    one table per schema (name lowercased, bytes
 *                                outside [a-z0-9_] become '_').  Columns come
 *                                from the rows: a column is created when it
 *                                first appears (columns that were only ever
 *                                null are not).  A STRICT table, data columns
 *                                ANY: each value keeps the type the source
 *                                sent (integer and bool -> integer, float ->
 *                                real, string -> text, object/array -> text
 *                                holding compact JSON), whatever other rows
 *                                held; no affinity conversion.
 *                                Plus _dw_synced_at (commit time, ISO-8601
 *                                UTC) and _dw_partition_key (TEXT or NULL).
 *   _dw_staging_<table>          a full refresh being written
 *   _dw_state                    job state (state.h), one row per job
 *   _dw_lease                    the run holding each job (lease.h)
 *   _dw_runs, _dw_run_schemas    every sync run and its schemas (run_history.h)
 *   _dw_webhook_inbox, _dw_webhook_target, _dw_webhook_cursor
 *                                pushed webhook payloads, the schemas that
 *                                take each, and what each schema consumed
 *                                (webhook_inbox.h)
 *   _dw_meta                     warehouse id and format
 *
 * Column names are the rows' JSON keys, always quoted.  SQLite compares
 * names case-insensitively, so a key that collides with another key's
 * column (id / ID), with a _dw_ column, or is empty is stored as
 * "<key>__<first 8 hex of md5(key)>" -- stable across runs, no side table.
 *
 * Write modes:
 *   merge (incremental)  INSERT ... ON CONFLICT (pk) DO UPDATE: a matched row
 *                        is replaced by the new one, a new one inserted.  A
 *                        UNIQUE index _dw_pk_<table> on the key columns.
 *   replace (full)       rows go to _dw_staging_<table>; finish swaps it for
 *                        the table in one transaction: readers see the old
 *                        table until the new one is complete.  A resumed
 *                        full refresh continues into the same staging table.
 *   append               INSERT.
 *
 * Every write happens inside dwhi_wh_begin()/dwhi_wh_commit() so a batch, its
 * new columns and its state row commit together or not at all.  Errors are
 * one line naming the file, what happened and what to do; on any error the
 * caller rolls back and nothing of the batch is kept.
 */
#ifndef DWHI_WAREHOUSE_SQLITE_H
#define DWHI_WAREHOUSE_SQLITE_H

#include <json-c/json.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "base/write_mode.h"
#include "dwhost.h"
#include "rows/batcher.h"
#include "state/lease.h"
#include "state/state.h"

#define DWHI_WAREHOUSE_DEFAULT_PATH DWH_WAREHOUSE_DEFAULT_PATH /* dwhost.h */

typedef struct dwhi_warehouse dwhi_warehouse;
typedef struct dwhi_wh_table dwhi_wh_table;

/* What went wrong, for exit codes and tests. */
typedef enum dwhi_wh_error {
    DWHI_WH_OK = 0,
    DWHI_WH_LOCKED,   /* another writer holds the database */
    DWHI_WH_READONLY, /* file, directory or filesystem not writable */
    DWHI_WH_FULL,     /* disk (or quota) full */
    DWHI_WH_IO,       /* other I/O error */
    DWHI_WH_CORRUPT,  /* not a database, or damaged */
    DWHI_WH_DATA,     /* the data does not fit the table (duplicate keys...) */
    DWHI_WH_NOMEM,
    DWHI_WH_OTHER,
    DWHI_WH_UNREACHABLE, /* PostgreSQL: the server cannot be reached, or the connection was lost */
    DWHI_WH_AUTH,        /* PostgreSQL: the server refused the user or password */
    DWHI_WH_ABSENT       /* dwhi_wh_open_readonly: no warehouse there yet (no such file; a PostgreSQL
                          * database without dwhost's tables) */
} dwhi_wh_error;

/* Non-zero when `spec` (a --warehouse value) names a PostgreSQL
 * warehouse: it starts with postgres:// or postgresql://, or it is a libpq
 * conninfo (keyword=value words libpq accepts, e.g. "host=db dbname=dw");
 * anything else is a SQLite file path. */
int dwhi_wh_is_postgres(const char *spec);
/* `spec` as it may be shown (summaries, reports, logs, errors): for
 * PostgreSQL without its password (a URL's user:password@ becomes user@,
 * a password= word or parameter is left out); a path as it is.  Malloc'd
 * (caller frees); NULL on OOM. */
char *dwhi_wh_spec_shown(const char *spec);
/* The password `spec` carries (PostgreSQL URL or conninfo), malloc'd
 * (caller frees), or NULL when it has none (or is a path).  For the
 * caller's secret set: what scrubs logs and saved commands. */
char *dwhi_wh_spec_password(const char *spec);

typedef struct dwhi_wh_options {
    int busy_timeout_ms;    /* wait for another writer; 0: 5000 */
    int64_t max_page_count; /* > 0: cap the file (simulates a full disk in tests) */
    /* non-zero: the WAL is copied into the file on a thread of its own while
     * this connection commits (a sync's writer; warehouse_ckpt_int.h) */
    int background_checkpoint;
    int checkpoint_pages;   /* with it: WAL pages that start a copy; 0: 2000 */
} dwhi_wh_options;

/* Opens (creating) the warehouse at `path`; `opts` may be NULL.  Returns
 * NULL with a malloc'd one-line *err (caller frees) when it cannot be
 * opened for writing.  Close with dwhi_wh_close(). */
dwhi_warehouse *dwhi_wh_open(const char *path, const dwhi_wh_options *opts, char **err);
/* Opens the warehouse at `path` to look at it (`dwhost status`;
 * warehouse_read.h reads it): read-only, so looking never creates,
 * migrates, checkpoints or write-locks it and never holds up a sync;
 * waits up to 5 s for a lock a writer holds briefly.  Returns NULL with
 * a malloc'd one-line *err (caller frees) and, when `why` is not NULL,
 * the kind in *why: DWHI_WH_ABSENT when there is no warehouse there yet
 * -- no such file ("no warehouse at <path>; sync into it first, or pass
 * --warehouse"), a PostgreSQL database without dwhost's tables ("... is
 * not a dwhost warehouse ...; sync into it first") -- else what kept it
 * from being opened (DWHI_WH_UNREACHABLE, DWHI_WH_AUTH, ...).  A file that is not a database, or not one dwhost
 * wrote, is told by the first read (warehouse_read.h).  Close with
 * dwhi_wh_close(); the connection is for warehouse_read.h only. */
dwhi_warehouse *dwhi_wh_open_readonly(const char *path, dwhi_wh_error *why, char **err);
/* Rolls back an open transaction, folds the WAL into the file
 * (dwhi_wh_checkpoint) and closes.  NULL allowed. */
void dwhi_wh_close(dwhi_warehouse *w);
/* Outside a transaction: copies the WAL's committed pages into the
 * database file and empties the WAL (a TRUNCATE checkpoint), so the file
 * alone holds every commit and the next process to open it has no WAL to
 * recover.  Readers never see "database is locked" from it: it waits for
 * them (at most 1 s), never the reverse.  Returns 0 when the WAL is empty
 * afterwards, -1 when it could not be (a reader or another writer kept it,
 * the disk is full); nothing is lost either way. */
int dwhi_wh_checkpoint(dwhi_warehouse *w);

const char *dwhi_wh_path(const dwhi_warehouse *w); /* as given to open (may hold a password: never print it) */
const char *dwhi_wh_shown(const dwhi_warehouse *w); /* as it may be printed (dwhi_wh_spec_shown) */
int dwhi_wh_is_pg(const dwhi_warehouse *w);         /* non-zero for a PostgreSQL warehouse */
const char *dwhi_wh_id(const dwhi_warehouse *w);   /* random id made at creation */
sqlite3 *dwhi_wh_db(dwhi_warehouse *w);            /* the SQLite connection (borrowed); NULL for PostgreSQL */
/* WAL frames the background checkpoint thread has copied into the file
 * (dwhi_wh_options.background_checkpoint); 0 without the thread. */
long dwhi_wh_background_copied(dwhi_warehouse *w);
/* Kind of the last error. */
dwhi_wh_error dwhi_wh_last_error(const dwhi_warehouse *w);

/* The table of a schema, malloc'd (caller frees). */
char *dwhi_wh_table_name(const char *prefix, const char *source, const char *schema);

/* Transactions (BEGIN IMMEDIATE: waits for other writers up to the busy
 * timeout).  Return 0, or -1 with a malloc'd *err.  Rollback never fails;
 * it also forgets cached table layouts so a rolled-back column is not
 * believed to exist. */
int dwhi_wh_begin(dwhi_warehouse *w, char **err);
int dwhi_wh_commit(dwhi_warehouse *w, char **err);
void dwhi_wh_rollback(dwhi_warehouse *w);
int dwhi_wh_in_transaction(dwhi_warehouse *w);

/* Where a replace (full refresh) writes. */
typedef enum dwhi_wh_target {
    DWHI_TARGET_NEW_STAGING = 0,      /* a fresh staging table (a leftover one is dropped), swapped in at the end */
    DWHI_TARGET_CONTINUE_STAGING = 1, /* the existing staging table (a resumed full refresh) */
    DWHI_TARGET_DIRECT = 2            /* the table itself: a first sync, when there is no old table to keep
                                      * for readers, so its rows can be queried as they land */
} dwhi_wh_target;

/* A run's target.  `table` and `primary_keys` (NULL-terminated, needed for
 * merge) are copied.  `target` matters for replace only (see above; a
 * leftover staging table is dropped unless continued).  Returns NULL with
 * *err.  Close with dwhi_wh_table_close() (does not drop anything). */
dwhi_wh_table *dwhi_wh_table_open(dwhi_warehouse *w, const char *table, dwhi_write_mode mode,
                                 const char *const *primary_keys, dwhi_wh_target target, char **err);
void dwhi_wh_table_close(dwhi_wh_table *t);

/* The source may deliver a key again in one run (the schema's
 * has_duplicate_primary_keys): a merge overwrites the row an earlier batch
 * of the run wrote instead of failing, and a full refresh keeps only the
 * last row of each key when it swaps the table in.  dwhi_wh_table_repeated()
 * counts the rows so replaced (batches' own in-batch repeats are the
 * caller's: dwhi_wh_rows.skip). */
void dwhi_wh_table_keep_last(dwhi_wh_table *t, int on);
uint64_t dwhi_wh_table_repeated(const dwhi_wh_table *t);

/* A key the schema says holds times: one of its incremental fields of
 * type datetime or date (sdk/dwsdk.h dw_value_type). */
typedef struct dwhi_wh_time_key {
    const char *key;
    uint32_t type; /* DW_TYPE_DATETIME or DW_TYPE_DATE */
} dwhi_wh_time_key;

/* Before the first write: the keys of `keys` (copied) hold times.  A
 * PostgreSQL warehouse creates their columns as timestamptz (a date key:
 * date) as long as their values are ISO-8601 times (base/isotime.h) it
 * can hold exactly, and widens such a column to text at the first value
 * that is not one; a SQLite warehouse keeps every value as sent and
 * ignores them.  Returns 0, or -1 with a malloc'd *err (out of memory). */
int dwhi_wh_table_time_keys(dwhi_wh_table *t, const dwhi_wh_time_key *keys, size_t n, char **err);

/* Non-zero when the staging table of `table` exists (a full refresh was
 * interrupted). */
int dwhi_wh_staging_exists(dwhi_warehouse *w, const char *table);
/* Drops the staging table of `table` if there is one.  Returns 0, or -1
 * with a malloc'd *err. */
int dwhi_wh_staging_drop(dwhi_warehouse *w, const char *table, char **err);

/* Rows to write: a cut batch (batcher.h; each row's partition span is its
 * _dw_partition_key) and the _dw_synced_at value.  Borrowed. */
typedef struct dwhi_wh_rows {
    const dwhi_batch *batch;
    const char *synced_at;
    /* merge: when the run started (ISO-8601, same format as synced_at,
     * <= every synced_at of the run).  A key whose stored row has a
     * _dw_synced_at at or after it was written by this run: the write
     * fails (DWHI_WH_DATA) naming the key.  NULL: no such check. */
    const char *run_started;
    /* NULL, or b->n flags: rows with a non-zero flag are not written (an
     * earlier row of a key repeated later in the batch; batcher.h
     * dwhi_batch_mark_repeats). */
    const uint8_t *skip;
} dwhi_wh_rows;

/* Inside a transaction: adds the columns the rows bring, (merge) makes
 * sure of the key index, and writes the rows.  Returns 0, or -1 with *err
 * (roll back). */
int dwhi_wh_write(dwhi_wh_table *t, const dwhi_wh_rows *rows, char **err);
/* Inside a transaction, at the end of a successful run: replace swaps the
 * staging table in (an empty run empties the table); other modes do
 * nothing.  Returns 0 or -1 with *err. */
int dwhi_wh_finish(dwhi_wh_table *t, char **err);

/* Non-zero when `table` exists. */
int dwhi_wh_table_exists(dwhi_warehouse *w, const char *table);
/* Rows in `table` (0 when it does not exist, -1 on error). */
int64_t dwhi_wh_count(dwhi_warehouse *w, const char *table);

/* The job state row (state.h).  get: fills *out (seq 0 when absent),
 * returns 0 or -1 with *err.  put: inside a transaction, replaces the row.
 * delete: removes it (inside or outside a transaction). */
int dwhi_wh_state_get(dwhi_warehouse *w, const dwhi_state_key *k, dwhi_state_record *out, char **err);
int dwhi_wh_state_put(dwhi_warehouse *w, const dwhi_state_key *k, const dwhi_state_record *r, char **err);
int dwhi_wh_state_delete(dwhi_warehouse *w, const dwhi_state_key *k, char **err);

/* The job lease row (lease.h).  get: fills *out (job_id NULL when nobody
 * holds it); put: replaces it with `me` (call both inside one transaction
 * to take a lease); renew: sets the heartbeat if `job_id` still holds it --
 * returns 1 held, 0 lost (another run took it over), -1 with *err; release:
 * deletes it if `job_id` holds it.  Errors: -1 with a malloc'd *err. */
int dwhi_wh_lease_get(dwhi_warehouse *w, const dwhi_state_key *k, dwhi_lease_owner *out, char **err);
int dwhi_wh_lease_put(dwhi_warehouse *w, const dwhi_state_key *k, const dwhi_lease_owner *me, char **err);
int dwhi_wh_lease_renew(dwhi_warehouse *w, const dwhi_state_key *k, const char *job_id, int64_t now_ms, char **err);
int dwhi_wh_lease_release(dwhi_warehouse *w, const dwhi_state_key *k, const char *job_id, char **err);

#endif
