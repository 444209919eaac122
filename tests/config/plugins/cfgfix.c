/* cfgfix.c -- the fixture form (form_fixture.h: every field kind, input
 * type and converter) as a plugin, so tools/gen-config can read it through
 * the registry.  Its operations do nothing useful. */
#include "dwsdk.h"
#include "form_fixture.h"

static const dw_host_api *api;

static dw_status init(const dw_host_api *a, void **data) {
    api = a;
    *data = 0;
    return DW_OK;
}

static dw_status list_schemas(dw_ctx *ctx) {
    static const char *const pk[] = {"id", 0};
    dw_schema s = {.struct_size = sizeof s, .name = "items", .primary_keys = pk, .row_count = -1};
    return api->schema_add(ctx, &s);
}

static dw_status check(dw_ctx *ctx, const char *schema) { return DW_OK; }
static dw_status run(dw_ctx *ctx, const dw_run_inputs *in) { return DW_OK; }

DW_EXPORT const dw_source dwhost_source = {
    DW_SOURCE_HEADER,
    .name = "cfgfix",
    .label = "Config fixture",
    .icon_path = "/static/services/cfgfix.svg",
    .version = "1.0.0",
    .fields = fx_fields,
    .n_fields = FX_N_FIELDS,
    .init = init,
    .list_schemas = list_schemas,
    .check_credentials = check,
    .run = run,
};
