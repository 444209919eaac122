/* cmd_sync.c -- `dwhost sync`: a source's schemas into the warehouse (or
 * JSON lines), resumably, through dwhost.h's dwh_sync_plugin; progress,
 * and the summary and exit code rendered from its report document. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli_common.h"
#include "cli_config.h"
#include "cli_exit.h"
#include "cli_http.h"
#include "cli_log.h"
#include "cli_isolate.h"
#include "cli_signal.h"
#include "base/shell_word.h"
#include "base/write_mode.h"

/* ---- progress --------------------------------------------------------- */

typedef struct progress_state {
    int tty;
    double last_print;
} progress_state;

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void on_progress(void *ud, const dwh_sync_progress *p) {
    progress_state *ps = ud;
    if (!ps->tty) return;
    double t = now_s();
    if (!p->done && p->rows > 0 && t - ps->last_print < 0.2) return;
    if (!p->done && p->rows == 0) return; /* nothing to show yet */
    ps->last_print = t;
    double rate = p->seconds > 0 ? (double)p->rows / p->seconds : 0;
    fprintf(stderr, "\r\033[Kschema %zu/%zu %s: %" PRIu64 " rows, %.0f rows/s, %" PRIu64 " batches%s", p->index,
            p->count, p->schema, p->rows, rate, p->batches, p->done ? "\n" : "");
    fflush(stderr);
}

/* ---- options ---------------------------------------------------------- */

static struct {
    dwh_sync_options o;
    const char *config, *output;
    dwhi_cli_list schemas, fields;
    int json, isolate, heartbeat_s, memory_mb;
} A;

static int opt_namespace(const char *cmd, const dwhi_cli_opt *opt, const char *v) {
    if (!*v) {
        dwhi_cli_usage_error(cmd, "--%s wants a name, got an empty one", opt->long_name);
        return -1;
    }
    *(const char **)opt->target = v;
    return 0;
}

static int opt_mode(const char *cmd, const dwhi_cli_opt *opt, const char *v) {
    if (!dwhi_write_mode_parse(v)) {
        dwhi_cli_usage_error(cmd, "--mode must be incremental, full or append, got '%s'", v);
        return -1;
    }
    *(const char **)opt->target = v;
    return 0;
}

