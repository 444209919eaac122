/*
 * github.c -- the GitHub client: config, base URL and headers, the request
 * helper, and run() routing in the guide's priority order:
 *   1. endpoint-specific iterators, only where rows need GitHub-specific
 *      work (issues drop pull requests; commits and stargazers lift nested
 *      fields to the top so keys and partitions are plain columns);
 *   2. the generic fan-out (pull_request_reviews, through api->rest_run);
 *   3. the generic top-level path (api->rest_run).
 * Every request goes through the host's tracked transport.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "github.h"
#include "github_config.h"
#include "dwp_buf.h"

/* ---------------------------------------------------------------- config */

static int valid_repo_part(const char *s, size_t n) {
    if (n == 0 || n > 100) return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.') return 0;
    return 1;
}

dw_status gh_config_load(dw_ctx *ctx, gh_config *cfg) {
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
    if (!slash || strchr(slash + 1, '/') || !valid_repo_part(r, (size_t)(slash - r)) ||
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
    if (!cfg->api_base || asprintf(&cfg->repo_base, "%s/repos/%s", cfg->api_base, r) < 0) {
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
    char **h = calloc(5, sizeof *h);
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
    *out = NULL;
    *message = NULL;
    char **headers = gh_headers(cfg, accept);
    if (!headers) return gh_api->fail(ctx, DW_ERR_NOMEM, "github: out of memory");
    dw_http_request req = {.struct_size = sizeof req, .method = "GET", .url = url,
                           .url_template = url_template, .headers = (const char *const *)headers};
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

/* Records a 401/403/404 from gh_get for schema `e` as the run's error. */
static dw_status fail_status(dw_ctx *ctx, const gh_config *cfg, const gh_endpoint *e, dw_status st,
                             const char *msg) {
    const char *m = msg ? msg : "";
    switch (st) {
    case DW_ERR_AUTH:
        return gh_api->fail(ctx, st, "GitHub rejected the personal access token (401 %s)", m);
    case DW_ERR_FORBIDDEN:
        return gh_api->fail(ctx, st, "the GitHub token cannot read '%s' of %s (403 %s): grant it %s",
                            e->ep.name, cfg->owner_repo, m, e->scope);
    case DW_ERR_NOT_FOUND:
        return gh_api->fail(ctx, st,
                            "GitHub repository %s was not found, or the token cannot see it (404 %s)",
                            cfg->owner_repo, m);
    default:
        return st;
    }
}

/* ------------------------------------------------------------ Link header */

char *gh_link_next(const char *link) {
    /* <url>; rel="next", <url>; rel="last" -- rel may list several values. */
    const char *p = link;
    while (p && (p = strchr(p, '<')) != NULL) {
        const char *end = strchr(p, '>');
        if (!end) return NULL;
        const char *seg_end = strchr(end, '<');
        size_t seg_len = seg_end ? (size_t)(seg_end - end) : strlen(end);
        char *seg = strndup(end, seg_len);
        int is_next = 0;
        if (seg) {
            const char *rel = strstr(seg, "rel=");
            if (rel) {
                rel += 4;
                if (*rel == '"') rel++;
                /* match the token "next" within the rel value */
                for (const char *q = rel; *q && *q != '"' && *q != ';' && *q != ','; ) {
                    while (*q == ' ') q++;
                    size_t n = strcspn(q, " \";,");
                    if (n == 4 && !strncmp(q, "next", 4)) is_next = 1;
                    q += n ? n : 1;
                }
            }
            free(seg);
        }
        if (is_next) return strndup(p + 1, (size_t)(end - p - 1));
        p = end;
    }
    return NULL;
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

/* The user's watermark as plain text ("2024-01-01T00:00:00Z"), malloc'd. */
static char *watermark_text(dw_ctx *ctx, const char *json) {
    if (!json || !*json) return NULL;
    dw_json *j = gh_api->json_parse(ctx, json, strlen(json));
    const char *s = j ? gh_api->json_string(j) : NULL;
    char *out = s ? strdup(s) : NULL;
    if (j) gh_api->json_free(j);
    return out;
}

/* -------------------------------------------------- endpoint-specific rows */

/* Appends `item` to the page array, reshaped for its route.  Returns 0 when
 * the item is skipped, 1 when appended, -1 on OOM. */
static int append_row(dw_ctx *ctx, const gh_endpoint *e, const dw_json *item, dwp_buf *page) {
    if (e->route == GH_ROUTE_ISSUES) {
        /* The issues list includes pull requests, marked by `pull_request`. */
        const dw_json *pr = gh_api->json_get(item, "pull_request");
        if (pr) {
            char *t = gh_api->json_text(pr);
            int is_null = t && !strcmp(t, "null");
            gh_api->free(t);
            if (!is_null) return 0;
        }
    }
    char *text = gh_api->json_text(item);
    if (!text) return -1;
    size_t len = strlen(text);
    if (len < 2 || text[0] != '{') {
        gh_api->free(text);
        return 0;
    }
    const char *lift[3][2] = {{NULL, NULL}, {NULL, NULL}, {NULL, NULL}};
    if (e->route == GH_ROUTE_COMMITS) {
        lift[0][0] = "created_at", lift[0][1] = "commit.author.date";
        lift[1][0] = "committed_at", lift[1][1] = "commit.committer.date";
    } else if (e->route == GH_ROUTE_STARGAZERS) {
        if (!gh_api->json_string(gh_api->json_get(item, "user.id"))) {
            gh_api->log(ctx, DW_LOG_WARN, "github: skipped a stargazer without a user (deleted account)");
            gh_api->free(text);
            return 0;
        }
        lift[0][0] = "user_id", lift[0][1] = "user.id";
        lift[1][0] = "user_login", lift[1][1] = "user.login";
    }
    int rc = 1;
    if (page->len > 1) rc = dwp_buf_add(page, ",", 1) ? 1 : -1;
    if (rc > 0 && !lift[0][0]) rc = dwp_buf_add(page, text, len) ? 1 : -1;
    if (rc > 0 && lift[0][0]) {
        /* {"a":1} + lifted -> {"a":1,"created_at":"..."} */
        rc = dwp_buf_add(page, text, len - 1) ? 1 : -1;
        int empty = len == 2;
        for (int i = 0; rc > 0 && lift[i][0]; i++) {
            const dw_json *v = gh_api->json_get(item, lift[i][1]);
            char *vt = v ? gh_api->json_text(v) : NULL;
            if (!dwp_buf_printf(page, "%s\"%s\":%s", empty ? "" : ",", lift[i][0], vt ? vt : "null")) rc = -1;
            empty = 0;
            gh_api->free(vt);
        }
        if (rc > 0 && !dwp_buf_add(page, "}", 1)) rc = -1;
    }
    gh_api->free(text);
    return rc;
}

/* One pass over a listing with one server-side filter.  Ascending
 * endpoints have one ("all", since=<last>); the descending commits list
 * has the reference's two windows: "older" (until=<earliest - 1 s>, what
 * an interrupted first sync did not reach) then "newer" (since=<last>). */
typedef struct gh_window {
    const char *name;  /* "all", "older", "newer" */
    const char *param; /* NULL, "until", "since" */
    char *value;       /* malloc'd */
} gh_window;

/* ISO-8601 UTC text moved by `delta` seconds, malloc'd; NULL if unparsable. */
static char *shift_iso(const char *iso, long delta) {
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end) return NULL;
    time_t t = timegm(&tm) + delta;
    struct tm out;
    char buf[32];
    if (!gmtime_r(&t, &out) || !strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &out)) return NULL;
    return strdup(buf);
}

static int plan_windows(dw_ctx *ctx, const gh_endpoint *e, const dw_run_inputs *in, gh_window w[2]) {
    int n = 0;
    char *last = in->use_incremental ? watermark_text(ctx, in->incremental_last_value) : NULL;
    if (e->ep.sort_mode == DW_SORT_DESC && in->use_incremental) {
        char *earliest = watermark_text(ctx, in->incremental_earliest_value);
        /* `until` keeps rows at or before it: one second less keeps older ones only. */
        char *until = earliest ? shift_iso(earliest, -1) : NULL;
        free(earliest);
        if (until) w[n++] = (gh_window){"older", "until", until};
        if (last) w[n++] = (gh_window){"newer", "since", last};
        if (n) return n;
    }
    w[n++] = (gh_window){"all", last ? "since" : NULL, last};
    return n;
}

static char *first_url(dw_ctx *ctx, const gh_config *cfg, const gh_endpoint *e, const dw_run_inputs *in,
                       const gh_window *w) {
    const char *params[16];
    build_params(e, sort_for(e, in), params, 12);
    size_t k = 0;
    while (params[k]) k++;
    char per_page[24];
    snprintf(per_page, sizeof per_page, "%lld", (long long)cfg->per_page);
    params[k++] = "per_page";
    params[k++] = per_page;
    if (w->param && w->value) {
        params[k++] = w->param;
        params[k++] = w->value;
    }
    params[k] = NULL;
    return gh_api->url_build(ctx, cfg->repo_base, e->ep.path, params);
}

static dw_status save_position(dw_ctx *ctx, const char *window, const char *next) {
    dwp_buf b = {0};
    dwp_buf_printf(&b, "{\"window\":\"%s\",\"next_url\":", window);
    dwp_buf_json_string(&b, next);
    dwp_buf_add(&b, "}", 1);
    dw_status st = b.oom ? gh_api->fail(ctx, DW_ERR_NOMEM, "github: out of memory")
                         : gh_api->state_save(ctx, b.data);
    dwp_buf_free(&b);
    return st;
}

/* Where a saved state says to continue: the window's index (or -1: start
 * over) and, in *url, the next page of this very repository (or NULL: the
 * window's first page). */
static int resume_point(dw_ctx *ctx, const gh_config *cfg, const gh_endpoint *e, const gh_window *w, int n,
                        char **url) {
    *url = NULL;
    if (!gh_api->state_can_resume(ctx)) return -1;
    const char *state = gh_api->state_load(ctx);
    dw_json *j = state ? gh_api->json_parse(ctx, state, strlen(state)) : NULL;
    const char *name = j ? gh_api->json_string(gh_api->json_get(j, "window")) : NULL;
    const char *u = j ? gh_api->json_string(gh_api->json_get(j, "next_url")) : NULL;
    int at = -1;
    for (int i = 0; name && i < n; i++)
        if (!strcmp(w[i].name, name)) at = i;
    if (at >= 0 && u && strncmp(u, cfg->repo_base, strlen(cfg->repo_base)) != 0) at = -1;
    if (at >= 0) {
        *url = u ? strdup(u) : NULL;
        gh_api->log(ctx, DW_LOG_INFO, "github: resuming '%s' in the %s window%s", e->ep.name, w[at].name,
                    u ? " from the saved next page" : "");
    } else if (state) {
        gh_api->log(ctx, DW_LOG_WARN, "github: saved state for '%s' does not match this run or %s; starting over",
                    e->ep.name, cfg->repo_base);
    }
    if (j) gh_api->json_free(j);
    return at;
}

/* Pages through one window from `url` (owned), saving the next page after
 * each page's rows; once the window is done, saves the start of `then`. */
static dw_status walk(dw_ctx *ctx, const gh_config *cfg, const gh_endpoint *e, const gh_window *w, char *url,
                      const gh_window *then) {
    dw_status st = DW_OK;
    while (url) {
        if (gh_api->cancelled(ctx)) {
            st = gh_api->fail(ctx, DW_ERR_CANCELLED, "github: stopped on request");
            break;
        }
        dw_http_response *resp = NULL;
        char *msg = NULL;
        st = gh_get(ctx, cfg, url, e->ep.path, e->accept, &resp, &msg);
        if (st != DW_OK) {
            st = fail_status(ctx, cfg, e, st, msg);
            free(msg);
            break;
        }
        size_t len = 0;
        const char *body = gh_api->http_body(resp, &len);
        char *next = gh_link_next(gh_api->http_header(resp, "Link"));
        dw_json *root = gh_api->json_parse(ctx, body, len);
        size_t n = root ? gh_api->json_array_len(root) : 0;
        if (!root || (n == 0 && strncmp(body, "[", 1) != 0)) {
            st = gh_api->fail(ctx, DW_ERR_BAD_DATA, "github: %s answered something that is not a JSON array",
                              e->ep.path);
        } else {
            dwp_buf page = {0};
            dwp_buf_add(&page, "[", 1);
            size_t kept = 0;
            for (size_t i = 0; i < n && st == DW_OK; i++) {
                int rc = append_row(ctx, e, gh_api->json_index(root, i), &page);
                if (rc < 0) st = gh_api->fail(ctx, DW_ERR_NOMEM, "github: out of memory");
                kept += rc > 0;
            }
            dwp_buf_add(&page, "]", 1);
            if (st == DW_OK && page.oom) st = gh_api->fail(ctx, DW_ERR_NOMEM, "github: out of memory");
            if (st == DW_OK && kept) st = gh_api->emit_json(ctx, page.data, page.len);
            dwp_buf_free(&page);
            /* Saved after the page's rows: a crash re-reads nothing twice. */
            if (st == DW_OK && next) st = save_position(ctx, w->name, next);
            if (st == DW_OK && !next && then) st = save_position(ctx, then->name, NULL);
        }
        if (root) gh_api->json_free(root);
        gh_api->http_free(resp);
        free(url);
        url = st == DW_OK ? next : (free(next), NULL);
    }
    free(url);
    return st;
}

static dw_status iterate(dw_ctx *ctx, const gh_config *cfg, const gh_endpoint *e, const dw_run_inputs *in) {
    gh_window w[2];
    int n = plan_windows(ctx, e, in, w);
    char *url = NULL;
    int start = in->reset_pipeline ? -1 : resume_point(ctx, cfg, e, w, n, &url);
    if (start < 0) start = 0;
    dw_status st = DW_OK;
    for (int i = start; i < n && st == DW_OK; i++) {
        if (!url && !(url = first_url(ctx, cfg, e, in, &w[i])))
            st = gh_api->fail(ctx, DW_ERR_NOMEM, "github: out of memory");
        else
            st = walk(ctx, cfg, e, &w[i], url, i + 1 < n ? &w[i + 1] : NULL);
        url = NULL;
    }
    for (int i = 0; i < n; i++) free(w[i].value);
    return st;
}

/* ------------------------------------------------------------- REST route */

static dw_status run_rest(dw_ctx *ctx, const gh_config *cfg, const gh_endpoint *target, const dw_run_inputs *in) {
    /* Copies of the catalog with the user's page size and this run's sort;
     * the parents of fan-out endpoints are looked up among them. */
    dw_endpoint eps[16];
    const dw_endpoint *ptrs[16];
    const char *params[16][12];
    uint32_t n = gh_n_endpoints < 16 ? gh_n_endpoints : 16;
    const dw_endpoint *run_ep = NULL;
    for (uint32_t i = 0; i < n; i++) {
        const gh_endpoint *e = &gh_endpoints[i];
        eps[i] = e->ep;
        eps[i].page_size = cfg->per_page;
        build_params(e, sort_for(e, e == target ? in : NULL), params[i], 12);
        eps[i].params = params[i];
        ptrs[i] = &eps[i];
        if (e == target) run_ep = &eps[i];
    }
    char **headers = gh_headers(cfg, target->accept);
    if (!headers) return gh_api->fail(ctx, DW_ERR_NOMEM, "github: out of memory");
    dw_rest_client client = {.struct_size = sizeof client, .base_url = cfg->repo_base,
                             .headers = (const char *const *)headers, .endpoints = ptrs, .n_endpoints = n};
    dw_status st = gh_api->rest_run(ctx, &client, run_ep, in);
    gh_headers_free(headers);
    return st;
}

/* ------------------------------------------------------------------- run */

dw_status gh_run(dw_ctx *ctx, const dw_run_inputs *in) {
    const gh_endpoint *e = gh_endpoint_find(in->schema_name);
    if (!e)
        return gh_api->fail(ctx, DW_ERR_NOT_FOUND,
                            "github has no schema '%s'; run 'dwhost describe github' for the list",
                            in->schema_name ? in->schema_name : "(none)");
    if (in->use_incremental && in->incremental_field && !advertises(e, in->incremental_field))
        return gh_api->fail(ctx, DW_ERR_CONFIG, "github: '%s' cannot sync incrementally on '%s'%s", e->ep.name,
                            in->incremental_field,
                            e->ep.n_incremental_fields ? "; see 'dwhost describe github' for its fields"
                                                       : " (GitHub offers no server-side filter for it)");
    gh_config cfg;
    dw_status st = gh_config_load(ctx, &cfg);
    if (st != DW_OK) return st;
    st = e->route == GH_ROUTE_REST ? run_rest(ctx, &cfg, e, in) : iterate(ctx, &cfg, e, in);
    gh_config_free(&cfg);
    return st;
}
