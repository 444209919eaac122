/*
 * settings.c -- the GitHub endpoint catalog.  Everything about an endpoint
 * that is data lives here: path (relative to <base>/repos/<owner>/<name>),
 * static query, primary key, incremental fields and the server-side filters
 * each drives, sort, partition, paginator, fan-out, and the row hook of the
 * three schemas whose rows need GitHub-specific work (github.c).  Every
 * endpoint runs through the host's REST toolkit.  Verified against the
 * REST API reference; see api_inventory.md for the sources.
 */
#include <string.h>

#include "github.h"

static const dw_paginator link_header = {
    .struct_size = sizeof(dw_paginator),
    .kind = DW_PAGINATE_LINK_HEADER,
};

/* Only `issues`, `issues/comments` and `commits` document `since`. */
static const dw_incremental_field issue_fields[] = {
    {"updated_at", "updated_at", DW_TYPE_DATETIME},
    {"created_at", "created_at", DW_TYPE_DATETIME},
};
/* `since` keeps rows *updated* at or after the value; for created_at that
 * is a superset of the rows created since (created_at <= updated_at), and
 * the merge on the primary key dedupes it. */
static const dw_incremental_param issue_params[] = {
    {"updated_at", "since", "iso8601"},
    {"created_at", "since", "iso8601"},
};
static const dw_incremental_field commit_fields[] = {
    {"committed_at", "committed_at", DW_TYPE_DATETIME},
};
static const dw_incremental_param commit_params[] = {
    {"committed_at", "since", "iso8601"},
};
/* `until` keeps commits at or before it (ABI 1.6: the toolkit sends one
 * second before the oldest commit synced, for the rows an interrupted
 * first sync did not reach). */
static const dw_incremental_param commit_until[] = {
    {"committed_at", "until", "iso8601"},
};

static const char *const pk_id[] = {"id", NULL};
static const char *const pk_sha[] = {"sha", NULL};
static const char *const pk_user_id[] = {"user_id", NULL};
static const char *const part_created_at[] = {"created_at", NULL};
static const char *const part_starred_at[] = {"starred_at", NULL};

/* Issues and pulls default to state=open: ask for all of them. */
static const char *const state_all[] = {"state", "all", NULL};
static const char *const review_parent_fields[] = {"number:pull_request_number", "id:pull_request_id", NULL};

/* A pull request deleted or transferred after the pull request list was
 * read answers 404 for its reviews: it has none to sync any more, and the
 * other pull requests' reviews must still sync (ABI 1.5). */
static const dw_response_action reviews_gone[] = {
    {.status = 404, .body_contains = "Not Found", .action = DW_RESPONSE_IGNORE},
};

/* has_duplicate_primary_keys (ABI 1.4): every list below is paged by page
 * number (`page=N` in the Link header) over the live data, with no
 * snapshot.  When a row moves towards the end of the order while a sync
 * pages through -- an issue, pull request or comment updated under
 * sort=updated, a user who unstars and stars again -- or rows are inserted
 * ahead of the sync's position -- a new commit or release in a newest-first
 * list pushes every row one place down -- the same row is served again on
 * a later page.  Declaring it makes the host keep the last copy (the newer
 * one) instead of failing an incremental sync.  Reviews of one pull
 * request are oldest first and only grow at the end: no repeats. */
#define GH_EP .struct_size = sizeof(dw_endpoint), .page_size_param = "per_page", \
              .page_size = GH_MAX_PER_PAGE, .paginator = &link_header

