/* emit.c -- checks and delivers rows and state to the sink (see emit.h). */
#include "emit.h"

#include <json-c/json_pointer.h>
#include <limits.h>
#include <stdlib.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rows/batcher.h"
#include "rows/json_rows.h"
#include "rows/rowref.h"
#include "log.h"
#include "state_secrets.h"

static const char *type_name(json_object *v) {
    switch (json_object_get_type(v)) {
    case json_type_null: return "null";
    case json_type_boolean: return "a boolean";
    case json_type_double:
    case json_type_int: return "a number";
    case json_type_string: return "a string";
    case json_type_array: return "an array";
    case json_type_object: return "an object";
    }
    return "an unknown value";
}

int dwhi_json_parse_strict_ctx(dw_ctx *ctx, const char *text, size_t len, json_object **out, char *errbuf,
                              size_t errlen) {
    return dwhi_json_parse_strict_tok(ctx ? &ctx->tok : NULL, text, len, out, errbuf, errlen);
}

/* Refuses the emit when the operation cannot take rows; returns DW_OK
 * when it can. */
static dw_status can_emit(dw_ctx *ctx, const char *what) {
    if (ctx->error_host) return ctx->error_code;
    if (dwhi_ctx_cancelled(ctx)) return dwhi_ctx_fail_host(ctx, DW_ERR_CANCELLED, "cancelled by the host");
    if (!ctx->sink || !ctx->sink->row)
        return dwhi_ctx_fail_host(ctx, DW_ERR_UNSUPPORTED,
                                 "%s called outside run(): rows can only be emitted while running a schema", what);
    return DW_OK;
}

dw_status dwhi_emit_object(dw_ctx *ctx, json_object *row) {
    if (!ctx) return DW_ERR;
    dw_status st = can_emit(ctx, "emit");
    if (st != DW_OK) return st;
    st = ctx->sink->row(ctx->sink->ud, ctx, row);
    if (st != DW_OK) {
        /* A sink that failed without saying why still stops the run. */
        if (!ctx->error_host)
            dwhi_ctx_fail_host(ctx, st, "the host could not store row %llu (%s)",
                              (unsigned long long)ctx->rows_emitted + 1, dwhi_status_name(st));
        return ctx->error_code ? ctx->error_code : st;
    }
    ctx->rows_emitted++;
    return DW_OK;
}

dw_status dwhi_emit_value(dw_ctx *ctx, json_object *value, const char *what) {
    if (!ctx) return DW_ERR;
    dw_status st = can_emit(ctx, what);
    if (st != DW_OK) return st;
    if (json_object_is_type(value, json_type_object)) return dwhi_emit_object(ctx, value);
    if (!json_object_is_type(value, json_type_array))
        return dwhi_ctx_fail_host(ctx, DW_ERR_BAD_DATA, "%s: expected a JSON object or an array of objects, got %s",
                                 what, type_name(value));
    size_t n = json_object_array_length(value);
    /* Check every element first: an array is all-or-nothing. */
    for (size_t i = 0; i < n; i++) {
        json_object *el = json_object_array_get_idx(value, i);
        if (!json_object_is_type(el, json_type_object))
            return dwhi_ctx_fail_host(ctx, DW_ERR_BAD_DATA, "%s: element %zu of the array is %s, not an object",
                                     what, i, type_name(el));
    }
    for (size_t i = 0; i < n; i++) {
        st = dwhi_emit_object(ctx, json_object_array_get_idx(value, i));
        if (st != DW_OK) return st;
    }
    return DW_OK;
}

/* ---- rows of cells (the streaming parse) -------------------------------- */

struct dwhi_emit_pages {
    dwhi_keydict *own_keys; /* when the sink brings none */
    dwhi_batcher *store;    /* the page being delivered */
    dwhi_json_rows *body;   /* emit_json: the text is the rows */
    dwhi_json_rows *page;   /* emit_page: the rows at page_pointer */
    char *page_pointer;
};

static void pages_free(struct dwhi_emit_pages *pg) {
    if (!pg) return;
    dwhi_json_rows_free(pg->body);
    dwhi_json_rows_free(pg->page);
    free(pg->page_pointer);
    dwhi_batcher_free(pg->store);
    dwhi_keydict_free(pg->own_keys);
    free(pg);
}

