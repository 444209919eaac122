/* cli_config.c -- --config for commands (see cli_config.h). */
#include "cli_config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "config/config_load.h"

int dwhi_cli_load_config(dwh_plugin *p, const char *path, dwhi_secrets *secrets, json_object **config,
                        json_object **json_report) {
    *config = NULL;
    if (json_report) *json_report = NULL;
    dwhi_config_report rep;
    dwhi_config_report_init(&rep);
    int rc = dwhi_config_load(dwh_plugin_source(p), path, config, secrets, &rep);
    if (json_report) *json_report = dwhi_config_report_to_json(&rep, secrets);
    else dwhi_config_report_print(&rep, stderr, secrets);
    dwhi_config_report_clear(&rep);
    return rc == 0 ? DWHI_EXIT_OK : DWHI_EXIT_CONFIG;
}

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

/* Reads `path` and validates it for `p`: *validated when asked for (NULL:
 * only checked), *text and *base_dir (the file's) when asked for, each
 * NULL unless DWHI_EXIT_OK; the report printed or handed out. */
static int read_and_validate(dwh_plugin *p, const char *path, char **validated, char **text_out, char **dir_out,
                             char **report_json) {
    if (validated) *validated = NULL;
    if (report_json) *report_json = NULL;
    char *text = NULL, *base_dir = NULL, *report = NULL;
    dw_status st = dwh_config_read_file(path, &text, &base_dir, &report, NULL);
    if (st == DW_OK) {
        free(report);
        report = NULL;
        st = dwh_config_validate_text(p, text, base_dir, validated, &report, NULL);
    }
    if (!report && st != DW_ERR_NOMEM) st = DW_ERR_NOMEM;
    if (st == DW_ERR_NOMEM) fprintf(stderr, "dwhost: out of memory while reading the config %s\n", path);
    if (st != DW_OK && validated) {
        dwh_free_secret(*validated);
        *validated = NULL;
    }
    if (st == DW_OK && text_out) {
        *text_out = text;
        *dir_out = base_dir;
        text = base_dir = NULL;
    }
    dwh_free_secret(text);
    free(base_dir);
    if (st == DW_ERR_NOMEM) {
        free(report);
        return DWHI_EXIT_FAILURE;
    }
    if (report_json) *report_json = report;
    else {
        dwhi_cli_print_config_report(report, stderr);
        free(report);
    }
    return st == DW_OK ? DWHI_EXIT_OK : DWHI_EXIT_CONFIG;
}

int dwhi_cli_config_validated(dwh_plugin *p, const char *path, char **validated, char **report_json) {
    return read_and_validate(p, path, validated, NULL, NULL, report_json);
}

int dwhi_cli_config_checked(dwh_plugin *p, const char *path, char **config_json, char **base_dir,
                            char **report_json) {
    *config_json = *base_dir = NULL;
    return read_and_validate(p, path, NULL, config_json, base_dir, report_json);
}
