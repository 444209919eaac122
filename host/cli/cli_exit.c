/* cli_exit.c -- status to exit code (see cli_exit.h). */
#include "cli_exit.h"

#include "cli.h"

int dwh_cli_exit_for(dw_status cause) {
    switch (cause) {
    case DW_OK: return DWH_EXIT_OK;
    case DW_ERR_AUTH:
    case DW_ERR_FORBIDDEN:
    case DW_ERR_NON_RETRYABLE: return DWH_EXIT_CREDENTIALS;
    case DW_ERR_UNREACHABLE:
    case DW_ERR_TIMEOUT:
    case DW_ERR_SSRF: return DWH_EXIT_UNREACHABLE;
    case DW_ERR_CONFIG:
    case DW_ERR_NEEDS_CONFIG: return DWH_EXIT_CONFIG;
    case DW_ERR_UNSUPPORTED: return DWH_EXIT_PLUGIN;
    case DW_ERR_CANCELLED: return DWH_EXIT_INTERRUPTED;
    case DW_ERR_STATE: return DWH_EXIT_STATE;
    case DW_ERR_SINK: return DWH_EXIT_WAREHOUSE;
    default: return DWH_EXIT_FAILURE;
    }
}

const dwh_cli_exit_code dwh_cli_exit_codes[] = {
    {DWH_EXIT_OK, "success"},
    {DWH_EXIT_FAILURE, "the operation failed (the message says why)"},
    {DWH_EXIT_USAGE, "usage error (bad command line)"},
    {DWH_EXIT_PLUGIN, "plugin problem: source not found, a plugin rejected, or its init failed"},
    {DWH_EXIT_CONFIG, "the config is invalid, or an option names something the source does not have (schema, "
                      "incremental field, mode)"},
    {DWH_EXIT_CREDENTIALS, "credentials rejected (401) or lacking a permission (403)"},
    {DWH_EXIT_UNREACHABLE, "the source could not be reached, a request timed out, or the network guard refused "
                           "a URL"},
    {DWH_EXIT_STATE, "the state backend (Redis, the state table, read's state file) failed; nothing was lost"},
    {DWH_EXIT_WAREHOUSE, "the warehouse could not be written or read (disk full, locked, read-only, not one "
                         "dwhost wrote); nothing was lost"},
    {DWH_EXIT_INTERRUPTED, "interrupted by SIGINT (Ctrl-C) or SIGTERM; progress up to the last committed batch "
                           "is kept"},
    {DWH_EXIT_CONFORMANCE, "conformance checks failed"},
    {DWH_EXIT_PLUGIN_CRASHED, "a plugin crashed (SIGSEGV, SIGABRT, ... in its code); committed work is kept"},
    {DWH_EXIT_RUNNING, "sync: the job is already running (another live sync holds it)"},
    {-1, NULL},
};
