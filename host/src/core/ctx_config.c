/* ctx_config.c -- config accessors for plugins (see ctx_config.h). */
#include "ctx_config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_path.h"

const char *dwhi_config_json(dw_ctx *ctx) {
    if (!ctx) return NULL;
    if (!ctx->config_text) {
        const char *t = ctx->config ? json_object_to_json_string_ext(ctx->config, JSON_C_TO_STRING_PLAIN |
                                                                                      JSON_C_TO_STRING_NOSLASHESCAPE)
                                    : "{}";
        ctx->config_text = strdup(t ? t : "{}");
    }
    return ctx->config_text;
}

static json_object *lookup(dw_ctx *ctx, const char *path) {
    if (!ctx || !ctx->config || !path) return NULL;
    return dwhi_json_path(ctx->config, path);
}

const char *dwhi_config_string(dw_ctx *ctx, const char *path) {
    json_object *v = lookup(ctx, path);
    switch (json_object_get_type(v)) {
    case json_type_string:
    case json_type_int:
    case json_type_double:
    case json_type_boolean:
        /* Owned by the object (numbers cache their text), which ctx owns. */
        return json_object_get_string(v);
    default:
        return NULL;
    }
}

int dwhi_config_int(dw_ctx *ctx, const char *path, int64_t *out) {
    json_object *v = lookup(ctx, path);
    if (!v) return 0;
    if (json_object_is_type(v, json_type_int)) {
        if (out) *out = json_object_get_int64(v);
        return 1;
    }
    if (json_object_is_type(v, json_type_double)) {
        double d = json_object_get_double(v);
        if (isfinite(d) && d == floor(d) && d >= -9.2233720368547758e18 && d < 9.2233720368547758e18) {
            if (out) *out = (int64_t)d;
            return 1;
        }
    }
    return -1;
}

int dwhi_config_double(dw_ctx *ctx, const char *path, double *out) {
    json_object *v = lookup(ctx, path);
    if (!v) return 0;
    if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)) {
        if (out) *out = json_object_get_double(v);
        return 1;
    }
    return -1;
}

int dwhi_config_bool(dw_ctx *ctx, const char *path, int *out) {
    json_object *v = lookup(ctx, path);
    if (!v) return 0;
    if (!json_object_is_type(v, json_type_boolean)) return -1;
    if (out) *out = json_object_get_boolean(v);
    return 1;
}

size_t dwhi_config_array_len(dw_ctx *ctx, const char *path) {
    json_object *v = lookup(ctx, path);
    return json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 0;
}
