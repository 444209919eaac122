/*
 * tport.c -- a test connector for the transport and REST tests: every
 * paginator kind, fan-out and incremental endpoints declared the way a real
 * plugin's settings.c does, run through api->rest_run against the scripted
 * server whose address comes from the config ("base_url").
 */
#include <stdio.h>
#include <string.h>

#include "dwsdk.h"

static const dw_host_api *api;

static const dw_paginator link_pager = {.struct_size = sizeof link_pager, .kind = DW_PAGINATE_LINK_HEADER};
static const dw_paginator next_url_pager = {.struct_size = sizeof next_url_pager, .kind = DW_PAGINATE_JSON_NEXT_URL,
                                            .next_url_path = "links.next"};
static const dw_paginator stripe_pager = {.struct_size = sizeof stripe_pager, .kind = DW_PAGINATE_CURSOR,
                                          .cursor_param = "starting_after", .cursor_row_field = "id",
                                          .has_more_path = "has_more"};
static const dw_paginator body_cursor_pager = {.struct_size = sizeof body_cursor_pager, .kind = DW_PAGINATE_CURSOR,
                                               .cursor_param = "cursor", .cursor_path = "meta.next_cursor"};
static const dw_paginator offset_pager = {.struct_size = sizeof offset_pager, .kind = DW_PAGINATE_OFFSET,
                                          .offset_param = "offset", .limit_param = "limit",
                                          .total_path = "total"};
static const dw_paginator page_pager = {.struct_size = sizeof page_pager, .kind = DW_PAGINATE_PAGE_NUMBER,
                                        .page_param = "page", .total_path = "total_pages"};
static const dw_paginator capped_pager = {.struct_size = sizeof capped_pager, .kind = DW_PAGINATE_LINK_HEADER,
                                          .max_pages = 2};

static const char *const id_key[] = {"id", NULL};
static const dw_incremental_field created_field[] = {{"Created", "created", DW_TYPE_TIMESTAMP}};
static const dw_incremental_param created_param[] = {{"created", "created[gte]", "unix"}};
static const dw_incremental_field updated_field[] = {{"Updated at", "updated_at", DW_TYPE_DATETIME},
                                                     {"Created at", "created_at", DW_TYPE_DATETIME}};
static const dw_incremental_param updated_param[] = {{"updated_at", "since", "iso8601"}};
static const char *const issue_params[] = {"state", "all", "sort", "updated", "direction", "asc", NULL};
static const char *const comment_parent_fields[] = {"id", "title:issue_title", NULL};
static const char *const partition_created[] = {"created", NULL};

static const dw_endpoint issues = {
    .struct_size = sizeof issues, .name = "issues", .label = "Issues", .description = "Issues (Link header)",
    .path = "/repos/{owner}/{repo}/issues", .params = issue_params, .primary_keys = id_key,
    .incremental_fields = updated_field, .n_incremental_fields = 2, .incremental_params = updated_param,
    .n_incremental_params = 1, .sort_mode = DW_SORT_ASC, .page_size_param = "per_page", .page_size = 2,
    .paginator = &link_pager, .should_sync_default = 1, .has_duplicate_primary_keys = 1};
static const dw_endpoint comments = {
    .struct_size = sizeof comments, .name = "comments", .path = "/repos/{owner}/{repo}/issues/{number}/comments",
    .primary_keys = id_key, .page_size_param = "per_page", .page_size = 2, .paginator = &link_pager,
    .parent = "issues", .resolve_param = "number", .resolve_field = "number",
    .include_from_parent = comment_parent_fields, .max_pages_per_parent = 2};
static const dw_endpoint events = {.struct_size = sizeof events, .name = "events", .path = "/events",
                                   .data_selector = "data", .primary_keys = id_key, .paginator = &next_url_pager};
static const dw_endpoint charges = {
    .struct_size = sizeof charges, .name = "charges", .path = "/v1/charges", .data_selector = "data",
    .primary_keys = id_key, .incremental_fields = created_field, .n_incremental_fields = 1,
    .incremental_params = created_param, .n_incremental_params = 1, .sort_mode = DW_SORT_DESC,
    .partition_mode = DW_PARTITION_DATETIME, .partition_format = DW_PARTITION_BY_MONTH,
    .partition_keys = partition_created, .page_size_param = "limit", .page_size = 2, .paginator = &stripe_pager};
