/*
 * cmd_worker.c -- `dwhost worker`: takes sync jobs from a Redis stream
 * (queue/job_queue.h) through the one consumer group and runs each in its
 * own `dwhost serve-worker` process, through the service's run table
 * (serve_runs.c: the same isolation, heartbeat, stop grace and verdicts
 * as `dwhost serve`).  docs/cli/worker.md.
 *
 * A job's entry is acknowledged only when its run has ended: done, queued
 * again (a stop, a limit, or a failed attempt with attempts left), or
 * moved to the dead-letter stream after --max-attempts.  While a run goes
 * on, the worker touches its entry every third of --lease-timeout; a
 * worker that dies stops touching, and another takes the job over after
 * the lease timeout (XAUTOCLAIM) and resumes it from its committed state.
 *
 * Redis down (at start or later): one line, then retries with backoff
 * (1 s doubling to 30 s); runs under way go on and their outcome is
 * recorded when Redis is back.  SIGTERM/SIGINT: no new jobs; every run
 * commits its batch and stops (its job is queued again for any worker);
 * exit 0.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/file_read.h"
#include "base/text.h"
#include "cli.h"
#include "cli_common.h"
#include "queue/job_queue.h"
#include "serve.h"

#define MAX_POLL 512
#define SLOT_PREFIX "dwhost:slots:"
#define BACKOFF_MAX_S 30.0
/* How long a look for a new job waits on Redis (XREADGROUP BLOCK) for one
 * to be added: a job enqueued meanwhile starts at once.  The wait holds
 * up the loop (signals, runs' events, the takeover sweep that precedes
 * each look), so it is 1 s while this worker runs nothing and 0.1 s
 * while it has runs to watch. */
#define TAKE_WAIT_IDLE_MS 1000
#define TAKE_WAIT_BUSY_MS 100

static struct {
    const char *queue, *warehouse, *state, *consumer, *limits;
    int concurrency, max_attempts, lease_s, heartbeat_s, grace_s, memory_mb;
} A = {.concurrency = 1, .max_attempts = 3, .lease_s = 60, .heartbeat_s = 300, .grace_s = 60};

static const dwhi_cli_opt options[] = {
    DWHI_OPT_STRING(0, "queue", "URL", "the Redis holding the jobs: redis://HOST[:PORT][/DB]", &A.queue,
                   .flags = DWHI_OPT_REQUIRED | DWHI_OPT_NONEMPTY),
    DWHI_OPT_STRING(0, "warehouse", "WH", "the warehouse every run writes to (a SQLite file or postgres://...)",
                   &A.warehouse, .flags = DWHI_OPT_REQUIRED | DWHI_OPT_NONEMPTY),
    DWHI_OPT_STRING(0, "state", "URL", "keep resume state in Redis as well (as `dwhost sync --state`)", &A.state,
                   .flags = DWHI_OPT_NONEMPTY),
    DWHI_OPT_STRING(0, "consumer", "NAME", "this worker's name in the consumer group (default HOSTNAME-PID)",
                   &A.consumer, .flags = DWHI_OPT_NONEMPTY),
    DWHI_OPT_CALLBACK(0, "concurrency", "N", "run at most N jobs at once (default 1)", &A.concurrency, dwhi_cli_opt_positive_int),
    DWHI_OPT_CALLBACK(0, "max-attempts", "N",
                     "a job whose run failed N times goes to the dead-letter stream (default 3)", &A.max_attempts,
                     dwhi_cli_opt_positive_int),
    DWHI_OPT_CALLBACK(0, "lease-timeout", "SECONDS",
                     "a job whose worker was silent this long is taken over by another (default 60)", &A.lease_s,
                     dwhi_cli_opt_positive_int, .unit = "seconds"),
    DWHI_OPT_STRING(0, "limits", "FILE",
                   "runs at once per team and per source: {\"teams\": {\"T\": N, \"*\": N}, \"sources\": {\"S\": N}}",
                   &A.limits, .flags = DWHI_OPT_NONEMPTY),
    DWHI_OPT_CALLBACK(0, "heartbeat-timeout", "SECONDS",
                     "a run whose plugin shows no sign of life this long is killed (default 300)", &A.heartbeat_s,
                     dwhi_cli_opt_positive_int, .unit = "seconds"),
    DWHI_OPT_CALLBACK(0, "stop-grace", "SECONDS",
                     "after SIGTERM, a run gets this long to commit its batch and stop before it is killed "
                     "(default 60)",
                     &A.grace_s, dwhi_cli_opt_positive_int, .unit = "seconds"),
    DWHI_OPT_CALLBACK(0, "memory-limit", "MIB", "the address-space limit of each run's process (default: none)",
                     &A.memory_mb, dwhi_cli_opt_positive_int, .unit = "MiB"),
    DWHI_CLI_OPT_PLUGIN_DIR,
    DWHI_OPT_HELP(),
    DWHI_OPT_END(),
};

