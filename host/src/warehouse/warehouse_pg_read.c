/* warehouse_pg_read.c -- what `dwhost status` reads of a PostgreSQL
 * warehouse (warehouse_read.h), on a connection from
 * dwhi_wh_open_readonly: one REPEATABLE READ snapshot, so every read of a
 * status sees the same moment, as the SQLite reader's open transaction
 * does.  Results are fetched whole, so a callback may run other reads. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warehouse_pg_int.h"

#define S DWHI_PG_SCHEMA "."

/* A column's text, NULL for SQL NULL (borrowed from r). */
static const char *col(const PGresult *r, int row, int c) {
    return PQgetisnull(r, row, c) ? NULL : PQgetvalue(r, row, c);
}
static const char *col_nz(const PGresult *r, int row, int c) {
    const char *v = col(r, row, c);
    return v ? v : "";
}
static int64_t col_i64(const PGresult *r, int row, int c) {
    return PQgetisnull(r, row, c) ? 0 : strtoll(PQgetvalue(r, row, c), NULL, 10);
}
static const char *nz(const char *s) { return s ? s : ""; }

/* Runs a read; on failure the error is noted in w->last and dropped (the
 * readers without an error out-parameter treat it as "nothing"). */
static PGresult *quiet(dwhi_warehouse *w, const char *sql, int n, const char *const *p) {
    char *err = NULL;
    PGresult *r = dwhi_pg_query(w, sql, n, p, &err, "reading the warehouse");
    free(err);
    return r;
}

int dwhi_whpg_read_states(dwhi_warehouse *w, int (*fn)(void *arg, const dwhi_wh_state_row *row), void *arg,
                          char **err) {
    *err = NULL;
    PGresult *r = dwhi_pg_query(w,
                                "SELECT team_id, source_id, schema_name, namespace, write_mode, incremental_field,"
                                " last_value, earliest_value, run_rows, run_batches, job_id, updated_at FROM " S
                                "state ORDER BY source_id, schema_name, team_id, namespace",
                                0, NULL, err, "reading the job states");
    if (!r) return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        dwhi_wh_state_row row = {.key = {col_nz(r, i, 0), col_nz(r, i, 1), col_nz(r, i, 2), col_nz(r, i, 3)},
                                .write_mode = col(r, i, 4),
                                .incremental_field = col(r, i, 5),
                                .last_value = col(r, i, 6),
                                .earliest_value = col(r, i, 7),
                                .run_rows = col_i64(r, i, 8),
                                .run_batches = col_i64(r, i, 9),
                                .job_id = col(r, i, 10),
                                .updated_at = col(r, i, 11)};
        if (fn(arg, &row)) break;
    }
    PQclear(r);
    return 0;
}

int dwhi_whpg_read_stateless_jobs(dwhi_warehouse *w, int (*fn)(void *arg, const dwhi_wh_job_key *job, int from_lease),
                                  void *arg, char **err) {
    *err = NULL;
    static const char *const sql[] = {
        "SELECT DISTINCT team_id, source_id, schema_name, '' FROM " S "lease l WHERE NOT EXISTS"
        " (SELECT 1 FROM " S "state s WHERE s.team_id = l.team_id AND s.source_id = l.source_id"
        " AND s.schema_name = l.schema_name) ORDER BY 1, 2, 3",
        "SELECT DISTINCT r.team_id, r.source_id, s.schema_name, r.namespace FROM " S "run_schemas s JOIN " S "runs r"
        " ON r.run_id = s.run_id WHERE NOT EXISTS (SELECT 1 FROM " S "state t WHERE t.team_id = r.team_id AND"
        " t.source_id = r.source_id AND t.schema_name = s.schema_name AND t.namespace = r.namespace)"
        " ORDER BY 1, 2, 3, 4"};
    for (int q = 0; q < 2; q++) {
        PGresult *r = dwhi_pg_query(w, sql[q], 0, NULL, err, "reading the jobs");
        if (!r) return -1;
        int stop = 0;
        for (int i = 0; !stop && i < PQntuples(r); i++) {
            dwhi_wh_job_key job = {col_nz(r, i, 0), col_nz(r, i, 1), col_nz(r, i, 2), col_nz(r, i, 3)};
            stop = fn(arg, &job, q == 0);
        }
        PQclear(r);
        if (stop) break;
    }
    return 0;
}

