/*
 * serve_worker.c -- `dwhost serve-worker` (hidden): one run of `dwhost
 * serve`, in its own process (serve_runs.c starts it).  It is `dwhost
 * sync` with a machine interface: the request comes as one JSON document
 * on stdin, events go out as JSON lines on stdout, logs and the one line
 * of a plugin that crashed or exit()ed go to stderr.
 *
 * Request: {"source", "config": {...} or "config_file", "warehouse", "run_id",
 *           "schemas": [..], "mode", "source_id", "team_id",
 *           "full_refresh", "reset", "batch_rows", "memory_limit_mb",
 *           "stop_grace_s", "state" (a Redis URL: --state of `dwhost worker`)}
 * Events:  {"event": "heartbeat"}              the plugin called the host
 *          {"event": "progress", "schema", "rows", "batches", "done", "index", "count"}
 *          {"event": "report", "report": {...}, "failure"}   the last line
 *
 * The run is dwhi_sync_run with the config validated by dwhi_config_load_json,
 * what `dwhost sync` does: same resume, leases, history (job id = run id).
 * SIGTERM (the service's cancel) stops it after the batch being written
 * commits (cli_signal.h: the command is cancellable); so does the service's
 * death, seen as a broken events pipe (SIGPIPE is ignored: EPIPE).  The exit status is
 * 0 once the report is written, whatever the run's outcome; a worker that
 * ends without a report died (the service says how).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/file_read.h"
#include "cli.h"
#include "cli_common.h"
#include "cli_log.h"
#include "cli_signal.h"
#include "config/config_load.h"
#include "config/config_report.h"
#include "log/log_line.h"
#include "serve.h"
#include "sync/sync.h"

/* The request is small (a config); anything larger is refused. */
#define REQUEST_MAX_BYTES ((size_t)4 << 20)
/* How often the heartbeat looks for a sign of life (ms). */
#define BEAT_MS 200

static int events_fd = -1;
static int service_gone; /* the events pipe broke */

/* One event line: a single write(2) of less than PIPE_BUF bytes is atomic,
 * so the heartbeat thread and the run's thread never interleave. */
static void send_event(json_object *o) {
    const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    size_t len = strlen(text);
    char *line = malloc(len + 2);
    if (!line) return;
    memcpy(line, text, len);
    line[len++] = '\n';
    for (size_t off = 0; off < len;) {
        ssize_t w = write(events_fd, line + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EPIPE && !__atomic_exchange_n(&service_gone, 1, __ATOMIC_SEQ_CST)) {
            /* The service died (kill -9): nobody supervises this run any
             * more, so it stops at its next safe point, as on a cancel,
             * with what it committed kept for the next run. */
            dwh_cancel_request(dwhi_cli_cancel);
            fprintf(stderr, "dwhost: serve-worker: the service is gone; the run stops after its current batch\n");
        }
        if (w <= 0) break;
        off += (size_t)w;
    }
    free(line);
}

static void send_simple(const char *event) {
    json_object *o = json_object_new_object();
    json_object_object_add(o, "event", json_object_new_string(event));
    send_event(o);
    json_object_put(o);
}

static void on_progress(void *ud, const dwh_sync_progress *p) {
    (void)ud;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "event", json_object_new_string("progress"));
    json_object_object_add(o, "schema", json_object_new_string(p->schema ? p->schema : ""));
    json_object_object_add(o, "rows", json_object_new_int64((int64_t)p->rows));
    json_object_object_add(o, "batches", json_object_new_int64((int64_t)p->batches));
    json_object_object_add(o, "done", json_object_new_boolean(p->done));
    json_object_object_add(o, "index", json_object_new_int64((int64_t)p->index));
    json_object_object_add(o, "count", json_object_new_int64((int64_t)p->count));
    send_event(o);
    json_object_put(o);
}

/* ---- heartbeat --------------------------------------------------------- */

/* Beats while the run shows life: the plugin polled the host
 * (dwh_activity: emits, HTTP transfers, api->cancelled).  A plugin
 * that spins or blocks without calling the host stops the beats, and the
 * service ends the worker after its heartbeat timeout. */

static volatile int beat_stop;
static pid_t service_pid;   /* the service (from the request) */
static int64_t orphan_grace_ms; /* --stop-grace of the service */

/* The service died when this process was given another parent.  A run
 * that makes progress notices sooner (EPIPE in send_event); one whose
 * plugin hangs never sends, so the heartbeat looks: the run is asked to
 * stop, and if it has not after the service's stop grace, the worker ends
 * itself as the service would have killed it (nothing uncommitted is
 * committed). */