static double mono_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- limits ---------------------------------------------------------------- */

static json_object *limits; /* the --limits document, or NULL */

/* N for `name` in limits[section], else its "*", else 0 (none). */
static long limit_for(const char *section, const char *name) {
    json_object *sec, *v;
    if (!limits || !json_object_object_get_ex(limits, section, &sec)) return 0;
    if (json_object_object_get_ex(sec, name, &v) || json_object_object_get_ex(sec, "*", &v))
        return (long)json_object_get_int64(v);
    return 0;
}

/* Reads and checks --limits.  Returns 0, or the exit code after one line. */
static int load_limits(void) {
    if (!A.limits) return 0;
    char *text = NULL;
    size_t len = 0;
    int e = 0;
    if (dwhi_read_whole_file(A.limits, 1 << 20, &text, &len, &e) != DWHI_READ_OK) {
        fprintf(stderr, "dwhost: worker: cannot read --limits %s: %s\n", A.limits, e ? strerror(e) : "too big");
        return DWHI_EXIT_USAGE;
    }
    limits = json_tokener_parse(text);
    free(text);
    const char *bad = !limits || !json_object_is_type(limits, json_type_object) ? "it is not a JSON object" : NULL;
    json_object_object_foreach(bad ? NULL : limits, section, sec) {
        if (strcmp(section, "teams") && strcmp(section, "sources")) {
            bad = "its keys are \"teams\" and \"sources\"";
            break;
        }
        if (!json_object_is_type(sec, json_type_object)) bad = "\"teams\" and \"sources\" map names to numbers";
        json_object_object_foreach(bad ? NULL : sec, name, n) {
            (void)name;
            if (!json_object_is_type(n, json_type_int) || json_object_get_int64(n) < 1)
                bad = "every limit is a whole number of runs, 1 or more";
        }
        if (bad) break;
    }
    if (bad) {
        fprintf(stderr, "dwhost: worker: --limits %s: %s, e.g. {\"teams\": {\"*\": 4}, \"sources\": {\"github\": 2}}\n",
                A.limits, bad);
        json_object_put(limits);
        limits = NULL;
        return DWHI_EXIT_USAGE;
    }
    return 0;
}

/* ---- the jobs this worker has ------------------------------------------------ */

typedef struct qjob {
    dwhi_queue_job j;
    char *run_id;          /* the run in the table, or NULL before it started */
    char *keys[3];         /* its run slots */
    long lim[3];
    size_t n_keys;
    int held;              /* the slots are taken */
    enum { RUNNING, DONE, AGAIN, RETRY, DEAD, LEAVE } action; /* once ended: what the queue is told */
    char *error;           /* the last error, for a dead letter */
} qjob;

static qjob **jobs;
static size_t n_jobs, cap_jobs;
static dwhi_queue *q;
static dwhi_serve S;
static char consumer[300];

/* Redis trouble: one line when it starts, retries with backoff. */
static int redis_down;
static double retry_at, backoff = 1;

