/* host_webhook.c -- the embedding API's webhook functions (dwhost.h
 * "== sync ==", webhooks): a source by name, its config validated, then
 * webhook_ingest.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_options.h"
#include "config/config_load.h"
#include "dwhost.h"
#include "host_settings.h"
#include "webhook/webhook.h"

static void set_error(char **error, char *msg) {
    if (error) *error = msg;
    else free(msg);
}

static dwh_plugin *find(dwh_host *h, const char *source, char **error) {
    dwh_plugin *p = h && source ? dwh_host_find(h, source) : NULL;
    if (!p) {
        char *msg = NULL;
        if (asprintf(&msg, "no source named '%s' was loaded; check the plugin directories", source ? source : "(null)") < 0)
            msg = NULL;
        set_error(error, msg);
    }
    return p;
}

/* The caller's options as this library knows them (see api_options.h).
 * Returns 0, or -1 after setting *error. */
static int known_options(dwh_webhook_options *known, const dwh_webhook_options *opts, size_t opts_size,
                         char **error) {
    size_t unknown = 0;
    if (dwhi_options_copy(known, sizeof *known, opts, opts_size, &unknown) == 0) return 0;
    set_error(error, dwhi_options_unknown_message("dwh_webhook_options", unknown, sizeof *known));
    return -1;
}

static dwh_webhook_outcome push_in_scope(dwh_host *h, const char *source, const char *config_json,
                                         const dwh_webhook_options *caller_opts, size_t opts_size,
                                         const char *payload, size_t len, int64_t *inbox_id, char **error) {
    if (inbox_id) *inbox_id = 0;
    if (error) *error = NULL;
    dwh_webhook_options known, *opts = &known;
    if (known_options(&known, caller_opts, opts_size, error) < 0) return DWH_WEBHOOK_FAIL_CONFIG;
    dwh_plugin *p = find(h, source, error);
    if (!p) return DWH_WEBHOOK_FAIL_PLUGIN;
    char *unsupported = dwhi_webhook_unsupported(p);
    if (unsupported) {
        set_error(error, unsupported);
        dwh_plugin_unref(p);
        return DWH_WEBHOOK_UNSUPPORTED;
    }
    dwh_webhook_outcome f;
    dwhi_secrets *secrets = dwhi_secrets_new();
    dwhi_config_report rep;
    dwhi_config_report_init(&rep);
    json_object *raw = NULL, *validated = NULL;
    char perr[256];
    char *msg = NULL;
    if (!secrets) {
        f = DWH_WEBHOOK_FAIL_CONFIG;
        set_error(error, strdup("out of memory"));
    } else if (!payload) {
        f = DWH_WEBHOOK_REFUSED;
        set_error(error, strdup("no payload given"));
    } else if (config_json && dwhi_config_parse_text(config_json, strlen(config_json), &raw, perr, sizeof perr) < 0) {
        f = DWH_WEBHOOK_FAIL_CONFIG;
        if (asprintf(&msg, "the config is not JSON: %s", perr) < 0) msg = NULL;
        set_error(error, msg);
    } else if (dwhi_config_load_json(dwh_plugin_source(p), raw, NULL, &validated, secrets, &rep) < 0) {
        f = DWH_WEBHOOK_FAIL_CONFIG;
        set_error(error, dwhi_config_report_summary(&rep, secrets));
    } else {
        dwhi_webhook_result r;
        dwhi_webhook_push_run(p, validated, secrets, opts, payload, len, &r);
        f = r.outcome;
        if (f == DWH_WEBHOOK_STORED && inbox_id) *inbox_id = r.inbox_id;
        if (f != DWH_WEBHOOK_STORED) {
            set_error(error, r.message);
            r.message = NULL;
        }
        dwhi_webhook_result_free(&r);
    }
    json_object_put(raw);
    json_object_put(validated);
    dwhi_config_report_clear(&rep);
    dwhi_secrets_free(secrets);
    dwh_plugin_unref(p);
    return f;
}

static dwh_webhook_outcome drop_in_scope(dwh_host *h, const char *source, const dwh_webhook_options *caller_opts,
                                         size_t opts_size, int64_t inbox_id, char **error) {
    if (error) *error = NULL;
    dwh_webhook_options known, *opts = &known;
    if (known_options(&known, caller_opts, opts_size, error) < 0) return DWH_WEBHOOK_FAIL_CONFIG;
    dwh_plugin *p = find(h, source, error);
    if (!p) return DWH_WEBHOOK_FAIL_PLUGIN;
    dwhi_webhook_result r;
    dwhi_webhook_drop_run(p, opts, inbox_id, &r);
    dwh_webhook_outcome f = r.outcome;
    if (f != DWH_WEBHOOK_DROPPED) {
        set_error(error, r.message);
        r.message = NULL;
    }
    dwhi_webhook_result_free(&r);
    dwh_plugin_unref(p);
    return f;
}

/* The dw_status of an outcome (dwhost.h, webhooks). */
static dw_status status_of(dwh_webhook_outcome o) {
    switch (o) {
    case DWH_WEBHOOK_STORED:
    case DWH_WEBHOOK_IGNORED:
    case DWH_WEBHOOK_DROPPED: return DW_OK;
    case DWH_WEBHOOK_REFUSED: return DW_ERR_BAD_DATA;
    case DWH_WEBHOOK_UNSUPPORTED: return DW_ERR_UNSUPPORTED;
    case DWH_WEBHOOK_FAIL_CONFIG: return DW_ERR_CONFIG;
    case DWH_WEBHOOK_FAIL_WAREHOUSE: return DW_ERR_SINK;
    case DWH_WEBHOOK_FAIL_PLUGIN:
    case DWH_WEBHOOK_NOT_FOUND: return DW_ERR_NOT_FOUND;
    case DWH_WEBHOOK_BAD_SIGNATURE: return DW_ERR_AUTH;
    }
    return DW_ERR;
}

/* The settings of the host the source comes from (api/host_settings.h);
 * *ref is the reference that keeps them alive, to drop afterwards. */
static dwhi_host_settings *settings_for(dwh_host *h, const char *source, dwh_plugin **ref) {
    *ref = h && source ? dwh_host_find(h, source) : NULL;
    return dwhi_host_settings_of(*ref);
}

dw_status dwh_webhook_push_sized(dwh_host *h, const char *source, const char *config_json,
                                 const dwh_webhook_options *opts, size_t opts_size, const char *payload, size_t len,
                                 dwh_webhook_outcome *outcome, int64_t *inbox_id, char **error) {
    dwh_plugin *ref;
    dwhi_api_scope scope;
    dwhi_api_scope_enter(settings_for(h, source, &ref), &scope);
    dwh_webhook_outcome o = push_in_scope(h, source, config_json, opts, opts_size, payload, len, inbox_id, error);
    dwhi_api_scope_leave(&scope);
    dwh_plugin_unref(ref);
    if (outcome) *outcome = o;
    return status_of(o);
}

dw_status dwh_webhook_drop_sized(dwh_host *h, const char *source, const dwh_webhook_options *opts, size_t opts_size,
                                 int64_t inbox_id, dwh_webhook_outcome *outcome, char **error) {
    dwh_plugin *ref;
    dwhi_api_scope scope;
    dwhi_api_scope_enter(settings_for(h, source, &ref), &scope);
    dwh_webhook_outcome o = drop_in_scope(h, source, opts, opts_size, inbox_id, error);
    dwhi_api_scope_leave(&scope);
    dwh_plugin_unref(ref);
    if (outcome) *outcome = o;
    return status_of(o);
}
