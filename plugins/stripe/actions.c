/*
 * actions.c -- the Stripe source's webhook lifecycle actions (ABI 1.8;
 * declared in source.c) over the webhook endpoints API
 * (https://docs.stripe.com/api/webhook_endpoints): create (POST, with the
 * event types of the webhook resource map), find by URL (GET, every page),
 * delete (DELETE).  Parameters go out form-encoded, as Stripe takes them;
 * answers are built from the values Stripe sent, serialised by the host
 * (json_text), never escaped by hand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stripe.h"

/* The value at `path` of `v` as JSON text ("null" when absent); free with
 * st_api->free.  NULL only when memory runs out. */
static char *member(const dw_json *v, const char *path) {
    const dw_json *m = st_api->json_get(v, path);
    if (m) return st_api->json_text(m);
    char *n = malloc(5);
    if (n) memcpy(n, "null", 5);
    return n;
}

/* Sets the answer to `fmt` filled with the members of `hook` named in
 * `paths` (NULL-terminated), each as JSON text. */
static dw_status answer(dw_ctx *ctx, const char *fmt, const dw_json *hook, const char *const *paths) {
    char *vals[6] = {0};
    size_t n = 0;
    for (; paths[n] && n < 6; n++) vals[n] = member(hook, paths[n]);
    char *out = NULL;
    int ok = 1;
    for (size_t i = 0; i < n; i++) ok &= vals[i] != NULL;
    if (ok && asprintf(&out, fmt, vals[0], vals[1], vals[2], vals[3], vals[4], vals[5]) < 0) out = NULL;
    for (size_t i = 0; i < n; i++) st_api->free(vals[i]);
    if (!out) return st_api->fail(ctx, DW_ERR_NOMEM, "stripe: out of memory");
    dw_status st = st_api->action_result(ctx, out, strlen(out));
    free(out);
    return st;
}

static dw_status need_url(dw_ctx *ctx, const char *url, const char *what) {
    if (url && (!strncmp(url, "https://", 8) || !strncmp(url, "http://", 7))) return DW_OK;
    return st_api->fail(ctx, DW_ERR_CONFIG, "stripe: %s: url must be the http(s) URL Stripe posts events to, not '%s'",
                        what, url ? url : "");
}

/* A failed request's one line, recorded (st_request returns 401/403/404
 * without recording them). */
static dw_status request_failed(dw_ctx *ctx, dw_status st, const char *what, char *message) {
    if (message) st = st_api->fail(ctx, st, "stripe: %s failed: %s", what, message);
    free(message);
    return st;
}

/* Finds the endpoint whose url is `url`: *found (free with json_free;
 * NULL: none) is the list page that holds it, *hook the endpoint in it. */
static dw_status find_hook(dw_ctx *ctx, const st_config *cfg, const char *url, dw_json **found, const dw_json **hook) {
    *found = NULL;
    *hook = NULL;
    char *after = NULL;
    dw_status st = DW_OK;
    for (int more = 1; more && st == DW_OK;) {
        const char *params[] = {"limit", "100", after ? "starting_after" : NULL, after, NULL};
        char *u = st_api->url_build(ctx, cfg->api_base, "/v1/webhook_endpoints", params);
        if (!u) {
            st = st_api->fail(ctx, DW_ERR_NOMEM, "stripe: out of memory");
            break;
        }
        dw_http_response *resp = NULL;
        char *message = NULL;
        st = st_request(ctx, cfg, "GET", u, "/v1/webhook_endpoints", NULL, &resp, &message);
        st_api->free(u);
        if (st != DW_OK) {
            st = request_failed(ctx, st, "listing the webhook endpoints", message);
            break;
        }
        size_t len = 0;
        const char *body = st_api->http_body(resp, &len);
        dw_json *page = st_api->json_parse(ctx, body, len);
        st_api->http_free(resp);
        const dw_json *data = page ? st_api->json_get(page, "data") : NULL;
        if (!data) {
            if (page) st_api->json_free(page);
            st = st_api->fail(ctx, DW_ERR_BAD_DATA, "stripe: GET /v1/webhook_endpoints answered no list");
            break;
        }
        size_t n = st_api->json_array_len(data);
        for (size_t i = 0; i < n && !*hook; i++) {
            const dw_json *h = st_api->json_index(data, i);
            const char *hu = st_api->json_string(st_api->json_get(h, "url"));
            if (hu && !strcmp(hu, url)) *hook = h;
        }
        if (*hook) {
            *found = page;
            break;
        }
        const char *has_more = st_api->json_string(st_api->json_get(page, "has_more"));
        const char *last = n ? st_api->json_string(st_api->json_get(st_api->json_index(data, n - 1), "id")) : NULL;
        more = has_more && !strcmp(has_more, "true") && last;
        free(after);
        after = more ? strdup(last) : NULL;
        st_api->json_free(page);
        if (more && !after) st = st_api->fail(ctx, DW_ERR_NOMEM, "stripe: out of memory");
    }
    free(after);
    return st;
}

