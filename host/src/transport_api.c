/* transport_api.c -- the transport section of the embedding API (dwhost.h). */
#include "dwhost.h"
#include "http_session.h"

DWH_API void dwh_transport_configure(const dwh_transport_options *opts) {
    if (!opts) {
        dwh_http_set_defaults(NULL);
        return;
    }
    dwh_http_options o = {.ca_bundle = opts->ca_bundle,
                          .connect_timeout_ms = opts->connect_timeout_ms,
                          .timeout_ms = opts->timeout_ms};
    dwh_http_set_defaults(&o);
}

DWH_API dwh_transport_counters *dwh_transport_counters_collect(dwh_transport_counters *totals) {
    return dwh_http_counters_collect(totals);
}
