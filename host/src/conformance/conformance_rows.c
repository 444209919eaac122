/*
 * conformance_rows.c -- the compact row store and key index of the
 * conformance suite (conformance_rows.h).  A row costs its record (32
 * bytes), its key tuple text in the arena, and 4-8 bytes of index slot
 * while a check compares reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformance.h"
#include "conformance_rows.h"
#include "base/json_path.h"
#include "base/md5.h"

static int is_scalar(json_object *v) {
    return v && !json_object_is_type(v, json_type_object) && !json_object_is_type(v, json_type_array) &&
           !json_object_is_type(v, json_type_null);
}

void dwhi_conf_rows_init(dwhi_conf_rows *r, json_object *pks) {
    memset(r, 0, sizeof *r);
    r->pks = pks && json_object_is_type(pks, json_type_array) && json_object_array_length(pks) ? pks : NULL;
}

dwhi_conf_field_stats *dwhi_conf_rows_watch(dwhi_conf_rows *r, const char *path, json_object *older_than) {
    dwhi_conf_field_stats *f = realloc(r->fields, (r->n_fields + 1) * sizeof *f);
    if (!f) return NULL;
    r->fields = f;
    f = &r->fields[r->n_fields];
    memset(f, 0, sizeof *f);
    f->path = strdup(path ? path : "");
    if (!f->path) return NULL;
    f->older_than = older_than;
    r->n_fields++;
    return f;
}

const dwhi_conf_field_stats *dwhi_conf_rows_field(const dwhi_conf_rows *r, const char *path) {
    for (size_t i = 0; path && i < r->n_fields; i++)
        if (!strcmp(r->fields[i].path, path)) return &r->fields[i];
    return NULL;
}

static int arena_put(dwhi_conf_rows *r, const char *s, size_t len) {
    if (r->keys_len + len + 1 > r->keys_cap) {
        size_t cap = r->keys_cap ? r->keys_cap : 4096;
        while (r->keys_len + len + 1 > cap) cap *= 2;
        char *k = realloc(r->keys, cap);
        if (!k) return -1;
        r->keys = k;
        r->keys_cap = cap;
    }
    memcpy(r->keys + r->keys_len, s, len);
    r->keys_len += len;
    r->keys[r->keys_len] = 0;
    return 0;
}

/* Appends the key tuple of `row` to the arena (rec->key_*), or sets
 * rec->bad_* and leaves the arena as it was. */
static int put_key(dwhi_conf_rows *r, json_object *row, dwhi_conf_row *rec) {
    size_t start = r->keys_len, n = json_object_array_length(r->pks);
    for (size_t i = 0; i < n; i++) {
        const char *k = json_object_get_string(json_object_array_get_idx(r->pks, i));
        json_object *v = dwhi_json_path(row, k);
        if (!is_scalar(v)) {
            rec->bad_why = !dwhi_json_path_exists(row, k)                       ? DWHI_CONF_PK_MISSING
                           : !v || json_object_is_type(v, json_type_null) ? DWHI_CONF_PK_NULL
                                                                            : DWHI_CONF_PK_NOT_SCALAR;
            rec->bad_which = (uint16_t)(i < UINT16_MAX ? i : UINT16_MAX);
            r->keys_len = start;
            return 0;
        }
        const char *t = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
        if (arena_put(r, t, strlen(t)) != 0 || arena_put(r, "\x1f", 1) != 0) {
            r->keys_len = start;
            return -1;
        }
    }
    /* The NUL after the tuple ends this key; the next one starts after it. */
    if (arena_put(r, "", 0) != 0) return -1;
    rec->key_off = start;
    rec->key_len = (uint32_t)(r->keys_len - start);
    r->keys_len++;
    return 0;
}

static void watch_row(dwhi_conf_field_stats *f, json_object *row) {
    json_object *v = dwhi_json_path(row, f->path);
    if (!is_scalar(v)) {
        if (!v && !dwhi_json_path_exists(row, f->path)) f->missing++;
        f->unusable++;
        return;
    }
    /* Copies: the row is freed when the sink returns. */
    if (!f->max || dwhi_conf_value_cmp(v, f->max) > 0) {
        json_object *c = NULL;
        if (json_object_deep_copy(v, &c, NULL) == 0) json_object_put(f->max), f->max = c;
    }
    if (!f->min || dwhi_conf_value_cmp(v, f->min) < 0) {
        json_object *c = NULL;
        if (json_object_deep_copy(v, &c, NULL) == 0) json_object_put(f->min), f->min = c;
    }
    if (f->older_than && dwhi_conf_value_cmp(v, f->older_than) < 0) {
        if (!f->older)
            snprintf(f->older_sample, sizeof f->older_sample, "%.60s < %.60s", json_object_get_string(v),
                     json_object_get_string(f->older_than));
        f->older++;
    }
}

int dwhi_conf_rows_add(dwhi_conf_rows *r, json_object *row, const char *text, size_t len) {
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 1024;
        dwhi_conf_row *rows = realloc(r->rows, cap * sizeof *rows);
        if (!rows) return -1;
        r->rows = rows;
        r->cap = cap;
    }
    dwhi_conf_row *rec = &r->rows[r->n];
    memset(rec, 0, sizeof *rec);
    if (r->pks && put_key(r, row, rec) != 0) return -1;
    if (dwhi_md5(text, len, rec->digest) != 0) return -1;
    for (size_t i = 0; i < r->n_fields; i++) watch_row(&r->fields[i], row);
    r->n++;
    return 0;
}

