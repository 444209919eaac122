/*
 * actions.c -- the GitHub source's actions (ABI 1.8; declared in
 * source.c).  list_repositories pages through GET /user/repos ("List
 * repositories for the authenticated user": every repository the token
 * can read, as owner, collaborator or organization member;
 * https://docs.github.com/rest/repos/repos#list-repositories-for-the-authenticated-user)
 * with per_page/page, following the Link header's rel="next" as GitHub
 * documents.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "github.h"

#define GH_MAX_LIST 10000

/* A growing text for the answer. */
typedef struct buf {
    char *s;
    size_t len, cap;
} buf;

static int put(buf *b, const char *t) {
    size_t n = strlen(t);
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        while (cap < b->len + n + 1) cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) return -1;
        b->s = s;
        b->cap = cap;
    }
    memcpy(b->s + b->len, t, n + 1);
    b->len += n;
    return 0;
}

/* Appends one repository of the page as a choice; JSON strings are
 * written by the host (json_text), never by hand. */
static int put_repo(buf *b, const dw_json *repo, int first) {
    dw_json *name = gh_api->json_get(repo, "full_name"), *priv = gh_api->json_get(repo, "private");
    char *name_text = name ? gh_api->json_text(name) : NULL;
    const char *is_private = priv ? gh_api->json_string(priv) : NULL;
    int private_repo = is_private && !strcmp(is_private, "true");
    int rc = !name_text || name_text[0] != '"' ? -1 : 0;
    if (rc == 0) {
        /* label: the name, and "(private)" inside the quotes */
        char *label = strdup(name_text);
        if (label && private_repo) {
            char *l2 = NULL;
            if (asprintf(&l2, "%.*s (private)\"", (int)strlen(label) - 1, label) < 0) l2 = NULL;
            free(label);
            label = l2;
        }
        rc = !label || put(b, first ? "{\"value\":" : ",{\"value\":") || put(b, name_text) ||
                     put(b, ",\"label\":") || put(b, label) || put(b, ",\"full_name\":") || put(b, name_text) ||
                     put(b, private_repo ? ",\"private\":true}" : ",\"private\":false}")
                 ? -1
                 : 0;
        free(label);
    }
    gh_api->free(name_text);
    return rc;
}

dw_status gh_list_repositories(dw_ctx *ctx, const char *owner, int64_t limit) {
    if (limit < 1 || limit > GH_MAX_LIST)
        return gh_api->fail(ctx, DW_ERR_CONFIG, "github: list_repositories: limit must be 1 to %d, not %lld",
                            GH_MAX_LIST, (long long)limit);
    gh_config cfg;
    dw_status st = gh_config_load_for(ctx, &cfg, 0);
    if (st != DW_OK) return st;
    buf out = {0};
    int64_t n = 0;
    int more = 1;
    if (put(&out, "[")) st = gh_api->fail(ctx, DW_ERR_NOMEM, "github: out of memory");
    for (int page = 1; st == DW_OK && more && n < limit && !gh_api->cancelled(ctx); page++) {
        char per_page[16], page_text[16];
        snprintf(per_page, sizeof per_page, "%d", GH_MAX_PER_PAGE);
        snprintf(page_text, sizeof page_text, "%d", page);
        const char *params[] = {"per_page", per_page, "page", page_text, "sort", "full_name", NULL};
        char *url = gh_api->url_build(ctx, cfg.api_base, "/user/repos", params);
        if (!url) {
            st = gh_api->fail(ctx, DW_ERR_NOMEM, "github: out of memory");
            break;
        }
        dw_http_response *resp = NULL;
        char *message = NULL;
        st = gh_get(ctx, &cfg, url, "/user/repos", NULL, &resp, &message);
        gh_api->free(url);
        if (st != DW_OK) {
            if (message)
                st = gh_api->fail(ctx, st, "github: listing the token's repositories failed: %s%s", message,
                                  st == DW_ERR_AUTH ? " (check personal_access_token)" : "");
            free(message);
            break;
        }
        size_t len = 0;
        const char *body = gh_api->http_body(resp, &len);
        dw_json *repos = gh_api->json_parse(ctx, body, len);
        const char *link = gh_api->http_header(resp, "Link");
        more = link && strstr(link, "rel=\"next\"") != NULL;
        if (!repos) {
            st = gh_api->fail(ctx, DW_ERR_BAD_DATA, "github: GET /user/repos answered no JSON array");
        } else {
            size_t count = gh_api->json_array_len(repos);
            for (size_t i = 0; st == DW_OK && i < count && n < limit; i++) {
                const dw_json *repo = gh_api->json_index(repos, i);
                const char *login = gh_api->json_string(gh_api->json_get(repo, "owner.login"));
                if (owner && (!login || strcasecmp(login, owner) != 0)) continue;
                if (put_repo(&out, repo, n == 0))
                    st = gh_api->fail(ctx, DW_ERR_BAD_DATA, "github: a repository of GET /user/repos has no full_name");
                n++;
            }
            gh_api->json_free(repos);
        }
        gh_api->http_free(resp);
    }
    if (st == DW_OK && gh_api->cancelled(ctx)) st = gh_api->fail(ctx, DW_ERR_CANCELLED, "github: cancelled");
    if (st == DW_OK && put(&out, "]")) st = gh_api->fail(ctx, DW_ERR_NOMEM, "github: out of memory");
    if (st == DW_OK) st = gh_api->action_result(ctx, out.s, out.len);
    free(out.s);
    gh_config_free(&cfg);
    return st;
}
