/* batcher.c -- row buffer with resume points (see batcher.h). */
#include "batcher.h"

#include <stdlib.h>
#include <string.h>

typedef struct mark {
    size_t pos; /* number of buffered rows before the mark */
    char *state;
} mark;

struct dwh_batcher {
    size_t max_rows, max_bytes;
    json_object **rows;
    size_t *sizes;
    size_t n, cap, bytes;
    mark *marks;
    size_t n_marks, cap_marks;
};

dwh_batcher *dwh_batcher_new(size_t max_rows, size_t max_bytes) {
    dwh_batcher *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->max_rows = max_rows ? max_rows : DWH_BATCH_DEFAULT_ROWS;
    b->max_bytes = max_bytes ? max_bytes : DWH_BATCH_DEFAULT_BYTES;
    return b;
}

void dwh_batcher_free(dwh_batcher *b) {
    if (!b) return;
    for (size_t i = 0; i < b->n; i++) json_object_put(b->rows[i]);
    for (size_t i = 0; i < b->n_marks; i++) free(b->marks[i].state);
    free(b->rows);
    free(b->sizes);
    free(b->marks);
    free(b);
}

int dwh_batcher_add_row(dwh_batcher *b, json_object *row, size_t bytes) {
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : (b->max_rows < 1024 ? b->max_rows + 1 : 1024);
        json_object **r = realloc(b->rows, cap * sizeof *r);
        if (!r) return -1;
        b->rows = r;
        size_t *s = realloc(b->sizes, cap * sizeof *s);
        if (!s) return -1;
        b->sizes = s;
        b->cap = cap;
    }
    b->rows[b->n] = json_object_get(row);
    b->sizes[b->n] = bytes;
    b->n++;
    b->bytes += bytes;
    return 0;
}

int dwh_batcher_mark(dwh_batcher *b, const char *state) {
    char *copy = strdup(state ? state : "null");
    if (!copy) return -1;
    if (b->n_marks && b->marks[b->n_marks - 1].pos == b->n) {
        free(b->marks[b->n_marks - 1].state);
        b->marks[b->n_marks - 1].state = copy;
        return 0;
    }
    if (b->n_marks == b->cap_marks) {
        size_t cap = b->cap_marks ? b->cap_marks * 2 : 8;
        mark *m = realloc(b->marks, cap * sizeof *m);
        if (!m) {
            free(copy);
            return -1;
        }
        b->marks = m;
        b->cap_marks = cap;
    }
    b->marks[b->n_marks++] = (mark){b->n, copy};
    return 0;
}

int dwh_batcher_full(const dwh_batcher *b) { return b->n >= b->max_rows || b->bytes >= b->max_bytes; }
size_t dwh_batcher_rows(const dwh_batcher *b) { return b->n; }
int dwh_batcher_has_mark(const dwh_batcher *b) { return b->n_marks > 0; }

int dwh_batcher_cut(dwh_batcher *b, dwh_cut how, dwh_batch *out) {
    memset(out, 0, sizeof *out);
    size_t cut;
    char *state = NULL;
    size_t used_marks = b->n_marks;
    if (b->n_marks) {
        mark *last = &b->marks[b->n_marks - 1];
        cut = last->pos;
        state = last->state;
        last->state = NULL;
        if (how == DWH_CUT_ALL && cut < b->n) { /* rows after the last mark: no resume point at the end */
            free(state);
            state = NULL;
            cut = b->n;
        }
        /* DWH_CUT_FULL with the last mark at 0 cuts the state alone; the
         * caller cuts again while the buffer stays full (stateless). */
    } else {
        if (how == DWH_CUT_TO_MARK) return 0;
        cut = b->n;
    }
    for (size_t i = 0; i < used_marks; i++) free(b->marks[i].state);
    b->n_marks = 0;
    if (cut > 0) {
        out->rows = malloc(cut * sizeof *out->rows);
        if (!out->rows) {
            free(state);
            return -1;
        }
        memcpy(out->rows, b->rows, cut * sizeof *out->rows);
    }
    out->n = cut;
    out->state = state;
    for (size_t i = 0; i < cut; i++) out->bytes += b->sizes[i];
    if (cut > 0 && b->n > cut) {
        memmove(b->rows, b->rows + cut, (b->n - cut) * sizeof *b->rows);
        memmove(b->sizes, b->sizes + cut, (b->n - cut) * sizeof *b->sizes);
    }
    b->n -= cut;
    b->bytes -= out->bytes;
    return 0;
}

void dwh_batch_release(dwh_batch *batch) {
    for (size_t i = 0; i < batch->n; i++) json_object_put(batch->rows[i]);
    free(batch->rows);
    free(batch->state);
    memset(batch, 0, sizeof *batch);
}

static size_t estimate(json_object *v, int depth) {
    switch (json_object_get_type(v)) {
    case json_type_string: return (size_t)json_object_get_string_len(v) + 2;
    case json_type_object: {
        size_t n = 2;
        if (depth > 32) return n + 64;
        json_object_object_foreach(v, k, child) n += strlen(k) + 4 + estimate(child, depth + 1);
        return n;
    }
    case json_type_array: {
        size_t n = 2, len = json_object_array_length(v);
        if (depth > 32) return n + 64;
        for (size_t i = 0; i < len; i++) n += 1 + estimate(json_object_array_get_idx(v, i), depth + 1);
        return n;
    }
    default: return 8;
    }
}

size_t dwh_row_size_estimate(json_object *row) { return estimate(row, 0); }
