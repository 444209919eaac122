/*
 * cli_help.h -- what the option tables generate: `dwhost --help`,
 * `dwhost CMD --help`, the dwhost(1) man page (`dwhost --man`, hidden)
 * and the bash completion script (`dwhost completion bash`).  The build
 * writes the last two into the build tree (dwhost.1,
 * dwhost.bash-completion) and `cmake --install` installs them.
 */
#ifndef DWHI_CLI_HELP_H
#define DWHI_CLI_HELP_H

#include <stdio.h>

#include "cli.h"

/* `dwhost --help`: usage, the commands with their summaries, the exit codes. */
void dwhi_cli_help_main(FILE *out);

/* `dwhost CMD --help`: usage forms, description, options, exit status. */
void dwhi_cli_help_command(FILE *out, const dwhi_cli_command *cmd);

/* dwhost(1) in roff (man(7) macros). */
void dwhi_cli_man(FILE *out);

/* A bash completion script for dwhost: commands, each command's options,
 * the values of options that have a fixed set, paths for FILE/PATH/DIR
 * values, the source names `dwhost list-plugins` finds. */
void dwhi_cli_completion_bash(FILE *out);

#endif
