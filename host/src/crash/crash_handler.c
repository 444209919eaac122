/* crash_handler.c -- the fatal-signal handler and the per-thread alternate
 * signal stacks (see crash_handler.h; the API is in dwhost.h). */
#include "crash_handler.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "crash_message.h"
#include "dwhost.h"
#include "plugin_guard.h"

static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGSYS};
#define N_FATAL (sizeof fatal_signals / sizeof fatal_signals[0])

/* What was installed before us, per entry of fatal_signals. */
static struct sigaction previous[N_FATAL];
static atomic_int installed;
static volatile sig_atomic_t crash_exit_code = 11;
static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;

/* An alternate stack someone else set up is used when at least this big. */
#define ALTSTACK_MIN_USABLE (16u * 1024u)
/* A fault this close to the bottom of the thread's stack is an overflow:
 * a frame larger than the guard page can land well below it. */
#define OVERFLOW_SLACK ((uintptr_t)1 << 20)

/* Per thread; initial-exec so the handler never allocates TLS. */
#define TLS static __thread __attribute__((tls_model("initial-exec")))
TLS int bounds_known;
TLS uintptr_t stack_lo, stack_hi;
TLS int altstack_done;

/* ---- alternate signal stacks ------------------------------------------ */

static pthread_key_t altstack_key;
static pthread_once_t altstack_key_once = PTHREAD_ONCE_INIT;
static size_t altstack_bytes; /* usable size; a guard page sits below */

static size_t page_size(void) {
    long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? (size_t)p : 4096u;
}

/* Thread exit: stop using the stack, then unmap it with its guard page. */
static void altstack_release(void *mem) {
    stack_t cur;
    char *usable = (char *)mem + page_size();
    if (sigaltstack(NULL, &cur) == 0 && cur.ss_sp == usable) {
        stack_t off = {.ss_flags = SS_DISABLE};
        sigaltstack(&off, NULL);
    }
    munmap(mem, altstack_bytes + page_size());
}

static void altstack_key_make(void) {
    size_t sz = 64u * 1024u;
#ifdef _SC_MINSIGSTKSZ
    long m = sysconf(_SC_MINSIGSTKSZ);
    if (m > 0 && (size_t)m * 4 > sz) sz = (size_t)m * 4;
#endif
    altstack_bytes = (sz + page_size() - 1) / page_size() * page_size();
    if (pthread_key_create(&altstack_key, altstack_release) != 0) altstack_bytes = 0;
}

static void altstack_ensure(void) {
    stack_t cur;
    if (sigaltstack(NULL, &cur) == 0 && !(cur.ss_flags & SS_DISABLE) && cur.ss_size >= ALTSTACK_MIN_USABLE)
        return; /* the thread has one (a sanitizer's, an embedder's): share it */
    pthread_once(&altstack_key_once, altstack_key_make);
    if (!altstack_bytes) return;
    size_t page = page_size();
    char *mem = mmap(NULL, altstack_bytes + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK,
                     -1, 0);
    if (mem == MAP_FAILED) return;
    /* A guard page, so a handler that overflows faults instead of
     * scribbling on whatever is mapped below. */
    mprotect(mem, page, PROT_NONE);
    stack_t ss = {.ss_sp = mem + page, .ss_size = altstack_bytes, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0 || pthread_setspecific(altstack_key, mem) != 0) {
        stack_t off = {.ss_flags = SS_DISABLE};
        if (sigaltstack(NULL, &cur) == 0 && cur.ss_sp == ss.ss_sp) sigaltstack(&off, NULL);
        munmap(mem, altstack_bytes + page);
    }
}

/* ---- per-thread preparation ------------------------------------------- */

static void learn_stack_bounds(void) {
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
    void *addr = NULL;
    size_t size = 0;
    if (pthread_attr_getstack(&attr, &addr, &size) == 0 && addr && size) {
        stack_lo = (uintptr_t)addr;
        stack_hi = stack_lo + size;
    }
    pthread_attr_destroy(&attr);
}

void dwh_crash_thread_prepare(void) {
    if (!bounds_known) {
        bounds_known = 1;
        learn_stack_bounds();
    }
    if (!altstack_done && atomic_load_explicit(&installed, memory_order_acquire)) {
        altstack_done = 1;
        altstack_ensure();
    }
}

/* ---- the handler ------------------------------------------------------ */

static int is_stack_overflow(int sig, const siginfo_t *si) {
    if (sig != SIGSEGV || !si || !stack_lo) return 0;
    uintptr_t a = (uintptr_t)si->si_addr;
    return a < stack_hi && a + OVERFLOW_SLACK >= stack_lo && a < stack_lo + OVERFLOW_SLACK;
}

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
    const dwh_guard *g = dwh_guard_current();
    if (g && !sent_by_other_process(si)) {
        char line[2048];
        size_t n = dwh_crash_format(g, sig, is_stack_overflow(sig, si), line, sizeof line);
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

int dwh_crash_guard_install(int exit_code) {
    const char *off = getenv("DWHOST_NO_CRASH_GUARD");
    if (off && *off && strcmp(off, "0") != 0) return 1;
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
        }
    }
    pthread_mutex_unlock(&install_lock);
    if (rc == 0) dwh_crash_thread_prepare();
    return rc;
}

size_t dwh_crash_guard_describe(int sig, const void *fault_addr, char *buf, size_t size) {
    const dwh_guard *g = dwh_guard_current();
    if (!g || !buf || size < 2) return 0;
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_addr = (void *)fault_addr;
    return dwh_crash_format(g, sig, fault_addr && is_stack_overflow(sig, &si), buf, size);
}
