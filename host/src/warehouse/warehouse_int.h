/*
 * warehouse_int.h -- shared by the files of warehouse/.  Not for other
 * modules.
 *
 * A warehouse is one of two backends, each a table of the operations the
 * sync, webhook and status code call (dwhi_wh_backend below): SQLite
 * (warehouse_sqlite.c, warehouse_table.c, warehouse_state.c,
 * warehouse_lease.c, warehouse_runs.c, warehouse_webhook.c,
 * warehouse_read.c: the dwhi_whsq_ functions) and PostgreSQL
 * (warehouse_pg*.c, warehouse_pg_int.h: libpq).  warehouse.c picks the
 * backend from what --warehouse names and turns each dwhi_wh_ call of
 * warehouse_sqlite.h, run_history.h and webhook_inbox.h into a call
 * through w->be; nothing else asks which backend it has.
 */
#ifndef DWHI_WAREHOUSE_INTERNAL_H
#define DWHI_WAREHOUSE_INTERNAL_H

#include <stdarg.h>

#include "run_history.h"
#include "warehouse_read.h"
#include "warehouse_sqlite.h"
#include "webhook_inbox.h"

typedef struct dwhi_wh_backend dwhi_wh_backend;

struct dwhi_warehouse {
    const dwhi_wh_backend *be;
    char *path;  /* as given to open: a PostgreSQL conninfo may hold a password, so never print it */
    char *shown; /* what messages, reports and logs name: `path` without a password */
    struct dwhi_pg *pg; /* the PostgreSQL backend's connection (warehouse_pg_int.h), else NULL */
    sqlite3 *db;
    char id[33];
    int busy_timeout_ms;
    dwhi_wh_error last;
    unsigned generation; /* bumped on rollback: cached table layouts reload */
    sqlite3_stmt *state_get;
    sqlite3_stmt *state_put;
    sqlite3_stmt *lease_renew;
    struct dwhi_wh_ckpt *ckpt; /* background checkpoints (dwhi_wh_options.background_checkpoint) */
    int readonly;             /* dwhi_wh_open_readonly: closing never checkpoints */
};

/* The operations of one backend; every member is required unless it
 * says otherwise.  Each does what the dwhi_wh_ function of the same name
 * promises (warehouse_sqlite.h, run_history.h, webhook_inbox.h).  A table
 * (dwhi_wh_table) of either backend starts with a dwhi_wh_table_base, so
 * the table's calls find their backend. */
struct dwhi_wh_backend {
    const char *name; /* "sqlite", "postgres" */
    void (*close)(dwhi_warehouse *w);
    int (*begin)(dwhi_warehouse *w, char **err);
    int (*commit)(dwhi_warehouse *w, char **err);
    void (*rollback)(dwhi_warehouse *w);
    int (*in_transaction)(dwhi_warehouse *w);
    int (*table_exists)(dwhi_warehouse *w, const char *table);
    int64_t (*count)(dwhi_warehouse *w, const char *table);
    int (*staging_exists)(dwhi_warehouse *w, const char *table);
    int (*staging_drop)(dwhi_warehouse *w, const char *table, char **err);
    dwhi_wh_table *(*table_open)(dwhi_warehouse *w, const char *table, dwhi_write_mode mode,
                                 const char *const *primary_keys, dwhi_wh_target target, char **err);
    void (*table_close)(dwhi_wh_table *t);
    void (*table_keep_last)(dwhi_wh_table *t, int on);
    uint64_t (*table_repeated)(const dwhi_wh_table *t);
    int (*write)(dwhi_wh_table *t, const dwhi_wh_rows *rows, char **err);
    int (*finish)(dwhi_wh_table *t, char **err);
    int (*state_get)(dwhi_warehouse *w, const dwhi_state_key *k, dwhi_state_record *out, char **err);
    int (*state_put)(dwhi_warehouse *w, const dwhi_state_key *k, const dwhi_state_record *r, char **err);
    int (*state_delete)(dwhi_warehouse *w, const dwhi_state_key *k, char **err);
    int (*lease_get)(dwhi_warehouse *w, const dwhi_state_key *k, dwhi_lease_owner *out, char **err);
    int (*lease_put)(dwhi_warehouse *w, const dwhi_state_key *k, const dwhi_lease_owner *me, char **err);
    int (*lease_renew)(dwhi_warehouse *w, const dwhi_state_key *k, const char *job_id, int64_t now_ms, char **err);
    int (*lease_release)(dwhi_warehouse *w, const dwhi_state_key *k, const char *job_id, char **err);
    int (*run_begin)(dwhi_warehouse *w, const dwhi_run_start *run, int64_t *run_id, char **err);
    int (*run_schemas_put)(dwhi_warehouse *w, int64_t run_id, const dwhi_run_schema *s, size_t n, char **err);
    int (*run_end)(dwhi_warehouse *w, int64_t run_id, const char *outcome, const char *failure, const char *error,
                   int64_t rows, char **err);
    int (*inbox_add)(dwhi_warehouse *w, const dwhi_state_key *k, const char *payload, size_t len,
                     const char *const *schemas, size_t n, const dwhi_wh_replay *replay, int64_t *id, char **err);
    int (*inbox_next)(dwhi_warehouse *w, const dwhi_state_key *k, int64_t after, int64_t *id, char **payload,
                      size_t *len, char **err);
    int64_t (*inbox_pending)(dwhi_warehouse *w, const dwhi_state_key *k, int64_t after, char **err);
    int (*webhook_cursor_get)(dwhi_warehouse *w, const dwhi_state_key *k, int64_t *last_id, int *synced, char **err);
    int (*webhook_cursor_put)(dwhi_warehouse *w, const dwhi_state_key *k, int64_t last_id, char **err);
    int (*webhook_mark_synced)(dwhi_warehouse *w, const dwhi_state_key *k, char **err);
    int (*webhook_skip_before)(dwhi_warehouse *w, const dwhi_state_key *k, const char *received_before,
                               int64_t *skipped, char **err);
    int (*inbox_gc)(dwhi_warehouse *w, const dwhi_state_key *k, int64_t *deleted, char **err);
    int (*inbox_drop)(dwhi_warehouse *w, const dwhi_state_key *k, int64_t id, char **err);
    /* optional (NULL: the backend keeps values as sent, SQLite) */
    int (*table_time_keys)(dwhi_wh_table *t, const dwhi_wh_time_key *keys, size_t n, char **err);
    /* what `dwhost status` reads (warehouse_read.h) */
    int (*read_states)(dwhi_warehouse *w, int (*fn)(void *arg, const dwhi_wh_state_row *row), void *arg, char **err);
    int (*read_stateless_jobs)(dwhi_warehouse *w, int (*fn)(void *arg, const dwhi_wh_job_key *job, int from_lease),
                               void *arg, char **err);
    void (*read_leases)(dwhi_warehouse *w, const dwhi_wh_job_key *job,
                        int (*fn)(void *arg, const dwhi_lease_owner *o), void *arg);
    int (*lease_fresh)(dwhi_warehouse *w, const char *job_id, int64_t now_ms, int64_t timeout_ms);
    int64_t (*read_webhooks_pending)(dwhi_warehouse *w, const dwhi_wh_job_key *job);
    int (*read_runs)(dwhi_warehouse *w, int limit, int (*fn)(void *arg, const dwhi_wh_run_row *run), void *arg,
                     char **err);
    void (*read_run_schemas)(dwhi_warehouse *w, int64_t run_id, int (*fn)(void *arg, const dwhi_run_schema *s),
                             void *arg);
    void (*read_last_run)(dwhi_warehouse *w, const dwhi_wh_job_key *job,
                          void (*fn)(void *arg, const dwhi_wh_run_row *run, const dwhi_run_schema *s), void *arg);
};