const gh_endpoint gh_endpoints[] = {
    {.ep = {GH_EP, .name = "issues", .label = "Issues",
            .description = "Issues of the repository (pull requests excluded; see pull_requests).",
            .path = "/issues", .params = state_all, .primary_keys = pk_id,
            .incremental_fields = issue_fields, .n_incremental_fields = DW_COUNT(issue_fields),
            .incremental_params = issue_params, .n_incremental_params = DW_COUNT(issue_params),
            .sort_mode = DW_SORT_ASC, .partition_mode = DW_PARTITION_DATETIME,
            .partition_format = DW_PARTITION_BY_MONTH, .partition_keys = part_created_at,
            .supports_webhooks = 0, .should_sync_default = 1,
            .has_duplicate_primary_keys = 1 /* sort=updated: an issue updated mid-sync comes again */,
            .row_hook = gh_issue_row /* drops pull requests */},
     .scope = "`repo` (classic, private repos) or Issues: read (fine-grained)",
     .sortable = 1},
    {.ep = {GH_EP, .name = "pull_requests", .label = "Pull requests",
            .description = "Pull requests of the repository, oldest first.",
            .path = "/pulls", .params = state_all, .primary_keys = pk_id,
            .sort_mode = DW_SORT_ASC, .partition_mode = DW_PARTITION_DATETIME,
            .partition_format = DW_PARTITION_BY_MONTH, .partition_keys = part_created_at,
            .should_sync_default = 1,
            .has_duplicate_primary_keys = 1 /* page numbers over a live list: no snapshot */},
     .scope = "`repo` (classic, private repos) or Pull requests: read (fine-grained)",
     .sortable = 1},
    {.ep = {GH_EP, .name = "pull_request_reviews", .label = "Pull request reviews",
            .description = "Reviews of every pull request (one request per pull request).",
            .path = "/pulls/{pull_number}/reviews", .primary_keys = pk_id,
            .sort_mode = DW_SORT_ASC, .partition_mode = DW_PARTITION_NONE,
            .parent = "pull_requests", .resolve_param = "pull_number", .resolve_field = "number",
            .include_from_parent = review_parent_fields, .max_pages_per_parent = 50,
            .should_sync_default = 0, .response_actions = reviews_gone,
            .n_response_actions = DW_COUNT(reviews_gone)},
     .scope = "`repo` (classic, private repos) or Pull requests: read (fine-grained)"},
    {.ep = {GH_EP, .name = "issue_comments", .label = "Issue comments",
            .description = "Comments on issues and pull requests of the repository.",
            .path = "/issues/comments", .primary_keys = pk_id,
            .incremental_fields = issue_fields, .n_incremental_fields = DW_COUNT(issue_fields),
            .incremental_params = issue_params, .n_incremental_params = DW_COUNT(issue_params),
            .sort_mode = DW_SORT_ASC, .partition_mode = DW_PARTITION_DATETIME,
            .partition_format = DW_PARTITION_BY_MONTH, .partition_keys = part_created_at,
            .should_sync_default = 1,
            .has_duplicate_primary_keys = 1 /* sort=updated: a comment edited mid-sync comes again */},
     .scope = "`repo` (classic, private repos) or Issues: read (fine-grained)",
     .sortable = 1},
    /* Commits come newest first and accept no sort: descending. */
    {.ep = {GH_EP, .name = "commits", .label = "Commits",
            .description = "Commits of the default branch, newest first; created_at is the author date.",
            .path = "/commits", .primary_keys = pk_sha,
            .incremental_fields = commit_fields, .n_incremental_fields = DW_COUNT(commit_fields),
            .incremental_params = commit_params, .n_incremental_params = DW_COUNT(commit_params),
            .incremental_until_params = commit_until, .n_incremental_until_params = DW_COUNT(commit_until),
            .sort_mode = DW_SORT_DESC, .partition_mode = DW_PARTITION_DATETIME,
            .partition_format = DW_PARTITION_BY_MONTH, .partition_keys = part_created_at,
            .should_sync_default = 1,
            .has_duplicate_primary_keys = 1 /* newest first: a commit pushed mid-sync shifts the pages */,
            .row_hook = gh_commit_row /* created_at, committed_at */},
     .scope = "`repo` (classic, private repos) or Contents: read (fine-grained)"},
    {.ep = {GH_EP, .name = "stargazers", .label = "Stargazers",
            .description = "Users who starred the repository, with when they did.",
            .path = "/stargazers", .primary_keys = pk_user_id,
            .sort_mode = DW_SORT_ASC, .partition_mode = DW_PARTITION_DATETIME,
            .partition_format = DW_PARTITION_BY_MONTH, .partition_keys = part_starred_at,
            .should_sync_default = 1,
            .has_duplicate_primary_keys = 1 /* unstar + star again moves a user to the end */,
            .row_hook = gh_stargazer_row /* user_id, user_login */},
     .accept = "application/vnd.github.star+json",
     .scope = "`repo` (classic, private repos) or Metadata: read (fine-grained)"},
    /* Releases come newest first and accept no sort or filter. */
    {.ep = {GH_EP, .name = "releases", .label = "Releases",
            .description = "Published and draft releases (draft ones only with push access).",
            .path = "/releases", .primary_keys = pk_id,
            .sort_mode = DW_SORT_DESC, .partition_mode = DW_PARTITION_DATETIME,
            .partition_format = DW_PARTITION_BY_MONTH, .partition_keys = part_created_at,
            .should_sync_default = 1,
            .has_duplicate_primary_keys = 1 /* newest first: a release published mid-sync shifts the pages */},
     .scope = "`repo` (classic, private repos) or Contents: read (fine-grained)"},
};

const uint32_t gh_n_endpoints = DW_COUNT(gh_endpoints);

const gh_endpoint *gh_endpoint_find(const char *name) {
    if (!name) return NULL;
    for (uint32_t i = 0; i < gh_n_endpoints; i++)
        if (!strcmp(gh_endpoints[i].ep.name, name)) return &gh_endpoints[i];
    return NULL;
}
