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
