/*
 * crash_stack.h -- each thread's preparation for the fatal-signal handler
 * (crash_handler.h): the bounds of its stack, so the handler can tell a
 * stack overflow, and an alternate signal stack to run on, so it can run
 * after one.  Below both plugin_guard.c (which prepares every thread that
 * calls into a plugin) and crash_handler.c (which reads the bounds).
 */
#ifndef DWHI_CRASH_STACK_H
#define DWHI_CRASH_STACK_H

#include <signal.h>

/* Prepares the calling thread for the handler: records its stack bounds
 * (stack overflow detection) and, once the handler is installed, gives it
 * an alternate signal stack unless it has one (a sanitizer's, say).  Done
 * once per thread; dwhi_guard_enter calls it.  The stack is released when
 * the thread exits. */
void dwhi_crash_thread_prepare(void);

/* Called by the handler's install once it is in place: threads prepared
 * from then on get an alternate stack. */
void dwhi_crash_stack_handler_installed(void);

/* 1 when `si` (SIGSEGV) faulted near the bottom of the calling thread's
 * stack (a frame larger than the guard page can land well below it), as
 * far as its recorded bounds tell; 0 otherwise.  Async-signal-safe: reads
 * initial-exec thread-locals only. */
int dwhi_crash_is_stack_overflow(int sig, const siginfo_t *si);

#endif
