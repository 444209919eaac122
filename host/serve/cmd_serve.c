/*
 * cmd_serve.c -- `dwhost serve`: the long-running host (see serve.h and
 * docs/cli/serve.md).  Parses the options, refuses a non-loopback address
 * without a bearer token, listens, then supervises the workers until
 * SIGTERM or SIGINT: then it takes no new work, asks every run to stop
 * after the batch it is writing (they commit it; the next run resumes),
 * waits for them and exits 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/file_read.h"
#include "cli.h"
#include "cli_common.h"
#include "serve.h"
#include "warehouse/warehouse_sqlite.h"

#define DEFAULT_LISTEN "127.0.0.1:8765"
#define TOKEN_ENV "DWHOST_SERVE_TOKEN"
#define MAX_POLL 512

static struct {
    const char *warehouse, *listen, *token_file, *queue, *jobs;
    int heartbeat_s, grace_s, memory_mb, max_runs, allow_internal;
} A = {.heartbeat_s = 300, .grace_s = 60, .max_runs = 16};

static const char *log_name = "serve";

void dwhi_serve_log_as(const char *name) { log_name = name; }

void dwhi_serve_log(const char *f, ...) {
    va_list ap;
    va_start(ap, f);
    fprintf(stderr, "dwhost: %s: ", log_name);
    vfprintf(stderr, f, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static const dwhi_cli_opt options[] = {
    DWHI_OPT_STRING(0, "warehouse", "PATH|URL",
                   "the warehouse every run writes to: a SQLite file, or PostgreSQL (postgres://..., a libpq "
                   "conninfo)",
                   &A.warehouse,
                   .flags = DWHI_OPT_REQUIRED | DWHI_OPT_NONEMPTY),
    DWHI_OPT_STRING(0, "listen", "ADDR:PORT",
                   "where to listen (default " DEFAULT_LISTEN "; [V6]:PORT for IPv6; port 0 picks a free one). "
                   "An address other than loopback needs a bearer token",
                   &A.listen, .flags = DWHI_OPT_NONEMPTY),
    DWHI_OPT_STRING(0, "token-file", "FILE",
                   "the bearer token every request but /healthz must carry (Authorization: Bearer TOKEN), read "
                   "from FILE (default: $" TOKEN_ENV ")",
                   &A.token_file, .flags = DWHI_OPT_NONEMPTY),
    DWHI_OPT_CALLBACK(0, "heartbeat-timeout", "SECONDS",
                     "a run (or check) whose plugin shows no sign of life this long is killed (default 300)",
                     &A.heartbeat_s, dwhi_cli_opt_positive_int, .unit = "seconds"),
    DWHI_OPT_CALLBACK(0, "stop-grace", "SECONDS",
                     "after a cancel or SIGTERM, a run gets this long to commit its batch and stop before it is "
                     "killed (default 60)",
                     &A.grace_s, dwhi_cli_opt_positive_int, .unit = "seconds"),
    DWHI_OPT_CALLBACK(0, "memory-limit", "MIB", "the address-space limit of each run's worker (default: none)",
                     &A.memory_mb, dwhi_cli_opt_positive_int, .unit = "MiB"),
    DWHI_OPT_CALLBACK(0, "max-runs", "N", "run at most N syncs at once; more answer 429 (default 16)", &A.max_runs,
                     dwhi_cli_opt_positive_int),
    DWHI_OPT_FLAG(0, "allow-internal",
                  "let runs and checks reach loopback and private addresses (an API inside your network)",
                  &A.allow_internal),
    DWHI_OPT_STRING(0, "queue", "URL",
                   "POST /v1/syncs adds the sync to this Redis queue (redis://HOST[:PORT][/DB]) for `dwhost "
                   "worker`s instead of running it here",
                   &A.queue, .flags = DWHI_OPT_NONEMPTY),
    DWHI_OPT_STRING(0, "jobs", "FILE",
                   "named syncs to run on an interval (JSON; docs/cli/serve.md \"Jobs\"); a bad file stops the "
                   "start (exit 4)",
                   &A.jobs, .flags = DWHI_OPT_NONEMPTY),
    DWHI_CLI_OPT_PLUGIN_DIR,
    DWHI_OPT_HELP(),
    DWHI_OPT_END(),
};

/* ---- the address and the token ------------------------------------------------ */

/* "HOST:PORT" or "[V6]:PORT" into *res (caller frees with freeaddrinfo). */
static int parse_listen(const char *spec, struct addrinfo **res) {
    char host[256];
    const char *port;
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (!close || close[1] != ':' || (size_t)(close - spec - 1) >= sizeof host) return -1;
        memcpy(host, spec + 1, (size_t)(close - spec - 1));
        host[close - spec - 1] = 0;
        port = close + 2;
    } else {
        const char *colon = strrchr(spec, ':');
        if (!colon || (size_t)(colon - spec) >= sizeof host || strchr(colon + 1, ':')) return -1;
        memcpy(host, spec, (size_t)(colon - spec));
        host[colon - spec] = 0;
        port = colon + 1;
    }
    if (!*host || !*port) return -1;
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE, .ai_socktype = SOCK_STREAM};
    return getaddrinfo(host, port, &hints, res) == 0 ? 0 : -1;
}