static struct dwhi_emit_pages *pages(dw_ctx *ctx) {
    if (ctx->pages) return ctx->pages;
    struct dwhi_emit_pages *pg = calloc(1, sizeof *pg);
    if (!pg) return NULL;
    dwhi_keydict *keys = ctx->sink ? ctx->sink->keys : NULL;
    if (!keys) keys = pg->own_keys = dwhi_keydict_new();
    pg->store = keys ? dwhi_batcher_new(SIZE_MAX / 4, SIZE_MAX / 4, keys) : NULL;
    if (!pg->store) {
        pages_free(pg);
        return NULL;
    }
    ctx->pages = pg;
    ctx->pages_free = pages_free;
    return pg;
}

dwhi_batcher *dwhi_emit_page_store(dw_ctx *ctx) {
    struct dwhi_emit_pages *pg = pages(ctx);
    return pg ? pg->store : NULL;
}

int dwhi_emit_wants_text(const dw_ctx *ctx) { return ctx->sink && ctx->sink->want_text; }

dw_status dwhi_emit_cells(dw_ctx *ctx, const dwhi_rowref *row) {
    if (!ctx) return DW_ERR;
    dw_status st = can_emit(ctx, "emit");
    if (st != DW_OK) return st;
    if (ctx->sink->row_cells) {
        st = ctx->sink->row_cells(ctx->sink->ud, ctx, row);
    } else {
        /* a sink that takes json-c objects: build one for the call, from
         * the row's own text when it has one (numbers as written) */
        char *text = row->cells && row->cells->json && !row->extra ? NULL : dwhi_rowref_json(row);
        const char *t = text ? text : row->cells->json;
        size_t tl = text ? strlen(text) : row->cells->json_len;
        json_object *obj = NULL;
        char err[200];
        int bad = !t || dwhi_json_parse_strict_ctx(ctx, t, tl, &obj, err, sizeof err) != 0;
        free(text);
        if (bad) return dwhi_ctx_fail_host(ctx, DW_ERR_NOMEM, "out of memory building a row");
        st = ctx->sink->row(ctx->sink->ud, ctx, obj);
        json_object_put(obj);
    }
    if (st != DW_OK) {
        if (!ctx->error_host)
            dwhi_ctx_fail_host(ctx, st, "the host could not store row %llu (%s)",
                              (unsigned long long)ctx->rows_emitted + 1, dwhi_status_name(st));
        return ctx->error_code ? ctx->error_code : st;
    }
    ctx->rows_emitted++;
    return DW_OK;
}

/* Parses `len` bytes with `parser` (into the operation's page store) and
 * delivers the rows; `what` names the caller in messages ("emit_json"),
 * `where` what the rows path was ("/data"; NULL: the text itself);
 * null_ok: null there is no rows rather than an error. */
static dw_status emit_parsed(dw_ctx *ctx, struct dwhi_emit_pages *pg, dwhi_json_rows *parser, const char *json,
                             size_t len, const char *what, const char *where, int null_ok) {
    dwhi_batcher_clear(pg->store);
    dwhi_json_rows_reset(parser);
    if (len > 0) dwhi_json_rows_feed(parser, json, len);
    dwhi_json_rows_finish(parser);
    const char *msg = "";
    size_t at = 0;
    dw_status st = DW_OK;
    switch (dwhi_json_rows_error(parser, &msg, &at)) {
    case DWHI_JSON_ROWS_OK: break;
    case DWHI_JSON_ROWS_ERR_NOT_ROWS:
        st = dwhi_ctx_fail_host(ctx, DW_ERR_BAD_DATA, "%s: expected a JSON object or an array of objects%s%s, got %s",
                               what, where ? " at " : "", where ? where : "", dwhi_json_rows_error_type(parser));
        break;
    case DWHI_JSON_ROWS_ERR_NOT_OBJECT:
        st = dwhi_ctx_fail_host(ctx, DW_ERR_BAD_DATA, "%s: element %zu of the array%s%s is %s, not an object", what, at,
                               where ? " at " : "", where ? where : "", dwhi_json_rows_error_type(parser));
        break;
    case DWHI_JSON_ROWS_ERR_NOMEM: st = dwhi_ctx_fail_host(ctx, DW_ERR_NOMEM, "%s: %s", what, msg); break;
    default: st = dwhi_ctx_fail_host(ctx, DW_ERR_BAD_DATA, "%s: %s", what, msg); break;
    }
    if (st == DW_OK && where && dwhi_json_rows_kind(parser) == DWHI_ROWS_ABSENT)
        st = dwhi_ctx_fail_host(ctx, DW_ERR_BAD_DATA, "%s: the page has nothing at %s", what, where);
    if (st == DW_OK && !null_ok && dwhi_json_rows_kind(parser) == DWHI_ROWS_NULL)
        st = dwhi_ctx_fail_host(ctx, DW_ERR_BAD_DATA, "%s: expected a JSON object or an array of objects, got null",
                               what);
    size_t n = st == DW_OK ? dwhi_batcher_rows(pg->store) : 0;
    for (size_t i = 0; i < n && st == DW_OK; i++) {
        dwhi_rowv v = dwhi_batcher_row(pg->store, i);
        dwhi_rowref r = {.cells = &v};
        st = dwhi_emit_cells(ctx, &r);
    }
    dwhi_batcher_clear(pg->store);
    return st;
}

