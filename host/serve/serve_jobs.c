/*
 * serve_jobs.c -- the jobs file of `dwhost serve --jobs FILE` (see serve.h
 * and docs/cli/serve.md "Jobs"): named syncs, each with its source, config
 * file, schemas, mode and interval, that the service starts on their
 * interval as runs like any POST /v1/syncs (serve_runs.c: one worker each).
 *
 * A job never overlaps itself: its runs have the job's source id, and a
 * source id runs once at a time (the service refuses a second run; the
 * warehouse lease refuses a run of another process).  After a run ends
 * the next one is due an interval later; after N failures in a row it is
 * due min(interval * 2^N, max(interval, 1 hour)) later (backoff); a run
 * that succeeds ends the backoff.
 *
 * Everything here is guarded by the service's lock (s->lock).
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/file_read.h"
#include "base/isotime.h"
#include "base/text.h"
#include "config/config_load.h"
#include "serve.h"

/* The longest a backoff grows when the interval is shorter. */
#define BACKOFF_CAP_S 3600
/* The longest interval accepted: a year. */
#define INTERVAL_MAX_S (366LL * 86400)
/* A jobs file is small. */
#define JOBS_FILE_MAX ((size_t)1 << 20)

typedef struct dwhi_serve_job {
    char *name, *source, *source_id, *config, *mode;
    json_object *schemas;  /* array of strings, or NULL: every schema */
    int64_t interval_s;
    double next;           /* monotonic time the next run is due; 0 while one runs */
    int64_t delay_s;       /* the wait before the next run (interval or backoff) */
    int failures;          /* failed runs in a row */
    char *running;         /* the run in flight, or NULL */
    json_object *last;     /* the last run's outcome, or NULL */
    unsigned long runs;    /* runs started by this service */
} dwhi_serve_job;

struct dwhi_serve_jobs {
    char *path;
    dwhi_serve_job *v;
    size_t n;
};

static double mono_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void job_clear(dwhi_serve_job *j) {
    free(j->name);
    free(j->source);
    free(j->source_id);
    free(j->config);
    free(j->mode);
    json_object_put(j->schemas);
    free(j->running);
    json_object_put(j->last);
}

void dwhi_serve_jobs_free(dwhi_serve_jobs *js) {
    if (!js) return;
    for (size_t i = 0; i < js->n; i++) job_clear(&js->v[i]);
    free(js->v);
    free(js->path);
    free(js);
}

/* ---- loading ----------------------------------------------------------------- */

