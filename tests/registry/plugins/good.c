/* good.c -- a valid test plugin (regt_good) whose form uses every field
 * kind.  list_schemas works without a config; run emits two rows; init
 * appends a line to $REGT_INIT_MARKER so tests can see when (and how
 * often) it runs. */
#include <stdio.h>
#include <stdlib.h>

#include "dwsdk.h"

static const dw_host_api *api;

static const char *const keywords[] = {"test", "registry", NULL};
static const char *const file_keys[] = {"type", "project_id", "private_key", NULL};

static const dw_field api_key_fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "api_key", .label = "API key", .required = 1, .input_type = DW_INPUT_PASSWORD},
};
static const dw_field basic_fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "username", .label = "Username", .required = 1, .input_type = DW_INPUT_TEXT},
    {.kind = DW_FIELD_INPUT, .name = "token", .label = "Token", .required = 1, .input_type = DW_INPUT_TEXT,
     .secret = 1},
};
static const dw_select_option auth_options[] = {
    {.label = "API key", .value = "api_key", .fields = api_key_fields, .n_fields = DW_COUNT(api_key_fields)},
    {.label = "Basic", .value = "basic", .fields = basic_fields, .n_fields = DW_COUNT(basic_fields)},
    {.label = "OAuth", .value = "oauth"},
};
static const dw_field advanced_fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "page_size", .label = "Page size", .input_type = DW_INPUT_NUMBER,
     .default_value = "100"},
};
static const dw_field fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "host", .label = "Host", .caption = "The *API* host", .required = 1,
     .input_type = DW_INPUT_URL, .placeholder = "https://api.example.com"},
    {.kind = DW_FIELD_SELECT, .name = "auth", .label = "Authentication", .required = 1, .options = auth_options,
     .n_options = DW_COUNT(auth_options), .default_value = "api_key"},
    {.kind = DW_FIELD_SWITCH_GROUP, .name = "advanced", .label = "Advanced", .default_on = 0,
     .fields = advanced_fields, .n_fields = DW_COUNT(advanced_fields)},
    {.kind = DW_FIELD_SELECT, .name = "limit", .label = "Limit", .options = (const dw_select_option[]){
         {.label = "Ten", .value = "10"}, {.label = "Twenty", .value = "20"}},
     .n_options = 2, .converter = DW_CONVERT_STR_TO_INT, .default_value = "10"},
    {.kind = DW_FIELD_OAUTH, .name = "oauth_integration", .label = "Account", .oauth_kind = "example",
     .required_scopes = "read write"},
    {.kind = DW_FIELD_OAUTH_ACCOUNT, .name = "account_id", .label = "Ad account",
     .integration_field = "oauth_integration", .integration_kind = "example", .multiple = 1},
    {.kind = DW_FIELD_FILE_UPLOAD, .name = "key_file", .label = "Key file", .file_format = ".json",
     .file_keys = file_keys},
    {.kind = DW_FIELD_SSH_TUNNEL, .name = "ssh_tunnel", .label = "SSH tunnel"},
};

static const dw_error_mapping errors[] = {{"401 Unauthorized", "Your API key is invalid; generate a new one."}};

static dw_status init(const dw_host_api *a, void **data) {
    api = a;
    const char *marker = getenv("REGT_INIT_MARKER");
    if (marker) {
        FILE *f = fopen(marker, "a");
        if (f) {
            fputs("init\n", f);
            fclose(f);
        }
    }
    *data = NULL;
    return DW_OK;
}

static dw_status list_schemas(dw_ctx *ctx) {
    static const char *const pk[] = {"id", NULL};
    dw_schema s = {.struct_size = sizeof s, .name = "items", .label = "Items", .primary_keys = pk, .row_count = -1};
    return api->schema_add(ctx, &s);
}

static dw_status check(dw_ctx *ctx, const char *schema) { return DW_OK; }

static dw_status run(dw_ctx *ctx, const dw_run_inputs *in) {
    static const char rows[] = "[{\"id\":1,\"name\":\"one\"},{\"id\":2,\"name\":\"two\"}]";
    return api->emit_json(ctx, rows, sizeof rows - 1);
}

DW_EXPORT const dw_source dwhost_source = {
    DW_SOURCE_HEADER,
    .name = "regt_good",
    .label = "Registry test",
    .caption = "A plugin for the registry tests",
    .docs_url = "https://example.com/docs",
    .icon_path = "/static/services/regt.svg",
    .category = "Testing",
    .keywords = keywords,
    .release_status = DW_RELEASE_BETA,
    .feature_flag = "dwh-regt-good",
    .unreleased = 1,
    .comm_method = DW_COMM_HTTP,
    .primary_library = "dwhost transport",
    .version = "1.2.3",
    .capabilities = DW_CAP_RESUMABLE | DW_CAP_OAUTH,
    .fields = fields,
    .n_fields = DW_COUNT(fields),
    .non_retryable_errors = errors,
    .n_non_retryable_errors = DW_COUNT(errors),
    .init = init,
    .list_schemas = list_schemas,
    .check_credentials = check,
    .run = run,
};
