/*
 * cmd_conformance.c -- `dwhost conformance <source> --config FILE`: runs
 * the connector acceptance suite (dwh_conformance, dwhost.h) and prints
 * its report naming each check, pass/fail/skip and why.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli_common.h"
#include "cli_config.h"

/* A row count: digits only, no sign, fits; 0 on success. */
static int parse_rows(const char *v, size_t *out) {
    if (!v || !*v) return -1;
    for (const char *p = v; *p; p++)
        if (*p < '0' || *p > '9') return -1;
    errno = 0;
    unsigned long long n = strtoull(v, NULL, 10);
    if (errno || n > SIZE_MAX / 4) return -1; /* the sink compares against 2 x N */
    *out = (size_t)n;
    return 0;
}

static struct {
    const char *config;
    dwhi_cli_list schemas;
    int json, allow_internal, verbose, structural;
    long long max_rows; /* dwh_conformance_options.max_rows: 0 the default, < 0 no cap */
} A;

static int opt_max_rows(const char *cmd, const dwhi_cli_opt *opt, const char *v) {
    size_t n = 0;
    if (parse_rows(v, &n) == 0) {
        *(long long *)opt->target = n ? (long long)n : -1; /* --max-rows 0: no cap */
        return 0;
    }
    dwhi_cli_usage_error(cmd, "--max-rows needs a whole number of rows (0: no cap), got '%s'", v);
    return -1;
}

static const dwhi_cli_opt options[] = {
    DWHI_OPT_STRING(0, "config", "FILE", "the source's config (JSON; \"-\" for stdin)", &A.config,
                   .flags = DWHI_OPT_REQUIRED),
    DWHI_OPT_LIST(0, "schema", "NAME", "check only this schema (repeatable; default: all)", &A.schemas),
    DWHI_OPT_FLAG(0, "json", "print the report as one JSON document", &A.json),
    DWHI_OPT_CALLBACK(0, "max-rows", "N",
                     "rows per read before it stops at its next state save (default 100000; 0: no cap, every row)",
                     &A.max_rows, opt_max_rows),
    DWHI_OPT_FLAG(0, "allow-internal", "let the transport reach loopback/private addresses (tests)",
                 &A.allow_internal),
    DWHI_OPT_FLAG(0, "structural",
                 "only the checks that need no account: descriptor, form, config, schemas (what tools/new-source "
                 "guarantees)",
                 &A.structural),
    DWHI_OPT_FLAG('v', "verbose", "forward the plugin's log lines (scrubbed) to stderr", &A.verbose),
    DWHI_CLI_OPT_PLUGIN_DIR,
    DWHI_OPT_HELP(),
    DWHI_OPT_END(),
};

/* The report document (dwh_conformance's) as aligned text: a title, one
 * line per check, the totals. */
static void print_text(const char *report_json) {
    json_object *doc = json_tokener_parse(report_json);
    json_object *checks = json_object_object_get(doc, "checks");
    const char *source = json_object_get_string(json_object_object_get(doc, "source"));
    const char *version = json_object_get_string(json_object_object_get(doc, "version"));
    const char *path = json_object_get_string(json_object_object_get(doc, "path"));
    printf("conformance of %s %s (%s)\n", source ? source : "?", version ? version : "", path ? path : "");
    size_t n = checks ? json_object_array_length(checks) : 0, w = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = json_object_get_string(json_object_object_get(json_object_array_get_idx(checks, i), "name"));
        if (name && strlen(name) > w) w = strlen(name);
    }
    for (size_t i = 0; i < n; i++) {
        json_object *c = json_object_array_get_idx(checks, i);
        const char *name = json_object_get_string(json_object_object_get(c, "name"));
        const char *status = json_object_get_string(json_object_object_get(c, "status"));
        const char *detail = json_object_get_string(json_object_object_get(c, "detail"));
        const char *word = !status ? "?" : !strcmp(status, "pass") ? "PASS" : !strcmp(status, "fail") ? "FAIL" : "SKIP";
        printf("  %s  %-*s  %s\n", word, (int)w, name ? name : "", detail ? detail : "");
    }
    printf("%lld passed, %lld failed, %lld skipped\n",
           (long long)json_object_get_int64(json_object_object_get(doc, "passed")),
           (long long)json_object_get_int64(json_object_object_get(doc, "failed")),
           (long long)json_object_get_int64(json_object_object_get(doc, "skipped")));
    json_object_put(doc);
}

static int cmd_conformance(const dwhi_cli_invocation *inv) {
    dwhi_cli_plugins pl = {0};
    const char *name = inv->operand, *config_path = A.config;
    /* Read as `check` reads it, so errors look the same:
     * "dwhost: config error at (file): expected ..., got ...". */
    char *config = NULL, *base_dir = NULL, *problems = NULL;
    if (dwh_config_read_file(config_path, &config, &base_dir, &problems, NULL) != DW_OK) {
        dwhi_cli_print_config_report(problems, stderr);
        free(problems);
        return DWHI_EXIT_CONFIG;
    }
    int rc = dwhi_cli_plugins_open(&pl);
    dwh_plugin *p = rc ? NULL : dwhi_cli_find_source(&pl, name, &rc);
    if (p) {
        dwh_conformance_options opt = {.schemas = A.schemas.v, .n_schemas = A.schemas.n,
                                       .structural = A.structural, .allow_internal_hosts = A.allow_internal,
                                       .max_rows = A.max_rows, .verbose = A.verbose};
        char *report = NULL, *error = NULL;
        dw_status st = dwh_conformance(p, config, base_dir, &opt, &report, &error);
        if (!report)
            fprintf(stderr, "dwhost: conformance: %s\n", error ? error : "out of memory");
        else if (A.json)
            printf("%s\n", report);
        else
            print_text(report);
        fflush(stdout);
        /* An invalid config is the user's input, not the plugin: exit 4. */
        rc = !report ? DWHI_EXIT_FAILURE
             : st == DW_OK ? DWHI_EXIT_OK
             : st == DW_ERR_CONFIG ? DWHI_EXIT_CONFIG
                                   : DWHI_EXIT_CONFORMANCE;
        if (report && st == DW_ERR_CONFIG && !A.json)
            fprintf(stderr, "dwhost: conformance: the config %s does not match the form of '%s' (see above)\n",
                    config_path, name);
        free(report);
        free(error);
        dwh_plugin_unref(p);
    }
    dwh_free_secret(config);
    free(base_dir);
    dwhi_cli_plugins_close(&pl);
    return rc;
}

DWHI_CLI_COMMAND(
    conformance, .name = "conformance", .summary = "run the connector acceptance checks against a source",
    .run = cmd_conformance, .options = options, .operand = "source",
    .operand_missing = "which source? (dwhost conformance <source> --config FILE)",
    .description =
        "Runs the connector acceptance checks against a source: descriptor and form, secret fields, credential "
        "check (good and with wrong secrets), schemas, and for every schema a full read (primary keys present, "
        "scalar, non-null, unique), a second full read (same rows), incremental runs from saved watermarks (no "
        "older rows; none from a future watermark) and a run resumed from an intermediate checkpoint (nothing "
        "missing or twice).  No secret may reach any output.\n\n"
        "The suite reads every chosen schema several times: point the config at test data.  Each read keeps a few "
        "dozen bytes per row and stops at the first state save after --max-rows rows; the checks then run on that "
        "prefix.",
    .exit_status = "0 every check passed or was skipped, 10 a check failed, 2 usage, 3 source not found or not "
                   "loadable, 4 the config file is unreadable or invalid, 9 interrupted.")
