/*
 * crash_handler.h -- containment of plugin crashes.
 *
 * Once installed (dwh_crash_guard_install, dwhost.h), a fatal signal
 * (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGSYS) raised while the
 * faulting thread runs plugin code (plugin_guard.h) prints one line naming
 * the plugin, its path, the signal and the operation (crash_message.h)
 * with write(2), and ends the process with _exit(exit_code): no atexit
 * handlers, no stdio flush, so nothing half-done is committed.  The
 * handler runs on an alternate signal stack so a stack overflow is caught
 * too.  A fatal signal anywhere else (a host bug), or one sent by another
 * process, goes to the action that was installed before ours (the
 * default: a core dump; or a sanitizer's report).
 *
 * The public half (install, describe) is declared in dwhost.h.
 */
#ifndef DWHI_CRASH_HANDLER_H
#define DWHI_CRASH_HANDLER_H

/* Declares nothing more: the public half (install, describe) is in
 * dwhost.h, and the per-thread preparation dwhi_guard_enter calls is
 * crash_stack.h, so plugin_guard.c does not depend on the handler. */

#endif
