/*
 * cmd_read.c -- `dwhost read`: runs one schema of a source and prints its
 * rows on stdout as JSON lines.  Resume state can be read from and written
 * to files, so a read interrupted by a signal or a failure picks up where
 * its last durable page ended.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_common.h"
#include "cli_config.h"
#include "cli_exit.h"
#include "cli_http.h"
#include "cli_log.h"
#include "cli_signal.h"
#include "base/json_strict.h"

/* What the row and state callbacks of dwh_read write to, and what went
 * wrong in them: the library only hears "stop" from a callback, so the
 * callback keeps the cause (the exit code and line) for the command. */
typedef struct read_sink {
    long long limit;         /* < 0: none */
    long long printed;
    int limit_reached;
    int stdout_closed;
    const char *state_out;   /* NULL: state saves are dropped */
    long long states_written;
    unsigned long long state_saves;
    int fail_exit;           /* non-zero: a callback failed with this exit code ... */
    char fail_msg[512];      /* ... and this line */
} read_sink;

static int sink_fail(read_sink *s, int exit_code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int sink_fail(read_sink *s, int exit_code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->fail_msg, sizeof s->fail_msg, fmt, ap);
    va_end(ap);
    s->fail_exit = exit_code;
    return -1;
}

/* stdout failed (errno set): a closed pipe is the reader having had
 * enough (`| head`), anything else a write error (exit 8). */
static int stdout_failed(read_sink *s) {
    if (errno == EPIPE) {
        s->stdout_closed = 1;
        return -1;
    }
    return sink_fail(s, DWHI_EXIT_WAREHOUSE, "cannot write to stdout: %s", strerror(errno));
}

static int on_row(void *ud, const char *row, size_t len) {
    read_sink *s = ud;
    if (s->limit >= 0 && s->printed >= s->limit) {
        s->limit_reached = 1;
        return -1;
    }
    if (fwrite(row, 1, len, stdout) != len || putchar('\n') == EOF) return stdout_failed(s);
    s->printed++;
    return 0;
}

/* Replaces `path` with `text` atomically: a temporary file in the same
 * directory, fsync, rename.  Returns 0 or -1 with errno set. */
static int write_file_atomic(const char *path, const char *text) {
    char *tmp = NULL;
    if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) return -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        free(tmp);
        return -1;
    }
    size_t len = strlen(text), off = 0;
    int rc = 0;
    while (off < len && rc == 0) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) rc = -1;
        else off += (size_t)w;
    }
    if (rc == 0 && (write(fd, "\n", 1) != 1 || fsync(fd) != 0)) rc = -1;
    int saved = errno;
    close(fd);
    if (rc == 0 && rename(tmp, path) != 0) {
        rc = -1;
        saved = errno;
    }
    if (rc != 0) unlink(tmp);
    free(tmp);
    errno = saved;
    return rc;
}

static int on_state_save(void *ud, const char *state) {
    read_sink *s = ud;
    /* The state claims every row before it is durable: for stdout that
     * means flushed to the reader. */
    if (fflush(stdout) != 0) return stdout_failed(s);
    s->state_saves++;
    if (!s->state_out) return 0;
    if (write_file_atomic(s->state_out, state) != 0)
        return sink_fail(s, DWHI_EXIT_STATE, "cannot write the state file %s: %s", s->state_out, strerror(errno));
    s->states_written++;
    return 0;
}

/* Reads --state-in: the text of a JSON object, NULL when the file does not
 * exist (first run).  Prints the error and sets *exit_code on a bad file. */
static char *load_state(dwh_host *h, const char *path, int *exit_code, int *failed) {
    *failed = 0;
    if (!path) return NULL;
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT) {
        dwhi_cli_log_line(h, DW_LOG_INFO, "read.state", "state file %s does not exist yet; starting from the beginning",
                     path);
        return NULL;
    }
    int rc = 0;
    json_object *o = dwhi_cli_read_json_file(path, "state", &rc);
    if (!o || !json_object_is_type(o, json_type_object)) {
        if (o) fprintf(stderr, "dwhost: read: state file %s must hold a JSON object; remove it to start over\n", path);
        json_object_put(o);
        *exit_code = DWHI_EXIT_STATE;
        *failed = 1;
        return NULL;
    }
    char *text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return text;
}

/* A watermark as JSON scalar text: kept when it already is one, else
 * quoted as a string.  Malloc'd. */
