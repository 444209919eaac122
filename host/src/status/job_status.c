/* job_status.c -- the sync jobs a warehouse records and how each one's
 * last run went, read-only (see job_status.h). */
#include "job_status.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/isotime.h"
#include "state/lease.h"
#include "state/state.h"
#include "status_read.h"
#include "sync/sync_rerun.h"

static char *fmt_err(const char *fmt, const char *a, const char *b) {
    char *out = NULL;
    if (asprintf(&out, fmt, a, b ? b : "") < 0) out = NULL;
    return out;
}

static json_object *text_or_null(sqlite3_stmt *st, int col) {
    const char *v = (const char *)sqlite3_column_text(st, col);
    return v ? json_object_new_string(v) : NULL;
}

static const char *col_text(sqlite3_stmt *st, int col) { return (const char *)sqlite3_column_text(st, col); }

/* A watermark as stored (JSON scalar text) back into JSON; text that is not
 * JSON stays a string. */
static json_object *watermark(sqlite3_stmt *st, int col) {
    const char *v = col_text(st, col);
    if (!v) return NULL;
    json_object *o = json_tokener_parse(v);
    return o ? o : json_object_new_string(v);
}

sqlite3 *dwh_status_open(const char *path, char **err) {
    *err = NULL;
    struct stat sb;
    if (!path || stat(path, &sb) != 0) {
        *err = fmt_err("no warehouse at %s; sync into it first, or pass --warehouse%s", path ? path : "(null)", NULL);
        return NULL;
    }
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        *err = fmt_err("warehouse %s cannot be read: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
    return db;
}

const char *dwh_status_run_outcome(sqlite3 *db, const char *stored, const char *job_id, const char *host,
                                   int64_t pid, int64_t pid_start, const char *started_at, int64_t lease_timeout_ms,
                                   int64_t now_ms) {
    if (!stored || strcmp(stored, "running") != 0) return stored ? stored : "?";
    dwh_lease_owner o = {.job_id = (char *)(job_id ? job_id : ""), .host = (char *)(host ? host : ""),
                         .pid = pid, .pid_start = pid_start};
    if (dwh_lease_owner_dead(&o)) return "crashed";
    char me[256] = "";
    if (gethostname(me, sizeof me - 1) == 0 && host && !strcmp(me, host)) return "running"; /* its pid runs */
    /* another host: a lease of its job renewed lately, or a start too
     * recent to have taken one */
    int64_t sec;
    int32_t nsec;
    if (started_at && dwh_isotime_parse(started_at, strlen(started_at), &sec, &nsec) == 0 &&
        now_ms - (sec * 1000 + nsec / 1000000) <= lease_timeout_ms)
        return "running";
    sqlite3_stmt *st = NULL;
    int fresh = 0;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM _dw_lease WHERE job_id = ?1 AND ?2 - heartbeat_ms <= ?3", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, job_id ? job_id : "", -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, now_ms);
        sqlite3_bind_int64(st, 3, lease_timeout_ms);
        fresh = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return fresh ? "running" : "crashed";
}

/* The live lease of (team, source, schema), as JSON, or NULL when nobody
 * holds it or its owner is gone. */
static json_object *live_lease(sqlite3 *db, const char *team, const char *source, const char *schema,
                               int64_t timeout_ms, int64_t now_ms) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT job_id, host, pid, pid_start, started_at, heartbeat_ms FROM _dw_lease"
                           " WHERE team_id = ?1 AND source_id = ?2 AND schema_name = ?3",
                           -1, &st, NULL) != SQLITE_OK)
        return NULL; /* an older warehouse without leases: nobody runs */
    sqlite3_bind_text(st, 1, team, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, schema, -1, SQLITE_STATIC);
    json_object *out = NULL;
    while (!out && sqlite3_step(st) == SQLITE_ROW) {
        const char *job = col_text(st, 0), *host = col_text(st, 1);
        dwh_lease_owner o = {.job_id = (char *)(job ? job : ""), .host = (char *)(host ? host : ""),
                             .pid = sqlite3_column_int64(st, 2), .pid_start = sqlite3_column_int64(st, 3),
                             .heartbeat_ms = sqlite3_column_int64(st, 5)};
        int64_t age = now_ms - o.heartbeat_ms;
        if (dwh_lease_owner_dead(&o) || age > timeout_ms) continue;
        out = json_object_new_object();
        json_object_object_add(out, "job_id", json_object_new_string(o.job_id));
        json_object_object_add(out, "host", json_object_new_string(o.host));
        json_object_object_add(out, "pid", json_object_new_int64(o.pid));
        json_object_object_add(out, "started_at", text_or_null(st, 4));
        json_object_object_add(out, "heartbeat_age_ms", json_object_new_int64(age < 0 ? 0 : age));
    }
    sqlite3_finalize(st);
    return out;
}

