/*
 * rest_page.h -- one paginated walk ("listing") over an endpoint path, one
 * page at a time: builds the page's URL, fetches it through the tracked
 * transport, selects the rows and works out the next page and whether the
 * walk ends.  Internal to the REST toolkit (rest_run.c).
 *
 * Termination rules, per paginator kind:
 *   SINGLE        one page.
 *   LINK_HEADER   until the Link header has no rel="next".
 *   JSON_NEXT_URL until next_url_path is absent, null or "".
 *   CURSOR        until has_more_path is false, the cursor (cursor_path, else
 *                 the last row's cursor_row_field) is absent, or a page is empty.
 *   OFFSET        until a page is empty, shorter than page_size,
 *                 has_more_path is false, or offset reaches total_path (items).
 *   PAGE_NUMBER   until a page is empty, shorter than page_size,
 *                 has_more_path is false, or the page reaches total_path (pages).
 *   AUTO          (1.5) as the kind decided from the first response
 *                 (rest_auto.h), which the position records.
 * Any kind also stops at max_pages (a "rest.page_cap" log line) and when a
 * server hands back the page it just served (a loop; logged).
 * A followed next URL (Link header, JSON next URL) is requested exactly as
 * given: the endpoint's params are not appended again.  It must be on the
 * origin of the client's base URL or a trusted origin (ABI 1.6): one on
 * any other origin ends the walk with `refused` set, and the caller fails
 * the run after emitting the page's rows, without saving a position past
 * it (rest_run.c).
 */
#ifndef DWH_REST_PAGE_H
#define DWH_REST_PAGE_H

#include <json-c/json.h>

#include "rows/batcher.h"
#include "dwsdk.h"

/* Where a page is: what the resume state records. */
typedef struct rest_pos {
    char *url;      /* a next URL to request as is (LINK_HEADER, JSON_NEXT_URL) */
    char *cursor;   /* CURSOR */
    int64_t offset; /* OFFSET */
    int64_t page;   /* PAGE_NUMBER (0: first_page) */
    int64_t pages;  /* pages already fetched in this walk (for max_pages) */
    /* AUTO listings: the decision, once made (saved with the position). */
    int auto_known;
    uint32_t auto_kind;  /* SINGLE, LINK_HEADER, JSON_NEXT_URL or CURSOR */
    char *auto_path;     /* the body path of the next URL or cursor; owned */
} rest_pos;

void rest_pos_free(rest_pos *p);
int rest_pos_copy(rest_pos *dst, const rest_pos *src);
/* JSON form for the state; caller puts it. */
json_object *rest_pos_to_json(const rest_pos *p);
/* Reads a saved position (unknown keys ignored); returns 0 on success. */
int rest_pos_from_json(rest_pos *p, json_object *o);

typedef struct rest_listing {
    dw_ctx *ctx;
    const dw_rest_client *client; /* host-sized copy */
    const dw_endpoint *ep;        /* host-sized copy */
    dw_paginator pag;             /* host-sized copy; kind SINGLE when none */
    const char *path;             /* endpoint path with placeholders filled */
    const char *const *extra;     /* extra query "k","v",...,NULL (incremental filter) */
    int64_t max_pages;            /* 0: none; min of paginator and fan-out caps */
    rest_pos pos;                 /* the page to fetch next */
    int done;                     /* no page left */
    int capped;                   /* stopped by max_pages */
    unsigned *auto_logged;        /* AUTO kinds already logged at INFO this run (may be NULL) */
    const char *origin;           /* the base URL's origin (dwh_url_origin); borrowed */
    char *refused;                /* a next URL on another origin, not followed; owned (rest_pos_free does
                                     not free it: the caller does) */
    dwh_batcher *store;           /* where a page's rows go, as cells (the caller's; cleared per page) */
    int row_text;                 /* keep each row's text in the store (the sink wants it) */
} rest_listing;

/* What a page holds besides its rows: the values a paginator reads. */
typedef struct rest_page {
    json_object *root; /* the body, when it was parsed whole (a path the streaming parse cannot
                          follow, a response action on a 2xx status); owned, else NULL */
    json_object *vals; /* streamed: "path" -> its value, for every path a paginator may read; owned */
} rest_page;

/* The value at `path` outside the rows (borrowed from pg); NULL when the
 * body has none there or it is null. */
json_object *rest_page_value(const rest_page *pg, const char *path);
void rest_page_free(rest_page *pg);

/* Fetches the page at l->pos: its rows, as cells, replace what l->store
 * held (parsed as the body arrives: json_rows.h, unless a path needs the
 * whole body), and *pg gets the rest (rest_page_free it).  l->pos becomes
 * the next page and l->done / l->capped say whether the walk ended.  A
 * response an IGNORE response action matches ends the walk with no rows.
 * On error (FAIL response actions included) the store is empty and the
 * error is recorded on ctx. */
dw_status rest_fetch_page(rest_listing *l, rest_page *pg);

#endif
