/*
 * source.c -- the GitHub source: descriptor, config form, schemas and the
 * credential check.  Rows come from github.c; endpoints from settings.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "github.h"

const dw_host_api *gh_api;

static const dw_field fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "personal_access_token", .label = "Personal access token",
     .required = 1, .input_type = DW_INPUT_PASSWORD, .secret = 1, .placeholder = "github_pat_...",
     .caption = "A [personal access token](https://docs.github.com/authentication/keeping-your-account-"
                "and-data-secure/managing-your-personal-access-tokens) that can read the repository.\n\n"
                "Fine-grained tokens, read-only permissions per schema:\n"
                "- `issues`, `issue_comments`: **Issues**\n"
                "- `pull_requests`, `pull_request_reviews`: **Pull requests**\n"
                "- `commits`, `releases`: **Contents**\n"
                "- `stargazers`: **Metadata**\n\n"
                "Classic tokens: no scope for public repositories, `repo` for private ones."},
    {.kind = DW_FIELD_INPUT, .name = "repository", .label = "Repository", .required = 1,
     .input_type = DW_INPUT_TEXT, .placeholder = "octocat/Hello-World",
     .caption = "`owner/name` of the repository to sync.", .options_action = "list_repositories"},
    {.kind = DW_FIELD_INPUT, .name = "webhook_secret", .label = "Webhook secret",
     .input_type = DW_INPUT_PASSWORD, .secret = 1,
     .caption = "The secret of the repository webhook that posts to dwhost. `dwhost webhook create github --url "
                "URL` creates the webhook and stores it here."},
    {.kind = DW_FIELD_INPUT, .name = "api_base_url", .label = "API base URL",
     .caption = "For GitHub Enterprise Server use `https://<host>/api/v3`. "
                "Leave empty for github.com (`" GH_DEFAULT_API_BASE "`).",
     .input_type = DW_INPUT_URL, .placeholder = GH_DEFAULT_API_BASE},
    {.kind = DW_FIELD_INPUT, .name = "per_page", .label = "Page size",
     .caption = "Rows per request, 1 to 100 (GitHub's maximum). Default 100.",
     .input_type = DW_INPUT_NUMBER, .placeholder = "100", .default_value = "100"},
};

/* Permanent failures, matched case-insensitively in the raw error and the
 * response body.  Only credential failures (401): a 403 is left to the
 * status code, because at source creation a valid token that lacks some
 * permission must pass the check with a warning, and a matched entry would
 * turn that 403 into a hard error before the plugin sees it.  403s are not
 * retried anyway unless they are a rate limit. */
static const dw_error_mapping non_retryable[] = {
    {"Bad credentials",
     "GitHub rejected the personal access token (401 Bad credentials): it is wrong, expired or "
     "revoked. Create a new token and update the source."},
    {"Requires authentication",
     "GitHub did not receive a personal access token (401 Requires authentication). Fill in the token."},
};

static const char *const keywords[] = {"github", "git", "issues", "pull requests", "developer", NULL};

static dw_status gh_init(const dw_host_api *api, void **plugin_data) {
    (void)plugin_data;
    if (!DW_API_HAS(api, rest_schema_add)) return DW_ERR_UNSUPPORTED; /* needs ABI 1.2 */
    gh_api = api;
    return DW_OK;
}

static dw_status gh_list_schemas(dw_ctx *ctx) {
    /* The catalog is static: no config needed. */
    for (uint32_t i = 0; i < gh_n_endpoints; i++) {
        dw_status st = gh_api->rest_schema_add(ctx, &gh_endpoints[i].ep);
        if (st != DW_OK) return st;
    }
    return DW_OK;
}

/* The cheapest request that proves the token can read `schema` (or, with
 * no schema, the repository itself). */
static char *probe_url(dw_ctx *ctx, const gh_config *cfg, const gh_endpoint *probe) {
    if (!probe) return strdup(cfg->repo_base);
    static const char *const one[] = {"per_page", "1", NULL};
    return gh_api->url_build(ctx, cfg->repo_base, probe->ep.path, one);
}

