/* warehouse_pg_jobs.c -- dwhost's own tables in a PostgreSQL warehouse
 * (schema dwhost): job state, leases, the run history and the webhook
 * inbox, as the SQLite files warehouse_state.c, warehouse_lease.c,
 * warehouse_runs.c and warehouse_webhook.c keep them (see
 * warehouse_pg_int.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/isotime.h"
#include "state/lease.h"
#include "warehouse_pg_int.h"

#define S DWHI_PG_SCHEMA "."

static const char *nz(const char *s) { return s ? s : ""; }

/* An int64 as text in a caller's buffer. */
typedef struct num {
    char s[24];
} num;
static num n64(int64_t v) {
    num n;
    snprintf(n.s, sizeof n.s, "%" PRId64, v);
    return n;
}

static int64_t col_i64(const PGresult *r, int row, int col) {
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* ---- state */

#define STATE_COLS                                                                                               \
    "seq, resume, write_mode, incremental_field, last_value, earliest_value, pending_last_value,"                \
    " pending_earliest_value, run_last_value, run_earliest_value, rows_past_resume, run_rows, run_batches,"     \
    " job_id, updated_at"
#define KEY4 "team_id = $1 AND source_id = $2 AND schema_name = $3 AND namespace = $4"

static int col_str(const PGresult *r, int col, char **out) {
    return dwhi_state_set(out, PQgetisnull(r, 0, col) ? NULL : PQgetvalue(r, 0, col));
}

int dwhi_whpg_state_get(dwhi_warehouse *w, const dwhi_state_key *k, dwhi_state_record *out, char **err) {
    *err = NULL;
    dwhi_state_record_clear(out);
    const char *p[4] = {nz(k->team_id), nz(k->source_id), nz(k->schema), nz(k->ns)};
    PGresult *r = dwhi_pg_query(w, "SELECT " STATE_COLS " FROM " S "state WHERE " KEY4, 4, p, err,
                                "reading the sync state");
    if (!r) return -1;
    int bad = 0;
    if (PQntuples(r) == 1) {
        out->seq = col_i64(r, 0, 0);
        bad |= col_str(r, 1, &out->resume);
        bad |= col_str(r, 2, &out->write_mode);
        bad |= col_str(r, 3, &out->incremental_field);
        bad |= col_str(r, 4, &out->last_value);
        bad |= col_str(r, 5, &out->earliest_value);
        bad |= col_str(r, 6, &out->pending_last_value);
        bad |= col_str(r, 7, &out->pending_earliest_value);
        bad |= col_str(r, 8, &out->run_last_value);
        bad |= col_str(r, 9, &out->run_earliest_value);
        out->rows_past_resume = col_i64(r, 0, 10);
        out->run_rows = col_i64(r, 0, 11);
        out->run_batches = col_i64(r, 0, 12);
        bad |= col_str(r, 13, &out->job_id);
        bad |= col_str(r, 14, &out->updated_at);
        bad |= dwhi_state_set(&out->warehouse_id, w->id);
    }
    PQclear(r);
    if (bad) {
        dwhi_state_record_clear(out);
        w->last = DWHI_WH_NOMEM;
        *err = strdup("out of memory reading the sync state");
        return -1;
    }
    return 0;
}

int dwhi_whpg_state_put(dwhi_warehouse *w, const dwhi_state_key *k, const dwhi_state_record *r, char **err) {
    *err = NULL;
    num seq = n64(r->seq), past = n64(r->rows_past_resume), rows = n64(r->run_rows), batches = n64(r->run_batches);
    const char *p[19] = {nz(k->team_id), nz(k->source_id), nz(k->schema), nz(k->ns), seq.s, r->resume,
                         r->write_mode, r->incremental_field, r->last_value, r->earliest_value,
                         r->pending_last_value, r->pending_earliest_value, r->run_last_value,
                         r->run_earliest_value, past.s, rows.s, batches.s, r->job_id, r->updated_at};
    return dwhi_pg_exec(w,
                        "INSERT INTO " S "state (team_id, source_id, schema_name, namespace, " STATE_COLS ")"
                        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
                        " ON CONFLICT (team_id, source_id, schema_name, namespace) DO UPDATE SET"
                        " seq = EXCLUDED.seq, resume = EXCLUDED.resume, write_mode = EXCLUDED.write_mode,"
                        " incremental_field = EXCLUDED.incremental_field, last_value = EXCLUDED.last_value,"
                        " earliest_value = EXCLUDED.earliest_value, pending_last_value = EXCLUDED.pending_last_value,"
                        " pending_earliest_value = EXCLUDED.pending_earliest_value,"
                        " run_last_value = EXCLUDED.run_last_value, run_earliest_value = EXCLUDED.run_earliest_value,"
                        " rows_past_resume = EXCLUDED.rows_past_resume, run_rows = EXCLUDED.run_rows,"
                        " run_batches = EXCLUDED.run_batches, job_id = EXCLUDED.job_id,"
                        " updated_at = EXCLUDED.updated_at",
                        19, p, err, "writing the sync state");
}

int dwhi_whpg_state_delete(dwhi_warehouse *w, const dwhi_state_key *k, char **err) {
    *err = NULL;
    const char *p[4] = {nz(k->team_id), nz(k->source_id), nz(k->schema), nz(k->ns)};
    return dwhi_pg_exec(w, "DELETE FROM " S "state WHERE " KEY4, 4, p, err, "deleting the sync state");
}

/* ---- leases: keyed without the namespace, as warehouse_lease.c says why */

int dwhi_whpg_lease_get(dwhi_warehouse *w, const dwhi_state_key *k, dwhi_lease_owner *out, char **err) {
    *err = NULL;
    dwhi_lease_owner_clear(out);
    /* Taking a lease is get then put in one transaction: two runs must not
     * both find it free, so takers queue on a transaction-scoped lock
     * (SQLite's BEGIN IMMEDIATE does this for the SQLite warehouse). */
    if (dwhi_wh_in_transaction(w) &&
        dwhi_pg_exec(w, "SELECT pg_advisory_xact_lock(7236002)", 0, NULL, err, "waiting to take the job lease") < 0)
        return -1;
    const char *p[4] = {nz(k->team_id), nz(k->source_id), nz(k->schema), ""};
    PGresult *r = dwhi_pg_query(w,
                                "SELECT job_id, host, pid, pid_start, started_at, heartbeat_ms FROM " S
                                "lease WHERE " KEY4,
                                4, p, err, "reading the job lease");
    if (!r) return -1;
    int bad = 0;
    if (PQntuples(r) == 1) {
        out->job_id = strdup(PQgetvalue(r, 0, 0));
        out->host = strdup(PQgetvalue(r, 0, 1));
        out->pid = col_i64(r, 0, 2);
        out->pid_start = col_i64(r, 0, 3);
        out->started_at = strdup(PQgetvalue(r, 0, 4));
        out->heartbeat_ms = col_i64(r, 0, 5);
        bad = !out->job_id || !out->host || !out->started_at;
    }
    PQclear(r);
    if (bad) {
        dwhi_lease_owner_clear(out);
        w->last = DWHI_WH_NOMEM;
        *err = strdup("out of memory reading the job lease");
        return -1;
    }
    return 0;
}

int dwhi_whpg_lease_put(dwhi_warehouse *w, const dwhi_state_key *k, const dwhi_lease_owner *me, char **err) {
    *err = NULL;
    num pid = n64(me->pid), start = n64(me->pid_start), hb = n64(me->heartbeat_ms);
    const char *p[10] = {nz(k->team_id), nz(k->source_id), nz(k->schema), "", nz(me->job_id), nz(me->host),
                         pid.s, start.s, nz(me->started_at), hb.s};
    return dwhi_pg_exec(w,
                        "INSERT INTO " S "lease (team_id, source_id, schema_name, namespace, job_id, host, pid,"
                        " pid_start, started_at, heartbeat_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
                        " ON CONFLICT (team_id, source_id, schema_name, namespace) DO UPDATE SET"
                        " job_id = EXCLUDED.job_id, host = EXCLUDED.host, pid = EXCLUDED.pid,"
                        " pid_start = EXCLUDED.pid_start, started_at = EXCLUDED.started_at,"
                        " heartbeat_ms = EXCLUDED.heartbeat_ms",
                        10, p, err, "taking the job lease");
}

int dwhi_whpg_lease_renew(dwhi_warehouse *w, const dwhi_state_key *k, const char *job_id, int64_t now_ms, char **err) {
    *err = NULL;
    num now = n64(now_ms);
    const char *p[6] = {nz(k->team_id), nz(k->source_id), nz(k->schema), "", nz(job_id), now.s};
    PGresult *r = dwhi_pg_query(w, "UPDATE " S "lease SET heartbeat_ms = $6 WHERE " KEY4 " AND job_id = $5", 6, p, err,
                                "renewing the job lease");
    if (!r) return -1;
    int held = !strcmp(PQcmdTuples(r), "1");
    PQclear(r);
    return held;
}

int dwhi_whpg_lease_release(dwhi_warehouse *w, const dwhi_state_key *k, const char *job_id, char **err) {
    *err = NULL;
    const char *p[5] = {nz(k->team_id), nz(k->source_id), nz(k->schema), "", nz(job_id)};
    return dwhi_pg_exec(w, "DELETE FROM " S "lease WHERE " KEY4 " AND job_id = $5", 5, p, err,
                        "releasing the job lease");
}

/* ---- the run history */

int dwhi_whpg_run_begin(dwhi_warehouse *w, const dwhi_run_start *run, int64_t *run_id, char **err) {
    *err = NULL;
    *run_id = 0;
    const char *doing = "recording the run in the run history";
    dwhi_lease_owner me;
    if (dwhi_lease_owner_self(&me, run->job_id) < 0) {
        w->last = DWHI_WH_NOMEM;
        *err = strdup("out of memory recording the run");
        return -1;
    }
    num pid = n64(me.pid), start = n64(me.pid_start);
    const char *p[11] = {run->job_id, run->team_id, run->source, run->source_id, run->ns ? run->ns : "",
                         me.started_at, me.host, pid.s, start.s, run->command, run->cwd};
    PGresult *r = dwhi_pg_query(w,
                                "INSERT INTO " S "runs (job_id, team_id, source, source_id, namespace, started_at,"
                                " outcome, host, pid, pid_start, command, cwd)"
                                " VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, $8, $9, $10, $11) RETURNING run_id",
                                11, p, err, doing);
    dwhi_lease_owner_clear(&me);
    if (!r) return -1;
    *run_id = col_i64(r, 0, 0);
    PQclear(r);
    return 0;
}

int dwhi_whpg_run_schemas_put(dwhi_warehouse *w, int64_t run_id, const dwhi_run_schema *s, size_t n, char **err) {
    *err = NULL;
    if (n > 1 && dwhi_wh_begin(w, err) < 0) return -1;
    int rc = 0;
    num id = n64(run_id);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        num rows = n64(s[i].rows);
        const char *p[9] = {id.s, s[i].schema ? s[i].schema : "?", s[i].table, s[i].mode,
                            s[i].status ? s[i].status : "not run", rows.s, s[i].resumed ? "1" : "0", s[i].failure,
                            s[i].error};
        rc = dwhi_pg_exec(w,
                          "INSERT INTO " S "run_schemas (run_id, schema_name, table_name, mode, status, rows, resumed,"
                          " failure, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                          " ON CONFLICT (run_id, schema_name) DO UPDATE SET table_name = EXCLUDED.table_name,"
                          " mode = EXCLUDED.mode, status = EXCLUDED.status, rows = EXCLUDED.rows,"
                          " resumed = EXCLUDED.resumed, failure = EXCLUDED.failure, error = EXCLUDED.error",
                          9, p, err, "recording a schema in the run history");
    }
    if (n > 1) {
        if (rc == 0) rc = dwhi_wh_commit(w, err);
        else dwhi_wh_rollback(w);
    }
    return rc;
}

