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

typedef struct dwhi_guard {
    const char *plugin;     /* source name; borrowed, must outlive the frame */
    const char *path;       /* the .so path; borrowed */
    const char *op;         /* "run", "init", "load", ... (static string) */
    const char *schema;     /* the schema an op works on, or NULL; borrowed */
    struct dwhi_guard *prev; /* the enclosing frame, or NULL */
} dwhi_guard;

/* Pushes `g` (caller-owned storage) as the thread's innermost plugin call.
 * Also makes sure the thread has an alternate signal stack once the crash
 * handler is installed, so a plugin that overflows its stack is caught. */
void dwhi_guard_enter(dwhi_guard *g, const char *plugin, const char *path, const char *op, const char *schema);
/* Pops `g`; it must be the innermost frame. */
void dwhi_guard_leave(dwhi_guard *g);

/* The calling thread's innermost frame, or NULL outside plugin code.
 * Async-signal-safe. */
const dwhi_guard *dwhi_guard_current(void);

#endif