static void redis_failed(char *err) {
    if (!redis_down)
        dwhi_serve_log("%s; retrying with backoff (runs under way go on)", err ? err : "Redis failed");
    redis_down = 1;
    retry_at = mono_s() + backoff;
    backoff = backoff * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S : backoff * 2;
    free(err);
}

static void redis_ok(void) {
    if (redis_down) dwhi_serve_log("Redis at %s answers again", dwhi_queue_where(q));
    redis_down = 0;
    backoff = 1;
}

/* Whether Redis may be tried now (connecting first when it never was). */
static int redis_usable(void) {
    if (redis_down && mono_s() < retry_at) return 0;
    if (q) return 1;
    char *err = NULL;
    dwhi_queue *nq = dwhi_queue_open(A.queue, NULL, &err);
    if (nq && dwhi_queue_group(nq, &err) == 0) {
        q = nq;
        if (redis_down) redis_ok();
        dwhi_serve_log("taking jobs from %s as consumer '%s' of group " DWHI_QUEUE_GROUP " (%d at once)",
                       dwhi_queue_where(q), consumer, A.concurrency);
        return 1;
    }
    dwhi_queue_close(nq);
    redis_failed(err);
    return 0;
}

static void qjob_free(qjob *x) {
    dwhi_queue_job_clear(&x->j);
    free(x->run_id);
    for (size_t i = 0; i < sizeof x->keys / sizeof *x->keys; i++) free(x->keys[i]);
    free(x->error);
    free(x);
}

static const char *job_str(const qjob *x, const char *key, const char *dflt) {
    json_object *v;
    return x->j.job && json_object_object_get_ex(x->j.job, key, &v) && json_object_is_type(v, json_type_string) &&
                   *json_object_get_string(v)
               ? json_object_get_string(v)
               : dflt;
}

static const char *job_id(const qjob *x) { return job_str(x, "job_id", x->j.entry); }

/* Tells the queue what became of an ended job; 1 when done with it (or
 * when the queue no longer lets us: another worker took it over). */
static int settle(qjob *x) {
    if (!redis_usable()) return 0;
    char *err = NULL;
    int rc = 1;
    switch (x->action) {
    case DONE: rc = dwhi_queue_done(q, consumer, &x->j, &err); break;
    case AGAIN: rc = dwhi_queue_again(q, consumer, &x->j, x->j.attempt, &err); break;
    case RETRY: rc = dwhi_queue_again(q, consumer, &x->j, x->j.attempt + 1, &err); break;
    case DEAD: rc = dwhi_queue_dead(q, consumer, &x->j, x->error, &err); break;
    case LEAVE: /* unacknowledged: another worker takes it over after the lease timeout */
    case RUNNING: break;
    }
    if (rc < 0) {
        redis_failed(err);
        return 0;
    }
    redis_ok();
    if (rc == 0)
        dwhi_serve_log("job %s: another worker took it over meanwhile; its outcome is theirs to record", job_id(x));
    if (x->held && dwhi_queue_slots_release(q, x->j.entry, (const char *const *)x->keys, x->n_keys, &err) < 0)
        free(err); /* the claims lapse by themselves after the lease timeout */
    return 1;
}

