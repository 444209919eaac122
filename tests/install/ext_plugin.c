/* ext_plugin.c -- an out-of-tree plugin, as a third party writes one:
 * only <dwsdk.h>, found through pkg-config or find_package(dwsdk). */
#include <dwsdk.h>

static const dw_host_api *api;
static const dw_field fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "api_key", .label = "API key", .required = 1, .input_type = DW_INPUT_PASSWORD},
};
static dw_status init(const dw_host_api *a, void **data) {
    api = a;
    return DW_OK;
}
static dw_status list_schemas(dw_ctx *ctx) {
    dw_schema s = {.struct_size = sizeof s, .name = "things", .row_count = -1};
    return api->schema_add(ctx, &s);
}
static dw_status check(dw_ctx *ctx, const char *schema) { return DW_OK; }
static dw_status run(dw_ctx *ctx, const dw_run_inputs *in) { return api->emit_json(ctx, "{\"id\":1}", 8); }

DW_EXPORT const dw_source dwhost_source = {
    DW_SOURCE_HEADER,
    .name = EXT_NAME,
    .label = "External " EXT_NAME,
    .icon_path = "/static/services/ext.svg",
    .version = "0.1.0",
    .fields = fields,
    .n_fields = DW_COUNT(fields),
    .init = init,
    .list_schemas = list_schemas,
    .check_credentials = check,
    .run = run,
};
