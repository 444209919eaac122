/* sync_plan.c -- per-schema decisions (see sync_plan.h). */
#include "sync_plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str_of(json_object *o, const char *k) {
    json_object *v;
    return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                                                            : NULL;
}

static int bool_of(json_object *o, const char *k) {
    json_object *v;
    return json_object_object_get_ex(o, k, &v) && json_object_get_boolean(v);
}

static json_object *arr_of(json_object *o, const char *k) {
    json_object *v;
    return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_array) ? v : NULL;
}

uint32_t dwhi_value_type_parse(const char *name) {
    static const char *const names[] = {NULL, "integer", "numeric", "datetime", "date", "timestamp"};
    for (uint32_t i = 1; name && i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(name, names[i])) return i;
    return 0;
}

/* "a, b, c" of a member of each element; malloc'd. */
static char *join_names(json_object *arr, const char *member) {
    char *out = strdup("");
    size_t n = arr ? json_object_array_length(arr) : 0;
    for (size_t i = 0; out && i < n; i++) {
        json_object *e = json_object_array_get_idx(arr, i);
        const char *s = member ? str_of(e, member) : json_object_get_string(e);
        char *next = NULL;
        if (asprintf(&next, "%s%s%s", out, i ? ", " : "", s ? s : "?") < 0) next = NULL;
        free(out);
        out = next;
    }
    return out;
}

json_object *dwhi_sync_select(json_object *schemas, const char *const *names, size_t n_names, char **err) {
    *err = NULL;
    json_object *out = json_object_new_array();
    size_t n = json_object_array_length(schemas);
    if (!out) return NULL;
    if (n_names == 0) {
        int any_default = 0;
        for (size_t i = 0; i < n; i++) any_default |= bool_of(json_object_array_get_idx(schemas, i), "should_sync_default");
        for (size_t i = 0; i < n; i++) {
            json_object *s = json_object_array_get_idx(schemas, i);
            if (bool_of(s, "webhook_only")) continue; /* nothing to pull */
            if (!any_default || bool_of(s, "should_sync_default")) json_object_array_add(out, json_object_get(s));
        }
        return out;
    }
    for (size_t k = 0; k < n_names; k++) {
        json_object *found = NULL;
        for (size_t i = 0; i < n && !found; i++) {
            json_object *s = json_object_array_get_idx(schemas, i);
            const char *name = str_of(s, "name");
            if (name && !strcmp(name, names[k])) found = s;
        }
        if (!found) {
            char *choices = join_names(schemas, "name");
            if (asprintf(err, "the source has no schema '%s'; choose from: %s", names[k],
                         choices && *choices ? choices : "(none)") < 0)
                *err = NULL;
            free(choices);
            json_object_put(out);
            return NULL;
        }
        int dup = 0;
        for (size_t j = 0; j < k; j++) dup |= !strcmp(names[j], names[k]);
        if (!dup) json_object_array_add(out, json_object_get(found));
    }
    return out;
}

/* The user's field for this schema: "SCHEMA=FIELD" wins over "FIELD". */
static const char *user_field(const dwh_sync_options *o, const char *schema) {
    const char *global = NULL;
    size_t sl = strlen(schema);
    for (size_t i = 0; i < o->n_incremental_fields; i++) {
        const char *f = o->incremental_fields[i];
        const char *eq = strchr(f, '=');
        if (eq && (size_t)(eq - f) == sl && !strncmp(f, schema, sl)) return eq + 1;
        if (!eq) global = f;
    }
    return global;
}

static int fail(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(char **err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(err, fmt, ap) < 0) *err = NULL;
    va_end(ap);
    return -1;
}