/* The first member of every backend's struct dwhi_wh_table. */
typedef struct dwhi_wh_table_base {
    dwhi_warehouse *w;
} dwhi_wh_table_base;

extern const dwhi_wh_backend dwhi_wh_sqlite_backend; /* warehouse_sqlite.c */
extern const dwhi_wh_backend dwhi_wh_pg_backend;     /* warehouse_pg.c */

/* The backends' open functions (warehouse.c chooses).  As dwhi_wh_open
 * and dwhi_wh_open_readonly. */
dwhi_warehouse *dwhi_whsq_open(const char *path, const dwhi_wh_options *opts, char **err);
dwhi_warehouse *dwhi_whsq_open_readonly(const char *path, char **err);
dwhi_warehouse *dwhi_whpg_open(const char *conninfo, const dwhi_wh_options *opts, char **err);
dwhi_warehouse *dwhi_whpg_open_readonly(const char *conninfo, dwhi_wh_error *why, char **err);

/* SQLite's operations, for its backend table (warehouse_sqlite.c). */
void dwhi_whsq_close(dwhi_warehouse *w);
int dwhi_whsq_begin(dwhi_warehouse *w, char **err);
int dwhi_whsq_commit(dwhi_warehouse *w, char **err);
void dwhi_whsq_rollback(dwhi_warehouse *w);
int dwhi_whsq_in_transaction(dwhi_warehouse *w);
int dwhi_whsq_table_exists(dwhi_warehouse *w, const char *table);
int64_t dwhi_whsq_count(dwhi_warehouse *w, const char *table);
int dwhi_whsq_staging_exists(dwhi_warehouse *w, const char *table);
int dwhi_whsq_staging_drop(dwhi_warehouse *w, const char *table, char **err);
dwhi_wh_table *dwhi_whsq_table_open(dwhi_warehouse *w, const char *table, dwhi_write_mode mode,
                                   const char *const *primary_keys, dwhi_wh_target target, char **err);
