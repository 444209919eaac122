/* rest_page.c -- fetching one page of a listing (see rest_page.h). */
#include "rest_page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "http_session.h"
#include "http_url.h"
#include "json_path.h"
#include "url_build.h"
#include "log.h"
#include "rest.h"
#include "rest_actions.h"
#include "rest_auto.h"

void rest_pos_free(rest_pos *p) {
    if (!p) return;
    free(p->url);
    free(p->cursor);
    free(p->auto_path);
    memset(p, 0, sizeof *p);
}

int rest_pos_copy(rest_pos *dst, const rest_pos *src) {
    *dst = *src;
    dst->url = src->url ? strdup(src->url) : NULL;
    dst->cursor = src->cursor ? strdup(src->cursor) : NULL;
    dst->auto_path = src->auto_path ? strdup(src->auto_path) : NULL;
    if ((src->url && !dst->url) || (src->cursor && !dst->cursor) || (src->auto_path && !dst->auto_path)) {
        rest_pos_free(dst);
        return -1;
    }
    return 0;
}

json_object *rest_pos_to_json(const rest_pos *p) {
    json_object *o = json_object_new_object();
    if (!o) return NULL;
    if (p->url) json_object_object_add(o, "url", json_object_new_string(p->url));
    if (p->cursor) json_object_object_add(o, "cursor", json_object_new_string(p->cursor));
    if (p->offset) json_object_object_add(o, "offset", json_object_new_int64(p->offset));
    if (p->page) json_object_object_add(o, "page", json_object_new_int64(p->page));
    if (p->pages) json_object_object_add(o, "pages", json_object_new_int64(p->pages));
    if (p->auto_known) {
        json_object *a = json_object_new_object();
        json_object_object_add(a, "kind", json_object_new_string(rest_auto_kind_name(p->auto_kind)));
        if (p->auto_path) json_object_object_add(a, "path", json_object_new_string(p->auto_path));
        json_object_object_add(o, "auto", a);
    }
    return o;
}

int rest_pos_from_json(rest_pos *p, json_object *o) {
    memset(p, 0, sizeof *p);
    if (!o || !json_object_is_type(o, json_type_object)) return -1;
    json_object *v;
    if (json_object_object_get_ex(o, "url", &v) && json_object_is_type(v, json_type_string))
        p->url = strdup(json_object_get_string(v));
    if (json_object_object_get_ex(o, "cursor", &v) && json_object_is_type(v, json_type_string))
        p->cursor = strdup(json_object_get_string(v));
    if (json_object_object_get_ex(o, "offset", &v)) p->offset = json_object_get_int64(v);
    if (json_object_object_get_ex(o, "page", &v)) p->page = json_object_get_int64(v);
    if (json_object_object_get_ex(o, "pages", &v)) p->pages = json_object_get_int64(v);
    int bad_auto = 0;
    json_object *a;
    if (json_object_object_get_ex(o, "auto", &a)) {
        /* The decision of an AUTO listing: without it a resumed listing
         * could page differently than it started. */
        bad_auto = !json_object_object_get_ex(a, "kind", &v) ||
                   rest_auto_kind_parse(json_object_get_string(v), &p->auto_kind) != 0;
        if (!bad_auto && json_object_object_get_ex(a, "path", &v) && json_object_is_type(v, json_type_string))
            p->auto_path = strdup(json_object_get_string(v));
        bad_auto = bad_auto || ((p->auto_kind == DW_PAGINATE_JSON_NEXT_URL || p->auto_kind == DW_PAGINATE_CURSOR) &&
                                !p->auto_path);
        p->auto_known = !bad_auto;
    }
    if (p->offset < 0 || p->page < 0 || p->pages < 0 || bad_auto) {
        rest_pos_free(p);
        return -1;
    }
    return 0;
}

/* ---- building the page URL ------------------------------------------- */

typedef struct kv_list {
    const char *v[128];
    size_t n;
    char num[3][32];
} kv_list;

static void kv_add(kv_list *l, const char *k, const char *v) {
    if (!k || !v || l->n + 3 > sizeof l->v / sizeof l->v[0]) return;
    l->v[l->n++] = k;
    l->v[l->n++] = v;
    l->v[l->n] = NULL;
}