static void watch_parent(int64_t *orphan_ms) {
    if (getppid() == service_pid) return;
    if (*orphan_ms == 0 && !__atomic_exchange_n(&service_gone, 1, __ATOMIC_SEQ_CST)) {
        dwh_cancel_request(dwhi_cli_cancel);
        fprintf(stderr, "dwhost: serve-worker: the service is gone; the run stops after its current batch\n");
    }
    *orphan_ms += BEAT_MS;
    if (*orphan_ms > orphan_grace_ms) {
        static const char msg[] = "dwhost: serve-worker: the service is gone and the run did not stop within the "
                                  "grace period; ending it (committed batches are kept)\n";
        if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0) { /* nothing more to do */ }
        _exit(DWHI_EXIT_INTERRUPTED);
    }
}

static void *heartbeat(void *ud) {
    (void)ud;
    unsigned long last = dwh_activity();
    int64_t orphan_ms = 0;
    while (!__atomic_load_n(&beat_stop, __ATOMIC_RELAXED)) {
        struct timespec t = {0, BEAT_MS * 1000000L};
        nanosleep(&t, NULL);
        unsigned long now = dwh_activity();
        if (now != last) send_simple("heartbeat");
        last = now;
        watch_parent(&orphan_ms);
    }
    return NULL;
}

/* ---- the request -------------------------------------------------------- */

