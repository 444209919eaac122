/*
 * cli_isolate.h -- `dwhost sync --isolate`: the sync runs in a child
 * process (this same binary, the same command line) that a supervisor
 * watches, as `dwhost serve` watches its workers (docs/cli/sync.md
 * "Isolation").
 *
 * The child does everything `dwhost sync` does (output, summary, exit
 * codes, resume state); the supervisor adds what one process cannot do for
 * itself: it kills a child whose plugin shows no sign of life for the
 * heartbeat timeout, gives the child a memory limit, and reports a child
 * that died in a way its own crash guard could not (SIGKILL from the
 * kernel's OOM killer, a corrupted process) in one line, exit 11.  Either
 * way the committed batches and their state are kept, and rerunning the
 * same command resumes (a dead child's lease is taken over: its pid is
 * gone).
 *
 * The two sides meet through the environment: the supervisor starts the
 * child with DWHOST_ISOLATE_FD (the write end of its heartbeat pipe) and
 * DWHOST_ISOLATE_MEMORY_MB; the child removes both before any plugin
 * loads.
 */
#ifndef DWHI_CLI_ISOLATE_H
#define DWHI_CLI_ISOLATE_H

/* Whether this process is the supervised child (DWHOST_ISOLATE_FD is
 * set).  Call before dwhi_cli_isolate_child_start. */
int dwhi_cli_isolate_is_child(void);

/* The child's side: applies the memory limit, removes the variables from
 * the environment and starts the heartbeat thread (a byte on the pipe each
 * time the plugin has called the host since the last look).  Returns 0, or
 * the exit code after one line. */
int dwhi_cli_isolate_child_start(void);
/* Stops the heartbeat thread (before the process exits). */
void dwhi_cli_isolate_child_stop(void);

/* The supervisor's side: runs this binary with `argv` (argv[0] the command
 * name, as dwhi_cli_invocation has it; borrowed) as the child, with the
 * heartbeat timeout `heartbeat_s` and the memory limit `memory_mb` (0:
 * none).  `source` names the plugin in the lines printed.  Returns the exit
 * code: the child's own, or 11 with one line when it was killed. */
int dwhi_cli_isolate_supervise(int argc, char **argv, const char *source, int heartbeat_s, int memory_mb);

#endif
