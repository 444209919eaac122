/* rest_auto.c -- DW_PAGINATE_AUTO: detecting the paginator of a listing
 * from its first response (see rest_auto.h and sdk/dwsdk.h). */
#include "rest_auto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "transport/http_session.h"
#include "base/json_path.h"
#include "core/log.h"
#include "rest.h"

/* Where APIs usually put a next-page URL and a cursor (dlt's auto
 * paginator looks at the same places).  Order matters: the first hit
 * wins.  Documented in sdk/dwsdk.h; keep both in step. */
static const char *const next_url_paths[] = {"next",          "links.next", "_links.next.href", "pagination.next",
                                             "next_page_url", "meta.next",  "paging.next",      NULL};
static const char *const cursor_paths[] = {"next_cursor",           "cursor.next",
                                           "meta.next_cursor",      "pagination.next_cursor",
                                           "response_metadata.next_cursor", "paging.cursors.after",
                                           NULL};

/* A string that can only be a link: absolute http(s) or an absolute path. */
static int looks_like_url(json_object *v) {
    if (!v || !json_object_is_type(v, json_type_string)) return 0;
    const char *s = json_object_get_string(v);
    return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8) || (s[0] == '/' && s[1] != '/');
}

static int looks_like_cursor(json_object *v) {
    if (!v) return 0;
    if (json_object_is_type(v, json_type_int)) return 1;
    return json_object_is_type(v, json_type_string) && json_object_get_string_len(v) > 0;
}

/* The first of `own` (the paginator's path, may be NULL) or `paths` whose
 * value passes `ok`; NULL when none does. */
static const char *first_path(const rest_page *pg, const char *own, const char *const *paths,
                              int (*ok)(json_object *)) {
    if (own) return ok(rest_page_value(pg, own)) ? own : NULL;
    for (size_t i = 0; paths[i]; i++)
        if (ok(rest_page_value(pg, paths[i]))) return paths[i];
    return NULL;
}

static void add_paths(const char *own, const char *const *paths, const char **out, size_t *n, size_t cap) {
    if (own) {
        if (*n < cap) out[(*n)++] = own;
        return;
    }
    for (size_t i = 0; paths[i] && *n < cap; i++) out[(*n)++] = paths[i];
}

void rest_auto_paths(const rest_listing *l, const char **out, size_t *n, size_t cap) {
    add_paths(l->pag.next_url_path, next_url_paths, out, n, cap);
    add_paths(l->pag.cursor_path, cursor_paths, out, n, cap);
}

static const char *cursor_param(const dw_paginator *g) {
    return g->cursor_param && *g->cursor_param ? g->cursor_param : "cursor";
}

int rest_auto_decide(rest_listing *l, dw_http_response *resp, const rest_page *pg) {
    const dw_paginator *g = &l->pag;
    uint32_t kind = DW_PAGINATE_SINGLE;
    const char *path = NULL;
    char *link = dwhi_link_next(dwhi_http_response_header(resp, "Link"));
    if (link && *link) {
        kind = DW_PAGINATE_LINK_HEADER;
    } else if ((path = first_path(pg, g->next_url_path, next_url_paths, looks_like_url))) {
        kind = DW_PAGINATE_JSON_NEXT_URL;
    } else if ((path = first_path(pg, g->cursor_path, cursor_paths, looks_like_cursor))) {
        kind = DW_PAGINATE_CURSOR;
    }
    free(link);
    l->pos.auto_known = 1;
    l->pos.auto_kind = kind;
    free(l->pos.auto_path);
    l->pos.auto_path = path ? strdup(path) : NULL;
    int oom = path && !l->pos.auto_path;
    if (oom) l->pos.auto_kind = DW_PAGINATE_SINGLE;

    const char *name = l->ep->name ? l->ep->name : "?";
    char how[200];
    switch (l->pos.auto_kind) {
    case DW_PAGINATE_LINK_HEADER: snprintf(how, sizeof how, "Link header (rel=\"next\")"); break;
    case DW_PAGINATE_JSON_NEXT_URL: snprintf(how, sizeof how, "next URL at '%s' in the body", path); break;
    case DW_PAGINATE_CURSOR:
        snprintf(how, sizeof how, "cursor at '%s' in the body, sent as '%s'", path, cursor_param(g));
        break;
    default: snprintf(how, sizeof how, "single page (no next link or cursor in the first response)"); break;
    }
    json_object *f = json_object_new_object();
    json_object_object_add(f, "resource", json_object_new_string(name));
    json_object_object_add(f, "paginator", json_object_new_string(rest_auto_kind_name(l->pos.auto_kind)));
    if (l->pos.auto_path) json_object_object_add(f, "path", json_object_new_string(l->pos.auto_path));
    char msg[320];
    snprintf(msg, sizeof msg, "endpoint %s: auto paginator chose %s", name, how);
    unsigned bit = 1u << l->pos.auto_kind;
    int first = !l->auto_logged || !(*l->auto_logged & bit);
    if (l->auto_logged) *l->auto_logged |= bit;
    dwhi_log_fields(l->ctx, first ? DW_LOG_INFO : DW_LOG_DEBUG, "rest.paginator_detected", msg, f);
    return oom ? -1 : 0;
}

void rest_auto_effective(const rest_listing *l, dw_paginator *out) {
    *out = l->pag;
    if (l->pag.kind != DW_PAGINATE_AUTO) return;
    out->kind = l->pos.auto_known ? l->pos.auto_kind : DW_PAGINATE_SINGLE;
    switch (out->kind) {
    case DW_PAGINATE_JSON_NEXT_URL: out->next_url_path = l->pos.auto_path; break;
    case DW_PAGINATE_CURSOR:
        out->cursor_path = l->pos.auto_path;
        out->cursor_row_field = NULL;
        out->cursor_param = cursor_param(&l->pag);
        break;
    default: break;
    }
}