/* The run of `x` ended as `run` says: what the queue is to be told. */
static void judge(qjob *x, json_object *run, int draining) {
    const char *state = json_object_get_string(json_object_object_get(run, "state"));
    const char *failure = json_object_get_string(json_object_object_get(run, "failure"));
    const char *error = json_object_get_string(json_object_object_get(run, "error"));
    free(x->error);
    x->error = error ? strdup(error) : failure ? strdup(failure) : NULL;
    if (state && !strcmp(state, "ok")) {
        x->action = DONE;
        dwhi_serve_log("job %s done (run %s)", job_id(x), x->run_id);
    } else if ((state && !strcmp(state, "interrupted")) || (failure && !strcmp(failure, "running"))) {
        /* not an attempt: stopped after a commit, or another run holds the job */
        x->action = AGAIN;
        dwhi_serve_log("job %s queued again (run %s %s); it resumes from its last commit", job_id(x), x->run_id,
                       failure && !strcmp(failure, "running") ? "found the job running elsewhere" : "stopped");
    } else if (draining && state && !strcmp(state, "crashed")) {
        x->action = LEAVE;
        dwhi_serve_log("job %s left unacknowledged (run %s: %s); another worker takes it over after the lease timeout",
                       job_id(x), x->run_id, x->error ? x->error : "killed");
    } else if (x->j.attempt >= A.max_attempts) {
        x->action = DEAD;
        dwhi_serve_log("job %s failed its attempt %ld of %d and goes to " DWHI_QUEUE_DEAD ": %s", job_id(x),
                       x->j.attempt, A.max_attempts, x->error ? x->error : "failed");
    } else {
        x->action = RETRY;
        dwhi_serve_log("job %s failed its attempt %ld of %d (%s); queued again", job_id(x), x->j.attempt,
                       A.max_attempts, x->error ? x->error : "failed");
    }
}

static void add_job(qjob *x) {
    if (n_jobs == cap_jobs) {
        size_t cap = cap_jobs ? cap_jobs * 2 : 8;
        qjob **n = realloc(jobs, cap * sizeof *n);
        if (!n) {
            qjob_free(x); /* unacknowledged: taken over after the lease timeout */
            return;
        }
        jobs = n;
        cap_jobs = cap;
    }
    jobs[n_jobs++] = x;
}

/* Starts the run of a job just taken.  Returns 0, or -1 when a limit is
 * full (the job was queued again: stop taking for a moment). */
static int start(qjob *x) {
    add_job(x);
    if (!x->j.job || !job_str(x, "source", NULL)) {
        x->action = DEAD;
        x->error = strdup("the job is not a JSON object with a \"source\"; enqueue it with `dwhost enqueue`");
        dwhi_serve_log("job %s: %s", x->j.entry, x->error);
        return 0;
    }
    if (x->j.attempt > A.max_attempts) { /* its workers died on every attempt */
        x->action = DEAD;
        x->error = dwhi_strf("its worker stopped answering on each of its %ld attempts (killed, or the machine died)",
                             x->j.attempt - 1);
        dwhi_serve_log("job %s goes to " DWHI_QUEUE_DEAD ": %s", job_id(x), x->error);
        return 0;
    }
    const char *source = job_str(x, "source", NULL), *team = job_str(x, "team_id", "local");
    const char *sid = job_str(x, "source_id", source);
    x->keys[0] = dwhi_strf(SLOT_PREFIX "team:%s", team);
    x->keys[1] = dwhi_strf(SLOT_PREFIX "source:%s", source);
    x->keys[2] = dwhi_strf(SLOT_PREFIX "sid:%s/%s", team, sid);
    x->lim[0] = limit_for("teams", team);
    x->lim[1] = limit_for("sources", source);
    x->lim[2] = 1; /* one run per source id, as the warehouse's lease wants */
    x->n_keys = 3;
    char *full = NULL, *err = NULL;
    int rc = dwhi_queue_slots_take(q, x->j.entry, (const char *const *)x->keys, x->lim, 3,
                                   (long long)A.lease_s * 1000, &full, &err);
    if (rc < 0) {
        x->action = LEAVE; /* Redis went away: the job is taken over later */
        redis_failed(err);
        return -1;
    }
    if (rc == 0) {
        x->action = AGAIN;
        dwhi_serve_log("job %s waits: %s has as many runs as its limit; queued again", job_id(x),
                       full + strlen(SLOT_PREFIX));
        free(full);
        return -1;
    }
    x->held = 1;
    json_object *req = json_object_new_object();
    static const char *const keep[] = {"source", "source_id", "team_id", "config", "schemas", "mode", "batch_rows",
                                       "full_refresh", "reset"};
    for (size_t i = 0; i < sizeof keep / sizeof *keep; i++) {
        json_object *v;
        if (json_object_object_get_ex(x->j.job, keep[i], &v)) json_object_object_add(req, keep[i], json_object_get(v));
    }
    int http = 0;
    x->run_id = dwhi_serve_run_start(&S, req, &http, &err);
    json_object_put(req);
    if (!x->run_id) {
        x->error = err;
        x->action = http == 400 ? DEAD : http == 409 ? AGAIN : x->j.attempt >= A.max_attempts ? DEAD : RETRY;
        dwhi_serve_log("job %s could not start: %s", job_id(x), err ? err : "out of memory");
        return 0;
    }
    dwhi_serve_log("job %s (entry %s, attempt %ld%s) runs as run %s", job_id(x), x->j.entry, x->j.attempt,
                   x->j.reclaimed ? ", taken over from a silent worker" : "", x->run_id);
    return 0;
}

