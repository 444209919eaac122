/* cmd_sync.c -- `dwhost sync`: a source's schemas into the warehouse (or
 * JSON lines), resumably; progress, summary, exit codes (see sync.h). */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli_common.h"
#include "cli_config.h"
#include "cli_exit.h"
#include "cli_http.h"
#include "cli_log.h"
#include "sync/sync_rerun.h"
#include "core/log.h"
#include "sync/sync.h"

static void help(FILE *out) {
    fprintf(out,
            "usage: dwhost sync <source> --config FILE [options]\n\n"
            "Moves a source's schemas into the warehouse (SQLite, ./warehouse.db), batch by batch.\n"
            "Each batch is committed together with the resume state; rerunning the same command\n"
            "after a crash or Ctrl-C resumes where it stopped, without losing or duplicating rows.\n"
            "Schemas sync independently: one failing does not stop the others, unless none of its\n"
            "requests reached the source (DNS, refused): then the schemas after it are not run.\n"
            "One run per job: a second sync of the same (team, source id, schema) while one runs\n"
            "fails at once.\n"
            "A source's webhook schemas first apply the payloads 'dwhost webhook' stored for them\n"
            "(incremental mode, once their initial sync has completed; not with --reset or\n"
            "--full-refresh), then pull.\n\n"
            "options:\n"
            "  --config FILE           the source's config (JSON; '-' reads stdin)\n"
            "  --schema NAME           sync this schema (repeatable; default: the schemas the\n"
            "                          source syncs by default)\n"
            "  --warehouse PATH        the SQLite warehouse file (default ./warehouse.db)\n"
            "  --table-prefix P        tables are named <P><source>_<schema> (default: no prefix)\n"
            "  --state URL             also keep the resume state in Redis:\n"
            "                          redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] (port 6379, db 0)\n"
            "  --state-ttl SECONDS     expiry of the Redis state (default 86400)\n"
            "  --state-timeout MS      Redis connect and command timeout (default 3000)\n"
            "  --state-namespace NS    keep a separate resume state and watermarks under NS (in the\n"
            "                          warehouse and in Redis), e.g. one per destination warehouse\n"
            "                          that shares a Redis (default: none)\n"
            "  --mode MODE             incremental (merge on primary keys), full (replace the\n"
            "                          table) or append; default: incremental when the schema\n"
            "                          supports it and has primary keys, else full\n"
            "  --full-refresh          replace every table with a fresh copy; a full refresh that was\n"
            "                          interrupted is resumed, not started over\n"
            "  --restart-refresh       a full refresh that starts over, discarding an interrupted one\n"
            "  --reset                 forget saved progress and watermarks, then sync\n"
            "  --incremental-field F   the watermark field, [SCHEMA=]FIELD (repeatable); it must be\n"
            "                          one the schema advertises (default: the first advertised)\n"
            "  --batch-rows N          rows per batch (default 5000)\n"
            "  --batch-bytes N         bytes per batch, suffix k/M/G allowed (default 200M)\n"
            "  --team-id T             team of the job (default: local)\n"
            "  --source-id S           source id of the job (default: the source name); resume\n"
            "                          state is keyed by team, source id and schema\n"
            "  --job-id J              this run's id for the logs (default: a new UUID)\n"
            "  --break-lease           run even if another sync of the same job seems to be running\n"
            "                          (only when you know it died on another host)\n"
            "  --json                  print the summary as one JSON document\n"
            "  --output jsonl          stream rows to stdout as JSON lines instead of a warehouse,\n"
            "                          one {\"schema\": NAME, \"row\": {...}} object per line\n"
            "  --allow-internal        let the source reach loopback and private addresses\n"
            "  --http-timeout S        give up on one HTTP request after S seconds in all, retries\n"
            "                          and their waits included (1 to 86400; default 600)\n"
            "  --plugin-dir DIR        search DIR for libsource_<name>.so first (repeatable; then\n"
            "                          DWHOST_PLUGIN_PATH, then the installed default directory)\n"
            "  --log-level LEVEL       debug, info, warn or error (default: $DWHOST_LOG_LEVEL,\n"
            "                          else warn)\n"
            "  --log-format FMT        text or json (default: json unless stderr is a terminal)\n"
            "  --log-file FILE         append log lines to FILE instead of stderr\n"
            "  -h, --help              show this help\n\n"
            "exit status: 0 synced; 1 failed (see the message; also a rate limit resetting later\n"
            "than a request waits, or a stored webhook payload the plugin cannot transform: drop\n"
            "it with 'dwhost webhook SOURCE --drop ID'); 2 usage; 3 plugin not found; 4 invalid\n"
            "config, options or unknown schema; 5 credentials rejected; 6 source unreachable or\n"
            "timed out; 7 state backend failed; 8 warehouse not writable (locked, read-only, disk\n"
            "full); 9 interrupted (committed progress is kept; the summary names the command that\n"
            "resumes); 11 the plugin crashed; 12 the job is already running (another sync holds it).\n"
            "With several schemas, the exit status is the first failing schema's.\n");
}

