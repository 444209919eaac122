/* cmd_status.c -- `dwhost status`: the sync jobs a warehouse records, which
 * one runs now, which was interrupted (and resumes on the next run), and
 * their watermarks.  Read-only. */
#include <stdlib.h>
#include <string.h>

#include "cli_common.h"
#include "job_status.h"
#include "warehouse_sqlite.h"

static void help(FILE *out) {
    fprintf(out,
            "usage: dwhost status [--warehouse PATH] [--json]\n\n"
            "Lists the sync jobs recorded in the warehouse (default ./warehouse.db), one line\n"
            "per (source id, schema, team, namespace): RUNNING (a live sync holds it: job, pid,\n"
            "host), INTERRUPTED (a run stopped part way; the next sync resumes it) or IDLE\n"
            "(the last run completed), with the incremental field, its last value and when the\n"
            "job last committed.  Opens the warehouse read-only: safe while syncs run.\n\n"
            "options:\n"
            "  --warehouse PATH    the SQLite warehouse file (default ./warehouse.db)\n"
            "  --json              print one JSON document {\"warehouse\", \"jobs\": [...]}\n"
            "  -h, --help          show this help\n\n"
            "exit status: 0 listed (also when no job is recorded), 2 usage error, 8 no such\n"
            "warehouse, or not one dwhost wrote, or unreadable.\n");
}

static const char *str(json_object *o, const char *k) {
    json_object *v = NULL;
    return json_object_object_get_ex(o, k, &v) && v ? json_object_get_string(v) : NULL;
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
    fprintf(out, "%-*s  %-*s  %-11s  %-24s  %-24s  %s\n", (int)wj, "JOB", (int)wt, "TEAM", "STATUS", "LAST VALUE",
            "UPDATED", "NOTE");
    for (size_t i = 0; i < n; i++) {
        json_object *j = json_object_array_get_idx(jobs, i), *lease = NULL, *v = NULL;
        json_object_object_get_ex(j, "lease", &lease);
        const char *status = str(j, "status");
        char last[64] = "-", note[256] = "";
        if (json_object_object_get_ex(j, "last_value", &v) && v)
            snprintf(last, sizeof last, "%s", json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
        if (lease) {
            json_object *age = NULL, *pid = NULL;
            json_object_object_get_ex(lease, "heartbeat_age_ms", &age);
            json_object_object_get_ex(lease, "pid", &pid);
            snprintf(note, sizeof note, "job %s, pid %lld on %s, heartbeat %.1f s ago", str(lease, "job_id"),
                     (long long)json_object_get_int64(pid), str(lease, "host"),
                     (double)json_object_get_int64(age) / 1000.0);
        } else if (status && !strcmp(status, "interrupted")) {
            json_object *rows = NULL;
            json_object_object_get_ex(j, "run_rows", &rows);
            snprintf(note, sizeof note, "%s run stopped after %lld rows; the next sync resumes it",
                     str(j, "write_mode"), (long long)json_object_get_int64(rows));
        }
        json_object *wp = NULL;
        if (json_object_object_get_ex(j, "webhooks_pending", &wp) && wp && json_object_get_int64(wp) > 0) {
            size_t used = strlen(note);
            snprintf(note + used, sizeof note - used, "%s%lld webhook payload%s waiting", used ? "; " : "",
                     (long long)json_object_get_int64(wp), json_object_get_int64(wp) == 1 ? "" : "s");
        }
        char up[25];
        snprintf(up, sizeof up, "%s", str(j, "updated_at") ? str(j, "updated_at") : "-");
        fprintf(out, "%-*s  %-*s  %-11s  %-24s  %-24s%s%s\n", (int)wj, names && names[i] ? names[i] : "?", (int)wt,
                str(j, "team_id") ? str(j, "team_id") : "-", status ? status : "?", last, up, *note ? "  " : "", note);
    }
    for (size_t i = 0; names && i < n; i++) free(names[i]);
    free(names);
}

static int run(int argc, char **argv) {
    const char *path = DWH_WAREHOUSE_DEFAULT_PATH;
    int json = 0, missing = 0;
    const char *v;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            help(stdout);
            return DWH_EXIT_OK;
        } else if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if ((v = dwh_cli_opt_value(argc, argv, &i, "--warehouse", &missing))) {
            path = v;
        } else if (missing) {
            return dwh_cli_usage_error("status", "--warehouse needs a path");
        } else {
            return dwh_cli_usage_error("status", "unknown argument '%s'", argv[i]);
        }
    }
    char *err = NULL;
    json_object *doc = dwh_job_status_doc(path, &err);
    if (!doc) {
        fprintf(stderr, "dwhost: status: %s\n", err ? err : "out of memory");
        free(err);
        return DWH_EXIT_WAREHOUSE;
    }
    if (json) dwh_cli_print_json(stdout, doc, 1);
    else print_table(stdout, path, json_object_object_get(doc, "jobs"));
    json_object_put(doc);
    return DWH_EXIT_OK;
}

DWH_CLI_COMMAND(status, "status", "show the sync jobs a warehouse records: running, interrupted or idle", run)
