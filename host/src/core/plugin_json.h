/*
 * plugin_json.h -- the SDK's 1.2 JSON helpers.  A dw_json handle is a json-c
 * object: json_parse() returns a root the plugin frees with json_free();
 * json_get()/json_index() return children borrowed from that root.  JSON
 * null is reported as absent (NULL), like a missing member.
 */
#ifndef DWHI_JSON_API_H
#define DWHI_JSON_API_H

#include <stddef.h>

#include "ctx.h"

struct dwhi_rowref;

/* A row of cells (the streaming parse) lent to a row hook as a dw_json
 * (ABI 1.6: "only a view of the page"): the hook reads it with json_get,
 * json_string and json_text as it would a parsed tree, and nothing builds
 * a tree of the row.  json_get materialises only the member it asks for
 * (a nested one is read from its text), owned by the view.  One view is
 * open per thread at a time; it is valid between begin and end. */
typedef struct dwhi_json_view {
    const struct dwhi_rowref *row;
    json_object *members; /* what json_get materialised, by member name; owned */
    struct dwhi_json_view *outer;
} dwhi_json_view;

/* Opens a view of `row` (borrowed until dwhi_json_view_end) and returns its
 * handle. */
const dw_json *dwhi_json_view_begin(dwhi_json_view *v, const struct dwhi_rowref *row);
/* Closes it: what it materialised is freed (a hook must not keep it). */
void dwhi_json_view_end(dwhi_json_view *v);

/* Parses `len` bytes strictly (UTF-8 validated, depth-limited).  NULL on a
 * parse error (logged at debug level with the reason), for NULL/empty
 * text and for the literal null.  Free with dwhi_json_free(). */
dw_json *dwhi_json_parse(dw_ctx *ctx, const char *text, size_t len);
dw_json *dwhi_json_get(const dw_json *v, const char *dotted_path);
size_t dwhi_json_array_len(const dw_json *v);
dw_json *dwhi_json_index(const dw_json *v, size_t i);
/* Scalar text owned by the handle; NULL for null, objects, arrays. */
const char *dwhi_json_string(const dw_json *v);
/* Compact serialisation, malloc'd (free with api->free / free()). */
char *dwhi_json_text(const dw_json *v);
void dwhi_json_free(dw_json *root);
dw_status dwhi_json_emit_value(dw_ctx *ctx, const dw_json *v);

#endif
