/* job_status.c -- the sync jobs a warehouse records and how each one's
 * last run went, read-only (see job_status.h). */
#include "job_status.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/isotime.h"
#include "state/lease.h"
#include "state/state.h"
#include "status_read.h"
#include "sync/sync_rerun.h"
#include "warehouse/warehouse_read.h"

/* A watermark as stored (JSON scalar text) back into JSON; text that is not
 * JSON stays a string. */
static json_object *watermark(const char *v) {
    if (!v) return NULL;
    json_object *o = json_tokener_parse(v);
    return o ? o : json_object_new_string(v);
}

static json_object *str_or_null(const char *v) { return v ? json_object_new_string(v) : NULL; }

const char *dwhi_status_run_outcome(dwhi_warehouse *w, const char *stored, const char *job_id, const char *host,
                                   int64_t pid, int64_t pid_start, const char *started_at, int64_t lease_timeout_ms,
                                   int64_t now_ms) {
    if (!stored || strcmp(stored, "running") != 0) return stored ? stored : "?";
    dwhi_lease_owner o = {.job_id = (char *)(job_id ? job_id : ""), .host = (char *)(host ? host : ""),
                         .pid = pid, .pid_start = pid_start};
    if (dwhi_lease_owner_dead(&o)) return "crashed";
    char me[256] = "";
    if (gethostname(me, sizeof me - 1) == 0 && host && !strcmp(me, host)) return "running"; /* its pid runs */
    /* another host: a lease of its job renewed lately, or a start too
     * recent to have taken one */
    int64_t sec;
    int32_t nsec;
    if (started_at && dwhi_isotime_parse(started_at, strlen(started_at), &sec, &nsec) == 0 &&
        now_ms - (sec * 1000 + nsec / 1000000) <= lease_timeout_ms)
        return "running";
    return dwhi_wh_lease_fresh(w, job_id, now_ms, lease_timeout_ms) ? "running" : "crashed";
}

struct lease_seen {
    int64_t timeout_ms, now_ms;
    json_object *out;
};

/* Stops at the first lease whose owner may still run. */
static int lease_row(void *arg, const dwhi_lease_owner *o) {
    struct lease_seen *ls = arg;
    int64_t age = ls->now_ms - o->heartbeat_ms;
    if (dwhi_lease_owner_dead(o) || age > ls->timeout_ms) return 0;
    json_object *out = ls->out = json_object_new_object();
    json_object_object_add(out, "job_id", json_object_new_string(o->job_id));
    json_object_object_add(out, "host", json_object_new_string(o->host));
    json_object_object_add(out, "pid", json_object_new_int64(o->pid));
    json_object_object_add(out, "started_at", str_or_null(o->started_at));
    json_object_object_add(out, "heartbeat_age_ms", json_object_new_int64(age < 0 ? 0 : age));
    return 1;
}

/* The live lease of the job, as JSON, or NULL when nobody holds it or its
 * owner is gone. */
static json_object *live_lease(dwhi_warehouse *w, const dwhi_wh_job_key *job, int64_t timeout_ms, int64_t now_ms) {
    struct lease_seen ls = {timeout_ms, now_ms, NULL};
    dwhi_wh_read_leases(w, job, lease_row, &ls);
    return ls.out;
}

/* Webhook payloads the job has yet to apply, or NULL when the warehouse
 * keeps no webhooks (made before them). */
static json_object *webhooks_pending(dwhi_warehouse *w, const dwhi_wh_job_key *job) {
    int64_t n = dwhi_wh_read_webhooks_pending(w, job);
    return n < 0 ? NULL : json_object_new_int64(n);
}

struct last_seen {
    dwhi_warehouse *w;
    int64_t timeout_ms, now_ms;
    json_object *out;
};

