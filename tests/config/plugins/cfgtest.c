/*
 * cfgtest.c -- a test plugin for `dwhost check` and the secret-leak test.
 *
 * Its form has a secret in every place the form can hold one (a select
 * option's password, a secret input in a switch group, an OAuth token, a
 * file upload, an SSH tunnel).  check_credentials behaves by the API key's
 * prefix, the way a real API answers a token:
 *   good...       accepted
 *   scopeless...  valid but missing a scope (403): accepted with a warning
 *                 at source creation, refused for a schema
 *   legacy403...  403 even without a schema (a plugin that ignores the
 *                 source-creation rule; the host must still pass it)
 *   bad...        401, with a raw error echoing the key (the non-retryable
 *                 map turns it into a friendly message)
 *   down...       unreachable
 *   boom...       an HTTP 500 whose body echoes the key
 * Every path logs the key at debug level and echoes it in messages, as a
 * careless plugin would: the host must scrub all of it.
 */
#include <string.h>

#include "dwsdk.h"

static const dw_host_api *api;

static const dw_field api_key_fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "api_key", .label = "API key", .required = 1, .input_type = DW_INPUT_PASSWORD},
};
static const dw_field basic_fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "username", .label = "Username", .required = 1, .input_type = DW_INPUT_TEXT},
    {.kind = DW_FIELD_INPUT, .name = "password", .label = "Password", .required = 1,
     .input_type = DW_INPUT_PASSWORD},
};
static const dw_select_option auth_options[] = {
    {.label = "API key", .value = "api_key", .fields = api_key_fields, .n_fields = DW_COUNT(api_key_fields)},
    {.label = "Basic", .value = "basic", .fields = basic_fields, .n_fields = DW_COUNT(basic_fields)},
};
static const dw_field webhook_fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "signing_secret", .label = "Signing secret", .required = 1,
     .input_type = DW_INPUT_TEXT, .secret = 1},
};
static const dw_select_option region_options[] = {{.label = "US", .value = "us"}, {.label = "EU", .value = "eu"}};
static const char *const key_file_keys[] = {"project_id", "private_key", NULL};

static const dw_field fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "base_url", .label = "API base URL", .input_type = DW_INPUT_URL,
     .default_value = "https://api.example.com"},
    {.kind = DW_FIELD_SELECT, .name = "auth", .label = "Authentication", .required = 1, .options = auth_options,
     .n_options = DW_COUNT(auth_options), .default_value = "api_key"},
    {.kind = DW_FIELD_SELECT, .name = "region", .label = "Region", .options = region_options,
     .n_options = DW_COUNT(region_options), .default_value = "us"},
    {.kind = DW_FIELD_INPUT, .name = "page_size", .label = "Page size", .input_type = DW_INPUT_NUMBER,
     .default_value = "100"},
    {.kind = DW_FIELD_SWITCH_GROUP, .name = "webhook", .label = "Webhook", .fields = webhook_fields,
     .n_fields = DW_COUNT(webhook_fields)},
    {.kind = DW_FIELD_OAUTH, .name = "integration", .label = "Integration", .oauth_kind = "cfgtest",
     .required_scopes = "read write"},
    {.kind = DW_FIELD_FILE_UPLOAD, .name = "key_file", .label = "Key file", .file_format = ".json",
     .file_keys = key_file_keys},
    {.kind = DW_FIELD_SSH_TUNNEL, .name = "ssh_tunnel", .label = "SSH tunnel"},
};

static const dw_error_mapping errors[] = {
    {"401 Client Error: Unauthorized", "Your API key is invalid or expired. Generate a new key and reconnect."},
};

static dw_status init(const dw_host_api *a, void **data) {
    api = a;
    *data = NULL;
    return DW_OK;
}

static const char *key(dw_ctx *ctx) {
    const char *k = api->config_string(ctx, "auth.api_key");
    if (!k) k = api->config_string(ctx, "auth.password");
    return k ? k : "";
}

static int starts(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

static dw_status list_schemas(dw_ctx *ctx) {
    static const char *const pk[] = {"id", NULL};
    dw_schema s = {.struct_size = sizeof s, .name = "members", .label = "Members", .primary_keys = pk,
                   .row_count = -1};
    return api->schema_add(ctx, &s);
}

static dw_status check(dw_ctx *ctx, const char *schema) {
    const char *k = key(ctx);
    const char *hook = api->config_string(ctx, "webhook.signing_secret");
    const char *oauth = api->config_string(ctx, "integration.access_token");
    api->log(ctx, DW_LOG_DEBUG, "checking key %s (webhook secret %s, oauth %s, config %s)", k, hook ? hook : "-",
             oauth ? oauth : "-", api->config_json(ctx));
    if (starts(k, "good")) return DW_OK;
    if (starts(k, "scopeless")) {
        if (schema)
            return api->fail(ctx, DW_ERR_FORBIDDEN, "token %s lacks the scope read:org that schema %s needs", k, schema);
        api->log(ctx, DW_LOG_WARN, "token %s lacks the scope read:org; accepted at source creation", k);
        return DW_OK;
    }
    if (starts(k, "legacy403")) return api->fail(ctx, DW_ERR_FORBIDDEN, "403 Forbidden: key %s lacks read:org", k);
    if (starts(k, "bad"))
        return api->fail(ctx, DW_ERR_AUTH, "401 Client Error: Unauthorized for url: https://api.example.com/user?key=%s", k);
    if (starts(k, "down")) return api->fail(ctx, DW_ERR_UNREACHABLE, "could not connect to api.example.com (key %s)", k);
    return api->fail(ctx, DW_ERR_HTTP, "500 Server Error: {\"error\": \"internal\", \"key\": \"%s\"}", k);
}

static dw_status run(dw_ctx *ctx, const dw_run_inputs *in) {
    const char *k = key(ctx);
    api->log(ctx, DW_LOG_INFO, "reading %s with key %s", in->schema_name, k);
    static const char row[] = "{\"id\": 1, \"login\": \"octocat\"}";
    dw_status st = api->emit_json(ctx, row, sizeof row - 1);
    if (st != DW_OK) return st;
    if (starts(k, "good")) return DW_OK;
    return api->fail(ctx, DW_ERR_HTTP, "page 2 failed: 500 Server Error echoing key=%s", k);
}

DW_EXPORT const dw_source dwhost_source = {
    DW_SOURCE_HEADER,
    .name = "cfgtest",
    .label = "Config test",
    .caption = "A test source for config validation and credential checks.",
    .icon_path = "/static/services/cfgtest.svg",
    .version = "1.0.0",
    .fields = fields,
    .n_fields = DW_COUNT(fields),
    .non_retryable_errors = errors,
    .n_non_retryable_errors = DW_COUNT(errors),
    .init = init,
    .list_schemas = list_schemas,
    .check_credentials = check,
    .run = run,
};
