/* cli_http.c -- the --http-timeout option (see cli_http.h). */
#include "cli_http.h"

#include <errno.h>
#include <stdlib.h>

#include "cli_common.h"
#include "dwhost.h"

#define MAX_SECONDS 86400L

int dwh_cli_http_arg(dwh_cli_http *h, int argc, char **argv, int *i) {
    int missing = 0;
    const char *v = dwh_cli_opt_value(argc, argv, i, "--http-timeout", &missing);
    if (missing) return dwh_cli_usage_error(argv[0], "--http-timeout needs a number of seconds"), -1;
    if (!v) return 0;
    h->timeout = v;
    return 1;
}

int dwh_cli_http_apply(const dwh_cli_http *h, const char *cmd) {
    if (!h->timeout) return 0;
    char *end = NULL;
    errno = 0;
    long s = strtol(h->timeout, &end, 10);
    if (errno || end == h->timeout || *end || s < 1 || s > MAX_SECONDS) {
        dwh_cli_usage_error(cmd, "--http-timeout '%s' is not a whole number of seconds from 1 to %ld", h->timeout,
                            MAX_SECONDS);
        return -1;
    }
    dwh_transport_options o = {.request_timeout_ms = (uint32_t)(s * 1000)};
    dwh_transport_configure(&o);
    return 0;
}
