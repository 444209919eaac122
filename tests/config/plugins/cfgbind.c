/*
 * cfgbind.c -- a plugin that reads its config only through the typed config
 * tools/gen-config generated from the fixture form (cfgfix_config.h, built
 * into the build tree), the way bundled plugins must.  run() binds the
 * config and emits one row holding every member it bound, so a test can
 * compare what the plugin sees with what the user wrote.
 */
#include <stdio.h>
#include <string.h>

#include "cfgfix_config.h"
#include "dwsdk.h"
#include "form_fixture.h"

static const dw_host_api *api;

static dw_status init(const dw_host_api *a, void **data) {
    api = a;
    *data = NULL;
    return DW_OK;
}

static void s(dw_row *r, const char *col, const char *v) {
    if (v) api->row_set_string(r, col, v);
    else api->row_set_null(r, col);
}

static void strings(dw_row *r, const char *col, const char **v, size_t n) {
    char buf[1024];
    size_t len = (size_t)snprintf(buf, sizeof buf, "[");
    for (size_t i = 0; i < n && len < sizeof buf - 64; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s\"%s\"", i ? "," : "", v[i]);
    snprintf(buf + len, sizeof buf - len, "]");
    api->row_set_json(r, col, buf);
}

static dw_status run(dw_ctx *ctx, const dw_run_inputs *in) {
    cfgfix_config c;
    dw_status st = cfgfix_config_bind(api, ctx, &c);
    if (st != DW_OK) {
        cfgfix_config_release(api, &c);
        return st;
    }
    dw_row *r = api->row_new(ctx);
    s(r, "host", c.host);
    api->row_set_int(r, "port", c.port);
    s(r, "email", c.email);
    s(r, "base_url", c.base_url);
    s(r, "sync_time", c.sync_time);
    s(r, "notes", c.notes);
    s(r, "query", c.query);
    s(r, "token", c.token);
    api->row_set_int(r, "auth_selection", (int64_t)c.auth.selection);
    s(r, "auth_value", c.auth.value);
    if (c.auth.selection == CFGFIX_AUTH_API_KEY) s(r, "auth_api_key", c.auth.api_key.api_key);
    if (c.auth.selection == CFGFIX_AUTH_KEYPAIR) {
        s(r, "auth_user", c.auth.keypair.user);
        s(r, "auth_private_key", c.auth.keypair.private_key);
        s(r, "auth_passphrase", c.auth.keypair.passphrase);
    }
    api->row_set_int(r, "lookback", c.lookback);
    api->row_set_bool(r, "include_archived", c.include_archived);
    if (c.has_limit) api->row_set_int(r, "limit", c.limit);
    else api->row_set_null(r, "limit");
    strings(r, "tables", c.tables, c.n_tables);
    api->row_set_bool(r, "webhook_enabled", c.webhook.enabled);
    s(r, "webhook_signing_secret", c.webhook.signing_secret);
    s(r, "webhook_endpoint", c.webhook.endpoint);
    api->row_set_bool(r, "advanced_enabled", c.advanced.enabled);
    api->row_set_int(r, "advanced_page_size", c.advanced.page_size);
    s(r, "integration_access_token", c.integration.access_token);
    s(r, "integration_refresh_token", c.integration.refresh_token);
    s(r, "integration_scope", c.integration.scope);
    s(r, "integration_expires_at", c.integration.expires_at);
    s(r, "account", c.account);
    api->row_set_bool(r, "key_file_present", c.key_file.present);
    s(r, "key_file_project_id", c.key_file.project_id);
    s(r, "key_file_private_key", c.key_file.private_key);
    if (c.key_file.json) api->row_set_json(r, "key_file_json", c.key_file.json);
    api->row_set_bool(r, "any_file_present", c.any_file.present);
    if (c.any_file.json) api->row_set_json(r, "any_file_json", c.any_file.json);
    api->row_set_bool(r, "ssh_enabled", c.ssh_tunnel.enabled);
    s(r, "ssh_host", c.ssh_tunnel.host);
    api->row_set_int(r, "ssh_port", c.ssh_tunnel.port);
    s(r, "ssh_username", c.ssh_tunnel.username);
    s(r, "ssh_auth_type", c.ssh_tunnel.auth_type);
    s(r, "ssh_password", c.ssh_tunnel.password);
    s(r, "ssh_private_key", c.ssh_tunnel.private_key);
    s(r, "ssh_passphrase", c.ssh_tunnel.passphrase);
    st = api->row_emit(r);
    cfgfix_config_release(api, &c);
    return st;
}

static dw_status list_schemas(dw_ctx *ctx) {
    static const char *const pk[] = {"host", NULL};
    dw_schema sc = {.struct_size = sizeof sc, .name = "bound", .primary_keys = pk, .row_count = -1};
    return api->schema_add(ctx, &sc);
}

static dw_status check(dw_ctx *ctx, const char *schema) { return DW_OK; }

DW_EXPORT const dw_source dwhost_source = {
    DW_SOURCE_HEADER,
    .name = "cfgbind",
    .label = "Typed config binder",
    .icon_path = "/static/services/cfgbind.svg",
    .version = "1.0.0",
    .fields = fx_fields,
    .n_fields = FX_N_FIELDS,
    .init = init,
    .list_schemas = list_schemas,
    .check_credentials = check,
    .run = run,
};
