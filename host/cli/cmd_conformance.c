/*
 * cmd_conformance.c -- `dwhost conformance <source> --config FILE`: runs
 * the connector acceptance suite (host/src/conformance/conformance.h) and prints a
 * report naming each check, pass/fail/skip and why.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli_common.h"
#include "config/config_load.h"
#include "config/config_report.h"
#include "conformance/conformance.h"

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
    size_t max_rows;
} A = {.max_rows = DWHI_CONF_DEFAULT_MAX_ROWS};

static int opt_max_rows(const char *cmd, const dwhi_cli_opt *opt, const char *v) {
    if (parse_rows(v, opt->target) == 0) return 0;
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

static int cmd_conformance(const dwhi_cli_invocation *inv) {
    dwhi_cli_plugins pl = {0};
    const char *name = inv->operand, *config_path = A.config;
    int rc = DWHI_EXIT_OK;
    /* Read as `check` reads it, so errors look the same:
     * "dwhost: config error at (file): expected ..., got ...". */
    json_object *config = NULL;
    char *base_dir = NULL;
    dwhi_config_report rep;
    dwhi_config_report_init(&rep);
    if (dwhi_config_read_file(config_path, &config, &base_dir, &rep) != 0) {
        dwhi_config_report_print(&rep, stderr, NULL);
        dwhi_config_report_clear(&rep);
        return DWHI_EXIT_CONFIG;
    }
    dwhi_config_report_clear(&rep);
    rc = dwhi_cli_plugins_open(&pl);
    dwh_plugin *p = rc ? NULL : dwhi_cli_find_source(&pl, name, &rc);
    if (p) {
        dwhi_conf_options opt = {.config = config, .config_dir = base_dir,
                                .allow_internal_hosts = A.allow_internal, .schemas = A.schemas.v,
                                .n_schemas = A.schemas.n, .verbose = A.verbose,
                                .structural = A.structural, .max_rows = A.max_rows};
        dwhi_conf_report report;
        memset(&report, 0, sizeof report);
        int res = dwhi_conformance_run(p, &opt, &report);
        if (A.json)
            dwhi_conf_print_json(&report, stdout);
        else
            dwhi_conf_print_text(&report, stdout);
        fflush(stdout);
        /* An invalid config is the user's input, not the plugin: exit 4. */
        rc = res == 0 ? DWHI_EXIT_OK : res < 0 ? DWHI_EXIT_CONFIG : DWHI_EXIT_CONFORMANCE;
        if (res < 0 && !A.json)
            fprintf(stderr, "dwhost: conformance: the config %s does not match the form of '%s' (see above)\n",
                    config_path, name);
        dwhi_conf_report_free(&report);
        dwh_plugin_unref(p);
    }
    json_object_put(config);
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