static char *page_url(const rest_listing *l) {
    if (l->pos.url) return strdup(l->pos.url);
    dw_paginator eff;
    rest_auto_effective(l, &eff);
    kv_list q = {.n = 0};
    q.v[0] = NULL;
    for (const char *const *p = l->ep->params; p && p[0] && p[1]; p += 2) kv_add(&q, p[0], p[1]);
    for (const char *const *p = l->extra; p && p[0] && p[1]; p += 2) kv_add(&q, p[0], p[1]);
    const dw_paginator *g = &eff;
    int page_size_sent = 0;
    snprintf(q.num[0], sizeof q.num[0], "%lld", (long long)l->ep->page_size);
    if (l->ep->page_size_param && l->ep->page_size > 0) {
        kv_add(&q, l->ep->page_size_param, q.num[0]);
        page_size_sent = 1;
    }
    switch (g->kind) {
    case DW_PAGINATE_CURSOR:
        if (l->pos.cursor && g->cursor_param) kv_add(&q, g->cursor_param, l->pos.cursor);
        break;
    case DW_PAGINATE_OFFSET:
        if (g->offset_param) {
            snprintf(q.num[1], sizeof q.num[1], "%lld", (long long)l->pos.offset);
            kv_add(&q, g->offset_param, q.num[1]);
        }
        if (g->limit_param && l->ep->page_size > 0 &&
            !(page_size_sent && !strcmp(g->limit_param, l->ep->page_size_param)))
            kv_add(&q, g->limit_param, q.num[0]);
        break;
    case DW_PAGINATE_PAGE_NUMBER:
        if (g->page_param) {
            int64_t page = l->pos.page ? l->pos.page : (g->first_page ? g->first_page : 1);
            snprintf(q.num[2], sizeof q.num[2], "%lld", (long long)page);
            kv_add(&q, g->page_param, q.num[2]);
        }
        break;
    default: break;
    }
    return dwh_url_build(l->ctx, l->client->base_url, l->path, q.v);
}

/* ---- next page ------------------------------------------------------- */

static int is_false(json_object *v) {
    if (!v) return 0;
    if (json_object_is_type(v, json_type_boolean)) return !json_object_get_boolean(v);
    if (json_object_is_type(v, json_type_null)) return 1;
    return 0;
}

static int64_t as_int(json_object *v, int *ok) {
    *ok = v && (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double) ||
                json_object_is_type(v, json_type_string));
    return *ok ? json_object_get_int64(v) : 0;
}

static void log_loop(rest_listing *l, const char *what) {
    json_object *f = json_object_new_object();
    json_object_object_add(f, "resource", json_object_new_string(l->ep->name ? l->ep->name : ""));
    json_object_object_add(f, "repeated", json_object_new_string(what));
    dwh_log_fields(l->ctx, DW_LOG_WARN, "rest.pagination_loop",
                   "the server returned the same next page again; stopping pagination", f);
}

