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

static const char usage[] =
    "usage: dwhost conformance <source> --config FILE [--schema NAME]... [--json]\n"
    "                          [--max-rows N] [--structural] [--allow-internal]\n"
    "                          [--verbose] [--plugin-dir DIR]... [-h]\n"
    "\n"
    "Runs the connector acceptance checks against a source: descriptor and form,\n"
    "secret fields, credential check (good and with wrong secrets), schemas, and for\n"
    "every schema a full read (primary keys present, scalar, non-null, unique), a\n"
    "second full read (same rows), incremental runs from saved watermarks (no older\n"
    "rows; none from a future watermark) and a run resumed from an intermediate\n"
    "checkpoint (nothing missing or twice). No secret may reach any output.\n"
    "The suite reads every chosen schema several times: point the config at test\n"
    "data. Each read keeps a few dozen bytes per row and stops at the first state\n"
    "save after --max-rows rows; the checks then run on that prefix.\n"
    "\n"
    "options:\n"
    "  --config FILE       the source's config (JSON; \"-\" for stdin)\n"
    "  --schema NAME       check only this schema (repeatable; default: all)\n"
    "  --json              print the report as one JSON document\n"
    "  --max-rows N        rows per read before it stops at its next state save\n"
    "                      (default 100000; 0: no cap, every row)\n"
    "  --allow-internal    let the transport reach loopback/private addresses (tests)\n"
    "  --structural        only the checks that need no account: descriptor, form,\n"
    "                      config, schemas (what tools/new-source guarantees)\n"
    "  -v, --verbose       forward the plugin's log lines (scrubbed) to stderr\n" DWH_CLI_PLUGIN_DIR_HELP
    "  -h, --help          show this help\n"
    "\n"
    "exit: 0 every check passed or was skipped, 10 a check failed, 2 usage,\n"
    "      3 source not found or not loadable, 4 the config file is unreadable or invalid\n";

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

static int cmd_conformance(int argc, char **argv) {
    dwh_cli_plugins pl = {0};
    const char *name = NULL, *config_path = NULL;
    const char **schemas = calloc((size_t)argc, sizeof *schemas);
    size_t n_schemas = 0;
    int json = 0, allow_internal = 0, verbose = 0, structural = 0;
    size_t max_rows = DWH_CONF_DEFAULT_MAX_ROWS;
    int rc = DWH_EXIT_OK;
    if (!schemas) return DWH_EXIT_FAILURE;
    for (int i = 1; i < argc; i++) {
        int r = dwh_cli_plugin_dir_arg(&pl, argc, argv, &i);
        if (r < 0) {
            rc = DWH_EXIT_USAGE;
            goto out;
        }
        if (r > 0) continue;
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            goto out;
        } else if (!strcmp(a, "--max-rows") || !strncmp(a, "--max-rows=", 11)) {
            const char *v = a[10] == '=' ? a + 11 : i + 1 < argc ? argv[++i] : NULL;
            if (!v) {
                rc = dwh_cli_usage_error("conformance", "--max-rows needs a value");
                goto out;
            }
            if (parse_rows(v, &max_rows) != 0) {
                rc = dwh_cli_usage_error("conformance", "--max-rows needs a whole number of rows (0: no cap), got '%s'",
                                         v);
                goto out;
            }
        } else if (!strcmp(a, "--config") || !strcmp(a, "--schema")) {
            if (i + 1 >= argc) {
                rc = dwh_cli_usage_error("conformance", "%s needs a value", a);
                goto out;
            }
            if (!strcmp(a, "--config"))
                config_path = argv[++i];
            else
                schemas[n_schemas++] = argv[++i];
        } else if (!strncmp(a, "--config=", 9)) {
            config_path = a + 9;
        } else if (!strncmp(a, "--schema=", 9)) {
            schemas[n_schemas++] = a + 9;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--allow-internal")) {
            allow_internal = 1;
        } else if (!strcmp(a, "--structural")) {
            structural = 1;
        } else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
            verbose = 1;
        } else if (a[0] == '-' && a[1]) {
            rc = dwh_cli_usage_error("conformance", "unknown option %s", a);
            goto out;
        } else if (!name) {
            name = a;
        } else {
            rc = dwh_cli_usage_error("conformance", "one source at a time (got '%s' and '%s')", name, a);
            goto out;
        }
    }
    if (!name) {
        rc = dwh_cli_usage_error("conformance", "which source? (dwhost conformance <source> --config FILE)");
        goto out;
    }
    if (!config_path) {
        rc = dwh_cli_usage_error("conformance", "--config FILE is required");
        goto out;
    }
    /* Read as `check` reads it, so errors look the same:
     * "dwhost: config error at (file): expected ..., got ...". */
    json_object *config = NULL;
    char *base_dir = NULL;
    dwh_config_report rep;
    dwh_config_report_init(&rep);
    if (dwh_config_read_file(config_path, &config, &base_dir, &rep) != 0) {
        dwh_config_report_print(&rep, stderr, NULL);
        dwh_config_report_clear(&rep);
        rc = DWH_EXIT_CONFIG;
        goto out;
    }
    dwh_config_report_clear(&rep);
    rc = dwh_cli_plugins_open(&pl);
    dwh_plugin *p = rc ? NULL : dwh_cli_find_source(&pl, name, &rc);
    if (p) {
        dwh_conf_options opt = {.config = config, .config_dir = base_dir,
                                .allow_internal_hosts = allow_internal, .schemas = schemas,
                                .n_schemas = n_schemas, .verbose = verbose,
                                .structural = structural, .max_rows = max_rows};
        dwh_conf_report report;
        memset(&report, 0, sizeof report);
        int res = dwh_conformance_run(p, &opt, &report);
        if (json)
            dwh_conf_print_json(&report, stdout);
        else
            dwh_conf_print_text(&report, stdout);
        fflush(stdout);
        /* An invalid config is the user's input, not the plugin: exit 4. */
        rc = res == 0 ? DWH_EXIT_OK : res < 0 ? DWH_EXIT_CONFIG : DWH_EXIT_CONFORMANCE;
        if (res < 0 && !json)
            fprintf(stderr, "dwhost: conformance: the config %s does not match the form of '%s' (see above)\n",
                    config_path, name);
        dwh_conf_report_free(&report);
        dwh_plugin_unref(p);
    }
    json_object_put(config);
    free(base_dir);
out:
    dwh_cli_plugins_close(&pl);
    free(schemas);
    return rc;
}

DWH_CLI_COMMAND(conformance, "conformance", "run the connector acceptance checks against a source", cmd_conformance)
