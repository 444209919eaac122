/*
 * github.c -- the GitHub client: config, base URL and headers, the request
 * helper of the credential check, and run(): every schema runs through the
 * host's REST toolkit (api->rest_run: one Link parser, one resume rule),
 * fan-out included.  What rows need beyond a declaration (issues drop pull
 * requests; commits and stargazers lift nested fields to the top so keys,
 * partitions and incremental fields are plain columns) is done by the row
 * hooks below (ABI 1.6).  Every request goes through the host's tracked
 * transport.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "github.h"
#include "github_config.h"

/* ---------------------------------------------------------------- config */

static int valid_repo_part(const char *s, size_t n) {
    if (n == 0 || n > 100) return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.') return 0;
    return 1;
}

dw_status gh_config_load(dw_ctx *ctx, gh_config *cfg) { return gh_config_load_for(ctx, cfg, 1); }

dw_status gh_config_load_for(dw_ctx *ctx, gh_config *cfg, int need_repository) {
    memset(cfg, 0, sizeof *cfg);
    /* The host validated the config against the form; the generated binder
     * hands it over typed (strings stay owned by the host). */
    github_config typed;
    dw_status st = github_config_bind(gh_api, ctx, &typed);
    if (st != DW_OK) {
        github_config_release(gh_api, &typed);
        return st;
    }
    cfg->token = typed.personal_access_token;
    cfg->owner_repo = typed.repository;
    const char *base = typed.api_base_url;
    int64_t per_page = typed.per_page; /* the form's default is GH_MAX_PER_PAGE (100) */
    github_config_release(gh_api, &typed);
    if (!cfg->token || !*cfg->token)
        return gh_api->fail(ctx, DW_ERR_CONFIG, "github: personal_access_token is empty; paste a GitHub token");
    const char *r = cfg->owner_repo ? cfg->owner_repo : "";
    const char *slash = strchr(r, '/');
    if (!need_repository && !r[0]) {
        r = NULL; /* an account-wide call (list_repositories) before one is chosen */
    } else if (!slash || strchr(slash + 1, '/') || !valid_repo_part(r, (size_t)(slash - r)) ||
        !valid_repo_part(slash + 1, strlen(slash + 1)))
        return gh_api->fail(ctx, DW_ERR_CONFIG,
                            "github: repository '%s' is not of the form owner/name (e.g. octocat/Hello-World)", r);

    if (!base || !*base) base = GH_DEFAULT_API_BASE;
    if (strncmp(base, "https://", 8) != 0 && strncmp(base, "http://", 7) != 0)
        return gh_api->fail(ctx, DW_ERR_CONFIG,
                            "github: api_base_url '%s' must start with https:// (e.g. https://ghe.example.com/api/v3)",
                            base);
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/') bl--;
    cfg->api_base = strndup(base, bl);

    if (per_page < 1 || per_page > GH_MAX_PER_PAGE) {
        gh_config_free(cfg);
        return gh_api->fail(ctx, DW_ERR_CONFIG, "github: per_page must be a number from 1 to %d", GH_MAX_PER_PAGE);
    }
    cfg->per_page = per_page;
    if (!cfg->api_base || (r && asprintf(&cfg->repo_base, "%s/repos/%s", cfg->api_base, r) < 0)) {
        cfg->repo_base = NULL;
        gh_config_free(cfg);
        return gh_api->fail(ctx, DW_ERR_NOMEM, "github: out of memory");
    }
    return DW_OK;
}

void gh_config_free(gh_config *cfg) {
    free(cfg->api_base);
    free(cfg->repo_base);
    cfg->api_base = cfg->repo_base = NULL;
}

/* --------------------------------------------------------------- headers */

char **gh_headers(const gh_config *cfg, const char *accept) {
    char **h = calloc(6, sizeof *h); /* 4 headers, a free slot (gh_request's Content-Type), NULL */
    if (!h) return NULL;
    if (asprintf(&h[0], "Authorization: Bearer %s", cfg->token) < 0 ||
        asprintf(&h[1], "Accept: %s", accept ? accept : "application/vnd.github+json") < 0 ||
        asprintf(&h[2], "X-GitHub-Api-Version: %s", GH_API_VERSION) < 0 ||
        asprintf(&h[3], "User-Agent: dwhost-github/1.0") < 0) {
        gh_headers_free(h);
        return NULL;
    }
    return h;
}

