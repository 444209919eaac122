/* transport_api.c -- the transport counters of the embedding API
 * (dwhost.h); the settings are the host's (host.c). */
#include "dwhost.h"
#include "transport/http_session.h"

DWH_API dwh_transport_counters *dwh_transport_counters_collect(dwh_transport_counters *totals) {
    return dwhi_http_counters_collect(totals);
}
