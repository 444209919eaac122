/*
 * plugin_json.h -- the SDK's 1.2 JSON helpers.  A dw_json handle is a json-c
 * object: json_parse() returns a root the plugin frees with json_free();
 * json_get()/json_index() return children borrowed from that root.  JSON
 * null is reported as absent (NULL), like a missing member.
 */
#ifndef DWH_JSON_API_H
#define DWH_JSON_API_H

#include <stddef.h>

#include "ctx.h"

struct dwh_rowref;

/* A row of cells (the streaming parse) lent to a row hook as a dw_json
 * (ABI 1.6: "only a view of the page"): the hook reads it with json_get,
 * json_string and json_text as it would a parsed tree, and nothing builds
 * a tree of the row.  json_get materialises only the member it asks for
 * (a nested one is read from its text), owned by the view.  One view is
 * open per thread at a time; it is valid between begin and end. */
typedef struct dwh_json_view {
    const struct dwh_rowref *row;
    json_object *members; /* what json_get materialised, by member name; owned */
    struct dwh_json_view *outer;
} dwh_json_view;

/* Opens a view of `row` (borrowed until dwh_json_view_end) and returns its
 * handle. */
const dw_json *dwh_json_view_begin(dwh_json_view *v, const struct dwh_rowref *row);
/* Closes it: what it materialised is freed (a hook must not keep it). */
void dwh_json_view_end(dwh_json_view *v);

/* Parses `len` bytes strictly (UTF-8 validated, depth-limited).  NULL on a
 * parse error (logged at debug level with the reason), for NULL/empty
 * text and for the literal null.  Free with dwh_json_free(). */
dw_json *dwh_json_parse(dw_ctx *ctx, const char *text, size_t len);
dw_json *dwh_json_get(const dw_json *v, const char *dotted_path);
size_t dwh_json_array_len(const dw_json *v);
dw_json *dwh_json_index(const dw_json *v, size_t i);
/* Scalar text owned by the handle; NULL for null, objects, arrays. */
const char *dwh_json_string(const dw_json *v);
/* Compact serialisation, malloc'd (free with api->free / free()). */
char *dwh_json_text(const dw_json *v);
void dwh_json_free(dw_json *root);
dw_status dwh_json_emit_value(dw_ctx *ctx, const dw_json *v);

#endif
