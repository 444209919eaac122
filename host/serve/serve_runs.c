/*
 * serve_runs.c -- the service's runs (see serve.h): each sync runs in a
 * `dwhost serve-worker` process; this file starts it, reads its events,
 * watches its heartbeat, cancels it, and says what happened when it ends.
 *
 * A run's state: "running", "cancelling" (DELETE or shutdown asked it to
 * stop after its batch), then "ok", "failed" (the sync failed: its report
 * says why), "interrupted" (stopped after a commit; the next run resumes)
 * or "crashed" (the worker died: the plugin crashed, called exit(), hung
 * past the heartbeat timeout or ran out of memory; committed batches are
 * kept and the next run resumes from them).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dwhost.h"
#include "base/text.h"
#include "ops/ops.h"
#include "base/isotime.h"
#include "serve.h"

struct dwhi_serve_run {
    char id[37];
    char *source, *source_id;
    char *job;                 /* the jobs file's job this run is of, or NULL */
    const char *trigger;       /* static: "request", "schedule" */
    const char *state;         /* static */
    char started_at[40], ended_at[40];
    double t0, seconds;
    json_object *schemas;      /* schema -> {"rows", "batches", "done"} from the progress events */
    char *schema;              /* the schema the last progress event named */
    char *error;               /* one line, when it did not end ok */
    const char *failure;       /* the sync's failure word, or "crashed"/"hung"/... */
    json_object *report;       /* the worker's sync report */
    dwhi_serve_child c;
    int alive, out_open, err_open;
    char *out, *err;
    size_t out_len, out_cap, err_len, err_cap;
    char *last_line;           /* the worker's last non-log stderr line */
    double last_beat;
    int started;               /* the worker sent its first event: its SIGTERM handler is set */
    int cancel_requested, term_sent, killed_hung, killed_grace;
    double cancel_at;
};

static double mono_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void run_free(dwhi_serve_run *r) {
    if (!r) return;
    free(r->source);
    free(r->source_id);
    free(r->job);
    json_object_put(r->schemas);
    free(r->schema);
    free(r->error);
    json_object_put(r->report);
    free(r->out);
    free(r->err);
    free(r->last_line);
    free(r);
}

/* ---- JSON ---------------------------------------------------------------- */

