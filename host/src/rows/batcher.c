/* batcher.c -- rows encoded into an arena, resume points, cuts (see
 * batcher.h). */
#include "batcher.h"

#include "base/array_grow.h"

#include <stdlib.h>
#include <string.h>

/* ---- interned keys ----------------------------------------------------- */

struct dwhi_keydict {
    char **names;
    uint32_t *lens;
    uint32_t n, cap;
    uint32_t *slots; /* open addressing: id + 1, 0 empty */
    uint32_t n_slots;
    int borrowed;    /* a snapshot: the names are another dictionary's */
};

static uint32_t fnv1a(const char *s, size_t len) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

dwhi_keydict *dwhi_keydict_new(void) { return calloc(1, sizeof(dwhi_keydict)); }

dwhi_keydict *dwhi_keydict_snapshot(const dwhi_keydict *d) {
    dwhi_keydict *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->borrowed = 1;
    c->n = c->cap = d->n;
    if (d->n && (!(c->names = malloc(d->n * sizeof *c->names)) || !(c->lens = malloc(d->n * sizeof *c->lens)))) {
        dwhi_keydict_free(c);
        return NULL;
    }
    if (d->n) {
        memcpy(c->names, d->names, d->n * sizeof *c->names);
        memcpy(c->lens, d->lens, d->n * sizeof *c->lens);
    }
    return c;
}

void dwhi_keydict_free(dwhi_keydict *d) {
    if (!d) return;
    for (uint32_t i = 0; !d->borrowed && i < d->n; i++) free(d->names[i]);
    free(d->names);
    free(d->lens);
    free(d->slots);
    free(d);
}

static int rehash(dwhi_keydict *d, uint32_t n_slots) {
    uint32_t *slots = calloc(n_slots, sizeof *slots);
    if (!slots) return -1;
    for (uint32_t id = 0; id < d->n; id++) {
        uint32_t i = fnv1a(d->names[id], d->lens[id]) & (n_slots - 1);
        while (slots[i]) i = (i + 1) & (n_slots - 1);
        slots[i] = id + 1;
    }
    free(d->slots);
    d->slots = slots;
    d->n_slots = n_slots;
    return 0;
}

int32_t dwhi_keydict_find(const dwhi_keydict *d, const char *key, size_t len) {
    if (!d->n_slots) return -1;
    uint32_t i = fnv1a(key, len) & (d->n_slots - 1);
    for (; d->slots[i]; i = (i + 1) & (d->n_slots - 1)) {
        uint32_t id = d->slots[i] - 1;
        if (d->lens[id] == len && !memcmp(d->names[id], key, len)) return (int32_t)id;
    }
    return -1;
}

int32_t dwhi_keydict_intern(dwhi_keydict *d, const char *key, size_t len) {
    int32_t found = dwhi_keydict_find(d, key, len);
    if (found >= 0) return found;
    if (d->n >= INT32_MAX - 1) return -1;
    if ((d->n + 1) * 2 > d->n_slots && rehash(d, d->n_slots ? d->n_slots * 2 : 64) < 0) return -1;
    if (d->n == d->cap) {
        uint32_t cap = d->cap ? d->cap * 2 : 32;
        char **names = realloc(d->names, cap * sizeof *names);
        if (!names) return -1;
        d->names = names;
        uint32_t *lens = realloc(d->lens, cap * sizeof *lens);
        if (!lens) return -1;
        d->lens = lens;
        d->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy) return -1;
    memcpy(copy, key, len);
    copy[len] = 0;
    uint32_t id = d->n++;
    d->names[id] = copy;
    d->lens[id] = (uint32_t)len;
    uint32_t i = fnv1a(key, len) & (d->n_slots - 1);
    while (d->slots[i]) i = (i + 1) & (d->n_slots - 1);
    d->slots[i] = id + 1;
    return (int32_t)id;
}

const char *dwhi_keydict_name(const dwhi_keydict *d, uint32_t id) { return id < d->n ? d->names[id] : NULL; }
uint32_t dwhi_keydict_count(const dwhi_keydict *d) { return d->n; }

/* ---- the buffer -------------------------------------------------------- */

typedef struct mark {
    size_t pos; /* number of buffered rows before the mark */
    char *state;
} mark;

