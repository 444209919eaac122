/*
 * ctx_config.h -- the SDK's config accessors (config_json, config_string,
 * config_int, config_double, config_bool, config_array_len) on the
 * operation's validated config, addressed by dotted paths with [i].
 */
#ifndef DWHI_CTX_CONFIG_H
#define DWHI_CTX_CONFIG_H

#include <stdint.h>

#include "ctx.h"

/* The whole config as compact JSON text, owned by ctx ("{}" without a
 * config); NULL only on OOM. */
const char *dwhi_config_json(dw_ctx *ctx);
/* A scalar as text (strings as is, numbers as written, booleans as
 * "true"/"false"), owned by ctx's config; NULL when absent, null, an
 * object or an array, or the path is malformed. */
const char *dwhi_config_string(dw_ctx *ctx, const char *path);
/* 1 and *out set when present with that type; 0 when absent or null; -1
 * when present with another type (out untouched).  config_int accepts an
 * integer or a double with an integral value that fits in int64;
 * config_double accepts any number. */
int dwhi_config_int(dw_ctx *ctx, const char *path, int64_t *out);
int dwhi_config_double(dw_ctx *ctx, const char *path, double *out);
int dwhi_config_bool(dw_ctx *ctx, const char *path, int *out);
/* Elements of the array at path; 0 when absent or not an array. */
size_t dwhi_config_array_len(dw_ctx *ctx, const char *path);

#endif