void dwhi_whpg_read_leases(dwhi_warehouse *w, const dwhi_wh_job_key *job,
                           int (*fn)(void *arg, const dwhi_lease_owner *o), void *arg) {
    const char *p[3] = {nz(job->team_id), nz(job->source_id), nz(job->schema)};
    PGresult *r = quiet(w,
                        "SELECT job_id, host, pid, pid_start, started_at, heartbeat_ms FROM " S "lease"
                        " WHERE team_id = $1 AND source_id = $2 AND schema_name = $3",
                        3, p);
    for (int i = 0; r && i < PQntuples(r); i++) {
        dwhi_lease_owner o = {.job_id = (char *)col_nz(r, i, 0), .host = (char *)col_nz(r, i, 1),
                             .pid = col_i64(r, i, 2), .pid_start = col_i64(r, i, 3),
                             .started_at = (char *)col(r, i, 4), .heartbeat_ms = col_i64(r, i, 5)};
        if (fn(arg, &o)) break;
    }
    PQclear(r);
}

int dwhi_whpg_lease_fresh(dwhi_warehouse *w, const char *job_id, int64_t now_ms, int64_t timeout_ms) {
    char now[24], timeout[24];
    snprintf(now, sizeof now, "%" PRId64, now_ms);
    snprintf(timeout, sizeof timeout, "%" PRId64, timeout_ms);
    const char *p[3] = {nz(job_id), now, timeout};
    PGresult *r = quiet(w, "SELECT 1 FROM " S "lease WHERE job_id = $1 AND $2::bigint - heartbeat_ms <= $3::bigint", 3,
                        p);
    int fresh = r && PQntuples(r) > 0;
    PQclear(r);
    return fresh;
}

int64_t dwhi_whpg_read_webhooks_pending(dwhi_warehouse *w, const dwhi_wh_job_key *job) {
    const char *p[4] = {nz(job->team_id), nz(job->source_id), nz(job->schema), nz(job->ns)};
    PGresult *r = quiet(w,
                        "SELECT count(*) FROM " S "webhook_target t JOIN " S "webhook_inbox i ON i.id = t.inbox_id"
                        " WHERE i.team_id = $1 AND i.source_id = $2 AND t.schema_name = $3 AND i.namespace = $4"
                        " AND t.inbox_id > coalesce((SELECT last_id FROM " S "webhook_cursor c WHERE"
                        " c.team_id = $1 AND c.source_id = $2 AND c.schema_name = $3 AND c.namespace = $4), 0)",
                        4, p);
    int64_t n = r ? col_i64(r, 0, 0) : -1;
    PQclear(r);
    return n;
}

int dwhi_whpg_read_runs(dwhi_warehouse *w, int limit, int (*fn)(void *arg, const dwhi_wh_run_row *run), void *arg,
                        char **err) {
    *err = NULL;
    char lim[24];
    snprintf(lim, sizeof lim, "%d", limit);
    const char *p[1] = {limit > 0 ? lim : NULL}; /* LIMIT NULL: all */
    PGresult *r = dwhi_pg_query(w,
                                "SELECT run_id, job_id, team_id, source, source_id, namespace, started_at, ended_at,"
                                " outcome, failure, error, rows, host, pid, pid_start, command, cwd FROM " S
                                "runs ORDER BY run_id DESC LIMIT $1::bigint",
                                1, p, err, "reading the run history");
    if (!r) return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        dwhi_wh_run_row run = {.run_id = col_i64(r, i, 0),
                              .job_id = col(r, i, 1),
                              .team_id = col(r, i, 2),
                              .source = col(r, i, 3),
                              .source_id = col(r, i, 4),
                              .ns = col(r, i, 5),
                              .started_at = col(r, i, 6),
                              .ended_at = col(r, i, 7),
                              .outcome = col(r, i, 8),
                              .failure = col(r, i, 9),
                              .error = col(r, i, 10),
                              .rows = col_i64(r, i, 11),
                              .host = col(r, i, 12),
                              .pid = col_i64(r, i, 13),
                              .pid_start = col_i64(r, i, 14),
                              .command = col(r, i, 15),
                              .cwd = col(r, i, 16)};
        if (fn(arg, &run)) break;
    }
    PQclear(r);
    return 0;
}

