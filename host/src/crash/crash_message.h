/*
 * crash_message.h -- the one line dwhost prints when a plugin crashes:
 *
 *   dwhost: plugin 'NAME' (PATH) crashed with SIGSEGV (invalid memory
 *   access) in run(schema 'items'); progress up to the last committed
 *   batch or saved state is kept, nothing after it was committed; report
 *   this to the plugin's author (...)
 *
 * Built without allocation, stdio or locale so that a signal handler can
 * call it.  Separate from the handler so it can be unit tested.
 */
#ifndef DWHI_CRASH_MESSAGE_H
#define DWHI_CRASH_MESSAGE_H

#include <stddef.h>

#include "plugin_guard.h"

/* "SIGSEGV", "SIGABRT", ...; "signal" for one we do not name.  Static. */
const char *dwhi_crash_signal_name(int sig);

/* Writes the line for fatal signal `sig` during the plugin call `g` into
 * buf (n bytes, n >= 2), ending in '\n' and NUL-terminated; text that does
 * not fit is cut, the newline is kept.  `stack_overflow`: the fault
 * address lies just below the thread's stack (SIGSEGV only).
 * Plugin strings are read bounded and control characters are replaced, so
 * the result is always one line.  Returns the length (without the NUL).
 * Async-signal-safe. */
size_t dwhi_crash_format(const dwhi_guard *g, int sig, int stack_overflow, char *buf, size_t n);

/* The line for a plugin that called exit(status) during the plugin call
 * `g` (exit_guard.c, dwh_exit_guard_install):
 *   dwhost: plugin 'NAME' (PATH) called exit(3) in run(schema 'items'); ...
 * Same buffer rules and return as dwhi_crash_format; async-signal-safe. */
size_t dwhi_crash_format_exit(const dwhi_guard *g, int status, char *buf, size_t n);

#endif
