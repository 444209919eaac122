/*
 * hooks.c -- the GitHub source's webhook lifecycle actions (ABI 1.8;
 * declared in source.c) over the repository webhooks API
 * (https://docs.github.com/rest/repos/webhooks): create (POST
 * /repos/{owner}/{repo}/hooks, a "web" hook posting JSON for the events of
 * the synced schemas, with a secret the plugin draws), find by config.url
 * (GET, every page), delete (DELETE, 204).  The token needs the
 * repository's Webhooks write permission (classic: admin:repo_hook).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "github.h"

/* The webhook events of the schemas: issues, issue_comments,
 * pull_requests, pull_request_reviews, commits (push), releases,
 * stargazers (star). */
static const char hook_events[] =
    "[\"issues\",\"issue_comment\",\"pull_request\",\"pull_request_review\",\"push\",\"release\",\"star\"]";

/* The value at `path` of `v` as JSON text ("null" when absent); free with
 * gh_api->free. */
static char *member(const dw_json *v, const char *path) {
    const dw_json *m = gh_api->json_get(v, path);
    if (m) return gh_api->json_text(m);
    char *n = malloc(5);
    if (n) memcpy(n, "null", 5);
    return n;
}

/* A URL GitHub may post to, written into a JSON string as is: http(s),
 * none of the characters JSON would need escaped (a URL has them
 * percent-encoded anyway). */
static dw_status need_url(dw_ctx *ctx, const char *url, const char *what) {
    int ok = url && (!strncmp(url, "https://", 8) || !strncmp(url, "http://", 7));
    for (const char *p = url; ok && *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == '"' || *p == '\\' || (unsigned char)*p == 0x7f) ok = 0;
    if (ok) return DW_OK;
    return gh_api->fail(ctx, DW_ERR_CONFIG, "github: %s: url must be the http(s) URL GitHub posts events to, "
                                            "percent-encoded, not '%s'", what, url ? url : "");
}

static dw_status failed(dw_ctx *ctx, dw_status st, const char *what, char *message) {
    if (message)
        st = gh_api->fail(ctx, st, "github: %s failed: %s%s", what, message,
                          st == DW_ERR_NOT_FOUND || st == DW_ERR_FORBIDDEN
                              ? " (the token needs the repository's Webhooks permission, or admin:repo_hook)"
                              : "");
    free(message);
    return st;
}

/* Finds the hook whose config.url is `url`: *page holds it (json_free;
 * NULL: none), *hook is the hook in it. */
static dw_status find_hook(dw_ctx *ctx, const gh_config *cfg, const char *url, dw_json **page, const dw_json **hook) {
    *page = NULL;
    *hook = NULL;
    dw_status st = DW_OK;
    for (int n = 1, more = 1; more && st == DW_OK; n++) {
        char num[16];
        snprintf(num, sizeof num, "%d", n);
        const char *params[] = {"per_page", "100", "page", num, NULL};
        char *u = gh_api->url_build(ctx, cfg->repo_base, "/hooks", params);
        if (!u) return gh_api->fail(ctx, DW_ERR_NOMEM, "github: out of memory");
        dw_http_response *resp = NULL;
        char *message = NULL;
        st = gh_get(ctx, cfg, u, "/repos/{owner}/{repo}/hooks", NULL, &resp, &message);
        gh_api->free(u);
        if (st != DW_OK) return failed(ctx, st, "listing the repository's webhooks", message);
        const char *link = gh_api->http_header(resp, "Link");
        more = link && strstr(link, "rel=\"next\"") != NULL;
        size_t len = 0;
        const char *body = gh_api->http_body(resp, &len);
        dw_json *list = gh_api->json_parse(ctx, body, len);
        gh_api->http_free(resp);
        if (!list) return gh_api->fail(ctx, DW_ERR_BAD_DATA, "github: GET /hooks answered no JSON array");
        for (size_t i = 0; i < gh_api->json_array_len(list) && !*hook; i++) {
            const dw_json *h = gh_api->json_index(list, i);
            const char *hu = gh_api->json_string(gh_api->json_get(h, "config.url"));
            if (hu && !strcmp(hu, url)) *hook = h;
        }
        if (*hook) {
            *page = list;
            return DW_OK;
        }
        gh_api->json_free(list);
    }
    return st;
}

