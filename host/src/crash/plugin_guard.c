/* plugin_guard.c -- the thread-local stack of plugin calls (see
 * plugin_guard.h). */
#include "plugin_guard.h"

#include "crash_stack.h"

/* initial-exec: the handler reads this from a signal context, where a
 * lazily allocated (dynamic model) TLS block must not be created. */
static __thread dwh_guard *current __attribute__((tls_model("initial-exec")));

void dwh_guard_enter(dwh_guard *g, const char *plugin, const char *path, const char *op, const char *schema) {
    dwh_crash_thread_prepare();
    g->plugin = plugin;
    g->path = path;
    g->op = op;
    g->schema = schema;
    g->prev = current;
    /* The frame must be complete before it becomes visible to a handler
     * running on this thread. */
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    current = g;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

void dwh_guard_leave(dwh_guard *g) {
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    if (current == g) current = g->prev;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

const dwh_guard *dwh_guard_current(void) { return current; }
