/* cli_http.c -- the --http-timeout option (see cli_http.h). */
#include "cli_http.h"

#include <errno.h>
#include <stdlib.h>

#include "cli_common.h"
#include "transport/http_session.h"

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
    /* The CLI runs one command per process: the process defaults are its
     * (an embedder sets a dwh_host's, dwh_host_set_transport). */
    dwhi_http_options o = {.request_timeout_ms = (uint32_t)(s * 1000)};
    dwhi_http_set_defaults(&o);
    h->timeout_ms = o.request_timeout_ms;
    return 0;
}

void dwhi_cli_http_apply_host(const dwhi_cli_http *h, dwh_host *host) {
    if (!h->timeout_ms) return;
    dwh_transport_options o = {.request_timeout_ms = h->timeout_ms};
    dwh_host_set_transport(host, &o, NULL);
}
