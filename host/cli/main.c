/* main.c -- dwhost entry point: parses a command's options with its table
 * (cli_options.h), then runs it; the same for every command: logging and
 * transport options applied, Ctrl-C handled (cli_signal.h), lists freed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_help.h"
#include "cli_http.h"
#include "cli_log.h"
#include "cli_signal.h"
#include "dwhost.h"

#define DWHI_MAX_COMMANDS 32

static const dwhi_cli_command *commands[DWHI_MAX_COMMANDS];
static size_t n_commands;

void dwhi_cli_register(const dwhi_cli_command *cmd) {
    if (n_commands < DWHI_MAX_COMMANDS) commands[n_commands++] = cmd;
}

static int by_name(const void *a, const void *b) {
    const dwhi_cli_command *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

const dwhi_cli_command *const *dwhi_cli_commands(size_t *n) {
    *n = n_commands;
    return commands;
}

static const dwhi_cli_command *find(const char *name) {
    for (size_t i = 0; i < n_commands; i++)
        if (!strcmp(commands[i]->name, name)) return commands[i];
    return NULL;
}

/* Parses and runs one command: argv[0] is its name. */
static int run_command(const dwhi_cli_command *cmd, int argc, char **argv) {
    const char *operand = NULL;
    int rc = dwhi_cli_parse(cmd, argc, argv, &operand);
    int log_opened = 0;
    if (rc == DWHI_CLI_PARSE_RUN && dwhi_cli_option_find(cmd->options, "log-level")) {
        if (dwhi_cli_log_open(&dwhi_cli_log_opts, cmd->name) != 0) rc = DWHI_EXIT_USAGE;
        else log_opened = 1;
    }
    if (rc == DWHI_CLI_PARSE_RUN && dwhi_cli_option_find(cmd->options, "http-timeout") &&
        dwhi_cli_http_apply(&dwhi_cli_http_opts, cmd->name) != 0)
        rc = DWHI_EXIT_USAGE;
    if (rc == DWHI_CLI_PARSE_RUN) {
        dwhi_cli_signals_install(cmd->name, (cmd->flags & DWHI_CLI_CANCELLABLE) != 0);
        dwhi_cli_invocation inv = {argc, argv, operand};
        rc = cmd->run(&inv);
        fflush(stdout);
        /* Ctrl-C ends every command the same way (cli_signal.h). */
        if (dwhi_cli_interrupt_signal() && rc != DWHI_EXIT_OK && rc != DWHI_EXIT_PLUGIN_CRASHED) {
            if (!dwhi_cli_interrupt_reported()) dwhi_cli_interrupted(NULL, "what was done so far is kept");
            rc = DWHI_EXIT_INTERRUPTED;
        }
    }
    if (log_opened) dwhi_cli_log_close(&dwhi_cli_log_opts);
    dwhi_cli_options_free(cmd->options);
    return rc;
}

int main(int argc, char **argv) {
    /* A plugin that crashes ends the run with one line and exit 11. */
    dwh_crash_guard_install(DWHI_EXIT_PLUGIN_CRASHED, NULL); /* off only when DWHOST_NO_CRASH_GUARD asks */
    /* So does one that calls exit() (dwh_exit_guard_install). */
    dwh_exit_guard_install(DWHI_EXIT_PLUGIN_CRASHED, NULL);
    qsort(commands, n_commands, sizeof commands[0], by_name);
    if (argc < 2) {
        dwhi_cli_help_main(stderr);
        return DWHI_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--version") || !strcmp(name, "-V")) {
        printf("dwhost %s (plugin ABI %d.%d)\n", dwh_version(), DW_ABI_MAJOR, DW_ABI_MINOR);
        return DWHI_EXIT_OK;
    }
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || (!strcmp(name, "help") && argc < 3)) {
        dwhi_cli_help_main(stdout);
        return DWHI_EXIT_OK;
    }
    /* hidden: the build writes dwhost.1 with it */
    if (!strcmp(name, "--man")) {
        dwhi_cli_man(stdout);
        return fflush(stdout) == 0 ? DWHI_EXIT_OK : DWHI_EXIT_FAILURE;
    }
    if (!strcmp(name, "completion")) {
        if (argc != 3 || strcmp(argv[2], "bash") != 0) {
            fprintf(stderr, "dwhost: completion: give the shell: 'dwhost completion bash' (bash is the one "
                            "supported)\n");
            return DWHI_EXIT_USAGE;
        }
        dwhi_cli_completion_bash(stdout);
        return fflush(stdout) == 0 ? DWHI_EXIT_OK : DWHI_EXIT_FAILURE;
    }
    if (!strcmp(name, "help")) {
        const dwhi_cli_command *cmd = find(argv[2]);
        if (cmd) {
            dwhi_cli_help_command(stdout, cmd);
            return DWHI_EXIT_OK;
        }
        name = argv[2];
    } else {
        const dwhi_cli_command *cmd = find(name);
        if (cmd) return run_command(cmd, argc - 1, argv + 1);
    }
    fprintf(stderr, "dwhost: unknown command '%s'; run 'dwhost --help' for the list\n", name);
    return DWHI_EXIT_USAGE;
}