static const dw_endpoint feed = {.struct_size = sizeof feed, .name = "feed", .path = "/feed", .data_selector = "items",
                                 .primary_keys = id_key, .paginator = &body_cursor_pager};
static const dw_endpoint users = {.struct_size = sizeof users, .name = "users", .path = "/users",
                                  .data_selector = "results", .primary_keys = id_key, .page_size = 2,
                                  .paginator = &offset_pager};
static const dw_endpoint pages = {.struct_size = sizeof pages, .name = "pages", .path = "/pages",
                                  .data_selector = "rows", .primary_keys = id_key, .paginator = &page_pager};
static const dw_endpoint capped = {.struct_size = sizeof capped, .name = "capped", .path = "/capped",
                                   .primary_keys = id_key, .paginator = &capped_pager};
static const dw_endpoint orphans = {.struct_size = sizeof orphans, .name = "orphans", .path = "/x/{id}",
                                    .primary_keys = id_key, .parent = "nowhere", .resolve_param = "id",
                                    .resolve_field = "id"};

static const dw_endpoint *const endpoints[] = {&issues, &comments, &events, &charges, &feed,
                                               &users,  &pages,    &capped, &orphans};

static const dw_field fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "base_url", .label = "Base URL", .required = 1, .input_type = DW_INPUT_URL},
    {.kind = DW_FIELD_INPUT, .name = "token", .label = "Token", .required = 1, .input_type = DW_INPUT_PASSWORD,
     .secret = 1},
    {.kind = DW_FIELD_INPUT, .name = "owner", .label = "Owner", .input_type = DW_INPUT_TEXT},
    {.kind = DW_FIELD_INPUT, .name = "repo", .label = "Repo", .input_type = DW_INPUT_TEXT},
};

static const dw_error_mapping non_retryable[] = {
    {"401 Client Error: Unauthorized for url", "The token was rejected: create a new one and reconnect."},
    {"bad_verification_code", "The verification code is wrong: start the connection again."},
};

static dw_status init(const dw_host_api *a, void **data) {
    (void)data;
    api = a;
    return a->abi_minor >= 2 ? DW_OK : DW_ERR_UNSUPPORTED;
}

static dw_status list_schemas(dw_ctx *ctx) {
    for (size_t i = 0; i < sizeof endpoints / sizeof endpoints[0]; i++) {
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
    const char *base = api->config_string(ctx, "base_url");
    const char *token = api->config_string(ctx, "token");
    char auth[256];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token ? token : "");
    const char *headers[] = {auth, "Accept: application/json", NULL};
    dw_retry_policy retry = {.struct_size = sizeof retry, .max_attempts = 3, .base_delay_ms = 100};
    dw_rest_client client = {.struct_size = sizeof client, .base_url = base, .headers = headers, .retry = &retry,
                             .endpoints = endpoints, .n_endpoints = DW_COUNT(endpoints)};
    for (size_t i = 0; i < sizeof endpoints / sizeof endpoints[0]; i++)
        if (!strcmp(endpoints[i]->name, in->schema_name)) return api->rest_run(ctx, &client, endpoints[i], in);
    return api->fail(ctx, DW_ERR_NOT_FOUND, "no schema %s", in->schema_name);
}

DW_EXPORT const dw_source dwhost_source = {
    DW_SOURCE_HEADER,
    .name = "tport",
    .label = "Transport test",
    .icon_path = "/static/services/tport.svg",
    .category = "Test",
    .version = "1.0.0",
    .primary_library = "dwhost transport",
    .capabilities = DW_CAP_RESUMABLE,
    .fields = fields,
    .n_fields = DW_COUNT(fields),
    .non_retryable_errors = non_retryable,
    .n_non_retryable_errors = DW_COUNT(non_retryable),
    .init = init,
    .list_schemas = list_schemas,
    .check_credentials = check_credentials,
    .run = run,
};
