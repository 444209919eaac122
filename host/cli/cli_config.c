/* cli_config.c -- --config for commands (see cli_config.h). */
#include "cli_config.h"

#include <stdio.h>

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
