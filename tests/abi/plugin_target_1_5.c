/* plugin_target_1_5.c -- the REST plugin of plugin_1_5.c, built against the
 * CURRENT sdk/dwsdk.h with DW_TARGET_ABI_MINOR 5 instead of the frozen 1.5
 * header: it declares abi_minor 5, its structs have their 1.5 layout (the
 * asserts below are plugin_1_5.c's sizes), the 1.5 features it uses
 * (DW_PAGINATE_AUTO, response actions) are visible, and a 1.8 host loads it
 * as a 1.5 plugin (test_abi_target.c). */
#define DW_TARGET_ABI_MINOR 5
#include <dwsdk.h>

#include <string.h>

_Static_assert(DW_PLUGIN_ABI_MINOR == 5 && DW_ABI_MINOR >= 8, "built for 1.5 with a newer header");
#if defined(__LP64__)
_Static_assert(sizeof(dw_endpoint) == 208, "dw_endpoint as 1.5 had it (no row_hook)");
_Static_assert(sizeof(dw_rest_client) == 48, "dw_rest_client as 1.5 had it (no trusted_origins)");
_Static_assert(sizeof(dw_field) == 160, "dw_field as 1.5 had it (no options_action)");
#endif

static const dw_host_api *api;

static const dw_paginator auto_pager = {.struct_size = sizeof auto_pager, .kind = DW_PAGINATE_AUTO};
static const dw_response_action gone[] = {{.status = 404, .action = DW_RESPONSE_IGNORE}};
static const char *const id_key[] = {"id", NULL};
static const dw_endpoint items = {.struct_size = sizeof items, .name = "items", .path = "/v15/items",
                                  .data_selector = "data", .primary_keys = id_key, .paginator = &auto_pager,
                                  .should_sync_default = 1, .response_actions = gone,
                                  .n_response_actions = DW_COUNT(gone)};
static const dw_endpoint *const endpoints[] = {&items};

static const dw_field fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "base_url", .label = "Base URL", .required = 1, .input_type = DW_INPUT_URL},
    {.kind = DW_FIELD_INPUT, .name = "token", .label = "Token", .input_type = DW_INPUT_PASSWORD, .secret = 1},
};

static dw_status init(const dw_host_api *a, void **data) {
    (void)data;
    api = a;
    return DW_API_HAS(a, rest_run) ? DW_OK : DW_ERR_UNSUPPORTED;
}

static dw_status list_schemas(dw_ctx *ctx) { return api->rest_schema_add(ctx, &items); }

static dw_status check(dw_ctx *ctx, const char *schema) {
    (void)schema;
    return api->config_string(ctx, "base_url") ? DW_OK : api->fail(ctx, DW_ERR_CONFIG, "base_url missing");
}

static dw_status run(dw_ctx *ctx, const dw_run_inputs *in) {
    if (strcmp(in->schema_name, "items") != 0) return api->fail(ctx, DW_ERR_NOT_FOUND, "no schema %s", in->schema_name);
    dw_rest_client client = {.struct_size = sizeof client, .base_url = api->config_string(ctx, "base_url"),
                             .endpoints = endpoints, .n_endpoints = DW_COUNT(endpoints)};
    return api->rest_run(ctx, &client, &items, in);
}

DW_DESCRIPTOR = {
    DW_SOURCE_HEADER,
    .name = "abit_t15",
    .label = "ABI 1.5 targeted from the current header",
    .icon_path = "/static/services/abi.svg",
    .version = "1.5.0",
    .fields = fields,
    .n_fields = DW_COUNT(fields),
    .init = init,
    .list_schemas = list_schemas,
    .check_credentials = check,
    .run = run,
};
