/* run_list.c -- the run history of a warehouse, newest first, read-only
 * (see job_status.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/isotime.h"
#include "job_status.h"
#include "state/lease.h"
#include "status_read.h"
#include "warehouse/warehouse_read.h"

static json_object *str_or_null(const char *v) { return v ? json_object_new_string(v) : NULL; }

/* Seconds between two ISO-8601 stamps, or NULL when either is missing. */
static json_object *seconds(const char *from, const char *to) {
    int64_t s1, s2;
    int32_t n1, n2;
    if (!from || !to || dwhi_isotime_parse(from, strlen(from), &s1, &n1) < 0 ||
        dwhi_isotime_parse(to, strlen(to), &s2, &n2) < 0)
        return NULL;
    double d = (double)(s2 - s1) + (double)(n2 - n1) / 1e9;
    char text[32]; /* the stamps are in ms: printed as such, not as 1.7429999999999999 */
    snprintf(text, sizeof text, "%.3f", d);
    return json_object_new_double_s(d, text);
}

struct schemas_read {
    const char *run_outcome;
    json_object *arr;
};

static int schema_row(void *arg, const dwhi_run_schema *row) {
    struct schemas_read *sr = arg;
    const char *status = row->status;
    /* still "running" in a run that is not: it never got to write its end */
    if (status && !strcmp(status, "running") && strcmp(sr->run_outcome, "running") != 0) status = sr->run_outcome;
    json_object *s = json_object_new_object();
    json_object_object_add(s, "schema", str_or_null(row->schema));
    json_object_object_add(s, "table", str_or_null(row->table));
    json_object_object_add(s, "mode", str_or_null(row->mode));
    json_object_object_add(s, "status", str_or_null(status));
    json_object_object_add(s, "rows", json_object_new_int64(row->rows));
    json_object_object_add(s, "resumed", json_object_new_boolean(row->resumed));
    json_object_object_add(s, "failure", str_or_null(row->failure));
    json_object_object_add(s, "error", str_or_null(row->error));
    json_object_array_add(sr->arr, s);
    return 0;
}

/* The schemas of run `id`, in the order the run took them. */
static json_object *run_schemas(dwhi_warehouse *w, int64_t id, const char *run_outcome) {
    struct schemas_read sr = {run_outcome, json_object_new_array()};
    dwhi_wh_read_run_schemas(w, id, schema_row, &sr);
    return sr.arr;
}

struct runs_read {
    dwhi_warehouse *w;
    int64_t timeout_ms, now_ms;
    json_object *runs;
};

static int run_row(void *arg, const dwhi_wh_run_row *run) {
    struct runs_read *rr = arg;
    const char *outcome = dwhi_status_run_outcome(rr->w, run->outcome, run->job_id, run->host, run->pid,
                                                 run->pid_start, run->started_at, rr->timeout_ms, rr->now_ms);
    json_object *words = run->command ? json_tokener_parse(run->command) : NULL;
    json_object *r = json_object_new_object();
    json_object_object_add(r, "run_id", json_object_new_int64(run->run_id));
    json_object_object_add(r, "job_id", str_or_null(run->job_id));
    json_object_object_add(r, "team_id", str_or_null(run->team_id));
    json_object_object_add(r, "source", str_or_null(run->source));
    json_object_object_add(r, "source_id", str_or_null(run->source_id));
    json_object_object_add(r, "namespace", run->ns && *run->ns ? json_object_new_string(run->ns) : NULL);
    json_object_object_add(r, "started_at", str_or_null(run->started_at));
    json_object_object_add(r, "ended_at", str_or_null(run->ended_at));
    json_object_object_add(r, "seconds", seconds(run->started_at, run->ended_at));
    json_object_object_add(r, "outcome", json_object_new_string(outcome));
    json_object_object_add(r, "failure", str_or_null(run->failure));
    json_object_object_add(r, "error", str_or_null(run->error));
    json_object_object_add(r, "rows", json_object_new_int64(run->rows));
    json_object_object_add(r, "host", str_or_null(run->host));
    json_object_object_add(r, "pid", json_object_new_int64(run->pid));
    json_object_object_add(r, "command", words && json_object_is_type(words, json_type_array) ? words : NULL);
    if (words && !json_object_is_type(words, json_type_array)) json_object_put(words);
    json_object_object_add(r, "cwd", str_or_null(run->cwd));
    json_object_object_add(r, "schemas", run_schemas(rr->w, run->run_id, outcome));
    json_object_array_add(rr->runs, r);
    return 0;
}

json_object *dwhi_run_history(const char *path, int limit, int64_t lease_timeout_ms, dwhi_wh_error *why,
                              char **err) {
    *err = NULL;
    if (lease_timeout_ms <= 0) lease_timeout_ms = DWHI_LEASE_DEFAULT_TIMEOUT_MS;
    dwhi_warehouse *w = dwhi_wh_open_readonly(path, why, err);
    if (!w) return NULL;
    struct runs_read rr = {w, lease_timeout_ms, dwhi_lease_now_ms(), json_object_new_array()};
    if (dwhi_wh_read_runs(w, limit, run_row, &rr, err) != 0) {
        json_object_put(rr.runs);
        rr.runs = NULL;
        if (why) *why = DWHI_WH_OTHER;
    }
    dwhi_wh_close(w);
    return rr.runs;
}

json_object *dwhi_run_history_doc(const char *path, int limit, dwhi_wh_error *why, char **err) {
    json_object *runs = dwhi_run_history(path, limit, 0, why, err);
    if (!runs) return NULL;
    json_object *doc = json_object_new_object();
    char *shown = dwhi_wh_spec_shown(path); /* a PostgreSQL URL without its password */
    json_object_object_add(doc, "warehouse", json_object_new_string(shown ? shown : "?"));
    free(shown);
    json_object_object_add(doc, "runs", runs);
    return doc;
}
