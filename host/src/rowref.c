/* rowref.c -- one row read the same way whether it is a json-c object or
 * cells (see rowref.h). */
#include "rowref.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dwh_scalar_of_cell(const dwh_cell *c, const char *arena, dwh_scalar *out) {
    memset(out, 0, sizeof *out);
    switch (c->type) {
    case DWH_CELL_BOOL: out->type = DWH_S_BOOL; out->i = c->v.i; break;
    case DWH_CELL_INT: out->type = DWH_S_INT; out->i = c->v.i; break;
    case DWH_CELL_REAL: out->type = DWH_S_REAL; out->d = c->v.d; break;
    case DWH_CELL_TEXT:
    case DWH_CELL_BIGINT:
    case DWH_CELL_JSON:
        out->type = c->type == DWH_CELL_TEXT ? DWH_S_STRING : c->type == DWH_CELL_BIGINT ? DWH_S_BIGINT : DWH_S_JSON;
        out->s = arena + c->v.s.off;
        out->len = c->v.s.len;
        break;
    default: break;
    }
}

/* The cell of `key` in v, by name (NULL: none). */
static const dwh_cell *cell_named(const dwh_rowv *v, const char *key) {
    if (!v || !v->n) return NULL;
    int32_t id = dwh_keydict_find(v->keys, key, strlen(key));
    return id < 0 ? NULL : dwh_rowv_find(v, (uint32_t)id);
}

int dwh_rowref_get(const dwh_rowref *r, const char *key, dwh_scalar *out) {
    if (r->obj) {
        json_object *v = NULL;
        json_object_object_get_ex(r->obj, key, &v);
        dwh_scalar_of_json(v, out);
        return out->type != DWH_S_NULL;
    }
    const dwh_cell *c = cell_named(r->extra, key);
    const dwh_rowv *in = r->extra;
    if (!c) {
        c = cell_named(r->cells, key);
        in = r->cells;
    }
    if (!c) {
        memset(out, 0, sizeof *out);
        return 0;
    }
    dwh_scalar_of_cell(c, in->arena, out);
    return out->type != DWH_S_NULL;
}


/* Appends one cell as "key":value to a growing text.  0, -1 on OOM. */
static int append_cell(char **t, size_t *n, size_t *cap, const dwh_rowv *v, const dwh_cell *c) {
    const char *key = dwh_keydict_name(v->keys, c->key);
    size_t klen = strlen(key);
    dwh_scalar sv;
    dwh_scalar_of_cell(c, v->arena, &sv);
    size_t vlen = dwh_scalar_json(&sv, NULL, 0);
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
    *n += dwh_json_quote(key, klen, *t + *n);
    (*t)[(*n)++] = ':';
    *n += dwh_scalar_json(&sv, *t + *n, *cap - *n);
    return 0;
}

char *dwh_rowref_json(const dwh_rowref *r) {
    if (r->obj) {
        const char *t = json_object_to_json_string_ext(r->obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        return t ? strdup(t) : NULL;
    }
    char *t = malloc(256);
    size_t n = 0, cap = 256;
    if (!t) return NULL;
    t[n++] = '{';
    for (uint32_t i = 0; r->cells && i < r->cells->n; i++) {
        const dwh_cell *c = &r->cells->cells[i];
        if (r->extra && r->extra->n && dwh_rowv_find(r->extra, c->key)) continue; /* replaced */
        if (append_cell(&t, &n, &cap, r->cells, c) < 0) goto oom;
    }
    for (uint32_t i = 0; r->extra && i < r->extra->n; i++)
        if (append_cell(&t, &n, &cap, r->extra, &r->extra->cells[i]) < 0) goto oom;
    t[n++] = '}';
    t[n] = 0;
    return t;
oom:
    free(t);
    return NULL;
}

char *dwh_rowref_excerpt(const dwh_rowref *r, size_t max) {
    char *t = dwh_rowref_json(r);
    if (!t || strlen(t) <= max) return t;
    char *cut = realloc(t, max + 4);
    if (!cut) {
        free(t);
        return NULL;
    }
    memcpy(cut + max, "...", 4);
    return cut;
}
