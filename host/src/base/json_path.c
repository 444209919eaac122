/* json_path.c -- dotted-path lookups in json-c trees (see json_path.h). */
#include "json_path.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Walks `path`; returns 1 and sets *out when every step exists, else 0. */
static int walk(json_object *root, const char *path, json_object **out) {
    *out = NULL;
    if (!path) return 0;
    json_object *cur = root;
    const char *p = path;
    if (!*p) {
        *out = root;
        return 1;
    }
    for (;;) {
        /* A member name (possibly empty before an index). */
        size_t n = strcspn(p, ".[");
        if (n > 0) {
            if (!json_object_is_type(cur, json_type_object)) return 0;
            char stackbuf[128];
            char *key = n < sizeof stackbuf ? stackbuf : malloc(n + 1);
            if (!key) return 0;
            memcpy(key, p, n);
            key[n] = 0;
            json_object *next = NULL;
            int found = json_object_object_get_ex(cur, key, &next);
            if (key != stackbuf) free(key);
            if (!found) return 0;
            cur = next;
            p += n;
        } else if (*p != '[') {
            return 0; /* empty segment: "a..b", ".a", "a." */
        }
        /* Zero or more [i]. */
        while (*p == '[') {
            p++;
            if (!isdigit((unsigned char)*p)) return 0;
            errno = 0;
            char *end = NULL;
            unsigned long long idx = strtoull(p, &end, 10);
            if (errno || *end != ']') return 0;
            p = end + 1;
            if (!json_object_is_type(cur, json_type_array)) return 0;
            if (idx >= json_object_array_length(cur)) return 0;
            cur = json_object_array_get_idx(cur, (size_t)idx);
        }
        if (!*p) break;
        if (*p != '.') return 0;
        p++;
        if (!*p) return 0;
    }
    *out = cur;
    return 1;
}

json_object *dwhi_json_path(json_object *root, const char *path) {
    json_object *v;
    return walk(root, path, &v) ? v : NULL;
}

int dwhi_json_path_exists(json_object *root, const char *path) {
    json_object *v;
    return walk(root, path, &v);
}
