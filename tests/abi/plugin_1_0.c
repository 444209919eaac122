/* plugin_1_0.c -- a plugin built against the frozen 1.0 header
 * (dwsdk_1_0.h): what a connector compiled years ago looks like.  It uses
 * only 1.0 members: logging, config accessors, schema_add, emit_json and
 * the row builder. */
#include <string.h>

#include "dwsdk_1_0.h"

#if !defined(DWSDK_FROZEN_1_0) || DW_ABI_MINOR != 0
#error this plugin must be built against tests/abi/dwsdk_1_0.h
#endif

static const dw_host_api *api;

static const dw_field fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "prefix", .label = "Prefix", .input_type = DW_INPUT_TEXT},
    {.kind = DW_FIELD_INPUT, .name = "token", .label = "Token", .input_type = DW_INPUT_PASSWORD, .required = 1},
};

static dw_status init(const dw_host_api *a, void **data) {
    /* A 1.0 plugin may rely on every 1.0 member being there. */
    if (!a || a->abi_major != 1 || !DW_API_HAS(a, free)) return DW_ERR;
    api = a;
    return DW_OK;
}

static dw_status list_schemas(dw_ctx *ctx) {
    static const char *const pk[] = {"id", NULL};
    dw_schema s = {.struct_size = sizeof s, .name = "numbers", .label = "Numbers", .primary_keys = pk,
                   .row_count = 3};
    return api->schema_add(ctx, &s);
}

static dw_status check(dw_ctx *ctx, const char *schema) { return DW_OK; }

static dw_status run(dw_ctx *ctx, const dw_run_inputs *in) {
    const char *prefix = api->config_string(ctx, "prefix");
    api->log(ctx, DW_LOG_INFO, "1.0 plugin running schema %s", in && in->schema_name ? in->schema_name : "?");
    static const char first[] = "{\"id\":1,\"label\":\"one\"}";
    dw_status st = api->emit_json(ctx, first, strlen(first));
    if (st != DW_OK) return st;
    for (int i = 2; i <= 3; i++) {
        dw_row *r = api->row_new(ctx);
        if (!r) return DW_ERR_NOMEM;
        api->row_set_int(r, "id", i);
        api->row_set_string(r, "label", prefix ? prefix : "none");
        api->row_set_bool(r, "even", i % 2 == 0);
        st = api->row_emit(r);
        if (st != DW_OK) return st;
    }
    return DW_OK;
}

DW_EXPORT const dw_source dwhost_source = {
    DW_SOURCE_HEADER,
    .name = "abit_v10",
    .label = "ABI 1.0 plugin",
    .icon_path = "/static/services/abi.svg",
    .version = "1.0.0",
    .fields = fields,
    .n_fields = DW_COUNT(fields),
    .init = init,
    .list_schemas = list_schemas,
    .check_credentials = check,
    .run = run,
};
