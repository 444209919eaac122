/* watchdog.c -- dwh_activity and dwh_memory_limit_set (dwhost.h, "watching
 * a process that runs plugins"). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dwhost.h"
#include "base/text.h"
#include "core/ctx.h"
#include "crash/memory_limit.h"

unsigned long dwh_activity(void) { return dwhi_ctx_activity(); }

dw_status dwh_memory_limit_set(uint64_t mib, char **error) {
    if (error) *error = NULL;
#if defined(__SANITIZE_ADDRESS__)
    if (error)
        *error = dwhi_strf("memory limit of %llu MiB not applied: an AddressSanitizer build cannot run under "
                           "RLIMIT_AS", (unsigned long long)mib);
    return DW_ERR_UNSUPPORTED;
#else
    if (dwhi_memory_limit_set(mib) != 0) {
        if (error) *error = dwhi_strf("setting the memory limit of %llu MiB failed: %s", (unsigned long long)mib,
                                      strerror(errno));
        return DW_ERR;
    }
    return DW_OK;
#endif
}
