/*
 * cli_http.h -- the transport option of the commands that run plugin code
 * against a source (check, read, sync):
 *   --http-timeout SECONDS   one HTTP request in all, every attempt and
 *                            retry wait included (default 600;
 *                            docs/concepts/timeouts.md)
 *
 *   dwh_cli_http http = {0};
 *   ... in the argument loop:
 *   int r = dwh_cli_http_arg(&http, argc, argv, &i);
 *   if (r < 0) return DWH_EXIT_USAGE;
 *   if (r > 0) continue;
 *   ... after parsing, before any operation:
 *   if (dwh_cli_http_apply(&http, argv[0]) != 0) return DWH_EXIT_USAGE;
 */
#ifndef DWH_CLI_HTTP_H
#define DWH_CLI_HTTP_H

#define DWH_CLI_HTTP_HELP                                                                      \
    "  --http-timeout S    give up on one HTTP request after S seconds in all, retries and\n"    \
    "                      their waits included (1 to 86400; default 600)\n"

typedef struct dwh_cli_http {
    const char *timeout; /* borrowed from argv; NULL: the default */
} dwh_cli_http;

/* Consumes --http-timeout at argv[*i] ("--http-timeout S" or
 * "--http-timeout=S"): returns 1 (advancing *i past a separate value), 0
 * when argv[*i] is something else, -1 after printing a usage error. */
int dwh_cli_http_arg(dwh_cli_http *h, int argc, char **argv, int *i);

/* Validates the value and sets the transport defaults of this process
 * (dwh_transport_configure).  Returns 0, or -1 after printing one usage
 * line naming the value and the range. */
int dwh_cli_http_apply(const dwh_cli_http *h, const char *cmd);

#endif