int dwhi_whpg_run_end(dwhi_warehouse *w, int64_t run_id, const char *outcome, const char *failure, const char *error,
                     int64_t rows, char **err) {
    *err = NULL;
    char now[40];
    dwhi_isotime_now(now, sizeof now);
    num id = n64(run_id), nrows = n64(rows), kept = n64(DWHI_RUNS_KEPT);
    const char *p[6] = {id.s, now, outcome, failure, error, nrows.s};
    if (dwhi_pg_exec(w,
                     "UPDATE " S "runs SET ended_at = $2, outcome = $3, failure = $4, error = $5, rows = $6"
                     " WHERE run_id = $1",
                     6, p, err, "recording the end of the run in the run history") < 0)
        return -1;
    /* the oldest runs of the same job family beyond the ones kept */
    const char *q[2] = {id.s, kept.s};
    if (dwhi_wh_begin(w, err) < 0) return -1;
    if (dwhi_pg_exec(w,
                     "CREATE TEMP TABLE IF NOT EXISTS _dw_old_runs (run_id bigint) ON COMMIT DROP;"
                     " TRUNCATE _dw_old_runs",
                     0, NULL, err, "dropping the oldest runs from the run history") < 0 ||
        dwhi_pg_exec(w,
                     "INSERT INTO _dw_old_runs SELECT o.run_id FROM " S "runs o, " S "runs r WHERE r.run_id = $1"
                     " AND o.team_id = r.team_id AND o.source_id = r.source_id AND o.namespace = r.namespace"
                     " ORDER BY o.run_id DESC OFFSET $2",
                     2, q, err, "dropping the oldest runs from the run history") < 0 ||
        dwhi_pg_exec(w,
                     "DELETE FROM " S "run_schemas WHERE run_id IN (SELECT run_id FROM _dw_old_runs);"
                     " DELETE FROM " S "runs WHERE run_id IN (SELECT run_id FROM _dw_old_runs)",
                     0, NULL, err, "dropping the oldest runs from the run history") < 0) {
        dwhi_wh_rollback(w);
        return -1;
    }
    return dwhi_wh_commit(w, err);
}

