/* rowref.c -- one row read the same way whether it is a json-c object or
 * cells (see rowref.h). */
#include "rowref.h"

#include "base/json_path.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dwhi_scalar_of_cell(const dwhi_cell *c, const char *arena, dwhi_scalar *out) {
    memset(out, 0, sizeof *out);
    switch (c->type) {
    case DWHI_CELL_BOOL: out->type = DWHI_S_BOOL; out->i = c->v.i; break;
    case DWHI_CELL_INT: out->type = DWHI_S_INT; out->i = c->v.i; break;
    case DWHI_CELL_REAL: out->type = DWHI_S_REAL; out->d = c->v.d; break;
    case DWHI_CELL_TEXT:
    case DWHI_CELL_BIGINT:
    case DWHI_CELL_JSON:
        out->type = c->type == DWHI_CELL_TEXT ? DWHI_S_STRING : c->type == DWHI_CELL_BIGINT ? DWHI_S_BIGINT : DWHI_S_JSON;
        out->s = arena + c->v.s.off;
        out->len = c->v.s.len;
        break;
    default: break;
    }
}

/* The cell of `key` in v, by name (NULL: none). */
static const dwhi_cell *cell_named(const dwhi_rowv *v, const char *key) {
    if (!v || !v->n) return NULL;
    int32_t id = dwhi_keydict_find(v->keys, key, strlen(key));
    return id < 0 ? NULL : dwhi_rowv_find(v, (uint32_t)id);
}

int dwhi_rowref_get(const dwhi_rowref *r, const char *key, dwhi_scalar *out) {
    json_object *v = NULL;
    if (r->obj || (r->extra && json_object_object_get_ex(r->extra, key, &v))) {
        if (r->obj) json_object_object_get_ex(r->obj, key, &v);
        dwhi_scalar_of_json(v, out);
        return out->type != DWHI_S_NULL;
    }
    const dwhi_cell *c = cell_named(r->cells, key);
    if (!c) {
        memset(out, 0, sizeof *out);
        return 0;
    }
    dwhi_scalar_of_cell(c, r->cells->arena, out);
    return out->type != DWHI_S_NULL;
}

/* A scalar as a new json-c value (NULL for null). */
static json_object *json_of(const dwhi_scalar *v) {
    switch (v->type) {
    case DWHI_S_BOOL: return json_object_new_boolean(v->i != 0);
    case DWHI_S_INT: return json_object_new_int64(v->i);
    case DWHI_S_BIGINT: return json_object_new_uint64(strtoull(v->s, NULL, 10));
    case DWHI_S_REAL: return json_object_new_double(v->d);
    case DWHI_S_STRING: return json_object_new_string_len(v->s, (int)v->len);
    case DWHI_S_JSON: { /* an object or array: complete without a terminator */
        json_tokener *tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH * 2);
        json_object *o = tok ? json_tokener_parse_ex(tok, v->s, (int)v->len) : NULL;
        if (tok) json_tokener_free(tok);
        return o;
    }
    default: return NULL;
    }
}

json_object *dwhi_rowref_path(const dwhi_rowref *r, const char *path, int *exists) {
    if (exists) *exists = 0;
    if (!path || !*path) return NULL;
    if (r->obj) {
        json_object *v = dwhi_json_path(r->obj, path);
        if (exists) *exists = v || dwhi_json_path_exists(r->obj, path);
        return json_object_get(v);
    }
    size_t klen = strcspn(path, ".[");
    char key[256];
    if (klen == 0 || klen >= sizeof key) return NULL;
    memcpy(key, path, klen);
    key[klen] = 0;
    dwhi_scalar sv;
    if (!dwhi_rowref_get(r, key, &sv)) {
        json_object *ev = NULL;
        if (exists) *exists = r->extra ? json_object_object_get_ex(r->extra, key, &ev)
                                       : dwhi_rowv_find(r->cells, (uint32_t)dwhi_keydict_find(r->cells->keys, key, klen)) != NULL;
        return NULL;
    }
    json_object *top = json_of(&sv);
    if (!path[klen]) {
        if (exists) *exists = 1;
        return top;
    }
    const char *rest = path[klen] == '.' ? path + klen + 1 : path + klen;
    json_object *v = dwhi_json_path(top, rest);
    if (exists) *exists = v || dwhi_json_path_exists(top, rest);
    json_object_get(v);
    json_object_put(top);
    return v;
}


/* Appends "key":<text> to a growing text.  0, -1 on OOM. */
static int append_member(char **t, size_t *n, size_t *cap, const char *key, const char *val, size_t vlen) {
    size_t klen = strlen(key);
    size_t need = *n + klen * 6 + 2 + 1 + vlen + 3;
    if (need > *cap) {
        size_t nc = *cap ? *cap : 256;
        while (nc < need) nc *= 2;
        char *nt = realloc(*t, nc);
        if (!nt) return -1;
        *t = nt;
        *cap = nc;
    }
    if (*n > 1) (*t)[(*n)++] = ',';
    *n += dwhi_json_quote(key, klen, *t + *n);
    (*t)[(*n)++] = ':';
    memcpy(*t + *n, val, vlen);
    *n += vlen;
    return 0;
}

char *dwhi_rowref_json(const dwhi_rowref *r) {
    const int flags = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
    if (r->obj) {
        const char *t = json_object_to_json_string_ext(r->obj, flags);
        return t ? strdup(t) : NULL;
    }
    char *t = malloc(256), small[128];
    size_t n = 0, cap = 256;
    if (!t) return NULL;
    t[n++] = '{';
    for (uint32_t i = 0; r->cells && i < r->cells->n; i++) {
        const dwhi_cell *c = &r->cells->cells[i];
        const char *key = dwhi_keydict_name(r->cells->keys, c->key);
        if (r->extra && json_object_object_get_ex(r->extra, key, NULL)) continue; /* replaced */
        dwhi_scalar sv;
        dwhi_scalar_of_cell(c, r->cells->arena, &sv);
        size_t vlen = dwhi_scalar_json(&sv, small, sizeof small);
        char *big = NULL;
        if (vlen >= sizeof small) {
            if (!(big = malloc(vlen + 1))) goto oom;
            dwhi_scalar_json(&sv, big, vlen + 1);
        }
        int rc = append_member(&t, &n, &cap, key, big ? big : small, vlen);
        free(big);
        if (rc < 0) goto oom;
    }
    if (r->extra) {
        json_object_object_foreach(r->extra, key, val) {
            size_t vlen = 4;
            const char *vt = val ? json_object_to_json_string_length(val, flags, &vlen) : "null";
            if (!vt || append_member(&t, &n, &cap, key, vt, vlen) < 0) goto oom;
        }
    }
    t[n++] = '}';
    t[n] = 0;
    return t;
oom:
    free(t);
    return NULL;
}

char *dwhi_rowref_excerpt(const dwhi_rowref *r, size_t max) {
    char *t = dwhi_rowref_json(r);
    if (!t || strlen(t) <= max) return t;
    char *cut = realloc(t, max + 4);
    if (!cut) {
        free(t);
        return NULL;
    }
    memcpy(cut + max, "...", 4);
    return cut;
}