/* ---- signals ---------------------------------------------------------- */

static volatile int cancel_flag;

static void on_signal(int sig) {
    cancel_flag = 1;
    /* a second Ctrl-C stops at once: every commit is atomic anyway */
    signal(sig, SIG_DFL);
}

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

static int parse_size(const char *s, size_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s) return -1;
    if (*end == 'k' || *end == 'K') v <<= 10, end++;
    else if (*end == 'M') v <<= 20, end++;
    else if (*end == 'G') v <<= 30, end++;
    if (*end || v == 0) return -1;
    *out = (size_t)v;
    return 0;
}

static int parse_int(const char *s, int *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v <= 0 || v > 100000000) return -1;
    *out = (int)v;
    return 0;
}

/* ---- output ----------------------------------------------------------- */

static int exit_for(const dwh_sync_report *r) {
    switch (r->failure) {
    case DWH_SYNC_OK: return DWH_EXIT_OK;
    case DWH_SYNC_FAIL_SOURCE: return dwh_cli_exit_for(r->source_code);
    case DWH_SYNC_FAIL_CONFIG: return DWH_EXIT_CONFIG;
    case DWH_SYNC_FAIL_DATA: return DWH_EXIT_FAILURE;
    case DWH_SYNC_FAIL_STATE: return DWH_EXIT_STATE;
    case DWH_SYNC_FAIL_WAREHOUSE: return DWH_EXIT_WAREHOUSE;
    case DWH_SYNC_FAIL_INTERRUPTED: return DWH_EXIT_INTERRUPTED;
    case DWH_SYNC_FAIL_PLUGIN: return DWH_EXIT_PLUGIN;
    case DWH_SYNC_FAIL_RUNNING: return DWH_EXIT_RUNNING;
    }
    return DWH_EXIT_FAILURE;
}

