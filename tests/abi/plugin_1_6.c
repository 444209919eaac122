/* plugin_1_6.c -- a plugin built against the frozen 1.6 header
 * (dwsdk_1_6.h): its function table ends at plugin_data, before
 * emit_page (1.7), so it hands its pages over with emit_json.  A newer
 * host runs such texts through its streaming parse: the rows must come
 * out exactly as the plugin wrote them. */
#include <string.h>

#include "dwsdk_1_6.h"

#if !defined(DWSDK_FROZEN_1_6) || DW_ABI_MINOR != 6
#error this plugin must be built against tests/abi/dwsdk_1_6.h
#endif

static const dw_host_api *api;
static const char *const id_key[] = {"id", NULL};

static dw_status init(const dw_host_api *a, void **data) {
    (void)data;
    api = a;
    return DW_OK;
}

static dw_status list_schemas(dw_ctx *ctx) {
    dw_schema s = {.struct_size = sizeof s, .name = "pages", .label = "Pages", .primary_keys = id_key,
                   .should_sync_default = 1, .row_count = -1};
    return api->schema_add(ctx, &s);
}

static dw_status check(dw_ctx *ctx, const char *schema) {
    (void)ctx, (void)schema;
    return DW_OK;
}

static dw_status run(dw_ctx *ctx, const dw_run_inputs *in) {
    if (strcmp(in->schema_name, "pages") != 0) return api->fail(ctx, DW_ERR_NOT_FOUND, "no schema %s", in->schema_name);
    static const char *const pages[] = {
        "[{\"id\":1,\"n\":1.5e3,\"tags\":[\"a\",\"b\"],\"u\":{\"l\":\"caf\\u00e9\"},\"none\":null}]",
        "[{\"id\":2,\"big\":18446744073709551615,\"t\":\"x\\ty\"}, {\"id\":3}]",
    };
    for (size_t i = 0; i < 2; i++) {
        dw_status st = api->emit_json(ctx, pages[i], strlen(pages[i]));
        if (st != DW_OK) return st;
    }
    return DW_OK;
}

DW_EXPORT const dw_source dwhost_source = {
    DW_SOURCE_HEADER,
    .name = "abit_v16",
    .label = "ABI 1.6 plugin",
    .icon_path = "/static/services/abi.svg",
    .version = "1.6.0",
    .init = init,
    .list_schemas = list_schemas,
    .check_credentials = check,
    .run = run,
};
