/*
 * schema_copy.h -- api->schema_add: copies a plugin's dw_schema (read
 * through its struct_size) into the JSON object format documented in
 * docs/schemas.md and appends it to ctx->schemas.
 */
#ifndef DWHI_SCHEMA_COPY_H
#define DWHI_SCHEMA_COPY_H

#include "ctx.h"

#define DWHI_SCHEMA_MAX_KEYS 64          /* primary / partition keys */
#define DWHI_SCHEMA_MAX_INCREMENTAL 256  /* incremental fields */

/* Checks and copies `schema` (borrowed).  An invalid schema (no name,
 * duplicate name, invalid UTF-8, unknown enum value, ...) is a sticky
 * host error naming the schema and the member. */
dw_status dwhi_schema_add(dw_ctx *ctx, const dw_schema *schema);

/* Names used in the JSON format for the SDK enums; NULL when unknown. */
const char *dwhi_value_type_name(uint32_t type);
const char *dwhi_partition_mode_name(uint32_t mode);
const char *dwhi_partition_format_name(uint32_t format);

#endif