void dwhi_whpg_read_run_schemas(dwhi_warehouse *w, int64_t run_id, int (*fn)(void *arg, const dwhi_run_schema *s),
                                void *arg) {
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, run_id);
    const char *p[1] = {id};
    /* ord: the order the run first wrote its schemas in, as SQLite's rowid */
    PGresult *r = quiet(w,
                        "SELECT schema_name, table_name, mode, status, rows, resumed, failure, error FROM " S
                        "run_schemas WHERE run_id = $1 ORDER BY ord",
                        1, p);
    for (int i = 0; r && i < PQntuples(r); i++) {
        dwhi_run_schema s = {.schema = col(r, i, 0),
                            .table = col(r, i, 1),
                            .mode = col(r, i, 2),
                            .status = col(r, i, 3),
                            .rows = col_i64(r, i, 4),
                            .resumed = (int)col_i64(r, i, 5),
                            .failure = col(r, i, 6),
                            .error = col(r, i, 7)};
        if (fn(arg, &s)) break;
    }
    PQclear(r);
}

void dwhi_whpg_read_last_run(dwhi_warehouse *w, const dwhi_wh_job_key *job,
                             void (*fn)(void *arg, const dwhi_wh_run_row *run, const dwhi_run_schema *s), void *arg) {
    const char *p[4] = {nz(job->team_id), nz(job->source_id), nz(job->schema), nz(job->ns)};
    PGresult *r = quiet(
        w,
        "SELECT r.run_id, r.job_id, r.started_at, r.ended_at, r.outcome, r.failure, r.error, r.host, r.pid,"
        " r.pid_start, r.command, r.cwd, s.status, s.rows, s.failure, s.error, s.mode, s.resumed,"
        " r.source, r.rows, s.table_name"
        " FROM " S "runs r LEFT JOIN " S "run_schemas s ON s.run_id = r.run_id AND s.schema_name = $3"
        " WHERE r.team_id = $1 AND r.source_id = $2 AND r.namespace = $4 AND coalesce(r.failure, '') != 'running'"
        " AND (s.run_id IS NOT NULL OR NOT EXISTS (SELECT 1 FROM " S "run_schemas x WHERE x.run_id = r.run_id))"
        " ORDER BY coalesce(r.ended_at, r.started_at) DESC, r.run_id DESC LIMIT 1",
        4, p);
    if (r && PQntuples(r) == 1) {
        dwhi_wh_run_row run = {.run_id = col_i64(r, 0, 0),
                              .job_id = col(r, 0, 1),
                              .team_id = job->team_id,
                              .source = col(r, 0, 18),
                              .source_id = job->source_id,
                              .ns = job->ns,
                              .started_at = col(r, 0, 2),
                              .ended_at = col(r, 0, 3),
                              .outcome = col(r, 0, 4),
                              .failure = col(r, 0, 5),
                              .error = col(r, 0, 6),
                              .rows = col_i64(r, 0, 19),
                              .host = col(r, 0, 7),
                              .pid = col_i64(r, 0, 8),
                              .pid_start = col_i64(r, 0, 9),
                              .command = col(r, 0, 10),
                              .cwd = col(r, 0, 11)};
        dwhi_run_schema s = {.schema = job->schema,
                            .table = col(r, 0, 20),
                            .mode = col(r, 0, 16),
                            .status = col(r, 0, 12),
                            .rows = col_i64(r, 0, 13),
                            .resumed = (int)col_i64(r, 0, 17),
                            .failure = col(r, 0, 14),
                            .error = col(r, 0, 15)};
        fn(arg, &run, PQgetisnull(r, 0, 12) ? NULL : &s);
    }
    PQclear(r);
}
