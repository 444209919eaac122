/* plugin_1_4.c -- a REST plugin built against the frozen 1.4 header
 * (dwsdk_1_4.h): its dw_endpoint ends before response_actions (1.5), which
 * a newer host must read as "none", and it pages with a 1.4 paginator.
 * "future" declares kind 6 (DW_PAGINATE_AUTO, which 1.4 does not have): a
 * newer host must refuse that endpoint, naming the ABI it needs, rather
 * than guess.  The server comes from the config ("base_url"). */
#include <string.h>

#include "dwsdk_1_4.h"

#if !defined(DWSDK_FROZEN_1_4) || DW_ABI_MINOR != 4
#error this plugin must be built against tests/abi/dwsdk_1_4.h
#endif

static const dw_host_api *api;

static const dw_paginator next_pager = {.struct_size = sizeof next_pager, .kind = DW_PAGINATE_JSON_NEXT_URL,
                                        .next_url_path = "next"};
static const dw_paginator kind6 = {.struct_size = sizeof kind6, .kind = 6};
static const char *const id_key[] = {"id", NULL};
static const dw_endpoint items = {.struct_size = sizeof items, .name = "items", .path = "/v14/items",
                                  .data_selector = "data", .primary_keys = id_key, .paginator = &next_pager,
                                  .should_sync_default = 1};
static const dw_endpoint future = {.struct_size = sizeof future, .name = "future", .path = "/v14/future",
                                   .primary_keys = id_key, .paginator = &kind6};
static const dw_endpoint *const endpoints[] = {&items, &future};

static const dw_field fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "base_url", .label = "Base URL", .required = 1, .input_type = DW_INPUT_URL},
};

static dw_status init(const dw_host_api *a, void **data) {
    (void)data;
    api = a;
    return DW_API_HAS(a, rest_run) ? DW_OK : DW_ERR_UNSUPPORTED;
}

static dw_status list_schemas(dw_ctx *ctx) {
    for (size_t i = 0; i < DW_COUNT(endpoints); i++) {
        dw_status st = api->rest_schema_add(ctx, endpoints[i]);
        if (st != DW_OK) return st;
    }
    return DW_OK;
}

static dw_status check(dw_ctx *ctx, const char *schema) {
    (void)schema;
    return api->config_string(ctx, "base_url") ? DW_OK : api->fail(ctx, DW_ERR_CONFIG, "base_url missing");
}

static dw_status run(dw_ctx *ctx, const dw_run_inputs *in) {
    dw_rest_client client = {.struct_size = sizeof client, .base_url = api->config_string(ctx, "base_url"),
                             .endpoints = endpoints, .n_endpoints = DW_COUNT(endpoints)};
    for (size_t i = 0; i < DW_COUNT(endpoints); i++)
        if (!strcmp(endpoints[i]->name, in->schema_name)) return api->rest_run(ctx, &client, endpoints[i], in);
    return api->fail(ctx, DW_ERR_NOT_FOUND, "no schema %s", in->schema_name);
}

DW_EXPORT const dw_source dwhost_source = {
    DW_SOURCE_HEADER,
    .name = "abit_v14",
    .label = "ABI 1.4 REST plugin",
    .icon_path = "/static/services/abi.svg",
    .version = "1.4.0",
    .fields = fields,
    .n_fields = DW_COUNT(fields),
    .init = init,
    .list_schemas = list_schemas,
    .check_credentials = check,
    .run = run,
};
