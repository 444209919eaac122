/*
 * github.h -- internals shared by the GitHub source's three files:
 *   source.c    descriptor, form, schemas, credential check
 *   settings.c  the endpoint catalog (declarative dw_endpoint + routing)
 *   github.c    the client: base URL, headers, run routing, row iterators
 * Not part of any public interface.
 */
#ifndef DW_GITHUB_H
#define DW_GITHUB_H

#include <stdint.h>

#include "dwsdk.h"

#define GH_DEFAULT_API_BASE "https://api.github.com"
#define GH_API_VERSION "2022-11-28"
#define GH_MAX_PER_PAGE 100

/* How run() reaches an endpoint's rows (the guide's routing priority). */
typedef enum gh_route {
    GH_ROUTE_REST = 0,   /* generic: api->rest_run (top level or fan-out) */
    GH_ROUTE_ISSUES,     /* custom: drops pull requests from the issues list */
    GH_ROUTE_COMMITS,    /* custom: lifts commit.author/committer dates to the top */
    GH_ROUTE_STARGAZERS  /* custom: star+json media type, lifts user.id */
} gh_route;

/* One endpoint: the declarative part the host runs, plus what only GitHub
 * needs to know. */
typedef struct gh_endpoint {
    dw_endpoint ep;
    gh_route route;
    const char *accept;   /* media type; NULL: application/vnd.github+json */
    const char *scope;    /* what the token needs, named in 403 messages */
    int sortable;         /* accepts sort=created|updated&direction=asc */
} gh_endpoint;

extern const gh_endpoint gh_endpoints[];
extern const uint32_t gh_n_endpoints;

/* The endpoint named `name`, or NULL. */
const gh_endpoint *gh_endpoint_find(const char *name);

/* The host's function table, kept by init (source.c). */
extern const dw_host_api *gh_api;

/* The user's settings, read from the validated config.  Strings are owned
 * by the host for the operation, except `base` which gh_config_load
 * allocates (free with gh_config_free). */
typedef struct gh_config {
    const char *token;
    const char *owner_repo;  /* "owner/name" as the user wrote it */
    char *api_base;          /* without a trailing slash */
    char *repo_base;         /* api_base + "/repos/<owner>/<name>", encoded */
    int64_t per_page;
} gh_config;

/* Reads and checks the config; on failure records one clear error in ctx
 * and returns its status. */
dw_status gh_config_load(dw_ctx *ctx, gh_config *cfg);
void gh_config_free(gh_config *cfg);

/* Request headers for `accept` (NULL: the default media type), including
 * the token.  NULL-terminated; free with gh_headers_free. */
char **gh_headers(const gh_config *cfg, const char *accept);
void gh_headers_free(char **headers);

/* GET `url` and classify the answer: DW_OK with *out on 2xx, otherwise the
 * status mapped (401 AUTH, 403 FORBIDDEN, 404 NOT_FOUND, other HTTP) with
 * GitHub's message in *message (malloc'd, caller frees) and *out freed. */
dw_status gh_get(dw_ctx *ctx, const gh_config *cfg, const char *url, const char *url_template,
                 const char *accept, dw_http_response **out, char **message);

/* Runs one schema (github.c). */
dw_status gh_run(dw_ctx *ctx, const dw_run_inputs *inputs);

/* The URL of rel="next" in a Link header, malloc'd, or NULL. */
char *gh_link_next(const char *link);

#endif