static void print_summary(FILE *out, const dwh_sync_report *r) {
    int ok = r->failure == DWH_SYNC_OK;
    fprintf(out, "%s %s (job %s) in %.1f s%s%s%s%s\n", ok ? "synced" : "sync stopped:", r->source, r->job_id,
            r->seconds, r->warehouse ? " into " : "", r->warehouse ? r->warehouse : "",
            r->state_namespace ? ", state namespace " : "", r->state_namespace ? r->state_namespace : "");
    int defaulted = 0;
    if (r->n_schemas) {
        size_t ws = 6, wt = 5;
        for (size_t i = 0; i < r->n_schemas; i++) {
            if (strlen(r->schemas[i].schema) > ws) ws = strlen(r->schemas[i].schema);
            if (r->schemas[i].table && strlen(r->schemas[i].table) > wt) wt = strlen(r->schemas[i].table);
        }
        fprintf(out, "  %-*s  %-*s  %-11s  %10s  %7s  %10s  %s\n", (int)ws, "SCHEMA", (int)wt, "TABLE", "MODE",
                "ROWS", "BATCHES", "TABLE ROWS", "STATUS");
        for (size_t i = 0; i < r->n_schemas; i++) {
            const dwh_sync_schema_report *s = &r->schemas[i];
            char trows[24] = "-", nrows[24] = "-", nbatches[24] = "-";
            if (s->table_rows >= 0) snprintf(trows, sizeof trows, "%" PRId64, s->table_rows);
            if (s->ran) {
                snprintf(nrows, sizeof nrows, "%" PRIu64, s->rows);
                snprintf(nbatches, sizeof nbatches, "%" PRIu64, s->batches);
            }
            fprintf(out, "  %-*s  %-*s  %-11s  %10s  %7s  %10s  %s%s\n", (int)ws, s->schema, (int)wt,
                    s->table ? s->table : "-", s->mode ? s->mode : "-", nrows, nbatches, trows,
                    dwh_sync_schema_status(s), s->resumed ? " (resumed)" : "");
            if (s->incremental_field && s->ran)
                fprintf(out, "  %-*s  incremental field %s%s, last value %s%s%s\n", (int)ws, "", s->incremental_field,
                        s->field_defaulted ? "*" : "", s->last_value ? s->last_value : "none",
                        s->earliest_value ? ", earliest " : "", s->earliest_value ? s->earliest_value : "");
            if (s->webhooks && s->ran) {
                char pending[112] = "";
                if (s->webhook_pending > 0)
                    snprintf(pending, sizeof pending, ", %" PRId64 " waiting", s->webhook_pending);
                if (s->webhook_stale > 0)
                    snprintf(pending + strlen(pending), sizeof pending - strlen(pending),
                             ", %" PRId64 " older than this full read passed over", s->webhook_stale);
                fprintf(out, "  %-*s  webhooks %s: %" PRIu64 " payload%s, %" PRIu64 " row%s applied%s\n", (int)ws, "",
                        s->webhooks, s->webhook_payloads, s->webhook_payloads == 1 ? "" : "s", s->webhook_rows,
                        s->webhook_rows == 1 ? "" : "s", pending);
            }
            defaulted |= s->ran && s->incremental_field && s->field_defaulted;
            /* every failure's line (the stderr line names only the first) */
            if (s->failure != DWH_SYNC_OK && s->message && r->n_schemas > 1)
                fprintf(out, "  %-*s  error: %s\n", (int)ws, "", s->message);
        }
    }
    if (defaulted)
        fprintf(out, "* the first incremental field the schema advertises; choose one with "
                     "--incremental-field [SCHEMA=]FIELD\n");
    /* a query hint only for a table that exists */
    for (size_t i = 0; r->warehouse && i < r->n_schemas; i++) {
        if (!r->schemas[i].table || r->schemas[i].table_rows < 0) continue;
        fprintf(out, "query it: sqlite3 ");
        dwh_shell_word(out, r->warehouse);
        fprintf(out, " 'select count(*) from %s'\n", r->schemas[i].table);
        break;
    }
    if (r->http) {
        json_object *v;
        long long req = json_object_object_get_ex(r->http, "requests", &v) ? json_object_get_int64(v) : 0;
        long long retries = json_object_object_get_ex(r->http, "retries", &v) ? json_object_get_int64(v) : 0;
        long long in = json_object_object_get_ex(r->http, "bytes_in", &v) ? json_object_get_int64(v) : 0;
        long long wait = json_object_object_get_ex(r->http, "rate_limit_wait_ms", &v) ? json_object_get_int64(v) : 0;
        if (req) fprintf(out, "http: %lld requests, %lld retries, %lld bytes in, %lld ms waiting on rate limits\n", req,
                         retries, in, wait);
    }
}

/* The commands that continue a run that stopped with unfinished schemas
 * (sync_rerun.h): {"resume": TEXT, "restart": {SCHEMA: TEXT} (full-refresh
 * schemas only)}, or NULL when nothing is left to resume. */
