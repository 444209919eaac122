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

#define DWH_MAX_COMMANDS 32

static const dwh_cli_command *commands[DWH_MAX_COMMANDS];
static size_t n_commands;

void dwh_cli_register(const dwh_cli_command *cmd) {
    if (n_commands < DWH_MAX_COMMANDS) commands[n_commands++] = cmd;
}

static int by_name(const void *a, const void *b) {
    const dwh_cli_command *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

const dwh_cli_command *const *dwh_cli_commands(size_t *n) {
    *n = n_commands;
    return commands;
}

static const dwh_cli_command *find(const char *name) {
    for (size_t i = 0; i < n_commands; i++)
        if (!strcmp(commands[i]->name, name)) return commands[i];
    return NULL;
}

/* Parses and runs one command: argv[0] is its name. */
static int run_command(const dwh_cli_command *cmd, int argc, char **argv) {
    const char *operand = NULL;
    int rc = dwh_cli_parse(cmd, argc, argv, &operand);
    int log_opened = 0;
    if (rc == DWH_CLI_PARSE_RUN && dwh_cli_option_find(cmd->options, "log-level")) {
        if (dwh_cli_log_open(&dwh_cli_log_opts, cmd->name) != 0) rc = DWH_EXIT_USAGE;
        else log_opened = 1;
    }
    if (rc == DWH_CLI_PARSE_RUN && dwh_cli_option_find(cmd->options, "http-timeout") &&
        dwh_cli_http_apply(&dwh_cli_http_opts, cmd->name) != 0)
        rc = DWH_EXIT_USAGE;
    if (rc == DWH_CLI_PARSE_RUN) {
        dwh_cli_signals_install(cmd->name, (cmd->flags & DWH_CLI_CANCELLABLE) != 0);
        dwh_cli_invocation inv = {argc, argv, operand};
        rc = cmd->run(&inv);
        fflush(stdout);
        /* Ctrl-C ends every command the same way (cli_signal.h). */
        if (dwh_cli_interrupt_signal() && rc != DWH_EXIT_OK && rc != DWH_EXIT_PLUGIN_CRASHED) {
            if (!dwh_cli_interrupt_reported()) dwh_cli_interrupted(NULL, "what was done so far is kept");
            rc = DWH_EXIT_INTERRUPTED;
        }
    }
    if (log_opened) dwh_cli_log_close(&dwh_cli_log_opts);
    dwh_cli_options_free(cmd->options);
    return rc;
}

int main(int argc, char **argv) {
    /* A plugin that crashes ends the run with one line and exit 11. */
    dwh_crash_guard_install(DWH_EXIT_PLUGIN_CRASHED);
    qsort(commands, n_commands, sizeof commands[0], by_name);
    if (argc < 2) {
        dwh_cli_help_main(stderr);
        return DWH_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--version") || !strcmp(name, "-V")) {
        printf("dwhost %s (plugin ABI %d.%d)\n", dwh_version(), DW_ABI_MAJOR, DW_ABI_MINOR);
        return DWH_EXIT_OK;
    }
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || (!strcmp(name, "help") && argc < 3)) {
        dwh_cli_help_main(stdout);
        return DWH_EXIT_OK;
    }
    /* hidden: the build writes dwhost.1 with it */
    if (!strcmp(name, "--man")) {
        dwh_cli_man(stdout);
        return fflush(stdout) == 0 ? DWH_EXIT_OK : DWH_EXIT_FAILURE;
    }
    if (!strcmp(name, "completion")) {
        if (argc != 3 || strcmp(argv[2], "bash") != 0) {
            fprintf(stderr, "dwhost: completion: give the shell: 'dwhost completion bash' (bash is the one "
                            "supported)\n");
            return DWH_EXIT_USAGE;
        }
        dwh_cli_completion_bash(stdout);
        return fflush(stdout) == 0 ? DWH_EXIT_OK : DWH_EXIT_FAILURE;
    }
    if (!strcmp(name, "help")) {
        const dwh_cli_command *cmd = find(argv[2]);
        if (cmd) {
            dwh_cli_help_command(stdout, cmd);
            return DWH_EXIT_OK;
        }
        name = argv[2];
    } else {
        const dwh_cli_command *cmd = find(name);
        if (cmd) return run_command(cmd, argc - 1, argv + 1);
    }
    fprintf(stderr, "dwhost: unknown command '%s'; run 'dwhost --help' for the list\n", name);
    return DWH_EXIT_USAGE;
}
