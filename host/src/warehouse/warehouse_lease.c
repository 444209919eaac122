/* warehouse_lease.c -- the _dw_lease table: who runs each job now (see
 * lease.h and warehouse_sqlite.h).  One row per job, keyed like _dw_state. */
#include <stdlib.h>
#include <string.h>

#include "warehouse_int.h"

static const char *nz(const char *s) { return s ? s : ""; }

/* The namespace is left out: it separates resume states, but runs in two
 * namespaces of one job still write the same table of this warehouse, so
 * they must not run at once (the Redis lease keeps it: there the namespace
 * separates destinations that share a Redis). */
static void bind_key(sqlite3_stmt *st, const dwhi_state_key *k) {
    sqlite3_bind_text(st, 1, nz(k->team_id), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, nz(k->source_id), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, nz(k->schema), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, "", -1, SQLITE_STATIC);
}

#define KEY_WHERE " WHERE team_id = ?1 AND source_id = ?2 AND schema_name = ?3 AND namespace = ?4"

static int prepare(dwhi_warehouse *w, const char *sql, sqlite3_stmt **st, char **err, const char *doing) {
    int rc = sqlite3_prepare_v2(w->db, sql, -1, st, NULL);
    return rc ? dwhi_wh_fail(w, rc, err, "%s", doing) : 0;
}

int dwhi_whsq_lease_get(dwhi_warehouse *w, const dwhi_state_key *k, dwhi_lease_owner *out, char **err) {
    *err = NULL;
    dwhi_lease_owner_clear(out);
    sqlite3_stmt *st = NULL;
    if (prepare(w, "SELECT job_id, host, pid, pid_start, started_at, heartbeat_ms FROM _dw_lease" KEY_WHERE, &st, err,
                "reading the job lease") < 0)
        return -1;
    bind_key(st, k);
    int rc = sqlite3_step(st), bad = 0;
    if (rc == SQLITE_ROW) {
        const char *job = (const char *)sqlite3_column_text(st, 0), *host = (const char *)sqlite3_column_text(st, 1),
                   *started = (const char *)sqlite3_column_text(st, 4);
        out->job_id = strdup(job ? job : "");
        out->host = strdup(host ? host : "");
        out->started_at = strdup(started ? started : "");
        out->pid = sqlite3_column_int64(st, 2);
        out->pid_start = sqlite3_column_int64(st, 3);
        out->heartbeat_ms = sqlite3_column_int64(st, 5);
        bad = !out->job_id || !out->host || !out->started_at;
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    if (bad) {
        dwhi_lease_owner_clear(out);
        return dwhi_wh_fail(w, SQLITE_NOMEM, err, "reading the job lease");
    }
    return rc == SQLITE_DONE ? 0 : dwhi_wh_fail(w, rc, err, "reading the job lease");
}

int dwhi_whsq_lease_put(dwhi_warehouse *w, const dwhi_state_key *k, const dwhi_lease_owner *me, char **err) {
    *err = NULL;
    sqlite3_stmt *st = NULL;
    if (prepare(w,
                "INSERT OR REPLACE INTO _dw_lease (team_id, source_id, schema_name, namespace, job_id, host, pid,"
                " pid_start, started_at, heartbeat_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                &st, err, "taking the job lease") < 0)
        return -1;
    bind_key(st, k);
    sqlite3_bind_text(st, 5, nz(me->job_id), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, nz(me->host), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, me->pid);
    sqlite3_bind_int64(st, 8, me->pid_start);
    sqlite3_bind_text(st, 9, nz(me->started_at), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 10, me->heartbeat_ms);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : dwhi_wh_fail(w, rc, err, "taking the job lease");
}

int dwhi_whsq_lease_renew(dwhi_warehouse *w, const dwhi_state_key *k, const char *job_id, int64_t now_ms, char **err) {
    *err = NULL;
    if (!w->lease_renew &&
        prepare(w, "UPDATE _dw_lease SET heartbeat_ms = ?6" KEY_WHERE " AND job_id = ?5", &w->lease_renew, err,
                "renewing the job lease") < 0)
        return -1;
    sqlite3_stmt *st = w->lease_renew;
    bind_key(st, k);
    sqlite3_bind_text(st, 5, nz(job_id), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, now_ms);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) return dwhi_wh_fail(w, rc, err, "renewing the job lease");
    return sqlite3_changes(w->db) == 1 ? 1 : 0;
}

int dwhi_whsq_lease_release(dwhi_warehouse *w, const dwhi_state_key *k, const char *job_id, char **err) {
    *err = NULL;
    sqlite3_stmt *st = NULL;
    if (prepare(w, "DELETE FROM _dw_lease" KEY_WHERE " AND job_id = ?5", &st, err, "releasing the job lease") < 0)
        return -1;
    bind_key(st, k);
    sqlite3_bind_text(st, 5, nz(job_id), -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : dwhi_wh_fail(w, rc, err, "releasing the job lease");
}