/* Takes jobs while there is room.  Returns when to look again (mono s). */
static double take_jobs(void) {
    while (dwhi_serve_runs_active(&S) < (size_t)A.concurrency) {
        size_t mine = 0;
        for (size_t i = 0; i < n_jobs; i++) mine += jobs[i]->action == RUNNING;
        if (mine >= (size_t)A.concurrency || !redis_usable()) return mono_s() + 0.5;
        qjob *x = calloc(1, sizeof *x);
        char *err = NULL;
        int wait_ms = dwhi_serve_runs_active(&S) ? TAKE_WAIT_BUSY_MS : TAKE_WAIT_IDLE_MS;
        int rc = x ? dwhi_queue_take(q, consumer, (long long)A.lease_s * 1000, wait_ms, &x->j, &err) : -1;
        if (rc <= 0) {
            free(x);
            if (rc < 0) {
                redis_failed(err);
                return mono_s() + 0.5;
            }
            redis_ok();
            return mono_s(); /* the read waited already: look again at once */
        }
        redis_ok();
        if (start(x) < 0) return mono_s() + 1.0; /* a limit is full: let the others run first */
    }
    return mono_s() + 0.2;
}

/* Touches the entries and slots of the runs under way. */
static void keep_jobs(void) {
    if (!redis_usable()) return;
    for (size_t i = 0; i < n_jobs; i++) {
        qjob *x = jobs[i];
        if (x->action != RUNNING) continue;
        char *err = NULL;
        int rc = dwhi_queue_keep(q, consumer, x->j.entry, &err);
        if (rc == 0)
            dwhi_serve_log("job %s: another worker took it over (this one was silent past the lease timeout)",
                           job_id(x));
        if (rc >= 0 && dwhi_queue_slots_renew(q, x->j.entry, (const char *const *)x->keys, x->n_keys,
                                              (long long)A.lease_s * 1000, &err) >= 0) {
            redis_ok();
            continue;
        }
        redis_failed(err);
        return;
    }
}

/* Judges the runs that ended and tells the queue; drops settled jobs. */
static void finish_jobs(int draining) {
    for (size_t i = 0; i < n_jobs;) {
        qjob *x = jobs[i];
        if (x->action == RUNNING) {
            json_object *run = dwhi_serve_run_json(&S, x->run_id);
            const char *st = json_object_get_string(json_object_object_get(run, "state"));
            if (run && st && strcmp(st, "running") && strcmp(st, "cancelling")) judge(x, run, draining);
            json_object_put(run);
        }
        if (x->action != RUNNING && ((x->action == LEAVE && !x->held) || settle(x))) {
            qjob_free(x);
            memmove(jobs + i, jobs + i + 1, (n_jobs - i - 1) * sizeof *jobs);
            n_jobs--;
            continue;
        }
        i++;
    }
}

