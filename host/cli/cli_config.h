/*
 * cli_config.h -- `--config FILE` for commands, through dwhost.h alone:
 * read it as every command reads it (dwh_config_read_file: "-" is
 * standard input, {"$file"} references start at the file's directory),
 * validate it for the source (dwh_config_validate_text), and print what is
 * wrong, or hand the report to a command's --json document.
 *
 *   char *config = NULL, *report = NULL;
 *   int rc = dwhi_cli_config_validated(plugin, path, &config, json ? &report : NULL);
 *   if (rc) { ... print `report` inside the command's JSON document ...; return rc; }
 *   ... dwh_free_secret(config);
 */
#ifndef DWHI_CLI_CONFIG_H
#define DWHI_CLI_CONFIG_H

#include <stdio.h>

#include "dwhost.h"

/* Reads `path` (dwh_config_read_file) and validates it for `p`
 * (dwh_config_validate_text).  Returns DWHI_EXIT_OK with *validated (the
 * validated config as JSON text, references resolved, secrets in clear:
 * release it with dwh_free_secret()), DWHI_EXIT_CONFIG with *validated
 * NULL, or DWHI_EXIT_FAILURE when out of memory.  Text mode (report_json
 * NULL): the config's errors and warnings are printed on stderr, one per
 * line,
 *   dwhost: config error at <path>: expected ..., got ...
 * JSON mode: nothing is printed and *report_json receives the report
 * (free() it) whatever the result. */
int dwhi_cli_config_validated(dwh_plugin *p, const char *path, char **validated, char **report_json);

/* dwhi_cli_config_validated that also hands back what it read, for an
 * operation that validates the config itself (dwh_sync_plugin, dwh_call):
 * on DWHI_EXIT_OK, *text (may be NULL) the file's text as read, secrets in
 * clear (release it with dwh_free_secret()), and *base_dir (may be NULL)
 * where its relative {"$file"} references start (free() it; NULL for
 * standard input).  `validated` may be NULL: the config is then only
 * checked (no config.loaded log line; the operation logs its own).
 * Otherwise as dwhi_cli_config_validated, which is this without text and
 * base_dir. */
int dwhi_cli_config_checked(dwh_plugin *p, const char *path, char **text, char **base_dir, char **validated,
                            char **report_json);

/* Prints the config report `report_json` ({"errors": [...], "warnings":
 * [...]} as dwh_config_read_file and dwh_config_validate_text return it;
 * borrowed, may be NULL) on `out`, one line per problem, errors first:
 *   dwhost: config error at <path>: expected ..., got ... */
void dwhi_cli_print_config_report(const char *report_json, FILE *out);

#endif