/* What every action starts with: `url` checked (for `action`), the config
 * loaded into *cfg, and the hook posting to `url` found through every page
 * (*hook, NULL when there is none, lives in *page).  On DW_OK the caller
 * ends with hook_release(); on failure nothing is left to free. */
static dw_status hook_lookup(dw_ctx *ctx, const char *url, const char *action, gh_config *cfg, dw_json **page,
                             const dw_json **hook) {
    *page = NULL;
    *hook = NULL;
    dw_status st = need_url(ctx, url, action);
    if (st != DW_OK || (st = gh_config_load(ctx, cfg)) != DW_OK) return st;
    if ((st = find_hook(ctx, cfg, url, page, hook)) != DW_OK) gh_config_free(cfg);
    return st;
}

static void hook_release(gh_config *cfg, dw_json *page) {
    if (page) gh_api->json_free(page);
    gh_config_free(cfg);
}

/* Sets the answer from `fmt` and up to 4 members of `hook` (JSON text). */
static dw_status answer(dw_ctx *ctx, const char *fmt, const dw_json *hook, const char *a, const char *b,
                        const char *c, const char *extra) {
    char *va = member(hook, a), *vb = b ? member(hook, b) : NULL, *vc = c ? member(hook, c) : NULL, *out = NULL;
    if (va && (!b || vb) && (!c || vc) && asprintf(&out, fmt, va, vb ? vb : "", vc ? vc : "", extra ? extra : "") < 0)
        out = NULL;
    gh_api->free(va);
    gh_api->free(vb);
    gh_api->free(vc);
    if (!out) return gh_api->fail(ctx, DW_ERR_NOMEM, "github: out of memory");
    dw_status st = gh_api->action_result(ctx, out, strlen(out));
    explicit_bzero(out, strlen(out));
    free(out);
    return st;
}