/* ---- the webhook inbox */

int dwhi_whpg_inbox_add(dwhi_warehouse *w, const dwhi_state_key *k, const char *payload, size_t len,
                       const char *const *schemas, size_t n, const dwhi_wh_replay *replay, int64_t *id, char **err) {
    *err = NULL;
    *id = 0;
    static const char doing[] = "storing the webhook payload";
    char now[40];
    dwhi_isotime_now(now, sizeof now);
    char *text = strndup(payload, len);
    if (!text) {
        w->last = DWHI_WH_NOMEM;
        *err = strdup("out of memory storing the webhook payload");
        return -1;
    }
    if (dwhi_wh_begin(w, err) < 0) {
        free(text);
        return -1;
    }
    if (replay) { /* the request seen before: nothing stored */
        num exp = n64(replay->expires), at = n64(replay->now);
        const char *d[3] = {nz(k->team_id), nz(k->source_id), at.s};
        if (dwhi_pg_exec(w, "DELETE FROM " S "webhook_seen WHERE team_id = $1 AND source_id = $2 AND expires < $3", 3,
                         d, err, doing) < 0)
            goto fail_text;
        const char *q[4] = {nz(k->team_id), nz(k->source_id), replay->key, exp.s};
        PGresult *seen = dwhi_pg_query(w,
                                       "INSERT INTO " S "webhook_seen (team_id, source_id, key, expires)"
                                       " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1",
                                       4, q, err, doing);
        if (!seen) goto fail_text;
        int fresh = PQntuples(seen) == 1;
        PQclear(seen);
        if (!fresh) {
            free(text);
            dwhi_wh_rollback(w);
            return -2;
        }
    }
    const char *p[5] = {nz(k->team_id), nz(k->source_id), nz(k->ns), now, text};
    PGresult *r = dwhi_pg_query(w,
                                "INSERT INTO " S "webhook_inbox (team_id, source_id, namespace, received_at, payload)"
                                " VALUES ($1, $2, $3, $4, $5) RETURNING id",
                                5, p, err, doing);
    free(text);
    if (!r) goto fail;
    int64_t new_id = col_i64(r, 0, 0);
    PQclear(r);
    num nid = n64(new_id);
    for (size_t i = 0; i < n; i++) {
        const char *t[2] = {nid.s, schemas[i]};
        if (dwhi_pg_exec(w, "INSERT INTO " S "webhook_target (inbox_id, schema_name) VALUES ($1, $2)", 2, t, err,
                         doing) < 0)
            goto fail;
    }
    if (dwhi_wh_commit(w, err) < 0) return -1;
    *id = new_id;
    return 0;
fail_text:
    free(text);
fail:
    dwhi_wh_rollback(w);
    return -1;
}

