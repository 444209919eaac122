/*
 * serve.h -- `dwhost serve`: a long-running host with an HTTP API
 * (docs/cli/serve.md).  Like host/cli, a client of libdwhost.
 *
 *   cmd_serve.c     the command: options, the listening address and token,
 *                   signals, the supervision loop, shutdown
 *   serve_http.c    the HTTP front (libmicrohttpd): routes, bearer token,
 *                   JSON in and out
 *   serve_runs.c    the runs: one worker process each, their events,
 *                   heartbeat, cancel, and what a dead worker means
 *   serve_plugins.c the plugin listing, kept current by inotify
 *   serve_metrics.c GET /metrics: the runs' totals in Prometheus text
 *   serve_jobs.c    the jobs file (--jobs): named syncs on an interval,
 *                   backoff after failures, their last outcome
 *   serve_supervisor.c  the supervision loop's plumbing, shared by serve
 *                   and worker: own binary, wake pipe, signals, drain
 *   serve_exec.c    starting dwhost itself as a child (fork+exec through
 *                   posix_spawn) and running a short command to its end
 *   serve_worker.c  `dwhost serve-worker`: the worker side of a run
 *
 * No plugin code ever runs in the service process: plugins are listed,
 * described, checked and synced by dwhost child processes (the CLI's
 * commands, or serve-worker for syncs), so a plugin that crashes, exits,
 * hangs or eats memory takes down one child, never the service.
 */
#ifndef DWHI_SERVE_H
#define DWHI_SERVE_H

#include <json-c/json.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct dwhi_serve_run dwhi_serve_run;
typedef struct dwhi_serve_plugins dwhi_serve_plugins;
typedef struct dwhi_serve_jobs dwhi_serve_jobs;

/* The service: settings (fixed after start) and the run table (under lock). */
typedef struct dwhi_serve {
    char *exe;                       /* this dwhost binary (/proc/self/exe) */
    const char *warehouse;           /* borrowed from argv */
    const char *const *plugin_dirs;  /* --plugin-dir values, borrowed */
    size_t n_plugin_dirs;
    const char *plugin_pins;         /* --plugin-pins, borrowed, or NULL (children then read DWHOST_PLUGIN_PINS) */
    char *token;                     /* the bearer token, or NULL (loopback only) */
    int heartbeat_timeout_s;         /* a child silent this long is killed */
    int stop_grace_s;                /* after SIGTERM, a worker gets this long to commit and stop */
    int memory_limit_mb;             /* RLIMIT_AS of a worker; 0: none */
    int max_runs;                    /* live workers at most; more syncs answer 429 */
    int allow_internal;              /* --allow-internal: runs and checks may reach private addresses */
    size_t max_body;                 /* largest request body accepted */
    dwhi_serve_plugins *plugins;     /* the listing, kept current (serve_plugins.c) */
    const char *state_url;           /* --state of `dwhost worker`, passed to each run, or NULL */
    const char *queue_url;           /* serve --queue: POST /v1/syncs enqueues here instead of running */
    dwhi_serve_jobs *jobs;           /* the jobs file's jobs (serve_jobs.c; state under lock), or NULL */

    pthread_mutex_t lock;            /* guards everything below */
    dwhi_serve_run **runs;           /* oldest first */
    size_t n_runs, cap_runs;
    int draining;                    /* SIGTERM: no new work */
    int wake[2];                     /* a byte here wakes the supervision loop */
    int signal_fd;                   /* SIGTERM and SIGINT, read by the supervision loop (-1: none) */
    json_object *metrics;            /* the ended runs' totals (serve_metrics.c), or NULL before the first */
} dwhi_serve;

/* ---- serve_supervisor.c ------------------------------------------------- */

/* Prepares the supervision loop of `dwhost serve` and `dwhost worker`
 * (`command` names it in errors): s->exe (this binary, for the worker
 * processes), s->wake (the pipe that wakes the loop), SIGTERM and SIGINT
 * blocked on every thread and read from s->signal_fd, SIGPIPE ignored.
 * Call before starting any thread, with s->wake = {-1, -1} and
 * s->signal_fd = -1.  Returns 0, or -1 after one line on stderr; then
 * (and after the loop) dwhi_serve_supervisor_fini releases what was made. */
int dwhi_serve_supervisor_init(dwhi_serve *s, const char *command);
/* Puts the signalfd and the wake pipe in fds[0] and fds[1]; returns 2. */
size_t dwhi_serve_supervisor_pollfds(const dwhi_serve *s, struct pollfd *fds);
/* After poll: reads the stop signals and empties the wake pipe.  The
 * first SIGTERM/SIGINT sets s->draining, logs "taking no new <no_new>"
 * and asks every run to stop after its batch; a later one is logged.
 * Returns non-zero once draining.  Takes s->lock itself. */
int dwhi_serve_supervisor_step(dwhi_serve *s, const char *no_new);
/* Closes the signalfd and the wake pipe and frees s->exe (each only when
 * made; safe after a failed init). */
