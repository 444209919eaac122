/* plugin_1_2.c -- a plugin built against the frozen 1.2 header
 * (dwsdk_1_2.h): it knows nothing of plugin_data (1.3), requires the 1.2
 * members with DW_API_HAS and keeps its state in a global, as 1.2 plugins
 * had to. */
#include <string.h>

#include "dwsdk_1_2.h"

#if !defined(DWSDK_FROZEN_1_2) || DW_ABI_MINOR != 2
#error this plugin must be built against tests/abi/dwsdk_1_2.h
#endif

static const dw_host_api *api;

static dw_status init(const dw_host_api *a, void **data) {
    (void)data;
    /* The 1.2 way: require the newest member this plugin uses. */
    if (!a || a->abi_major != 1 || a->abi_minor < 2 || !DW_API_HAS(a, rest_schema_add) ||
        !DW_API_HAS(a, emit_value))
        return DW_ERR_UNSUPPORTED;
    api = a;
    return DW_OK;
}

static dw_status list_schemas(dw_ctx *ctx) {
    static const char *const pk[] = {"id", NULL};
    dw_schema s = {.struct_size = sizeof s, .name = "parsed", .label = "Parsed", .primary_keys = pk,
                   .row_count = 2};
    return api->schema_add(ctx, &s);
}

static dw_status check(dw_ctx *ctx, const char *schema) {
    (void)ctx;
    (void)schema;
    return DW_OK;
}

static dw_status run(dw_ctx *ctx, const dw_run_inputs *in) {
    (void)in;
    /* 1.2 JSON helpers: parse once, emit the parsed rows without text. */
    static const char text[] = "[{\"id\":1,\"abi\":\"1.2\"},{\"id\":2,\"abi\":\"1.2\"}]";
    dw_json *rows = api->json_parse(ctx, text, strlen(text));
    if (!rows) return api->fail(ctx, DW_ERR_BAD_DATA, "json_parse failed");
    dw_status st = api->emit_value(ctx, rows);
    api->json_free(rows);
    return st;
}

DW_EXPORT const dw_source dwhost_source = {
    DW_SOURCE_HEADER,
    .name = "abit_v12",
    .label = "ABI 1.2 plugin",
    .icon_path = "/static/services/abi.svg",
    .version = "1.2.0",
    .init = init,
    .list_schemas = list_schemas,
    .check_credentials = check,
    .run = run,
};
