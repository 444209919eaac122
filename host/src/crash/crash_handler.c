/* crash_handler.c -- the fatal-signal handler (see crash_handler.h; the
 * API is in dwhost.h; the per-thread stacks are crash_stack.c). */
#include "crash_handler.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "crash_message.h"
#include "crash_stack.h"
#include "dwhost.h"
#include "memory_limit.h"
#include "plugin_guard.h"

static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGSYS};
#define N_FATAL (sizeof fatal_signals / sizeof fatal_signals[0])

/* What was installed before us, per entry of fatal_signals. */
static struct sigaction previous[N_FATAL];
static atomic_int installed;
static volatile sig_atomic_t crash_exit_code = 11;
static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- the handler ------------------------------------------------------ */

static void write_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        p += w;
        n -= (size_t)w;
    }
}

/* A signal another process sent (kill -SEGV <pid>) is not the plugin's
 * fault, even if it lands while plugin code runs. */
static int sent_by_other_process(const siginfo_t *si) {
    return si && si->si_code == SI_USER && si->si_pid != getpid();
}

static void on_fatal(int sig, siginfo_t *si, void *uctx) {
    int saved_errno = errno;
    const dwhi_guard *g = dwhi_guard_current();
    if (g && !sent_by_other_process(si) && g->recover) {
        /* A recoverable call (an action): fail it, keep the process. */
        dwhi_guard_recovery *r = g->recover;
        char line[2048];
        size_t n = dwhi_crash_format(g, sig, dwhi_crash_is_stack_overflow(sig, si), line, sizeof line);
        const char *text = line;
        static const char prefix[] = "dwhost: ";
        if (n >= sizeof prefix - 1 && !memcmp(line, prefix, sizeof prefix - 1)) text += sizeof prefix - 1, n -= sizeof prefix - 1;
        if (n && text[n - 1] == '\n') n--;
        if (n >= sizeof r->line) n = sizeof r->line - 1;
        memcpy(r->line, text, n);
        r->line[n] = 0;
        r->signal = sig;
        dwhi_guard_unwind_to((dwhi_guard *)g);
        errno = saved_errno;
        siglongjmp(r->jump, 1);
    }
    if (g && !sent_by_other_process(si)) {
        char line[2048];
        size_t n = dwhi_crash_format(g, sig, dwhi_crash_is_stack_overflow(sig, si), line, sizeof line);
        n = dwhi_memory_limit_note(line, n, sizeof line);
        write_all(STDERR_FILENO, line, n);
        _exit(crash_exit_code);
    }
    /* Not a plugin's crash: hand it to the previous action, so a host bug
     * still dumps core (or reaches a sanitizer). */
    size_t i = 0;
    while (i < N_FATAL && fatal_signals[i] != sig) i++;
    if (i < N_FATAL) sigaction(sig, &previous[i], NULL);
    else signal(sig, SIG_DFL);
    /* Sent (kill, raise, abort): send it again; it is delivered when we
     * return and unblock it.  A fault re-executes the faulting
     * instruction on return and faults again under the previous action. */
    if (!si || si->si_code <= 0) raise(sig);
    errno = saved_errno;
}

/* ---- public API (dwhost.h) -------------------------------------------- */

dw_status dwh_crash_guard_install(int exit_code, char **error) {
    if (error) *error = NULL;
    const char *off = getenv("DWHOST_NO_CRASH_GUARD");
    if (off && *off && strcmp(off, "0") != 0) {
        if (error)
            *error = strdup("the crash guard is off (DWHOST_NO_CRASH_GUARD is set): a crashing plugin ends the "
                            "process with a core dump; unset it to contain crashes");
        return DW_ERR_UNSUPPORTED;
    }
    int rc = 0;
    pthread_mutex_lock(&install_lock);
    crash_exit_code = exit_code;
    if (!atomic_load_explicit(&installed, memory_order_relaxed)) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_fatal;
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
        sigemptyset(&sa.sa_mask);
        size_t i;
        for (i = 0; i < N_FATAL; i++)
            if (sigaction(fatal_signals[i], &sa, &previous[i]) != 0) break;
        if (i < N_FATAL) {
            int e = errno;
            while (i-- > 0) sigaction(fatal_signals[i], &previous[i], NULL);
            errno = e;
            rc = -1;
        } else {
            atomic_store_explicit(&installed, 1, memory_order_release);
            dwhi_crash_stack_handler_installed();
        }
    }
    pthread_mutex_unlock(&install_lock);
    if (rc == 0) {
        dwhi_crash_thread_prepare();
        return DW_OK;
    }
    if (error && asprintf(error, "the crash guard could not be installed: sigaction failed: %s", strerror(errno)) < 0)
        *error = NULL;
    return DW_ERR;
}

size_t dwh_crash_guard_describe(int sig, const void *fault_addr, char *buf, size_t size) {
    const dwhi_guard *g = dwhi_guard_current();
    if (!g || !buf || size < 2) return 0;
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_addr = (void *)fault_addr;
    return dwhi_crash_format(g, sig, fault_addr && dwhi_crash_is_stack_overflow(sig, &si), buf, size);
}