static json_object *rerun_commands(const dwh_sync_report *r, const char *const *words, size_t n) {
    json_object *restart = NULL;
    int any = 0;
    for (size_t i = 0; i < r->n_schemas; i++) {
        const dwh_sync_schema_report *s = &r->schemas[i];
        if (!s->resumable) continue;
        any = 1;
        if (!s->mode || strcmp(s->mode, "full") != 0) continue;
        char *cmd = dwh_sync_rerun_restart(words, n, s->schema);
        if (!restart) restart = json_object_new_object();
        json_object_object_add(restart, s->schema, cmd ? json_object_new_string(cmd) : NULL);
        free(cmd);
    }
    if (!any) return NULL;
    json_object *o = json_object_new_object();
    char *cmd = dwh_sync_rerun_resume(words, n);
    json_object_object_add(o, "resume", cmd ? json_object_new_string(cmd) : NULL);
    json_object_object_add(o, "restart", restart);
    free(cmd);
    return o;
}

static void print_rerun(FILE *out, json_object *rerun) {
    json_object *v = NULL, *restart = NULL;
    if (json_object_object_get_ex(rerun, "resume", &v) && v)
        fprintf(out, "to resume: %s\n", json_object_get_string(v));
    if (json_object_object_get_ex(rerun, "restart", &restart) && restart) {
        json_object_object_foreach(restart, schema, cmd) {
            if (cmd) fprintf(out, "to start the refresh of %s over instead: %s\n", schema, json_object_get_string(cmd));
        }
    }
}

/* ---- the command ------------------------------------------------------ */

