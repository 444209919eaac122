/*
 * cli.h -- the dwhost command line: command registration and exit codes.
 *
 * Each command lives in its own cmd_<name>.c and registers itself with
 * DWH_CLI_COMMAND, so adding a command touches no shared file.
 */
#ifndef DWH_CLI_H
#define DWH_CLI_H

/* Exit codes: documented in docs/cli/exit-codes.md.  Stable. */
enum dwh_exit {
    DWH_EXIT_OK = 0,
    DWH_EXIT_FAILURE = 1,       /* the operation failed (see the message) */
    DWH_EXIT_USAGE = 2,         /* bad command line */
    DWH_EXIT_PLUGIN = 3,        /* plugin not found, rejected, or some plugins rejected */
    DWH_EXIT_CONFIG = 4,        /* the config is invalid */
    DWH_EXIT_CREDENTIALS = 5,   /* credentials rejected (401) or lacking permission (403) */
    DWH_EXIT_UNREACHABLE = 6,   /* the source could not be reached */
    DWH_EXIT_STATE = 7,         /* the state backend (Redis, state table) failed */
    DWH_EXIT_WAREHOUSE = 8,     /* the warehouse could not be written (disk full, locked) */
    DWH_EXIT_INTERRUPTED = 9,   /* stopped by a signal; progress so far is kept */
    DWH_EXIT_CONFORMANCE = 10,  /* conformance checks failed */
    DWH_EXIT_PLUGIN_CRASHED = 11, /* a plugin crashed (fatal signal in its code); committed work is kept */
    DWH_EXIT_RUNNING = 12       /* sync: the job is already running (another live run holds its lease) */
};

typedef int (*dwh_cli_fn)(int argc, char **argv);

typedef struct dwh_cli_command {
    const char *name;
    const char *summary; /* one line for `dwhost --help` */
    dwh_cli_fn run;      /* argv[0] is the command name */
} dwh_cli_command;

void dwh_cli_register(const dwh_cli_command *cmd);

#define DWH_CLI_COMMAND(ident, cname, csummary, fn)                         \
    static const dwh_cli_command dwh_cmd_##ident = {cname, csummary, fn};  \
    __attribute__((constructor)) static void dwh_cmd_register_##ident(void) { \
        dwh_cli_register(&dwh_cmd_##ident);                                 \
    }

#endif