static int is_loopback(const struct sockaddr *a) {
    if (a->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)a)->sin_addr.s_addr) >> 24) == 127;
    if (a->sa_family == AF_INET6) return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)a)->sin6_addr);
    return 0;
}

/* The token from --token-file or the environment; trailing newlines and
 * spaces dropped.  Returns 0 (*token NULL when none is given), or the exit
 * code after one line. */
static int load_token(char **token) {
    *token = NULL;
    char *text = NULL;
    size_t len = 0;
    if (A.token_file) {
        int e = 0;
        dwhi_read_status st = dwhi_read_whole_file(A.token_file, 4096, &text, &len, &e);
        if (st != DWHI_READ_OK) {
            fprintf(stderr, "dwhost: serve: cannot read the token file %s: %s\n", A.token_file,
                    st == DWHI_READ_TOO_BIG ? "larger than 4 KiB" : st == DWHI_READ_IS_DIR ? "a directory"
                                                                                         : strerror(e));
            return DWHI_EXIT_USAGE;
        }
    } else if (getenv(TOKEN_ENV) && *getenv(TOKEN_ENV)) {
        text = strdup(getenv(TOKEN_ENV));
        len = text ? strlen(text) : 0;
    } else {
        return DWHI_EXIT_OK;
    }
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' ')) text[--len] = 0;
    if (!text || len < 16 || strlen(text) != len) {
        fprintf(stderr, "dwhost: serve: the bearer token (%s) must be at least 16 characters on one line, without "
                        "NUL bytes; e.g. openssl rand -hex 32 > token\n",
                A.token_file ? A.token_file : "$" TOKEN_ENV);
        free(text);
        return DWHI_EXIT_USAGE;
    }
    *token = text;
    return DWHI_EXIT_OK;
}

/* ---- the command ------------------------------------------------------------------- */

