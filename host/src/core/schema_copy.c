/* schema_copy.c -- api->schema_add (see schema_copy.h, docs/schemas.md). */
#include "schema_copy.h"
#include "base/sized_copy.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "base/text.h"

const char *dwhi_value_type_name(uint32_t type) {
    switch (type) {
    case DW_TYPE_INTEGER: return "integer";
    case DW_TYPE_NUMERIC: return "numeric";
    case DW_TYPE_DATETIME: return "datetime";
    case DW_TYPE_DATE: return "date";
    case DW_TYPE_TIMESTAMP: return "timestamp";
    }
    return NULL;
}

const char *dwhi_partition_mode_name(uint32_t mode) {
    switch (mode) {
    case DW_PARTITION_NONE: return "none";
    case DW_PARTITION_MD5: return "md5";
    case DW_PARTITION_NUMERICAL: return "numerical";
    case DW_PARTITION_DATETIME: return "datetime";
    }
    return NULL;
}

const char *dwhi_partition_format_name(uint32_t format) {
    switch (format) {
    case DW_PARTITION_BY_MONTH: return "month";
    case DW_PARTITION_BY_WEEK: return "week";
    case DW_PARTITION_BY_DAY: return "day";
    case DW_PARTITION_BY_HOUR: return "hour";
    }
    return NULL;
}

/* A schema problem: sticky, names the schema. */
__attribute__((format(printf, 3, 4))) static dw_status bad(dw_ctx *ctx, const char *schema, const char *fmt,
                                                           ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return dwhi_ctx_fail_host(ctx, DW_ERR_BAD_DATA, "schema_add: schema '%s': %s", schema ? schema : "?", msg);
}

/* Checks an optional string member; returns 0 when usable. */
static int check_text(const char *s, size_t max) {
    if (!s) return 0;
    size_t n = strnlen(s, max + 1);
    return n <= max && dwhi_utf8_valid(s, n) ? 0 : -1;
}

static void add_text(json_object *o, const char *key, const char *value) {
    json_object_object_add(o, key, value ? json_object_new_string(value) : NULL);
}

/* Copies a NULL-terminated key list; returns the array or NULL with the
 * error recorded.  `list` NULL gives an empty array. */
static json_object *copy_keys(dw_ctx *ctx, const char *schema, const char *member, const char *const *list) {
    json_object *arr = json_object_new_array();
    if (!arr) {
        dwhi_ctx_fail_host(ctx, DW_ERR_NOMEM, "out of memory copying schema '%s'", schema);
        return NULL;
    }
    for (size_t i = 0; list && list[i]; i++) {
        if (i >= DWHI_SCHEMA_MAX_KEYS) {
            bad(ctx, schema, "%s has more than %d entries (is the list NULL-terminated?)", member,
                DWHI_SCHEMA_MAX_KEYS);
            json_object_put(arr);
            return NULL;
        }
        if (!list[i][0] || check_text(list[i], 256)) {
            bad(ctx, schema, "%s[%zu] is empty, longer than 256 bytes or not valid UTF-8", member, i);
            json_object_put(arr);
            return NULL;
        }
        json_object_array_add(arr, json_object_new_string(list[i]));
    }
    return arr;
}

