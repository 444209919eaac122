/* job_status.c -- the sync jobs a warehouse records, read-only (see
 * job_status.h). */
#include "job_status.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lease.h"

static char *fmt_err(const char *fmt, const char *a, const char *b) {
    char *out = NULL;
    if (asprintf(&out, fmt, a, b ? b : "") < 0) out = NULL;
    return out;
}

static json_object *text_or_null(sqlite3_stmt *st, int col) {
    const char *v = (const char *)sqlite3_column_text(st, col);
    return v ? json_object_new_string(v) : NULL;
}

/* A watermark as stored (JSON scalar text) back into JSON; text that is not
 * JSON stays a string. */
static json_object *watermark(sqlite3_stmt *st, int col) {
    const char *v = (const char *)sqlite3_column_text(st, col);
    if (!v) return NULL;
    json_object *o = json_tokener_parse(v);
    return o ? o : json_object_new_string(v);
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
        const char *job = (const char *)sqlite3_column_text(st, 0), *host = (const char *)sqlite3_column_text(st, 1);
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

json_object *dwh_job_status(const char *path, int64_t lease_timeout_ms, char **err) {
    *err = NULL;
    if (lease_timeout_ms <= 0) lease_timeout_ms = DWH_LEASE_DEFAULT_TIMEOUT_MS;
    struct stat sb;
    if (!path || stat(path, &sb) != 0) {
        *err = fmt_err("no warehouse at %s; sync into it first, or pass --warehouse%s", path ? path : "(null)", NULL);
        return NULL;
    }
    sqlite3 *db = NULL;
    /* read-only: looking must never create, migrate or lock for writing */
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK) sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt *st = NULL;
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db,
                                "SELECT team_id, source_id, schema_name, namespace, write_mode, incremental_field,"
                                " last_value, earliest_value, run_rows, run_batches, job_id, updated_at"
                                " FROM _dw_state ORDER BY source_id, schema_name, team_id, namespace",
                                -1, &st, NULL);
    if (rc != SQLITE_OK) {
        const char *why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        if (db && strstr(why, "no such table"))
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
        const char *team = (const char *)sqlite3_column_text(st, 0), *source = (const char *)sqlite3_column_text(st, 1),
                   *schema = (const char *)sqlite3_column_text(st, 2), *ns = (const char *)sqlite3_column_text(st, 3),
                   *mode = (const char *)sqlite3_column_text(st, 4);
        json_object *lease = live_lease(db, team ? team : "", source ? source : "", schema ? schema : "",
                                        lease_timeout_ms, now);
        json_object *j = json_object_new_object();
        json_object_object_add(j, "team_id", text_or_null(st, 0));
        json_object_object_add(j, "source_id", text_or_null(st, 1));
        json_object_object_add(j, "schema", text_or_null(st, 2));
        json_object_object_add(j, "namespace", ns && *ns ? json_object_new_string(ns) : NULL);
        /* running: a live owner; interrupted: a run in progress that nobody
         * owns (a rerun resumes it); idle: the last run completed */
        json_object_object_add(j, "status",
                               json_object_new_string(lease ? "running" : mode ? "interrupted" : "idle"));
        json_object_object_add(j, "write_mode", text_or_null(st, 4));
        json_object_object_add(j, "incremental_field", text_or_null(st, 5));
        json_object_object_add(j, "last_value", watermark(st, 6));
        json_object_object_add(j, "earliest_value", watermark(st, 7));
        json_object_object_add(j, "run_rows", mode ? json_object_new_int64(sqlite3_column_int64(st, 8)) : NULL);
        json_object_object_add(j, "run_batches", mode ? json_object_new_int64(sqlite3_column_int64(st, 9)) : NULL);
        json_object_object_add(j, "last_job_id", text_or_null(st, 10));
        json_object_object_add(j, "updated_at", text_or_null(st, 11));
        json_object_object_add(j, "lease", lease);
        json_object_object_add(j, "webhooks_pending",
                               webhooks_pending(db, team ? team : "", source ? source : "", schema ? schema : "",
                                                ns ? ns : ""));
        json_object_array_add(jobs, j);
    }
    sqlite3_finalize(st);
    st = NULL;
    /* a first run holds its lease before its first commit writes a state row */
    if (rc == SQLITE_DONE &&
        sqlite3_prepare_v2(db,
                           "SELECT DISTINCT team_id, source_id, schema_name FROM _dw_lease l WHERE NOT EXISTS"
                           " (SELECT 1 FROM _dw_state s WHERE s.team_id = l.team_id AND s.source_id = l.source_id"
                           " AND s.schema_name = l.schema_name) ORDER BY source_id, schema_name, team_id",
                           -1, &st, NULL) == SQLITE_OK) {
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            const char *team = (const char *)sqlite3_column_text(st, 0),
                       *source = (const char *)sqlite3_column_text(st, 1),
                       *schema = (const char *)sqlite3_column_text(st, 2);
            json_object *lease = live_lease(db, team ? team : "", source ? source : "", schema ? schema : "",
                                            lease_timeout_ms, now);
            if (!lease) continue;
            json_object *j = json_object_new_object();
            json_object_object_add(j, "team_id", text_or_null(st, 0));
            json_object_object_add(j, "source_id", text_or_null(st, 1));
            json_object_object_add(j, "schema", text_or_null(st, 2));
            json_object_object_add(j, "namespace", NULL);
            json_object_object_add(j, "status", json_object_new_string("running"));
            static const char *const none[] = {"write_mode", "incremental_field", "last_value", "earliest_value",
                                               "run_rows", "run_batches", "last_job_id", "updated_at",
                                               "webhooks_pending"};
            for (size_t k = 0; k < sizeof none / sizeof none[0]; k++) json_object_object_add(j, none[k], NULL);
            json_object_object_add(j, "lease", lease);
            json_object_array_add(jobs, j);
        }
    }
    if (rc != SQLITE_DONE) {
        *err = fmt_err("warehouse %s cannot be read: %s", path, sqlite3_errmsg(db));
        json_object_put(jobs);
        jobs = NULL;
    }
    sqlite3_finalize(st);
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