static void add_str(json_object *o, const char *k, const char *v) {
    json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

/* Caller holds s->lock. */
static json_object *run_json(const dwhi_serve_run *r) {
    json_object *o = json_object_new_object();
    add_str(o, "run_id", r->id);
    add_str(o, "source", r->source);
    add_str(o, "source_id", r->source_id);
    add_str(o, "job", r->job);
    add_str(o, "trigger", r->trigger);
    add_str(o, "state", r->state);
    add_str(o, "started_at", r->started_at);
    add_str(o, "ended_at", r->ended_at[0] ? r->ended_at : NULL);
    json_object_object_add(o, "seconds", json_object_new_double(r->alive ? mono_s() - r->t0 : r->seconds));
    int64_t rows = 0, batches = 0;
    json_object *list = json_object_new_array();
    json_object_object_foreach(r->schemas, name, v) {
        json_object *x;
        int64_t sr = json_object_object_get_ex(v, "rows", &x) ? json_object_get_int64(x) : 0;
        int64_t sb = json_object_object_get_ex(v, "batches", &x) ? json_object_get_int64(x) : 0;
        rows += sr;
        batches += sb;
        json_object *e = json_object_new_object();
        add_str(e, "schema", name);
        json_object_object_add(e, "rows", json_object_new_int64(sr));
        json_object_object_add(e, "batches", json_object_new_int64(sb));
        json_object_object_add(e, "done", json_object_get(json_object_object_get(v, "done")));
        json_object_array_add(list, e);
    }
    json_object_object_add(o, "rows", json_object_new_int64(rows));
    json_object_object_add(o, "batches", json_object_new_int64(batches));
    json_object_object_add(o, "schemas", list);
    add_str(o, "failure", r->failure);
    add_str(o, "error", r->error);
    json_object_object_add(o, "report", json_object_get(r->report));
    return o;
}

/* ---- start ------------------------------------------------------------------ */

static const char *str_member(json_object *o, const char *k, int *bad) {
    json_object *v;
    if (!json_object_object_get_ex(o, k, &v) || !v) return NULL;
    if (!json_object_is_type(v, json_type_string) || !*json_object_get_string(v)) {
        *bad = 1;
        return NULL;
    }
    return json_object_get_string(v);
}

/* The ended runs kept in memory; older ones are dropped (GET
 * /v1/runs/{id} still finds them in the warehouse's history). */
#define KEEP_ENDED 1000

static int grow(dwhi_serve *s) {
    size_t ended = 0;
    for (size_t i = 0; i < s->n_runs; i++) ended += !s->runs[i]->alive;
    for (size_t i = 0; i < s->n_runs && ended >= KEEP_ENDED;) {
        if (s->runs[i]->alive) {
            i++;
            continue;
        }
        run_free(s->runs[i]);
        memmove(s->runs + i, s->runs + i + 1, (s->n_runs - i - 1) * sizeof *s->runs);
        s->n_runs--;
        ended--;
    }
    if (s->n_runs < s->cap_runs) return 0;
    size_t cap = s->cap_runs ? s->cap_runs * 2 : 16;
    dwhi_serve_run **n = realloc(s->runs, cap * sizeof *n);
    if (!n) return -1;
    s->runs = n;
    s->cap_runs = cap;
    return 0;
}

/* A run of `req` (validated here); `job` and `config_file` (borrowed)
 * when it is a jobs file's job, whose config the worker reads from its
 * file. */
static char *run_start(dwhi_serve *s, json_object *req, const char *job, const char *config_file,
                       const char *trigger, int *http, char **err) {
    *http = 400;
    int bad = 0;
    json_object *v;
    const char *source = str_member(req, "source", &bad);
    const char *source_id = str_member(req, "source_id", &bad);
    const char *mode = str_member(req, "mode", &bad);
    const char *team_id = str_member(req, "team_id", &bad);
    if (bad || !source) {
        *err = strdup("\"source\" (and \"source_id\", \"mode\", \"team_id\" when given) must be non-empty strings");
        return NULL;
    }
    json_object *config = NULL;
    if (json_object_object_get_ex(req, "config", &config) && !json_object_is_type(config, json_type_object)) {
        *err = strdup("\"config\" must be a JSON object (the source's config, as `dwhost sync --config` reads it)");
        return NULL;
    }
    json_object *schemas = NULL;
    if (json_object_object_get_ex(req, "schemas", &schemas) && schemas) {
        int ok = json_object_is_type(schemas, json_type_array);
        for (size_t i = 0; ok && i < json_object_array_length(schemas); i++)
            ok = json_object_is_type(json_object_array_get_idx(schemas, i), json_type_string);
        if (!ok) {
            *err = strdup("\"schemas\" must be an array of schema names");
            return NULL;
        }
    }
    if (mode && strcmp(mode, "incremental") && strcmp(mode, "full") && strcmp(mode, "append")) {
        *err = dwhi_strf("\"mode\" must be incremental, full or append, got '%s'", mode);
        return NULL;
    }

    dwhi_serve_run *r = calloc(1, sizeof *r);
    json_object *wreq = json_object_new_object();
    if (!r || !wreq) goto nomem;
    dwhi_uuid4(r->id);
    r->source = strdup(source);
    r->source_id = strdup(source_id ? source_id : source);
    r->job = job ? strdup(job) : NULL;
    r->trigger = trigger;
    r->schemas = json_object_new_object();
    if (!r->source || !r->source_id || !r->schemas || (job && !r->job)) goto nomem;
    add_str(wreq, "source", source);
    add_str(wreq, "source_id", r->source_id);
    add_str(wreq, "run_id", r->id);
    add_str(wreq, "warehouse", s->warehouse);
    add_str(wreq, "mode", mode);
    add_str(wreq, "team_id", team_id);
    add_str(wreq, "state", s->state_url);
    json_object_object_add(wreq, "config", json_object_get(config));
    if (config_file) add_str(wreq, "config_file", config_file);
    json_object_object_add(wreq, "schemas", json_object_get(schemas));
    json_object_object_add(wreq, "memory_limit_mb", json_object_new_int(s->memory_limit_mb));
    json_object_object_add(wreq, "stop_grace_s", json_object_new_int(s->stop_grace_s));
    json_object_object_add(wreq, "allow_internal", json_object_new_int(s->allow_internal));
    json_object_object_add(wreq, "service_pid", json_object_new_int((int)getpid()));
    if (json_object_object_get_ex(req, "batch_rows", &v)) {
        if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) <= 0) {
            *http = 400;
            json_object_put(wreq);
            run_free(r);
            *err = strdup("\"batch_rows\" must be a positive whole number");
            return NULL;
        }
        json_object_object_add(wreq, "batch_rows", json_object_get(v));
    }
    if (json_object_object_get_ex(req, "full_refresh", &v))
        json_object_object_add(wreq, "full_refresh", json_object_new_int(json_object_get_boolean(v)));
    if (json_object_object_get_ex(req, "reset", &v))
        json_object_object_add(wreq, "reset", json_object_new_int(json_object_get_boolean(v)));

    pthread_mutex_lock(&s->lock);
    if (s->draining) {
        pthread_mutex_unlock(&s->lock);
        *http = 503;
        *err = strdup("the service is shutting down; it takes no new runs");
        goto fail;
    }
    size_t live = 0;
    for (size_t i = 0; i < s->n_runs; i++) live += s->runs[i]->alive != 0;
    if (live >= (size_t)s->max_runs) {
        pthread_mutex_unlock(&s->lock);
        *http = 429;
        *err = dwhi_strf("%zu runs are running, the most this service runs at once (--max-runs); retry when one ends", live);
        goto fail;
    }
    for (size_t i = 0; i < s->n_runs; i++) {
        dwhi_serve_run *o = s->runs[i];
        if (o->alive && !strcmp(o->source_id, r->source_id)) {
            *http = 409;
            *err = dwhi_strf("source id '%s' is already syncing in run %s; wait for it or cancel it (DELETE /v1/runs/%s)",
                       r->source_id, o->id, o->id);
            pthread_mutex_unlock(&s->lock);
            goto fail;
        }
    }
    if (grow(s) != 0) {
        pthread_mutex_unlock(&s->lock);
        goto nomem;
    }
    static const char *const args[] = {"serve-worker", NULL};
    char *spawn_err = NULL;
    if (dwhi_serve_spawn(s, args, &r->c, &spawn_err) != 0) {
        pthread_mutex_unlock(&s->lock);
        *http = 500;
        *err = spawn_err;
        goto fail;
    }
    fcntl(r->c.out_fd, F_SETFL, O_NONBLOCK);
    fcntl(r->c.err_fd, F_SETFL, O_NONBLOCK);
    r->alive = r->out_open = r->err_open = 1;
    r->state = "running";
    r->t0 = r->last_beat = mono_s();
    dwhi_isotime_now(r->started_at, sizeof r->started_at);
    s->runs[s->n_runs++] = r;
    if (r->job) dwhi_serve_job_started(s, r->job, r->id);
    pthread_mutex_unlock(&s->lock);

    /* The request (config included) goes through the pipe, never argv or a
     * file: its secrets stay out of ps and the disk.  A worker that died
     * at once closes the pipe: EPIPE (SIGPIPE is ignored), judged by the
     * loop like any other death. */
    const char *text = json_object_to_json_string_ext(wreq, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    for (size_t left = strlen(text); left;) {
        ssize_t w = write(r->c.in_fd, text, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        text += w;
        left -= (size_t)w;
    }
    close(r->c.in_fd);
    r->c.in_fd = -1;
    json_object_put(wreq);
    dwhi_serve_log("run %s started: %s%s%ssource %s (source id %s), worker pid %d", r->id, job ? "job '" : "",
                   job ? job : "", job ? "', " : "", source, r->source_id, (int)r->c.pid);
    if (write(s->wake[1], "r", 1) < 0) { /* the loop polls every 100 ms anyway */ }
    *http = 202;
    return strdup(r->id);
nomem:
    *http = 500;
    *err = strdup("out of memory");
fail:
    json_object_put(wreq);
    run_free(r);
    return NULL;
}

char *dwhi_serve_run_start(dwhi_serve *s, json_object *req, int *http, char **err) {
    *http = 400;
    if (!json_object_is_type(req, json_type_object)) {
        *err = strdup("the body must be a JSON object: {\"source\": NAME, \"config\": {...}}");
        return NULL;
    }
    json_object *v;
    if (json_object_object_get_ex(req, "job", &v)) {
        if (!json_object_is_type(v, json_type_string) || json_object_object_length(req) != 1) {
            *err = strdup("{\"job\": NAME} runs a job of the jobs file now, with its own source, config, schemas "
                          "and mode: a string, and nothing else in the body");
            return NULL;
        }
        return dwhi_serve_job_run(s, json_object_get_string(v), http, err);
    }
    return run_start(s, req, NULL, NULL, "request", http, err);
}

char *dwhi_serve_run_start_job(dwhi_serve *s, json_object *req, const char *job, const char *config_file,
                               const char *trigger, int *http, char **err) {
    return run_start(s, req, job, config_file, trigger, http, err);
}

/* ---- reading the worker ---------------------------------------------------- */

static void on_event(dwhi_serve_run *r, json_object *ev) {
    const char *kind = json_object_get_string(json_object_object_get(ev, "event"));
    if (!kind) return;
    if (!strcmp(kind, "progress")) {
        const char *schema = json_object_get_string(json_object_object_get(ev, "schema"));
        if (!schema) return;
        json_object *e = json_object_new_object();
        json_object_object_add(e, "rows", json_object_get(json_object_object_get(ev, "rows")));
        json_object_object_add(e, "batches", json_object_get(json_object_object_get(ev, "batches")));
        json_object_object_add(e, "done", json_object_get(json_object_object_get(ev, "done")));
        json_object_object_add(r->schemas, schema, e);
        free(r->schema);
        r->schema = strdup(schema);
    } else if (!strcmp(kind, "report")) {
        json_object_put(r->report);
        r->report = json_object_get(json_object_object_get(ev, "report"));
        const char *failure = json_object_get_string(json_object_object_get(ev, "failure"));
        static const char *const words[] = {"source", "config", "data", "state", "warehouse",
                                            "interrupted", "plugin", "running"};
        r->failure = NULL;
        for (size_t i = 0; failure && i < sizeof words / sizeof *words; i++)
            if (!strcmp(failure, words[i])) r->failure = words[i];
        if (failure && !r->failure) r->failure = "source";
        if (!r->report && json_object_object_get(ev, "config")) r->failure = "config";
    }
}

static void take_out_lines(dwhi_serve_run *r) {
    size_t start = 0;
    for (size_t i = 0; i < r->out_len; i++) {
        if (r->out[i] != '\n') continue;
        r->out[i] = 0;
        json_object *ev = json_tokener_parse(r->out + start);
        if (ev) on_event(r, ev);
        json_object_put(ev);
        r->last_beat = mono_s(); /* every event is a sign of life */
        r->started = 1;
        start = i + 1;
    }
    memmove(r->out, r->out + start, r->out_len - start);
    r->out_len -= start;
}

static void take_err_lines(dwhi_serve_run *r, int flush) {
    size_t start = 0;
    for (size_t i = 0; i < r->err_len; i++) {
        if (r->err[i] != '\n' && !(flush && i + 1 == r->err_len)) continue;
        size_t end = r->err[i] == '\n' ? i : i + 1;
        fprintf(stderr, "%.*s\n", (int)(end - start), r->err + start);
        if (end > start && r->err[start] != '{') {
            free(r->last_line);
            r->last_line = strndup(r->err + start, end - start);
        }
        start = i + 1;
    }
    memmove(r->err, r->err + start, r->err_len - start);
    r->err_len -= start;
}

static void drain(dwhi_serve_run *r) {
    while (r->out_open) {
        ssize_t n = dwhi_serve_read_some(r->c.out_fd, &r->out, &r->out_len, &r->out_cap);
        if (n > 0) take_out_lines(r);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            r->out_open = 0;
            close(r->c.out_fd);
        }
        if (n < 0) break;
    }
    while (r->err_open) {
        ssize_t n = dwhi_serve_read_some(r->c.err_fd, &r->err, &r->err_len, &r->err_cap);
        if (n > 0) take_err_lines(r, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            r->err_open = 0;
            close(r->c.err_fd);
            if (r->err_len) take_err_lines(r, 1);
        }
        if (n < 0) break;
    }
}