/* A name for URLs and source ids: letters, digits, '_' and '-'. */
static int good_name(const char *n) {
    size_t len = strlen(n);
    if (!len || len > 128) return 0;
    for (size_t i = 0; i < len; i++) {
        char c = n[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* "interval": whole seconds as a number, or a string "N", "Ns", "Nm", "Nh", "Nd". */
static int parse_interval(json_object *v, int64_t *out) {
    int64_t n;
    if (json_object_is_type(v, json_type_int)) {
        n = json_object_get_int64(v);
    } else if (json_object_is_type(v, json_type_string)) {
        const char *t = json_object_get_string(v);
        char *end;
        errno = 0;
        long long x = strtoll(t, &end, 10);
        if (errno || end == t || t[0] == '-' || t[0] == '+' || t[0] == ' ') return -1;
        int64_t unit = 1;
        if (*end == 's') unit = 1, end++;
        else if (*end == 'm') unit = 60, end++;
        else if (*end == 'h') unit = 3600, end++;
        else if (*end == 'd') unit = 86400, end++;
        if (*end || x > INTERVAL_MAX_S) return -1;
        n = x * unit;
    } else {
        return -1;
    }
    if (n < 1 || n > INTERVAL_MAX_S) return -1;
    *out = n;
    return 0;
}

/* The string member `k` of job `j` into *out (malloc'd); a missing member
 * leaves *out NULL.  Returns -1 with *err when it is not a non-empty string. */
static int str_field(json_object *o, const char *k, const char *job, char **out, char **err) {
    json_object *v;
    *out = NULL;
    if (!json_object_object_get_ex(o, k, &v)) return 0;
    if (!json_object_is_type(v, json_type_string) || !*json_object_get_string(v)) {
        *err = dwhi_strf("job '%s': \"%s\" must be a non-empty string", job, k);
        return -1;
    }
    if (!(*out = strdup(json_object_get_string(v)))) {
        *err = strdup("out of memory");
        return -1;
    }
    return 0;
}

/* The config file of a job: relative to the jobs file's directory; it
 * must be readable and hold one JSON object (its content is never shown:
 * it may hold secrets).  Returns the absolute path (malloc'd) or NULL
 * with *err. */
static char *job_config(const char *dir, const char *job, const char *given, char **err) {
    char *path = given[0] == '/' ? strdup(given) : dwhi_strf("%s/%s", dir, given);
    char *abs = path ? realpath(path, NULL) : NULL;
    int e = errno;
    if (!abs) {
        *err = dwhi_strf("job '%s': \"config\" %s: %s", job, path ? path : given, strerror(e));
        free(path);
        return NULL;
    }
    free(path);
    char *text = NULL;
    size_t len = 0;
    int rerr = 0;
    dwhi_read_status st = dwhi_read_whole_file(abs, DWHI_CONFIG_FILE_MAX, &text, &len, &rerr);
    if (st != DWHI_READ_OK) {
        *err = dwhi_strf("job '%s': \"config\" %s: %s", job, abs,
                         st == DWHI_READ_IS_DIR    ? "a directory, not a config file"
                         : st == DWHI_READ_TOO_BIG ? "larger than a config file may be"
                         : st == DWHI_READ_NOMEM   ? "out of memory"
                                                   : strerror(rerr));
        free(abs);
        return NULL;
    }
    json_object *doc = NULL;
    char why[160];
    int bad = dwhi_config_parse_text(text, len, &doc, why, sizeof why);
    free(text);
    if (bad || !json_object_is_type(doc, json_type_object)) {
        *err = dwhi_strf("job '%s': \"config\" %s: %s", job, abs, bad ? why : "not a JSON object");
        json_object_put(doc);
        free(abs);
        return NULL;
    }
    json_object_put(doc);
    return abs;
}

static const char *const FIELDS[] = {"name", "source", "config", "schemas", "mode", "interval", "source_id"};

/* One job of the file into *j.  Returns 0, or -1 with *err. */
static int load_job(json_object *o, size_t index, const char *dir, dwhi_serve_job *j, char **err) {
    char at[32];
    snprintf(at, sizeof at, "#%zu", index + 1);
    if (!json_object_is_type(o, json_type_object)) {
        *err = dwhi_strf("job %s: must be an object {\"name\", \"source\", \"config\", \"interval\", ...}", at);
        return -1;
    }
    if (str_field(o, "name", at, &j->name, err)) return -1;
    if (!j->name) {
        *err = dwhi_strf("job %s: \"name\" is missing", at);
        return -1;
    }
    const char *name = j->name;
    if (!good_name(name)) {
        *err = dwhi_strf("job %s: \"name\" must be 1 to 128 letters, digits, '_' or '-' (it is used in URLs), got "
                         "'%.64s'", at, name);
        return -1;
    }
    json_object_object_foreach(o, key, val) {
        (void)val;
        size_t k = 0;
        while (k < sizeof FIELDS / sizeof *FIELDS && strcmp(key, FIELDS[k])) k++;
        if (k == sizeof FIELDS / sizeof *FIELDS) {
            *err = dwhi_strf("job '%s': unknown field \"%.64s\"; a job has name, source, config, schemas, mode, "
                             "interval and source_id", name, key);
            return -1;
        }
    }
    char *config = NULL;
    if (str_field(o, "source", name, &j->source, err) || str_field(o, "source_id", name, &j->source_id, err) ||
        str_field(o, "mode", name, &j->mode, err) || str_field(o, "config", name, &config, err)) {
        free(config);
        return -1;
    }
    if (!j->source || !good_name(j->source)) {
        *err = dwhi_strf("job '%s': \"source\" %s", name, j->source ? "is not a source name" : "is missing");
        free(config);
        return -1;
    }
    if (j->source_id && !good_name(j->source_id)) {
        *err = dwhi_strf("job '%s': \"source_id\" must be letters, digits, '_' or '-'", name);
        free(config);
        return -1;
    }
    if (!j->source_id && !(j->source_id = strdup(name))) {
        *err = strdup("out of memory");
        free(config);
        return -1;
    }
    if (!config) {
        *err = dwhi_strf("job '%s': \"config\" is missing: the path of its config file (relative to the jobs file)",
                         name);
        return -1;
    }
    j->config = job_config(dir, name, config, err);
    free(config);
    if (!j->config) return -1;
    if (j->mode && strcmp(j->mode, "incremental") && strcmp(j->mode, "full") && strcmp(j->mode, "append")) {
        *err = dwhi_strf("job '%s': \"mode\" must be incremental, full or append, got '%.32s'", name, j->mode);
        return -1;
    }
    json_object *v;
    if (json_object_object_get_ex(o, "schemas", &v)) {
        int ok = json_object_is_type(v, json_type_array) && json_object_array_length(v) > 0;
        for (size_t i = 0; ok && i < json_object_array_length(v); i++) {
            json_object *e = json_object_array_get_idx(v, i);
            ok = json_object_is_type(e, json_type_string) && *json_object_get_string(e);
        }
        if (!ok) {
            *err = dwhi_strf("job '%s': \"schemas\" must be a non-empty array of schema names (leave it out for "
                             "every schema)", name);
            return -1;
        }
        j->schemas = json_object_get(v);
    }
    if (!json_object_object_get_ex(o, "interval", &v)) {
        *err = dwhi_strf("job '%s': \"interval\" is missing: seconds, or a string like \"90s\", \"15m\", \"6h\", "
                         "\"1d\"", name);
        return -1;
    }
    if (parse_interval(v, &j->interval_s) != 0) {
        *err = dwhi_strf("job '%s': \"interval\" must be 1 second to 366 days: a whole number of seconds or a "
                         "string like \"90s\", \"15m\", \"6h\", \"1d\", got %.40s",
                         name, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
        return -1;
    }
    j->delay_s = j->interval_s;
    return 0;
}

int dwhi_serve_jobs_load(const char *path, dwhi_serve_jobs **out, char **err) {
    *out = NULL;
    char *text = NULL, *why = NULL, *dir = NULL;
    size_t len = 0;
    int rerr = 0;
    json_object *doc = NULL;
    dwhi_serve_jobs *js = calloc(1, sizeof *js);
    if (!js || !(js->path = strdup(path))) goto nomem;
    dwhi_read_status st = dwhi_read_whole_file(path, JOBS_FILE_MAX, &text, &len, &rerr);
    if (st != DWHI_READ_OK) {
        why = strdup(st == DWHI_READ_IS_DIR    ? "a directory, not a jobs file"
                     : st == DWHI_READ_TOO_BIG ? "larger than 1 MiB"
                     : st == DWHI_READ_NOMEM   ? "out of memory"
                                               : strerror(rerr));
        goto bad;
    }
    char perr[160];
    if (dwhi_config_parse_text(text, len, &doc, perr, sizeof perr) != 0) {
        why = strdup(perr);
        goto bad;
    }
    json_object *list;
    if (!json_object_is_type(doc, json_type_object) || !json_object_object_get_ex(doc, "jobs", &list) ||
        !json_object_is_type(list, json_type_array)) {
        why = strdup("must be a JSON object {\"jobs\": [{\"name\", \"source\", \"config\", \"interval\", ...}]}");
        goto bad;
    }
    json_object_object_foreach(doc, key, val) {
        (void)val;
        if (strcmp(key, "jobs")) {
            why = dwhi_strf("unknown field \"%.64s\" at the top; the file holds {\"jobs\": [...]}", key);
            goto bad;
        }
    }
    /* relative config paths start at the jobs file's directory */
    char *copy = strdup(path);
    char *real = copy ? realpath(dirname(copy), NULL) : NULL;
    free(copy);
    if (!real) goto nomem;
    dir = real;
    size_t n = json_object_array_length(list);
    if (n && !(js->v = calloc(n, sizeof *js->v))) goto nomem;
    for (size_t i = 0; i < n; i++) {
        dwhi_serve_job *j = &js->v[js->n++];
        if (load_job(json_object_array_get_idx(list, i), i, dir, j, &why) != 0) goto bad;
        for (size_t k = 0; k + 1 < js->n; k++) {
            if (!strcmp(js->v[k].name, j->name)) {
                why = dwhi_strf("job '%s': a second job of that name", j->name);
                goto bad;
            }
            if (!strcmp(js->v[k].source_id, j->source_id)) {
                why = dwhi_strf("job '%s': source id '%s' is job '%s''s too (one state, one run at a time); give one "
                                "of them a \"source_id\" of its own", j->name, j->source_id, js->v[k].name);
                goto bad;
            }
        }
    }
    free(dir);
    free(text);
    json_object_put(doc);
    *out = js;
    return 0;
nomem:
    why = strdup("out of memory");
bad:
    *err = dwhi_strf("jobs file %s: %s", path, why ? why : "out of memory");
    free(why);
    free(dir);
    free(text);
    json_object_put(doc);
    dwhi_serve_jobs_free(js);
    return -1;
}

size_t dwhi_serve_jobs_count(const dwhi_serve_jobs *js) { return js ? js->n : 0; }

/* ---- running ------------------------------------------------------------------ */

static dwhi_serve_job *find(dwhi_serve_jobs *js, const char *name) {
    for (size_t i = 0; js && i < js->n; i++)
        if (!strcmp(js->v[i].name, name)) return &js->v[i];
    return NULL;
}

/* Starts a run of job `j` (not under the lock). */
static char *start(dwhi_serve *s, const dwhi_serve_job *j, const char *trigger, int *http, char **err) {
    json_object *req = json_object_new_object();
    if (!req) {
        *http = 500;
        *err = strdup("out of memory");
        return NULL;
    }
    json_object_object_add(req, "source", json_object_new_string(j->source));
    json_object_object_add(req, "source_id", json_object_new_string(j->source_id));
    if (j->mode) json_object_object_add(req, "mode", json_object_new_string(j->mode));
    if (j->schemas) json_object_object_add(req, "schemas", json_object_get(j->schemas));
    char *id = dwhi_serve_run_start_job(s, req, j->name, j->config, trigger, http, err);
    json_object_put(req);
    return id;
}

char *dwhi_serve_job_run(dwhi_serve *s, const char *name, int *http, char **err) {
    pthread_mutex_lock(&s->lock);
    dwhi_serve_job *j = find(s->jobs, name);
    if (!j) {
        pthread_mutex_unlock(&s->lock);
        *http = 404;
        *err = s->jobs ? dwhi_strf("no job '%.128s' in the jobs file; GET /v1/jobs lists them", name)
                       : strdup("\"job\" names a job of a jobs file, which this service does not have (--jobs "
                                "FILE); give \"source\" and \"config\"");
        return NULL;
    }
    if (j->running) {
        *http = 409;
        *err = dwhi_strf("job '%s' is already running (run %s); it never overlaps itself", j->name, j->running);
        pthread_mutex_unlock(&s->lock);
        return NULL;
    }
    /* the job's settings stay while the service runs: copied out of the lock */
    dwhi_serve_job copy = *j;
    pthread_mutex_unlock(&s->lock);
    return start(s, &copy, "request", http, err);
}

void dwhi_serve_job_started(dwhi_serve *s, const char *name, const char *run_id) {
    dwhi_serve_job *j = find(s->jobs, name);
    if (!j) return;
    free(j->running);
    j->running = strdup(run_id);
    j->next = 0;
    j->runs++;
}

void dwhi_serve_job_ended(dwhi_serve *s, const char *name, const char *run_id, const char *state,
                          const char *failure, const char *error, const char *ended_at) {
    dwhi_serve_job *j = find(s->jobs, name);
    if (!j) return;
    free(j->running);
    j->running = NULL;
    /* Another process holding the job's lease ("running") is no failure
     * of the job: it tries again an interval later. */
    int failed = (!strcmp(state, "failed") || !strcmp(state, "crashed")) && !(failure && !strcmp(failure, "running"));
    if (failed) {
        j->failures++;
        int64_t cap = j->interval_s > BACKOFF_CAP_S ? j->interval_s : BACKOFF_CAP_S;
        int64_t d = j->interval_s;
        for (int k = 0; k < j->failures && d < cap; k++) d *= 2;
        j->delay_s = d < cap ? d : cap;
    } else if (!strcmp(state, "ok")) {
        j->failures = 0;
        j->delay_s = j->interval_s;
    } else {
        j->delay_s = j->interval_s; /* interrupted: resumes at its next run; the failure count stays */
    }
    j->next = mono_s() + (double)j->delay_s;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "run_id", json_object_new_string(run_id));
    json_object_object_add(o, "state", json_object_new_string(state));
    json_object_object_add(o, "failure", failure ? json_object_new_string(failure) : NULL);
    json_object_object_add(o, "error", error ? json_object_new_string(error) : NULL);
    json_object_object_add(o, "ended_at", json_object_new_string(ended_at));
    json_object_put(j->last);
    j->last = o;
    if (failed)
        dwhi_serve_log("job '%s': run %s %s (%d in a row); next run in %lld s (backoff)", j->name, run_id, state,
                       j->failures, (long long)j->delay_s);
}

void dwhi_serve_jobs_step(dwhi_serve *s) {
    if (!s->jobs) return;
    double now = mono_s();
    for (size_t i = 0;; i++) {
        pthread_mutex_lock(&s->lock);
        if (i >= s->jobs->n || s->draining) {
            pthread_mutex_unlock(&s->lock);
            return;
        }
        dwhi_serve_job *j = &s->jobs->v[i];
        int due = !j->running && j->next <= now;
        dwhi_serve_job copy = *j;
        pthread_mutex_unlock(&s->lock);
        if (!due) continue;
        int http = 0;
        char *err = NULL, *id = start(s, &copy, "schedule", &http, &err);
        if (!id) {
            /* busy (its source id runs from a request, or --max-runs is
             * reached) or it cannot start: tried again later */
            int64_t wait = http == 429 ? 1 : copy.interval_s;
            dwhi_serve_log("job '%s' not started: %s; trying again in %lld s", copy.name, err ? err : "?",
                           (long long)wait);
            pthread_mutex_lock(&s->lock);
            if (!j->running) j->next = now + (double)wait;
            pthread_mutex_unlock(&s->lock);
        }
        free(id);
        free(err);
    }
}

void dwhi_serve_jobs_begin(dwhi_serve *s) {
    double now = mono_s();
    for (size_t i = 0; s->jobs && i < s->jobs->n; i++) s->jobs->v[i].next = now; /* each runs once at start */
}

/* ---- GET /v1/jobs --------------------------------------------------------------- */

json_object *dwhi_serve_jobs_json(dwhi_serve *s, json_object *status_jobs) {
    json_object *list = json_object_new_array();
    double now = mono_s();
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; s->jobs && i < s->jobs->n; i++) {
        const dwhi_serve_job *j = &s->jobs->v[i];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(j->name));
        json_object_object_add(o, "source", json_object_new_string(j->source));
        json_object_object_add(o, "source_id", json_object_new_string(j->source_id));
        json_object_object_add(o, "config", json_object_new_string(j->config));
        json_object_object_add(o, "schemas", json_object_get(j->schemas));
        json_object_object_add(o, "mode", j->mode ? json_object_new_string(j->mode) : NULL);
        json_object_object_add(o, "interval_s", json_object_new_int64(j->interval_s));
        json_object_object_add(o, "running", j->running ? json_object_new_string(j->running) : NULL);
        if (j->running) {
            json_object_object_add(o, "next_run_at", NULL);
        } else {
            char at[40];
            double in = j->next > now ? j->next - now : 0;
            struct timespec t;
            clock_gettime(CLOCK_REALTIME, &t);
            if (dwhi_isotime_format((int64_t)t.tv_sec + (int64_t)ceil(in), "%Y-%m-%dT%H:%M:%SZ", at, sizeof at) != 0)
                at[0] = 0;
            json_object_object_add(o, "next_run_at", at[0] ? json_object_new_string(at) : NULL);
            json_object_object_add(o, "next_run_in_s", json_object_new_double(floor(in * 10 + 0.5) / 10));
        }
        json_object_object_add(o, "runs", json_object_new_int64((int64_t)j->runs));
        json_object_object_add(o, "consecutive_failures", json_object_new_int(j->failures));
        json_object_object_add(o, "backoff_s", json_object_new_int64(j->failures ? j->delay_s : 0));
        json_object_object_add(o, "last", json_object_get(j->last));
        /* the warehouse's view of the job (`dwhost status`'s entry) */
        json_object *st = NULL;
        for (size_t k = 0; status_jobs && k < json_object_array_length(status_jobs); k++) {
            json_object *e = json_object_array_get_idx(status_jobs, k);
            const char *sid = json_object_get_string(json_object_object_get(e, "source_id"));
            if (sid && !strcmp(sid, j->source_id)) st = e;
        }
        json_object_object_add(o, "status", json_object_get(st));
        json_object_array_add(list, o);
    }
    pthread_mutex_unlock(&s->lock);
    return list;
}

/* ---- POST /v1/webhooks/{job} ------------------------------------------------------ */

int dwhi_serve_job_for_webhook(dwhi_serve *s, const char *name, dwhi_serve_webhook_target *t, char **err) {
    memset(t, 0, sizeof *t);
    pthread_mutex_lock(&s->lock);
    const dwhi_serve_job *j = find(s->jobs, name);
    int http = 0;
    if (!j) {
        /* a source name: when exactly one job syncs it */
        size_t n = 0;
        for (size_t i = 0; s->jobs && i < s->jobs->n; i++)
            if (!strcmp(s->jobs->v[i].source, name)) {
                n++;
                j = &s->jobs->v[i];
            }
        if (n > 1) {
            j = NULL;
            http = 409;
            *err = dwhi_strf("%zu jobs sync source '%.128s': post its webhooks to /v1/webhooks/JOB of the job whose "
                             "config holds the signing secret", n, name);
        } else if (!n) {
            http = 404;
            *err = s->jobs ? dwhi_strf("no job (or source of exactly one job) named '%.128s' in the jobs file; "
                                       "webhooks go to /v1/webhooks/JOB", name)
                           : strdup("webhooks need a jobs file (--jobs FILE): a job names the source and the config "
                                    "that holds the signing secret");
        }
    }
    if (j) {
        t->job = j->name;
        t->source = j->source;
        t->source_id = j->source_id;
        t->config = j->config;
    }
    pthread_mutex_unlock(&s->lock);
    return http;
}