void dwhi_whsq_table_close(dwhi_wh_table *t);
void dwhi_whsq_table_keep_last(dwhi_wh_table *t, int on);
uint64_t dwhi_whsq_table_repeated(const dwhi_wh_table *t);
int dwhi_whsq_write(dwhi_wh_table *t, const dwhi_wh_rows *rows, char **err);
int dwhi_whsq_finish(dwhi_wh_table *t, char **err);
int dwhi_whsq_state_get(dwhi_warehouse *w, const dwhi_state_key *k, dwhi_state_record *out, char **err);
int dwhi_whsq_state_put(dwhi_warehouse *w, const dwhi_state_key *k, const dwhi_state_record *r, char **err);
int dwhi_whsq_state_delete(dwhi_warehouse *w, const dwhi_state_key *k, char **err);
int dwhi_whsq_lease_get(dwhi_warehouse *w, const dwhi_state_key *k, dwhi_lease_owner *out, char **err);
int dwhi_whsq_lease_put(dwhi_warehouse *w, const dwhi_state_key *k, const dwhi_lease_owner *me, char **err);
int dwhi_whsq_lease_renew(dwhi_warehouse *w, const dwhi_state_key *k, const char *job_id, int64_t now_ms, char **err);
int dwhi_whsq_lease_release(dwhi_warehouse *w, const dwhi_state_key *k, const char *job_id, char **err);
int dwhi_whsq_run_begin(dwhi_warehouse *w, const dwhi_run_start *run, int64_t *run_id, char **err);
int dwhi_whsq_run_schemas_put(dwhi_warehouse *w, int64_t run_id, const dwhi_run_schema *s, size_t n, char **err);
int dwhi_whsq_run_end(dwhi_warehouse *w, int64_t run_id, const char *outcome, const char *failure, const char *error,
                     int64_t rows, char **err);
int dwhi_whsq_inbox_add(dwhi_warehouse *w, const dwhi_state_key *k, const char *payload, size_t len,
                       const char *const *schemas, size_t n, const dwhi_wh_replay *replay, int64_t *id, char **err);
int dwhi_whsq_inbox_next(dwhi_warehouse *w, const dwhi_state_key *k, int64_t after, int64_t *id, char **payload,
                        size_t *len, char **err);
int64_t dwhi_whsq_inbox_pending(dwhi_warehouse *w, const dwhi_state_key *k, int64_t after, char **err);
int dwhi_whsq_webhook_cursor_get(dwhi_warehouse *w, const dwhi_state_key *k, int64_t *last_id, int *synced,
                                char **err);
int dwhi_whsq_webhook_cursor_put(dwhi_warehouse *w, const dwhi_state_key *k, int64_t last_id, char **err);
int dwhi_whsq_webhook_mark_synced(dwhi_warehouse *w, const dwhi_state_key *k, char **err);
int dwhi_whsq_webhook_skip_before(dwhi_warehouse *w, const dwhi_state_key *k, const char *received_before,
                                 int64_t *skipped, char **err);
int dwhi_whsq_inbox_gc(dwhi_warehouse *w, const dwhi_state_key *k, int64_t *deleted, char **err);
int dwhi_whsq_inbox_drop(dwhi_warehouse *w, const dwhi_state_key *k, int64_t id, char **err);
int dwhi_whsq_read_states(dwhi_warehouse *w, int (*fn)(void *arg, const dwhi_wh_state_row *row), void *arg,
                          char **err);
int dwhi_whsq_read_stateless_jobs(dwhi_warehouse *w, int (*fn)(void *arg, const dwhi_wh_job_key *job, int from_lease),
                                  void *arg, char **err);
void dwhi_whsq_read_leases(dwhi_warehouse *w, const dwhi_wh_job_key *job,
                           int (*fn)(void *arg, const dwhi_lease_owner *o), void *arg);
int dwhi_whsq_lease_fresh(dwhi_warehouse *w, const char *job_id, int64_t now_ms, int64_t timeout_ms);
int64_t dwhi_whsq_read_webhooks_pending(dwhi_warehouse *w, const dwhi_wh_job_key *job);
int dwhi_whsq_read_runs(dwhi_warehouse *w, int limit, int (*fn)(void *arg, const dwhi_wh_run_row *run), void *arg,
                        char **err);
void dwhi_whsq_read_run_schemas(dwhi_warehouse *w, int64_t run_id, int (*fn)(void *arg, const dwhi_run_schema *s),
                                void *arg);
void dwhi_whsq_read_last_run(dwhi_warehouse *w, const dwhi_wh_job_key *job,
                             void (*fn)(void *arg, const dwhi_wh_run_row *run, const dwhi_run_schema *s), void *arg);

/* Records the error kind of SQLite result `rc` and sets *err to one line:
 * "warehouse <path>: <what happened> while <doing>; <what to do>".
 * `doing` is printf-formatted.  Returns -1. */
int dwhi_wh_fail(dwhi_warehouse *w, int rc, char **err, const char *doing, ...)
    __attribute__((format(printf, 4, 5)));
/* Runs SQL without results; on error fails as above with `doing`. */
int dwhi_wh_exec(dwhi_warehouse *w, const char *sql, char **err, const char *doing);
/* A double-quoted SQL identifier ("" doubled), malloc'd; NULL on OOM. */
char *dwhi_wh_quote(const char *ident);
/* Non-zero when a table (or index, with type "index") of that name exists. */
int dwhi_wh_object_exists(dwhi_warehouse *w, const char *type, const char *name);
/* The staging table of `table`, malloc'd. */
char *dwhi_wh_staging_name(const char *table);

#endif