void gh_headers_free(char **headers) {
    if (!headers) return;
    for (char **p = headers; *p; p++) free(*p);
    free(headers);
}

/* --------------------------------------------------------------- request */

/* GitHub's error bodies are {"message": "...", "documentation_url": ...}. */
static char *error_message(dw_ctx *ctx, const dw_http_response *resp) {
    size_t len = 0;
    const char *body = gh_api->http_body(resp, &len);
    dw_json *j = body ? gh_api->json_parse(ctx, body, len) : NULL;
    const char *m = j ? gh_api->json_string(gh_api->json_get(j, "message")) : NULL;
    char *out = m ? strdup(m) : NULL;
    if (j) gh_api->json_free(j);
    return out;
}

dw_status gh_get(dw_ctx *ctx, const gh_config *cfg, const char *url, const char *url_template,
                 const char *accept, dw_http_response **out, char **message) {
    return gh_request(ctx, cfg, "GET", url, url_template, accept, NULL, out, message);
}

dw_status gh_request(dw_ctx *ctx, const gh_config *cfg, const char *method, const char *url,
                     const char *url_template, const char *accept, const char *json_body, dw_http_response **out,
                     char **message) {
    *out = NULL;
    *message = NULL;
    char **headers = gh_headers(cfg, accept);
    if (!headers) return gh_api->fail(ctx, DW_ERR_NOMEM, "github: out of memory");
    if (json_body) {
        size_t n = 0;
        while (headers[n]) n++;
        headers[n] = strdup("Content-Type: application/json"); /* gh_headers leaves a free slot */
        if (!headers[n]) {
            gh_headers_free(headers);
            return gh_api->fail(ctx, DW_ERR_NOMEM, "github: out of memory");
        }
    }
    dw_http_request req = {.struct_size = sizeof req, .method = method, .url = url, .url_template = url_template,
                           .headers = (const char *const *)headers, .body = json_body,
                           .body_len = json_body ? strlen(json_body) : 0};
    dw_http_response *resp = NULL;
    dw_status st = gh_api->http_request(ctx, &req, &resp);
    gh_headers_free(headers);
    if (st != DW_OK) return st; /* recorded by the transport */
    long code = gh_api->http_status(resp);
    if (code >= 200 && code < 300) {
        *out = resp;
        return DW_OK;
    }
    char *msg = error_message(ctx, resp);
    const char *remaining = gh_api->http_header(resp, "X-RateLimit-Remaining");
    const char *reset = gh_api->http_header(resp, "X-RateLimit-Reset");
    int limited = (code == 403 || code == 429) &&
                  ((remaining && !strcmp(remaining, "0")) || gh_api->http_header(resp, "Retry-After"));
    gh_api->http_free(resp);
    if (limited) {
        /* The transport waits on these; getting one back means it gave up. */
        st = gh_api->fail(ctx, DW_ERR_RATE_LIMITED,
                          "GitHub rate limit still exceeded after retries (%ld %s); the limit resets at "
                          "epoch %s: run again later or use a token with a higher limit",
                          code, msg ? msg : "", reset ? reset : "(unknown)");
        free(msg);
        return st;
    }
    *message = msg;
    switch (code) {
    case 401: return DW_ERR_AUTH;
    case 403: return DW_ERR_FORBIDDEN;
    case 404: return DW_ERR_NOT_FOUND;
    default:
        st = gh_api->fail(ctx, DW_ERR_HTTP, "GitHub answered %ld for %s: %s", code,
                          url_template ? url_template : "request", msg ? msg : "(no message)");
        free(msg);
        *message = NULL;
        return st;
    }
}

/* ------------------------------------------------------------- row hooks */