#define INBOX_OF_SCHEMA                                                                                          \
    " FROM " S "webhook_target t JOIN " S "webhook_inbox i ON i.id = t.inbox_id WHERE i.team_id = $1"             \
    " AND i.source_id = $2 AND t.schema_name = $3 AND i.namespace = $4 AND t.inbox_id > $5"

int dwhi_whpg_inbox_next(dwhi_warehouse *w, const dwhi_state_key *k, int64_t after, int64_t *id, char **payload,
                        size_t *len, char **err) {
    *err = NULL;
    *payload = NULL;
    *len = 0;
    num a = n64(after);
    const char *p[5] = {nz(k->team_id), nz(k->source_id), nz(k->schema), nz(k->ns), a.s};
    PGresult *r = dwhi_pg_query(w, "SELECT i.id, i.payload" INBOX_OF_SCHEMA " ORDER BY t.inbox_id LIMIT 1", 5, p, err,
                                "reading the webhook inbox");
    if (!r) return -1;
    int found = PQntuples(r) == 1;
    if (found) {
        *id = col_i64(r, 0, 0);
        *len = (size_t)PQgetlength(r, 0, 1);
        if (!(*payload = strndup(PQgetvalue(r, 0, 1), *len))) {
            PQclear(r);
            w->last = DWHI_WH_NOMEM;
            *err = strdup("out of memory reading the webhook inbox");
            return -1;
        }
    }
    PQclear(r);
    return found;
}

