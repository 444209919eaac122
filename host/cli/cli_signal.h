/*
 * cli_signal.h -- Ctrl-C (SIGINT) and SIGTERM, the same in every command.
 *
 * main.c installs one handler before a command runs:
 *   - a command flagged DWHI_CLI_CANCELLABLE (it hands dwhi_cli_cancel_flag
 *     to the library as its cancel flag: check, read, sync) is asked to
 *     stop: the first signal sets the flag, the library stops at its next
 *     safe point (rows printed so far complete, batches committed with
 *     their state) and the command ends with exit 9 and one line
 *       dwhost: CMD: interrupted [WHERE] (SIGINT); <what is kept, how to resume>
 *     (dwhi_cli_interrupted());
 *   - any other command ends at once with exit 9 and
 *       dwhost: CMD: interrupted (SIGINT); stopped at once
 *     nothing they do can be left half done: list-plugins, describe,
 *     status and conformance change nothing; webhook stores or drops a
 *     payload in one SQLite transaction, so a stop leaves it all done or
 *     not done at all;
 *   - a second signal ends a cancellable command at once:
 *       dwhost: CMD: interrupted again (SIGINT); stopped at once, what was committed is kept
 * The exit status is DWHI_EXIT_INTERRUPTED (9) in every case.
 */
#ifndef DWHI_CLI_SIGNAL_H
#define DWHI_CLI_SIGNAL_H

#include "dwhost.h"

/* The cancel flag a cancellable command hands to the library
 * (dwhi_op_flags.cancel, dwh_sync_options.cancel): made by
 * dwhi_cli_signals_install (NULL before, or on OOM: not cancellable),
 * requested only by the signal handler (dwh_cancel_request is
 * async-signal-safe), read by the library's threads.  Lives until exit. */
extern dwh_cancel *dwhi_cli_cancel;

/* Installs the SIGINT/SIGTERM handler for `cmd` (borrowed; must outlive
 * the run) and saves a copy of stderr for its messages (a command may
 * redirect fd 2 while it runs, as conformance does).  Ignores SIGPIPE: a
 * closed stdout is an error the commands report. */
void dwhi_cli_signals_install(const char *cmd, int cancellable);

/* The name of the signal that interrupted the run ("SIGINT",
 * "SIGTERM"), or NULL when none arrived. */
const char *dwhi_cli_interrupt_signal(void);

/* Prints the line of a command that stopped on a signal,
 *   dwhost: CMD: interrupted[ WHERE] (SIGINT); <fmt...>
 * (`where` may be NULL) and returns DWHI_EXIT_INTERRUPTED.  main.c prints
 * "dwhost: CMD: interrupted (SIGINT); what was done so far is kept" for a
 * cancellable command that ended on a signal without calling this. */
int dwhi_cli_interrupted(const char *where, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* 1 once dwhi_cli_interrupted() printed its line. */
int dwhi_cli_interrupt_reported(void);

#endif
