/* transport_api.c -- the transport section of the embedding API (dwhost.h). */
#include "api_options.h"
#include "dwhost.h"
#include "transport/http_session.h"

DWH_API void dwh_transport_configure_sized(const dwh_transport_options *caller_opts, size_t opts_size) {
    dwh_transport_options known;
    dwhi_options_copy_or_warn(&known, sizeof known, caller_opts, opts_size, "dwh_transport_options",
                             "transport.options");
    const dwh_transport_options *opts = caller_opts ? &known : NULL;
    if (!opts) {
        dwhi_http_set_defaults(NULL);
        return;
    }
    dwhi_http_options o = {.ca_bundle = opts->ca_bundle,
                          .connect_timeout_ms = opts->connect_timeout_ms,
                          .timeout_ms = opts->timeout_ms,
                          .request_timeout_ms = opts->request_timeout_ms,
                          .stall_timeout_ms = opts->stall_timeout_ms};
    dwhi_http_set_defaults(&o);
}

/* Programs built before the sized entry point pass the 0.1.0 layout. */
DWH_API void(dwh_transport_configure)(const dwh_transport_options *opts) {
    dwh_transport_configure_sized(opts, DWHI_SIZE_THROUGH(dwh_transport_options, timeout_ms));
}

DWH_API dwh_transport_counters *dwh_transport_counters_collect(dwh_transport_counters *totals) {
    return dwhi_http_counters_collect(totals);
}
