/* plugin_guard.c -- the thread-local stack of plugin calls (see
 * plugin_guard.h). */
#include "plugin_guard.h"

#include "crash_stack.h"

/* initial-exec: the handler reads this from a signal context, where a
 * lazily allocated (dynamic model) TLS block must not be created. */
static __thread dwhi_guard *current __attribute__((tls_model("initial-exec")));

void dwhi_guard_enter(dwhi_guard *g, const char *plugin, const char *path, const char *op, const char *schema) {
    dwhi_crash_thread_prepare();
    g->plugin = plugin;
    g->path = path;
    g->op = op;
    g->schema = schema;
    g->prev = current;
    g->recover = NULL;
    /* The frame must be complete before it becomes visible to a handler
     * running on this thread. */
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    current = g;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

void dwhi_guard_leave(dwhi_guard *g) {
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    if (current == g) current = g->prev;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

void dwhi_guard_recover(dwhi_guard *g, dwhi_guard_recovery *r) {
    r->signal = 0;
    r->line[0] = 0;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    g->recover = r;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

void dwhi_guard_unwind_to(dwhi_guard *g) {
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    current = g;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

const dwhi_guard *dwhi_guard_current(void) { return current; }
