/* warehouse_runs.c -- the _dw_runs and _dw_run_schemas tables: every sync
 * run and its schemas (see run_history.h). */
#include <stdlib.h>
#include <string.h>

#include "base/isotime.h"
#include "state/lease.h"
#include "run_history.h"
#include "warehouse_int.h"

static void bind_text(sqlite3_stmt *st, int i, const char *s) {
    if (s) sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else sqlite3_bind_null(st, i);
}

/* Runs `st` (a statement without rows) and finalizes it; fails as
 * dwhi_wh_fail with `doing`. */
static int step_done(dwhi_warehouse *w, sqlite3_stmt *st, char **err, const char *doing) {
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : dwhi_wh_fail(w, rc, err, "%s", doing);
}

static int prepare(dwhi_warehouse *w, const char *sql, sqlite3_stmt **st, char **err, const char *doing) {
    int rc = sqlite3_prepare_v2(w->db, sql, -1, st, NULL);
    return rc ? dwhi_wh_fail(w, rc, err, "%s", doing) : 0;
}

int dwhi_whsq_run_begin(dwhi_warehouse *w, const dwhi_run_start *run, int64_t *run_id, char **err) {
    *err = NULL;
    *run_id = 0;
    const char *doing = "recording the run in the run history";
    dwhi_lease_owner me;
    if (dwhi_lease_owner_self(&me, run->job_id) < 0) return dwhi_wh_fail(w, SQLITE_NOMEM, err, "%s", doing);
    sqlite3_stmt *st = NULL;
    int rc = prepare(w,
                     "INSERT INTO _dw_runs (job_id, team_id, source, source_id, namespace, started_at, outcome, host,"
                     " pid, pid_start, command, cwd) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'running', ?7, ?8, ?9, ?10, ?11)",
                     &st, err, doing);
    if (rc == 0) {
        bind_text(st, 1, run->job_id);
        bind_text(st, 2, run->team_id);
        bind_text(st, 3, run->source);
        bind_text(st, 4, run->source_id);
        bind_text(st, 5, run->ns ? run->ns : "");
        bind_text(st, 6, me.started_at);
        bind_text(st, 7, me.host);
        sqlite3_bind_int64(st, 8, me.pid);
        sqlite3_bind_int64(st, 9, me.pid_start);
        bind_text(st, 10, run->command);
        bind_text(st, 11, run->cwd);
        rc = step_done(w, st, err, doing);
    }
    if (rc == 0) *run_id = sqlite3_last_insert_rowid(w->db);
    dwhi_lease_owner_clear(&me);
    return rc;
}

int dwhi_whsq_run_schemas_put(dwhi_warehouse *w, int64_t run_id, const dwhi_run_schema *s, size_t n, char **err) {
    *err = NULL;
    const char *doing = "recording a schema in the run history";
    if (n > 1 && dwhi_wh_begin(w, err) < 0) return -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        sqlite3_stmt *st = NULL;
        rc = prepare(w,
                     "INSERT OR REPLACE INTO _dw_run_schemas (run_id, schema_name, table_name, mode, status, rows,"
                     " resumed, failure, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                     &st, err, doing);
        if (rc) break;
        sqlite3_bind_int64(st, 1, run_id);
        bind_text(st, 2, s[i].schema ? s[i].schema : "?");
        bind_text(st, 3, s[i].table);
        bind_text(st, 4, s[i].mode);
        bind_text(st, 5, s[i].status ? s[i].status : "not run");
        sqlite3_bind_int64(st, 6, s[i].rows);
        sqlite3_bind_int(st, 7, s[i].resumed != 0);
        bind_text(st, 8, s[i].failure);
        bind_text(st, 9, s[i].error);
        rc = step_done(w, st, err, doing);
    }
    if (n > 1) {
        if (rc == 0) rc = dwhi_wh_commit(w, err);
        else dwhi_wh_rollback(w);
    }
    return rc;
}

int dwhi_whsq_run_end(dwhi_warehouse *w, int64_t run_id, const char *outcome, const char *failure, const char *error,
                   int64_t rows, char **err) {
    *err = NULL;
    const char *doing = "recording the end of the run in the run history";
    char now[40];
    dwhi_isotime_now(now, sizeof now);
    sqlite3_stmt *st = NULL;
    if (prepare(w, "UPDATE _dw_runs SET ended_at = ?2, outcome = ?3, failure = ?4, error = ?5, rows = ?6"
                   " WHERE run_id = ?1",
                &st, err, doing) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, run_id);
    bind_text(st, 2, now);
    bind_text(st, 3, outcome);
    bind_text(st, 4, failure);
    bind_text(st, 5, error);
    sqlite3_bind_int64(st, 6, rows);
    if (step_done(w, st, err, doing) < 0) return -1;
    /* the oldest runs of the same job family beyond the ones kept */
    static const char *const prune[] = {
        "DELETE FROM _dw_run_schemas WHERE run_id IN (SELECT o.run_id FROM _dw_runs o, _dw_runs r WHERE r.run_id = ?1"
        " AND o.team_id = r.team_id AND o.source_id = r.source_id AND o.namespace = r.namespace"
        " ORDER BY o.run_id DESC LIMIT -1 OFFSET ?2)",
        "DELETE FROM _dw_runs WHERE run_id IN (SELECT o.run_id FROM _dw_runs o, _dw_runs r WHERE r.run_id = ?1"
        " AND o.team_id = r.team_id AND o.source_id = r.source_id AND o.namespace = r.namespace"
        " ORDER BY o.run_id DESC LIMIT -1 OFFSET ?2)"};
    doing = "dropping the oldest runs from the run history";
    if (dwhi_wh_begin(w, err) < 0) return -1;
    for (size_t i = 0; i < 2; i++) {
        if (prepare(w, prune[i], &st, err, doing) < 0) {
            dwhi_wh_rollback(w);
            return -1;
        }
        sqlite3_bind_int64(st, 1, run_id);
        sqlite3_bind_int(st, 2, DWHI_RUNS_KEPT);
        if (step_done(w, st, err, doing) < 0) {
            dwhi_wh_rollback(w);
            return -1;
        }
    }
    return dwhi_wh_commit(w, err);
}