/* The spec of a page parse for ctx's sink: a sink that takes json-c
 * objects gets them from each row's text (numbers as written). */
static dwhi_json_rows_spec spec_for(const dw_ctx *ctx) {
    return (dwhi_json_rows_spec){.row_text = dwhi_emit_wants_text(ctx) || !ctx->sink->row_cells};
}

dw_status dwhi_emit_json_text(dw_ctx *ctx, const char *json, size_t len) {
    if (!ctx) return DW_ERR;
    dw_status st = can_emit(ctx, "emit_json");
    if (st != DW_OK) return st;
    if (!json) return dwhi_ctx_fail_host(ctx, DW_ERR_BAD_DATA, "emit_json: the JSON text is NULL");
    struct dwhi_emit_pages *pg = pages(ctx);
    if (pg && !pg->body) {
        dwhi_json_rows_spec spec = spec_for(ctx);
        pg->body = dwhi_json_rows_new(&spec, pg->store);
    }
    if (!pg || !pg->body) return dwhi_ctx_fail_host(ctx, DW_ERR_NOMEM, "out of memory parsing rows");
    return emit_parsed(ctx, pg, pg->body, json, len, "emit_json", NULL, 0);
}

dw_status dwhi_emit_page(dw_ctx *ctx, const char *json, size_t len, const char *pointer) {
    if (!ctx) return DW_ERR;
    dw_status st = can_emit(ctx, "emit_page");
    if (st != DW_OK) return st;
    if (!json) return dwhi_ctx_fail_host(ctx, DW_ERR_BAD_DATA, "emit_page: the page is NULL");
    if (!pointer) pointer = "";
    if (*pointer && *pointer != '/')
        return dwhi_ctx_fail_host(ctx, DW_ERR, "emit_page: '%s' is not a JSON Pointer: write \"\" for the whole page "
                                 "or start with '/' (\"/data\")", pointer);
    struct dwhi_emit_pages *pg = pages(ctx);
    if (!pg) return dwhi_ctx_fail_host(ctx, DW_ERR_NOMEM, "out of memory parsing rows");
    dwhi_json_rows_spec spec = spec_for(ctx);
    spec.rows_path = pointer;
    spec.rows_pointer = 1;
    if (!dwhi_json_rows_supported(&spec)) {
        /* a pointer through an array ("/pages/0/rows"): the whole-text parse */
        json_object *root = NULL, *at = NULL;
        char err[256];
        if (dwhi_json_parse_strict_ctx(ctx, json, len, &root, err, sizeof err) != 0)
            return dwhi_ctx_fail_host(ctx, DW_ERR_BAD_DATA, "emit_page: %s", err);
        if (json_pointer_get(root, pointer, &at) != 0)
            st = dwhi_ctx_fail_host(ctx, DW_ERR_BAD_DATA, "emit_page: the page has nothing at %s", pointer);
        else if (at)
            st = dwhi_emit_value(ctx, at, "emit_page");
        json_object_put(root);
        return st;
    }
    if (!pg->page || strcmp(pg->page_pointer, pointer) != 0) {
        dwhi_json_rows_free(pg->page);
        free(pg->page_pointer);
        pg->page_pointer = strdup(pointer);
        spec.rows_path = pg->page_pointer;
        pg->page = pg->page_pointer ? dwhi_json_rows_new(&spec, pg->store) : NULL;
        if (!pg->page) return dwhi_ctx_fail_host(ctx, DW_ERR_NOMEM, "out of memory parsing rows");
    }
    return emit_parsed(ctx, pg, pg->page, json, len, "emit_page", *pointer ? pointer : NULL, 1);
}

