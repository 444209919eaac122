/* rest_page.c -- fetching one page of a listing (see rest_page.h). */
#include "rest_page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "core/emit.h"
#include "transport/http_session.h"
#include "rows/json_rows.h"
#include "base/json_strict.h"
#include "url/http_url.h"
#include "base/json_path.h"
#include "core/url_build.h"
#include "core/log.h"
#include "rest.h"
#include "rest_actions.h"
#include "rest_auto.h"
#include "rows/rowref.h"

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
    return dwhi_url_build(l->ctx, l->client->base_url, l->path, q.v);
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
    dwhi_log_fields(l->ctx, DW_LOG_WARN, "rest.pagination_loop",
                   "the server returned the same next page again; stopping pagination", f);
}

/* Decides l->pos/l->done from the page just fetched (its rows in l->store). */
static void advance(rest_listing *l, const char *cur_url, dw_http_response *resp, const rest_page *pg) {
    dw_paginator eff;
    rest_auto_effective(l, &eff);
    const dw_paginator *g = &eff;
    size_t n = dwhi_batcher_rows(l->store);
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
            link = dwhi_link_next(dwhi_http_response_header(resp, "Link"));
            ref = link;
        } else {
            json_object *v = rest_page_value(pg, g->next_url_path);
            if (v && json_object_is_type(v, json_type_string)) ref = json_object_get_string(v);
        }
        if (ref && *ref) {
            next.url = dwhi_url_resolve(cur_url, ref);
            if (next.url && !strcmp(next.url, cur_url)) {
                log_loop(l, "url");
                free(next.url);
                next.url = NULL;
            }
            /* The origin rule: a next page elsewhere is not followed (and
             * never saved as the resume position). */
            if (next.url && !dwhi_url_origin_in(next.url, l->origin, l->client->trusted_origins)) {
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
        if (g->has_more_path && is_false(rest_page_value(pg, g->has_more_path))) break;
        if (g->has_more_path && !rest_page_value(pg, g->has_more_path)) break;
        json_object *c = NULL, *owned = NULL;
        if (g->cursor_path) {
            c = rest_page_value(pg, g->cursor_path);
        } else if (g->cursor_row_field) {
            dwhi_rowv last = dwhi_batcher_row(l->store, n - 1);
            dwhi_rowref lr = {.cells = &last};
            c = owned = dwhi_rowref_path(&lr, g->cursor_row_field, NULL);
        }
        const char *cs = !c || json_object_is_type(c, json_type_null) || json_object_is_type(c, json_type_object) ||
                                 json_object_is_type(c, json_type_array)
                             ? NULL
                             : json_object_get_string(c);
        if (cs && *cs && l->pos.cursor && !strcmp(l->pos.cursor, cs)) {
            log_loop(l, "cursor");
            cs = NULL;
        }
        if (cs && *cs) {
            next.cursor = strdup(cs);
            more = next.cursor != NULL;
        }
        json_object_put(owned);
        break;
    }
    case DW_PAGINATE_OFFSET: {
        if (n == 0) break;
        if (l->ep->page_size > 0 && (int64_t)n < l->ep->page_size) break;
        if (g->has_more_path && is_false(rest_page_value(pg, g->has_more_path))) break;
        next.offset = l->pos.offset + (int64_t)n;
        int ok;
        int64_t total = g->total_path ? as_int(rest_page_value(pg, g->total_path), &ok) : 0;
        if (g->total_path && ok && next.offset >= total) break;
        more = 1;
        break;
    }
    case DW_PAGINATE_PAGE_NUMBER: {
        if (n == 0) break;
        if (l->ep->page_size > 0 && (int64_t)n < l->ep->page_size) break;
        if (g->has_more_path && is_false(rest_page_value(pg, g->has_more_path))) break;
        int64_t page = l->pos.page ? l->pos.page : (g->first_page ? g->first_page : 1);
        int ok;
        int64_t total = g->total_path ? as_int(rest_page_value(pg, g->total_path), &ok) : 0;
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

#define MAX_WANTED 24

/* Every body path a paginator of this listing may read (has_more, total,
 * next URL, cursor, the auto paginator's places), without repeats. */
static size_t wanted_paths(const rest_listing *l, const char **out) {
    dw_paginator eff;
    rest_auto_effective(l, &eff);
    const char *own[] = {eff.next_url_path, eff.cursor_path, eff.has_more_path, eff.total_path,
                         l->pag.has_more_path, l->pag.total_path};
    const char *all[MAX_WANTED];
    size_t n = 0, k = 0;
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (own[i] && *own[i]) all[n++] = own[i];
    if (l->pag.kind == DW_PAGINATE_AUTO && !l->pos.auto_known) rest_auto_paths(l, all, &n, MAX_WANTED);
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < k && strcmp(out[j], all[i])) j++;
        if (j == k) out[k++] = all[i];
    }
    out[k] = NULL;
    return k;
}

/* The streaming parse cannot serve a path into an array ("items[0].x"),
 * and a response action on a 2xx status needs the body whole. */