void dwhi_serve_supervisor_fini(dwhi_serve *s);

/* ---- serve_exec.c --------------------------------------------------------- */

/* A started child: its pid and our ends of its stdin, stdout, stderr
 * (close-on-exec).  */
typedef struct dwhi_serve_child {
    pid_t pid;
    int in_fd, out_fd, err_fd;
} dwhi_serve_child;

/* Starts `s->exe` with argv = {exe, args..., "--plugin-dir", DIR...}
 * (`args` NULL-terminated, borrowed) in its own process group, signals at
 * their defaults.  Returns 0, or -1 with a malloc'd *err. */
int dwhi_serve_spawn(const dwhi_serve *s, const char *const *args, dwhi_serve_child *c, char **err);

/* What a short command printed and how it ended. */
typedef struct dwhi_serve_output {
    char *out;          /* stdout (malloc'd, NUL-terminated) */
    char *last_line;    /* the last stderr line that is not a JSON log line (malloc'd) or NULL */
    int status;         /* exit status; -1 when killed by a signal */
    int signal;         /* the signal that ended it, or 0 */
    int timed_out;      /* killed after s->heartbeat_timeout_s without finishing */
} dwhi_serve_output;

/* Runs `args` (as dwhi_serve_spawn) with `input` (may be NULL) on its stdin,
 * to its end or until the heartbeat timeout; its stderr is copied to ours.
 * Returns 0 with *out filled (free with dwhi_serve_output_free), -1 with a
 * malloc'd *err when it could not be started. */
int dwhi_serve_exec(const dwhi_serve *s, const char *const *args, const char *input, dwhi_serve_output *out,
                    char **err);
/* The same with `len` bytes of `input` (a webhook's body; may hold NULs). */
int dwhi_serve_exec_body(const dwhi_serve *s, const char *const *args, const char *input, size_t len,
                         dwhi_serve_output *out, char **err);
void dwhi_serve_output_free(dwhi_serve_output *out);

/* Reads what is available on fd into *buf (grown); returns bytes read, 0
 * at EOF, -1 when nothing was available or on error. */
ssize_t dwhi_serve_read_some(int fd, char **buf, size_t *len, size_t *cap);

/* ---- serve_runs.c ---------------------------------------------------------- */

/* Starts a sync run for `req` ({"source", "config", ...} as POST /v1/syncs
 * takes it, or {"job": NAME}; borrowed).  Returns the new run's id
 * (malloc'd) and 202, or NULL with the HTTP status in *http (400, 404,
 * 409, 429, 503, 500) and a malloc'd one-line *err. */
char *dwhi_serve_run_start(dwhi_serve *s, json_object *req, int *http, char **err);

/* The same for a run of jobs file job `job` (borrowed): `req` holds its
 * source, source id, schemas and mode; the worker reads the config from
 * `config_file` (borrowed).  `trigger` (static) says what started it. */
char *dwhi_serve_run_start_job(dwhi_serve *s, json_object *req, const char *job, const char *config_file,
                               const char *trigger, int *http, char **err);

/* {"runs": [...]} newest first (caller puts). */
json_object *dwhi_serve_runs_json(dwhi_serve *s);

/* One run as JSON (caller puts); a run this service does not know is
 * looked up in the warehouse's run history.  NULL when nobody knows it. */
json_object *dwhi_serve_run_json(dwhi_serve *s, const char *id);

/* DELETE /v1/runs/{id}: asks the run's worker to stop after its current
 * batch (SIGTERM).  Returns the HTTP status (202, 404, 409) and, for 202,
 * the run as JSON in *doc; a malloc'd *err otherwise. */
int dwhi_serve_run_cancel(dwhi_serve *s, const char *id, json_object **doc, char **err);

/* Number of runs whose worker is still alive. */
size_t dwhi_serve_runs_active(dwhi_serve *s);

/* The supervision loop's share: the pollfds of the live workers appended
 * to fds (at most max; returns how many), then, after poll, their output
 * read, heartbeats checked, dead workers reaped and judged. */
size_t dwhi_serve_runs_pollfds(dwhi_serve *s, struct pollfd *fds, size_t max);
void dwhi_serve_runs_step(dwhi_serve *s);

/* SIGTERM to every live worker (shutdown: they commit their batch and stop). */
void dwhi_serve_runs_stop_all(dwhi_serve *s);

/* GET /metrics: the Prometheus text of the ended runs' totals and the live
 * runs' rows (serve_metrics.c renders it), with the plugin counts of
 * `plugins` (the listing, borrowed, may be NULL).  malloc'd; NULL when out
 * of memory. */
char *dwhi_serve_runs_metrics(dwhi_serve *s, json_object *plugins);

/* Frees the run table and the metrics (after the loop ended). */
void dwhi_serve_runs_free(dwhi_serve *s);

/* ---- serve_metrics.c ----------------------------------------------------------- */

