/*
 * cmd_read.c -- `dwhost read`: runs one schema of a source and prints its
 * rows on stdout as JSON lines.  Resume state can be read from and written
 * to files, so a read interrupted by a signal or a failure picks up where
 * its last durable page ended.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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
#include "core/ctx.h"
#include "core/emit.h"
#include "core/log.h"
#include "sync/schema_lookup.h"
#include "ops/ops.h"
#include "log/secrets.h"

static void help(FILE *out) {
    fprintf(out,
            "usage: dwhost read <source> --config FILE --schema NAME [--plugin-dir DIR]...\n"
            "                   [--limit N] [--state-in FILE] [--state-out FILE] [--reset]\n"
            "                   [--incremental-field FIELD [--last-value V] [--earliest-value V]]\n"
            "                   [--allow-internal] [--http-timeout S]\n"
            "                   [--log-level L] [--log-format F] [--log-file F]\n\n"
            "Runs the source's schema NAME and prints its rows on stdout, one compact JSON\n"
            "object per line (UTF-8).  Logs and errors go to stderr.\n\n"
            "options:\n" DWH_CLI_PLUGIN_DIR_HELP
            "  --schema NAME       the schema to read (see 'dwhost describe <source>')\n"
            "  --config FILE       the source's JSON config (\"-\" reads standard input); it is\n"
            "                      validated against the source's form before plugin code runs\n"
            "  --limit N           stop after N rows (exit 0); state is saved only for\n"
            "                      pages that were printed completely\n"
            "  --state-in FILE     resume from the state saved in FILE (a missing FILE\n"
            "                      means start from the beginning)\n"
            "  --state-out FILE    after every page the source saves, flush stdout and\n"
            "                      replace FILE atomically with the resume state\n"
            "  --reset             ignore any state (--state-in) and start over\n"
            "  --incremental-field FIELD  read incrementally on FIELD (one the schema\n"
            "                      advertises); --last-value / --earliest-value give the\n"
            "                      watermarks (JSON scalars; other text is taken as a string)\n"
            "  --allow-internal    let the source reach loopback and private addresses\n" DWH_CLI_HTTP_HELP
            DWH_CLI_LOG_HELP
            "  -h, --help          show this help\n\n"
            "exit status: 0 done (or --limit reached, or stdout closed by the reader);\n"
            "1 the source failed; 2 usage; 3 plugin not found or not loadable; 4 config\n"
            "invalid, unknown schema or an incremental field the schema does not advertise;\n"
            "5 credentials rejected; 6 source unreachable; 7 state file unreadable or\n"
            "unwritable; 8 stdout could not be written; 9 interrupted by SIGINT/SIGTERM\n"
            "(rows printed so far are complete; --state-out holds the resume point);\n"
            "11 the plugin crashed.\n");
}

/* Set by SIGINT/SIGTERM; polled by the plugin through api->cancelled. */
static volatile int cancel_flag;

static void on_signal(int sig) {
    (void)sig;
    cancel_flag = 1;
}

typedef struct read_sink {
    dwh_row_sink sink;
    long long limit;         /* < 0: none */
    long long printed;
    int limit_reached;
    int stdout_closed;
    const char *state_out;   /* NULL: state saves are dropped */
    char *state_in;          /* saved state text, owned; NULL: none */
    long long states_written;
} read_sink;