static const char *req_string(json_object *req, const char *key) {
    json_object *v;
    return json_object_object_get_ex(req, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : NULL;
}

static int64_t req_int(json_object *req, const char *key) {
    json_object *v;
    return json_object_object_get_ex(req, key, &v) ? json_object_get_int64(v) : 0;
}

/* "dwhost: serve-worker: WHAT" and the exit status of a worker that could
 * not start its run (the service shows the line). */
static int fail(int rc, const char *fmt, const char *arg) {
    fprintf(stderr, "dwhost: serve-worker: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    return rc;
}

/* The memory limit (RLIMIT_AS) of the whole worker, plugin included
 * (crash/memory_limit.h: a crash or exit at the limit says so).  An
 * AddressSanitizer build reserves terabytes of address space for its
 * shadow: a limit would stop it at start, so such a build runs without. */
static void limit_memory(int64_t mb) {
    if (mb <= 0) return;
    char *err = NULL;
    if (dwh_memory_limit_set((uint64_t)mb, &err) != DW_OK) fprintf(stderr, "dwhost: serve-worker: %s\n", err);
    free(err);
}

/* ---- the command ---------------------------------------------------------- */

static const dwhi_cli_opt options[] = {
    DWHI_CLI_OPT_PLUGIN_DIR,
    DWHI_CLI_OPTS_LOG,
    DWHI_OPT_HELP(),
    DWHI_OPT_END(),
};

static int cmd_serve_worker(const dwhi_cli_invocation *inv) {
    (void)inv;
    /* Events get stdout; whatever else writes to fd 1 (a plugin's printf)
     * lands on stderr instead of corrupting them. */
    events_fd = dup(STDOUT_FILENO);
    if (events_fd < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
        return fail(DWHI_EXIT_FAILURE, "cannot set up its output: %s", strerror(errno));
    /* exit() inside plugin code: one line and exit 11, as for every
     * command (main.c installs dwh_exit_guard_install) */
    /* the sync runs inside the library, outside any host's scope: its
     * lines go to the process destination, which gets the log options */
    const dwhi_cli_log *lg = &dwhi_cli_log_opts;
    if (lg->opened) dwhi_log_configure(lg->out ? lg->out : stderr, lg->json ? DWHI_LOG_JSON : DWHI_LOG_TEXT,
                                       (dw_log_level)lg->min_level);
    dwhi_log_text_identity(1);

    char *text = NULL;
    size_t len = 0;
    json_object *req = NULL, *validated = NULL;
    dwhi_cli_plugins pl = {0};
    dwh_plugin *p = NULL;
    dwhi_secrets *secrets = dwhi_secrets_new();
    dwhi_sync_report *report = NULL;
    pthread_t beat;
    int beating = 0, rc = DWHI_EXIT_OK;
    if (dwhi_read_whole_file("-", REQUEST_MAX_BYTES, &text, &len, NULL) != DWHI_READ_OK || !secrets) {
        rc = fail(DWHI_EXIT_USAGE, "%s", "cannot read its request on stdin");
        goto out;
    }
    req = json_tokener_parse(text);
    const char *source = req ? req_string(req, "source") : NULL;
    if (!source) {
        rc = fail(DWHI_EXIT_USAGE, "%s", "the request on stdin is not a JSON object with a \"source\"");
        goto out;
    }
    /* the service's pid from the request: a getppid() here could already
     * be the new parent of an orphan */
    service_pid = (pid_t)req_int(req, "service_pid");
    if (service_pid <= 0) service_pid = getppid();
    orphan_grace_ms = req_int(req, "stop_grace_s") > 0 ? req_int(req, "stop_grace_s") * 1000 : 60000;
    send_simple("heartbeat"); /* started: SIGTERM now cancels (cli_signal.h) */
    limit_memory(req_int(req, "memory_limit_mb"));
    /* from here on the parent is watched: a plugin's constructors may hang */
    if (pthread_create(&beat, NULL, heartbeat, NULL) == 0) beating = 1;
    if ((rc = dwhi_cli_plugins_open(&pl)) != DWHI_EXIT_OK) goto out;
    if (!(p = dwhi_cli_find_source(&pl, source, &rc))) goto out;

    /* the config: in the request, or (a jobs file's job) read from its
     * file here, as `dwhost sync --config FILE` reads it, so its
     * {"$file"} references start at its directory */
    json_object *raw = NULL, *file_raw = NULL;
    char *base_dir = NULL;
    json_object_object_get_ex(req, "config", &raw);
    const char *config_file = req_string(req, "config_file");
    dwhi_config_report crep;
    dwhi_config_report_init(&crep);
    int bad = config_file ? dwhi_config_read_file(config_file, &file_raw, &base_dir, &crep) : 0;
    if (!bad)
        bad = dwhi_config_load_json(dwh_plugin_source(p), config_file ? file_raw : raw, base_dir, &validated, secrets,
                                    &crep);
    json_object_put(file_raw);
    free(base_dir);
    if (bad) dwhi_config_report_print(&crep, stderr, secrets);
    json_object *config_errors = bad ? dwhi_config_report_to_json(&crep, secrets) : NULL;
    dwhi_config_report_clear(&crep);
    if (bad) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "event", json_object_new_string("report"));
        json_object_object_add(o, "failure", json_object_new_string("config"));
        json_object_object_add(o, "config", config_errors);
        send_event(o);
        json_object_put(o);
        rc = DWHI_EXIT_CONFIG;
        goto out;
    }

    /* the schemas asked for, borrowed from the request */
    json_object *schemas = NULL;
    const char **names = NULL;
    size_t n_names = 0;
    if (json_object_object_get_ex(req, "schemas", &schemas) && json_object_is_type(schemas, json_type_array)) {
        n_names = json_object_array_length(schemas);
        names = calloc(n_names + 1, sizeof *names);
        for (size_t i = 0; names && i < n_names; i++)
            names[i] = json_object_get_string(json_object_array_get_idx(schemas, i));
        if (!names) n_names = 0;
    }
    dwh_sync_options o = {
        .warehouse_path = req_string(req, "warehouse"),
        .mode = req_string(req, "mode"),
        .schemas = names,
        .n_schemas = n_names,
        .team_id = req_string(req, "team_id"),
        .state_url = req_string(req, "state"),
        .source_id = req_string(req, "source_id"),
        .job_id = req_string(req, "run_id"),
        .full_refresh = req_int(req, "full_refresh") != 0,
        .reset = req_int(req, "reset") != 0,
        .allow_internal_hosts = req_int(req, "allow_internal") != 0,
        .batch_rows = (size_t)req_int(req, "batch_rows"),
        .cancel = dwhi_cli_cancel,
        .progress = on_progress,
    };
    send_simple("heartbeat"); /* the run starts */
    report = dwhi_sync_run(p, validated, secrets, &o);
    free(names);
    if (!report) {
        rc = fail(DWHI_EXIT_FAILURE, "%s", "out of memory");
        goto out;
    }
    json_object *doc = dwhi_sync_report_json(report);
    const char *failure = dwh_sync_failure_name(report->failure);
    json_object *ev = json_object_new_object();
    json_object_object_add(ev, "event", json_object_new_string("report"));
    json_object_object_add(ev, "failure", failure ? json_object_new_string(failure) : NULL);
    json_object_object_add(ev, "report", doc);
    /* the report names no secret: scrubbed as the CLI's --json is */
    char *scrubbed = dwhi_secrets_scrub(
        secrets, json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(ev);
    json_object *clean = scrubbed ? json_tokener_parse(scrubbed) : NULL;
    free(scrubbed);
    if (clean) send_event(clean);
    json_object_put(clean);
out:
    if (beating) {
        __atomic_store_n(&beat_stop, 1, __ATOMIC_RELAXED);
        pthread_join(beat, NULL);
    }
    dwhi_sync_report_free(report);
    json_object_put(validated);
    json_object_put(req);
    free(text);
    dwh_plugin_unref(p);
    dwhi_cli_plugins_close(&pl);
    dwhi_secrets_free(secrets);
    if (events_fd >= 0) close(events_fd);
    return rc;
}

DWHI_CLI_COMMAND(serve_worker, .name = "serve-worker", .summary = "one run of dwhost serve (internal)",
                 .run = cmd_serve_worker, .options = options, .flags = DWHI_CLI_CANCELLABLE | DWHI_CLI_HIDDEN,
                 .description = "Runs one sync for `dwhost serve`: the request as JSON on stdin, events as JSON "
                                "lines on stdout.  Not for direct use.")