int dwhi_sync_plan_make(json_object *schema, const dwh_sync_options *o, dwhi_sync_plan *plan, char **err) {
    memset(plan, 0, sizeof *plan);
    *err = NULL;
    const char *name = str_of(schema, "name");
    if (!name) return fail(err, "a schema without a name");
    plan->schema = name;
    json_object *pks = arr_of(schema, "primary_keys");
    plan->n_pk = pks ? json_object_array_length(pks) : 0;
    plan->primary_keys = calloc(plan->n_pk + 1, sizeof *plan->primary_keys);
    if (!plan->primary_keys) return fail(err, "out of memory");
    for (size_t i = 0; i < plan->n_pk; i++) plan->primary_keys[i] = json_object_get_string(json_object_array_get_idx(pks, i));
    plan->keys_may_repeat = bool_of(schema, "has_duplicate_primary_keys");
    plan->supports_webhooks = bool_of(schema, "supports_webhooks");
    const char *sort = str_of(schema, "sort_mode");
    plan->desc = sort && !strcmp(sort, "desc");
    int sup_inc = bool_of(schema, "supports_incremental"), sup_app = bool_of(schema, "supports_append");
    json_object *fields = arr_of(schema, "incremental_fields");

    /* the keys that hold times, for the warehouse's column types */
    size_t n_fields = fields ? json_object_array_length(fields) : 0;
    plan->time_keys = calloc(n_fields ? n_fields : 1, sizeof *plan->time_keys);
    if (!plan->time_keys) return fail(err, "out of memory");
    for (size_t i = 0; i < n_fields; i++) {
        json_object *f = json_object_array_get_idx(fields, i);
        const char *key = str_of(f, "field");
        uint32_t type = dwhi_value_type_parse(str_of(f, "type"));
        if (key && (type == DW_TYPE_DATETIME || type == DW_TYPE_DATE))
            plan->time_keys[plan->n_time_keys++] = (dwhi_wh_time_key){key, type};
    }

    /* the write mode */
    if (o->full_refresh) {
        plan->mode = DWHI_WRITE_REPLACE;
    } else if (o->mode) {
        plan->mode = dwhi_write_mode_parse(o->mode);
        if (!plan->mode) return fail(err, "unknown --mode '%s'; use incremental, full or append", o->mode);
        if (plan->mode == DWHI_WRITE_MERGE && !sup_inc)
            return fail(err, "schema '%s' does not support incremental sync; use --mode full%s", name,
                        sup_app ? " or --mode append" : "");
        if (plan->mode == DWHI_WRITE_MERGE && plan->n_pk == 0)
            return fail(err, "schema '%s' has no primary keys, which an incremental (merge) sync needs; use --mode full%s",
                        name, sup_app ? " or --mode append" : "");
        if (plan->mode == DWHI_WRITE_APPEND && !sup_app)
            return fail(err, "schema '%s' does not support append; use --mode %s", name,
                        sup_inc && plan->n_pk ? "incremental or --mode full" : "full");
    } else {
        plan->mode = sup_inc && plan->n_pk ? DWHI_WRITE_MERGE : DWHI_WRITE_REPLACE;
    }

    /* the incremental field: never another than the user's */
    const char *want = user_field(o, name);
    int uses_watermark = plan->mode != DWHI_WRITE_REPLACE;
    size_t nf = fields ? json_object_array_length(fields) : 0;
    if (want) {
        json_object *hit = NULL;
        for (size_t i = 0; i < nf && !hit; i++) {
            const char *f = str_of(json_object_array_get_idx(fields, i), "field");
            if (f && !strcmp(f, want)) hit = json_object_array_get_idx(fields, i);
        }
        if (!hit) {
            /* a global choice does not bind schemas that take no watermark */
            int scoped = 0;
            for (size_t i = 0; i < o->n_incremental_fields; i++)
                scoped |= !strncmp(o->incremental_fields[i], name, strlen(name)) &&
                          o->incremental_fields[i][strlen(name)] == '=';
            if (scoped || uses_watermark) {
                if (nf == 0) return fail(err, "schema '%s' advertises no incremental fields, so it cannot use '%s'", name, want);
                char *choices = join_names(fields, "field");
                fail(err, "schema '%s' has no incremental field '%s'; choose one of: %s", name, want,
                     choices ? choices : "?");
                free(choices);
                return -1;
            }
        } else {
            plan->incremental_field = str_of(hit, "field");
            plan->field_type = dwhi_value_type_parse(str_of(hit, "type"));
        }
    } else if (uses_watermark && nf > 0) {
        json_object *first = json_object_array_get_idx(fields, 0);
        plan->incremental_field = str_of(first, "field");
        plan->field_type = dwhi_value_type_parse(str_of(first, "type"));
        plan->field_defaulted = 1;
    }
    if (plan->incremental_field && !plan->field_type)
        return fail(err, "schema '%s': incremental field '%s' has an unknown type", name, plan->incremental_field);
    plan->use_incremental = plan->incremental_field && uses_watermark;

    /* partitioning, as advertised (keys default to the primary keys) */
    json_object *part = NULL;
    json_object_object_get_ex(schema, "partition", &part);
    if (part && json_object_is_type(part, json_type_object)) {
        static const char *const modes[] = {"none", "md5", "numerical", "datetime"};
        static const char *const formats[] = {"month", "week", "day", "hour"};
        const char *m = str_of(part, "mode"), *f = str_of(part, "format");
        uint32_t mode = 0, format = 0;
        for (uint32_t i = 0; i < 4; i++) {
            if (m && !strcmp(m, modes[i])) mode = i;
            if (f && !strcmp(f, formats[i])) format = i;
        }
        json_object *v, *keys = arr_of(part, "keys");
        uint32_t count = json_object_object_get_ex(part, "count", &v) && v ? (uint32_t)json_object_get_int64(v) : 0;
        int64_t size = json_object_object_get_ex(part, "size", &v) && v ? json_object_get_int64(v) : 0;
        size_t nk = keys ? json_object_array_length(keys) : 0;
        const char **karr = calloc(nk + 1, sizeof *karr);
        if (!karr) return fail(err, "out of memory");
        for (size_t i = 0; i < nk; i++) karr[i] = json_object_get_string(json_object_array_get_idx(keys, i));
        char *perr = NULL;
        int rc = dwhi_partition_init(&plan->partition, mode, count, size, format, karr, plan->primary_keys, &perr);
        free(karr);
        if (rc < 0) {
            fail(err, "schema '%s': %s", name, perr ? perr : "bad partition settings");
            free(perr);
            return -1;
        }
    }
    return 0;
}

void dwhi_sync_plan_free(dwhi_sync_plan *plan) {
    free(plan->primary_keys);
    free(plan->time_keys);
    dwhi_partition_free(&plan->partition);
    memset(plan, 0, sizeof *plan);
}
