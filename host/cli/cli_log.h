/*
 * cli_log.h -- the logging options every command that runs plugin code
 * accepts:
 *   --log-level debug|info|warn|error   (default: $DWHOST_LOG_LEVEL, else warn)
 *   --log-format text|json              (default: json when stderr is not a terminal)
 *   --log-file FILE                     append log lines to FILE instead of stderr
 * Every line is scrubbed of the operation's secrets.
 *
 * A command lists DWHI_CLI_OPTS_LOG in its option table; main.c then
 * opens the log (dwhi_cli_log_open) after parsing, before the command
 * runs, and closes it after.  The destination belongs to the run's
 * dwh_host (dwh_host_set_log_stream, given by dwhi_cli_plugins_open before
 * the first scan), as an embedder's does; `serve worker`, which runs syncs
 * inside the library, points the process destination there too.
 */
#ifndef DWHI_CLI_LOG_H
#define DWHI_CLI_LOG_H

#include <stdio.h>

#include "cli_options.h"
#include "dwhost.h"
#include "dwsdk.h"

typedef struct dwhi_cli_log {
    const char *level;  /* borrowed from argv; NULL: default */
    const char *format; /* borrowed; NULL: default */
    const char *file;   /* borrowed; NULL: stderr */
    FILE *out;          /* opened by dwhi_cli_log_open when file is set */
    /* Set by dwhi_cli_log_open, for the host dwhi_cli_plugins_open makes
     * (dwhi_cli_log_apply). */
    int opened, min_level, json, text_identity;
} dwhi_cli_log;

/* The values of this run's log options. */
extern dwhi_cli_log dwhi_cli_log_opts;

/* The three entries of a command's option table. */
#define DWHI_CLI_OPTS_LOG                                                                                       \
    DWHI_OPT_STRING(0, "log-level", "LEVEL", "debug, info, warn or error (default: $DWHOST_LOG_LEVEL, else warn)", \
                   &dwhi_cli_log_opts.level, .flags = DWHI_OPT_NONEMPTY, .values = "debug info warn error"),     \
    DWHI_OPT_STRING(0, "log-format", "FMT", "text or json (default: json unless stderr is a terminal)",          \
                   &dwhi_cli_log_opts.format, .flags = DWHI_OPT_NONEMPTY, .values = "text json"),                \
    DWHI_OPT_STRING(0, "log-file", "FILE", "append log lines to FILE instead of stderr", &dwhi_cli_log_opts.file, \
                   .flags = DWHI_OPT_NONEMPTY)

/* Validates the values and opens --log-file, keeping them in `lg` for
 * the run's host (dwhi_cli_log_apply).  Returns 0, or -1 after printing
 * one line (bad level/format, unwritable file). */
int dwhi_cli_log_open(dwhi_cli_log *lg, const char *cmd);

/* From now on, text lines that name a job end with its identity,
 * " [team=T source_id=S job=J]", as JSON lines always carry it
 * (DWH_LOG_TEXT_IDENTITY): sync calls it, before dwhi_cli_plugins_open,
 * so every line of its run names its job. */
void dwhi_cli_log_text_identity(void);

/* One log line of the command itself (not of a plugin) through the run's
 * host `h` (borrowed; dwh_host_log), e.g.
 * dwhi_cli_log_line(pl.host, DW_LOG_INFO, "read.done", "%s: %lld rows", ...).
 * Nothing is scrubbed: pass no secret. */
void dwhi_cli_log_line(dwh_host *h, dw_log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Gives host `h` (borrowed) this run's log destination, level, format and
 * text identity, when a command's log options were opened; else leaves it
 * at its default.  Called by dwhi_cli_plugins_open before the scan. */
void dwhi_cli_log_apply(const dwhi_cli_log *lg, dwh_host *h);

/* Closes the log file. */
void dwhi_cli_log_close(dwhi_cli_log *lg);

#endif