/* ---- a worker that ended ------------------------------------------------------ */

static const char *sig_name(int sig) {
    switch (sig) {
    case SIGKILL: return "SIGKILL";
    case SIGSEGV: return "SIGSEGV";
    case SIGABRT: return "SIGABRT";
    case SIGTERM: return "SIGTERM";
    case SIGBUS: return "SIGBUS";
    default: return "a signal";
    }
}

/* The worker's last line without its "dwhost: " prefix (borrowed). */
static const char *line_text(const dwhi_serve_run *r) {
    const char *l = r->last_line;
    if (!l) return NULL;
    return strncmp(l, "dwhost: ", 8) == 0 ? l + 8 : l;
}

/* Where the run was: "run(schema 'S')" or "the run". */
static char *where(const dwhi_serve_run *r) {
    return r->schema ? dwhi_strf("run(schema '%s')", r->schema) : strdup("the run (before its first schema started)");
}

static void judge(dwhi_serve *s, dwhi_serve_run *r, int st) {
    char *at = where(r);
    int died = !WIFEXITED(st) || WEXITSTATUS(st) == 11 || (!r->report && !r->failure);
    /* the crash guard's or the exit guard's line (crash/), which says when
     * the memory limit had been reached (crash/memory_limit.h) */
    const char *plugin_line = r->last_line && strstr(r->last_line, "dwhost: plugin '") == r->last_line
                                  ? line_text(r)
                                  : NULL;
    free(r->error);
    r->error = NULL;
    if (r->killed_hung) {
        r->state = "crashed";
        r->failure = "hung";
        r->error = dwhi_strf("plugin '%s' hung: no sign of life (no row, HTTP transfer or cancel check) for %d s in %s; "
                       "its worker was killed; committed batches are kept and the next run resumes from them",
                       r->source, s->heartbeat_timeout_s, at);
    } else if (plugin_line && died) {
        r->state = "crashed";
        r->failure = strstr(plugin_line, "; it had reached its memory limit of ") ? "memory" : "crashed";
        r->error = strdup(plugin_line);
    } else if (WIFSIGNALED(st)) {
        r->state = "crashed";
        r->failure = "crashed";
        r->error = dwhi_strf("the worker of plugin '%s' was killed by %s in %s%s; committed batches are kept and the next "
                       "run resumes from them",
                       r->source, sig_name(WTERMSIG(st)), at,
                       r->killed_grace ? " (it did not stop within the grace period after being asked to)" : "");
    } else if (r->report || r->failure) {
        const char *msg = r->report ? json_object_get_string(json_object_object_get(r->report, "error")) : NULL;
        if (!r->failure) r->state = "ok";
        else if (!strcmp(r->failure, "interrupted")) r->state = "interrupted";
        else r->state = "failed";
        if (r->failure) r->error = strdup(msg ? msg : line_text(r) ? line_text(r) : r->failure);
    } else {
        r->state = "failed";
        r->failure = "worker";
        r->error = line_text(r) ? strdup(line_text(r))
                                : dwhi_strf("the worker of plugin '%s' ended with exit status %d without a report",
                                      r->source, WEXITSTATUS(st));
    }
    free(at);
    r->alive = 0;
    r->seconds = mono_s() - r->t0;
    dwhi_isotime_now(r->ended_at, sizeof r->ended_at);
    dwhi_serve_metrics_run_ended(s, r->source, r->state, r->failure, r->seconds, r->schemas, r->report);
    dwhi_serve_log("run %s ended: %s%s%s", r->id, r->state, r->error ? ": " : "", r->error ? r->error : "");
    if (r->job) dwhi_serve_job_ended(s, r->job, r->id, r->state, r->failure, r->error, r->ended_at);
}

