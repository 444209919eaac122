/*
 * cli_exit.h -- from an operation's status to the CLI exit code and a
 * so every command maps plugin results the same way (JSON documents name
 * the outcome with dwhi_outcome_name(), check.h).
 */
#ifndef DWHI_CLI_EXIT_H
#define DWHI_CLI_EXIT_H

#include "dwsdk.h"

/* Exit code (cli.h enum dwhi_exit) for a failed operation whose underlying
 * status is `cause` (dwhi_op_result.cause: the plugin's own code even when
 * the non-retryable map supplied the message):
 *   DW_OK 0; AUTH, FORBIDDEN 5; NON_RETRYABLE 5 (the map matched without
 *   the plugin naming a cause: bundled maps hold credential failures);
 *   UNREACHABLE, TIMEOUT, SSRF 6; CONFIG, NEEDS_CONFIG 4; UNSUPPORTED 3;
 *   CANCELLED 9; STATE 7; SINK 8; anything else 1. */
int dwhi_cli_exit_for(dw_status cause);

#endif
