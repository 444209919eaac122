/*
 * cli_config.h -- `--config FILE` for commands: load, validate and collect
 * secrets through dwhi_config_load, and print what is wrong.
 *
 *   dwhi_secrets *secrets = dwhi_secrets_new();
 *   json_object *config = NULL, *report = NULL;
 *   int rc = dwhi_cli_load_config(plugin, path, secrets, &config, json ? &report : NULL);
 *   if (rc) { ... print `report` inside the command's JSON document ...; return rc; }
 */
#ifndef DWHI_CLI_CONFIG_H
#define DWHI_CLI_CONFIG_H

#include <json-c/json.h>
#include <stdio.h>

#include "registry/registry.h"
#include "log/secrets.h"

/* Loads `path` for plugin `p` (borrowed).  Every secret found is added to
 * `secrets` (borrowed), even when the config is invalid.
 *
 * Returns DWHI_EXIT_OK with *config set (caller puts), or DWHI_EXIT_CONFIG
 * with *config NULL.  Text mode (json_report NULL): errors and warnings
 * are printed on stderr, one per line, as
 *   dwhost: config error at <path>: expected ..., got ...
 * JSON mode: nothing is printed; *json_report receives
 * {"errors": [...], "warnings": [...]} (caller puts) whatever the result,
 * every string scrubbed. */
int dwhi_cli_load_config(dwh_plugin *p, const char *path, dwhi_secrets *secrets, json_object **config,
                        json_object **json_report);

/* dwhi_cli_load_config through dwhost.h alone (dwh_config_read_file, then
 * dwh_config_validate_text): reads `path` and validates it for `p`.
 * Returns DWHI_EXIT_OK with *validated (the validated config as JSON text,
 * references resolved, secrets in clear: release it with
 * dwh_free_secret()), DWHI_EXIT_CONFIG with *validated NULL, or
 * DWHI_EXIT_FAILURE when out of memory.  Text mode (report_json NULL): the
 * config's errors and warnings are printed on stderr as
 * dwhi_cli_load_config prints them; JSON mode: nothing is printed and
 * *report_json receives the report (free() it) whatever the result. */
int dwhi_cli_config_validated(dwh_plugin *p, const char *path, char **validated, char **report_json);

/* dwhi_cli_config_validated for a command that hands the config to an
 * operation which validates it itself (dwh_call): reads `path` and checks
 * it for `p` without loading it (no config.loaded log line: the operation
 * logs its own).  Returns DWHI_EXIT_OK with *config_json (the file's text,
 * secrets in clear: release it with dwh_free_secret()) and *base_dir (its
 * directory for relative {"$file"} references, NULL for standard input;
 * free() it), else as dwhi_cli_config_validated with both NULL; the report
 * is printed or handed out as dwhi_cli_config_validated does. */
int dwhi_cli_config_checked(dwh_plugin *p, const char *path, char **config_json, char **base_dir,
                            char **report_json);

/* Prints the config report `report_json` ({"errors": [...], "warnings":
 * [...]} as dwh_config_read_file and dwh_config_validate_text return it;
 * borrowed, may be NULL) on `out`, one line per problem, errors first:
 *   dwhost: config error at <path>: expected ..., got ... */
void dwhi_cli_print_config_report(const char *report_json, FILE *out);

#endif