int64_t dwhi_whpg_inbox_pending(dwhi_warehouse *w, const dwhi_state_key *k, int64_t after, char **err) {
    *err = NULL;
    num a = n64(after);
    const char *p[5] = {nz(k->team_id), nz(k->source_id), nz(k->schema), nz(k->ns), a.s};
    PGresult *r = dwhi_pg_query(w, "SELECT count(*)" INBOX_OF_SCHEMA, 5, p, err, "counting the webhook inbox");
    if (!r) return -1;
    int64_t n = col_i64(r, 0, 0);
    PQclear(r);
    return n;
}

int dwhi_whpg_webhook_cursor_get(dwhi_warehouse *w, const dwhi_state_key *k, int64_t *last_id, int *synced,
                                char **err) {
    *err = NULL;
    *last_id = 0;
    *synced = 0;
    const char *p[4] = {nz(k->team_id), nz(k->source_id), nz(k->schema), nz(k->ns)};
    PGresult *r = dwhi_pg_query(w, "SELECT last_id, synced FROM " S "webhook_cursor WHERE " KEY4, 4, p, err,
                                "reading the webhook cursor");
    if (!r) return -1;
    if (PQntuples(r) == 1) {
        *last_id = col_i64(r, 0, 0);
        *synced = col_i64(r, 0, 1) != 0;
    }
    PQclear(r);
    return 0;
}

/* Upserts the cursor row, setting column `col` to `value`. */
static int cursor_upsert(dwhi_warehouse *w, const dwhi_state_key *k, const char *sql, int64_t value, char **err) {
    *err = NULL;
    char now[40];
    dwhi_isotime_now(now, sizeof now);
    num v = n64(value);
    const char *p[6] = {nz(k->team_id), nz(k->source_id), nz(k->schema), nz(k->ns), v.s, now};
    return dwhi_pg_exec(w, sql, 6, p, err, "writing the webhook cursor");
}

int dwhi_whpg_webhook_cursor_put(dwhi_warehouse *w, const dwhi_state_key *k, int64_t last_id, char **err) {
    return cursor_upsert(w, k,
                         "INSERT INTO " S "webhook_cursor (team_id, source_id, schema_name, namespace, last_id,"
                         " updated_at) VALUES ($1, $2, $3, $4, $5, $6)"
                         " ON CONFLICT (team_id, source_id, schema_name, namespace)"
                         " DO UPDATE SET last_id = EXCLUDED.last_id, updated_at = EXCLUDED.updated_at",
                         last_id, err);
}

int dwhi_whpg_webhook_mark_synced(dwhi_warehouse *w, const dwhi_state_key *k, char **err) {
    return cursor_upsert(w, k,
                         "INSERT INTO " S "webhook_cursor (team_id, source_id, schema_name, namespace, synced,"
                         " updated_at) VALUES ($1, $2, $3, $4, $5, $6)"
                         " ON CONFLICT (team_id, source_id, schema_name, namespace)"
                         " DO UPDATE SET synced = EXCLUDED.synced, updated_at = EXCLUDED.updated_at",
                         1, err);
}