/* Adds an ended run to s->metrics (created on first use): its `state`
 * and `failure` word (may be NULL), `seconds`, and its rows from `report`
 * (the sync report; borrowed, may be NULL) or else from `progress`
 * ({schema: {"rows", "batches"}}, borrowed).  Caller holds s->lock. */
void dwhi_serve_metrics_run_ended(dwhi_serve *s, const char *source, const char *state, const char *failure,
                                  double seconds, json_object *progress, json_object *report);

/* The exposition text of s->metrics plus `live_runs` (an array of run
 * documents as GET /v1/runs lists them, borrowed) and the plugin counts
 * of `plugins` (borrowed, may be NULL).  Caller holds s->lock; malloc'd,
 * caller frees; NULL when out of memory. */
char *dwhi_serve_metrics_text(dwhi_serve *s, json_object *live_runs, json_object *plugins);

/* ---- serve_plugins.c -------------------------------------------------------- */

/* Lists the plugins (in a child) and watches the directories searched.
 * Returns the watcher, or NULL with a malloc'd *err. */
dwhi_serve_plugins *dwhi_serve_plugins_start(dwhi_serve *s, char **err);
/* The inotify descriptor the supervision loop polls. */
int dwhi_serve_plugins_fd(const dwhi_serve_plugins *sp);
/* After poll: reads the events; when a plugin file changed, lists again
 * and logs one line per file (added, replaced, removed, rejected). */
void dwhi_serve_plugins_step(dwhi_serve_plugins *sp);
/* GET /v1/plugins: the listing with "events" and "listing_error" (caller
 * puts).  Thread-safe. */
json_object *dwhi_serve_plugins_json(dwhi_serve_plugins *sp);
void dwhi_serve_plugins_free(dwhi_serve_plugins *sp);

/* ---- serve_jobs.c ----------------------------------------------------------- */

/* Reads and checks the jobs file `path` (docs/cli/serve.md "Jobs").
 * Returns 0 with *out (free with dwhi_serve_jobs_free), or -1 with a
 * malloc'd one-line *err naming the file, the job and the field. */
int dwhi_serve_jobs_load(const char *path, dwhi_serve_jobs **out, char **err);
void dwhi_serve_jobs_free(dwhi_serve_jobs *js);
size_t dwhi_serve_jobs_count(const dwhi_serve_jobs *js);
/* Makes every job due now (the service starts: each runs once). */
void dwhi_serve_jobs_begin(dwhi_serve *s);
/* The supervision loop's share: starts the jobs that are due (not while
 * draining).  Takes the lock itself. */
void dwhi_serve_jobs_step(dwhi_serve *s);
/* POST /v1/syncs {"job": NAME}: runs the job now.  As dwhi_serve_run_start;
 * 404 for no such job, 409 while it runs. */
char *dwhi_serve_job_run(dwhi_serve *s, const char *name, int *http, char **err);
/* serve_runs.c tells a job its run started / ended (caller holds s->lock;
 * strings borrowed). */
void dwhi_serve_job_started(dwhi_serve *s, const char *name, const char *run_id);
void dwhi_serve_job_ended(dwhi_serve *s, const char *name, const char *run_id, const char *state,
                          const char *failure, const char *error, const char *ended_at);
/* GET /v1/jobs's "scheduled": each job with its next run and last outcome,
 * and `status_jobs`' entry of its source id (borrowed, may be NULL) as
 * "status".  Caller puts. */
json_object *dwhi_serve_jobs_json(dwhi_serve *s, json_object *status_jobs);

/* Where POST /v1/webhooks/{name} goes: the job `name`, or the one job
 * whose source is `name`.  Strings borrowed from the jobs (fixed while the
 * service runs). */
typedef struct dwhi_serve_webhook_target {
    const char *job, *source, *source_id, *config;
} dwhi_serve_webhook_target;
/* Returns 0 with *t filled, or the HTTP status (404 none, 409 several jobs
 * sync that source) with a malloc'd one-line *err. */
int dwhi_serve_job_for_webhook(dwhi_serve *s, const char *name, dwhi_serve_webhook_target *t, char **err);

/* ---- serve_http.c ---------------------------------------------------------- */

typedef struct dwhi_serve_http dwhi_serve_http;

/* Starts listening on `addr` (a sockaddr of len bytes).  Returns the
 * front, or NULL with a malloc'd *err.  *port receives the bound port. */
dwhi_serve_http *dwhi_serve_http_start(dwhi_serve *s, const void *addr, size_t len, unsigned *port, char **err);
/* Stops listening and waits for the requests being answered. */
void dwhi_serve_http_stop(dwhi_serve_http *h);

/* ---- cmd_serve.c --------------------------------------------------------- */

/* "dwhost: serve: " (or "dwhost: NAME: " after dwhi_serve_log_as) and the
 * line on stderr. */
void dwhi_serve_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The command the log lines name (static): `dwhost worker` runs its jobs
 * through the same run table. */
void dwhi_serve_log_as(const char *name);

#endif