static dw_status on_row(void *ud, dw_ctx *ctx, json_object *row) {
    read_sink *s = ud;
    if (s->limit >= 0 && s->printed >= s->limit) {
        s->limit_reached = 1;
        return dwh_ctx_fail_host(ctx, DW_ERR_CANCELLED, "row limit %lld reached", s->limit);
    }
    const char *text = json_object_to_json_string_ext(row, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    if (!text) return dwh_ctx_fail_host(ctx, DW_ERR_NOMEM, "out of memory printing a row");
    if (fputs(text, stdout) == EOF || putchar('\n') == EOF) {
        if (errno == EPIPE) {
            s->stdout_closed = 1;
            return dwh_ctx_fail_host(ctx, DW_ERR_SINK, "stdout was closed by the reader");
        }
        return dwh_ctx_fail_host(ctx, DW_ERR_SINK, "cannot write to stdout: %s", strerror(errno));
    }
    s->printed++;
    return DW_OK;
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

static dw_status on_state_save(void *ud, dw_ctx *ctx, const char *state) {
    read_sink *s = ud;
    /* The state claims every row before it is durable: for stdout that
     * means flushed to the reader. */
    if (fflush(stdout) != 0) {
        if (errno == EPIPE) {
            s->stdout_closed = 1;
            return dwh_ctx_fail_host(ctx, DW_ERR_SINK, "stdout was closed by the reader");
        }
        return dwh_ctx_fail_host(ctx, DW_ERR_SINK, "cannot write to stdout: %s", strerror(errno));
    }
    if (!s->state_out) return DW_OK;
    if (write_file_atomic(s->state_out, state) != 0)
        return dwh_ctx_fail_host(ctx, DW_ERR_STATE, "cannot write the state file %s: %s", s->state_out,
                                 strerror(errno));
    s->states_written++;
    return DW_OK;
}

static const char *on_state_load(void *ud, dw_ctx *ctx) { return ((read_sink *)ud)->state_in; }

/* The one place read turns --config FILE into the validated config that
 * plugin code sees (and the secrets every message is scrubbed of): see
 * config_load.h.  Returns a new object, or NULL with *exit_code after the
 * problems were printed. */
static json_object *load_config(dwh_plugin *p, const char *path, dwh_secrets *secrets, int *exit_code) {
    json_object *cfg = NULL;
    *exit_code = dwh_cli_load_config(p, path, secrets, &cfg, NULL);
    return *exit_code == DWH_EXIT_OK ? cfg : NULL;
}

/* Reads --state-in: the text of a JSON object, NULL when the file does not
 * exist (first run).  Prints the error and sets *exit_code on a bad file. */
static char *load_state(const char *path, int *exit_code, int *failed) {
    *failed = 0;
    if (!path) return NULL;
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT) {
        dwh_log(NULL, DW_LOG_INFO, "read.state", "state file %s does not exist yet; starting from the beginning",
                path);
        return NULL;
    }
    int rc = 0;
    json_object *o = dwh_cli_read_json_file(path, "state", &rc);
    if (!o || !json_object_is_type(o, json_type_object)) {
        if (o) fprintf(stderr, "dwhost: read: state file %s must hold a JSON object; remove it to start over\n", path);
        json_object_put(o);
        *exit_code = DWH_EXIT_STATE;
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
    if (dwh_json_parse_strict(v, strlen(v), &o, err, sizeof err) != 0) o = NULL;
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
    const char *source, *schema, *config, *state_in, *state_out;
    const char *inc_field, *last_value, *earliest_value;
    long long limit;
    int reset, allow_internal;
    dwh_cli_log log;
    dwh_cli_http http;
} read_args;

/* Parses argv into a; returns -1 to exit with *rc (usage or help). */
static int parse_args(dwh_cli_plugins *pl, int argc, char **argv, read_args *a, int *rc) {
    memset(a, 0, sizeof *a);
    a->limit = -1;
    a->log = (dwh_cli_log)DWH_CLI_LOG_INIT;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int r = dwh_cli_plugin_dir_arg(pl, argc, argv, &i);
        if (r == 0) r = dwh_cli_log_arg(&a->log, argc, argv, &i);
        if (r == 0) r = dwh_cli_http_arg(&a->http, argc, argv, &i);
        if (r < 0) {
            *rc = DWH_EXIT_USAGE;
            return -1;
        }
        if (r > 0) continue;
        if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
            help(stdout);
            *rc = DWH_EXIT_OK;
            return -1;
        }
        const char **target = NULL;
        const char *name = arg;
        if (!strcmp(arg, "--schema")) target = &a->schema;
        else if (!strcmp(arg, "--config")) target = &a->config;
        else if (!strcmp(arg, "--state-in")) target = &a->state_in;
        else if (!strcmp(arg, "--state-out")) target = &a->state_out;
        else if (!strcmp(arg, "--incremental-field")) target = &a->inc_field;
        else if (!strcmp(arg, "--last-value")) target = &a->last_value;
        else if (!strcmp(arg, "--earliest-value")) target = &a->earliest_value;
        const char *value = NULL;
        if (target || !strcmp(arg, "--limit")) {
            if (i + 1 >= argc) {
                *rc = dwh_cli_usage_error("read", "%s needs a value", name);
                return -1;
            }
            value = argv[++i];
        }
        if (target) {
            *target = value;
        } else if (!strcmp(arg, "--limit")) {
            char *end;
            errno = 0;
            a->limit = strtoll(value, &end, 10);
            if (errno || *end || a->limit < 0) {
                *rc = dwh_cli_usage_error("read", "--limit needs a number >= 0, not '%s'", value);
                return -1;
            }
        } else if (!strcmp(arg, "--reset")) {
            a->reset = 1;
        } else if (!strcmp(arg, "--allow-internal")) {
            a->allow_internal = 1;
        } else if (arg[0] == '-' && arg[1]) {
            *rc = dwh_cli_usage_error("read", "unknown option '%s'", arg);
            return -1;
        } else if (!a->source) {
            a->source = arg;
        } else {
            *rc = dwh_cli_usage_error("read", "unexpected argument '%s' (one source at a time)", arg);
            return -1;
        }
    }
    if (!a->source) {
        *rc = dwh_cli_usage_error("read", "which source? e.g. 'dwhost read files --config c.json --schema customers'");
        return -1;
    }
    if (!a->config) {
        *rc = dwh_cli_usage_error("read", "--config FILE is required (the source's JSON config)");
        return -1;
    }
    if (!a->schema) {
        *rc = dwh_cli_usage_error("read", "--schema NAME is required (see 'dwhost describe %s')", a->source);
        return -1;
    }
    if ((a->last_value || a->earliest_value) && !a->inc_field) {
        *rc = dwh_cli_usage_error("read", "--last-value and --earliest-value need --incremental-field");
        return -1;
    }
    return 0;
}

