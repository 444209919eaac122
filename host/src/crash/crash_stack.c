/* crash_stack.c -- each thread's preparation for the fatal-signal handler:
 * its stack bounds and its alternate signal stack (see crash_stack.h). */
#include "crash_stack.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* Set once the handler is installed (crash_handler.c): from then on a
 * prepared thread gets an alternate stack. */
static atomic_int handler_installed;

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

void dwhi_crash_thread_prepare(void) {
    if (!bounds_known) {
        bounds_known = 1;
        learn_stack_bounds();
    }
    if (!altstack_done && atomic_load_explicit(&handler_installed, memory_order_acquire)) {
        altstack_done = 1;
        altstack_ensure();
    }
}

void dwhi_crash_stack_handler_installed(void) {
    atomic_store_explicit(&handler_installed, 1, memory_order_release);
}

int dwhi_crash_is_stack_overflow(int sig, const siginfo_t *si) {
    if (sig != SIGSEGV || !si || !stack_lo) return 0;
    uintptr_t a = (uintptr_t)si->si_addr;
    return a < stack_hi && a + OVERFLOW_SLACK >= stack_lo && a < stack_lo + OVERFLOW_SLACK;
}
