/* cli_config.c -- --config for commands (see cli_config.h). */
#include "cli_config.h"

#include <stdio.h>

#include "cli.h"
#include "config/config_load.h"

int dwh_cli_load_config(dwh_plugin *p, const char *path, dwh_secrets *secrets, json_object **config,
                        json_object **json_report) {
    *config = NULL;
    if (json_report) *json_report = NULL;
    dwh_config_report rep;
    dwh_config_report_init(&rep);
    int rc = dwh_config_load(dwh_plugin_source(p), path, config, secrets, &rep);
    if (json_report) *json_report = dwh_config_report_to_json(&rep, secrets);
    else dwh_config_report_print(&rep, stderr, secrets);
    dwh_config_report_clear(&rep);
    return rc == 0 ? DWH_EXIT_OK : DWH_EXIT_CONFIG;
}
