/* warehouse_read.c -- a read-only connection and what `dwhost status`
 * reads through it (see warehouse_read.h, dwhi_wh_open_readonly in
 * warehouse_sqlite.h). */
#include "warehouse_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "warehouse_int.h"

/* *err = "warehouse <path> cannot be read: <why>"; returns -1. */
static int cannot_read(const char *path, const char *why, char **err) {
    if (asprintf(err, "warehouse %s cannot be read: %s", path, why) < 0) *err = NULL;
    if (!*err) *err = strdup("out of memory");
    return -1;
}

static int not_dwhost(const char *path, char **err) {
    if (asprintf(err, "%s is not a dwhost warehouse (it has no _dw_state table)", path) < 0) *err = NULL;
    if (!*err) *err = strdup("out of memory");
    return -1;
}

dwhi_warehouse *dwhi_whsq_open_readonly(const char *path, char **err) {
    *err = NULL;
    struct stat sb;
    if (!path || stat(path, &sb) != 0) {
        if (asprintf(err, "no warehouse at %s; sync into it first, or pass --warehouse", path ? path : "(null)") < 0)
            *err = NULL;
        if (!*err) *err = strdup("out of memory");
        return NULL;
    }
    dwhi_warehouse *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path)) || !(w->shown = strdup(path))) {
        if (w) free(w->path);
        free(w);
        *err = strdup("out of memory opening the warehouse");
        return NULL;
    }
    w->be = &dwhi_wh_sqlite_backend;
    w->readonly = 1;
    w->busy_timeout_ms = 5000;
    int rc = sqlite3_open_v2(path, &w->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        cannot_read(path, w->db ? sqlite3_errmsg(w->db) : sqlite3_errstr(rc), err);
        sqlite3_close(w->db);
        w->db = NULL;
        dwhi_wh_close(w);
        return NULL;
    }
    sqlite3_busy_timeout(w->db, w->busy_timeout_ms);
    sqlite3_db_config(w->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
    return w;
}

static const char *col_text(sqlite3_stmt *st, int col) { return (const char *)sqlite3_column_text(st, col); }

static void bind_text(sqlite3_stmt *st, int i, const char *v) { sqlite3_bind_text(st, i, v ? v : "", -1, SQLITE_STATIC); }

int dwhi_whsq_read_states(dwhi_warehouse *w, int (*fn)(void *arg, const dwhi_wh_state_row *row), void *arg, char **err) {
    *err = NULL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(w->db,
                                "SELECT team_id, source_id, schema_name, namespace, write_mode, incremental_field,"
                                " last_value, earliest_value, run_rows, run_batches, job_id, updated_at"
                                " FROM _dw_state ORDER BY source_id, schema_name, team_id, namespace",
                                -1, &st, NULL);
    if (rc != SQLITE_OK) {
        const char *why = sqlite3_errmsg(w->db);
        int r = strstr(why, "no such table") ? not_dwhost(w->path, err) : cannot_read(w->path, why, err);
        sqlite3_finalize(st);
        return r;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *team = col_text(st, 0), *source = col_text(st, 1), *schema = col_text(st, 2),
                   *ns = col_text(st, 3);
        dwhi_wh_state_row row = {
            .key = {team ? team : "", source ? source : "", schema ? schema : "", ns ? ns : ""},
            .write_mode = col_text(st, 4),
            .incremental_field = col_text(st, 5),
            .last_value = col_text(st, 6),
            .earliest_value = col_text(st, 7),
            .run_rows = sqlite3_column_int64(st, 8),
            .run_batches = sqlite3_column_int64(st, 9),
            .job_id = col_text(st, 10),
            .updated_at = col_text(st, 11)};
        if (fn(arg, &row)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    int r = rc == SQLITE_DONE ? 0 : cannot_read(w->path, sqlite3_errmsg(w->db), err);
    sqlite3_finalize(st);
    return r;
}

int dwhi_whsq_read_stateless_jobs(dwhi_warehouse *w, int (*fn)(void *arg, const dwhi_wh_job_key *job, int from_lease),
                               void *arg, char **err) {
    *err = NULL;
    static const char *const sql[] = {
        "SELECT DISTINCT team_id, source_id, schema_name, '' FROM _dw_lease l WHERE NOT EXISTS"
        " (SELECT 1 FROM _dw_state s WHERE s.team_id = l.team_id AND s.source_id = l.source_id"
        " AND s.schema_name = l.schema_name)",
        "SELECT DISTINCT r.team_id, r.source_id, s.schema_name, r.namespace FROM _dw_run_schemas s JOIN _dw_runs r"
        " ON r.run_id = s.run_id WHERE NOT EXISTS (SELECT 1 FROM _dw_state t WHERE t.team_id = r.team_id AND"
        " t.source_id = r.source_id AND t.schema_name = s.schema_name AND t.namespace = r.namespace)"};
    int rc = SQLITE_DONE, stop = 0;
    for (size_t q = 0; rc == SQLITE_DONE && !stop && q < 2; q++) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(w->db, sql[q], -1, &st, NULL) != SQLITE_OK) {
            sqlite3_finalize(st); /* an older warehouse without the table */
            continue;
        }
        while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
            const char *team = col_text(st, 0), *source = col_text(st, 1), *schema = col_text(st, 2),
                       *ns = col_text(st, 3);
            dwhi_wh_job_key job = {team ? team : "", source ? source : "", schema ? schema : "", ns ? ns : ""};
            stop = fn(arg, &job, q == 0);
        }
        if (stop) rc = SQLITE_DONE;
        if (rc != SQLITE_DONE) cannot_read(w->path, sqlite3_errmsg(w->db), err);
        sqlite3_finalize(st);
    }
    return rc == SQLITE_DONE ? 0 : -1;
}

