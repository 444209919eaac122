/*
 * plugin_guard.h -- marks the stretches of a thread that run plugin code,
 * so a fatal signal can be blamed on the right plugin and operation.
 *
 * Every call into a plugin (its constructors at load, init, fini,
 * list_schemas, check_credentials, run, webhook_transform) is bracketed:
 *
 *     dwhi_guard g;
 *     dwhi_guard_enter(&g, name, path, "run", schema);
 *     ret = src->run(ctx, in);
 *     dwhi_guard_leave(&g);
 *
 * The frame lives on the caller's stack and is linked into a thread-local
 * list, so entering costs two stores and no allocation.  The crash handler
 * (crash_handler.h) reads the innermost frame of the faulting thread;
 * a fault with no frame is a host fault and keeps its default action.
 * Host functions the plugin calls back (the dw_host_api table) run inside
 * the plugin's frame: a fault there is reported as the plugin's, since the
 * plugin may have handed the host a bad pointer.
 */
#ifndef DWHI_PLUGIN_GUARD_H
#define DWHI_PLUGIN_GUARD_H

#include <setjmp.h>
#include <signal.h>

/* A frame that survives its plugin's crash (actions, ABI 1.8): instead of
 * ending the process, the handler writes the crash line into `line`, sets
 * `signal` and jumps back to `jump` (sigsetjmp(jump, 1) at the call).
 * Only for calls that write nothing the host keeps (an action's result is
 * dropped): a crash in the middle of a sync must still end the process so
 * that nothing half-done is committed.  What the plugin's own memory holds
 * afterwards is the plugin's business; the host's state is what it was
 * when the plugin was called, except for locks the plugin held inside
 * host callbacks (the transport's, the logger's: none is held across a
 * call back into plugin code). */
typedef struct dwhi_guard_recovery {
    sigjmp_buf jump;
    volatile sig_atomic_t signal; /* 0 until a crash */
    char line[1024];              /* the crash line (crash_message.h), without "dwhost: " or newline */
} dwhi_guard_recovery;

typedef struct dwhi_guard {
    const char *plugin;     /* source name; borrowed, must outlive the frame */
    const char *path;       /* the .so path; borrowed */
    const char *op;         /* "run", "init", "load", "action" ... (static string) */
    const char *schema;     /* the schema an op works on (the action's name for "action"), or NULL; borrowed */
    struct dwhi_guard *prev; /* the enclosing frame, or NULL */
    dwhi_guard_recovery *recover; /* set with dwhi_guard_recover(); NULL: a crash ends the process */
} dwhi_guard;

/* Pushes `g` (caller-owned storage) as the thread's innermost plugin call.
 * Also makes sure the thread has an alternate signal stack once the crash
 * handler is installed, so a plugin that overflows its stack is caught. */
void dwhi_guard_enter(dwhi_guard *g, const char *plugin, const char *path, const char *op, const char *schema);
/* Pops `g`; it must be the innermost frame. */
void dwhi_guard_leave(dwhi_guard *g);

/* Makes the entered frame `g` recoverable through `r` (caller-owned,
 * outlives the frame): call sigsetjmp(r->jump, 1) first, then this. */
void dwhi_guard_recover(dwhi_guard *g, dwhi_guard_recovery *r);

/* Makes `g` the innermost frame again (frames entered inside it and
 * abandoned by a jump out of the signal handler are dropped).
 * Async-signal-safe. */
void dwhi_guard_unwind_to(dwhi_guard *g);

/* The calling thread's innermost frame, or NULL outside plugin code.
 * Async-signal-safe. */
const dwhi_guard *dwhi_guard_current(void);

#endif