static int can_stream(const rest_listing *l, const dwhi_json_rows_spec *spec) {
    for (uint32_t i = 0; i < l->ep->n_response_actions; i++)
        if (l->ep->response_actions[i].status >= 200 && l->ep->response_actions[i].status < 300) return 0;
    return dwhi_json_rows_supported(spec);
}

typedef struct stream {
    dwhi_json_rows *parser;
    dwhi_batcher *store;
} stream;

static void stream_start(void *ud) {
    stream *s = ud;
    dwhi_batcher_clear(s->store);
    dwhi_json_rows_reset(s->parser);
}

static int stream_data(void *ud, const char *data, size_t len) {
    return dwhi_json_rows_feed(((stream *)ud)->parser, data, len);
}

/* Records a body the endpoint cannot read (`safe_url` redacted). */
static dw_status bad_body(rest_listing *l, dwhi_json_rows *p, const char *safe_url) {
    const char *name = l->ep->name ? l->ep->name : "?";
    const char *msg = "";
    size_t row = 0;
    switch (dwhi_json_rows_error(p, &msg, &row)) {
    case DWHI_JSON_ROWS_ERR_NOT_ROWS:
        return dwhi_ctx_fail(l->ctx, DW_ERR_BAD_DATA, "endpoint %s: '%s' in the response from %s is not a list of rows",
                            name, l->ep->data_selector ? l->ep->data_selector : "the body", safe_url);
    case DWHI_JSON_ROWS_ERR_NOT_OBJECT:
        return dwhi_ctx_fail(l->ctx, DW_ERR_BAD_DATA, "endpoint %s: row %zu from %s is not a JSON object", name, row,
                            safe_url);
    case DWHI_JSON_ROWS_ERR_NOMEM: return dwhi_ctx_fail(l->ctx, DW_ERR_NOMEM, "endpoint %s: %s", name, msg);
    default:
        return dwhi_ctx_fail(l->ctx, DW_ERR_BAD_DATA, "endpoint %s: the response from %s is not valid JSON (%s)", name,
                            safe_url, msg);
    }
}

/* The values of the wanted paths a streamed page captured. */
static int take_captures(dwhi_json_rows *p, const char *const *wanted, rest_page *pg) {
    if (!(pg->vals = json_object_new_object())) return -1;
    for (size_t i = 0; wanted[i]; i++) {
        size_t len = 0;
        const char *text = dwhi_json_rows_capture(p, i, &len);
        if (!text) continue;
        json_object *v = NULL;
        char err[128];
        int bad = dwhi_json_parse_strict(text, len, &v, err, sizeof err) != 0;
        if (bad || json_object_object_add(pg->vals, wanted[i], v) != 0) {
            json_object_put(v);
            return -1;
        }
    }
    return 0;
}

/* The rows of a body parsed whole (the DOM path) into l->store. */
static dw_status rows_from_root(rest_listing *l, json_object *root, const char *url) {
    dw_ctx *ctx = l->ctx;
    const char *name = l->ep->name ? l->ep->name : "?";
    int found = !l->ep->data_selector || dwhi_json_path_exists(root, l->ep->data_selector);
    json_object *sel = l->ep->data_selector ? dwhi_json_path(root, l->ep->data_selector) : root;
    char *safe = NULL;
    dw_status st = DW_OK;
    if (!found) {
        /* Absent (as opposed to null) means the response is not what the
         * endpoint declares: say so rather than report zero rows. */
        safe = dwhi_url_redact(url);
        st = dwhi_ctx_fail(ctx, DW_ERR_BAD_DATA, "endpoint %s: the response from %s has no '%s' (data selector)", name,
                          safe ? safe : "", l->ep->data_selector);
    } else if (sel && !json_object_is_type(sel, json_type_array) && !json_object_is_type(sel, json_type_object)) {
        safe = dwhi_url_redact(url);
        st = dwhi_ctx_fail(ctx, DW_ERR_BAD_DATA, "endpoint %s: '%s' in the response from %s is not a list of rows",
                          name, l->ep->data_selector ? l->ep->data_selector : "the body", safe ? safe : "");
    } else if (sel) {
        int one = json_object_is_type(sel, json_type_object);
        size_t n = one ? 1 : json_object_array_length(sel);
        for (size_t i = 0; i < n && st == DW_OK; i++) {
            json_object *row = one ? sel : json_object_array_get_idx(sel, i);
            if (!json_object_is_type(row, json_type_object)) {
                safe = dwhi_url_redact(url);
                st = dwhi_ctx_fail(ctx, DW_ERR_BAD_DATA, "endpoint %s: row %zu from %s is not a JSON object", name, i,
                                  safe ? safe : "");
                break;
            }
            size_t tl = 0;
            const char *text = l->row_text ? json_object_to_json_string_length(
                                                 row, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &tl)
                                           : NULL;
            if (dwhi_batcher_add_row(l->store, row, NULL) < 0 ||
                (text && dwhi_batcher_last_row_json(l->store, text, tl) < 0))
                st = dwhi_ctx_fail(ctx, DW_ERR_NOMEM, "endpoint %s: out of memory", name);
        }
    }
    free(safe);
    if (st != DW_OK) dwhi_batcher_clear(l->store);
    return st;
}