static int cmd_sync(int argc, char **argv) {
    dwh_cli_plugins pl = {0};
    dwh_cli_log lg = DWH_CLI_LOG_INIT;
    dwh_cli_http http = {0};
    dwh_sync_options o = {0};
    const char *source = NULL, *config_path = NULL, *output = NULL;
    const char **schemas = calloc((size_t)argc, sizeof *schemas);
    const char **fields = calloc((size_t)argc, sizeof *fields);
    /* the whole command line, for the commands that resume (sync_rerun.h) */
    const char **words = calloc((size_t)argc + 1, sizeof *words);
    int json = 0, rc = DWH_EXIT_OK;
    dwh_plugin *p = NULL;
    json_object *config = NULL, *config_report = NULL;
    dwh_secrets *secrets = NULL;
    dwh_sync_report *report = NULL;
    if (!schemas || !fields || !words) {
        fprintf(stderr, "dwhost: sync: out of memory\n");
        rc = DWH_EXIT_FAILURE;
        goto out;
    }
    words[0] = "dwhost";
    for (int i = 0; i < argc; i++) words[i + 1] = argv[i];
    for (int i = 1; i < argc; i++) {
        int r = dwh_cli_plugin_dir_arg(&pl, argc, argv, &i), missing = 0;
        if (r == 0) r = dwh_cli_log_arg(&lg, argc, argv, &i);
        if (r == 0) r = dwh_cli_http_arg(&http, argc, argv, &i);
        const char *v;
        if (r < 0) {
            rc = DWH_EXIT_USAGE;
            goto out;
        }
        if (r > 0) continue;
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            help(stdout);
            goto out;
        } else if ((v = dwh_cli_opt_value(argc, argv, &i, "--config", &missing))) {
            config_path = v;
        } else if ((v = dwh_cli_opt_value(argc, argv, &i, "--schema", &missing))) {
            schemas[o.n_schemas++] = v;
        } else if ((v = dwh_cli_opt_value(argc, argv, &i, "--warehouse", &missing))) {
            o.warehouse_path = v;
        } else if ((v = dwh_cli_opt_value(argc, argv, &i, "--table-prefix", &missing))) {
            o.table_prefix = v;
        } else if ((v = dwh_cli_opt_value(argc, argv, &i, "--state-ttl", &missing))) {
            if (parse_int(v, &o.state_ttl_s)) {
                rc = dwh_cli_usage_error("sync", "--state-ttl wants a positive number of seconds, got '%s'", v);
                goto out;
            }
        } else if ((v = dwh_cli_opt_value(argc, argv, &i, "--state-timeout", &missing))) {
            if (parse_int(v, &o.state_timeout_ms)) {
                rc = dwh_cli_usage_error("sync", "--state-timeout wants a positive number of milliseconds, got '%s'", v);
                goto out;
            }
        } else if ((v = dwh_cli_opt_value(argc, argv, &i, "--state-namespace", &missing))) {
            if (!*v) {
                rc = dwh_cli_usage_error("sync", "--state-namespace wants a name, got an empty one");
                goto out;
            }
            o.state_namespace = v;
        } else if ((v = dwh_cli_opt_value(argc, argv, &i, "--state", &missing))) {
            o.state_url = v;
        } else if ((v = dwh_cli_opt_value(argc, argv, &i, "--mode", &missing))) {
            if (!dwh_write_mode_parse(v)) {
                rc = dwh_cli_usage_error("sync", "--mode must be incremental, full or append, got '%s'", v);
                goto out;
            }
            o.mode = v;
        } else if ((v = dwh_cli_opt_value(argc, argv, &i, "--incremental-field", &missing))) {
            fields[o.n_incremental_fields++] = v;
        } else if ((v = dwh_cli_opt_value(argc, argv, &i, "--batch-rows", &missing))) {
            if (parse_size(v, &o.batch_rows)) {
                rc = dwh_cli_usage_error("sync", "--batch-rows wants a positive number, got '%s'", v);
                goto out;
            }
        } else if ((v = dwh_cli_opt_value(argc, argv, &i, "--batch-bytes", &missing))) {
            if (parse_size(v, &o.batch_bytes)) {
                rc = dwh_cli_usage_error("sync", "--batch-bytes wants a positive size (e.g. 64M), got '%s'", v);
                goto out;
            }
        } else if ((v = dwh_cli_opt_value(argc, argv, &i, "--team-id", &missing))) {
            o.team_id = v;
        } else if ((v = dwh_cli_opt_value(argc, argv, &i, "--source-id", &missing))) {
            o.source_id = v;
        } else if ((v = dwh_cli_opt_value(argc, argv, &i, "--job-id", &missing))) {
            o.job_id = v;
        } else if ((v = dwh_cli_opt_value(argc, argv, &i, "--output", &missing))) {
            output = v;
        } else if (!strcmp(a, "--full-refresh")) {
            o.full_refresh = 1;
        } else if (!strcmp(a, "--restart-refresh")) {
            o.restart_refresh = 1;
        } else if (!strcmp(a, "--reset")) {
            o.reset = 1;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--break-lease")) {
            o.break_lease = 1;
        } else if (!strcmp(a, "--allow-internal")) {
            o.allow_internal_hosts = 1;
        } else if (missing) {
            rc = dwh_cli_usage_error("sync", "%s needs a value", a);
            goto out;
        } else if (a[0] == '-' && a[1]) {
            rc = dwh_cli_usage_error("sync", "unknown option '%s'", a);
            goto out;
        } else if (!source) {
            source = a;
        } else {
            rc = dwh_cli_usage_error("sync", "unexpected argument '%s' (one source per sync)", a);
            goto out;
        }
        if (missing) {
            rc = dwh_cli_usage_error("sync", "%s needs a value", a);
            goto out;
        }
    }
    if (!source) {
        rc = dwh_cli_usage_error("sync", "which source? e.g. dwhost sync files --config files.json");
        goto out;
    }
    if (!config_path) {
        rc = dwh_cli_usage_error("sync", "--config FILE is required");
        goto out;
    }
    const char *refresh = o.restart_refresh ? "--restart-refresh" : o.full_refresh ? "--full-refresh" : NULL;
    if (refresh && o.reset) {
        rc = dwh_cli_usage_error("sync", "%s and --reset exclude each other (--restart-refresh starts a refresh over)",
                                 refresh);
        goto out;
    }
    if (refresh && o.mode && dwh_write_mode_parse(o.mode) != DWH_WRITE_REPLACE) {
        rc = dwh_cli_usage_error("sync", "%s replaces tables; it cannot be combined with --mode %s", refresh, o.mode);
        goto out;
    }
    if (output && strcmp(output, "jsonl") != 0) {
        rc = dwh_cli_usage_error("sync", "--output supports only 'jsonl', got '%s'", output);
        goto out;
    }
    if (output && (o.warehouse_path || o.table_prefix)) {
        rc = dwh_cli_usage_error("sync", "--output jsonl writes no warehouse; drop --warehouse/--table-prefix");
        goto out;
    }
    o.schemas = schemas;
    o.incremental_fields = fields;
    o.command = words; /* recorded in the run history: status names the command that resumes */
    o.n_command = (size_t)argc + 1;
    if (output) o.jsonl_out = stdout;

    if (dwh_cli_log_open(&lg, "sync") != 0 || dwh_cli_http_apply(&http, "sync") != 0) {
        rc = DWH_EXIT_USAGE;
        goto out;
    }
    dwh_log_text_identity(1); /* every line of the run names its job */
    if ((rc = dwh_cli_plugins_open(&pl)) != DWH_EXIT_OK) goto out;
    if (!(p = dwh_cli_find_source(&pl, source, &rc))) goto out;
    secrets = dwh_secrets_new();
    rc = dwh_cli_load_config(p, config_path, secrets, &config, json ? &config_report : NULL);
    if (rc != DWH_EXIT_OK) {
        if (json) { /* the validation errors, for machines */
            json_object *doc = json_object_new_object();
            json_object_object_add(doc, "ok", json_object_new_boolean(0));
            json_object_object_add(doc, "failure", json_object_new_string("config"));
            json_object_object_add(doc, "config", config_report);
            json_object_object_add(doc, "exit_code", json_object_new_int(rc));
            config_report = NULL;
            dwh_cli_print_json(output ? stderr : stdout, doc, 1);
            json_object_put(doc);
        }
        goto out;
    }

    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* a closed stdout is an error we report, not a silent death */
    o.cancel = &cancel_flag;
    progress_state ps = {.tty = isatty(STDERR_FILENO) && !json};
    o.progress = on_progress;
    o.progress_ud = &ps;

    report = dwh_sync_run(p, config, secrets, &o);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    if (!report) {
        fprintf(stderr, "dwhost: sync: out of memory\n");
        rc = DWH_EXIT_FAILURE;
        goto out;
    }
    rc = exit_for(report);
    FILE *summary = output ? stderr : stdout;
    json_object *rerun = rerun_commands(report, (const char *const *)words, (size_t)argc + 1);
    if (json) {
        json_object *doc = dwh_sync_report_json(report);
        json_object_object_add(doc, "exit_code", json_object_new_int(rc));
        json_object_object_add(doc, "rerun", json_object_get(rerun));
        char *text = dwh_secrets_scrub(secrets, json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
                                                                                         JSON_C_TO_STRING_NOSLASHESCAPE));
        if (text) fprintf(summary, "%s\n", text);
        free(text);
        json_object_put(doc);
    } else {
        print_summary(summary, report);
        if (rerun) print_rerun(summary, rerun);
    }
    json_object_put(rerun);
    if (report->failure != DWH_SYNC_OK) {
        char *msg = dwh_secrets_scrub(secrets, report->message ? report->message : "failed");
        fprintf(stderr, "dwhost: sync: %s\n", msg ? msg : "failed");
        free(msg);
    }
out:
    dwh_sync_report_free(report);
    json_object_put(config);
    json_object_put(config_report);
    dwh_cli_log_close(&lg);
    dwh_secrets_free(secrets);
    dwh_plugin_unref(p);
    dwh_cli_plugins_close(&pl);
    free(schemas);
    free(fields);
    free(words);
    return rc;
}

DWH_CLI_COMMAND(sync, "sync", "sync a source's schemas into the warehouse, resumably", cmd_sync)
