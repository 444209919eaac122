/* config_test_util.h -- small helpers shared by the config tests. */
#ifndef DWHI_CONFIG_TEST_UTIL_H
#define DWHI_CONFIG_TEST_UTIL_H

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

/* Looks up "a.b[2].c" in v; returns NULL when absent (or JSON null). */
static inline json_object *tu_lookup(json_object *v, const char *path) {
    char buf[256];
    strncpy(buf, path, sizeof buf - 1);
    buf[sizeof buf - 1] = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ".", &save); tok && v; tok = strtok_r(NULL, ".", &save)) {
        char *br = strchr(tok, '[');
        if (br) *br = 0;
        if (*tok && !json_object_object_get_ex(v, tok, &v)) return NULL;
        while (br && v) {
            size_t i = strtoul(br + 1, &br, 10);
            if (!json_object_is_type(v, json_type_array) || i >= json_object_array_length(v)) return NULL;
            v = json_object_array_get_idx(v, i);
            br = strchr(br, '[');
        }
    }
    return v;
}

/* base with every key of over applied (null removes a key); new object. */
static inline json_object *tu_merge(const char *base, const char *over) {
    json_object *b = json_tokener_parse(base);
    json_object *o = over ? json_tokener_parse(over) : NULL;
    if (o && json_object_is_type(o, json_type_object)) {
        json_object_object_foreach(o, k, val) {
            if (!val) json_object_object_del(b, k);
            else json_object_object_add(b, k, json_object_get(val));
        }
    }
    json_object_put(o);
    return b;
}

#endif