/* What every action starts with: `url` checked (for `action`), the config
 * loaded into *cfg, and the endpoint posting to `url` found through every
 * page (*hook, NULL when there is none, lives in *page).  On DW_OK the
 * caller ends with hook_release(); on failure nothing is left to free. */
static dw_status hook_lookup(dw_ctx *ctx, const char *url, const char *action, st_config *cfg, dw_json **page,
                             const dw_json **hook) {
    *page = NULL;
    *hook = NULL;
    dw_status st = need_url(ctx, url, action);
    if (st != DW_OK || (st = st_config_load(ctx, cfg)) != DW_OK) return st;
    if ((st = find_hook(ctx, cfg, url, page, hook)) != DW_OK) st_config_free(cfg);
    return st;
}

static void hook_release(st_config *cfg, dw_json *page) {
    if (page) st_api->json_free(page);
    st_config_free(cfg);
}

dw_status st_create_webhook(dw_ctx *ctx, const char *url) {
    st_config cfg;
    dw_json *page;
    const dw_json *existing;
    dw_status st = hook_lookup(ctx, url, "create_webhook", &cfg, &page, &existing);
    if (st != DW_OK) return st;
    if (existing) {
        const char *id = st_api->json_string(st_api->json_get(existing, "id"));
        st = st_api->fail(ctx, DW_ERR_CONFIG, "stripe: a webhook endpoint for %s exists already (%s); delete it first "
                                              "(its signing secret cannot be read again)", url, id ? id : "?");
    }
    if (page) st_api->json_free(page);
    /* url=...&enabled_events[]=...: url_build's query is form encoding */
    const char *params[2 * 64 + 5];
    size_t k = 0;
    params[k++] = "url";
    params[k++] = url;
    params[k++] = "description";
    params[k++] = "dwhost";
    for (size_t i = 0; st_event_types[i] && k + 3 < sizeof params / sizeof params[0]; i++) {
        params[k++] = "enabled_events[]";
        params[k++] = st_event_types[i];
    }
    params[k] = NULL;
    char *built = st == DW_OK ? st_api->url_build(ctx, "http://form", "", params) : NULL;
    const char *form = built ? strchr(built, '?') : NULL;
    if (st == DW_OK && !form) st = st_api->fail(ctx, DW_ERR_NOMEM, "stripe: out of memory");
    char *target = st == DW_OK ? st_api->url_build(ctx, cfg.api_base, "/v1/webhook_endpoints", NULL) : NULL;
    if (st == DW_OK && !target) st = st_api->fail(ctx, DW_ERR_NOMEM, "stripe: out of memory");
    dw_http_response *resp = NULL;
    char *message = NULL;
    if (st == DW_OK) {
        st = st_request(ctx, &cfg, "POST", target, "/v1/webhook_endpoints", form + 1, &resp, &message);
        if (st != DW_OK) st = request_failed(ctx, st, "creating the webhook endpoint", message);
    }
    if (st == DW_OK) {
        size_t len = 0;
        const char *body = st_api->http_body(resp, &len);
        dw_json *hook = st_api->json_parse(ctx, body, len);
        const char *secret = hook ? st_api->json_string(st_api->json_get(hook, "secret")) : NULL;
        if (!secret || !secret[0]) {
            st = st_api->fail(ctx, DW_ERR_BAD_DATA, "stripe: the created webhook endpoint came without its secret");
        } else {
            st_api->secret_add(ctx, secret); /* never in a log line or the printed answer */
            static const char *const paths[] = {"id", "url", "status", "enabled_events", "secret", NULL};
            st = answer(ctx,
                        "{\"success\":true,\"id\":%s,\"url\":%s,\"status\":%s,\"enabled_events\":%s,"
                        "\"extra_inputs\":{\"webhook_signing_secret\":%s}}",
                        hook, paths);
        }
        if (hook) st_api->json_free(hook);
        st_api->http_free(resp);
    }
    st_api->free(built);
    st_api->free(target);
    st_config_free(&cfg);
    return st;
}

