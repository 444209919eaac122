/* warehouse.c -- the warehouse's operations whichever backend holds it:
 * dwhi_wh_open picks SQLite or PostgreSQL from what --warehouse names, and
 * every other dwhi_wh_ operation is a call through the backend's table
 * (warehouse_int.h). */
#include <unistd.h>

#include "warehouse_int.h"

dwhi_warehouse *dwhi_wh_open(const char *path, const dwhi_wh_options *opts, char **err) {
    if (dwhi_wh_is_postgres(path)) return dwhi_whpg_open(path, opts, err);
    return dwhi_whsq_open(path, opts, err);
}

dwhi_warehouse *dwhi_wh_open_readonly(const char *path, dwhi_wh_error *why, char **err) {
    dwhi_wh_error local;
    if (!why) why = &local;
    *why = DWHI_WH_OK;
    if (dwhi_wh_is_postgres(path)) return dwhi_whpg_open_readonly(path, why, err);
    dwhi_warehouse *w = dwhi_whsq_open_readonly(path, err);
    if (!w) *why = access(path, F_OK) != 0 ? DWHI_WH_ABSENT : DWHI_WH_OTHER;
    return w;
}

const char *dwhi_wh_shown(const dwhi_warehouse *w) { return w->shown; }
int dwhi_wh_is_pg(const dwhi_warehouse *w) { return w->be == &dwhi_wh_pg_backend; }

#define BE(w) ((w)->be)
#define TBE(t) (((const dwhi_wh_table_base *)(t))->w->be)

void dwhi_wh_close(dwhi_warehouse *w) {
    if (w) BE(w)->close(w);
}
int dwhi_wh_begin(dwhi_warehouse *w, char **err) { return BE(w)->begin(w, err); }
int dwhi_wh_commit(dwhi_warehouse *w, char **err) { return BE(w)->commit(w, err); }
void dwhi_wh_rollback(dwhi_warehouse *w) { BE(w)->rollback(w); }
int dwhi_wh_in_transaction(dwhi_warehouse *w) { return BE(w)->in_transaction(w); }
int dwhi_wh_table_exists(dwhi_warehouse *w, const char *table) { return BE(w)->table_exists(w, table); }
int64_t dwhi_wh_count(dwhi_warehouse *w, const char *table) { return BE(w)->count(w, table); }
int dwhi_wh_staging_exists(dwhi_warehouse *w, const char *table) { return BE(w)->staging_exists(w, table); }
int dwhi_wh_staging_drop(dwhi_warehouse *w, const char *table, char **err) {
    return BE(w)->staging_drop(w, table, err);
}

dwhi_wh_table *dwhi_wh_table_open(dwhi_warehouse *w, const char *table, dwhi_write_mode mode,
                                 const char *const *primary_keys, dwhi_wh_target target, char **err) {
    return BE(w)->table_open(w, table, mode, primary_keys, target, err);
}
void dwhi_wh_table_close(dwhi_wh_table *t) {
    if (t) TBE(t)->table_close(t);
}
void dwhi_wh_table_keep_last(dwhi_wh_table *t, int on) { TBE(t)->table_keep_last(t, on); }
uint64_t dwhi_wh_table_repeated(const dwhi_wh_table *t) { return TBE(t)->table_repeated(t); }
int dwhi_wh_table_time_keys(dwhi_wh_table *t, const dwhi_wh_time_key *keys, size_t n, char **err) {
    *err = NULL;
    return TBE(t)->table_time_keys ? TBE(t)->table_time_keys(t, keys, n, err) : 0;
}
int dwhi_wh_write(dwhi_wh_table *t, const dwhi_wh_rows *rows, char **err) { return TBE(t)->write(t, rows, err); }
int dwhi_wh_finish(dwhi_wh_table *t, char **err) { return TBE(t)->finish(t, err); }

int dwhi_wh_state_get(dwhi_warehouse *w, const dwhi_state_key *k, dwhi_state_record *out, char **err) {
    return BE(w)->state_get(w, k, out, err);
}
int dwhi_wh_state_put(dwhi_warehouse *w, const dwhi_state_key *k, const dwhi_state_record *r, char **err) {
    return BE(w)->state_put(w, k, r, err);
}
int dwhi_wh_state_delete(dwhi_warehouse *w, const dwhi_state_key *k, char **err) {
    return BE(w)->state_delete(w, k, err);
}

int dwhi_wh_lease_get(dwhi_warehouse *w, const dwhi_state_key *k, dwhi_lease_owner *out, char **err) {
    return BE(w)->lease_get(w, k, out, err);
}
int dwhi_wh_lease_put(dwhi_warehouse *w, const dwhi_state_key *k, const dwhi_lease_owner *me, char **err) {
    return BE(w)->lease_put(w, k, me, err);
}
int dwhi_wh_lease_renew(dwhi_warehouse *w, const dwhi_state_key *k, const char *job_id, int64_t now_ms, char **err) {
    return BE(w)->lease_renew(w, k, job_id, now_ms, err);
}
int dwhi_wh_lease_release(dwhi_warehouse *w, const dwhi_state_key *k, const char *job_id, char **err) {
    return BE(w)->lease_release(w, k, job_id, err);
}

