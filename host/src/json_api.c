/* json_api.c -- the SDK's JSON helpers over json-c (see json_api.h). */
#include "json_api.h"

#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "json_path.h"
#include "log.h"

/* dw_json is opaque to plugins; inside the host it is a json_object. */
static json_object *J(const dw_json *v) { return (json_object *)(uintptr_t)v; }

dw_json *dwh_json_parse(dw_ctx *ctx, const char *text, size_t len) {
    json_object *v = NULL;
    char err[256];
    if (dwh_json_parse_strict_ctx(ctx, text, len, &v, err, sizeof err) != 0) {
        dwh_log(ctx, DW_LOG_DEBUG, "plugin.json_parse", "json_parse: %s", err);
        return NULL;
    }
    return (dw_json *)v;
}

dw_json *dwh_json_get(const dw_json *v, const char *dotted_path) {
    if (!v || !dotted_path) return NULL;
    return (dw_json *)dwh_json_path(J(v), dotted_path);
}

size_t dwh_json_array_len(const dw_json *v) {
    return json_object_is_type(J(v), json_type_array) ? json_object_array_length(J(v)) : 0;
}

dw_json *dwh_json_index(const dw_json *v, size_t i) {
    if (!json_object_is_type(J(v), json_type_array) || i >= json_object_array_length(J(v))) return NULL;
    return (dw_json *)json_object_array_get_idx(J(v), i);
}

const char *dwh_json_string(const dw_json *v) {
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

char *dwh_json_text(const dw_json *v) {
    if (!v) return NULL;
    const char *t = json_object_to_json_string_ext(J(v), JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    return t ? strdup(t) : NULL;
}

void dwh_json_free(dw_json *root) {
    if (root) json_object_put(J(root));
}

dw_status dwh_json_emit_value(dw_ctx *ctx, const dw_json *v) {
    if (!ctx) return DW_ERR;
    return dwh_emit_value(ctx, J(v), "emit_value");
}
