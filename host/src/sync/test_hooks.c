/* test_hooks.c -- the test-only hooks (see test_hooks.h); compiled only
 * with DWHOST_TEST_HOOKS (host/CMakeLists.txt). */
#include "test_hooks.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void dwhi_crashpoint(const char *point) {
    static int init;
    static char name[64];
    static long target, hits;
    if (!init) {
        init = 1;
        const char *spec = getenv("DWHOST_TEST_CRASH_AT");
        const char *colon = spec ? strrchr(spec, ':') : NULL;
        if (colon && (size_t)(colon - spec) < sizeof name) {
            memcpy(name, spec, (size_t)(colon - spec));
            target = strtol(colon + 1, NULL, 10);
        }
    }
    if (target <= 0 || strcmp(point, name) != 0) return;
    if (++hits == target) {
        /* SIGKILL: no atexit handlers, no buffered output flushed, no
         * SQLite cleanup -- what a power cut of the process looks like. */
        kill(getpid(), SIGKILL);
        _exit(137);
    }
}

int64_t dwhi_test_warehouse_max_pages(void) {
    const char *v = getenv("DWHOST_TEST_WAREHOUSE_MAX_PAGES");
    return v ? strtoll(v, NULL, 10) : 0;
}

int64_t dwhi_test_lease_timeout_ms(int64_t dflt) {
    const char *v = getenv("DWHOST_TEST_LEASE_TIMEOUT_MS");
    return v ? atoll(v) : dflt;
}
