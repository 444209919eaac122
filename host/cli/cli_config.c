/* cli_config.c -- --config for commands (see cli_config.h). */
#include "cli_config.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

void dwhi_cli_print_config_report(const char *report_json, FILE *out) {
    json_object *doc = report_json ? json_tokener_parse(report_json) : NULL;
    static const char *const lists[] = {"errors", "warnings"};
    for (size_t l = 0; l < 2; l++) {
        json_object *v = json_object_object_get(doc, lists[l]);
        for (size_t i = 0; v && i < json_object_array_length(v); i++) {
            json_object *m = json_object_object_get(json_object_array_get_idx(v, i), "message");
            if (m) fprintf(out, "dwhost: %s\n", json_object_get_string(m));
        }
    }
    if (!doc) fprintf(out, "dwhost: config error: out of memory while reading the config\n");
    json_object_put(doc);
    fflush(out);
}

int dwhi_cli_config_checked(dwh_plugin *p, const char *path, char **text, char **base_dir, char **validated,
                            char **report_json) {
    if (text) *text = NULL;
    if (base_dir) *base_dir = NULL;
    if (validated) *validated = NULL;
    if (report_json) *report_json = NULL;
    char *raw = NULL, *dir = NULL, *report = NULL;
    dw_status st = dwh_config_read_file(path, &raw, &dir, &report, NULL);
    if (st == DW_OK) {
        free(report);
        report = NULL;
        st = dwh_config_validate_text(p, raw, dir, validated, &report, NULL);
    }
    if (!report && st != DW_ERR_NOMEM) st = DW_ERR_NOMEM;
    if (st == DW_ERR_NOMEM) {
        fprintf(stderr, "dwhost: out of memory while reading the config %s\n", path);
        if (validated) {
            dwh_free_secret(*validated);
            *validated = NULL;
        }
        free(report);
        dwh_free_secret(raw);
        free(dir);
        return DWHI_EXIT_FAILURE;
    }
    if (report_json) *report_json = report;
    else {
        dwhi_cli_print_config_report(report, stderr);
        free(report);
    }
    if (st == DW_OK && text) {
        *text = raw;
        raw = NULL;
    }
    if (st == DW_OK && base_dir) {
        *base_dir = dir;
        dir = NULL;
    }
    dwh_free_secret(raw);
    free(dir);
    return st == DW_OK ? DWHI_EXIT_OK : DWHI_EXIT_CONFIG;
}

int dwhi_cli_config_validated(dwh_plugin *p, const char *path, char **validated, char **report_json) {
    return dwhi_cli_config_checked(p, path, NULL, NULL, validated, report_json);
}
