/* cancel.c -- dwh_cancel, the cancellation flag of dwhost.h (base/cancel.h). */
#include <stdlib.h>

#include "base/cancel.h"
#include "dwhost.h"

DWH_API dwh_cancel *dwh_cancel_new(void) { return calloc(1, sizeof(dwh_cancel)); }

DWH_API void dwh_cancel_free(dwh_cancel *c) { free(c); }

DWH_API void dwh_cancel_request(dwh_cancel *c) { dwhi_cancel_set(c); }

DWH_API int dwh_cancel_requested(const dwh_cancel *c) { return dwhi_cancel_requested(c); }

DWH_API void dwh_cancel_reset(dwh_cancel *c) {
    if (c) atomic_store_explicit(&c->requested, 0, memory_order_release);
}