struct dwhi_batcher {
    size_t max_rows, max_bytes;
    dwhi_keydict *keys;
    dwhi_brow *rows;
    size_t n, cap;
    dwhi_cell *cells;
    size_t n_cells, cap_cells;
    char *arena;
    size_t arena_len, arena_cap;
    uint32_t *row_arena; /* where each row's arena bytes start */
    size_t cap_row_arena;
    mark *marks;
    size_t n_marks, cap_marks;
    /* the key ids of the previous row in order: rows of one source
     * usually repeat their keys, so a strcmp beats a hash lookup */
    uint32_t *prev_ids;
    size_t n_prev, cap_prev;
    /* the last cut, dropped by release */
    size_t cut_rows;
    char *cut_state;
    /* the row being built in place (dwhi_batcher_row_begin) */
    int open;
    size_t open_cells0, open_arena0;
    uint32_t serial;    /* of the open row; key_row[id] == serial: the row has key id */
    uint32_t *key_row;  /* by key id */
    uint32_t *key_cell; /* by key id: the cell index, when key_row says so */
    size_t cap_keys;
};

dwhi_batcher *dwhi_batcher_new(size_t max_rows, size_t max_bytes, dwhi_keydict *keys) {
    dwhi_batcher *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->max_rows = max_rows ? max_rows : DWHI_BATCH_DEFAULT_ROWS;
    b->max_bytes = max_bytes ? max_bytes : DWHI_BATCH_DEFAULT_BYTES;
    if (b->max_bytes > (size_t)UINT32_MAX / 2) b->max_bytes = (size_t)UINT32_MAX / 2; /* spans are 32-bit */
    b->keys = keys;
    return b;
}

dwhi_keydict *dwhi_batcher_keys(const dwhi_batcher *b) { return b->keys; }

void dwhi_batcher_free(dwhi_batcher *b) {
    if (!b) return;
    for (size_t i = 0; i < b->n_marks; i++) free(b->marks[i].state);
    free(b->marks);
    free(b->rows);
    free(b->row_arena);
    free(b->cells);
    free(b->arena);
    free(b->prev_ids);
    free(b->cut_state);
    free(b->key_row);
    free(b->key_cell);
    free(b);
}

static int grow(void **p, size_t *cap, size_t need, size_t elem) { return dwhi_array_grow(p, cap, need, elem, 64); }

static const dwhi_span NO_SPAN = {0, UINT32_MAX};

static int put_text(dwhi_batcher *b, const char *s, size_t len, dwhi_span *out) {
    if (!s) {
        *out = NO_SPAN;
        return 0;
    }
    if (b->arena_len + len >= UINT32_MAX || grow((void **)&b->arena, &b->arena_cap, b->arena_len + len + 1, 1) < 0)
        return -1;
    memcpy(b->arena + b->arena_len, s, len);
    *out = (dwhi_span){(uint32_t)b->arena_len, (uint32_t)len};
    b->arena_len += len;
    return 0;
}

