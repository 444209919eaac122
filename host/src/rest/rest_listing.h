/*
 * rest_listing.h -- what a paginated walk over an endpoint ("listing") is
 * made of, below both the page fetch (rest_page.h) and the AUTO paginator
 * (rest_auto.h): the listing, its position (what the resume state records,
 * with the names of the kinds AUTO decides), and a fetched page's values
 * outside its rows.  Internal to the REST toolkit.
 */
#ifndef DWHI_REST_LISTING_H
#define DWHI_REST_LISTING_H

#include <json-c/json.h>
#include <stdint.h>

#include "dwsdk.h"
#include "rows/batcher.h"

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
    const char *origin;           /* the base URL's origin (dwhi_url_origin); borrowed */
    char *refused;                /* a next URL on another origin, not followed; owned (rest_pos_free does
                                     not free it: the caller does) */
    dwhi_batcher *store;           /* where a page's rows go, as cells (the caller's; cleared per page) */
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

/* "single", "link_header", "json_next_url", "cursor" for the kinds AUTO
 * can choose; NULL for any other.  Static. */
const char *rest_auto_kind_name(uint32_t kind);
/* The reverse; returns 0 and sets *kind, or -1 for an unknown name. */
int rest_auto_kind_parse(const char *name, uint32_t *kind);

#endif