/* The saved state when this run may resume from it, else NULL: the sink's
 * text with its secret references resolved (state_secrets.h).  A state
 * whose references cannot be resolved yet (a runtime secret the plugin
 * has not registered so far) is not resumable; it is tried again on the
 * next call, and a WARN says why once. */
static const char *resumable_state(dw_ctx *ctx) {
    if (!ctx || !ctx->inputs || ctx->inputs->reset_pipeline) return NULL;
    if (!ctx->sink || !ctx->sink->state_load) return NULL;
    if (ctx->state_restored) return ctx->state_restored;
    const char *stored = ctx->sink->state_load(ctx->sink->ud, ctx);
    if (!stored) return NULL;
    char *why = NULL;
    ctx->state_restored = dwhi_state_secrets_restore(ctx, stored, &why);
    if (!ctx->state_restored && !ctx->state_warned) {
        ctx->state_warned = 1;
        dwhi_log(ctx, DW_LOG_WARN, "state.secret_unresolved",
                "the saved resume state is not used (%s); the run starts over", why ? why : "out of memory");
    }
    free(why);
    return ctx->state_restored;
}

int dwhi_state_can_resume(dw_ctx *ctx) { return resumable_state(ctx) != NULL; }

const char *dwhi_state_load(dw_ctx *ctx) { return resumable_state(ctx); }

dw_status dwhi_state_save(dw_ctx *ctx, const char *json) {
    if (!ctx) return DW_ERR;
    if (!ctx->inputs)
        return dwhi_ctx_fail_host(ctx, DW_ERR_STATE, "state_save called outside run(): state belongs to a run");
    /* Never move the resume point past rows the host refused. */
    if (ctx->error_host) return ctx->error_code;
    if (!json) return dwhi_ctx_fail_host(ctx, DW_ERR_STATE, "state_save: the state is NULL");
    size_t len = strnlen(json, DWHI_STATE_MAX_BYTES + 1);
    if (len > DWHI_STATE_MAX_BYTES)
        return dwhi_ctx_fail_host(ctx, DW_ERR_STATE,
                                 "state_save: the state is larger than %u bytes; save a cursor or offset, not data",
                                 DWHI_STATE_MAX_BYTES);
    json_object *v = NULL;
    char err[256];
    if (dwhi_json_parse_strict_ctx(ctx, json, len, &v, err, sizeof err) != 0)
        return dwhi_ctx_fail_host(ctx, DW_ERR_STATE, "state_save: %s", err);
    int is_obj = json_object_is_type(v, json_type_object);
    const char *tn = type_name(v);
    if (v) json_object_put(v);
    if (!is_obj)
        return dwhi_ctx_fail_host(ctx, DW_ERR_STATE, "state_save: the state must be a JSON object, got %s", tn);
    /* A save after cancellation is still true (every row before it was
     * accepted), so it is kept: the next run resumes from here. */
    if (ctx->sink && ctx->sink->state_save) {
        /* No secret is stored in clear: references replace them. */
        size_t masked = 0;
        char *stored = dwhi_state_secrets_hide(ctx, json, &masked);
        if (!stored) return dwhi_ctx_fail_host(ctx, DW_ERR_NOMEM, "state_save: out of memory");
        if (masked && !ctx->state_warned) {
            ctx->state_warned = 1;
            dwhi_log(ctx, DW_LOG_WARN, "state.secret_masked",
                    "the resume state holds a secret that is neither a config value nor registered with "
                    "secret_add; it is saved masked, so an interrupted run starts over instead of resuming");
        }
        dw_status st = ctx->sink->state_save(ctx->sink->ud, ctx, stored);
        free(stored);
        if (st != DW_OK) {
            if (!ctx->error_host) dwhi_ctx_fail_host(ctx, st, "the host could not save the resume state (%s)",
                                                    dwhi_status_name(st));
            return ctx->error_code ? ctx->error_code : st;
        }
    }
    ctx->state_saves++;
    return DW_OK;
}