dw_status dwhi_schema_add(dw_ctx *ctx, const dw_schema *schema) {
    if (!ctx) return DW_ERR;
    if (ctx->error_host) return ctx->error_code;
    if (!schema) return dwhi_ctx_fail_host(ctx, DW_ERR_BAD_DATA, "schema_add: the schema is NULL");
    /* Read only what the plugin's struct holds; the rest stays zero. */
    size_t min = offsetof(dw_schema, name) + sizeof schema->name;
    if (schema->struct_size < min)
        return dwhi_ctx_fail_host(ctx, DW_ERR_BAD_DATA,
                                 "schema_add: struct_size is %u, too small for a dw_schema (set it with "
                                 "sizeof(dw_schema))",
                                 schema->struct_size);
    dw_schema s;
    DWHI_COPY_SIZED(s, schema);

    if (!s.name || !s.name[0]) return bad(ctx, NULL, "the name is NULL or empty");
    if (check_text(s.name, 255)) return bad(ctx, NULL, "the name is longer than 255 bytes or not valid UTF-8");
    const char *name = s.name;
    for (size_t i = 0; i < json_object_array_length(ctx->schemas); i++) {
        json_object *other = json_object_object_get(json_object_array_get_idx(ctx->schemas, i), "name");
        if (other && !strcmp(json_object_get_string(other), name))
            return bad(ctx, name, "added twice; schema names must be unique");
    }
    if (check_text(s.label, 1024)) return bad(ctx, name, "the label is longer than 1024 bytes or not valid UTF-8");
    if (check_text(s.description, 64 * 1024))
        return bad(ctx, name, "the description is longer than 64 KiB or not valid UTF-8");
    if (s.sort_mode != DW_SORT_ASC && s.sort_mode != DW_SORT_DESC)
        return bad(ctx, name, "sort_mode %u is neither DW_SORT_ASC nor DW_SORT_DESC", s.sort_mode);
    if (!dwhi_partition_mode_name(s.partition_mode))
        return bad(ctx, name, "partition_mode %u is not a dw_partition_mode", s.partition_mode);
    if (s.n_incremental_fields > DWHI_SCHEMA_MAX_INCREMENTAL)
        return bad(ctx, name, "n_incremental_fields is %u; the limit is %d", s.n_incremental_fields,
                   DWHI_SCHEMA_MAX_INCREMENTAL);
    if (s.n_incremental_fields && !s.incremental_fields)
        return bad(ctx, name, "n_incremental_fields is %u but incremental_fields is NULL", s.n_incremental_fields);
    if (s.supports_incremental && !s.n_incremental_fields)
        return bad(ctx, name, "supports_incremental is set but no incremental_fields are listed");
    if (s.default_incremental_lookback_seconds < 0)
        return bad(ctx, name, "default_incremental_lookback_seconds is negative");

    json_object *o = json_object_new_object();
    json_object *inc = json_object_new_array();
    if (!o || !inc) {
        json_object_put(o);
        json_object_put(inc);
        return dwhi_ctx_fail_host(ctx, DW_ERR_NOMEM, "out of memory copying schema '%s'", name);
    }
    for (uint32_t i = 0; i < s.n_incremental_fields; i++) {
        const dw_incremental_field *f = &s.incremental_fields[i];
        const char *type = dwhi_value_type_name(f->type);
        dw_status st = DW_OK;
        if (!f->field || !f->field[0] || check_text(f->field, 256))
            st = bad(ctx, name, "incremental_fields[%u].field is empty, too long or not valid UTF-8", i);
        else if (check_text(f->label, 1024))
            st = bad(ctx, name, "incremental_fields[%u].label is too long or not valid UTF-8", i);
        else if (!type)
            st = bad(ctx, name, "incremental_fields[%u].type %u is not a dw_value_type", i, f->type);
        if (st != DW_OK) {
            json_object_put(o);
            json_object_put(inc);
            return st;
        }
        json_object *fo = json_object_new_object();
        add_text(fo, "label", f->label ? f->label : f->field);
        add_text(fo, "field", f->field);
        add_text(fo, "type", type);
        json_object_array_add(inc, fo);
    }
    json_object *pks = copy_keys(ctx, name, "primary_keys", s.primary_keys);
    if (!pks) {
        json_object_put(o);
        json_object_put(inc);
        return ctx->error_code;
    }

    add_text(o, "name", name);
    add_text(o, "label", s.label ? s.label : name);
    add_text(o, "description", s.description);
    json_object_object_add(o, "supports_incremental", json_object_new_boolean(s.supports_incremental != 0));
    json_object_object_add(o, "supports_append", json_object_new_boolean(s.supports_append != 0));
    json_object_object_add(o, "supports_webhooks", json_object_new_boolean(s.supports_webhooks != 0));
    json_object_object_add(o, "webhook_only", json_object_new_boolean(s.webhook_only != 0));
    json_object_object_add(o, "should_sync_default", json_object_new_boolean(s.should_sync_default != 0));
    json_object_object_add(o, "incremental_fields", inc);
    json_object_object_add(o, "primary_keys", pks);
    json_object_object_add(o, "has_duplicate_primary_keys", json_object_new_boolean(s.has_duplicate_primary_keys != 0));
    add_text(o, "sort_mode", s.sort_mode == DW_SORT_DESC ? "desc" : "asc");

    json_object *part = NULL;
    if (s.partition_mode != DW_PARTITION_NONE) {
        json_object *keys = s.partition_keys ? copy_keys(ctx, name, "partition_keys", s.partition_keys)
                                             : json_object_get(pks);
        dw_status st = DW_OK;
        if (!keys)
            st = ctx->error_code;
        else if (json_object_array_length(keys) == 0)
            st = bad(ctx, name, "partitioned by %s but has neither partition_keys nor primary_keys",
                     dwhi_partition_mode_name(s.partition_mode));
        else if (s.partition_mode == DW_PARTITION_MD5 && s.partition_count == 0)
            st = bad(ctx, name, "partition_mode md5 needs partition_count > 0");
        else if (s.partition_mode == DW_PARTITION_NUMERICAL && s.partition_size <= 0)
            st = bad(ctx, name, "partition_mode numerical needs partition_size > 0");
        else if (s.partition_mode == DW_PARTITION_DATETIME && !dwhi_partition_format_name(s.partition_format))
            st = bad(ctx, name, "partition_format %u is not a dw_partition_format", s.partition_format);
        if (st != DW_OK) {
            json_object_put(keys);
            json_object_put(o);
            return st;
        }
        part = json_object_new_object();
        add_text(part, "mode", dwhi_partition_mode_name(s.partition_mode));
        json_object_object_add(part, "count", s.partition_mode == DW_PARTITION_MD5
                                                  ? json_object_new_int64(s.partition_count) : NULL);
        json_object_object_add(part, "size", s.partition_mode == DW_PARTITION_NUMERICAL
                                                 ? json_object_new_int64(s.partition_size) : NULL);
        add_text(part, "format", s.partition_mode == DW_PARTITION_DATETIME
                                     ? dwhi_partition_format_name(s.partition_format) : NULL);
        json_object_object_add(part, "keys", keys);
    }
    json_object_object_add(o, "partition", part);
    json_object_object_add(o, "row_count", s.row_count >= 0 ? json_object_new_int64(s.row_count) : NULL);
    json_object_object_add(o, "default_incremental_lookback_seconds",
                           json_object_new_int64(s.default_incremental_lookback_seconds));
    json_object_array_add(ctx->schemas, o);
    return DW_OK;
}
