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

/* Sets a failure that happened before the plugin ran: `outcome` and its
 * line (`msg`, taken; NULL: out of memory). */
static void fail(dwhi_webhook_result *r, dwh_webhook_outcome outcome, char *msg) {
    r->outcome = outcome;
    r->message = msg ? msg : strdup("out of memory");
}

/* One push for plugin p (borrowed, not NULL) with the caller's options
 * (already known): config_json validated (relative references from
 * base_dir), then webhook_ingest.c.  Fills *r (zeroed here; caller frees);
 * every secret of the config goes into `secrets` (required). */
static void push_plugin(dwh_plugin *p, const char *config_json, const char *base_dir, const dwh_webhook_options *opts,
                        const char *payload, size_t len, dwhi_secrets *secrets, dwhi_webhook_result *r) {
    memset(r, 0, sizeof *r);
    char *unsupported = dwhi_webhook_unsupported(p);
    if (unsupported) {
        fail(r, DWH_WEBHOOK_UNSUPPORTED, unsupported);
        return;
    }
    dwhi_config_report rep;
    dwhi_config_report_init(&rep);
    json_object *raw = NULL, *validated = NULL;
    char perr[256];
    char *msg = NULL;
    if (!payload) {
        fail(r, DWH_WEBHOOK_REFUSED, strdup("no payload given"));
    } else if (config_json && dwhi_config_parse_text(config_json, strlen(config_json), &raw, perr, sizeof perr) < 0) {
        if (asprintf(&msg, "the config is not JSON: %s", perr) < 0) msg = NULL;
        fail(r, DWH_WEBHOOK_FAIL_CONFIG, msg);
    } else if (dwhi_config_load_json(dwh_plugin_source(p), raw, base_dir, &validated, secrets, &rep) < 0) {
        fail(r, DWH_WEBHOOK_FAIL_CONFIG, dwhi_config_report_summary(&rep, secrets));
    } else {
        dwhi_webhook_push_run(p, validated, secrets, opts, payload, len, r);
    }
    json_object_put(raw);
    json_object_put(validated);
    dwhi_config_report_clear(&rep);
}

/* r's line handed to *error (the caller frees) for every outcome but
 * `done` (STORED or DROPPED). */
static void take_error(dwhi_webhook_result *r, dwh_webhook_outcome done, char **error) {
    if (r->outcome == done) return;
    set_error(error, r->message);
    r->message = NULL;
}

static dwh_webhook_outcome push_in_scope(dwh_host *h, const char *source, const char *config_json,
                                         const dwh_webhook_options *caller_opts, size_t opts_size,
                                         const char *payload, size_t len, int64_t *inbox_id, char **error) {
    if (inbox_id) *inbox_id = 0;
    if (error) *error = NULL;
    dwh_webhook_options known;
    if (known_options(&known, caller_opts, opts_size, error) < 0) return DWH_WEBHOOK_FAIL_CONFIG;
    dwh_plugin *p = find(h, source, error);
    if (!p) return DWH_WEBHOOK_FAIL_PLUGIN;
    dwhi_secrets *secrets = dwhi_secrets_new();
    dwhi_webhook_result r = {0};
    if (!secrets) fail(&r, DWH_WEBHOOK_FAIL_CONFIG, NULL);
    else push_plugin(p, config_json, NULL, &known, payload, len, secrets, &r);
    if (r.outcome == DWH_WEBHOOK_STORED && inbox_id) *inbox_id = r.inbox_id;
    take_error(&r, DWH_WEBHOOK_STORED, error);
    dwh_webhook_outcome f = r.outcome;
    dwhi_webhook_result_free(&r);
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
    take_error(&r, DWH_WEBHOOK_DROPPED, error);
    dwh_webhook_outcome f = r.outcome;
    dwhi_webhook_result_free(&r);
    dwh_plugin_unref(p);
    return f;
}

/* The result document of the *_plugin functions: `dwhost webhook
 * --json`'s, scrubbed of `secrets` (may be NULL); malloc'd, NULL on OOM. */
