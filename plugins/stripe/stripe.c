/*
 * stripe.c -- the Stripe client: config, headers, the credential probe,
 * run() and the webhook payload transform.
 *
 * Stripe lists newest first and cannot be asked for another order, so the
 * schemas are descending.  run() hands the catalog entry to the REST
 * toolkit (api->rest_run), whose descending iterator does what the
 * reference does: with an earliest value it first reads created[lt]=earliest
 * (finishing a backfill an earlier run left), then created[gte]=last (rows
 * since the last run); neither value: one unfiltered walk.  The cursor
 * (starting_after) and window are saved after every page, so a run resumes
 * where it stopped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stripe.h"
#include "stripe_config.h"

/* ---------------------------------------------------------------- config */

dw_status st_config_load(dw_ctx *ctx, st_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    /* The host validated the config against the form; the generated binder
     * hands it over typed (strings stay owned by the host). */
    stripe_config typed;
    dw_status st = stripe_config_bind(st_api, ctx, &typed);
    if (st != DW_OK) {
        stripe_config_release(st_api, &typed);
        return st;
    }
    cfg->secret_key = typed.stripe_secret_key;
    cfg->account_id = typed.stripe_account_id;
    const char *base = typed.advanced.enabled ? typed.advanced.api_base : NULL;
    stripe_config_release(st_api, &typed);
    if (!cfg->secret_key || !*cfg->secret_key)
        return st_api->fail(ctx, DW_ERR_CONFIG, "stripe: stripe_secret_key is empty; paste a secret or restricted key");
    if (cfg->account_id && !*cfg->account_id) cfg->account_id = NULL;
    if (!base || !*base) base = ST_DEFAULT_API_BASE;
    if (strncmp(base, "https://", 8) != 0 && strncmp(base, "http://", 7) != 0)
        return st_api->fail(ctx, DW_ERR_CONFIG, "stripe: advanced.api_base '%s' must start with https://", base);
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/') bl--;
    cfg->api_base = strndup(base, bl);
    if (!cfg->api_base) return st_api->fail(ctx, DW_ERR_NOMEM, "stripe: out of memory");
    return DW_OK;
}

void st_config_free(st_config *cfg) {
    free(cfg->api_base);
    cfg->api_base = NULL;
}

/* --------------------------------------------------------------- request */

static char *error_message(dw_ctx *ctx, const dw_http_response *resp) {
    size_t len = 0;
    const char *body = st_api->http_body(resp, &len);
    dw_json *j = body ? st_api->json_parse(ctx, body, len) : NULL;
    const char *m = j ? st_api->json_string(st_api->json_get(j, "error.message")) : NULL;
    char *out = m ? strdup(m) : NULL;
    if (j) st_api->json_free(j);
    return out;
}

dw_status st_get(dw_ctx *ctx, const st_config *cfg, const char *url, const char *url_template,
                 dw_http_response **out, char **message) {
    return st_request(ctx, cfg, "GET", url, url_template, NULL, out, message);
}

dw_status st_request(dw_ctx *ctx, const st_config *cfg, const char *method, const char *url, const char *url_template,
                     const char *form, dw_http_response **out, char **message) {
    *out = NULL;
    *message = NULL;
    char *auth = NULL, *account = NULL;
    if (asprintf(&auth, "Authorization: Bearer %s", cfg->secret_key) < 0) auth = NULL;
    if (cfg->account_id && asprintf(&account, "Stripe-Account: %s", cfg->account_id) < 0) account = NULL;
    if (!auth || (cfg->account_id && !account)) {
        free(auth);
        free(account);
        return st_api->fail(ctx, DW_ERR_NOMEM, "stripe: out of memory");
    }
    /* the connected account's header last: it may be absent */
    const char *headers[] = {auth, "User-Agent: dwhost-stripe/1.0",
                             form ? "Content-Type: application/x-www-form-urlencoded" : account,
                             form ? account : NULL, NULL};
    dw_http_request req = {.struct_size = sizeof req, .method = method, .url = url, .url_template = url_template,
                           .headers = headers, .body = form, .body_len = form ? strlen(form) : 0};
    dw_http_response *resp = NULL;
    dw_status st = st_api->http_request(ctx, &req, &resp);
    free(auth);
    free(account);
    if (st != DW_OK) return st; /* recorded by the transport */
    long code = st_api->http_status(resp);
    if (code >= 200 && code < 300) {
        *out = resp;
        return DW_OK;
    }
    char *msg = error_message(ctx, resp);
    st_api->http_free(resp);
    switch (code) {
    case 401: *message = msg; return DW_ERR_AUTH;
    case 403: *message = msg; return DW_ERR_FORBIDDEN;
    case 404: *message = msg; return DW_ERR_NOT_FOUND;
    case 429:
        st = st_api->fail(ctx, DW_ERR_RATE_LIMITED,
                          "Stripe kept answering 429 after retries (%s): run again later", msg ? msg : "");
        break;
    default:
        st = st_api->fail(ctx, DW_ERR_HTTP, "Stripe answered %ld for %s %s: %s", code, method, url_template,
                          msg ? msg : "(no message)");
    }
    free(msg);
    return st;
}

