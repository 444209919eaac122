/*
 * cli.h -- the dwhost command line: command registration and exit codes.
 *
 * Each command lives in its own cmd_<name>.c and registers itself with
 * DWHI_CLI_COMMAND, so adding a command touches no shared file.  A command
 * declares its options in a table (cli_options.h); main.c parses argv
 * with it and then calls the command's run function, which finds the
 * values where the table put them and does its job.  --help, the man page
 * and the bash completion are generated from the same declarations
 * (cli_help.c).
 */
#ifndef DWHI_CLI_H
#define DWHI_CLI_H

#include <stddef.h>

#include "cli_options.h"

/* Exit codes: documented in docs/cli/exit-codes.md, in `dwhost --help` and
 * in dwhost(1) from dwhi_cli_exit_codes (cli_exit.c).  Stable. */
enum dwhi_exit {
    DWHI_EXIT_OK = 0,
    DWHI_EXIT_FAILURE = 1,       /* the operation failed (see the message) */
    DWHI_EXIT_USAGE = 2,         /* bad command line */
    DWHI_EXIT_PLUGIN = 3,        /* plugin not found, rejected, or some plugins rejected */
    DWHI_EXIT_CONFIG = 4,        /* the config is invalid */
    DWHI_EXIT_CREDENTIALS = 5,   /* credentials rejected (401) or lacking permission (403) */
    DWHI_EXIT_UNREACHABLE = 6,   /* the source could not be reached */
    DWHI_EXIT_STATE = 7,         /* the state backend (Redis, state table) failed */
    DWHI_EXIT_WAREHOUSE = 8,     /* the warehouse could not be written (disk full, locked) */
    DWHI_EXIT_INTERRUPTED = 9,   /* stopped by SIGINT/SIGTERM; progress so far is kept (cli_signal.h) */
    DWHI_EXIT_CONFORMANCE = 10,  /* conformance checks failed */
    DWHI_EXIT_PLUGIN_CRASHED = 11, /* a plugin crashed (fatal signal in its code); committed work is kept */
    DWHI_EXIT_RUNNING = 12       /* sync: the job is already running (another live run holds its lease) */
};

/* One line per exit code, for --help and the man page; ends with {-1}. */
typedef struct dwhi_cli_exit_code {
    int code;
    const char *meaning;
} dwhi_cli_exit_code;
extern const dwhi_cli_exit_code dwhi_cli_exit_codes[];

/* What a command's run function is given: the whole command line (argv[0]
 * is the command name) and its operand (the source name for the commands
 * that take one; NULL otherwise).  Options are in the targets of the
 * command's table. */
typedef struct dwhi_cli_invocation {
    int argc;
    char **argv;
    const char *operand;
} dwhi_cli_invocation;

typedef int (*dwhi_cli_fn)(const dwhi_cli_invocation *inv);

enum {
    /* The command passes dwhi_cli_cancel to the library, so SIGINT
     * and SIGTERM stop it at its next safe point (cli_signal.h). */
    DWHI_CLI_CANCELLABLE = 1u << 0,
    /* Not listed in --help, the man page or the completion. */
    DWHI_CLI_HIDDEN = 1u << 1,
    /* The operand may be left out (the command says what that means). */
    DWHI_CLI_OPERAND_OPTIONAL = 1u << 2
};

typedef struct dwhi_cli_command {
    const char *name;
    const char *summary;         /* one line for `dwhost --help` */
    dwhi_cli_fn run;
    const dwhi_cli_opt *options;  /* ends with DWHI_OPT_END() */
    const char *operand;         /* "source": the command takes <source>; NULL: no operand */
    const char *operand_missing; /* the usage line when the operand is missing */
    const char *synopsis;        /* the usage forms, one per line, without "dwhost "; NULL: generated */
    const char *description;     /* paragraphs separated by "\n\n" */
    const char *exit_status;     /* which exit codes the command returns, one paragraph */
    unsigned flags;              /* DWHI_CLI_CANCELLABLE, DWHI_CLI_HIDDEN, DWHI_CLI_OPERAND_OPTIONAL */
    /* The words after the operand (`call SOURCE ACTION NAME=VALUE...`)
     * are appended here in order (borrowed from argv; the command frees
     * the array with free(list->v)); NULL: a second operand is refused. */
    dwhi_cli_list *more_operands;
} dwhi_cli_command;

void dwhi_cli_register(const dwhi_cli_command *cmd);

/* The registered commands sorted by name (*n set); borrowed. */
const dwhi_cli_command *const *dwhi_cli_commands(size_t *n);

#define DWHI_CLI_COMMAND(ident, ...)                                         \
    static const dwhi_cli_command dwhi_cmd_##ident = {__VA_ARGS__};          \
    __attribute__((constructor)) static void dwhi_cmd_register_##ident(void) { \
        dwhi_cli_register(&dwhi_cmd_##ident);                                 \
    }

#endif