static const dwhi_cli_opt options[] = {
    DWHI_OPT_STRING(0, "config", "FILE", "the source's config (JSON; '-' reads stdin)", &A.config,
                   .flags = DWHI_OPT_REQUIRED),
    DWHI_OPT_LIST(0, "schema", "NAME",
                 "sync this schema (repeatable; default: the schemas the source syncs by default)", &A.schemas),
    DWHI_OPT_STRING(0, "warehouse", "PATH|URL",
                   "the SQLite warehouse file (default ./warehouse.db), or a PostgreSQL database: "
                   "postgres://USER@HOST:PORT/DB, postgresql://... or a libpq conninfo 'host=... dbname=...'",
                   &A.o.warehouse_path),
    DWHI_OPT_STRING(0, "table-prefix", "P", "tables are named <P><source>_<schema> (default: no prefix)",
                   &A.o.table_prefix),
    DWHI_OPT_STRING(0, "state", "URL",
                   "also keep the resume state in Redis: redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] (port 6379, "
                   "db 0)",
                   &A.o.state_url),
    DWHI_OPT_CALLBACK(0, "state-ttl", "SECONDS", "expiry of the Redis state (default 86400)", &A.o.state_ttl_s,
                     dwhi_cli_opt_positive_int, .unit = "seconds"),
    DWHI_OPT_CALLBACK(0, "state-timeout", "MS", "Redis connect and command timeout (default 3000)",
                     &A.o.state_timeout_ms, dwhi_cli_opt_positive_int, .unit = "milliseconds"),
    DWHI_OPT_CALLBACK(0, "state-namespace", "NS",
                     "keep a separate resume state and watermarks under NS (in the warehouse and in Redis), e.g. "
                     "one per destination warehouse that shares a Redis (default: none)",
                     &A.o.state_namespace, opt_namespace),
    DWHI_OPT_CALLBACK(0, "mode", "MODE",
                     "incremental (merge on primary keys), full (replace the table) or append; default: "
                     "incremental when the schema supports it and has primary keys, else full",
                     &A.o.mode, opt_mode, .values = "incremental full append"),
    DWHI_OPT_FLAG(0, "full-refresh",
                 "replace every table with a fresh copy; a full refresh that was interrupted is resumed, not "
                 "started over",
                 &A.o.full_refresh),
    DWHI_OPT_FLAG(0, "restart-refresh", "a full refresh that starts over, discarding an interrupted one",
                 &A.o.restart_refresh),
    DWHI_OPT_FLAG(0, "reset", "forget saved progress and watermarks, then sync", &A.o.reset),
    DWHI_OPT_LIST(0, "incremental-field", "F",
                 "the watermark field, [SCHEMA=]FIELD (repeatable); it must be one the schema advertises "
                 "(default: the first advertised)",
                 &A.fields),
    DWHI_OPT_CALLBACK(0, "batch-rows", "N", "rows per batch (default 5000)", &A.o.batch_rows,
                     dwhi_cli_opt_positive_size, .unit = "rows"),
    DWHI_OPT_CALLBACK(0, "batch-bytes", "N", "bytes per batch, suffix k/M/G allowed (default 200M)",
                     &A.o.batch_bytes, dwhi_cli_opt_positive_size, .unit = "bytes"),
    DWHI_OPT_STRING(0, "team-id", "T", "team of the job (default: local)", &A.o.team_id),
    DWHI_OPT_STRING(0, "source-id", "S",
                   "source id of the job (default: the source name); resume state is keyed by team, source id "
                   "and schema",
                   &A.o.source_id),
    DWHI_OPT_STRING(0, "job-id", "J", "this run's id for the logs (default: a new UUID)", &A.o.job_id),
    DWHI_OPT_FLAG(0, "break-lease",
                 "run even if another sync of the same job seems to be running (only when you know it died on "
                 "another host)",
                 &A.o.break_lease),
    DWHI_OPT_FLAG(0, "json", "print the summary as one JSON document", &A.json),
    DWHI_OPT_STRING(0, "output", "jsonl",
                   "stream rows to stdout as JSON lines instead of a warehouse, one {\"schema\": NAME, \"row\": "
                   "{...}} object per line",
                   &A.output, .values = "jsonl"),
    DWHI_OPT_FLAG(0, "allow-internal", "let the source reach loopback and private addresses",
                 &A.o.allow_internal_hosts),
    DWHI_OPT_FLAG(0, "isolate",
                  "run the sync in a supervised child process: a plugin that hangs (--heartbeat-timeout) or dies "
                  "in a way its own process cannot report is ended with one line and exit 11; rerun to resume",
                  &A.isolate),
    DWHI_OPT_CALLBACK(0, "heartbeat-timeout", "SECONDS",
                      "with --isolate: a plugin that shows no sign of life (no row, HTTP transfer or cancel check) "
                      "this long is killed (default 300)",
                      &A.heartbeat_s, dwhi_cli_opt_positive_int, .unit = "seconds"),
    DWHI_OPT_CALLBACK(0, "memory-limit", "MIB", "with --isolate: the address-space limit of the sync's process",
                      &A.memory_mb, dwhi_cli_opt_positive_int, .unit = "MiB"),
    DWHI_CLI_OPT_HTTP_TIMEOUT,
    DWHI_CLI_OPT_PLUGIN_DIR,
    DWHI_CLI_OPTS_LOG,
    DWHI_OPT_HELP(),
    DWHI_OPT_END(),
};

/* ---- output ----------------------------------------------------------- */

/* The exit code of a run that ended with `failure`; `st` is what
 * dwh_sync_plugin returned (the plugin's own status for a source failure). */
