/* main.c -- dwhost entry point: dispatches to registered commands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dwhost.h"

#define DWH_MAX_COMMANDS 32

static const dwh_cli_command *commands[DWH_MAX_COMMANDS];
static int n_commands;

void dwh_cli_register(const dwh_cli_command *cmd) {
    if (n_commands < DWH_MAX_COMMANDS) commands[n_commands++] = cmd;
}

static int by_name(const void *a, const void *b) {
    const dwh_cli_command *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

static void usage(FILE *out) {
    fprintf(out,
            "usage: dwhost <command> [options]\n"
            "       dwhost --version | --help | help <command>\n\n"
            "A native host for data-warehouse source connectors (libsource_<name>.so).\n\n"
            "commands:\n");
    for (int i = 0; i < n_commands; i++) fprintf(out, "  %-14s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(out, "\nRun 'dwhost <command> --help' for a command's options; README lists exit codes.\n");
}

int main(int argc, char **argv) {
    /* A plugin that crashes ends the run with one line and exit 11. */
    dwh_crash_guard_install(DWH_EXIT_PLUGIN_CRASHED);
    qsort(commands, (size_t)n_commands, sizeof commands[0], by_name);
    if (argc < 2) {
        usage(stderr);
        return DWH_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--version") || !strcmp(name, "-V")) {
        printf("dwhost %s (plugin ABI %d.%d)\n", dwh_version(), DW_ABI_MAJOR, DW_ABI_MINOR);
        return DWH_EXIT_OK;
    }
    if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
        usage(stdout);
        return DWH_EXIT_OK;
    }
    int help = 0;
    if (!strcmp(name, "help")) {
        if (argc < 3) {
            usage(stdout);
            return DWH_EXIT_OK;
        }
        name = argv[2];
        help = 1;
    }
    for (int i = 0; i < n_commands; i++) {
        if (strcmp(commands[i]->name, name) != 0) continue;
        if (help) {
            char *hargv[] = {(char *)name, "--help", NULL};
            return commands[i]->run(2, hargv);
        }
        return commands[i]->run(argc - 1, argv + 1);
    }
    fprintf(stderr, "dwhost: unknown command '%s'; run 'dwhost --help' for the list\n", name);
    return DWH_EXIT_USAGE;
}
