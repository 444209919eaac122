/*
 * cli_common.h -- helpers every dwhost command uses: the repeatable
 * --plugin-dir option, opening the plugin registry, finding a source by
 * name with a clear error, reading JSON files, printing JSON.
 *
 * Errors are printed here (one line on stderr, "dwhost: ...") and the
 * function returns the exit code the command should return, so commands
 * stay short:
 *
 *   dwh_cli_plugins pl = {0};
 *   for (i = 1; i < argc; i++) {
 *       int r = dwh_cli_plugin_dir_arg(&pl, argc, argv, &i);
 *       if (r < 0) return DWH_EXIT_USAGE;
 *       if (r > 0) continue;
 *       ...
 *   }
 *   int rc = dwh_cli_plugins_open(&pl);
 *   dwh_plugin *p = rc ? NULL : dwh_cli_find_source(&pl, name, &rc);
 *   ...
 *   dwh_plugin_unref(p);
 *   dwh_cli_plugins_close(&pl);
 */
#ifndef DWH_CLI_COMMON_H
#define DWH_CLI_COMMON_H

#include <json-c/json.h>
#include <stdio.h>

#include "cli.h"
#include "registry/registry.h"

/* Text for a command's --help describing the shared option. */
#define DWH_CLI_PLUGIN_DIR_HELP                                                               \
    "  --plugin-dir DIR    search DIR for libsource_<name>.so first (repeatable; then\n"      \
    "                      DWHOST_PLUGIN_PATH, then the installed default directory)\n"

typedef struct dwh_cli_plugins {
    /* --plugin-dir values in order; the strings are borrowed from argv. */
    const char **cli_dirs;
    size_t n_cli_dirs;
    /* Set by dwh_cli_plugins_open: the directories searched (owned) and
     * the registry (owned).  Freed by dwh_cli_plugins_close. */
    char **dirs;
    dwh_registry *registry;
} dwh_cli_plugins;

/* If argv[*i] is "--plugin-dir DIR" or "--plugin-dir=DIR", records DIR,
 * advances *i past a separate value and returns 1.  Returns 0 when
 * argv[*i] is something else, -1 (after printing a usage error) when the
 * value is missing. */
int dwh_cli_plugin_dir_arg(dwh_cli_plugins *pl, int argc, char **argv, int *i);

/* Builds the directory list and scans it.  A --plugin-dir that is not a
 * readable directory is a usage error (DWH_EXIT_USAGE); missing
 * DWHOST_PLUGIN_PATH entries and a missing default directory are skipped.
 * Returns DWH_EXIT_OK or the exit code after printing the error. */
int dwh_cli_plugins_open(dwh_cli_plugins *pl);
/* Frees what open() created and the cli_dirs array. */
void dwh_cli_plugins_close(dwh_cli_plugins *pl);

/* The searched directories joined with ", " for messages (malloc'd). */
char *dwh_cli_dirs_text(const dwh_cli_plugins *pl);

/* Finds a source by name.  Returns a new reference (the caller unrefs),
 * or NULL after printing why, with *exit_code = DWH_EXIT_PLUGIN:
 *   dwhost: no source named 'x' (searched: d1, d2); run 'dwhost list-plugins'
 *   dwhost: source 'x' was not loaded: <path>: <reason>  */
dwh_plugin *dwh_cli_find_source(dwh_cli_plugins *pl, const char *name, int *exit_code);

/* Reads and parses a JSON file ("-" is stdin).  Returns a new object the
 * caller puts, or NULL after printing one line naming the file and the
 * problem (missing, unreadable, not JSON with the line), with
 * *exit_code = DWH_EXIT_CONFIG.  `what` names the file's role in the
 * message ("config", "state"). */
json_object *dwh_cli_read_json_file(const char *path, const char *what, int *exit_code);

/* Prints `o` (borrowed) on `out` followed by a newline: pretty when
 * `pretty`, else one line.  Slashes are not escaped. */
void dwh_cli_print_json(FILE *out, json_object *o, int pretty);

/* "--name VALUE" or "--name=VALUE" at argv[*i]: returns the value
 * (borrowed from argv; *i advanced past it), or NULL when argv[*i] is not
 * this option, setting *missing when it is but has no value. */
const char *dwh_cli_opt_value(int argc, char **argv, int *i, const char *name, int *missing);

/* Prints "dwhost: <cmd>: <msg>" and a pointer to --help on stderr; returns
 * DWH_EXIT_USAGE. */
int dwh_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