int dwhi_wh_run_begin(dwhi_warehouse *w, const dwhi_run_start *run, int64_t *run_id, char **err) {
    return BE(w)->run_begin(w, run, run_id, err);
}
int dwhi_wh_run_schemas_put(dwhi_warehouse *w, int64_t run_id, const dwhi_run_schema *s, size_t n, char **err) {
    return BE(w)->run_schemas_put(w, run_id, s, n, err);
}
int dwhi_wh_run_end(dwhi_warehouse *w, int64_t run_id, const char *outcome, const char *failure, const char *error,
                   int64_t rows, char **err) {
    return BE(w)->run_end(w, run_id, outcome, failure, error, rows, err);
}

int dwhi_wh_inbox_add(dwhi_warehouse *w, const dwhi_state_key *k, const char *payload, size_t len,
                     const char *const *schemas, size_t n, const dwhi_wh_replay *replay, int64_t *id, char **err) {
    return BE(w)->inbox_add(w, k, payload, len, schemas, n, replay, id, err);
}
int dwhi_wh_inbox_next(dwhi_warehouse *w, const dwhi_state_key *k, int64_t after, int64_t *id, char **payload,
                      size_t *len, char **err) {
    return BE(w)->inbox_next(w, k, after, id, payload, len, err);
}
int64_t dwhi_wh_inbox_pending(dwhi_warehouse *w, const dwhi_state_key *k, int64_t after, char **err) {
    return BE(w)->inbox_pending(w, k, after, err);
}
int dwhi_wh_webhook_cursor_get(dwhi_warehouse *w, const dwhi_state_key *k, int64_t *last_id, int *synced,
                              char **err) {
    return BE(w)->webhook_cursor_get(w, k, last_id, synced, err);
}
int dwhi_wh_webhook_cursor_put(dwhi_warehouse *w, const dwhi_state_key *k, int64_t last_id, char **err) {
    return BE(w)->webhook_cursor_put(w, k, last_id, err);
}
int dwhi_wh_webhook_mark_synced(dwhi_warehouse *w, const dwhi_state_key *k, char **err) {
    return BE(w)->webhook_mark_synced(w, k, err);
}
int dwhi_wh_webhook_skip_before(dwhi_warehouse *w, const dwhi_state_key *k, const char *received_before,
                               int64_t *skipped, char **err) {
    return BE(w)->webhook_skip_before(w, k, received_before, skipped, err);
}
int dwhi_wh_inbox_gc(dwhi_warehouse *w, const dwhi_state_key *k, int64_t *deleted, char **err) {
    return BE(w)->inbox_gc(w, k, deleted, err);
}
int dwhi_wh_inbox_drop(dwhi_warehouse *w, const dwhi_state_key *k, int64_t id, char **err) {
    return BE(w)->inbox_drop(w, k, id, err);
}

int dwhi_wh_read_states(dwhi_warehouse *w, int (*fn)(void *arg, const dwhi_wh_state_row *row), void *arg, char **err) {
    return BE(w)->read_states(w, fn, arg, err);
}
int dwhi_wh_read_stateless_jobs(dwhi_warehouse *w, int (*fn)(void *arg, const dwhi_wh_job_key *job, int from_lease),
                               void *arg, char **err) {
    return BE(w)->read_stateless_jobs(w, fn, arg, err);
}
void dwhi_wh_read_leases(dwhi_warehouse *w, const dwhi_wh_job_key *job,
                        int (*fn)(void *arg, const dwhi_lease_owner *o), void *arg) {
    BE(w)->read_leases(w, job, fn, arg);
}
int dwhi_wh_lease_fresh(dwhi_warehouse *w, const char *job_id, int64_t now_ms, int64_t timeout_ms) {
    return BE(w)->lease_fresh(w, job_id, now_ms, timeout_ms);
}
int64_t dwhi_wh_read_webhooks_pending(dwhi_warehouse *w, const dwhi_wh_job_key *job) {
    return BE(w)->read_webhooks_pending(w, job);
}
int dwhi_wh_read_runs(dwhi_warehouse *w, int limit, int (*fn)(void *arg, const dwhi_wh_run_row *run), void *arg,
                     char **err) {
    return BE(w)->read_runs(w, limit, fn, arg, err);
}
void dwhi_wh_read_run_schemas(dwhi_warehouse *w, int64_t run_id, int (*fn)(void *arg, const dwhi_run_schema *s),
                             void *arg) {
    BE(w)->read_run_schemas(w, run_id, fn, arg);
}
void dwhi_wh_read_last_run(dwhi_warehouse *w, const dwhi_wh_job_key *job,
                          void (*fn)(void *arg, const dwhi_wh_run_row *run, const dwhi_run_schema *s), void *arg) {
    BE(w)->read_last_run(w, job, fn, arg);
}