static dw_status gh_check(dw_ctx *ctx, const char *schema) {
    const gh_endpoint *e = NULL;
    if (schema && !(e = gh_endpoint_find(schema)))
        return gh_api->fail(ctx, DW_ERR_NOT_FOUND,
                            "github has no schema '%s'; run 'dwhost describe github' for the list", schema);
    gh_config cfg;
    dw_status st = gh_config_load(ctx, &cfg);
    if (st != DW_OK) return st;
    /* Fan-out children are reached through their parent's list. */
    const gh_endpoint *probe = e && e->ep.parent ? gh_endpoint_find(e->ep.parent) : e;
    char *url = probe_url(ctx, &cfg, probe);
    dw_http_response *resp = NULL;
    char *msg = NULL;
    st = gh_get(ctx, &cfg, url, probe ? probe->ep.path : "/repos/{owner}/{repo}", probe ? probe->accept : NULL,
                &resp, &msg);
    free(url);
    switch (st) {
    case DW_OK:
        break;
    case DW_ERR_AUTH:
        st = gh_api->fail(ctx, DW_ERR_AUTH,
                          "GitHub rejected the personal access token (401 %s): it is wrong, expired or "
                          "revoked; create a new token and update the source",
                          msg ? msg : "Unauthorized");
        break;
    case DW_ERR_FORBIDDEN:
        if (!e) {
            /* A valid token may legitimately cover only some schemas. */
            gh_api->log(ctx, DW_LOG_WARN,
                        "the GitHub token is valid but GitHub answered 403 for repository %s (%s); "
                        "schemas it cannot read will fail until it is granted their permissions",
                        cfg.owner_repo, msg ? msg : "Forbidden");
            st = DW_OK;
        } else {
            st = gh_api->fail(ctx, DW_ERR_FORBIDDEN,
                              "the GitHub token cannot read '%s' of %s (403 %s): grant it %s", e->ep.name,
                              cfg.owner_repo, msg ? msg : "Forbidden", e->scope);
        }
        break;
    case DW_ERR_NOT_FOUND:
        st = gh_api->fail(ctx, DW_ERR_NOT_FOUND,
                          "GitHub repository %s was not found, or the token cannot see it (private "
                          "repositories need the `repo` scope or fine-grained access to the repository)",
                          cfg.owner_repo);
        break;
    default:
        break; /* already recorded by gh_get / the transport */
    }
    if (resp) gh_api->http_free(resp);
    free(msg);
    gh_config_free(&cfg);
    return st;
}

/* Actions (ABI 1.8): `dwhost call github list_repositories`. */
static const dw_action_arg list_repositories_args[] = {
    {.name = "owner", .type = DW_ARG_STRING, .default_value = "null",
     .description = "only the repositories of this user or organization (login, case-insensitive); null: all"},
    {.name = "limit", .type = DW_ARG_INT64, .default_value = "1000",
     .description = "at most this many repositories (1 to 10000)"},
};
static const dw_action_arg url_arg[] = {
    {.name = "url", .type = DW_ARG_STRING, .description = "the URL GitHub posts events to"},
};
static const dw_action actions[] = {
    {.name = "create_webhook",
     .description = "creates a repository webhook posting the synced schemas' events as JSON to url, with a secret",
     .args = url_arg, .n_args = 1, .fn = DW_ACTION_FN(gh_create_webhook)},
    {.name = "delete_webhook", .description = "deletes the repository webhook that posts to url",
     .args = url_arg, .n_args = 1, .fn = DW_ACTION_FN(gh_delete_webhook)},
    {.name = "webhook_info", .description = "the repository webhook that posts to url, if any",
     .args = url_arg, .n_args = 1, .fn = DW_ACTION_FN(gh_webhook_info)},
    {.name = "list_repositories",
     .description = "the repositories the token can read (GET /user/repos), as {value, label, full_name, private}",
     .args = list_repositories_args, .n_args = DW_COUNT(list_repositories_args),
     .fn = DW_ACTION_FN(gh_list_repositories)},
};

DW_EXPORT const dw_source dwhost_source = {
    DW_SOURCE_HEADER,
    .name = "github",
    .label = "GitHub",
    .caption = "Issues, pull requests, reviews, comments, commits, stargazers and releases of one "
               "GitHub (or GitHub Enterprise Server) repository.",
    .docs_url = "https://docs.github.com/rest",
    .icon_path = "/static/services/github.png",
    .category = "Developer tools",
    .keywords = keywords,
    .release_status = DW_RELEASE_BETA,
    .feature_flag = "dwh-github",
    .comm_method = DW_COMM_HTTP,
    .primary_library = "dwhost transport (REST toolkit)",
    .version = "1.0.0",
    .capabilities = DW_CAP_RESUMABLE,
    .fields = fields,
    .n_fields = DW_COUNT(fields),
    .non_retryable_errors = non_retryable,
    .n_non_retryable_errors = DW_COUNT(non_retryable),
    .init = gh_init,
    .list_schemas = gh_list_schemas,
    .check_credentials = gh_check,
    .run = gh_run,
    DW_ACTIONS(actions),
    /* 1.9: GitHub signs each delivery (X-Hub-Signature-256) with the hook's secret */
    .webhook_signature = DW_WEBHOOK_SIG_GITHUB_SHA256,
    .webhook_secret_field = "webhook_secret",
};
