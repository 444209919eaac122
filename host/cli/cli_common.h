/*
 * cli_common.h -- helpers every dwhost command uses: the repeatable
 * --plugin-dir option, making the run's dwh_host, finding a source by
 * name with a clear error, reading JSON files, printing JSON.
 *
 * Errors are printed here (one line on stderr, "dwhost: ...") and the
 * function returns the exit code the command should return, so commands
 * stay short:
 *
 *   options: DWHI_CLI_OPT_PLUGIN_DIR, in the command's table
 *   dwhi_cli_plugins pl = {0};
 *   int rc = dwhi_cli_plugins_open(&pl);
 *   dwh_plugin *p = rc ? NULL : dwhi_cli_find_source(&pl, name, &rc);
 *   ...
 *   dwh_plugin_unref(p);
 *   dwhi_cli_plugins_close(&pl);
 */
#ifndef DWHI_CLI_COMMON_H
#define DWHI_CLI_COMMON_H

#include <json-c/json.h>
#include <stdio.h>

#include "cli.h"
#include "cli_options.h"
#include "dwhost.h"

/* The --plugin-dir values of this run, in order (borrowed from argv). */
extern dwhi_cli_list dwhi_cli_plugin_dirs;

/* The --plugin-pins value of this run (borrowed from argv), or NULL. */
extern const char *dwhi_cli_plugin_pins;

/* The --plugin-dir and --plugin-pins entries of a command's option table. */
#define DWHI_CLI_OPT_PLUGIN_DIR                                                                               \
    DWHI_OPT_LIST(0, "plugin-dir", "DIR",                                                                     \
                 "search DIR for libsource_<name>.so first (repeatable; then DWHOST_PLUGIN_PATH, then the "  \
                 "default directory: <build>/plugins for a dwhost in a build tree, else the installed one)", \
                 &dwhi_cli_plugin_dirs, .flags = DWHI_OPT_NONEMPTY, .missing = "a directory"),               \
    DWHI_OPT_STRING(0, "plugin-pins", "FILE",                                                                 \
                   "load only the plugins FILE pins ('NAME SHA256HEX' lines) with that sha256 (default: "     \
                   "DWHOST_PLUGIN_PINS; none: no pins)",                                                       \
                   &dwhi_cli_plugin_pins, .flags = DWHI_OPT_NONEMPTY, .missing = "a pin file")

typedef struct dwhi_cli_plugins {
    /* Set by dwhi_cli_plugins_open: the host (owned), whose directories,
     * plugins and rejections the command reads through dwhost.h.  Freed
     * by dwhi_cli_plugins_close. */
    dwh_host *host;
} dwhi_cli_plugins;

/* Makes the run's dwh_host: its directories (dwhi_cli_plugin_dirs first),
 * the run's log options (cli_log.h) and --http-timeout (cli_http.h), then
 * scans.  A --plugin-dir that is not a
 * readable directory is a usage error (DWHI_EXIT_USAGE); a pin file
 * (--plugin-pins, else DWHOST_PLUGIN_PINS) that cannot be read or is
 * malformed is DWHI_EXIT_CONFIG; missing
 * DWHOST_PLUGIN_PATH entries and a missing default directory are skipped.
 * Returns DWHI_EXIT_OK or the exit code after printing the error. */
int dwhi_cli_plugins_open(dwhi_cli_plugins *pl);
/* Frees what open() created. */
void dwhi_cli_plugins_close(dwhi_cli_plugins *pl);

/* The searched directories joined with ", " for messages (malloc'd). */
char *dwhi_cli_dirs_text(const dwhi_cli_plugins *pl);

/* Finds a source by name.  Returns a new reference (the caller unrefs),
 * or NULL after printing why, with *exit_code = DWHI_EXIT_PLUGIN:
 *   dwhost: no source named 'x' (searched: d1, d2); run 'dwhost list-plugins'
 *   dwhost: source 'x' was not loaded: <path>: <reason>  */
dwh_plugin *dwhi_cli_find_source(dwhi_cli_plugins *pl, const char *name, int *exit_code);

/* 1 when the source of `p` (borrowed) declares the action `name` (ABI
 * 1.8 dw_source.actions), else 0.  Runs no plugin code. */
int dwhi_cli_has_action(dwh_plugin *p, const char *name);

/* Reads and parses a JSON file ("-" is stdin).  Returns a new object the
 * caller puts, or NULL after printing one line naming the file and the
 * problem (missing, unreadable, not JSON with the line), with
 * *exit_code = DWHI_EXIT_CONFIG.  `what` names the file's role in the
 * message ("config", "state"). */
json_object *dwhi_cli_read_json_file(const char *path, const char *what, int *exit_code);

/* Prints `o` (borrowed) on `out` followed by a newline: pretty when
 * `pretty`, else one line.  Slashes are not escaped. */
void dwhi_cli_print_json(FILE *out, json_object *o, int pretty);

/* Prints "dwhost: <cmd>: <msg>" and a pointer to --help on stderr; returns
 * DWHI_EXIT_USAGE. */
int dwhi_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
