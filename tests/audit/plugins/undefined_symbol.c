/* A plugin that calls a function nothing defines, built WITHOUT
 * -Wl,--no-undefined (test_undefined_symbol.py): the link succeeds, the
 * load fails with "undefined symbol", and the host's rejection must say
 * how to catch it at link time. */
#include <dwsdk.h>

int undefined_helper_of_this_plugin(void);

static dw_status list_schemas(dw_ctx *ctx) {
    (void)ctx;
    return undefined_helper_of_this_plugin() ? DW_OK : DW_ERR;
}

DW_DESCRIPTOR = {DW_SOURCE_HEADER, .name = "undefined_symbol", .label = "Undefined symbol", .list_schemas = list_schemas};
