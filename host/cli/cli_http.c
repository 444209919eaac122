/* cli_http.c -- the --http-timeout option (see cli_http.h). */
#include "cli_http.h"

#include <errno.h>
#include <stdlib.h>

#include "cli_common.h"

#define MAX_SECONDS 86400L

dwhi_cli_http dwhi_cli_http_opts;

int dwhi_cli_http_apply(dwhi_cli_http *h, const char *cmd) {
    if (!h->timeout) return 0;
    char *end = NULL;
    errno = 0;
    long s = strtol(h->timeout, &end, 10);
    if (errno || end == h->timeout || *end || s < 1 || s > MAX_SECONDS) {
        dwhi_cli_usage_error(cmd, "--http-timeout '%s' is not a whole number of seconds from 1 to %ld", h->timeout,
                            MAX_SECONDS);
        return -1;
    }
    /* the run's dwh_host gets it (dwhi_cli_http_apply_host): transport
     * settings belong to a host, as an embedder's do */
    h->timeout_ms = (unsigned)(s * 1000);
    return 0;
}

void dwhi_cli_http_apply_host(const dwhi_cli_http *h, dwh_host *host) {
    if (!h->timeout_ms) return;
    dwh_transport_options o = {.request_timeout_ms = h->timeout_ms};
    dwh_host_set_transport(host, &o, NULL);
}