dw_status st_delete_webhook(dw_ctx *ctx, const char *url) {
    st_config cfg;
    dw_json *page;
    const dw_json *hook;
    dw_status st = hook_lookup(ctx, url, "delete_webhook", &cfg, &page, &hook);
    if (st != DW_OK) return st;
    if (!hook)
        st = st_api->fail(ctx, DW_ERR_NOT_FOUND, "stripe: no webhook endpoint posts to %s; nothing to delete", url);
    char *path = NULL;
    if (st == DW_OK) {
        const char *id = st_api->json_string(st_api->json_get(hook, "id"));
        if (!id || asprintf(&path, "/v1/webhook_endpoints/%s", id) < 0) path = NULL;
        if (!path) st = st_api->fail(ctx, DW_ERR_BAD_DATA, "stripe: the webhook endpoint for %s has no id", url);
    }
    char *target = st == DW_OK ? st_api->url_build(ctx, cfg.api_base, path, NULL) : NULL;
    if (st == DW_OK && !target) st = st_api->fail(ctx, DW_ERR_NOMEM, "stripe: out of memory");
    if (st == DW_OK) {
        dw_http_response *resp = NULL;
        char *message = NULL;
        st = st_request(ctx, &cfg, "DELETE", target, "/v1/webhook_endpoints/{id}", NULL, &resp, &message);
        if (st != DW_OK) {
            st = request_failed(ctx, st, "deleting the webhook endpoint", message);
        } else {
            size_t len = 0;
            const char *body = st_api->http_body(resp, &len);
            dw_json *gone = st_api->json_parse(ctx, body, len);
            static const char *const paths[] = {"id", "deleted", NULL};
            st = gone ? answer(ctx, "{\"success\":true,\"id\":%s,\"deleted\":%s}", gone, paths)
                      : st_api->fail(ctx, DW_ERR_BAD_DATA, "stripe: DELETE answered no JSON");
            if (gone) st_api->json_free(gone);
            st_api->http_free(resp);
        }
    }
    free(path);
    st_api->free(target);
    hook_release(&cfg, page);
    return st;
}

dw_status st_webhook_info(dw_ctx *ctx, const char *url) {
    st_config cfg;
    dw_json *page;
    const dw_json *hook;
    dw_status st = hook_lookup(ctx, url, "webhook_info", &cfg, &page, &hook);
    if (st != DW_OK) return st;
    if (!hook) {
        static const char none[] = "{\"exists\":false}";
        st = st_api->action_result(ctx, none, strlen(none));
    } else {
        static const char *const paths[] = {"id", "url", "status", "enabled_events", "created", NULL};
        st = answer(ctx, "{\"exists\":true,\"id\":%s,\"url\":%s,\"status\":%s,\"enabled_events\":%s,\"created\":%s}",
                    hook, paths);
    }
    hook_release(&cfg, page);
    return st;
}