static int cmd_worker(const dwhi_cli_invocation *inv) {
    (void)inv;
    int rc = load_limits();
    if (rc) return rc;
    for (size_t i = 0; i < dwhi_cli_plugin_dirs.n; i++)
        if (access(dwhi_cli_plugin_dirs.v[i], R_OK | X_OK) != 0)
            return dwhi_cli_usage_error("worker", "--plugin-dir %s: %s", dwhi_cli_plugin_dirs.v[i], strerror(errno));
    if (A.consumer) {
        snprintf(consumer, sizeof consumer, "%s", A.consumer);
    } else {
        char host[256] = "worker";
        gethostname(host, sizeof host - 1);
        snprintf(consumer, sizeof consumer, "%s-%d", host, (int)getpid());
    }
    dwhi_serve_log_as("worker");
    S = (dwhi_serve){
        .warehouse = A.warehouse,
        .plugin_dirs = dwhi_cli_plugin_dirs.v,
        .n_plugin_dirs = dwhi_cli_plugin_dirs.n,
        .plugin_pins = dwhi_cli_plugin_pins,
        .heartbeat_timeout_s = A.heartbeat_s,
        .stop_grace_s = A.grace_s,
        .memory_limit_mb = A.memory_mb,
        .max_runs = A.concurrency,
        .state_url = A.state,
        .wake = {-1, -1},
        .signal_fd = -1,
    };
    pthread_mutex_init(&S.lock, NULL);
    if (dwhi_serve_supervisor_init(&S, "worker") != 0) {
        rc = DWHI_EXIT_FAILURE;
        goto out;
    }

    double next_take = 0, next_keep = mono_s() + A.lease_s / 3.0;
    for (;;) {
        struct pollfd fds[MAX_POLL];
        size_t n = dwhi_serve_supervisor_pollfds(&S, fds);
        n += dwhi_serve_runs_pollfds(&S, fds + n, MAX_POLL - n);
        if (poll(fds, n, 100) < 0 && errno != EINTR) break;
        int draining = dwhi_serve_supervisor_step(&S, "jobs");
        dwhi_serve_runs_step(&S);
        finish_jobs(draining);
        double now = mono_s();
        if (now >= next_keep) {
            keep_jobs();
            next_keep = now + A.lease_s / 3.0;
        }
        if (!draining && now >= next_take) next_take = take_jobs();
        if (draining && dwhi_serve_runs_active(&S) == 0) {
            /* what Redis could not be told stays pending: taken over later */
            if (n_jobs == 0 || redis_down || !q) break;
        }
    }
    dwhi_serve_log("stopped; runs under way committed and stopped, and their jobs were queued again");
    rc = DWHI_EXIT_OK;
out:
    for (size_t i = 0; i < n_jobs; i++) qjob_free(jobs[i]);
    free(jobs);
    jobs = NULL;
    n_jobs = cap_jobs = 0;
    dwhi_serve_runs_free(&S);
    dwhi_queue_close(q);
    q = NULL;
    json_object_put(limits);
    limits = NULL;
    dwhi_serve_supervisor_fini(&S);
    pthread_mutex_destroy(&S.lock);
    return rc;
}

DWHI_CLI_COMMAND(
    worker, .name = "worker", .summary = "run sync jobs from a Redis queue (any number of workers on any machines)",
    .run = cmd_worker, .options = options,
    .description =
        "Takes the jobs `dwhost enqueue` (or `dwhost serve --queue`) added to the Redis stream dwhost:jobs "
        "through the consumer group dwhost-workers and runs each in its own worker process, as `dwhost serve` "
        "does (docs/cli/worker.md).  A job is acknowledged only when its run ended; a failed run is retried "
        "until --max-attempts, then moved to the dead-letter stream dwhost:jobs:dead.  A worker that dies "
        "leaves its jobs pending: another takes them over after --lease-timeout and resumes them from their "
        "committed state.  Redis down: one line, then retries with backoff.  SIGTERM or SIGINT: no new jobs, "
        "every run commits its batch and stops (its job is queued again), exit 0.",
    .exit_status = "0 stopped by SIGTERM or SIGINT; 1 it could not start; 2 usage (a bad option or --limits "
                   "file).")
