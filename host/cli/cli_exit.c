/* cli_exit.c -- status to exit code (see cli_exit.h). */
#include "cli_exit.h"

#include "cli.h"

int dwhi_cli_exit_for(dw_status cause) {
    switch (cause) {
    case DW_OK: return DWHI_EXIT_OK;
    case DW_ERR_AUTH:
    case DW_ERR_FORBIDDEN:
    case DW_ERR_NON_RETRYABLE: return DWHI_EXIT_CREDENTIALS;
    case DW_ERR_UNREACHABLE:
    case DW_ERR_TIMEOUT:
    case DW_ERR_SSRF: return DWHI_EXIT_UNREACHABLE;
    case DW_ERR_CONFIG:
    case DW_ERR_NEEDS_CONFIG: return DWHI_EXIT_CONFIG;
    case DW_ERR_UNSUPPORTED: return DWHI_EXIT_PLUGIN;
    case DW_ERR_CANCELLED: return DWHI_EXIT_INTERRUPTED;
    case DW_ERR_STATE: return DWHI_EXIT_STATE;
    case DW_ERR_SINK: return DWHI_EXIT_WAREHOUSE;
    default: return DWHI_EXIT_FAILURE;
    }
}

const dwhi_cli_exit_code dwhi_cli_exit_codes[] = {
    {DWHI_EXIT_OK, "success"},
    {DWHI_EXIT_FAILURE, "the operation failed (the message says why)"},
    {DWHI_EXIT_USAGE, "usage error (bad command line)"},
    {DWHI_EXIT_PLUGIN, "plugin problem: source not found, a plugin rejected, or its init failed"},
    {DWHI_EXIT_CONFIG, "the config is invalid, or an option names something the source does not have (schema, "
                      "incremental field, mode)"},
    {DWHI_EXIT_CREDENTIALS, "credentials rejected (401) or lacking a permission (403)"},
    {DWHI_EXIT_UNREACHABLE, "the source could not be reached, a request timed out, or the network guard refused "
                           "a URL"},
    {DWHI_EXIT_STATE, "the state backend (Redis, the state table, read's state file) failed; nothing was lost"},
    {DWHI_EXIT_WAREHOUSE, "the warehouse could not be written or read (disk full, locked, read-only, not one "
                         "dwhost wrote); nothing was lost"},
    {DWHI_EXIT_INTERRUPTED, "interrupted by SIGINT (Ctrl-C) or SIGTERM; progress up to the last committed batch "
                           "is kept"},
    {DWHI_EXIT_CONFORMANCE, "conformance checks failed"},
    {DWHI_EXIT_PLUGIN_CRASHED, "a plugin crashed (SIGSEGV, SIGABRT, ... in its code); committed work is kept"},
    {DWHI_EXIT_RUNNING, "sync: the job is already running (another live sync holds it)"},
    {-1, NULL},
};