/* Decides l->pos/l->done from the page just fetched. */
static void advance(rest_listing *l, const char *cur_url, dw_http_response *resp, json_object *root,
                    json_object *rows) {
    dw_paginator eff;
    rest_auto_effective(l, &eff);
    const dw_paginator *g = &eff;
    size_t n = json_object_array_length(rows);
    rest_pos next = {0};
    next.pages = l->pos.pages + 1;
    /* An AUTO listing keeps its decision (g borrows auto_path from l->pos,
     * so it moves to `next` only when l->pos is replaced below). */
    next.auto_known = l->pos.auto_known;
    next.auto_kind = l->pos.auto_kind;
    int more = 0;
    switch (g->kind) {
    case DW_PAGINATE_LINK_HEADER:
    case DW_PAGINATE_JSON_NEXT_URL: {
        const char *ref = NULL;
        char *link = NULL;
        if (g->kind == DW_PAGINATE_LINK_HEADER) {
            link = dwh_link_next(dwh_http_response_header(resp, "Link"));
            ref = link;
        } else {
            json_object *v = dwh_json_path(root, g->next_url_path);
            if (v && json_object_is_type(v, json_type_string)) ref = json_object_get_string(v);
        }
        if (ref && *ref) {
            next.url = dwh_url_resolve(cur_url, ref);
            if (next.url && !strcmp(next.url, cur_url)) {
                log_loop(l, "url");
                free(next.url);
                next.url = NULL;
            }
            /* The origin rule: a next page elsewhere is not followed (and
             * never saved as the resume position). */
            if (next.url && !dwh_url_origin_in(next.url, l->origin, l->client->trusted_origins)) {
                free(l->refused);
                l->refused = next.url;
                next.url = NULL;
            }
            more = next.url != NULL;
        }
        free(link);
        break;
    }
    case DW_PAGINATE_CURSOR: {
        if (n == 0) break;
        if (g->has_more_path && is_false(dwh_json_path(root, g->has_more_path))) break;
        if (g->has_more_path && !dwh_json_path(root, g->has_more_path)) break;
        json_object *c = NULL;
        if (g->cursor_path)
            c = dwh_json_path(root, g->cursor_path);
        else if (g->cursor_row_field)
            c = dwh_json_path(json_object_array_get_idx(rows, n - 1), g->cursor_row_field);
        if (!c || json_object_is_type(c, json_type_null) || json_object_is_type(c, json_type_object) ||
            json_object_is_type(c, json_type_array))
            break;
        const char *cs = json_object_get_string(c);
        if (!cs || !*cs) break;
        if (l->pos.cursor && !strcmp(l->pos.cursor, cs)) {
            log_loop(l, "cursor");
            break;
        }
        next.cursor = strdup(cs);
        more = next.cursor != NULL;
        break;
    }
    case DW_PAGINATE_OFFSET: {
        if (n == 0) break;
        if (l->ep->page_size > 0 && (int64_t)n < l->ep->page_size) break;
        if (g->has_more_path && is_false(dwh_json_path(root, g->has_more_path))) break;
        next.offset = l->pos.offset + (int64_t)n;
        int ok;
        int64_t total = g->total_path ? as_int(dwh_json_path(root, g->total_path), &ok) : 0;
        if (g->total_path && ok && next.offset >= total) break;
        more = 1;
        break;
    }
    case DW_PAGINATE_PAGE_NUMBER: {
        if (n == 0) break;
        if (l->ep->page_size > 0 && (int64_t)n < l->ep->page_size) break;
        if (g->has_more_path && is_false(dwh_json_path(root, g->has_more_path))) break;
        int64_t page = l->pos.page ? l->pos.page : (g->first_page ? g->first_page : 1);
        int ok;
        int64_t total = g->total_path ? as_int(dwh_json_path(root, g->total_path), &ok) : 0;
        /* total_path counts pages; first_page 0 APIs count from 0. */
        int64_t last = total - 1 + (g->first_page ? g->first_page : 1);
        if (g->total_path && ok && page >= last) break;
        next.page = page + 1;
        more = 1;
        break;
    }
    default: break;
    }
    next.auto_path = l->pos.auto_path;
    l->pos.auto_path = NULL;
    rest_pos_free(&l->pos);
    l->pos = next;
    if (!more) {
        l->done = 1;
        return;
    }
    if (l->max_pages > 0 && next.pages >= l->max_pages) {
        l->done = 1;
        l->capped = 1;
    }
}

/* ---- the page ---------------------------------------------------------- */