static int exit_for(dwh_sync_failure failure, dw_status st) {
    switch (failure) {
    case DWH_SYNC_OK: return DWHI_EXIT_OK;
    case DWH_SYNC_FAIL_SOURCE: return dwhi_cli_exit_for(st);
    case DWH_SYNC_FAIL_CONFIG: return DWHI_EXIT_CONFIG;
    case DWH_SYNC_FAIL_DATA: return DWHI_EXIT_FAILURE;
    case DWH_SYNC_FAIL_STATE: return DWHI_EXIT_STATE;
    case DWH_SYNC_FAIL_WAREHOUSE: return DWHI_EXIT_WAREHOUSE;
    case DWH_SYNC_FAIL_INTERRUPTED: return DWHI_EXIT_INTERRUPTED;
    case DWH_SYNC_FAIL_PLUGIN: return DWHI_EXIT_PLUGIN;
    case DWH_SYNC_FAIL_RUNNING: return DWHI_EXIT_RUNNING;
    }
    return DWHI_EXIT_FAILURE;
}

/* Members of the report document (dwhost.h dwh_sync); a missing or null
 * member reads as NULL / 0. */
static json_object *member(json_object *o, const char *key) {
    json_object *v = NULL;
    return json_object_object_get_ex(o, key, &v) ? v : NULL;
}
static const char *str(json_object *o, const char *key) {
    json_object *v = member(o, key);
    return v ? json_object_get_string(v) : NULL;
}
static int64_t num(json_object *o, const char *key) { return json_object_get_int64(member(o, key)); }
static int flag(json_object *o, const char *key) { return json_object_get_boolean(member(o, key)); }

/* A watermark (a JSON value of the report) as the library stores it: JSON
 * text, strings quoted. */
