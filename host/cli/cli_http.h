/*
 * cli_http.h -- the transport option of the commands that run plugin code
 * against a source (check, read, sync):
 *   --http-timeout SECONDS   one HTTP request in all, every attempt and
 *                            retry wait included (default 600;
 *                            docs/concepts/timeouts.md)
 *
 * A command lists DWHI_CLI_OPT_HTTP_TIMEOUT in its option table; main.c
 * checks it (dwhi_cli_http_apply) after parsing, before the command runs,
 * and dwhi_cli_plugins_open gives it to the run's dwh_host.
 */
#ifndef DWHI_CLI_HTTP_H
#define DWHI_CLI_HTTP_H

#include "cli_options.h"
#include "dwhost.h"

typedef struct dwhi_cli_http {
    const char *timeout; /* borrowed from argv; NULL: the default */
    unsigned timeout_ms; /* its value, set by dwhi_cli_http_apply; 0: none */
} dwhi_cli_http;

/* The value of this run's --http-timeout. */
extern dwhi_cli_http dwhi_cli_http_opts;

/* The entry of a command's option table. */
#define DWHI_CLI_OPT_HTTP_TIMEOUT                                                                           \
    DWHI_OPT_STRING(0, "http-timeout", "S",                                                                 \
                   "give up on one HTTP request after S seconds in all, retries and their waits included (1 " \
                   "to 86400; default 600)",                                                               \
                   &dwhi_cli_http_opts.timeout, .missing = "a number of seconds")

/* Validates the value and keeps it in h->timeout_ms for the run's
 * dwh_host (dwhi_cli_http_apply_host).  Returns 0, or -1 after printing
 * one usage line naming the value and the range. */
int dwhi_cli_http_apply(dwhi_cli_http *h, const char *cmd);

/* Gives `host` (borrowed) this run's --http-timeout when one was given
 * (dwh_host_set_transport); else leaves it at the defaults.  Called by
 * dwhi_cli_plugins_open. */
void dwhi_cli_http_apply_host(const dwhi_cli_http *h, dwh_host *host);

#endif
