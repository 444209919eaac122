/*
 * url_build.h -- api->url_build: base + path + an encoded query.
 */
#ifndef DWHI_URL_BUILD_H
#define DWHI_URL_BUILD_H

#include "ctx.h"

#define DWHI_URL_MAX_PARAMS 1024 /* key/value pairs */

/* Joins `base` and `path` with exactly one '/', appends `params` ("k", "v",
 * ..., NULL) percent-encoded (RFC 3986 unreserved characters kept) after
 * '?' or, when path already has a query, after '&'.  A query in `base`
 * ("https://h/api?key=k") stays a query: the path goes before it
 * ("https://h/api/path?key=k&limit=1"); a fragment in base is dropped.  A
 * path that is an
 * absolute http(s) URL (a next link) replaces base.  A NULL value ends the
 * list at its key (the key is not added).  Returns malloc'd text the
 * plugin frees with api->free, or NULL (logged) when base is NULL and path
 * is not absolute, or on OOM. */
char *dwhi_url_build(dw_ctx *ctx, const char *base, const char *path, const char *const *params);

#endif