/* ------------------------------------------------------------------- run */

dw_status st_run(dw_ctx *ctx, const dw_run_inputs *in) {
    const st_endpoint *e = st_endpoint_find(in->schema_name);
    if (!e)
        return st_api->fail(ctx, DW_ERR_NOT_FOUND, "stripe has no schema '%s'; run 'dwhost describe stripe' for the list",
                            in->schema_name ? in->schema_name : "(none)");
    if (in->use_incremental && in->incremental_field && strcmp(in->incremental_field, "created") != 0)
        return st_api->fail(ctx, DW_ERR_CONFIG, "stripe: '%s' syncs incrementally only on 'created', not '%s'",
                            e->ep.name, in->incremental_field);
    st_config cfg;
    dw_status st = st_config_load(ctx, &cfg);
    if (st != DW_OK) return st;
    char *auth = NULL, *account = NULL;
    if (asprintf(&auth, "Authorization: Bearer %s", cfg.secret_key) < 0) auth = NULL;
    if (cfg.account_id && asprintf(&account, "Stripe-Account: %s", cfg.account_id) < 0) account = NULL;
    if (!auth || (cfg.account_id && !account)) {
        st = st_api->fail(ctx, DW_ERR_NOMEM, "stripe: out of memory");
    } else {
        /* The descending windows (older than the earliest value, newer than
         * the last), the cursor and the resume state are the REST toolkit's
         * generic descending iterator: the catalog entry says all it needs. */
        const char *headers[] = {auth, "User-Agent: dwhost-stripe/1.0", account, NULL};
        const dw_endpoint *one[] = {&e->ep};
        dw_rest_client client = {.struct_size = sizeof client, .base_url = cfg.api_base, .headers = headers,
                                 .endpoints = one, .n_endpoints = 1};
        st = st_api->rest_run(ctx, &client, &e->ep, in);
    }
    free(auth);
    free(account);
    st_config_free(&cfg);
    return st;
}

/* --------------------------------------------------------------- webhook */

static int event_matches(const char *pattern, const char *type) {
    size_t pl = strlen(pattern);
    if (pl >= 2 && !strcmp(pattern + pl - 2, ".*")) return !strncmp(type, pattern, pl - 1);
    return !strcmp(pattern, type);
}

dw_status st_webhook_transform(dw_ctx *ctx, const char *schema, const char *payload, size_t len) {
    const st_endpoint *e = st_endpoint_find(schema);
    if (!e) return st_api->fail(ctx, DW_ERR_NOT_FOUND, "stripe has no schema '%s'", schema ? schema : "(none)");
    dw_json *ev = st_api->json_parse(ctx, payload, len);
    const char *object = ev ? st_api->json_string(st_api->json_get(ev, "object")) : NULL;
    const char *type = ev ? st_api->json_string(st_api->json_get(ev, "type")) : NULL;
    dw_json *row = ev ? st_api->json_get(ev, "data.object") : NULL;
    dw_status st = DW_OK;
    if (!object || strcmp(object, "event") != 0 || !type || !row) {
        st = st_api->fail(ctx, DW_ERR_BAD_DATA,
                          "stripe: the webhook payload is not a Stripe event (expected object \"event\" with "
                          "type and data.object)");
    } else {
        int wanted = 0;
        for (uint32_t i = 0; i < ST_N_WEBHOOK_RESOURCES; i++)
            if (!strcmp(st_webhook_resources[i].schema, e->ep.name) &&
                event_matches(st_webhook_resources[i].event_type, type))
                wanted = 1;
        const char *kind = st_api->json_string(st_api->json_get(row, "object"));
        if (wanted && kind && !strcmp(kind, e->object))
            st = st_api->emit_value(ctx, row);
        else
            st_api->log(ctx, DW_LOG_DEBUG, "stripe: event %s (%s) carries no '%s' row", type,
                        kind ? kind : "?", e->ep.name);
    }
    if (ev) st_api->json_free(ev);
    return st;
}
