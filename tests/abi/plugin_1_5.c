/* plugin_1_5.c -- a REST plugin built against the frozen 1.5 header
 * (dwsdk_1_5.h): its dw_endpoint ends before row_hook (1.6) and its
 * dw_rest_client before trusted_origins and resume_scope (1.6), which a
 * newer host must read as "none": no hook, no trusted origin besides the
 * base URL's (so the 1.6 origin rule protects it too), no scope.  "items"
 * pages with the 1.5 auto paginator and ignores a 404 with a 1.5 response
 * action.  The server comes from the config ("base_url"). */
#include <string.h>

#include "dwsdk_1_5.h"

#if !defined(DWSDK_FROZEN_1_5) || DW_ABI_MINOR != 5
#error this plugin must be built against tests/abi/dwsdk_1_5.h
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
    char auth[256] = "Authorization: Bearer none";
    const char *token = api->config_string(ctx, "token");
    if (token && strlen(token) < 200) {
        strcpy(auth, "Authorization: Bearer ");
        strcat(auth, token);
    }
    const char *headers[] = {auth, NULL};
    dw_rest_client client = {.struct_size = sizeof client, .base_url = api->config_string(ctx, "base_url"),
                             .headers = headers, .endpoints = endpoints, .n_endpoints = DW_COUNT(endpoints)};
    return api->rest_run(ctx, &client, &items, in);
}

DW_EXPORT const dw_source dwhost_source = {
    DW_SOURCE_HEADER,
    .name = "abit_v15",
    .label = "ABI 1.5 REST plugin",
    .icon_path = "/static/services/abi.svg",
    .version = "1.5.0",
    .fields = fields,
    .n_fields = DW_COUNT(fields),
    .init = init,
    .list_schemas = list_schemas,
    .check_credentials = check,
    .run = run,
};