dw_status gh_create_webhook(dw_ctx *ctx, const char *url) {
    gh_config cfg;
    dw_json *page;
    const dw_json *existing;
    dw_status st = hook_lookup(ctx, url, "create_webhook", &cfg, &page, &existing);
    if (st != DW_OK) return st;
    if (existing) {
        char *id = member(existing, "id");
        st = gh_api->fail(ctx, DW_ERR_CONFIG, "github: a webhook of %s posts to %s already (id %s); delete it first "
                                              "(its secret cannot be read back)", cfg.owner_repo, url, id ? id : "?");
        gh_api->free(id);
    }
    if (page) gh_api->json_free(page);
    unsigned char raw[32];
    char secret[2 * sizeof raw + 1];
    if (st == DW_OK && getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
        st = gh_api->fail(ctx, DW_ERR, "github: no random bytes for the webhook secret");
    for (size_t i = 0; st == DW_OK && i < sizeof raw; i++) snprintf(secret + 2 * i, 3, "%02x", raw[i]);
    char *body = NULL, *target = NULL;
    if (st == DW_OK) {
        gh_api->secret_add(ctx, secret); /* never in a log line or the printed answer */
        if (asprintf(&body, "{\"name\":\"web\",\"active\":true,\"events\":%s,\"config\":{\"url\":\"%s\","
                            "\"content_type\":\"json\",\"insecure_ssl\":\"0\",\"secret\":\"%s\"}}",
                     hook_events, url, secret) < 0)
            body = NULL;
        target = body ? gh_api->url_build(ctx, cfg.repo_base, "/hooks", NULL) : NULL;
        if (!target) st = gh_api->fail(ctx, DW_ERR_NOMEM, "github: out of memory");
    }
    if (st == DW_OK) {
        dw_http_response *resp = NULL;
        char *message = NULL;
        st = gh_request(ctx, &cfg, "POST", target, "/repos/{owner}/{repo}/hooks", NULL, body, &resp, &message);
        if (st != DW_OK) {
            st = failed(ctx, st, "creating the webhook", message);
        } else {
            size_t len = 0;
            const char *text = gh_api->http_body(resp, &len);
            dw_json *hook = gh_api->json_parse(ctx, text, len);
            char extra[sizeof secret + 64];
            snprintf(extra, sizeof extra, "{\"webhook_secret\":\"%s\"}", secret);
            st = hook ? answer(ctx, "{\"success\":true,\"id\":%s,\"url\":%s,\"enabled_events\":%s,\"extra_inputs\":%s}",
                               hook, "id", "config.url", "events", extra)
                      : gh_api->fail(ctx, DW_ERR_BAD_DATA, "github: POST /hooks answered no JSON");
            explicit_bzero(extra, sizeof extra);
            if (hook) gh_api->json_free(hook);
            gh_api->http_free(resp);
        }
    }
    if (body) explicit_bzero(body, strlen(body));
    explicit_bzero(secret, sizeof secret);
    free(body);
    gh_api->free(target);
    gh_config_free(&cfg);
    return st;
}

dw_status gh_delete_webhook(dw_ctx *ctx, const char *url) {
    gh_config cfg;
    dw_json *page;
    const dw_json *hook;
    dw_status st = hook_lookup(ctx, url, "delete_webhook", &cfg, &page, &hook);
    if (st != DW_OK) return st;
    if (!hook)
        st = gh_api->fail(ctx, DW_ERR_NOT_FOUND, "github: no webhook of %s posts to %s; nothing to delete",
                          cfg.owner_repo, url);
    char *id = st == DW_OK ? member(hook, "id") : NULL, *path = NULL, *target = NULL;
    if (st == DW_OK && (!id || asprintf(&path, "/hooks/%s", id) < 0 ||
                        !(target = gh_api->url_build(ctx, cfg.repo_base, path, NULL))))
        st = gh_api->fail(ctx, DW_ERR_NOMEM, "github: out of memory");
    if (st == DW_OK) {
        dw_http_response *resp = NULL;
        char *message = NULL;
        st = gh_request(ctx, &cfg, "DELETE", target, "/repos/{owner}/{repo}/hooks/{hook_id}", NULL, NULL, &resp,
                        &message);
        if (st != DW_OK) {
            st = failed(ctx, st, "deleting the webhook", message);
        } else {
            gh_api->http_free(resp); /* 204 No Content */
            st = answer(ctx, "{\"success\":true,\"id\":%s,\"deleted\":true%s%s}", hook, "id", NULL, NULL, NULL);
        }
    }
    gh_api->free(id);
    free(path);
    gh_api->free(target);
    hook_release(&cfg, page);
    return st;
}

dw_status gh_webhook_info(dw_ctx *ctx, const char *url) {
    gh_config cfg;
    dw_json *page;
    const dw_json *hook;
    dw_status st = hook_lookup(ctx, url, "webhook_info", &cfg, &page, &hook);
    if (st != DW_OK) return st;
    if (!hook) {
        static const char none[] = "{\"exists\":false}";
        st = gh_api->action_result(ctx, none, strlen(none));
    } else {
        const char *active = gh_api->json_string(gh_api->json_get(hook, "active"));
        st = answer(ctx, "{\"exists\":true,\"id\":%s,\"url\":%s,\"enabled_events\":%s,\"status\":%s}", hook, "id",
                    "config.url", "events", active && !strcmp(active, "true") ? "\"enabled\"" : "\"disabled\"");
    }
    hook_release(&cfg, page);
    return st;
}