/* ---- the loop's share -------------------------------------------------------- */

static void send_term(dwhi_serve_run *r);

size_t dwhi_serve_runs_pollfds(dwhi_serve *s, struct pollfd *fds, size_t max) {
    size_t n = 0;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n_runs; i++) {
        dwhi_serve_run *r = s->runs[i];
        if (r->out_open && n < max) fds[n++] = (struct pollfd){r->c.out_fd, POLLIN, 0};
        if (r->err_open && n < max) fds[n++] = (struct pollfd){r->c.err_fd, POLLIN, 0};
    }
    pthread_mutex_unlock(&s->lock);
    return n;
}

void dwhi_serve_runs_step(dwhi_serve *s) {
    pthread_mutex_lock(&s->lock);
    double now = mono_s();
    for (size_t i = 0; i < s->n_runs; i++) {
        dwhi_serve_run *r = s->runs[i];
        if (!r->alive) continue;
        drain(r);
        if (r->cancel_requested) send_term(r);
        if (!r->out_open && !r->err_open) {
            int st = 0;
            if (waitpid(r->c.pid, &st, WNOHANG) == r->c.pid) {
                judge(s, r, st);
                continue;
            }
        }
        if (!r->killed_hung && now - r->last_beat > s->heartbeat_timeout_s) {
            r->killed_hung = 1;
            kill(-r->c.pid, SIGKILL);
            kill(r->c.pid, SIGKILL);
        }
        if (r->cancel_requested && !r->killed_grace && now - r->cancel_at > s->stop_grace_s) {
            r->killed_grace = 1;
            kill(-r->c.pid, SIGKILL);
            kill(r->c.pid, SIGKILL);
        }
    }
    pthread_mutex_unlock(&s->lock);
}

