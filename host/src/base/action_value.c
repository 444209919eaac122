/* action_value.c -- action argument types: names, fit, text conversion
 * (see action_value.h). */
#include "action_value.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json_strict.h"

const char *dwhi_arg_type_name(uint32_t type) {
    switch (type) {
    case DW_ARG_INT64: return "int64";
    case DW_ARG_DOUBLE: return "double";
    case DW_ARG_BOOL: return "bool";
    case DW_ARG_STRING: return "string";
    case DW_ARG_JSON: return "json";
    }
    return NULL;
}

const char *dwhi_arg_type_hint(uint32_t type) {
    switch (type) {
    case DW_ARG_INT64: return "a whole number (int64)";
    case DW_ARG_DOUBLE: return "a number (double)";
    case DW_ARG_BOOL: return "true or false (bool)";
    case DW_ARG_STRING: return "a string";
    case DW_ARG_JSON: return "JSON text";
    }
    return "?";
}

int dwhi_arg_json_fits(uint32_t type, json_object *v, int null_ok) {
    switch (type) {
    case DW_ARG_INT64:
        /* json-c keeps integers beyond int64 as uint64 (or double): refused. */
        if (!json_object_is_type(v, json_type_int)) return 0;
        if (json_object_get_int64(v) == INT64_MAX && json_object_get_uint64(v) > (uint64_t)INT64_MAX) return 0;
        return 1;
    case DW_ARG_DOUBLE:
        return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
    case DW_ARG_BOOL: return json_object_is_type(v, json_type_boolean);
    case DW_ARG_STRING: return json_object_is_type(v, json_type_string) || (null_ok && v == NULL);
    case DW_ARG_JSON: return 1;
    }
    return 0;
}

int dwhi_arg_from_text(uint32_t type, const char *text, json_object **out, int *is_null) {
    *out = NULL;
    *is_null = 0;
    if (!text) return -1;
    switch (type) {
    case DW_ARG_INT64: {
        if (!text[0] || strspn(text, "-+0123456789") != strlen(text)) return -1;
        char *end = NULL;
        errno = 0;
        long long v = strtoll(text, &end, 10);
        if (errno || *end) return -1;
        *out = json_object_new_int64(v);
        break;
    }
    case DW_ARG_DOUBLE: {
        if (!text[0] || strspn(text, "-+0123456789.eE") != strlen(text)) return -1;
        char *end = NULL;
        errno = 0;
        double v = strtod(text, &end);
        if (errno || *end || !isfinite(v)) return -1;
        *out = json_object_new_double(v);
        break;
    }
    case DW_ARG_BOOL:
        if (!strcmp(text, "true") || !strcmp(text, "1")) *out = json_object_new_boolean(1);
        else if (!strcmp(text, "false") || !strcmp(text, "0")) *out = json_object_new_boolean(0);
        else return -1;
        break;
    case DW_ARG_STRING: *out = json_object_new_string(text); break;
    case DW_ARG_JSON: {
        char err[128];
        json_object *v = NULL;
        if (dwhi_json_parse_strict(text, strlen(text), &v, err, sizeof err) != 0) return -1;
        if (!v) *is_null = 1;
        *out = v;
        return 0;
    }
    default: return -1;
    }
    return *out ? 0 : -1;
}

int dwhi_action_name_ok(const char *name, size_t max_len) {
    if (!name || !(name[0] >= 'a' && name[0] <= 'z')) return 0;
    size_t n = strlen(name);
    return n <= max_len && strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}
