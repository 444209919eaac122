/*
 * rest_auto.h -- DW_PAGINATE_AUTO (ABI 1.5): the paginator of a listing
 * decided from its first response, then fixed for that listing.  The
 * decision lives in the listing's position (rest_pos.auto_*), so it is
 * saved with the resume state and a resumed listing does not re-detect.
 * Rules and paths: sdk/dwsdk.h at DW_PAGINATE_AUTO.  Internal to the REST
 * toolkit (rest_page.c).
 */
#ifndef DWHI_REST_AUTO_H
#define DWHI_REST_AUTO_H

#include <json-c/json.h>

#include "dwsdk.h"
#include "rest_listing.h"

/* Decides l->pos.auto_* from the first response of an AUTO listing (`resp`
 * and the values of its body `pg`, both borrowed) and logs the choice: one INFO
 * line "rest.paginator_detected" the first time a kind is chosen in the
 * run (*l->auto_logged), DEBUG for later listings with the same kind.
 * Returns 0, or -1 when memory ran out (the listing then ends after this
 * page, as SINGLE). */
int rest_auto_decide(rest_listing *l, dw_http_response *resp, const rest_page *pg);

/* The body paths the decision may read (the paginator's own next_url_path
 * and cursor_path, else the usual places), appended to out[*n] (room for
 * cap); for the streaming parse to keep them. */
void rest_auto_paths(const rest_listing *l, const char **out, size_t *n, size_t cap);

/* The paginator a listing pages with now: l->pag, or for AUTO the decided
 * kind with the detected path (SINGLE before the decision).  Strings in
 * *out are borrowed from l (valid while l->pos is unchanged). */
void rest_auto_effective(const rest_listing *l, dw_paginator *out);


#endif