int dwhi_whpg_webhook_skip_before(dwhi_warehouse *w, const dwhi_state_key *k, const char *received_before,
                                 int64_t *skipped, char **err) {
    *err = NULL;
    if (skipped) *skipped = 0;
    int64_t last = 0;
    int synced = 0;
    if (dwhi_whpg_webhook_cursor_get(w, k, &last, &synced, err) < 0) return -1;
    num l = n64(last);
    const char *p[6] = {nz(k->team_id), nz(k->source_id), nz(k->schema), nz(k->ns), l.s, received_before};
    PGresult *r = dwhi_pg_query(w,
                                "SELECT coalesce(max(id), 0), count(*) FROM " S "webhook_inbox i WHERE team_id = $1"
                                " AND source_id = $2 AND namespace = $4 AND id > $5 AND received_at < $6"
                                " AND EXISTS (SELECT 1 FROM " S "webhook_target t WHERE t.inbox_id = i.id"
                                " AND t.schema_name = $3)",
                                6, p, err, "skipping webhook payloads older than a full read");
    if (!r) return -1;
    int64_t upto = col_i64(r, 0, 0), n = col_i64(r, 0, 1);
    PQclear(r);
    if (upto <= last) return 0;
    if (skipped) *skipped = n;
    return dwhi_whpg_webhook_cursor_put(w, k, upto, err);
}

int dwhi_whpg_inbox_gc(dwhi_warehouse *w, const dwhi_state_key *k, int64_t *deleted, char **err) {
    *err = NULL;
    if (deleted) *deleted = 0;
    static const char doing[] = "deleting consumed webhook payloads";
    int64_t last = 0;
    int synced = 0;
    if (dwhi_whpg_webhook_cursor_get(w, k, &last, &synced, err) < 0) return -1;
    if (dwhi_wh_begin(w, err) < 0) return -1;
    num l = n64(last);
    const char *p[5] = {nz(k->team_id), nz(k->source_id), nz(k->schema), nz(k->ns), l.s};
    if (dwhi_pg_exec(w,
                     "DELETE FROM " S "webhook_target WHERE schema_name = $3 AND inbox_id <= $5"
                     " AND inbox_id IN (SELECT id FROM " S "webhook_inbox WHERE team_id = $1"
                     " AND source_id = $2 AND namespace = $4)",
                     5, p, err, doing) < 0)
        goto fail;
    const char *q[3] = {nz(k->team_id), nz(k->source_id), nz(k->ns)};
    PGresult *r = dwhi_pg_query(w,
                                "DELETE FROM " S "webhook_inbox i WHERE team_id = $1 AND source_id = $2"
                                " AND namespace = $3 AND NOT EXISTS (SELECT 1 FROM " S
                                "webhook_target t WHERE t.inbox_id = i.id)",
                                3, q, err, doing);
    if (!r) goto fail;
    int64_t n = strtoll(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    if (dwhi_wh_commit(w, err) < 0) return -1;
    if (deleted) *deleted = n;
    return 0;
fail:
    dwhi_wh_rollback(w);
    return -1;
}

int dwhi_whpg_inbox_drop(dwhi_warehouse *w, const dwhi_state_key *k, int64_t id, char **err) {
    *err = NULL;
    static const char doing[] = "deleting the webhook payload";
    num i = n64(id);
    const char *p[4] = {nz(k->team_id), nz(k->source_id), nz(k->ns), i.s};
    if (dwhi_wh_begin(w, err) < 0) return -1;
    PGresult *r = dwhi_pg_query(w,
                                "DELETE FROM " S "webhook_inbox WHERE team_id = $1 AND source_id = $2"
                                " AND namespace = $3 AND id = $4",
                                4, p, err, doing);
    if (!r) goto fail;
    int found = strcmp(PQcmdTuples(r), "0") != 0;
    PQclear(r);
    const char *t[1] = {i.s};
    if (found && dwhi_pg_exec(w, "DELETE FROM " S "webhook_target WHERE inbox_id = $1", 1, t, err, doing) < 0)
        goto fail;
    if (dwhi_wh_commit(w, err) < 0) return -1;
    return found;
fail:
    dwhi_wh_rollback(w);
    return -1;
}
