/*
 * github.h -- internals shared by the GitHub source's three files:
 *   source.c    descriptor, form, schemas, credential check
 *   settings.c  the endpoint catalog (declarative dw_endpoint)
 *   github.c    the client: base URL, headers, run (every schema through
 *               the REST toolkit), the row hooks
 * Not part of any public interface.
 */
#ifndef DW_GITHUB_H
#define DW_GITHUB_H

#include <stdint.h>

#include "dwsdk.h"

#define GH_DEFAULT_API_BASE "https://api.github.com"
#define GH_API_VERSION "2022-11-28"
#define GH_MAX_PER_PAGE 100

/* One endpoint: the declarative part the host runs (rows GitHub-specific
 * work changes go through ep.row_hook), plus what only GitHub needs to
 * know. */
typedef struct gh_endpoint {
    dw_endpoint ep;
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
/* The same; with need_repository 0 an empty repository is accepted
 * (repo_base stays NULL): for account-wide calls such as the
 * list_repositories action. */
dw_status gh_config_load_for(dw_ctx *ctx, gh_config *cfg, int need_repository);
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

/* Actions (ABI 1.8, actions.c; source.c declares them).
 * list_repositories: the repositories the token can read (GET /user/repos,
 * every page), only those of `owner` when it is not NULL, at most `limit`,
 * answered as [{"value": "owner/name", "label": "owner/name", "full_name",
 * "private"}] -- the choices of the repository field too. */
dw_status gh_list_repositories(dw_ctx *ctx, const char *owner, int64_t limit);

/* gh_get for any method; `json_body` (NULL: none) is sent as
 * application/json. */
dw_status gh_request(dw_ctx *ctx, const gh_config *cfg, const char *method, const char *url,
                     const char *url_template, const char *accept, const char *json_body, dw_http_response **out,
                     char **message);

/* Webhook lifecycle actions (ABI 1.8, hooks.c; source.c declares them)
 * over the repository webhooks API: create (POST /repos/{o}/{r}/hooks with
 * a secret of 32 random bytes, answered in extra_inputs.webhook_secret and
 * marked secret), delete and info find the hook by its config.url. */
dw_status gh_create_webhook(dw_ctx *ctx, const char *url);
dw_status gh_delete_webhook(dw_ctx *ctx, const char *url);
dw_status gh_webhook_info(dw_ctx *ctx, const char *url);

/* Runs one schema (github.c). */
dw_status gh_run(dw_ctx *ctx, const dw_run_inputs *inputs);

/* Row hooks (ABI 1.6, github.c), for what a declaration cannot say:
 *   gh_issue_row      drops the pull requests the issues list includes;
 *   gh_commit_row     lifts commit.author.date / commit.committer.date to
 *                     created_at / committed_at (partition, incremental);
 *   gh_stargazer_row  lifts user.id / user.login to user_id / user_login
 *                     (the primary key); skips a star of a deleted account. */
dw_status gh_issue_row(dw_ctx *ctx, const dw_endpoint *ep, const dw_json *row, dw_row *extra, int32_t *skip);
dw_status gh_commit_row(dw_ctx *ctx, const dw_endpoint *ep, const dw_json *row, dw_row *extra, int32_t *skip);
dw_status gh_stargazer_row(dw_ctx *ctx, const dw_endpoint *ep, const dw_json *row, dw_row *extra, int32_t *skip);

#endif