dw_status gh_issue_row(dw_ctx *ctx, const dw_endpoint *ep, const dw_json *row, dw_row *extra, int32_t *skip) {
    (void)ctx, (void)ep, (void)extra;
    /* The issues list includes pull requests, marked by a non-null
     * `pull_request` (json_get reads null as absent). */
    if (gh_api->json_get(row, "pull_request")) *skip = 1;
    return DW_OK;
}

dw_status gh_commit_row(dw_ctx *ctx, const dw_endpoint *ep, const dw_json *row, dw_row *extra, int32_t *skip) {
    (void)ctx, (void)ep, (void)skip;
    gh_api->row_set_string(extra, "created_at", gh_api->json_string(gh_api->json_get(row, "commit.author.date")));
    gh_api->row_set_string(extra, "committed_at",
                           gh_api->json_string(gh_api->json_get(row, "commit.committer.date")));
    return DW_OK;
}

dw_status gh_stargazer_row(dw_ctx *ctx, const dw_endpoint *ep, const dw_json *row, dw_row *extra, int32_t *skip) {
    (void)ep;
    const dw_json *id = gh_api->json_get(row, "user.id");
    if (!id) {
        gh_api->log(ctx, DW_LOG_WARN, "github: skipped a stargazer without a user (deleted account)");
        *skip = 1;
        return DW_OK;
    }
    char *id_text = gh_api->json_text(id); /* a number stays a number */
    if (!id_text) return gh_api->fail(ctx, DW_ERR_NOMEM, "github: out of memory");
    gh_api->row_set_json(extra, "user_id", id_text);
    gh_api->free(id_text);
    gh_api->row_set_string(extra, "user_login", gh_api->json_string(gh_api->json_get(row, "user.login")));
    return DW_OK;
}

/* ------------------------------------------------------------ run helpers */

static int advertises(const gh_endpoint *e, const char *field) {
    for (uint32_t i = 0; i < e->ep.n_incremental_fields; i++)
        if (!strcmp(e->ep.incremental_fields[i].field, field)) return 1;
    return 0;
}

/* sort/direction for a sortable endpoint: the user's incremental field
 * when it is updated_at, else created (immutable: pages never shift under
 * insertions).  Always ascending, matching the declared sort mode. */
static const char *sort_for(const gh_endpoint *e, const dw_run_inputs *in) {
    if (!e->sortable) return NULL;
    if (in && in->use_incremental && in->incremental_field && !strcmp(in->incremental_field, "updated_at"))
        return "updated";
    return "created";
}

/* Static params + sort/direction into `out` (room for n entries). */
static void build_params(const gh_endpoint *e, const char *sort, const char **out, size_t n) {
    size_t k = 0;
    for (const char *const *p = e->ep.params; p && *p && k + 2 < n; p += 2) {
        out[k++] = p[0];
        out[k++] = p[1];
    }
    if (sort && k + 4 < n) {
        out[k++] = "sort";
        out[k++] = sort;
        out[k++] = "direction";
        out[k++] = "asc";
    }
    out[k] = NULL;
}

/* GitHub's answers that mean the token or the repository is wrong, as one
 * line naming the repository and the permission (ABI 1.5 response
 * actions; they win over retries and the generic HTTP message).  A rate
 * limit 403 has another body and is waited out by the transport.  Strings
 * are malloc'd into `msgs` (freed by the caller). */
typedef struct gh_actions {
    dw_response_action a[3];
    char *msgs[3];
} gh_actions;

static int build_actions(const gh_config *cfg, const gh_endpoint *e, gh_actions *out) {
    memset(out, 0, sizeof *out);
    if (asprintf(&out->msgs[0],
                 "the GitHub token cannot read '%s' of %s (403 Resource not accessible by personal access token): "
                 "grant it %s",
                 e->ep.name, cfg->owner_repo, e->scope) < 0 ||
        asprintf(&out->msgs[1],
                 "the GitHub token is not authorized for the organization of %s (403 SAML enforcement): "
                 "authorize it for single sign-on in the token settings",
                 cfg->owner_repo) < 0 ||
        asprintf(&out->msgs[2],
                 "GitHub repository %s was not found, or the token cannot see it (404 Not Found): check the "
                 "repository name and the token's access",
                 cfg->owner_repo) < 0)
        return -1;
    out->a[0] = (dw_response_action){.status = 403, .body_contains = "Resource not accessible",
                                     .action = DW_RESPONSE_FAIL, .message = out->msgs[0]};
    out->a[1] = (dw_response_action){.status = 403, .body_contains = "SAML enforcement", .action = DW_RESPONSE_FAIL,
                                     .message = out->msgs[1]};
    out->a[2] = (dw_response_action){.status = 404, .action = DW_RESPONSE_FAIL, .message = out->msgs[2]};
    return 0;
}