static void last_run_row(void *arg, const dwhi_wh_run_row *r, const dwhi_run_schema *s) {
    struct last_seen *ls = arg;
    const char *run = dwhi_status_run_outcome(ls->w, r->outcome, r->job_id, r->host, r->pid, r->pid_start,
                                             r->started_at, ls->timeout_ms, ls->now_ms);
    const char *status = s ? s->status : NULL;
    /* the schema's own outcome, unless the run ended without giving it
     * one (crashed, or its last write failed) */
    const char *outcome = status && strcmp(status, "running") != 0 ? status : run;
    int own_error = s && s->error;
    json_object *out = ls->out = json_object_new_object();
    json_object_object_add(out, "run_id", json_object_new_int64(r->run_id));
    json_object_object_add(out, "job_id", str_or_null(r->job_id));
    json_object_object_add(out, "started_at", str_or_null(r->started_at));
    json_object_object_add(out, "ended_at", str_or_null(r->ended_at));
    json_object_object_add(out, "outcome", json_object_new_string(outcome ? outcome : "?"));
    json_object_object_add(out, "run_outcome", json_object_new_string(run));
    json_object_object_add(out, "failure", str_or_null(own_error ? s->failure : r->failure));
    json_object_object_add(out, "error", str_or_null(own_error ? s->error : r->error));
    json_object_object_add(out, "rows", json_object_new_int64(s ? s->rows : 0));
    json_object_object_add(out, "mode", s ? str_or_null(s->mode) : NULL);
    json_object_object_add(out, "resumed", json_object_new_boolean(s && s->resumed));
    json_object *words = r->command ? json_tokener_parse(r->command) : NULL;
    if (words && !json_object_is_type(words, json_type_array)) {
        json_object_put(words);
        words = NULL;
    }
    json_object_object_add(out, "command", words);
    json_object_object_add(out, "cwd", str_or_null(r->cwd));
}

/* The last run of the job (dwhi_wh_read_last_run), or NULL when the
 * history has none (or the warehouse predates it). */
static json_object *last_run(dwhi_warehouse *w, const dwhi_wh_job_key *job, int64_t timeout_ms, int64_t now_ms) {
    struct last_seen ls = {w, timeout_ms, now_ms, NULL};
    dwhi_wh_read_last_run(w, job, last_run_row, &ls);
    return ls.out;
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
    int full = (write_mode && (!strcmp(write_mode, "full") || !strcmp(write_mode, DWHI_WRITE_MODE_FIRST_FULL))) ||
               (!write_mode && mode && !strcmp(mode, "full"));
    char *resume = dwhi_sync_rerun_resume(w, n), *restart = full ? dwhi_sync_rerun_restart(w, n, schema) : NULL;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "resume", resume ? json_object_new_string(resume) : NULL);
    json_object_object_add(o, "restart", restart ? json_object_new_string(restart) : NULL);
    free(resume);
    free(restart);
    free(w);
    return o;
}

/* A job entry; state columns absent (`state` NULL: a job the history or a
 * lease knows of that never committed) are null. */