static int cmd_read(int argc, char **argv) {
    dwh_cli_plugins pl = {0};
    read_args a;
    int rc = DWH_EXIT_OK;
    if (parse_args(&pl, argc, argv, &a, &rc) != 0) {
        dwh_cli_plugins_close(&pl);
        return rc;
    }
    if (dwh_cli_log_open(&a.log, "read") != 0 || dwh_cli_http_apply(&a.http, "read") != 0) {
        dwh_cli_log_close(&a.log);
        dwh_cli_plugins_close(&pl);
        return DWH_EXIT_USAGE;
    }

    rc = dwh_cli_plugins_open(&pl);
    dwh_plugin *p = rc ? NULL : dwh_cli_find_source(&pl, a.source, &rc);
    dwh_secrets *secrets = dwh_secrets_new();
    json_object *cfg = NULL;
    char *state_in = NULL, *last = NULL, *earliest = NULL;
    int state_failed = 0;
    if (p) {
        /* A plugin whose init fails is a plugin problem (exit 3), before
         * any config is looked at. */
        const char *err = NULL;
        if (dwh_plugin_activate(p, &err) != DW_OK) {
            fprintf(stderr, "dwhost: read: plugin '%s' could not start: %s\n", a.source, err ? err : "init() failed");
            rc = DWH_EXIT_PLUGIN;
        } else {
            cfg = load_config(p, a.config, secrets, &rc);
        }
    }
    if (cfg && secrets) {
        /* an unknown schema or incremental field: the same line and exit
         * code as sync (and check, for the schema) */
        char *serr = NULL;
        dwh_op_flags lf = {.allow_internal_hosts = a.allow_internal};
        if (dwh_schema_lookup_field(p, cfg, secrets, &lf, a.schema, a.inc_field, &serr) == 0) {
            fprintf(stderr, "dwhost: read: %s: %s\n", a.source, serr);
            free(serr);
            rc = DWH_EXIT_CONFIG;
            goto out;
        }
    }
    if (cfg && !a.reset) state_in = load_state(a.state_in, &rc, &state_failed);
    if (!p || !cfg || state_failed || !secrets) goto out;

    read_sink s = {.sink = {.row = on_row, .state_save = on_state_save, .state_load = on_state_load},
                   .limit = a.limit, .state_out = a.state_out, .state_in = state_in};
    s.sink.ud = &s;
    last = a.last_value ? scalar_arg(a.last_value) : NULL;
    earliest = a.earliest_value ? scalar_arg(a.earliest_value) : NULL;
    dw_run_inputs in = {.struct_size = sizeof in, .schema_name = a.schema, .reset_pipeline = a.reset,
                        .use_incremental = a.inc_field != NULL, .incremental_field = a.inc_field,
                        .incremental_last_value = last, .incremental_earliest_value = earliest};

    /* Signals only set the flag; the plugin stops at its next check and
     * every row printed so far is complete. */
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* a closed stdout is an EPIPE we handle */
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);

    dwh_op_flags flags = {.cancel = &cancel_flag, .allow_internal_hosts = a.allow_internal};
    dwh_op_result r = dwh_op_run(p, cfg, secrets, NULL, &flags, &in, &s.sink);
    int flushed = fflush(stdout) == 0;
    if (!flushed && errno == EPIPE) s.stdout_closed = 1;

    if (s.stdout_closed) {
        rc = DWH_EXIT_OK; /* the reader had enough, like `| head` */
    } else if (r.code == DW_OK && !flushed) {
        fprintf(stderr, "dwhost: read: cannot write to stdout: %s\n", strerror(errno));
        rc = DWH_EXIT_WAREHOUSE;
    } else if (r.code == DW_OK || (s.limit_reached && r.code == DW_ERR_CANCELLED)) {
        dwh_log(NULL, DW_LOG_INFO, "read.done", "%s/%s: %lld rows%s, %llu state saves", a.source, a.schema,
                s.printed, s.limit_reached ? " (limit reached)" : "", (unsigned long long)r.state_saves);
        rc = DWH_EXIT_OK;
    } else if (r.code == DW_ERR_CANCELLED && cancel_flag) {
        fprintf(stderr, "dwhost: read: %s/%s: interrupted after %lld rows; %s%s\n", a.source, a.schema, s.printed,
                a.state_out && s.states_written ? "resume with --state-in " : "no resume state was saved",
                a.state_out && s.states_written ? a.state_out : "");
        rc = DWH_EXIT_INTERRUPTED;
    } else {
        fprintf(stderr, "dwhost: read: %s/%s: %s\n", a.source, a.schema, r.message ? r.message : "failed");
        rc = dwh_cli_exit_for(r.cause);
    }
    dwh_op_result_free(&r);
out:
    free(last);
    free(earliest);
    free(state_in);
    if (cfg) json_object_put(cfg);
    dwh_secrets_free(secrets);
    dwh_plugin_unref(p);
    dwh_cli_plugins_close(&pl);
    dwh_cli_log_close(&a.log);
    return rc;
}

DWH_CLI_COMMAND(read, "read", "run one schema of a source and print its rows as JSON lines", cmd_read)