/* SIGTERM once the worker can take it: before its first event it may
 * not have its handler yet, and the default action would kill it before
 * it commits anything (dwhi_serve_runs_step sends it later). */
static void send_term(dwhi_serve_run *r) {
    if (r->term_sent || !r->started) return;
    r->term_sent = 1;
    kill(r->c.pid, SIGTERM);
}

/* Caller holds the lock. */
static void ask_stop(dwhi_serve_run *r) {
    if (!r->alive || r->cancel_requested) return;
    r->cancel_requested = 1;
    r->cancel_at = mono_s();
    r->state = "cancelling";
    send_term(r);
}

void dwhi_serve_runs_stop_all(dwhi_serve *s) {
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n_runs; i++) ask_stop(s->runs[i]);
    pthread_mutex_unlock(&s->lock);
}

size_t dwhi_serve_runs_active(dwhi_serve *s) {
    size_t n = 0;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n_runs; i++) n += s->runs[i]->alive != 0;
    pthread_mutex_unlock(&s->lock);
    return n;
}

/* ---- queries ---------------------------------------------------------------- */

json_object *dwhi_serve_runs_json(dwhi_serve *s) {
    json_object *list = json_object_new_array();
    pthread_mutex_lock(&s->lock);
    for (size_t i = s->n_runs; i-- > 0;) json_object_array_add(list, run_json(s->runs[i]));
    pthread_mutex_unlock(&s->lock);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "runs", list);
    return o;
}

