/*
 * restx.c -- a test connector for the ABI 1.5 REST toolkit features: the
 * auto paginator (DW_PAGINATE_AUTO) on every kind of API it can detect, and
 * response actions (ignore a 404 child of a fan-out, fail with a message,
 * ignore a 503 only after the retries).  Run through api->rest_run against
 * the scripted server whose address comes from the config ("base_url").
 */
#include <stdio.h>
#include <string.h>

#include "dwsdk.h"

#if DW_ABI_MINOR < 5
#error restx needs the 1.5 SDK header
#endif

static const dw_host_api *api;

static const dw_paginator auto_pager = {.struct_size = sizeof auto_pager, .kind = DW_PAGINATE_AUTO};
/* AUTO with the plugin's own cursor parameter name. */
static const dw_paginator auto_after = {.struct_size = sizeof auto_after, .kind = DW_PAGINATE_AUTO,
                                        .cursor_param = "after"};
static const dw_paginator future_pager = {.struct_size = sizeof future_pager, .kind = 7};

static const char *const id_key[] = {"id", NULL};
static const char *const project_fields[] = {"name:project_name", NULL};

/* A deleted project answers 404: skip it.  A workspace without the plan
 * answers 403 with a known code: tell the user.  A 503 that outlasts the
 * retries ends the listing (a flaky optional API). */
static const dw_response_action task_actions[] = {
    {.status = 404, .action = DW_RESPONSE_IGNORE},
    {.status = 403, .body_contains = "plan_upgrade_required", .action = DW_RESPONSE_FAIL,
     .message = "Tasks need the Business plan: upgrade the workspace or deselect the tasks table."},
    {.status = 503, .action = DW_RESPONSE_IGNORE},
    {.status = 500, .body_contains = "maintenance", .action = DW_RESPONSE_FAIL,
     .message = "The API is in maintenance mode; sync again later."},
};
static const dw_response_action bad_actions[] = {{.status = 404, .action = DW_RESPONSE_FAIL}};

#define EP(var, nm, p, sel, pager)                                                                             \
    static const dw_endpoint var = {.struct_size = sizeof var, .name = nm, .path = p, .data_selector = sel, \
                                    .primary_keys = id_key, .paginator = pager}
EP(auto_link, "auto_link", "/link", NULL, &auto_pager);
EP(auto_next, "auto_next", "/next", "data", &auto_pager);
EP(auto_cursor, "auto_cursor", "/cursor", "data", &auto_pager);
EP(auto_after_ep, "auto_after", "/after", "items", &auto_after);
EP(auto_single, "auto_single", "/single", "data", &auto_pager);
EP(projects, "projects", "/projects", "data", &auto_pager);
EP(future, "future", "/future", NULL, &future_pager);
static const dw_endpoint tasks = {.struct_size = sizeof tasks, .name = "tasks", .path = "/projects/{pid}/tasks",
                                  .data_selector = "data", .primary_keys = id_key, .paginator = &auto_pager,
                                  .parent = "projects", .resolve_param = "pid", .resolve_field = "id",
                                  .include_from_parent = project_fields, .response_actions = task_actions,
                                  .n_response_actions = DW_COUNT(task_actions)};
static const dw_endpoint bad_action = {.struct_size = sizeof bad_action, .name = "bad_action", .path = "/bad",
                                       .primary_keys = id_key, .response_actions = bad_actions,
                                       .n_response_actions = DW_COUNT(bad_actions)};

static const dw_endpoint *const endpoints[] = {&auto_link, &auto_next, &auto_cursor, &auto_after_ep, &auto_single,
                                               &projects,  &tasks,     &future,      &bad_action};

static const dw_field fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "base_url", .label = "Base URL", .required = 1, .input_type = DW_INPUT_URL},
};

/* Would turn any 404 into a failure: the endpoint's IGNORE action must win. */
static const dw_error_mapping non_retryable[] = {
    {"404 Client Error", "Something was not found: check the account."},
};

static dw_status init(const dw_host_api *a, void **data) {
    (void)data;
    api = a;
    return a->abi_minor >= 5 ? DW_OK : DW_ERR_UNSUPPORTED;
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
    dw_retry_policy retry = {.struct_size = sizeof retry, .max_attempts = 3, .base_delay_ms = 10, .max_delay_ms = 20};
    dw_rest_client client = {.struct_size = sizeof client, .base_url = api->config_string(ctx, "base_url"),
                             .retry = &retry, .endpoints = endpoints, .n_endpoints = DW_COUNT(endpoints)};
    for (size_t i = 0; i < DW_COUNT(endpoints); i++)
        if (!strcmp(endpoints[i]->name, in->schema_name)) return api->rest_run(ctx, &client, endpoints[i], in);
    return api->fail(ctx, DW_ERR_NOT_FOUND, "no schema %s", in->schema_name);
}

DW_EXPORT const dw_source dwhost_source = {
    DW_SOURCE_HEADER,
    .name = "restx",
    .label = "REST 1.5 test",
    .icon_path = "/static/services/restx.svg",
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