const char *dwhi_conf_row_key(const dwhi_conf_rows *r, size_t i) {
    return i < r->n && r->rows[i].key_len ? r->keys + r->rows[i].key_off : "";
}

void dwhi_conf_rows_free(dwhi_conf_rows *r) {
    for (size_t i = 0; i < r->n_fields; i++) {
        free(r->fields[i].path);
        json_object_put(r->fields[i].max);
        json_object_put(r->fields[i].min);
    }
    free(r->fields);
    free(r->rows);
    free(r->keys);
    memset(r, 0, sizeof *r);
}

/* ------------------------------------------------------------ the index */

static uint64_t key_hash(const char *s, size_t len) {
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h ^ (h >> 29);
}

const dwhi_conf_row *dwhi_conf_index_row(const dwhi_conf_index *ix, size_t pos, const dwhi_conf_rows **store) {
    for (size_t s = 0; s < ix->n_spans; s++) {
        size_t n = ix->spans[s].to - ix->spans[s].from;
        if (pos < n) {
            if (store) *store = ix->spans[s].rows;
            return &ix->spans[s].rows->rows[ix->spans[s].from + pos];
        }
        pos -= n;
    }
    return NULL;
}

/* The slot holding `key`, or the empty slot where it belongs. */
static size_t probe(const dwhi_conf_index *ix, const char *key, size_t len) {
    size_t i = (size_t)key_hash(key, len) & ix->mask;
    for (;; i = (i + 1) & ix->mask) {
        if (!ix->slots[i]) return i;
        const dwhi_conf_rows *st = NULL;
        const dwhi_conf_row *row = dwhi_conf_index_row(ix, ix->slots[i] - 1, &st);
        if (row->key_len == len && !memcmp(st->keys + row->key_off, key, len)) return i;
    }
}

static const char *why_text(uint8_t why) {
    return why == DWHI_CONF_PK_MISSING ? "missing" : why == DWHI_CONF_PK_NULL ? "null" : "not a scalar";
}

int dwhi_conf_index_build(dwhi_conf_index *ix, const dwhi_conf_span *spans, size_t n_spans) {
    memset(ix, 0, sizeof *ix);
    size_t total = 0;
    for (size_t s = 0; s < n_spans && s < 2; s++) {
        ix->spans[s] = spans[s];
        if (ix->spans[s].to > spans[s].rows->n) ix->spans[s].to = spans[s].rows->n;
        if (ix->spans[s].from > ix->spans[s].to) ix->spans[s].from = ix->spans[s].to;
        total += ix->spans[s].to - ix->spans[s].from;
        ix->n_spans++;
    }
    if (total >= UINT32_MAX / 2) return -1;
    size_t size = 16;
    while (size < total * 2) size *= 2;
    ix->slots = calloc(size, sizeof *ix->slots);
    if (!ix->slots) return -1;
    ix->mask = size - 1;
    for (size_t pos = 0; pos < total; pos++) {
        const dwhi_conf_rows *st = NULL;
        const dwhi_conf_row *row = dwhi_conf_index_row(ix, pos, &st);
        if (row->bad_why) {
            if (!ix->bad) {
                const char *which = st->pks && row->bad_which < json_object_array_length(st->pks)
                                        ? json_object_get_string(json_object_array_get_idx(st->pks, row->bad_which))
                                        : "?";
                snprintf(ix->sample, sizeof ix->sample, "row %zu: primary key '%s' is %s", pos + 1, which,
                         why_text(row->bad_why));
            }
            ix->bad++;
            continue;
        }
        const char *key = st->keys + row->key_off;
        size_t slot = probe(ix, key, row->key_len);
        if (ix->slots[slot]) {
            char shown[96];
            if (!ix->dups && !ix->bad)
                snprintf(ix->sample, sizeof ix->sample, "row %zu repeats the primary key %s", pos + 1,
                         dwhi_conf_key_display(key, shown, sizeof shown));
            ix->dups++;
        } else {
            ix->slots[slot] = (uint32_t)(pos + 1);
        }
    }
    return 0;
}

const dwhi_conf_row *dwhi_conf_index_find(const dwhi_conf_index *ix, const char *key, size_t *pos) {
    if (!ix->slots) return NULL;
    size_t slot = probe(ix, key, strlen(key));
    if (!ix->slots[slot]) return NULL;
    if (pos) *pos = ix->slots[slot] - 1;
    return dwhi_conf_index_row(ix, ix->slots[slot] - 1, NULL);
}

void dwhi_conf_index_free(dwhi_conf_index *ix) {
    free(ix->slots);
    memset(ix, 0, sizeof *ix);
}

const char *dwhi_conf_key_display(const char *key, char *buf, size_t len) {
    size_t n = 0;
    for (const char *p = key; *p && n + 3 < len; p++) {
        if (*p == '\x1f') {
            if (p[1]) buf[n++] = ',', buf[n++] = ' ';
        } else {
            buf[n++] = *p;
        }
    }
    buf[n] = 0;
    return buf;
}
