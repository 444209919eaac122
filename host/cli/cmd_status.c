/* cmd_status.c -- `dwhost status`: the sync jobs a warehouse records, which
 * one runs now, which failed or was interrupted (and the commands that
 * continue it), their last runs and watermarks; `--history`: the runs.
 * Read-only. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_common.h"
#include "base/shell_word.h"
#include "dwhost.h"

static struct {
    const char *warehouse;
    int json, history, limit, limit_given;
} A = {.warehouse = DWH_WAREHOUSE_DEFAULT_PATH, .limit = 20};

static int opt_limit(const char *cmd, const dwhi_cli_opt *opt, const char *v) {
    char *end;
    errno = 0;
    long l = strtol(v, &end, 10);
    if (errno || end == v || *end || l < 0 || l > 1000000) {
        dwhi_cli_usage_error(cmd, "--limit wants a number of runs (0: all), got '%s'", v);
        return -1;
    }
    A.limit = (int)l;
    A.limit_given = 1;
    return 0;
}

static const dwhi_cli_opt options[] = {
    DWHI_OPT_STRING(0, "warehouse", "PATH|URL",
                   "the SQLite warehouse file (default ./warehouse.db), or a PostgreSQL database (postgresql://...)",
                   &A.warehouse),
    DWHI_OPT_FLAG(0, "history", "list the runs (start, seconds, outcome, rows, schemas, error)", &A.history),
    DWHI_OPT_CALLBACK(0, "limit", "N", "with --history: the newest N runs (default 20; 0: all kept)", &A.limit,
                     opt_limit),
    DWHI_OPT_FLAG(0, "json",
                 "print one JSON document {\"warehouse\", \"jobs\": [...]} (with --history: {\"warehouse\", "
                 "\"runs\": [...]})",
                 &A.json),
    DWHI_OPT_HELP(),
    DWHI_OPT_END(),
};

static const char *str(json_object *o, const char *k) {
    json_object *v = NULL;
    return o && json_object_object_get_ex(o, k, &v) && v ? json_object_get_string(v) : NULL;
}

/* str() for printing: "-" when absent. */
static const char *cell(json_object *o, const char *k) {
    const char *s = str(o, k);
    return s ? s : "-";
}

static int64_t num(json_object *o, const char *k) {
    json_object *v = NULL;
    return o && json_object_object_get_ex(o, k, &v) && v ? json_object_get_int64(v) : 0;
}