/* A run of an earlier service (or a CLI sync) from the warehouse's
 * history: its job id is the run id. */
static json_object *history_run(dwhi_serve *s, const char *id) {
    char *err = NULL, *text = NULL;
    dwh_status_history_json(s->warehouse, 0, &text, &err); /* text stays NULL on failure */
    free(err);
    json_object *doc = text ? json_tokener_parse(text) : NULL;
    free(text);
    json_object *runs = doc ? json_object_object_get(doc, "runs") : NULL, *found = NULL;
    for (size_t i = 0; runs && i < json_object_array_length(runs); i++) {
        json_object *r = json_object_array_get_idx(runs, i);
        const char *job = json_object_get_string(json_object_object_get(r, "job_id"));
        if (job && !strcmp(job, id)) {
            found = json_object_new_object();
            add_str(found, "run_id", id);
            add_str(found, "state", json_object_get_string(json_object_object_get(r, "outcome")));
            json_object_object_add(found, "history", json_object_get(r));
            break;
        }
    }
    json_object_put(doc);
    return found;
}

json_object *dwhi_serve_run_json(dwhi_serve *s, const char *id) {
    json_object *o = NULL;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n_runs && !o; i++)
        if (!strcmp(s->runs[i]->id, id)) o = run_json(s->runs[i]);
    pthread_mutex_unlock(&s->lock);
    return o ? o : history_run(s, id);
}

int dwhi_serve_run_cancel(dwhi_serve *s, const char *id, json_object **doc, char **err) {
    int http = 404;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n_runs; i++) {
        dwhi_serve_run *r = s->runs[i];
        if (strcmp(r->id, id) != 0) continue;
        if (!r->alive) {
            http = 409;
            *err = dwhi_strf("run %s already ended (%s)", id, r->state);
        } else {
            ask_stop(r);
            dwhi_serve_log("run %s: cancel asked; it stops after its current batch commits", id);
            *doc = run_json(r);
            http = 202;
        }
        break;
    }
    pthread_mutex_unlock(&s->lock);
    if (http == 404) *err = dwhi_strf("no run %s in this service; GET /v1/runs lists them", id);
    return http;
}

char *dwhi_serve_runs_metrics(dwhi_serve *s, json_object *plugins) {
    json_object *live = json_object_new_array();
    if (!live) return NULL;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n_runs; i++)
        if (s->runs[i]->alive) json_object_array_add(live, run_json(s->runs[i]));
    char *text = dwhi_serve_metrics_text(s, live, plugins);
    pthread_mutex_unlock(&s->lock);
    json_object_put(live);
    return text;
}

void dwhi_serve_runs_free(dwhi_serve *s) {
    json_object_put(s->metrics);
    s->metrics = NULL;
    for (size_t i = 0; i < s->n_runs; i++) run_free(s->runs[i]);
    free(s->runs);
    s->runs = NULL;
    s->n_runs = s->cap_runs = 0;
}