static json_object *job_entry(dwhi_warehouse *w, const dwhi_wh_job_key *job, const dwhi_wh_state_row *state,
                              int64_t timeout_ms, int64_t now_ms) {
    const char *mode = state ? state->write_mode : NULL;
    json_object *lease = live_lease(w, job, timeout_ms, now_ms);
    json_object *last = last_run(w, job, timeout_ms, now_ms);
    const char *word = job_word(lease, last, mode);
    json_object *j = json_object_new_object();
    json_object_object_add(j, "team_id", json_object_new_string(job->team_id));
    json_object_object_add(j, "source_id", json_object_new_string(job->source_id));
    json_object_object_add(j, "schema", json_object_new_string(job->schema));
    json_object_object_add(j, "namespace", *job->ns ? json_object_new_string(job->ns) : NULL);
    json_object_object_add(j, "status", json_object_new_string(word));
    json_object_object_add(j, "write_mode", str_or_null(mode));
    json_object_object_add(j, "incremental_field", state ? str_or_null(state->incremental_field) : NULL);
    json_object_object_add(j, "last_value", state ? watermark(state->last_value) : NULL);
    json_object_object_add(j, "earliest_value", state ? watermark(state->earliest_value) : NULL);
    json_object_object_add(j, "run_rows", mode ? json_object_new_int64(state->run_rows) : NULL);
    json_object_object_add(j, "run_batches", mode ? json_object_new_int64(state->run_batches) : NULL);
    json_object_object_add(j, "last_job_id", state ? str_or_null(state->job_id) : NULL);
    json_object_object_add(j, "updated_at", state ? str_or_null(state->updated_at) : NULL);
    json_object_object_add(j, "lease", lease);
    json_object_object_add(j, "webhooks_pending", webhooks_pending(w, job));
    json_object_object_add(j, "last_run", last);
    int stopped = !strcmp(word, "failed") || !strcmp(word, "interrupted");
    json_object_object_add(j, "rerun", stopped ? rerun(last, job->schema, mode) : NULL);
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

struct jobs_read {
    dwhi_warehouse *w;
    int64_t timeout_ms, now_ms;
    json_object *jobs;
};

static int state_job(void *arg, const dwhi_wh_state_row *row) {
    struct jobs_read *jr = arg;
    json_object_array_add(jr->jobs, job_entry(jr->w, &row->key, row, jr->timeout_ms, jr->now_ms));
    return 0;
}

static int stateless_job(void *arg, const dwhi_wh_job_key *job, int from_lease) {
    struct jobs_read *jr = arg;
    json_object *j = job_entry(jr->w, job, NULL, jr->timeout_ms, jr->now_ms);
    json_object *seen = NULL;
    for (size_t i = 0; !seen && i < json_object_array_length(jr->jobs); i++)
        if (!by_job(&(json_object *){json_object_array_get_idx(jr->jobs, i)}, &j))
            seen = json_object_array_get_idx(jr->jobs, i);
    /* a lease alone is shown only while it lives; the history's jobs
     * always (a failure is news) */
    const char *word = member_str(j, "status");
    if (seen || (from_lease && strcmp(word, "running") != 0)) json_object_put(j);
    else json_object_array_add(jr->jobs, j);
    return 0;
}

json_object *dwhi_job_status(const char *path, int64_t lease_timeout_ms, dwhi_wh_error *why, char **err) {
    *err = NULL;
    if (lease_timeout_ms <= 0) lease_timeout_ms = DWHI_LEASE_DEFAULT_TIMEOUT_MS;
    dwhi_warehouse *w = dwhi_wh_open_readonly(path, why, err);
    if (!w) return NULL;
    struct jobs_read jr = {w, lease_timeout_ms, dwhi_lease_now_ms(), json_object_new_array()};
    /* the state rows, then jobs without one: a first run holding its lease
     * before its first commit, and jobs whose runs never committed */
    if (dwhi_wh_read_states(w, state_job, &jr, err) != 0 || dwhi_wh_read_stateless_jobs(w, stateless_job, &jr, err) != 0) {
        json_object_put(jr.jobs);
        jr.jobs = NULL;
        if (why) *why = DWHI_WH_OTHER;
    } else {
        json_object_array_sort(jr.jobs, by_job);
    }
    dwhi_wh_close(w);
    return jr.jobs;
}

json_object *dwhi_job_status_doc(const char *path, dwhi_wh_error *why, char **err) {
    json_object *jobs = dwhi_job_status(path, 0, why, err);
    if (!jobs) return NULL;
    json_object *doc = json_object_new_object();
    char *shown = dwhi_wh_spec_shown(path); /* a PostgreSQL URL without its password */
    json_object_object_add(doc, "warehouse", json_object_new_string(shown ? shown : "?"));
    free(shown);
    json_object_object_add(doc, "jobs", jobs);
    return doc;
}
