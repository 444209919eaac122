/* plugin_json.c -- the SDK's JSON helpers over json-c (see plugin_json.h). */
#include "plugin_json.h"

#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "base/json_path.h"
#include "log.h"
#include "rows/rowref.h"

/* dw_json is opaque to plugins; inside the host it is a json_object, or
 * the open row view of this thread (dwhi_json_view). */
static json_object *J(const dw_json *v) { return (json_object *)(uintptr_t)v; }

static _Thread_local dwhi_json_view *open_view;

static dwhi_json_view *view_of(const dw_json *v) {
    return v && open_view && v == (const dw_json *)open_view ? open_view : NULL;
}

const dw_json *dwhi_json_view_begin(dwhi_json_view *v, const dwhi_rowref *row) {
    v->row = row;
    v->members = NULL;
    v->outer = open_view;
    open_view = v;
    return (const dw_json *)v;
}

void dwhi_json_view_end(dwhi_json_view *v) {
    json_object_put(v->members);
    v->members = NULL;
    open_view = v->outer;
}

/* json_get on a view: the first member is materialised (and kept by the
 * view), the rest of the path is looked up in it. */
static dw_json *view_get(dwhi_json_view *v, const char *path) {
    size_t klen = strcspn(path, ".[");
    char key[256];
    if (klen == 0 || klen >= sizeof key) return NULL;
    memcpy(key, path, klen);
    key[klen] = 0;
    json_object *m = NULL;
    if (!v->members || !json_object_object_get_ex(v->members, key, &m)) {
        m = dwhi_rowref_path(v->row, key, NULL);
        if (!m) return NULL; /* absent: nothing to keep (most rows lack what a hook looks for) */
        if (!v->members && !(v->members = json_object_new_object())) {
            json_object_put(m);
            return NULL;
        }
        if (json_object_object_add(v->members, key, m) != 0) {
            json_object_put(m);
            return NULL;
        }
    }
    if (!path[klen]) return (dw_json *)m;
    return (dw_json *)dwhi_json_path(m, path[klen] == '.' ? path + klen + 1 : path + klen);
}

dw_json *dwhi_json_parse(dw_ctx *ctx, const char *text, size_t len) {
    json_object *v = NULL;
    char err[256];
    if (dwhi_json_parse_strict_ctx(ctx, text, len, &v, err, sizeof err) != 0) {
        dwhi_log(ctx, DW_LOG_DEBUG, "plugin.json_parse", "json_parse: %s", err);
        return NULL;
    }
    return (dw_json *)v;
}

dw_json *dwhi_json_get(const dw_json *v, const char *dotted_path) {
    if (!v || !dotted_path) return NULL;
    dwhi_json_view *view = view_of(v);
    if (view) return view_get(view, dotted_path);
    return (dw_json *)dwhi_json_path(J(v), dotted_path);
}

size_t dwhi_json_array_len(const dw_json *v) {
    if (view_of(v)) return 0; /* a row is an object */
    return json_object_is_type(J(v), json_type_array) ? json_object_array_length(J(v)) : 0;
}

dw_json *dwhi_json_index(const dw_json *v, size_t i) {
    if (view_of(v)) return NULL;
    if (!json_object_is_type(J(v), json_type_array) || i >= json_object_array_length(J(v))) return NULL;
    return (dw_json *)json_object_array_get_idx(J(v), i);
}

const char *dwhi_json_string(const dw_json *v) {
    if (view_of(v)) return NULL; /* an object */
    switch (json_object_get_type(J(v))) {
    case json_type_string:
    case json_type_int:
    case json_type_double:
    case json_type_boolean:
        return json_object_get_string(J(v));
    default:
        return NULL;
    }
}

char *dwhi_json_text(const dw_json *v) {
    if (!v) return NULL;
    dwhi_json_view *view = view_of(v);
    if (view) return dwhi_rowref_json(view->row);
    const char *t = json_object_to_json_string_ext(J(v), JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    return t ? strdup(t) : NULL;
}

void dwhi_json_free(dw_json *root) {
    if (view_of(root)) return; /* lent, never the plugin's to free */
    if (root) json_object_put(J(root));
}

dw_status dwhi_json_emit_value(dw_ctx *ctx, const dw_json *v) {
    if (!ctx) return DW_ERR;
    dwhi_json_view *view = view_of(v);
    if (view) return dwhi_emit_cells(ctx, view->row);
    return dwhi_emit_value(ctx, J(v), "emit_value");
}