/* Encodes json-c value v (not null) into cell c (its key set). */
static int set_cell(dwhi_batcher *b, dwhi_cell *c, json_object *v) {
    int bad = 0;
    switch (json_object_get_type(v)) {
    case json_type_boolean:
        c->type = DWHI_CELL_BOOL;
        c->v.i = json_object_get_boolean(v) ? 1 : 0;
        break;
    case json_type_double:
        c->type = DWHI_CELL_REAL;
        c->v.d = json_object_get_double(v);
        break;
    case json_type_int:
        c->v.i = json_object_get_int64(v);
        c->type = DWHI_CELL_INT;
        if (c->v.i == INT64_MAX && json_object_get_uint64(v) > (uint64_t)INT64_MAX) {
            /* beyond int64: keep the digits */
            size_t len = 0;
            const char *s = json_object_to_json_string_length(v, JSON_C_TO_STRING_PLAIN, &len);
            c->type = DWHI_CELL_BIGINT;
            bad |= put_text(b, s, len, &c->v.s);
        }
        break;
    case json_type_string:
        c->type = DWHI_CELL_TEXT;
        bad |= put_text(b, json_object_get_string(v), (size_t)json_object_get_string_len(v), &c->v.s);
        break;
    default: {
        size_t len = 0;
        const char *s =
            json_object_to_json_string_length(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
        c->type = DWHI_CELL_JSON;
        bad |= put_text(b, s, len, &c->v.s);
    }
    }
    return bad;
}

int dwhi_batcher_text(dwhi_batcher *b, const char *s, size_t len, dwhi_span *out) {
    return put_text(b, s ? s : "", len, out);
}

char *dwhi_batcher_text_reserve(dwhi_batcher *b, size_t len) {
    if (b->arena_len + len >= UINT32_MAX || grow((void **)&b->arena, &b->arena_cap, b->arena_len + len + 1, 1) < 0)
        return NULL;
    return b->arena + b->arena_len;
}

void dwhi_batcher_text_commit(dwhi_batcher *b, size_t len) { b->arena_len += len; }

size_t dwhi_batcher_arena_len(const dwhi_batcher *b) { return b->arena_len; }

int dwhi_batcher_row_begin(dwhi_batcher *b) {
    if (grow((void **)&b->rows, &b->cap, b->n + 1, sizeof *b->rows) < 0 ||
        grow((void **)&b->row_arena, &b->cap_row_arena, b->n + 1, sizeof *b->row_arena) < 0)
        return -1;
    if (++b->serial == 0) { /* wrapped: forget every row's marks */
        if (b->key_row) memset(b->key_row, 0, b->cap_keys * sizeof *b->key_row);
        b->serial = 1;
    }
    b->open = 1;
    b->open_cells0 = b->n_cells;
    b->open_arena0 = b->arena_len;
    return 0;
}

/* Room in the per-key marks for key ids up to `key`.  0, -1 on OOM. */
static int keys_reserve(dwhi_batcher *b, uint32_t key) {
    if (key < b->cap_keys) return 0;
    size_t cap = b->cap_keys ? b->cap_keys : 64;
    while (cap <= key) cap *= 2;
    uint32_t *kr = realloc(b->key_row, cap * sizeof *kr);
    if (!kr) return -1;
    memset(kr + b->cap_keys, 0, (cap - b->cap_keys) * sizeof *kr);
    b->key_row = kr;
    uint32_t *kc = realloc(b->key_cell, cap * sizeof *kc);
    if (!kc) return -1;
    b->key_cell = kc;
    b->cap_keys = cap;
    return 0;
}

/* The open row's cell of `key` (room for the key's mark and one more
 * cell reserved): the one it has (a key set again replaces its value), or a
 * new zeroed one. */
static dwhi_cell *key_cell(dwhi_batcher *b, uint32_t key) {
    if (b->key_row[key] == b->serial) return &b->cells[b->key_cell[key]];
    b->key_row[key] = b->serial;
    b->key_cell[key] = (uint32_t)b->n_cells;
    dwhi_cell *c = &b->cells[b->n_cells++];
    memset(c, 0, sizeof *c);
    c->key = key;
    return c;
}

dwhi_cell *dwhi_batcher_row_cell(dwhi_batcher *b, uint32_t key) {
    if (keys_reserve(b, key) < 0 || grow((void **)&b->cells, &b->cap_cells, b->n_cells + 1, sizeof *b->cells) < 0)
        return NULL;
    return key_cell(b, key);
}

/* The extras of a row being closed. */
static int put_extras(dwhi_batcher *b, dwhi_brow *r, const dwhi_row_extras *x) {
    int bad = 0;
    if (x->partition) bad |= put_text(b, x->partition, strlen(x->partition), &r->partition);
    bad |= put_text(b, x->pk, x->pk_len, &r->pk);
    bad |= put_text(b, x->wm_text, x->wm_len, &r->wm_text);
    if (x->wm) {
        r->has_wm = 1;
        r->wm = *x->wm;
    }
    return bad;
}

int dwhi_batcher_row_end(dwhi_batcher *b, const dwhi_row_extras *x) {
    size_t keep = b->open_cells0;
    for (size_t c = b->open_cells0; c < b->n_cells; c++)
        if (b->cells[c].type != DWHI_CELL_NULL) b->cells[keep++] = b->cells[c];
    b->n_cells = keep;
    dwhi_brow r = {.first = (uint32_t)b->open_cells0, .partition = NO_SPAN, .pk = NO_SPAN, .wm_text = NO_SPAN,
                  .json = NO_SPAN};
    if (x && (put_extras(b, &r, x) || (x->json && put_text(b, x->json, x->json_len, &r.json)))) {
        dwhi_batcher_row_abort(b);
        return -1;
    }
    r.n_cells = (uint32_t)(b->n_cells - b->open_cells0);
    b->row_arena[b->n] = (uint32_t)b->open_arena0;
    b->rows[b->n++] = r;
    b->open = 0;
    return 0;
}

dwhi_cell *dwhi_batcher_row_cells(dwhi_batcher *b, size_t *n) {
    *n = b->n_cells - b->open_cells0;
    return b->cells ? b->cells + b->open_cells0 : NULL;
}

int dwhi_batcher_last_row_json(dwhi_batcher *b, const char *json, size_t len) {
    if (!b->n) return -1;
    return put_text(b, json, len, &b->rows[b->n - 1].json);
}

void dwhi_batcher_row_abort(dwhi_batcher *b) {
    if (!b->open) return;
    b->n_cells = b->open_cells0;
    b->arena_len = b->open_arena0;
    b->open = 0;
    if (++b->serial == 0) {
        if (b->key_row) memset(b->key_row, 0, b->cap_keys * sizeof *b->key_row);
        b->serial = 1;
    }
}

dwhi_rowv dwhi_batcher_row(const dwhi_batcher *b, size_t i) {
    const dwhi_brow *r = &b->rows[i];
    return (dwhi_rowv){.cells = b->cells ? b->cells + r->first : NULL, .n = r->n_cells, .arena = b->arena,
                      .keys = b->keys, .json = r->json.len == UINT32_MAX ? NULL : b->arena + r->json.off,
                      .json_len = r->json.len == UINT32_MAX ? 0 : r->json.len};
}

const dwhi_cell *dwhi_rowv_find(const dwhi_rowv *v, uint32_t key) {
    for (uint32_t i = 0; i < v->n; i++)
        if (v->cells[i].key == key) return &v->cells[i];
    return NULL;
}

static int has_text(uint32_t type) {
    return type == DWHI_CELL_TEXT || type == DWHI_CELL_BIGINT || type == DWHI_CELL_JSON;
}

/* Copies the cells of v into the open row (later cells of a key win). */
/* Copies v's cells and texts into the open row: one reservation for all
 * of them (this runs for every row of every page). */
static int copy_cells(dwhi_batcher *b, const dwhi_rowv *v) {
    size_t text = 0;
    uint32_t max_key = 0;
    for (uint32_t i = 0; i < v->n; i++) {
        if (has_text(v->cells[i].type)) text += v->cells[i].v.s.len;
        if (v->cells[i].key > max_key) max_key = v->cells[i].key;
    }
    if ((v->n && keys_reserve(b, max_key) < 0) || b->arena_len + text >= UINT32_MAX ||
        grow((void **)&b->arena, &b->arena_cap, b->arena_len + text + 1, 1) < 0 ||
        grow((void **)&b->cells, &b->cap_cells, b->n_cells + v->n, sizeof *b->cells) < 0)
        return -1;
    for (uint32_t i = 0; i < v->n; i++) {
        const dwhi_cell *src = &v->cells[i];
        dwhi_cell *c = key_cell(b, src->key);
        *c = *src;
        if (has_text(src->type)) {
            memcpy(b->arena + b->arena_len, v->arena + src->v.s.off, src->v.s.len);
            c->v.s = (dwhi_span){(uint32_t)b->arena_len, src->v.s.len};
            b->arena_len += src->v.s.len;
        }
    }
    return 0;
}

/* Sets the members of json-c object `extra` on the open row (null: the
 * column removed, as a NULL cell the row's end drops). */
static int extra_cells(dwhi_batcher *b, json_object *extra) {
    json_object_object_foreach(extra, key, val) {
        int32_t id = dwhi_keydict_intern(b->keys, key, strlen(key));
        if (id < 0) return -1;
        dwhi_cell tmp = {.key = (uint32_t)id, .type = DWHI_CELL_NULL};
        if (val && set_cell(b, &tmp, val)) return -1;
        dwhi_cell *c = dwhi_batcher_row_cell(b, (uint32_t)id);
        if (!c) return -1;
        *c = tmp;
    }
    return 0;
}

int dwhi_batcher_add_rowv(dwhi_batcher *b, const dwhi_rowv *v, json_object *extra, const dwhi_row_extras *x) {
    if (dwhi_batcher_row_begin(b) < 0) return -1;
    dwhi_brow r = {.first = (uint32_t)b->n_cells, .partition = NO_SPAN, .pk = NO_SPAN, .wm_text = NO_SPAN,
                  .json = NO_SPAN};
    int bad = 0;
    if (x && x->json) {
        bad |= put_text(b, x->json, x->json_len, &r.json);
    } else {
        bad |= copy_cells(b, v);
        if (!bad && extra) bad |= extra_cells(b, extra);
    }
    if (!bad && x) bad |= put_extras(b, &r, x);
    if (bad) {
        dwhi_batcher_row_abort(b);
        return -1;
    }
    size_t keep = b->open_cells0; /* a removed column left a NULL cell */
    for (size_t c = b->open_cells0; c < b->n_cells; c++)
        if (b->cells[c].type != DWHI_CELL_NULL) b->cells[keep++] = b->cells[c];
    b->n_cells = keep;
    r.n_cells = (uint32_t)(b->n_cells - b->open_cells0);
    b->row_arena[b->n] = (uint32_t)b->open_arena0;
    b->rows[b->n++] = r;
    b->open = 0;
    return 0;
}

void dwhi_batcher_truncate(dwhi_batcher *b, size_t n) {
    if (n >= b->n) return;
    b->n_cells = b->rows[n].first;
    b->arena_len = b->row_arena[n];
    b->n = n;
}

void dwhi_batcher_clear(dwhi_batcher *b) {
    for (size_t i = 0; i < b->n_marks; i++) free(b->marks[i].state);
    b->n_marks = 0;
    free(b->cut_state);
    b->cut_state = NULL;
    b->cut_rows = 0;
    b->n = 0;
    b->n_cells = 0;
    b->arena_len = 0;
    b->open = 0;
}

static int32_t key_id(dwhi_batcher *b, size_t pos, const char *k) {
    if (pos < b->n_prev) { /* rows of a page mostly have the same keys in the same order */
        uint32_t id = b->prev_ids[pos];
        const char *name = dwhi_keydict_name(b->keys, id);
        if (name && !strcmp(name, k)) return (int32_t)id;
    }
    int32_t id = dwhi_keydict_intern(b->keys, k, strlen(k));
    if (id < 0) return -1;
    if (grow((void **)&b->prev_ids, &b->cap_prev, pos + 1, sizeof *b->prev_ids) < 0) return -1;
    b->prev_ids[pos] = (uint32_t)id;
    if (pos >= b->n_prev) b->n_prev = pos + 1;
    return id;
}

int dwhi_batcher_add_row(dwhi_batcher *b, json_object *row, const dwhi_row_extras *x) {
    if (grow((void **)&b->rows, &b->cap, b->n + 1, sizeof *b->rows) < 0 ||
        grow((void **)&b->row_arena, &b->cap_row_arena, b->n + 1, sizeof *b->row_arena) < 0)
        return -1;
    size_t cells0 = b->n_cells, arena0 = b->arena_len;
    dwhi_brow r = {.first = (uint32_t)b->n_cells, .partition = NO_SPAN, .pk = NO_SPAN, .wm_text = NO_SPAN,
                  .json = NO_SPAN};
    int bad = 0;
    if (x && x->json) {
        bad |= put_text(b, x->json, x->json_len, &r.json);
    } else {
        size_t pos = 0;
        json_object_object_foreach(row, k, v) {
            enum json_type t = json_object_get_type(v);
            if (t == json_type_null) {
                pos++;
                continue; /* absent and null are the same to a table */
            }
            int32_t id = key_id(b, pos++, k);
            if (id < 0 || grow((void **)&b->cells, &b->cap_cells, b->n_cells + 1, sizeof *b->cells) < 0) {
                bad = 1;
                break;
            }
            dwhi_cell *c = &b->cells[b->n_cells];
            c->key = (uint32_t)id;
            bad |= set_cell(b, c, v);
            b->n_cells++;
        }
    }
    if (!bad && x) bad |= put_extras(b, &r, x);
    if (bad) { /* leave the buffer as it was */
        b->n_cells = cells0;
        b->arena_len = arena0;
        return -1;
    }
    r.n_cells = (uint32_t)(b->n_cells - cells0);
    b->row_arena[b->n] = (uint32_t)arena0;
    b->rows[b->n++] = r;
    return 0;
}

int dwhi_batcher_mark(dwhi_batcher *b, const char *state) {
    char *copy = strdup(state ? state : "null");
    if (!copy) return -1;
    if (b->n_marks && b->marks[b->n_marks - 1].pos == b->n) {
        free(b->marks[b->n_marks - 1].state);
        b->marks[b->n_marks - 1].state = copy;
        return 0;
    }
    if (grow((void **)&b->marks, &b->cap_marks, b->n_marks + 1, sizeof *b->marks) < 0) {
        free(copy);
        return -1;
    }
    b->marks[b->n_marks++] = (mark){b->n, copy};
    return 0;
}

size_t dwhi_batcher_bytes(const dwhi_batcher *b) {
    return b->arena_len + b->n_cells * sizeof(dwhi_cell) + b->n * (sizeof(dwhi_brow) + sizeof(uint32_t));
}

int dwhi_batcher_full(const dwhi_batcher *b) { return b->n >= b->max_rows || dwhi_batcher_bytes(b) >= b->max_bytes; }
size_t dwhi_batcher_rows(const dwhi_batcher *b) { return b->n; }
int dwhi_batcher_has_mark(const dwhi_batcher *b) { return b->n_marks > 0; }

int dwhi_batcher_cut(dwhi_batcher *b, dwhi_cut how, dwhi_batch *out) {
    memset(out, 0, sizeof *out);
    dwhi_batcher_release(b); /* a cut that was never released */
    size_t cut;
    char *state = NULL;
    if (b->n_marks) {
        mark *last = &b->marks[b->n_marks - 1];
        cut = last->pos;
        state = last->state;
        last->state = NULL;
        if (how == DWHI_CUT_ALL && cut < b->n) { /* rows after the last mark: no resume point at the end */
            free(state);
            state = NULL;
            cut = b->n;
        }
        /* DWHI_CUT_FULL with the last mark at 0 cuts the state alone; the
         * caller cuts again while the buffer stays full (stateless). */
    } else {
        if (how == DWHI_CUT_TO_MARK) return 0;
        cut = b->n;
    }
    for (size_t i = 0; i < b->n_marks; i++) free(b->marks[i].state);
    b->n_marks = 0;
    b->cut_rows = cut;
    b->cut_state = state;
    out->rows = b->rows;
    out->n = cut;
    out->cells = b->cells;
    out->arena = b->arena;
    out->keys = b->keys;
    out->state = state;
    size_t cells_end = cut < b->n ? b->rows[cut].first : b->n_cells;
    size_t arena_end = cut < b->n ? b->row_arena[cut] : b->arena_len;
    out->bytes = arena_end + cells_end * sizeof(dwhi_cell) + cut * (sizeof(dwhi_brow) + sizeof(uint32_t));
    out->n_cells = cells_end;
    out->arena_len = arena_end;
    return 0;
}

int dwhi_batcher_trade(dwhi_batcher *b, dwhi_batch_mem *m) {
    if (b->open || b->cut_rows != b->n) return 0;
    dwhi_brow *rows = b->rows;
    size_t cap_rows = b->cap;
    dwhi_cell *cells = b->cells;
    size_t cap_cells = b->cap_cells;
    char *arena = b->arena;
    size_t cap_arena = b->arena_cap;
    b->rows = m->rows;
    b->cap = m->cap_rows;
    b->cells = m->cells;
    b->cap_cells = m->cap_cells;
    b->arena = m->arena;
    b->arena_cap = m->cap_arena;
    *m = (dwhi_batch_mem){rows, cap_rows, cells, cap_cells, arena, cap_arena};
    return 1;
}

static void shift_span(dwhi_span *s, uint32_t by) {
    if (s->len != UINT32_MAX) s->off -= by;
}

void dwhi_batcher_release(dwhi_batcher *b) {
    size_t cut = b->cut_rows;
    free(b->cut_state);
    b->cut_state = NULL;
    b->cut_rows = 0;
    if (cut == 0) return;
    size_t keep = b->n - cut;
    size_t cells_base = cut < b->n ? b->rows[cut].first : b->n_cells;
    size_t arena_base = cut < b->n ? b->row_arena[cut] : b->arena_len;
    if (keep) {
        memmove(b->rows, b->rows + cut, keep * sizeof *b->rows);
        memmove(b->row_arena, b->row_arena + cut, keep * sizeof *b->row_arena);
        if (b->n_cells > cells_base)
            memmove(b->cells, b->cells + cells_base, (b->n_cells - cells_base) * sizeof *b->cells);
        if (b->arena_len > arena_base) memmove(b->arena, b->arena + arena_base, b->arena_len - arena_base);
        uint32_t by = (uint32_t)arena_base;
        for (size_t i = 0; i < keep; i++) {
            dwhi_brow *r = &b->rows[i];
            r->first -= (uint32_t)cells_base;
            shift_span(&r->partition, by);
            shift_span(&r->pk, by);
            shift_span(&r->wm_text, by);
            shift_span(&r->json, by);
            b->row_arena[i] -= by;
        }
        for (size_t c = 0; c < b->n_cells - cells_base; c++) {
            dwhi_cell *cell = &b->cells[c];
            if (cell->type == DWHI_CELL_TEXT || cell->type == DWHI_CELL_BIGINT || cell->type == DWHI_CELL_JSON)
                cell->v.s.off -= by;
        }
    }
    b->n = keep;
    b->n_cells -= cells_base;
    b->arena_len -= arena_base;
}

/* FNV-1a of a key tuple's text. */
static uint64_t key_hash(const char *s, uint32_t len) {
    uint64_t h = 1469598103934665603ull;
    for (uint32_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

/* Walks the keyed rows of `b` in order with an open-addressing set of
 * their key tuples; for each row r whose key the row `earlier` had last,
 * calls seen(ud, earlier, r) and stops when it returns non-zero.  Returns
 * 0, or -1 out of memory (nothing was called). */
static int walk_repeats(const dwhi_batch *b, int (*seen)(void *ud, size_t earlier, size_t r), void *ud) {
    size_t cap = 16;
    while (cap < b->n * 2) cap *= 2;
    uint32_t *slots = calloc(cap, sizeof *slots); /* row index + 1 of the latest row of the key */
    if (!slots) return -1;
    int stop = 0;
    for (size_t r = 0; r < b->n && !stop; r++) {
        dwhi_span k = b->rows[r].pk;
        if (k.len == UINT32_MAX) continue;
        const char *text = b->arena + k.off;
        size_t i = (size_t)key_hash(text, k.len) & (cap - 1);
        for (; slots[i]; i = (i + 1) & (cap - 1)) {
            dwhi_span o = b->rows[slots[i] - 1].pk;
            if (o.len == k.len && !memcmp(b->arena + o.off, text, k.len)) {
                stop = seen(ud, slots[i] - 1, r);
                break;
            }
        }
        slots[i] = (uint32_t)r + 1;
    }
    free(slots);
    return 0;
}

typedef struct marks {
    uint8_t *skip;
    size_t marked;
} marks;

static int mark_earlier(void *ud, size_t earlier, size_t r) {
    (void)r;
    marks *m = ud;
    m->skip[earlier] = 1; /* an earlier row of the key: the later one wins */
    m->marked++;
    return 0;
}

size_t dwhi_batch_mark_repeats(const dwhi_batch *b, uint8_t *skip) {
    if (b->n) memset(skip, 0, b->n);
    marks m = {skip, 0};
    return walk_repeats(b, mark_earlier, &m) < 0 ? SIZE_MAX : m.marked;
}

static int stop_at(void *ud, size_t earlier, size_t r) {
    (void)earlier;
    *(size_t *)ud = r;
    return 1;
}

int dwhi_batch_first_repeat(const dwhi_batch *b, size_t *row) {
    *row = SIZE_MAX;
    if (walk_repeats(b, stop_at, row) < 0) return -1;
    return *row != SIZE_MAX;
}