static char *scalar_arg(const char *v) {
    json_object *o = NULL;
    char err[128];
    if (dwhi_json_parse_strict(v, strlen(v), &o, err, sizeof err) != 0) o = NULL;
    int scalar = o && (json_object_is_type(o, json_type_int) || json_object_is_type(o, json_type_double) ||
                       json_object_is_type(o, json_type_string));
    json_object_put(o);
    if (scalar) return strdup(v);
    json_object *s = json_object_new_string(v);
    char *out = strdup(json_object_to_json_string_ext(s, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(s);
    return out;
}

typedef struct read_args {
    const char *schema, *config, *state_in, *state_out;
    const char *inc_field, *last_value, *earliest_value;
    long long limit;
    int reset, allow_internal;
} read_args;

static read_args A = {.limit = -1};

static int parse_limit(const char *cmd, const dwhi_cli_opt *opt, const char *v) {
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || end == v || *end || n < 0) {
        dwhi_cli_usage_error(cmd, "--limit needs a number >= 0, not '%s'", v);
        return -1;
    }
    *(long long *)opt->target = n;
    return 0;
}

static const dwhi_cli_opt options[] = {
    DWHI_CLI_OPT_PLUGIN_DIR,
    DWHI_OPT_STRING(0, "schema", "NAME", "the schema to read (see 'dwhost describe <source>')", &A.schema,
                   .flags = DWHI_OPT_REQUIRED),
    DWHI_OPT_STRING(0, "config", "FILE",
                   "the source's JSON config (\"-\" reads standard input); it is validated against the source's "
                   "form before plugin code runs",
                   &A.config, .flags = DWHI_OPT_REQUIRED),
    DWHI_OPT_CALLBACK(0, "limit", "N",
                     "stop after N rows (exit 0); state is saved only for pages that were printed completely",
                     &A.limit, parse_limit),
    DWHI_OPT_STRING(0, "state-in", "FILE",
                   "resume from the state saved in FILE (a missing FILE means start from the beginning)",
                   &A.state_in),
    DWHI_OPT_STRING(0, "state-out", "FILE",
                   "after every page the source saves, flush stdout and replace FILE atomically with the resume "
                   "state",
                   &A.state_out),
    DWHI_OPT_FLAG(0, "reset", "ignore any state (--state-in) and start over", &A.reset),
    DWHI_OPT_STRING(0, "incremental-field", "FIELD",
                   "read incrementally on FIELD (one the schema advertises); --last-value / --earliest-value give "
                   "the watermarks",
                   &A.inc_field),
    DWHI_OPT_STRING(0, "last-value", "V",
                   "with --incremental-field: the last value read before (a JSON scalar; other text is taken as a "
                   "string)",
                   &A.last_value),
    DWHI_OPT_STRING(0, "earliest-value", "V",
                   "with --incremental-field: the earliest value read before, for sources that read newest first "
                   "(a JSON scalar; other text is taken as a string)",
                   &A.earliest_value),
    DWHI_OPT_FLAG(0, "allow-internal", "let the source reach loopback and private addresses", &A.allow_internal),
    DWHI_CLI_OPT_HTTP_TIMEOUT,
    DWHI_CLI_OPTS_LOG,
    DWHI_OPT_HELP(),
    DWHI_OPT_END(),
};

static int cmd_read(const dwhi_cli_invocation *inv) {
    dwhi_cli_plugins pl = {0};
    const read_args a = A;
    const char *source = inv->operand;
    int rc = DWHI_EXIT_OK;
    if ((a.last_value || a.earliest_value) && !a.inc_field)
        return dwhi_cli_usage_error("read", "--last-value and --earliest-value need --incremental-field");

    rc = dwhi_cli_plugins_open(&pl);
    dwh_plugin *p = rc ? NULL : dwhi_cli_find_source(&pl, source, &rc);
    char *cfg = NULL;      /* the config file's text, checked; secrets in clear: dwh_free_secret */
    char *cfg_dir = NULL;  /* where its {"$file"} references start */
    char *state_in = NULL, *last = NULL, *earliest = NULL, *err = NULL;
    int state_failed = 0;
    if (p) {
        /* A plugin whose init fails is a plugin problem (exit 3), before
         * any config is looked at. */
        if (dwh_plugin_activate(p, &err) != DW_OK) {
            fprintf(stderr, "dwhost: read: plugin '%s' could not start: %s\n", source, err ? err : "init() failed");
            rc = DWHI_EXIT_PLUGIN;
        } else {
            /* checked here for the config's own lines; dwh_read loads it */
            rc = dwhi_cli_config_checked(p, a.config, &cfg, &cfg_dir, NULL, NULL);
        }
        free(err);
        err = NULL;
    }
    if (cfg) {
        /* an unknown schema or incremental field: the same line and exit
         * code as sync (and check, for the schema); schemas that cannot be
         * listed stop the read too (with the listing's status), as they
         * stop a sync, instead of running an unchecked schema */
        dw_status st = dwh_schema_check(p, cfg, cfg_dir, a.schema, a.inc_field, a.allow_internal, &err);
        if (st != DW_OK) {
            fprintf(stderr, "dwhost: read: %s: %s\n", source, err ? err : "cannot check the schema");
            rc = dwhi_cli_exit_for(st);
            goto out;
        }
    }
    if (cfg && !a.reset) state_in = load_state(pl.host, a.state_in, &rc, &state_failed);
    if (!p || !cfg || state_failed) goto out;

    read_sink s = {.limit = a.limit, .state_out = a.state_out};
    dw_status cause = DW_OK; /* the plugin's own status behind a non-retryable failure */
    last = a.last_value ? scalar_arg(a.last_value) : NULL;
    earliest = a.earliest_value ? scalar_arg(a.earliest_value) : NULL;
    dwh_read_options ro = {.schema = a.schema, .row = on_row, .state = on_state_save, .user = &s,
                           .state_in = state_in, .incremental_field = a.inc_field, .last_value = last,
                           .earliest_value = earliest, .allow_internal_hosts = a.allow_internal,
                           .cancel = dwhi_cli_cancel, .cause = &cause};

    /* A signal only sets the flag (cli_signal.h); the plugin stops at its
     * next check and every row printed so far is complete.  A closed
     * stdout is an EPIPE we handle: main ignores SIGPIPE. */
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);

    int stopped = 0;
    dw_status st = dwh_read(p, cfg, cfg_dir, &ro, &stopped, NULL, &err);
    int flushed = fflush(stdout) == 0;
    if (!flushed && errno == EPIPE) s.stdout_closed = 1;

    if (s.stdout_closed) {
        rc = DWHI_EXIT_OK; /* the reader had enough, like `| head` */
    } else if (s.fail_exit) {
        fprintf(stderr, "dwhost: read: %s/%s: %s\n", source, a.schema, s.fail_msg);
        rc = s.fail_exit;
    } else if (st == DW_OK && !flushed) {
        fprintf(stderr, "dwhost: read: cannot write to stdout: %s\n", strerror(errno));
        rc = DWHI_EXIT_WAREHOUSE;
    } else if (st == DW_OK) {
        dwhi_cli_log_line(pl.host, DW_LOG_INFO, "read.done", "%s/%s: %lld rows%s, %llu state saves", source,
                          a.schema, s.printed, s.limit_reached ? " (limit reached)" : "", s.state_saves);
        rc = DWHI_EXIT_OK;
    } else if (st == DW_ERR_CANCELLED && dwhi_cli_interrupt_signal()) {
        char where[512];
        snprintf(where, sizeof where, "after %lld rows of %s/%s", s.printed, source, a.schema);
        rc = dwhi_cli_interrupted(where, "%s%s", a.state_out && s.states_written ? "resume with --state-in " :
                                                "no resume state was saved",
                                 a.state_out && s.states_written ? a.state_out : "");
    } else {
        fprintf(stderr, "dwhost: read: %s/%s: %s\n", source, a.schema, err ? err : "failed");
        rc = dwhi_cli_exit_for(cause);
    }
out:
    free(err);
    free(last);
    free(earliest);
    free(state_in);
    dwh_free_secret(cfg);
    free(cfg_dir);
    dwh_plugin_unref(p);
    dwhi_cli_plugins_close(&pl);
    return rc;
}

DWHI_CLI_COMMAND(read, .name = "read", .summary = "run one schema of a source and print its rows as JSON lines",
                .run = cmd_read, .options = options, .operand = "source", .flags = DWHI_CLI_CANCELLABLE,
                .operand_missing = "which source? e.g. 'dwhost read files --config c.json --schema customers'",
                .description = "Runs the source's schema NAME and prints its rows on stdout, one compact JSON "
                               "object per line (UTF-8).  Logs and errors go to stderr.",
                .exit_status = "0 done (or --limit reached, or stdout closed by the reader); 1 the source failed; "
                               "2 usage; 3 plugin not found or not loadable; 4 config invalid, unknown schema or "
                               "an incremental field the schema does not advertise; 5 credentials rejected; 6 "
                               "source unreachable; 7 state file unreadable or unwritable; 8 stdout could not be "
                               "written; 9 interrupted by SIGINT/SIGTERM (rows printed so far are complete; "
                               "--state-out holds the resume point); 11 the plugin crashed.")
