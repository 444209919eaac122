/*
 * exit_guard.c -- dwh_exit_guard_install (dwhost.h): a plugin that calls
 * exit() (or returns from a thread's start into exit) ends the process
 * mid-operation, and the crash guard cannot see it, since no signal is
 * raised.  Once installed, an exit() made while the calling thread runs
 * plugin code (plugin_guard.h) prints one line (crash_message.h,
 * dwhi_crash_format_exit) naming the plugin, its path, the status and the
 * operation, and ends the process with _exit(exit_code): no further atexit
 * handlers, no stdio flush, nothing half-done committed.  An exit()
 * outside plugin code is left alone.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dwhost.h"
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

dw_status dwh_exit_guard_install(int exit_code, char **error) {
    if (error) *error = NULL;
    dw_status rc = DW_OK;
    pthread_mutex_lock(&install_lock);
    __atomic_store_n(&guard_exit_code, exit_code, __ATOMIC_RELAXED);
    if (!installed) {
        if (on_exit(on_process_exit, NULL) == 0) installed = 1;
        else rc = DW_ERR;
    }
    pthread_mutex_unlock(&install_lock);
    if (rc != DW_OK && error) *error = strdup("registering the exit() guard (on_exit) failed");
    return rc;
}