dw_status rest_fetch_page(rest_listing *l, rest_page *pg) {
    memset(pg, 0, sizeof *pg);
    dwhi_batcher_clear(l->store);
    dw_ctx *ctx = l->ctx;
    const char *name = l->ep->name ? l->ep->name : "?";
    char *url = page_url(l);
    if (!url)
        return dwhi_ctx_fail(ctx, DW_ERR_CONFIG, "endpoint %s: cannot build a URL from base '%s' and path '%s'", name,
                            l->client->base_url ? l->client->base_url : "", l->path ? l->path : "");
    const char *wanted[MAX_WANTED + 1];
    wanted_paths(l, wanted);
    dwhi_json_rows_spec spec = {.rows_path = l->ep->data_selector, .captures = wanted, .row_text = l->row_text};
    stream sm = {.store = l->store};
    if (can_stream(l, &spec) && !(sm.parser = dwhi_json_rows_new(&spec, l->store))) {
        free(url);
        return dwhi_ctx_fail(ctx, DW_ERR_NOMEM, "endpoint %s: out of memory", name);
    }
    dwhi_http_body_sink sink = {.ud = &sm, .start = stream_start, .data = stream_data};
    dw_http_request req = {.struct_size = sizeof req, .method = "GET", .url = url, .url_template = l->ep->path};
    dw_http_response *resp = NULL;
    dwhi_http_claims claims = {.fn = rest_action_claim, .ud = (void *)l->ep};
    dw_status st = dwhi_http_perform_streamed(ctx, &req, l->client, &claims, sm.parser ? &sink : NULL, &resp);
    if (st != DW_OK) {
        dwhi_json_rows_free(sm.parser);
        dwhi_batcher_clear(l->store);
        free(url);
        return st;
    }
    long status = dwhi_http_response_status(resp);
    size_t body_len = 0;
    const char *body_text = dwhi_http_response_body(resp, &body_len);
    const dw_response_action *act = rest_action_match(l->ep, status, body_text, body_len);
    if (act) {
        const char *from = dwhi_http_response_url(resp) ? dwhi_http_response_url(resp) : url;
        st = rest_action_apply(ctx, l->ep, act, status, from);
        dwhi_http_response_free(resp);
        dwhi_json_rows_free(sm.parser);
        dwhi_batcher_clear(l->store);
        free(url);
        if (st != DW_OK) return st;
        /* IGNORE: this listing ends here, without rows. */
        rest_pos_free(&l->pos);
        l->done = 1;
        return DW_OK;
    }
    if (status >= 400) {
        char what[200];
        snprintf(what, sizeof what, "endpoint %s", name);
        st = dwhi_http_fail_status(ctx, resp, what);
        dwhi_http_response_free(resp);
        dwhi_json_rows_free(sm.parser);
        dwhi_batcher_clear(l->store);
        free(url);
        return st;
    }
    if (sm.parser) {
        /* streamed (or empty): the rows are in the store already */
        if (!dwhi_http_response_streamed(resp)) stream_start(&sm); /* nothing came */
        int bad = dwhi_http_response_stream_failed(resp) || dwhi_json_rows_finish(sm.parser) != 0;
        if (!bad && l->ep->data_selector && dwhi_json_rows_kind(sm.parser) == DWHI_ROWS_ABSENT) {
            char *safe = dwhi_url_redact(url);
            st = dwhi_ctx_fail(ctx, DW_ERR_BAD_DATA, "endpoint %s: the response from %s has no '%s' (data selector)",
                              name, safe ? safe : "", l->ep->data_selector);
            free(safe);
        } else if (bad) {
            char *safe = dwhi_url_redact(url);
            st = bad_body(l, sm.parser, safe ? safe : "");
            free(safe);
        } else if (take_captures(sm.parser, wanted, pg) < 0) {
            st = dwhi_ctx_fail(ctx, DW_ERR_NOMEM, "endpoint %s: out of memory", name);
        }
    } else {
        const char *jerr = NULL;
        json_object *body = dwhi_http_response_json(resp, &jerr);
        if (!body) {
            char *safe = dwhi_url_redact(url);
            st = dwhi_ctx_fail(ctx, DW_ERR_BAD_DATA, "endpoint %s: the response from %s is not valid JSON (%s)", name,
                              safe ? safe : "", jerr ? jerr : "?");
            free(safe);
        } else {
            pg->root = json_object_get(body);
            st = rows_from_root(l, pg->root, url);
        }
    }
    dwhi_json_rows_free(sm.parser);
    if (st == DW_OK && l->pag.kind == DW_PAGINATE_AUTO && !l->pos.auto_known && rest_auto_decide(l, resp, pg) != 0)
        st = dwhi_ctx_fail(ctx, DW_ERR_NOMEM, "endpoint %s: out of memory choosing the paginator", name);
    if (st == DW_OK) advance(l, dwhi_http_response_url(resp) ? dwhi_http_response_url(resp) : url, resp, pg);
    if (st != DW_OK) {
        rest_page_free(pg);
        dwhi_batcher_clear(l->store);
    }
    dwhi_http_response_free(resp);
    free(url);
    return st;
}
