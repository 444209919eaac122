/*
 * form_fixture.h -- one hand-built form holding every field kind, input
 * type and converter, with host stride (as the registry normalises them).
 * Shared by the config unit tests and the fuzz target.
 */
#ifndef DWHI_TEST_FORM_FIXTURE_H
#define DWHI_TEST_FORM_FIXTURE_H

#include "dwsdk.h"

static const dw_field fx_api_key_fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "api_key", .label = "API key", .required = 1, .input_type = DW_INPUT_PASSWORD},
};
static const dw_field fx_keypair_fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "user", .label = "User", .required = 1, .input_type = DW_INPUT_TEXT},
    {.kind = DW_FIELD_INPUT, .name = "private_key", .label = "Private key", .required = 1,
     .input_type = DW_INPUT_TEXTAREA, .secret = 1},
    {.kind = DW_FIELD_INPUT, .name = "passphrase", .label = "Passphrase", .input_type = DW_INPUT_PASSWORD},
};
static const dw_select_option fx_auth_options[] = {
    {"API key", "api_key", fx_api_key_fields, 1},
    {"Key pair", "keypair", fx_keypair_fields, 3},
    {"No authentication", "none", NULL, 0},
};
static const dw_select_option fx_days_options[] = {{"7 days", "7", NULL, 0}, {"30 days", "30", NULL, 0}};
static const dw_select_option fx_bool_options[] = {{"Yes", "true", NULL, 0}, {"No", "false", NULL, 0}};
static const dw_select_option fx_limit_options[] = {{"No limit", "", NULL, 0}, {"100 rows", "100", NULL, 0}};
static const dw_select_option fx_table_options[] = {
    {"Users", "users", NULL, 0}, {"Orders", "orders", NULL, 0}, {"Items", "items", NULL, 0}};
static const dw_field fx_webhook_fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "signing_secret", .label = "Signing secret", .required = 1,
     .input_type = DW_INPUT_PASSWORD},
    {.kind = DW_FIELD_INPUT, .name = "endpoint", .label = "Endpoint", .input_type = DW_INPUT_URL},
};
static const dw_field fx_advanced_fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "page_size", .label = "Page size", .input_type = DW_INPUT_NUMBER,
     .default_value = "100"},
};
static const char *const fx_key_file_keys[] = {"project_id", "private_key", "client_email", NULL};
static const char *const fx_any_keys[] = {"*", NULL};

static const dw_field fx_fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "host", .label = "Host", .required = 1, .input_type = DW_INPUT_TEXT},
    {.kind = DW_FIELD_INPUT, .name = "port", .label = "Port", .input_type = DW_INPUT_NUMBER, .default_value = "5432"},
    {.kind = DW_FIELD_INPUT, .name = "email", .label = "Email", .input_type = DW_INPUT_EMAIL},
    {.kind = DW_FIELD_INPUT, .name = "base_url", .label = "Base URL", .input_type = DW_INPUT_URL,
     .default_value = "https://api.example.com"},
    {.kind = DW_FIELD_INPUT, .name = "sync_time", .label = "Sync time", .input_type = DW_INPUT_TIME},
    {.kind = DW_FIELD_INPUT, .name = "notes", .label = "Notes", .input_type = DW_INPUT_TEXTAREA},
    {.kind = DW_FIELD_INPUT, .name = "query", .label = "Query", .input_type = DW_INPUT_SEARCH},
    {.kind = DW_FIELD_INPUT, .name = "token", .label = "Token", .input_type = DW_INPUT_TEXT, .secret = 1},
    {.kind = DW_FIELD_SELECT, .name = "auth", .label = "Authentication", .required = 1,
     .options = fx_auth_options, .n_options = 3, .default_value = "api_key"},
    {.kind = DW_FIELD_SELECT, .name = "lookback", .label = "Lookback", .options = fx_days_options, .n_options = 2,
     .default_value = "7", .converter = DW_CONVERT_STR_TO_INT},
    {.kind = DW_FIELD_SELECT, .name = "include_archived", .label = "Include archived", .options = fx_bool_options,
     .n_options = 2, .default_value = "false", .converter = DW_CONVERT_STR_TO_BOOL},
    {.kind = DW_FIELD_SELECT, .name = "limit", .label = "Limit", .options = fx_limit_options, .n_options = 2,
     .converter = DW_CONVERT_STR_TO_OPTIONAL_INT},
    {.kind = DW_FIELD_SELECT, .name = "tables", .label = "Tables", .options = fx_table_options, .n_options = 3,
     .multiple = 1},
    {.kind = DW_FIELD_SWITCH_GROUP, .name = "webhook", .label = "Webhook", .fields = fx_webhook_fields,
     .n_fields = 2},
    {.kind = DW_FIELD_SWITCH_GROUP, .name = "advanced", .label = "Advanced", .default_on = 1,
     .fields = fx_advanced_fields, .n_fields = 1},
    {.kind = DW_FIELD_OAUTH, .name = "integration", .label = "GitHub", .oauth_kind = "github",
     .required_scopes = "repo read:org"},
    {.kind = DW_FIELD_OAUTH_ACCOUNT, .name = "account", .label = "Account", .integration_field = "integration",
     .integration_kind = "github"},
    {.kind = DW_FIELD_FILE_UPLOAD, .name = "key_file", .label = "Service account key", .file_format = ".json",
     .file_keys = fx_key_file_keys},
    {.kind = DW_FIELD_FILE_UPLOAD, .name = "any_file", .label = "Any JSON", .file_format = ".json",
     .file_keys = fx_any_keys},
    {.kind = DW_FIELD_SSH_TUNNEL, .name = "ssh_tunnel", .label = "SSH tunnel"},
};
#define FX_N_FIELDS ((uint32_t)(sizeof fx_fields / sizeof fx_fields[0]))

#endif