/* Webhook payloads the job has yet to apply, or NULL when the warehouse
 * keeps no webhooks (made before them). */
static json_object *webhooks_pending(sqlite3 *db, const char *team, const char *source, const char *schema,
                                     const char *ns) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT count(*) FROM _dw_webhook_target t JOIN _dw_webhook_inbox i ON i.id = t.inbox_id"
                           " WHERE i.team_id = ?1 AND i.source_id = ?2 AND t.schema_name = ?3 AND i.namespace = ?4"
                           " AND t.inbox_id > coalesce((SELECT last_id FROM _dw_webhook_cursor c WHERE"
                           " c.team_id = ?1 AND c.source_id = ?2 AND c.schema_name = ?3 AND c.namespace = ?4), 0)",
                           -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return NULL;
    }
    sqlite3_bind_text(st, 1, team, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, schema, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, ns, -1, SQLITE_STATIC);
    json_object *out = sqlite3_step(st) == SQLITE_ROW ? json_object_new_int64(sqlite3_column_int64(st, 0)) : NULL;
    sqlite3_finalize(st);
    return out;
}

/* The last run of the job: the most recent to end (or start, if it never
 * ended) of the runs of its source id that ran the schema or stopped
 * before choosing schemas; a run turned away because the job was already
 * running did nothing to it.  NULL when the history has none (or the
 * warehouse predates it). */
static json_object *last_run(sqlite3 *db, const char *team, const char *source, const char *schema, const char *ns,
                             int64_t timeout_ms, int64_t now_ms) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(
            db,
            "SELECT r.run_id, r.job_id, r.started_at, r.ended_at, r.outcome, r.failure, r.error, r.host, r.pid,"
            " r.pid_start, r.command, r.cwd, s.status, s.rows, s.failure, s.error, s.mode, s.resumed"
            " FROM _dw_runs r LEFT JOIN _dw_run_schemas s ON s.run_id = r.run_id AND s.schema_name = ?3"
            " WHERE r.team_id = ?1 AND r.source_id = ?2 AND r.namespace = ?4 AND coalesce(r.failure, '') != 'running'"
            " AND (s.run_id IS NOT NULL OR NOT EXISTS (SELECT 1 FROM _dw_run_schemas x WHERE x.run_id = r.run_id))"
            " ORDER BY coalesce(r.ended_at, r.started_at) DESC, r.run_id DESC LIMIT 1",
            -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return NULL;
    }
    sqlite3_bind_text(st, 1, team, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, schema, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, ns, -1, SQLITE_STATIC);
    json_object *out = NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *run = dwh_status_run_outcome(db, col_text(st, 4), col_text(st, 1), col_text(st, 7),
                                                 sqlite3_column_int64(st, 8), sqlite3_column_int64(st, 9),
                                                 col_text(st, 2), timeout_ms, now_ms);
        int has_schema = sqlite3_column_type(st, 12) != SQLITE_NULL;
        const char *status = has_schema ? col_text(st, 12) : NULL;
        /* the schema's own outcome, unless the run ended without giving it
         * one (crashed, or its last write failed) */
        const char *outcome = status && strcmp(status, "running") != 0 ? status : run;
        int own_error = has_schema && sqlite3_column_type(st, 15) != SQLITE_NULL;
        out = json_object_new_object();
        json_object_object_add(out, "run_id", json_object_new_int64(sqlite3_column_int64(st, 0)));
        json_object_object_add(out, "job_id", text_or_null(st, 1));
        json_object_object_add(out, "started_at", text_or_null(st, 2));
        json_object_object_add(out, "ended_at", text_or_null(st, 3));
        json_object_object_add(out, "outcome", json_object_new_string(outcome ? outcome : "?"));
        json_object_object_add(out, "run_outcome", json_object_new_string(run));
        json_object_object_add(out, "failure", text_or_null(st, own_error ? 14 : 5));
        json_object_object_add(out, "error", text_or_null(st, own_error ? 15 : 6));
        json_object_object_add(out, "rows", json_object_new_int64(has_schema ? sqlite3_column_int64(st, 13) : 0));
        json_object_object_add(out, "mode", has_schema ? text_or_null(st, 16) : NULL);
        json_object_object_add(out, "resumed", json_object_new_boolean(has_schema && sqlite3_column_int(st, 17)));
        const char *cmd = col_text(st, 10);
        json_object *words = cmd ? json_tokener_parse(cmd) : NULL;
        if (words && !json_object_is_type(words, json_type_array)) {
            json_object_put(words);
            words = NULL;
        }
        json_object_object_add(out, "command", words);
        json_object_object_add(out, "cwd", text_or_null(st, 11));
    }
    sqlite3_finalize(st);
    return out;
}

