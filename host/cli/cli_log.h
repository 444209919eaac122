/*
 * cli_log.h -- the logging options every command that runs plugin code
 * accepts:
 *   --log-level debug|info|warn|error   (default: $DWHOST_LOG_LEVEL, else warn)
 *   --log-format text|json              (default: json when stderr is not a terminal)
 *   --log-file FILE                     append log lines to FILE instead of stderr
 * Every line is scrubbed of the operation's secrets (log.h).
 *
 *   dwh_cli_log lg = DWH_CLI_LOG_INIT;
 *   ... in the argument loop:
 *   int r = dwh_cli_log_arg(&lg, argc, argv, &i);
 *   if (r < 0) return DWH_EXIT_USAGE;
 *   if (r > 0) continue;
 *   ... after parsing:
 *   if (dwh_cli_log_open(&lg, argv[0]) != 0) return DWH_EXIT_USAGE;
 *   ...
 *   dwh_cli_log_close(&lg);
 */
#ifndef DWH_CLI_LOG_H
#define DWH_CLI_LOG_H

#include <stdio.h>

#define DWH_CLI_LOG_HELP                                                                      \
    "  --log-level LEVEL   debug, info, warn or error (default: $DWHOST_LOG_LEVEL, else warn)\n" \
    "  --log-format FMT    text or json (default: json unless stderr is a terminal)\n"        \
    "  --log-file FILE     append log lines to FILE instead of stderr\n"

typedef struct dwh_cli_log {
    const char *level;  /* borrowed from argv; NULL: default */
    const char *format; /* borrowed; NULL: default */
    const char *file;   /* borrowed; NULL: stderr */
    FILE *out;          /* opened by dwh_cli_log_open when file is set */
} dwh_cli_log;

#define DWH_CLI_LOG_INIT {NULL, NULL, NULL, NULL}

/* Consumes one of the options at argv[*i] ("--opt VALUE" or "--opt=VALUE"):
 * returns 1 (advancing *i past a separate value), 0 when argv[*i] is not a
 * log option, -1 after printing a usage error. */
int dwh_cli_log_arg(dwh_cli_log *lg, int argc, char **argv, int *i);

/* Validates the values and configures logging (log.h).  Returns 0, or -1
 * after printing one line (bad level/format, unwritable file). */
int dwh_cli_log_open(dwh_cli_log *lg, const char *cmd);

/* Closes the log file (logging returns to stderr). */
void dwh_cli_log_close(dwh_cli_log *lg);

#endif
