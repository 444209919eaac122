/*
 * origx.c -- a test connector for the ABI 1.6 REST toolkit: the origin rule
 * (credentials only to the base URL's origin; next, resumed and redirected
 * pages elsewhere refused; trusted origins followed without credentials),
 * resume_scope, the per-row hook and inclusive upper-bound filters.  Runs
 * through api->rest_run against the scripted server of the config
 * ("base_url"), with "Authorization: Bearer <token>" when a token is set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwsdk.h"

#if DW_ABI_MINOR < 6
#error origx needs the 1.6 SDK header
#endif

static const dw_host_api *api;

static const dw_paginator link_pager = {.struct_size = sizeof link_pager, .kind = DW_PAGINATE_LINK_HEADER};
static const dw_paginator next_pager = {.struct_size = sizeof next_pager, .kind = DW_PAGINATE_JSON_NEXT_URL,
                                        .next_url_path = "next"};
static const dw_paginator auto_pager = {.struct_size = sizeof auto_pager, .kind = DW_PAGINATE_AUTO};
static const char *const id_key[] = {"id", NULL};

/* Drops drafts, lifts meta.when to `when`, adds n2 = 2n.  Also checks that
 * it gets the plugin's own endpoint pointer back. */
static const dw_endpoint hooked;
static dw_status hook(dw_ctx *ctx, const dw_endpoint *ep, const dw_json *row, dw_row *extra, int32_t *skip) {
    if (ep != &hooked) return api->fail(ctx, DW_ERR, "row hook: got endpoint %p, not its own", (const void *)ep);
    const char *draft = api->json_string(api->json_get(row, "draft"));
    if (draft && !strcmp(draft, "true")) {
        *skip = 1;
        return DW_OK;
    }
    api->row_set_string(extra, "when", api->json_string(api->json_get(row, "meta.when")));
    const char *n = api->json_string(api->json_get(row, "n"));
    if (n) api->row_set_int(extra, "n2", 2 * strtoll(n, NULL, 10));
    const char *fail = api->json_string(api->json_get(row, "fail"));
    if (fail) return api->fail(ctx, DW_ERR_BAD_DATA, "row hook: row %s cannot be read (%s)",
                               api->json_string(api->json_get(row, "id")), fail);
    return DW_OK;
}

/* Misuses the lent row: emitting it must be refused. */
static dw_status misuse(dw_ctx *ctx, const dw_endpoint *ep, const dw_json *row, dw_row *extra, int32_t *skip) {
    (void)ctx, (void)ep, (void)row, (void)skip;
    api->row_set_int(extra, "x", 1);
    dw_status st = api->row_emit(extra);
    api->row_discard(extra); /* ignored: the row is the host's */
    return st;
}

/* Newest first, incremental on ts: `since` (>=) for new rows, `until`
 * (<=, an inclusive upper bound) for the rows before the earliest one. */
static const dw_incremental_field ts_field[] = {{"Time", "ts", DW_TYPE_TIMESTAMP}};
static const dw_incremental_param ts_since[] = {{"ts", "since", "unix"}};
static const dw_incremental_param ts_until[] = {{"ts", "until", "unix"}};

static const dw_endpoint pages = {.struct_size = sizeof pages, .name = "pages", .path = "/pages",
                                  .primary_keys = id_key, .paginator = &link_pager, .should_sync_default = 1};
static const dw_endpoint next = {.struct_size = sizeof next, .name = "next", .path = "/next", .data_selector = "data",
                                 .primary_keys = id_key, .paginator = &next_pager};
static const dw_endpoint autop = {.struct_size = sizeof autop, .name = "auto", .path = "/auto",
                                  .data_selector = "data", .primary_keys = id_key, .paginator = &auto_pager};
static const dw_endpoint hooked = {.struct_size = sizeof hooked, .name = "hooked", .path = "/hooked",
                                   .primary_keys = id_key, .paginator = &link_pager, .row_hook = hook};
static const dw_endpoint misused = {.struct_size = sizeof misused, .name = "misused", .path = "/hooked",
                                    .primary_keys = id_key, .row_hook = misuse};
static const dw_endpoint events = {.struct_size = sizeof events, .name = "events", .path = "/events",
                                   .primary_keys = id_key, .incremental_fields = ts_field, .n_incremental_fields = 1,
                                   .incremental_params = ts_since, .n_incremental_params = 1,
                                   .incremental_until_params = ts_until, .n_incremental_until_params = 1,
                                   .sort_mode = DW_SORT_DESC, .paginator = &link_pager};
static const dw_endpoint *const endpoints[] = {&pages, &next, &autop, &hooked, &misused, &events};

static const dw_field fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "base_url", .label = "Base URL", .required = 1, .input_type = DW_INPUT_URL},
    {.kind = DW_FIELD_INPUT, .name = "token", .label = "Token", .input_type = DW_INPUT_PASSWORD, .secret = 1},
    {.kind = DW_FIELD_INPUT, .name = "trusted", .label = "Trusted origin", .input_type = DW_INPUT_URL},
    {.kind = DW_FIELD_INPUT, .name = "scope", .label = "Resume scope", .input_type = DW_INPUT_TEXT},
};

static dw_status init(const dw_host_api *a, void **data) {
    (void)data;
    api = a;
    return a->abi_minor >= 6 ? DW_OK : DW_ERR_UNSUPPORTED;
}

static dw_status list_schemas(dw_ctx *ctx) {
    for (size_t i = 0; i < DW_COUNT(endpoints); i++) {
        dw_status st = api->rest_schema_add(ctx, endpoints[i]);
        if (st != DW_OK) return st;
    }
    return DW_OK;
}

static dw_status check_credentials(dw_ctx *ctx, const char *schema) {
    (void)schema;
    return api->config_string(ctx, "base_url") ? DW_OK : api->fail(ctx, DW_ERR_CONFIG, "base_url missing");
}

static dw_status run(dw_ctx *ctx, const dw_run_inputs *in) {
    char auth[300] = "";
    const char *token = api->config_string(ctx, "token");
    if (token) snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    const char *headers[] = {auth, "Accept: application/json", NULL};
    const char *trusted[] = {api->config_string(ctx, "trusted"), NULL};
    dw_retry_policy retry = {.struct_size = sizeof retry, .max_attempts = 2, .base_delay_ms = 10, .max_delay_ms = 20};
    dw_rest_client client = {.struct_size = sizeof client, .base_url = api->config_string(ctx, "base_url"),
                             .headers = token ? headers : headers + 1, .retry = &retry, .endpoints = endpoints,
                             .n_endpoints = DW_COUNT(endpoints), .trusted_origins = trusted[0] ? trusted : NULL,
                             .resume_scope = api->config_string(ctx, "scope")};
    for (size_t i = 0; i < DW_COUNT(endpoints); i++)
        if (!strcmp(endpoints[i]->name, in->schema_name)) return api->rest_run(ctx, &client, endpoints[i], in);
    return api->fail(ctx, DW_ERR_NOT_FOUND, "no schema %s", in->schema_name);
}

DW_EXPORT const dw_source dwhost_source = {
    DW_SOURCE_HEADER,
    .name = "origx",
    .label = "REST 1.6 test",
    .icon_path = "/static/services/origx.svg",
    .category = "Test",
    .version = "1.0.0",
    .primary_library = "dwhost transport",
    .capabilities = DW_CAP_RESUMABLE,
    .fields = fields,
    .n_fields = DW_COUNT(fields),
    .init = init,
    .list_schemas = list_schemas,
    .check_credentials = check_credentials,
    .run = run,
};