static const char *member_str(json_object *o, const char *k) {
    json_object *v = NULL;
    return o && json_object_object_get_ex(o, k, &v) && v ? json_object_get_string(v) : NULL;
}

/* running: a live owner (its lease, or its run before it took one);
 * failed: the last run failed (also at its start, for every schema it was
 * to sync); interrupted: a run stopped part way (killed, crashed, Ctrl-C),
 * or progress a rerun resumes; idle: the last run completed. */
static const char *job_word(json_object *lease, json_object *last, const char *write_mode) {
    const char *outcome = member_str(last, "outcome"), *run = member_str(last, "run_outcome");
    if (lease || (outcome && !strcmp(outcome, "running"))) return "running";
    if (outcome && !strcmp(outcome, "not run")) outcome = run; /* the run stopped before the schema */
    if (outcome && !strcmp(outcome, "failed")) return "failed";
    if ((outcome && (!strcmp(outcome, "interrupted") || !strcmp(outcome, "crashed"))) || write_mode)
        return "interrupted";
    return "idle";
}

/* The commands that continue a failed or interrupted job (sync_rerun.h),
 * from its last run's command line: {"resume", "restart" (a full refresh
 * only, else null)}; NULL when the line was not recorded. */
static json_object *rerun(json_object *last, const char *schema, const char *write_mode) {
    json_object *words = NULL;
    if (!last || !json_object_object_get_ex(last, "command", &words) || !words) return NULL;
    size_t n = json_object_array_length(words);
    const char **w = calloc(n ? n : 1, sizeof *w);
    if (!w) return NULL;
    for (size_t i = 0; i < n; i++) w[i] = json_object_get_string(json_object_array_get_idx(words, i));
    const char *mode = member_str(last, "mode");
    int full = (write_mode && (!strcmp(write_mode, "full") || !strcmp(write_mode, DWH_WRITE_MODE_FIRST_FULL))) ||
               (!write_mode && mode && !strcmp(mode, "full"));
    char *resume = dwh_sync_rerun_resume(w, n), *restart = full ? dwh_sync_rerun_restart(w, n, schema) : NULL;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "resume", resume ? json_object_new_string(resume) : NULL);
    json_object_object_add(o, "restart", restart ? json_object_new_string(restart) : NULL);
    free(resume);
    free(restart);
    free(w);
    return o;
}

/* A job entry; state columns absent (a job the history or a lease knows of
 * that never committed) are null. */
static json_object *job_entry(sqlite3 *db, const char *team, const char *source, const char *schema, const char *ns,
                              sqlite3_stmt *state, int64_t timeout_ms, int64_t now_ms) {
    const char *mode = state ? col_text(state, 4) : NULL;
    json_object *lease = live_lease(db, team, source, schema, timeout_ms, now_ms);
    json_object *last = last_run(db, team, source, schema, ns, timeout_ms, now_ms);
    const char *word = job_word(lease, last, mode);
    json_object *j = json_object_new_object();
    json_object_object_add(j, "team_id", json_object_new_string(team));
    json_object_object_add(j, "source_id", json_object_new_string(source));
    json_object_object_add(j, "schema", json_object_new_string(schema));
    json_object_object_add(j, "namespace", *ns ? json_object_new_string(ns) : NULL);
    json_object_object_add(j, "status", json_object_new_string(word));
    json_object_object_add(j, "write_mode", state ? text_or_null(state, 4) : NULL);
    json_object_object_add(j, "incremental_field", state ? text_or_null(state, 5) : NULL);
    json_object_object_add(j, "last_value", state ? watermark(state, 6) : NULL);
    json_object_object_add(j, "earliest_value", state ? watermark(state, 7) : NULL);
    json_object_object_add(j, "run_rows", mode ? json_object_new_int64(sqlite3_column_int64(state, 8)) : NULL);
    json_object_object_add(j, "run_batches", mode ? json_object_new_int64(sqlite3_column_int64(state, 9)) : NULL);
    json_object_object_add(j, "last_job_id", state ? text_or_null(state, 10) : NULL);
    json_object_object_add(j, "updated_at", state ? text_or_null(state, 11) : NULL);
    json_object_object_add(j, "lease", lease);
    json_object_object_add(j, "webhooks_pending", webhooks_pending(db, team, source, schema, ns));
    json_object_object_add(j, "last_run", last);
    int stopped = !strcmp(word, "failed") || !strcmp(word, "interrupted");
    json_object_object_add(j, "rerun", stopped ? rerun(last, schema, mode) : NULL);
    return j;
}

