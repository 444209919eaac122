/* plugin_1_8.c -- a plugin built against the frozen 1.8 header
 * (dwsdk_1_8.h): a webhook source whose descriptor ends at action_size
 * (no webhook_signature, no webhook_secret_field: 1.9).  A newer host
 * loads it with no signature scheme declared, and it syncs. */
#include <string.h>

#include "dwsdk_1_8.h"

#if !defined(DWSDK_FROZEN_1_8) || DW_ABI_MINOR != 8
#error this plugin must be built against tests/abi/dwsdk_1_8.h
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
    static const char page[] = "{\"data\":[{\"id\":1,\"v\":\"a\"},{\"id\":2,\"v\":[1,2]}],\"has_more\":false}";
    return api->emit_page(ctx, page, strlen(page), "/data");
}

static dw_status transform(dw_ctx *ctx, const char *schema, const char *payload, size_t len) {
    (void)schema;
    return api->emit_json(ctx, payload, len);
}

static const dw_webhook_resource hooks[] = {{.schema = "pages", .event_type = "page.*"}};

static const dw_select_option kinds[] = {{.label = "A", .value = "a"}, {.label = "B", .value = "b"}};
static const dw_field fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "token", .label = "Token", .input_type = DW_INPUT_PASSWORD},
    {.kind = DW_FIELD_SELECT, .name = "kind", .label = "Kind", .options = kinds, .n_options = 2, .default_value = "a"},
};

DW_EXPORT const dw_source dwhost_source = {
    DW_SOURCE_HEADER,
    .name = "abit_v18",
    .label = "ABI 1.8 plugin",
    .capabilities = DW_CAP_WEBHOOK,
    .webhook_resources = hooks,
    .n_webhook_resources = DW_COUNT(hooks),
    .webhook_transform = transform,
    .icon_path = "/static/services/abit.png",
    .version = "1.8.0",
    .fields = fields,
    .n_fields = DW_COUNT(fields),
    .init = init,
    .list_schemas = list_schemas,
    .check_credentials = check,
    .run = run,
};