void dwhi_whsq_read_leases(dwhi_warehouse *w, const dwhi_wh_job_key *job,
                        int (*fn)(void *arg, const dwhi_lease_owner *o), void *arg) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(w->db,
                           "SELECT job_id, host, pid, pid_start, started_at, heartbeat_ms FROM _dw_lease"
                           " WHERE team_id = ?1 AND source_id = ?2 AND schema_name = ?3",
                           -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st); /* an older warehouse without leases: nobody runs */
        return;
    }
    bind_text(st, 1, job->team_id);
    bind_text(st, 2, job->source_id);
    bind_text(st, 3, job->schema);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *id = col_text(st, 0), *host = col_text(st, 1);
        dwhi_lease_owner o = {.job_id = (char *)(id ? id : ""), .host = (char *)(host ? host : ""),
                             .pid = sqlite3_column_int64(st, 2), .pid_start = sqlite3_column_int64(st, 3),
                             .started_at = (char *)col_text(st, 4), .heartbeat_ms = sqlite3_column_int64(st, 5)};
        if (fn(arg, &o)) break;
    }
    sqlite3_finalize(st);
}

int dwhi_whsq_lease_fresh(dwhi_warehouse *w, const char *job_id, int64_t now_ms, int64_t timeout_ms) {
    sqlite3_stmt *st = NULL;
    int fresh = 0;
    if (sqlite3_prepare_v2(w->db, "SELECT 1 FROM _dw_lease WHERE job_id = ?1 AND ?2 - heartbeat_ms <= ?3", -1, &st,
                           NULL) == SQLITE_OK) {
        bind_text(st, 1, job_id);
        sqlite3_bind_int64(st, 2, now_ms);
        sqlite3_bind_int64(st, 3, timeout_ms);
        fresh = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return fresh;
}

int64_t dwhi_whsq_read_webhooks_pending(dwhi_warehouse *w, const dwhi_wh_job_key *job) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(w->db,
                           "SELECT count(*) FROM _dw_webhook_target t JOIN _dw_webhook_inbox i ON i.id = t.inbox_id"
                           " WHERE i.team_id = ?1 AND i.source_id = ?2 AND t.schema_name = ?3 AND i.namespace = ?4"
                           " AND t.inbox_id > coalesce((SELECT last_id FROM _dw_webhook_cursor c WHERE"
                           " c.team_id = ?1 AND c.source_id = ?2 AND c.schema_name = ?3 AND c.namespace = ?4), 0)",
                           -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return -1;
    }
    bind_text(st, 1, job->team_id);
    bind_text(st, 2, job->source_id);
    bind_text(st, 3, job->schema);
    bind_text(st, 4, job->ns);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
}

