/* run_list.c -- the run history of a warehouse, newest first, read-only
 * (see job_status.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/isotime.h"
#include "job_status.h"
#include "state/lease.h"
#include "status_read.h"

static json_object *text_or_null(sqlite3_stmt *st, int col) {
    const char *v = (const char *)sqlite3_column_text(st, col);
    return v ? json_object_new_string(v) : NULL;
}

/* Seconds between two ISO-8601 stamps, or NULL when either is missing. */
static json_object *seconds(const char *from, const char *to) {
    int64_t s1, s2;
    int32_t n1, n2;
    if (!from || !to || dwh_isotime_parse(from, strlen(from), &s1, &n1) < 0 ||
        dwh_isotime_parse(to, strlen(to), &s2, &n2) < 0)
        return NULL;
    double d = (double)(s2 - s1) + (double)(n2 - n1) / 1e9;
    char text[32]; /* the stamps are in ms: printed as such, not as 1.7429999999999999 */
    snprintf(text, sizeof text, "%.3f", d);
    return json_object_new_double_s(d, text);
}

/* The schemas of run `id`, in the order the run took them. */
static json_object *run_schemas(sqlite3 *db, int64_t id, const char *run_outcome) {
    json_object *arr = json_object_new_array();
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT schema_name, table_name, mode, status, rows, resumed, failure, error"
                           " FROM _dw_run_schemas WHERE run_id = ?1 ORDER BY rowid",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *status = (const char *)sqlite3_column_text(st, 3);
            /* still "running" in a run that is not: it never got to write its end */
            if (status && !strcmp(status, "running") && strcmp(run_outcome, "running") != 0) status = run_outcome;
            json_object *s = json_object_new_object();
            json_object_object_add(s, "schema", text_or_null(st, 0));
            json_object_object_add(s, "table", text_or_null(st, 1));
            json_object_object_add(s, "mode", text_or_null(st, 2));
            json_object_object_add(s, "status", status ? json_object_new_string(status) : NULL);
            json_object_object_add(s, "rows", json_object_new_int64(sqlite3_column_int64(st, 4)));
            json_object_object_add(s, "resumed", json_object_new_boolean(sqlite3_column_int(st, 5)));
            json_object_object_add(s, "failure", text_or_null(st, 6));
            json_object_object_add(s, "error", text_or_null(st, 7));
            json_object_array_add(arr, s);
        }
    }
    sqlite3_finalize(st);
    return arr;
}

json_object *dwh_run_history(const char *path, int limit, int64_t lease_timeout_ms, char **err) {
    *err = NULL;
    if (lease_timeout_ms <= 0) lease_timeout_ms = DWH_LEASE_DEFAULT_TIMEOUT_MS;
    sqlite3 *db = dwh_status_open(path, err);
    if (!db) return NULL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT run_id, job_id, team_id, source, source_id, namespace, started_at, ended_at,"
                                " outcome, failure, error, rows, host, pid, pid_start, command, cwd"
                                " FROM _dw_runs ORDER BY run_id DESC LIMIT ?1",
                                -1, &st, NULL);
    json_object *runs = NULL;
    if (rc != SQLITE_OK) {
        int no_table = strstr(sqlite3_errmsg(db), "no such table") != NULL;
        if (!no_table) {
            if (asprintf(err, "warehouse %s cannot be read: %s", path, sqlite3_errmsg(db)) < 0) *err = NULL;
        } else {
            sqlite3_finalize(st);
            st = NULL;
            /* a warehouse older than the history has no runs recorded */
            if (sqlite3_prepare_v2(db, "SELECT 1 FROM _dw_state", -1, &st, NULL) == SQLITE_OK)
                runs = json_object_new_array();
            else if (asprintf(err, "%s is not a dwhost warehouse (it has no _dw_state table)", path) < 0)
                *err = NULL;
        }
        sqlite3_finalize(st);
        sqlite3_close(db);
        if (!runs && !*err) *err = strdup("out of memory");
        return runs;
    }
    sqlite3_bind_int(st, 1, limit > 0 ? limit : -1);
    int64_t now = dwh_lease_now_ms();
    runs = json_object_new_array();
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *started = (const char *)sqlite3_column_text(st, 6), *ended = (const char *)sqlite3_column_text(st, 7);
        const char *outcome = dwh_status_run_outcome(db, (const char *)sqlite3_column_text(st, 8),
                                                     (const char *)sqlite3_column_text(st, 1),
                                                     (const char *)sqlite3_column_text(st, 12),
                                                     sqlite3_column_int64(st, 13), sqlite3_column_int64(st, 14),
                                                     started, lease_timeout_ms, now);
        const char *ns = (const char *)sqlite3_column_text(st, 5), *cmd = (const char *)sqlite3_column_text(st, 15);
        int64_t id = sqlite3_column_int64(st, 0);
        json_object *words = cmd ? json_tokener_parse(cmd) : NULL;
        json_object *r = json_object_new_object();
        json_object_object_add(r, "run_id", json_object_new_int64(id));
        json_object_object_add(r, "job_id", text_or_null(st, 1));
        json_object_object_add(r, "team_id", text_or_null(st, 2));
        json_object_object_add(r, "source", text_or_null(st, 3));
        json_object_object_add(r, "source_id", text_or_null(st, 4));
        json_object_object_add(r, "namespace", ns && *ns ? json_object_new_string(ns) : NULL);
        json_object_object_add(r, "started_at", text_or_null(st, 6));
        json_object_object_add(r, "ended_at", text_or_null(st, 7));
        json_object_object_add(r, "seconds", seconds(started, ended));
        json_object_object_add(r, "outcome", json_object_new_string(outcome));
        json_object_object_add(r, "failure", text_or_null(st, 9));
        json_object_object_add(r, "error", text_or_null(st, 10));
        json_object_object_add(r, "rows", json_object_new_int64(sqlite3_column_int64(st, 11)));
        json_object_object_add(r, "host", text_or_null(st, 12));
        json_object_object_add(r, "pid", json_object_new_int64(sqlite3_column_int64(st, 13)));
        json_object_object_add(r, "command", words && json_object_is_type(words, json_type_array) ? words : NULL);
        if (words && !json_object_is_type(words, json_type_array)) json_object_put(words);
        json_object_object_add(r, "cwd", text_or_null(st, 16));
        json_object_object_add(r, "schemas", run_schemas(db, id, outcome));
        json_object_array_add(runs, r);
    }
    if (rc != SQLITE_DONE) {
        if (asprintf(err, "warehouse %s cannot be read: %s", path, sqlite3_errmsg(db)) < 0) *err = NULL;
        if (!*err) *err = strdup("out of memory");
        json_object_put(runs);
        runs = NULL;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return runs;
}

json_object *dwh_run_history_doc(const char *path, int limit, char **err) {
    json_object *runs = dwh_run_history(path, limit, 0, err);
    if (!runs) return NULL;
    json_object *doc = json_object_new_object();
    json_object_object_add(doc, "warehouse", json_object_new_string(path));
    json_object_object_add(doc, "runs", runs);
    return doc;
}