static void free_actions(gh_actions *a) {
    for (int i = 0; i < 3; i++) free(a->msgs[i]);
}

/* "owner/name" in lower case (GitHub names ignore case): the resume scope,
 * so a saved position of another repository is never continued. */
static char *repo_scope(const gh_config *cfg) {
    char *s = strdup(cfg->owner_repo);
    for (char *c = s; c && *c; c++) *c = (char)tolower((unsigned char)*c);
    return s;
}

/* ------------------------------------------------------------------- run */

dw_status gh_run(dw_ctx *ctx, const dw_run_inputs *in) {
    const gh_endpoint *target = gh_endpoint_find(in->schema_name);
    if (!target)
        return gh_api->fail(ctx, DW_ERR_NOT_FOUND,
                            "github has no schema '%s'; run 'dwhost describe github' for the list",
                            in->schema_name ? in->schema_name : "(none)");
    if (in->use_incremental && in->incremental_field && !advertises(target, in->incremental_field))
        return gh_api->fail(ctx, DW_ERR_CONFIG, "github: '%s' cannot sync incrementally on '%s'%s", target->ep.name,
                            in->incremental_field,
                            target->ep.n_incremental_fields ? "; see 'dwhost describe github' for its fields"
                                                            : " (GitHub offers no server-side filter for it)");
    gh_config cfg;
    dw_status st = gh_config_load(ctx, &cfg);
    if (st != DW_OK) return st;
    /* Copies of the catalog with the user's page size, this run's sort and
     * the error messages of this repository; the parents of fan-out
     * endpoints are looked up among them. */
    dw_endpoint eps[16];
    const dw_endpoint *ptrs[16];
    const char *params[16][12];
    gh_actions actions[16];
    uint32_t n = gh_n_endpoints < 16 ? gh_n_endpoints : 16;
    const dw_endpoint *run_ep = NULL;
    uint32_t built = 0;
    for (; built < n; built++) {
        const gh_endpoint *e = &gh_endpoints[built];
        eps[built] = e->ep;
        eps[built].page_size = cfg.per_page;
        build_params(e, sort_for(e, e == target ? in : NULL), params[built], 12);
        eps[built].params = params[built];
        if (build_actions(&cfg, e, &actions[built]) != 0) {
            free_actions(&actions[built]);
            st = gh_api->fail(ctx, DW_ERR_NOMEM, "github: out of memory");
            break;
        }
        /* A fan-out child keeps its own actions (a pull request gone
         * between the list and its reviews is not an error). */
        if (!e->ep.parent) {
            eps[built].response_actions = actions[built].a;
            eps[built].n_response_actions = DW_COUNT(actions[built].a);
        }
        ptrs[built] = &eps[built];
        if (e == target) run_ep = &eps[built];
    }
    char **headers = st == DW_OK ? gh_headers(&cfg, target->accept) : NULL;
    char *scope = st == DW_OK ? repo_scope(&cfg) : NULL;
    if (st == DW_OK && (!headers || !scope)) st = gh_api->fail(ctx, DW_ERR_NOMEM, "github: out of memory");
    if (st == DW_OK) {
        dw_rest_client client = {.struct_size = sizeof client, .base_url = cfg.repo_base,
                                 .headers = (const char *const *)headers, .endpoints = ptrs, .n_endpoints = n,
                                 .resume_scope = scope};
        st = gh_api->rest_run(ctx, &client, run_ep, in);
    }
    free(scope);
    gh_headers_free(headers);
    for (uint32_t i = 0; i < built; i++) free_actions(&actions[i]);
    gh_config_free(&cfg);
    return st;
}