static json_object *member(json_object *o, const char *k) {
    json_object *v = NULL;
    return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

/* "2026-11-27T11:47:36.084Z" as "2026-11-27T11:47:36Z" (a table cell). */
static void stamp(char *buf, size_t cap, const char *iso) {
    if (!iso) snprintf(buf, cap, "-");
    else if (strlen(iso) > 20 && iso[19] == '.') snprintf(buf, cap, "%.19sZ", iso);
    else snprintf(buf, cap, "%s", iso);
}

/* A command to print: prefixed with "cd DIR && " when it ran elsewhere
 * than here (its paths may be relative). */
static void print_command(FILE *out, const char *label, const char *cmd, const char *cwd) {
    char here[PATH_MAX];
    int elsewhere = cwd && (!getcwd(here, sizeof here) || strcmp(here, cwd) != 0);
    fprintf(out, "    %s: ", label);
    if (elsewhere) {
        fputs("cd ", out);
        dwhi_shell_word(out, cwd);
        fputs(" && ", out);
    }
    fprintf(out, "%s\n", cmd);
}

static void print_table(FILE *out, const char *path, json_object *jobs) {
    size_t n = json_object_array_length(jobs);
    if (!n) {
        fprintf(out, "no sync jobs recorded in %s yet\n", path);
        return;
    }
    size_t wj = 3, wt = 4;
    char **names = calloc(n, sizeof *names);
    for (size_t i = 0; names && i < n; i++) {
        json_object *j = json_object_array_get_idx(jobs, i);
        const char *ns = str(j, "namespace");
        if (asprintf(&names[i], "%s/%s%s%s%s", str(j, "source_id"), str(j, "schema"), ns ? " [" : "", ns ? ns : "",
                     ns ? "]" : "") < 0)
            names[i] = NULL;
        if (names[i] && strlen(names[i]) > wj) wj = strlen(names[i]);
        const char *team = str(j, "team_id");
        if (team && strlen(team) > wt) wt = strlen(team);
    }
    fprintf(out, "%-*s  %-*s  %-11s  %-32s  %-24s  %-20s  %s\n", (int)wj, "JOB", (int)wt, "TEAM", "STATUS",
            "LAST RUN", "LAST VALUE", "UPDATED", "NOTE");
    for (size_t i = 0; i < n; i++) {
        json_object *j = json_object_array_get_idx(jobs, i), *lease = member(j, "lease"), *v = NULL;
        json_object *lastrun = member(j, "last_run"), *rerun = member(j, "rerun");
        const char *status = str(j, "status");
        char last[64] = "-", note[256] = "", run[64] = "-", up[32];
        if ((v = member(j, "last_value")))
            snprintf(last, sizeof last, "%s", json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
        if (lastrun) {
            char when[32];
            stamp(when, sizeof when, str(lastrun, "ended_at") ? str(lastrun, "ended_at") : str(lastrun, "started_at"));
            snprintf(run, sizeof run, "%s %s", cell(lastrun, "outcome"), when);
        }
        if (lease) {
            snprintf(note, sizeof note, "job %s, pid %lld on %s, heartbeat %.1f s ago", cell(lease, "job_id"),
                     (long long)num(lease, "pid"), cell(lease, "host"), (double)num(lease, "heartbeat_age_ms") / 1000.0);
        } else if (str(j, "write_mode")) {
            snprintf(note, sizeof note, "%s run stopped after %lld rows; the next sync resumes it",
                     cell(j, "write_mode"), (long long)num(j, "run_rows"));
        } else if (status && !strcmp(status, "failed") && !str(j, "updated_at")) {
            snprintf(note, sizeof note, "never committed");
        }
        if (num(j, "webhooks_pending") > 0) {
            size_t used = strlen(note);
            long long wp = (long long)num(j, "webhooks_pending");
            snprintf(note + used, sizeof note - used, "%s%lld webhook payload%s waiting", used ? "; " : "", wp,
                     wp == 1 ? "" : "s");
        }
        stamp(up, sizeof up, str(j, "updated_at"));
        fprintf(out, "%-*s  %-*s  %-11s  %-32s  %-24s  %-20s%s%s\n", (int)wj, names && names[i] ? names[i] : "?",
                (int)wt, str(j, "team_id") ? str(j, "team_id") : "-", status ? status : "?", run, last, up,
                *note ? "  " : "", note);
        int stopped = status && (!strcmp(status, "failed") || !strcmp(status, "interrupted"));
        if (stopped && lastrun && str(lastrun, "error")) fprintf(out, "    error: %s\n", str(lastrun, "error"));
        if (stopped && rerun) {
            const char *cwd = str(lastrun, "cwd");
            /* with progress saved the command resumes it, else it runs it again */
            if (str(rerun, "resume"))
                print_command(out, str(j, "write_mode") ? "to resume" : "to run it again", str(rerun, "resume"), cwd);
            if (str(rerun, "restart")) print_command(out, "to start the refresh over", str(rerun, "restart"), cwd);
        }
    }
    for (size_t i = 0; names && i < n; i++) free(names[i]);
    free(names);
}

/* The schemas of a run as "items ok, orders failed". */
static void schema_list(char *buf, size_t cap, json_object *schemas) {
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; schemas && i < json_object_array_length(schemas) && used < cap; i++) {
        json_object *s = json_object_array_get_idx(schemas, i);
        int k = snprintf(buf + used, cap - used, "%s%s %s", i ? ", " : "", cell(s, "schema"), cell(s, "status"));
        if (k < 0) break;
        used += (size_t)k;
    }
    if (!buf[0]) snprintf(buf, cap, "-");
}

static void print_history(FILE *out, const char *path, json_object *runs) {
    size_t n = json_object_array_length(runs);
    if (!n) {
        fprintf(out, "no sync runs recorded in %s yet\n", path);
        return;
    }
    size_t ws = 9, wt = 4;
    for (size_t i = 0; i < n; i++) {
        json_object *r = json_object_array_get_idx(runs, i);
        const char *sid = str(r, "source_id"), *team = str(r, "team_id");
        if (sid && strlen(sid) > ws) ws = strlen(sid);
        if (team && strlen(team) > wt) wt = strlen(team);
    }
    fprintf(out, "%-5s  %-20s  %8s  %-*s  %-*s  %-11s  %8s  %s\n", "RUN", "STARTED", "SECONDS", (int)ws, "SOURCE ID",
            (int)wt, "TEAM", "OUTCOME", "ROWS", "SCHEMAS");
    for (size_t i = 0; i < n; i++) {
        json_object *r = json_object_array_get_idx(runs, i), *secs = member(r, "seconds");
        char started[32], seconds[24] = "-", schemas[512];
        stamp(started, sizeof started, str(r, "started_at"));
        if (secs) snprintf(seconds, sizeof seconds, "%.1f", json_object_get_double(secs));
        schema_list(schemas, sizeof schemas, member(r, "schemas"));
        fprintf(out, "%-5lld  %-20s  %8s  %-*s  %-*s  %-11s  %8lld  %s\n", (long long)num(r, "run_id"), started, seconds,
                (int)ws, cell(r, "source_id"), (int)wt, cell(r, "team_id"), cell(r, "outcome"),
                (long long)num(r, "rows"), schemas);
        if (str(r, "error")) fprintf(out, "       error: %s\n", str(r, "error"));
        else if (!strcmp(cell(r, "outcome"), "crashed"))
            fprintf(out, "       error: its process (pid %lld on %s) ended without recording an outcome (killed or "
                         "crashed)\n", (long long)num(r, "pid"), cell(r, "host"));
    }
}

static int run(const dwhi_cli_invocation *inv) {
    const char *path = A.warehouse;
    int json = A.json, history = A.history, limit = A.limit, limit_given = A.limit_given;
    if (limit_given && !history) return dwhi_cli_usage_error("status", "--limit goes with --history");
    char *err = NULL, *text = NULL;
    dw_status st = history ? dwh_status_history_json(path, limit, &text, &err) : dwh_status_json(path, &text, &err);
    json_object *doc = st == DW_OK ? json_tokener_parse(text) : NULL;
    free(text);
    if (!doc) {
        fprintf(stderr, "dwhost: status: %s\n", err ? err : "out of memory");
        free(err);
        return st == DW_OK || st == DW_ERR_NOMEM ? DWHI_EXIT_FAILURE : DWHI_EXIT_WAREHOUSE;
    }
    /* the warehouse as the document names it: without a password */
    const char *shown = json_object_get_string(json_object_object_get(doc, "warehouse"));
    if (json) dwhi_cli_print_json(stdout, doc, 1);
    else if (history) print_history(stdout, shown, json_object_object_get(doc, "runs"));
    else print_table(stdout, shown, json_object_object_get(doc, "jobs"));
    json_object_put(doc);
    return DWHI_EXIT_OK;
}

DWHI_CLI_COMMAND(
    status, .name = "status",
    .summary = "show the sync jobs a warehouse records and their runs: running, failed, interrupted or idle",
    .run = run, .options = options,
    .synopsis = "status [--warehouse PATH] [--json]\nstatus --history [--limit N] [--warehouse PATH] [--json]",
    .description =
        "Lists the sync jobs recorded in the warehouse (default ./warehouse.db), one line per (source id, schema, "
        "team, namespace): RUNNING (a live sync holds it: job, pid, host), FAILED (its last run failed, also one "
        "that never committed: the error follows), INTERRUPTED (a run stopped part way: killed, crashed, Ctrl-C) or "
        "IDLE (the last run completed), with its last run, the last value of its incremental field and when it "
        "last committed; for a failed or interrupted job, the commands that resume it or start its refresh over.  "
        "--history lists the runs themselves, newest first.  Opens the warehouse read-only: safe while syncs run.",
    .exit_status = "0 listed (also when no job is recorded), 2 usage error, 8 no such warehouse, or not one dwhost "
                   "wrote, or unreadable, 9 interrupted.")