int dwhi_whsq_read_runs(dwhi_warehouse *w, int limit, int (*fn)(void *arg, const dwhi_wh_run_row *run), void *arg,
                     char **err) {
    *err = NULL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(w->db,
                                "SELECT run_id, job_id, team_id, source, source_id, namespace, started_at, ended_at,"
                                " outcome, failure, error, rows, host, pid, pid_start, command, cwd"
                                " FROM _dw_runs ORDER BY run_id DESC LIMIT ?1",
                                -1, &st, NULL);
    if (rc != SQLITE_OK) {
        int r = 0;
        if (!strstr(sqlite3_errmsg(w->db), "no such table")) {
            r = cannot_read(w->path, sqlite3_errmsg(w->db), err);
        } else {
            sqlite3_finalize(st);
            st = NULL;
            /* a warehouse older than the history has no runs recorded */
            if (sqlite3_prepare_v2(w->db, "SELECT 1 FROM _dw_state", -1, &st, NULL) != SQLITE_OK)
                r = not_dwhost(w->path, err);
        }
        sqlite3_finalize(st);
        return r;
    }
    sqlite3_bind_int(st, 1, limit > 0 ? limit : -1);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        dwhi_wh_run_row run = {.run_id = sqlite3_column_int64(st, 0),
                              .job_id = col_text(st, 1),
                              .team_id = col_text(st, 2),
                              .source = col_text(st, 3),
                              .source_id = col_text(st, 4),
                              .ns = col_text(st, 5),
                              .started_at = col_text(st, 6),
                              .ended_at = col_text(st, 7),
                              .outcome = col_text(st, 8),
                              .failure = col_text(st, 9),
                              .error = col_text(st, 10),
                              .rows = sqlite3_column_int64(st, 11),
                              .host = col_text(st, 12),
                              .pid = sqlite3_column_int64(st, 13),
                              .pid_start = sqlite3_column_int64(st, 14),
                              .command = col_text(st, 15),
                              .cwd = col_text(st, 16)};
        if (fn(arg, &run)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    int r = rc == SQLITE_DONE ? 0 : cannot_read(w->path, sqlite3_errmsg(w->db), err);
    sqlite3_finalize(st);
    return r;
}

void dwhi_whsq_read_run_schemas(dwhi_warehouse *w, int64_t run_id, int (*fn)(void *arg, const dwhi_run_schema *s),
                             void *arg) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(w->db,
                           "SELECT schema_name, table_name, mode, status, rows, resumed, failure, error"
                           " FROM _dw_run_schemas WHERE run_id = ?1 ORDER BY rowid",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, run_id);
        while (sqlite3_step(st) == SQLITE_ROW) {
            dwhi_run_schema s = {.schema = col_text(st, 0),
                                .table = col_text(st, 1),
                                .mode = col_text(st, 2),
                                .status = col_text(st, 3),
                                .rows = sqlite3_column_int64(st, 4),
                                .resumed = sqlite3_column_int(st, 5),
                                .failure = col_text(st, 6),
                                .error = col_text(st, 7)};
            if (fn(arg, &s)) break;
        }
    }
    sqlite3_finalize(st);
}

void dwhi_whsq_read_last_run(dwhi_warehouse *w, const dwhi_wh_job_key *job,
                          void (*fn)(void *arg, const dwhi_wh_run_row *run, const dwhi_run_schema *s), void *arg) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(
            w->db,
            "SELECT r.run_id, r.job_id, r.started_at, r.ended_at, r.outcome, r.failure, r.error, r.host, r.pid,"
            " r.pid_start, r.command, r.cwd, s.status, s.rows, s.failure, s.error, s.mode, s.resumed,"
            " r.source, r.rows, s.table_name"
            " FROM _dw_runs r LEFT JOIN _dw_run_schemas s ON s.run_id = r.run_id AND s.schema_name = ?3"
            " WHERE r.team_id = ?1 AND r.source_id = ?2 AND r.namespace = ?4 AND coalesce(r.failure, '') != 'running'"
            " AND (s.run_id IS NOT NULL OR NOT EXISTS (SELECT 1 FROM _dw_run_schemas x WHERE x.run_id = r.run_id))"
            " ORDER BY coalesce(r.ended_at, r.started_at) DESC, r.run_id DESC LIMIT 1",
            -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return;
    }
    bind_text(st, 1, job->team_id);
    bind_text(st, 2, job->source_id);
    bind_text(st, 3, job->schema);
    bind_text(st, 4, job->ns);
    if (sqlite3_step(st) == SQLITE_ROW) {
        dwhi_wh_run_row run = {.run_id = sqlite3_column_int64(st, 0),
                              .job_id = col_text(st, 1),
                              .team_id = job->team_id,
                              .source = col_text(st, 18),
                              .source_id = job->source_id,
                              .ns = job->ns,
                              .started_at = col_text(st, 2),
                              .ended_at = col_text(st, 3),
                              .outcome = col_text(st, 4),
                              .failure = col_text(st, 5),
                              .error = col_text(st, 6),
                              .rows = sqlite3_column_int64(st, 19),
                              .host = col_text(st, 7),
                              .pid = sqlite3_column_int64(st, 8),
                              .pid_start = sqlite3_column_int64(st, 9),
                              .command = col_text(st, 10),
                              .cwd = col_text(st, 11)};
        int has_schema = sqlite3_column_type(st, 12) != SQLITE_NULL;
        dwhi_run_schema s = {.schema = job->schema,
                            .table = col_text(st, 20),
                            .mode = col_text(st, 16),
                            .status = col_text(st, 12),
                            .rows = sqlite3_column_int64(st, 13),
                            .resumed = sqlite3_column_int(st, 17),
                            .failure = col_text(st, 14),
                            .error = col_text(st, 15)};
        fn(arg, &run, has_schema ? &s : NULL);
    }
    sqlite3_finalize(st);
}