static const char *value_text(json_object *v) {
    return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

static void print_schema_lines(FILE *out, json_object *s, int ws) {
    const char *field = str(s, "incremental_field");
    json_object *last = member(s, "last_value"), *earliest = member(s, "earliest_value");
    if (field)
        fprintf(out, "  %-*s  incremental field %s%s, last value %s%s%s\n", ws, "", field,
                flag(s, "incremental_field_defaulted") ? "*" : "", last ? value_text(last) : "none",
                earliest ? ", earliest " : "", earliest ? value_text(earliest) : "");
    json_object *wh = member(s, "webhooks");
    if (wh) {
        char pending[112] = "";
        int64_t n_pending = num(wh, "pending"), n_stale = num(wh, "stale");
        uint64_t payloads = (uint64_t)num(wh, "payloads"), rows = (uint64_t)num(wh, "rows");
        if (n_pending > 0) snprintf(pending, sizeof pending, ", %" PRId64 " waiting", n_pending);
        if (n_stale > 0)
            snprintf(pending + strlen(pending), sizeof pending - strlen(pending),
                     ", %" PRId64 " older than this full read passed over", n_stale);
        fprintf(out, "  %-*s  webhooks %s: %" PRIu64 " payload%s, %" PRIu64 " row%s applied%s\n", ws, "",
                str(wh, "status"), payloads, payloads == 1 ? "" : "s", rows, rows == 1 ? "" : "s", pending);
    }
}

/* The text summary of the report document `r`. */
static void print_summary(FILE *out, json_object *r) {
    const char *warehouse = str(r, "warehouse"), *ns = str(r, "state_namespace");
    json_object *schemas = member(r, "schemas");
    size_t n = json_object_array_length(schemas);
    fprintf(out, "%s %s (job %s) in %.1f s%s%s%s%s\n", flag(r, "ok") ? "synced" : "sync stopped:", str(r, "source"),
            str(r, "job_id"), json_object_get_double(member(r, "seconds")), warehouse ? " into " : "",
            warehouse ? warehouse : "", ns ? ", state namespace " : "", ns ? ns : "");
    int defaulted = 0;
    if (n) {
        size_t ws = 6, wt = 5;
        for (size_t i = 0; i < n; i++) {
            json_object *s = json_object_array_get_idx(schemas, i);
            const char *table = str(s, "table");
            if (strlen(str(s, "schema")) > ws) ws = strlen(str(s, "schema"));
            if (table && strlen(table) > wt) wt = strlen(table);
        }
        fprintf(out, "  %-*s  %-*s  %-11s  %10s  %7s  %10s  %s\n", (int)ws, "SCHEMA", (int)wt, "TABLE", "MODE",
                "ROWS", "BATCHES", "TABLE ROWS", "STATUS");
        for (size_t i = 0; i < n; i++) {
            json_object *s = json_object_array_get_idx(schemas, i);
            const char *table = str(s, "table"), *mode = str(s, "mode"), *status = str(s, "status");
            const char *error = str(s, "error");
            int ran = strcmp(status, "not run") != 0;
            char trows[24] = "-", nrows[24] = "-", nbatches[24] = "-";
            if (member(s, "table_rows")) snprintf(trows, sizeof trows, "%" PRId64, num(s, "table_rows"));
            if (ran) {
                snprintf(nrows, sizeof nrows, "%" PRIu64, (uint64_t)num(s, "rows"));
                snprintf(nbatches, sizeof nbatches, "%" PRIu64, (uint64_t)num(s, "batches"));
            }
            fprintf(out, "  %-*s  %-*s  %-11s  %10s  %7s  %10s  %s%s\n", (int)ws, str(s, "schema"), (int)wt,
                    table ? table : "-", mode ? mode : "-", nrows, nbatches, trows, status,
                    flag(s, "resumed") ? " (resumed)" : "");
            if (ran) print_schema_lines(out, s, (int)ws);
            defaulted |= ran && str(s, "incremental_field") && flag(s, "incremental_field_defaulted");
            /* every failure's line (the stderr line names only the first) */
            if (member(s, "failure") && error && n > 1) fprintf(out, "  %-*s  error: %s\n", (int)ws, "", error);
        }
    }
    if (defaulted)
        fprintf(out, "* the first incremental field the schema advertises; choose one with "
                     "--incremental-field [SCHEMA=]FIELD\n");
    /* a query hint only for a table that exists */
    for (size_t i = 0; warehouse && i < n; i++) {
        json_object *s = json_object_array_get_idx(schemas, i);
        if (!str(s, "table") || !member(s, "table_rows")) continue;
        const char *kind = str(r, "warehouse_kind");
        int pg = kind && !strcmp(kind, "postgresql");
        fprintf(out, "query it: %s ", pg ? "psql" : "sqlite3");
        dwhi_shell_word(out, warehouse);
        fprintf(out, " %s'select count(*) from %s'\n", pg ? "-c " : "", str(s, "table"));
        break;
    }
    json_object *http = member(r, "http");
    if (http) {
        long long req = num(http, "requests"), retries = num(http, "retries"), in = num(http, "bytes_in");
        long long wait = num(http, "rate_limit_wait_ms");
        if (req) fprintf(out, "http: %lld requests, %lld retries, %lld bytes in, %lld ms waiting on rate limits\n", req,
                         retries, in, wait);
    }
}

/* The report's "rerun" commands (scrubbed by the library), one "to ...:
 * COMMAND" line each. */
static void print_rerun(FILE *out, json_object *rerun) {
    const char *resume = str(rerun, "resume");
    if (resume) fprintf(out, "to resume: %s\n", resume);
    json_object *restart = member(rerun, "restart");
    if (!restart) return;
    json_object_object_foreach(restart, schema, cmd) {
        if (cmd) fprintf(out, "to start the refresh of %s over instead: %s\n", schema, json_object_get_string(cmd));
    }
}

/* The run's "interrupted[ WHERE]; WHAT IS KEPT" as cli_signal.h's line:
 * "dwhost: sync: interrupted[ WHERE] (SIGINT); WHAT IS KEPT". */
static void print_interrupted(const char *msg) {
    const char *rest = msg && !strncmp(msg, "interrupted", 11) ? msg + 11 : NULL;
    const char *semi = rest ? strstr(rest, "; ") : NULL;
    if (!semi || (rest[0] != ' ' && rest[0] != ';')) {
        dwhi_cli_interrupted(NULL, "%s", msg ? msg : "committed batches are kept; rerun to resume");
        return;
    }
    char where[256] = "";
    if (rest[0] == ' ') snprintf(where, sizeof where, "%.*s", (int)(semi - rest - 1), rest + 1);
    dwhi_cli_interrupted(where[0] ? where : NULL, "%s", semi + 2);
}

/* ---- the command ------------------------------------------------------ */

/* The --json document: the report with its "exit_code", members in the
 * order `dwhost sync --json` has always printed them ("exit_code", then
 * "rerun", after the report's own; members added later after those). */
static void print_json(FILE *out, json_object *doc, int rc) {
    json_object *later = json_object_get(member(doc, "warehouse_kind"));
    int has_later = json_object_object_get_ex(doc, "warehouse_kind", NULL);
    json_object_object_del(doc, "warehouse_kind");
    json_object *rerun = json_object_get(member(doc, "rerun"));
    json_object_object_del(doc, "rerun");
    json_object_object_add(doc, "exit_code", json_object_new_int(rc));
    json_object_object_add(doc, "rerun", rerun);
    if (has_later) json_object_object_add(doc, "warehouse_kind", later);
    else json_object_put(later);
    fprintf(out, "%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static int cmd_sync(const dwhi_cli_invocation *inv) {
    dwhi_cli_plugins pl = {0};
    dwh_sync_options o = A.o;
    const char *source = inv->operand, *config_path = A.config, *output = A.output;
    int argc = inv->argc, json = A.json, rc = DWHI_EXIT_OK;
    /* the whole command line, for the commands that resume (the report's "rerun") */
    const char **words = calloc((size_t)argc + 1, sizeof *words);
    dwh_plugin *p = NULL;
    char *config = NULL, *base_dir = NULL, *config_report = NULL, *report_json = NULL, *error = NULL;
    json_object *report = NULL;
    if (!words) {
        fprintf(stderr, "dwhost: sync: out of memory\n");
        return DWHI_EXIT_FAILURE;
    }
    words[0] = "dwhost";
    for (int i = 0; i < argc; i++) words[i + 1] = inv->argv[i];
    const char *refresh = o.restart_refresh ? "--restart-refresh" : o.full_refresh ? "--full-refresh" : NULL;
    if (refresh && o.reset) {
        rc = dwhi_cli_usage_error("sync", "%s and --reset exclude each other (--restart-refresh starts a refresh over)",
                                 refresh);
        goto out;
    }
    if (refresh && o.mode && dwhi_write_mode_parse(o.mode) != DWHI_WRITE_REPLACE) {
        rc = dwhi_cli_usage_error("sync", "%s replaces tables; it cannot be combined with --mode %s", refresh, o.mode);
        goto out;
    }
    if (output && strcmp(output, "jsonl") != 0) {
        rc = dwhi_cli_usage_error("sync", "--output supports only 'jsonl', got '%s'", output);
        goto out;
    }
    if ((A.heartbeat_s || A.memory_mb) && !A.isolate) {
        rc = dwhi_cli_usage_error("sync", "--%s watches an isolated sync; add --isolate",
                                  A.heartbeat_s ? "heartbeat-timeout" : "memory-limit");
        goto out;
    }
    if (A.isolate && !dwhi_cli_isolate_is_child()) { /* the supervisor: the child runs this same command */
        rc = dwhi_cli_isolate_supervise(argc, inv->argv, source, A.heartbeat_s ? A.heartbeat_s : 300, A.memory_mb);
        goto out;
    }
    if (A.isolate && (rc = dwhi_cli_isolate_child_start()) != DWHI_EXIT_OK) goto out;
    if (output && (o.warehouse_path || o.table_prefix)) {
        rc = dwhi_cli_usage_error("sync", "--output jsonl writes no warehouse; drop --warehouse/--table-prefix");
        goto out;
    }
    o.schemas = A.schemas.v;
    o.n_schemas = A.schemas.n;
    o.incremental_fields = A.fields.v;
    o.n_incremental_fields = A.fields.n;
    o.command = words; /* recorded in the run history: status names the command that resumes */
    o.n_command = (size_t)argc + 1;
    if (output) o.jsonl_out = stdout;

    dwhi_cli_log_text_identity(); /* every line of the run names its job */
    if ((rc = dwhi_cli_plugins_open(&pl)) != DWHI_EXIT_OK) goto out;
    if (!(p = dwhi_cli_find_source(&pl, source, &rc))) goto out;
    rc = dwhi_cli_config_checked(p, config_path, &config, &base_dir, NULL, json ? &config_report : NULL);
    if (rc != DWHI_EXIT_OK) {
        if (json && config_report) { /* the validation errors, for machines */
            json_object *doc = json_object_new_object();
            json_object_object_add(doc, "ok", json_object_new_boolean(0));
            json_object_object_add(doc, "failure", json_object_new_string("config"));
            json_object_object_add(doc, "config", json_tokener_parse(config_report));
            json_object_object_add(doc, "exit_code", json_object_new_int(rc));
            dwhi_cli_print_json(output ? stderr : stdout, doc, 1);
            json_object_put(doc);
        }
        goto out;
    }

    /* Ctrl-C: the run stops after its current batch (cli_signal.h); a
     * closed stdout is an error we report (main ignores SIGPIPE). */
    o.cancel = dwhi_cli_cancel;
    progress_state ps = {.tty = isatty(STDERR_FILENO) && !json};
    o.progress = on_progress;
    o.progress_ud = &ps;

    dwh_sync_failure failure = DWH_SYNC_OK;
    dw_status st = dwh_sync_plugin(p, config, base_dir, &o, &failure, &report_json, &error);
    rc = exit_for(failure, st);
    if (!report_json || !(report = json_tokener_parse(report_json))) { /* out of memory */
        fprintf(stderr, "dwhost: sync: %s\n", error ? error : "out of memory");
        if (rc == DWHI_EXIT_OK) rc = DWHI_EXIT_FAILURE;
        goto out;
    }
    FILE *summary = output ? stderr : stdout;
    if (json) {
        print_json(summary, report, rc);
    } else {
        print_summary(summary, report);
        json_object *rerun = member(report, "rerun");
        if (rerun) print_rerun(summary, rerun);
    }
    if (failure != DWH_SYNC_OK) {
        const char *msg = str(report, "error");
        if (failure == DWH_SYNC_FAIL_INTERRUPTED && dwhi_cli_interrupt_signal())
            print_interrupted(msg ? msg : "failed");
        else
            fprintf(stderr, "dwhost: sync: %s\n", msg ? msg : "failed");
    }
out:
    dwhi_cli_isolate_child_stop();
    json_object_put(report);
    free(report_json);
    free(error);
    dwh_free_secret(config);
    free(base_dir);
    free(config_report);
    dwh_plugin_unref(p);
    dwhi_cli_plugins_close(&pl);
    free(words);
    return rc;
}

DWHI_CLI_COMMAND(
    sync, .name = "sync", .summary = "sync a source's schemas into the warehouse, resumably", .run = cmd_sync,
    .options = options, .operand = "source", .flags = DWHI_CLI_CANCELLABLE,
    .operand_missing = "which source? e.g. dwhost sync files --config files.json",
    .description =
        "Moves a source's schemas into the warehouse (SQLite, ./warehouse.db), batch by batch.  Each batch is "
        "committed together with the resume state; rerunning the same command after a crash or Ctrl-C resumes where "
        "it stopped, without losing or duplicating rows.  Schemas sync independently: one failing does not stop the "
        "others, unless none of its requests reached the source (DNS, refused): then the schemas after it are not "
        "run.  One run per job: a second sync of the same (team, source id, schema) while one runs fails at once.  "
        "A source's webhook schemas first apply the payloads 'dwhost webhook' stored for them (incremental mode, "
        "once their initial sync has completed; not with --reset or --full-refresh), then pull.",
    .exit_status =
        "0 synced; 1 failed (see the message; also a rate limit resetting later than a request waits, or a stored "
        "webhook payload the plugin cannot transform: drop it with 'dwhost webhook SOURCE --drop ID'); 2 usage; 3 "
        "plugin not found; 4 invalid config, options or unknown schema; 5 credentials rejected; 6 source "
        "unreachable or timed out; 7 state backend failed; 8 warehouse not writable (locked, read-only, disk "
        "full); 9 interrupted (committed progress is kept; the summary names the command that resumes); 11 the "
        "plugin crashed; 12 the job is already running (another sync holds it).  With several schemas, the exit "
        "status is the first failing schema's.")