static int cmd_serve(const dwhi_cli_invocation *inv) {
    (void)inv;
    dwhi_serve s = {
        .warehouse = A.warehouse,
        .plugin_dirs = dwhi_cli_plugin_dirs.v,
        .n_plugin_dirs = dwhi_cli_plugin_dirs.n,
        .plugin_pins = dwhi_cli_plugin_pins,
        .heartbeat_timeout_s = A.heartbeat_s,
        .stop_grace_s = A.grace_s,
        .memory_limit_mb = A.memory_mb,
        .allow_internal = A.allow_internal,
        .max_runs = A.max_runs,
        .max_body = (size_t)1 << 20,
        .queue_url = A.queue,
        .wake = {-1, -1},
        .signal_fd = -1,
    };
    struct addrinfo *ai = NULL;
    dwhi_serve_http *http = NULL;
    int rc;
    pthread_mutex_init(&s.lock, NULL);
    const char *listen = A.listen ? A.listen : DEFAULT_LISTEN;
    if (parse_listen(listen, &ai) != 0) {
        rc = dwhi_cli_usage_error("serve", "--listen wants ADDR:PORT with a numeric address (127.0.0.1:8765, "
                                           "[::1]:8765), got '%s'", listen);
        goto out;
    }
    if ((rc = load_token(&s.token)) != DWHI_EXIT_OK) goto out;
    /* the children (plugins among them) inherit the environment: the
     * token is the service's alone */
    unsetenv(TOKEN_ENV);
    if (!is_loopback(ai->ai_addr) && !s.token) {
        rc = dwhi_cli_usage_error("serve", "--listen %s is not a loopback address: give a bearer token with "
                                           "--token-file FILE or $" TOKEN_ENV, listen);
        goto out;
    }
    /* the plugin directories must exist, as for every command */
    for (size_t i = 0; i < s.n_plugin_dirs; i++) {
        if (access(s.plugin_dirs[i], R_OK | X_OK) != 0) {
            rc = dwhi_cli_usage_error("serve", "--plugin-dir %s: %s", s.plugin_dirs[i], strerror(errno));
            goto out;
        }
    }
    /* and the pin file must be readable and well formed (a worker reads it again at each scan) */
    const char *pins = s.plugin_pins ? s.plugin_pins : getenv("DWHOST_PLUGIN_PINS");
    char *pins_error = NULL;
    if (pins && *pins && dwh_plugin_pins_check(pins, &pins_error) != DW_OK) {
        fprintf(stderr, "dwhost: serve: %s\n", pins_error ? pins_error : "out of memory");
        free(pins_error);
        rc = DWHI_EXIT_CONFIG;
        goto out;
    }
    /* the jobs file: every job and field checked before anything starts */
    if (A.jobs && dwhi_serve_jobs_load(A.jobs, &s.jobs, &pins_error) != 0) {
        fprintf(stderr, "dwhost: serve: %s\n", pins_error ? pins_error : "out of memory");
        free(pins_error);
        rc = DWHI_EXIT_CONFIG;
        goto out;
    }
    /* Jobs start syncing at once: the warehouse is created (its tables
     * too) before they do, so GET /v1/jobs never reads a file a first
     * worker has created but not yet set up; an unwritable one stops the
     * start. */
    if (s.jobs) {
        dwhi_warehouse *w = dwhi_wh_open(s.warehouse, NULL, &pins_error);
        if (!w) {
            fprintf(stderr, "dwhost: serve: %s\n", pins_error ? pins_error : "out of memory");
            free(pins_error);
            rc = DWHI_EXIT_WAREHOUSE;
            goto out;
        }
        dwhi_wh_close(w);
    }
    /* before libmicrohttpd starts its threads, so none of them takes a signal */
    if (dwhi_serve_supervisor_init(&s, "serve") != 0) {
        rc = DWHI_EXIT_FAILURE;
        goto out;
    }
    char *err = NULL;
    if (!(s.plugins = dwhi_serve_plugins_start(&s, &err))) {
        fprintf(stderr, "dwhost: serve: %s\n", err ? err : "listing the plugins failed");
        free(err);
        rc = DWHI_EXIT_FAILURE;
        goto out;
    }
    unsigned port = 0;
    http = dwhi_serve_http_start(&s, ai->ai_addr, ai->ai_addrlen, &port, &err);
    if (!http) {
        fprintf(stderr, "dwhost: serve: --listen %s: %s\n", listen, err ? err : strerror(errno));
        free(err);
        rc = DWHI_EXIT_FAILURE;
        goto out;
    }
    char host[INET6_ADDRSTRLEN] = "?";
    if (ai->ai_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, host, sizeof host);
    else
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, host, sizeof host);
    /* a PostgreSQL warehouse is named without its password */
    char *shown = dwhi_wh_spec_shown(s.warehouse);
    dwhi_serve_log("listening on http://%s%s%s:%u (warehouse %s%s)", ai->ai_family == AF_INET6 ? "[" : "", host,
                   ai->ai_family == AF_INET6 ? "]" : "", port, shown ? shown : "?",
                   s.token ? "; bearer token required" : "");
    free(shown);
    if (s.queue_url) dwhi_serve_log("POST /v1/syncs adds jobs to the Redis queue of --queue for dwhost workers");

    if (s.jobs) {
        dwhi_serve_log("jobs file %s: %zu job(s); each runs now, then on its interval", A.jobs,
                       dwhi_serve_jobs_count(s.jobs));
        dwhi_serve_jobs_begin(&s);
    }
    for (;;) {
        struct pollfd fds[MAX_POLL];
        size_t n = dwhi_serve_supervisor_pollfds(&s, fds);
        fds[n++] = (struct pollfd){dwhi_serve_plugins_fd(s.plugins), POLLIN, 0};
        n += dwhi_serve_runs_pollfds(&s, fds + n, MAX_POLL - n);
        if (poll(fds, n, 100) < 0 && errno != EINTR) break;
        int draining = dwhi_serve_supervisor_step(&s, "work");
        dwhi_serve_runs_step(&s);
        dwhi_serve_jobs_step(&s);
        dwhi_serve_plugins_step(s.plugins);
        if (draining && dwhi_serve_runs_active(&s) == 0) break;
    }
    dwhi_serve_http_stop(http);
    http = NULL;
    dwhi_serve_log("stopped; every run committed what it had and resumes on the next sync");
    rc = DWHI_EXIT_OK;
out:
    dwhi_serve_http_stop(http);
    dwhi_serve_runs_free(&s);
    dwhi_serve_plugins_free(s.plugins);
    dwhi_serve_jobs_free(s.jobs);
    if (ai) freeaddrinfo(ai);
    free(s.token);
    dwhi_serve_supervisor_fini(&s);
    pthread_mutex_destroy(&s.lock);
    return rc;
}

DWHI_CLI_COMMAND(
    serve, .name = "serve", .summary = "run as a service: an HTTP API that lists, checks and syncs sources",
    .run = cmd_serve, .options = options,
    .description =
        "Listens for HTTP requests (JSON in and out; docs/cli/serve.md): GET /healthz, /v1/plugins, "
        "/v1/sources/NAME, /v1/runs, /v1/runs/ID, /v1/jobs; POST /v1/sources/NAME/check, /v1/syncs, /v1/webhooks/JOB (signed by "
        "the provider, verified with the job's signing secret); DELETE "
        "/v1/runs/ID.  --jobs FILE runs named syncs on their interval, never overlapping themselves, with backoff "
        "after a failure.  Every sync runs in its own worker process (and every check, listing and description in a "
        "dwhost child): a plugin that crashes, calls exit(), hangs past --heartbeat-timeout or exceeds "
        "--memory-limit fails that run with one line naming it, the service keeps serving, and the next run "
        "resumes from the last committed batch.  Loopback only unless a bearer token is given.  SIGTERM or "
        "SIGINT: no new work, every run commits its current batch and stops, then the service exits 0.",
    .exit_status = "0 stopped by SIGTERM or SIGINT after every run stopped; 1 it could not listen or start; 2 "
                   "usage (a bad option, a non-loopback --listen without a token, an unreadable token file); 4 the "
                   "pin file or the jobs file is missing, unreadable or malformed; 8 with --jobs, the warehouse cannot "
                   "be opened.")
