/*
 * emit.h -- the one path by which rows and resume state leave a plugin:
 * checks what the plugin hands over and delivers it to the operation's
 * sink (ctx->sink).  emit_json, emit_value, the row builder and the
 * state_* members of the function table all end here.
 */
#ifndef DWHI_EMIT_H
#define DWHI_EMIT_H

#include <json-c/json.h>
#include <stddef.h>

#include "ctx.h"

/* Delivers one row (a JSON object, borrowed) to the sink.  Refuses, with
 * a sticky host error, when the operation was cancelled, has no sink, or
 * an earlier emit failed. */
dw_status dwhi_emit_object(dw_ctx *ctx, json_object *row);

/* Delivers a value that must be an object (one row) or an array of
 * objects (rows).  `what` names the caller in error messages
 * ("emit_json").  Borrowed. */
dw_status dwhi_emit_value(dw_ctx *ctx, json_object *value, const char *what);

/* Parses `len` bytes of UTF-8 JSON text (strictly: no trailing garbage,
 * no NUL bytes, depth <= DWHI_JSON_MAX_DEPTH) and delivers it as above:
 * through the streaming parse (json_rows.h), straight into cells, every
 * row checked before the first is delivered. */
dw_status dwhi_emit_json_text(dw_ctx *ctx, const char *json, size_t len);

/* 1.7 emit_page: the rows at JSON Pointer `pointer` (NULL or "": the
 * whole text) of a page, through the streaming parse (a pointer through
 * an array: the whole-text parse).  See sdk/dwsdk.h. */
dw_status dwhi_emit_page(dw_ctx *ctx, const char *json, size_t len, const char *pointer);

/* The operation's page store: where the streaming parse writes a page's
 * rows (keys named in the sink's dictionary when it has one).  Owned by
 * ctx; cleared by whoever fills it.  NULL on OOM. */
struct dwhi_batcher *dwhi_emit_page_store(dw_ctx *ctx);
/* Non-zero when the sink wants each row's text (spec.row_text). */
int dwhi_emit_wants_text(const dw_ctx *ctx);
/* Delivers one row of cells (borrowed) to the sink, as dwhi_emit_object
 * does for a json-c object. */
dw_status dwhi_emit_cells(dw_ctx *ctx, const struct dwhi_rowref *row);

/* dwhi_json_parse_strict (json_strict.h) with ctx's tokener (created on
 * first use and kept for the operation, freed by dwhi_ctx_cleanup), so a
 * run of many pages does not build one per page.  With a NULL ctx it
 * parses as dwhi_json_parse_strict does. */
int dwhi_json_parse_strict_ctx(dw_ctx *ctx, const char *text, size_t len, json_object **out, char *errbuf,
                              size_t errlen);

/* 1.1 state members; see dwsdk.h. */
int dwhi_state_can_resume(dw_ctx *ctx);
const char *dwhi_state_load(dw_ctx *ctx);
dw_status dwhi_state_save(dw_ctx *ctx, const char *json);

#endif
