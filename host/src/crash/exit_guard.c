/* exit_guard.c -- exit() inside plugin code reported (see exit_guard.h). */
#include "exit_guard.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "crash_message.h"
#include "memory_limit.h"
#include "plugin_guard.h"

static int guard_exit_code = 11;
static int installed;
static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_process_exit(int status, void *ud) {
    (void)ud;
    const dwhi_guard *g = dwhi_guard_current();
    if (!g) return;
    char buf[2048];
    size_t n = dwhi_crash_format_exit(g, status, buf, sizeof buf);
    n = dwhi_memory_limit_note(buf, n, sizeof buf);
    for (size_t off = 0; off < n;) {
        ssize_t w = write(STDERR_FILENO, buf + off, n - off);
        if (w <= 0) break;
        off += (size_t)w;
    }
    _exit(__atomic_load_n(&guard_exit_code, __ATOMIC_RELAXED));
}

int dwhi_exit_guard_install(int exit_code) {
    int rc = 0;
    pthread_mutex_lock(&install_lock);
    __atomic_store_n(&guard_exit_code, exit_code, __ATOMIC_RELAXED);
    if (!installed) {
        if (on_exit(on_process_exit, NULL) == 0) installed = 1;
        else rc = -1;
    }
    pthread_mutex_unlock(&install_lock);
    return rc;
}