static int by_job(const void *a, const void *b) {
    json_object *x = *(json_object *const *)a, *y = *(json_object *const *)b;
    static const char *const keys[] = {"source_id", "schema", "team_id", "namespace"};
    for (size_t i = 0; i < 4; i++) {
        const char *p = member_str(x, keys[i]), *q = member_str(y, keys[i]);
        int c = strcmp(p ? p : "", q ? q : "");
        if (c) return c;
    }
    return 0;
}

json_object *dwh_job_status(const char *path, int64_t lease_timeout_ms, char **err) {
    *err = NULL;
    if (lease_timeout_ms <= 0) lease_timeout_ms = DWH_LEASE_DEFAULT_TIMEOUT_MS;
    sqlite3 *db = dwh_status_open(path, err);
    if (!db) return NULL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT team_id, source_id, schema_name, namespace, write_mode, incremental_field,"
                                " last_value, earliest_value, run_rows, run_batches, job_id, updated_at"
                                " FROM _dw_state ORDER BY source_id, schema_name, team_id, namespace",
                                -1, &st, NULL);
    if (rc != SQLITE_OK) {
        const char *why = sqlite3_errmsg(db);
        if (strstr(why, "no such table"))
            *err = fmt_err("%s is not a dwhost warehouse (it has no _dw_state table)%s", path, NULL);
        else
            *err = fmt_err("warehouse %s cannot be read: %s", path, why);
        sqlite3_finalize(st);
        sqlite3_close(db);
        return NULL;
    }
    int64_t now = dwh_lease_now_ms();
    json_object *jobs = json_object_new_array();
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *team = col_text(st, 0), *source = col_text(st, 1), *schema = col_text(st, 2),
                   *ns = col_text(st, 3);
        json_object_array_add(jobs, job_entry(db, team ? team : "", source ? source : "", schema ? schema : "",
                                              ns ? ns : "", st, lease_timeout_ms, now));
    }
    sqlite3_finalize(st);
    st = NULL;
    /* jobs without a state row: a first run holding its lease before its
     * first commit, and jobs whose runs never committed (the history) */
    static const char *const others[] = {
        "SELECT DISTINCT team_id, source_id, schema_name, '' FROM _dw_lease l WHERE NOT EXISTS"
        " (SELECT 1 FROM _dw_state s WHERE s.team_id = l.team_id AND s.source_id = l.source_id"
        " AND s.schema_name = l.schema_name)",
        "SELECT DISTINCT r.team_id, r.source_id, s.schema_name, r.namespace FROM _dw_run_schemas s JOIN _dw_runs r"
        " ON r.run_id = s.run_id WHERE NOT EXISTS (SELECT 1 FROM _dw_state t WHERE t.team_id = r.team_id AND"
        " t.source_id = r.source_id AND t.schema_name = s.schema_name AND t.namespace = r.namespace)"};
    for (size_t q = 0; rc == SQLITE_DONE && q < 2; q++) {
        if (sqlite3_prepare_v2(db, others[q], -1, &st, NULL) != SQLITE_OK) {
            sqlite3_finalize(st); /* an older warehouse without the table */
            st = NULL;
            continue;
        }
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            const char *team = col_text(st, 0), *source = col_text(st, 1), *schema = col_text(st, 2),
                       *ns = col_text(st, 3);
            json_object *j = job_entry(db, team ? team : "", source ? source : "", schema ? schema : "", ns ? ns : "",
                                       NULL, lease_timeout_ms, now);
            json_object *seen = NULL;
            for (size_t i = 0; !seen && i < json_object_array_length(jobs); i++)
                if (!by_job(&(json_object *){json_object_array_get_idx(jobs, i)}, &j))
                    seen = json_object_array_get_idx(jobs, i);
            /* a lease alone is shown only while it lives; the history's
             * jobs always (a failure is news) */
            const char *word = member_str(j, "status");
            if (seen || (q == 0 && strcmp(word, "running") != 0)) json_object_put(j);
            else json_object_array_add(jobs, j);
        }
        sqlite3_finalize(st);
        st = NULL;
    }
    if (rc != SQLITE_DONE) {
        *err = fmt_err("warehouse %s cannot be read: %s", path, sqlite3_errmsg(db));
        json_object_put(jobs);
        jobs = NULL;
    } else {
        json_object_array_sort(jobs, by_job);
    }
    sqlite3_close(db);
    return jobs;
}

json_object *dwh_job_status_doc(const char *path, char **err) {
    json_object *jobs = dwh_job_status(path, 0, err);
    if (!jobs) return NULL;
    json_object *doc = json_object_new_object();
    json_object_object_add(doc, "warehouse", json_object_new_string(path));
    json_object_object_add(doc, "jobs", jobs);
    return doc;
}