static char *result_text(const dwhi_webhook_result *r, const dwh_plugin *p, const dwhi_secrets *secrets) {
    json_object *doc = dwhi_webhook_result_json(r, p ? dwh_plugin_name(p) : NULL);
    char *text = doc ? dwhi_secrets_scrub(secrets, json_object_to_json_string_ext(
                                                       doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE))
                     : NULL;
    json_object_put(doc);
    return text;
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

/* The *_plugin functions' common start: the caller's options as known,
 * or the failure result. */
static int plugin_call_start(dwh_plugin *p, const dwh_webhook_options *opts, size_t opts_size,
                             dwh_webhook_options *known, dwhi_webhook_result *r) {
    memset(r, 0, sizeof *r);
    char *msg = NULL;
    if (known_options(known, opts, opts_size, &msg) < 0) {
        fail(r, DWH_WEBHOOK_FAIL_CONFIG, msg);
        return -1;
    }
    if (!p) {
        fail(r, DWH_WEBHOOK_FAIL_PLUGIN, strdup(DWHI_API_NO_PLUGIN));
        return -1;
    }
    return 0;
}

/* Hands r's outcome, document and line to the caller's out-parameters. */
static dw_status plugin_call_end(dwh_plugin *p, dwhi_webhook_result *r, const dwhi_secrets *secrets,
                                 dwh_webhook_outcome done, dwh_webhook_outcome *outcome, char **result_json,
                                 char **error) {
    if (outcome) *outcome = r->outcome;
    if (result_json) *result_json = result_text(r, p, secrets);
    take_error(r, done, error);
    dw_status st = status_of(r->outcome);
    dwhi_webhook_result_free(r);
    return st;
}

dw_status dwh_webhook_push_plugin_sized(dwh_plugin *p, const char *config_json, const char *base_dir,
                                        const dwh_webhook_options *opts, size_t opts_size, const char *payload,
                                        size_t len, dwh_webhook_outcome *outcome, char **result_json, char **error) {
    if (result_json) *result_json = NULL;
    if (error) *error = NULL;
    dwhi_api_scope scope;
    dwhi_api_scope_enter(dwhi_host_settings_of(p), &scope);
    dwh_webhook_options known;
    dwhi_webhook_result r;
    dwhi_secrets *secrets = dwhi_secrets_new();
    if (plugin_call_start(p, opts, opts_size, &known, &r) == 0) {
        if (!secrets) fail(&r, DWH_WEBHOOK_FAIL_CONFIG, NULL);
        else push_plugin(p, config_json, base_dir, &known, payload, len, secrets, &r);
    }
    dw_status st = plugin_call_end(p, &r, secrets, DWH_WEBHOOK_STORED, outcome, result_json, error);
    dwhi_secrets_free(secrets);
    dwhi_api_scope_leave(&scope);
    return st;
}

dw_status dwh_webhook_drop_plugin_sized(dwh_plugin *p, const dwh_webhook_options *opts, size_t opts_size,
                                        int64_t inbox_id, dwh_webhook_outcome *outcome, char **result_json,
                                        char **error) {
    if (result_json) *result_json = NULL;
    if (error) *error = NULL;
    dwhi_api_scope scope;
    dwhi_api_scope_enter(dwhi_host_settings_of(p), &scope);
    dwh_webhook_options known;
    dwhi_webhook_result r;
    if (plugin_call_start(p, opts, opts_size, &known, &r) == 0) dwhi_webhook_drop_run(p, &known, inbox_id, &r);
    dw_status st = plugin_call_end(p, &r, NULL, DWH_WEBHOOK_DROPPED, outcome, result_json, error);
    dwhi_api_scope_leave(&scope);
    return st;
}

dw_status dwh_webhook_supported(dwh_plugin *p, char **error) {
    if (error) *error = NULL;
    if (!p) {
        set_error(error, strdup(DWHI_API_NO_PLUGIN));
        return DW_ERR_NOT_FOUND;
    }
    char *why = dwhi_webhook_unsupported(p);
    if (!why) return DW_OK;
    set_error(error, why);
    return DW_ERR_UNSUPPORTED;
}