dw_status rest_fetch_page(rest_listing *l, json_object **root_out, json_object **rows_out) {
    *root_out = NULL;
    *rows_out = NULL;
    dw_ctx *ctx = l->ctx;
    const char *name = l->ep->name ? l->ep->name : "?";
    char *url = page_url(l);
    if (!url)
        return dwh_ctx_fail(ctx, DW_ERR_CONFIG, "endpoint %s: cannot build a URL from base '%s' and path '%s'", name,
                            l->client->base_url ? l->client->base_url : "", l->path ? l->path : "");
    dw_http_request req = {.struct_size = sizeof req, .method = "GET", .url = url, .url_template = l->ep->path};
    dw_http_response *resp = NULL;
    dwh_http_claims claims = {.fn = rest_action_claim, .ud = (void *)l->ep};
    dw_status st = dwh_http_perform_claimed(ctx, &req, l->client, &claims, &resp);
    if (st != DW_OK) {
        free(url);
        return st;
    }
    size_t body_len = 0;
    const char *body_text = dwh_http_response_body(resp, &body_len);
    const dw_response_action *act = rest_action_match(l->ep, dwh_http_response_status(resp), body_text, body_len);
    if (act) {
        const char *from = dwh_http_response_url(resp) ? dwh_http_response_url(resp) : url;
        st = rest_action_apply(ctx, l->ep, act, dwh_http_response_status(resp), from);
        dwh_http_response_free(resp);
        free(url);
        if (st != DW_OK) return st;
        /* IGNORE: this listing ends here, without rows. */
        *root_out = json_object_new_object();
        *rows_out = json_object_new_array();
        if (!*root_out || !*rows_out) {
            json_object_put(*root_out);
            json_object_put(*rows_out);
            *root_out = *rows_out = NULL;
            return dwh_ctx_fail(ctx, DW_ERR_NOMEM, "out of memory");
        }
        rest_pos_free(&l->pos);
        l->done = 1;
        return DW_OK;
    }
    if (dwh_http_response_status(resp) >= 400) {
        char what[200];
        snprintf(what, sizeof what, "endpoint %s", name);
        st = dwh_http_fail_status(ctx, resp, what);
        dwh_http_response_free(resp);
        free(url);
        return st;
    }
    const char *jerr = NULL;
    json_object *body = dwh_http_response_json(resp, &jerr);
    if (!body) {
        char *safe = dwh_url_redact(url);
        st = dwh_ctx_fail(ctx, DW_ERR_BAD_DATA, "endpoint %s: the response from %s is not valid JSON (%s)", name,
                          safe ? safe : "", jerr ? jerr : "?");
        free(safe);
        dwh_http_response_free(resp);
        free(url);
        return st;
    }
    json_object *root = json_object_get(body);
    int found = !l->ep->data_selector || dwh_json_path_exists(root, l->ep->data_selector);
    json_object *sel = l->ep->data_selector ? dwh_json_path(root, l->ep->data_selector) : root;
    json_object *rows = NULL;
    if (!found) {
        /* Absent (as opposed to null) means the response is not what the
         * endpoint declares: say so rather than report zero rows. */
        char *safe = dwh_url_redact(url);
        st = dwh_ctx_fail(ctx, DW_ERR_BAD_DATA, "endpoint %s: the response from %s has no '%s' (data selector)",
                          name, safe ? safe : "", l->ep->data_selector);
        free(safe);
        json_object_put(root);
        dwh_http_response_free(resp);
        free(url);
        return st;
    }
    if (!sel) {
        rows = json_object_new_array(); /* null: no rows */
    } else if (json_object_is_type(sel, json_type_array)) {
        rows = json_object_get(sel);
    } else if (json_object_is_type(sel, json_type_object)) {
        rows = json_object_new_array(); /* a single object is one row */
        json_object_array_add(rows, json_object_get(sel));
    } else {
        char *safe = dwh_url_redact(url);
        st = dwh_ctx_fail(ctx, DW_ERR_BAD_DATA, "endpoint %s: '%s' in the response from %s is not a list of rows",
                          name, l->ep->data_selector ? l->ep->data_selector : "the body", safe ? safe : "");
        free(safe);
        json_object_put(root);
        dwh_http_response_free(resp);
        free(url);
        return st;
    }
    for (size_t i = 0; i < json_object_array_length(rows); i++) {
        if (!json_object_is_type(json_object_array_get_idx(rows, i), json_type_object)) {
            char *safe = dwh_url_redact(url);
            st = dwh_ctx_fail(ctx, DW_ERR_BAD_DATA, "endpoint %s: row %zu from %s is not a JSON object", name, i,
                              safe ? safe : "");
            free(safe);
            json_object_put(root);
            json_object_put(rows);
            dwh_http_response_free(resp);
            free(url);
            return st;
        }
    }
    if (l->pag.kind == DW_PAGINATE_AUTO && !l->pos.auto_known && rest_auto_decide(l, resp, root) != 0) {
        json_object_put(root);
        json_object_put(rows);
        dwh_http_response_free(resp);
        free(url);
        return dwh_ctx_fail(ctx, DW_ERR_NOMEM, "endpoint %s: out of memory choosing the paginator", name);
    }
    advance(l, dwh_http_response_url(resp) ? dwh_http_response_url(resp) : url, resp, root, rows);
    dwh_http_response_free(resp);
    free(url);
    *root_out = root;
    *rows_out = rows;
    return DW_OK;
}
