/* host_conformance.c -- dwh_conformance() (dwhost.h "== operations =="):
 * the acceptance suite of conformance.c on JSON text, its report as the
 * `dwhost conformance --json` document. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_options.h"
#include "config/config_load.h"
#include "conformance/conformance.h"
#include "dwhost.h"
#include "host_settings.h"

/* The report as the --json document: malloc'd, NULL on OOM. */
static char *report_text(const dwhi_conf_report *r) {
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) return NULL;
    dwhi_conf_print_json(r, m);
    if (fclose(m) != 0) {
        free(buf);
        return NULL;
    }
    /* print_json ends the document with a newline; the API returns JSON. */
    while (len > 0 && buf[len - 1] == '\n') buf[--len] = 0;
    return buf;
}

/* One line for a run that did not pass: the suite could not run (its last
 * failed check says why), or which checks failed. */
static char *failure_line(const dwhi_conf_report *r, int rc) {
    for (size_t i = r->n; rc < 0 && i-- > 0;)
        if (r->checks[i].status == DWHI_CONF_FAIL && r->checks[i].detail) return strdup(r->checks[i].detail);
    if (rc < 0) return strdup("the conformance suite could not run");
    size_t cap = 256, len = 0;
    char *out = malloc(cap);
    if (!out) return NULL;
    len = (size_t)snprintf(out, cap, "%zu of %zu conformance checks failed:", r->failed, r->n);
    for (size_t i = 0; i < r->n && len < cap - 1; i++) {
        if (r->checks[i].status != DWHI_CONF_FAIL) continue;
        int w = snprintf(out + len, cap - len, " %s", r->checks[i].name);
        if (w < 0 || (size_t)w >= cap - len) {
            len = cap - 1;
            break;
        }
        len += (size_t)w;
    }
    return out;
}

dw_status dwh_conformance_sized(dwh_plugin *p, const char *config_json, const char *base_dir,
                                const dwh_conformance_options *caller_opts, size_t opts_size, char **report_json,
                                char **error) {
    if (report_json) *report_json = NULL;
    if (error) *error = NULL;
    dwhi_api_scope scope;
    dwhi_api_scope_enter(dwhi_host_settings_of(p), &scope);
    dwh_conformance_options known;
    size_t unknown = 0;
    int opts_ok = dwhi_options_copy(&known, sizeof known, caller_opts, opts_size, &unknown) == 0;
    const dwh_conformance_options *opts = &known;
    dwhi_conf_report report;
    memset(&report, 0, sizeof report);
    json_object *config = NULL;
    int rc = -1;
    char perr[256];
    const char *text = config_json ? config_json : "{}";
    if (!opts_ok) {
        report.scrub = dwhi_secrets_new();
        char *msg = dwhi_options_unknown_message("dwh_conformance_options", unknown, sizeof known);
        dwhi_conf_add(&report, "options", DWHI_CONF_FAIL, "%s", msg ? msg : "unknown option set");
        free(msg);
    } else if (!p) {
        report.scrub = dwhi_secrets_new();
        dwhi_conf_add(&report, "plugin", DWHI_CONF_FAIL, DWHI_API_NO_PLUGIN);
    } else if (dwhi_config_parse_text(text, strlen(text), &config, perr, sizeof perr) != 0) {
        report.scrub = dwhi_secrets_new();
        report.source = strdup(dwh_plugin_name(p));
        dwhi_conf_add(&report, "config", DWHI_CONF_FAIL, "the config is not JSON: %s", perr);
    } else {
        dwhi_conf_options o = {.config = config, .config_dir = base_dir,
                              .allow_internal_hosts = opts->allow_internal_hosts, .schemas = opts->schemas,
                              .n_schemas = opts->schemas ? opts->n_schemas : 0, .structural = opts->structural,
                              .verbose = opts->verbose,
                              .max_rows = opts->max_rows < 0    ? 0
                                          : opts->max_rows == 0 ? DWHI_CONF_DEFAULT_MAX_ROWS
                                                                : (size_t)opts->max_rows};
        rc = dwhi_conformance_run(p, &o, &report);
    }
    if (report_json) *report_json = report_text(&report);
    dw_status st = rc == 0 ? DW_OK : opts_ok && !p ? DW_ERR_NOT_FOUND : rc < 0 ? DW_ERR_CONFIG : DW_ERR;
    if (st != DW_OK && error) *error = failure_line(&report, rc);
    dwhi_conf_report_free(&report);
    json_object_put(config);
    dwhi_api_scope_leave(&scope);
    return st;
}
