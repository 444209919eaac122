/*
 * cli_exit.h -- from an operation's status to the CLI exit code and a
 * machine name, so every command maps plugin results the same way.
 */
#ifndef DWH_CLI_EXIT_H
#define DWH_CLI_EXIT_H

#include "dwsdk.h"

/* Exit code (cli.h enum dwh_exit) for a failed operation whose underlying
 * status is `cause` (dwh_op_result.cause: the plugin's own code even when
 * the non-retryable map supplied the message):
 *   DW_OK 0; AUTH, FORBIDDEN 5; NON_RETRYABLE 5 (a cause the map matched
 *   without the plugin naming one: bundled maps hold credential failures); UNREACHABLE, TIMEOUT, SSRF 6;
 *   CONFIG 4; UNSUPPORTED 3; CANCELLED 9; STATE 7; SINK 8; anything else 1. */
int dwh_cli_exit_for(dw_status cause);

/* Stable word for a cause in JSON output: "ok", "bad_credentials",
 * "forbidden", "unreachable", "invalid_config", "plugin_error",
 * "interrupted", "state_error", "warehouse_error", "error". */
const char *dwh_cli_outcome_name(dw_status cause);

#endif
