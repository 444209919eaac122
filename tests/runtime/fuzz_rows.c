/*
 * fuzz_rows.c -- libFuzzer target holding the streaming parse of pages of
 * rows (host/src/rows/json_rows.c, yajl) to the strict json-c parse
 * (json_strict.c) that every other text goes through:
 *   - the same verdict (the strict parse has yajl judge the grammar, so
 *     RFC 8259 is the rule for both);
 *   - for an accepted text, the same rows cell by cell (keys, types,
 *     values), a nested value's text equal to json-c's or, where a key is
 *     repeated inside it, equal once json-c has read it;
 *   - the same captured values (has_more, links.next, meta.cursor) and
 *     the same rows at the data selector "data".
 * The first byte picks the mode (body or "data") and how the text is cut
 * into chunks, so values split across chunks are exercised.  A
 * disagreement aborts, which libFuzzer reports with the input.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rows/batcher.h"
#include "base/json_path.h"
#include "rows/json_rows.h"
#include "base/json_strict.h"

static const char *const CAPTURES[] = {"has_more", "links.next", "meta.cursor", NULL};

static void disagree(const char *what) {
    fprintf(stderr, "fuzz-rows: %s\n", what);
    abort();
}

/* The reference: the rows (and captures) the DOM parse gives, encoded by
 * the batcher's json-c path. 0 accepted, -1 refused. */
static int reference(const char *text, size_t len, const char *rows_path, dwh_batcher *out, json_object **root) {
    char err[256];
    if (dwh_json_parse_strict(text, len, root, err, sizeof err) != 0) return -1;
    json_object *sel = *root;
    if (rows_path) {
        if (!json_object_is_type(*root, json_type_object) || !dwh_json_path_exists(*root, rows_path)) return 0;
        sel = dwh_json_path(*root, rows_path);
    }
    if (!sel) return 0;
    if (json_object_is_type(sel, json_type_object)) return dwh_batcher_add_row(out, sel, NULL) == 0 ? 0 : -2;
    if (!json_object_is_type(sel, json_type_array)) return -1; /* not rows */
    for (size_t i = 0; i < json_object_array_length(sel); i++)
        if (!json_object_is_type(json_object_array_get_idx(sel, i), json_type_object)) return -1;
    for (size_t i = 0; i < json_object_array_length(sel); i++)
        if (dwh_batcher_add_row(out, json_object_array_get_idx(sel, i), NULL) != 0) return -2;
    return 0;
}

static const char *plain(json_object *v) {
    return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* Candidate text `c` stands for reference text `r`: equal, or equal once
 * json-c has read it (a key repeated inside, which json-c collapses). */
static int same_json(const char *c, size_t clen, const char *r, size_t rlen) {
    if (clen == rlen && !memcmp(c, r, clen)) return 1;
    json_object *v = NULL;
    char err[256];
    if (dwh_json_parse_strict(c, clen, &v, err, sizeof err) != 0) return 0;
    const char *t = plain(v);
    int ok = strlen(t) == rlen && !memcmp(t, r, rlen);
    json_object_put(v);
    return ok;
}

/* The row objects of the reference, for their texts. */
static json_object *ref_row(json_object *root, const char *rows_path, size_t i) {
    json_object *sel = rows_path ? dwh_json_path(root, rows_path) : root;
    return json_object_is_type(sel, json_type_array) ? json_object_array_get_idx(sel, i) : sel;
}

static void compare_rows(const dwh_batcher *ref, const dwh_batcher *cand, json_object *root, const char *rows_path,
                         int row_text) {
    if (dwh_batcher_rows(ref) != dwh_batcher_rows(cand)) disagree("different numbers of rows");
    for (size_t i = 0; i < dwh_batcher_rows(ref); i++) {
        /* the row's text (JSON-lines output) is json-c's text of the row */
        const char *rt = plain(ref_row(root, rows_path, i));
        dwh_rowv cv = dwh_batcher_row(cand, i);
        if (row_text && (!cv.json || !same_json(cv.json, cv.json_len, rt, strlen(rt)))) disagree("a different row text");
        dwh_rowv a = dwh_batcher_row(ref, i), b = dwh_batcher_row(cand, i);
        if (a.n != b.n) disagree("a row has a different number of cells");
        for (uint32_t k = 0; k < a.n; k++) {
            const dwh_cell *x = &a.cells[k], *y = &b.cells[k];
            if (strcmp(dwh_keydict_name(a.keys, x->key), dwh_keydict_name(b.keys, y->key)) != 0)
                disagree("cells in a different order or with different keys");
            if (x->type != y->type) disagree("a cell of another type");
            switch (x->type) {
            case DWH_CELL_INT:
            case DWH_CELL_BOOL:
                if (x->v.i != y->v.i) disagree("a different integer or boolean");
                break;
            case DWH_CELL_REAL:
                if (memcmp(&x->v.d, &y->v.d, sizeof x->v.d) != 0) disagree("a different double");
                break;
            case DWH_CELL_TEXT:
            case DWH_CELL_BIGINT:
                if (x->v.s.len != y->v.s.len || memcmp(a.arena + x->v.s.off, b.arena + y->v.s.off, x->v.s.len))
                    disagree("a different string");
                break;
            case DWH_CELL_JSON:
                if (!same_json(b.arena + y->v.s.off, y->v.s.len, a.arena + x->v.s.off, x->v.s.len))
                    disagree("a different nested value");
                break;
            default: disagree("an unexpected cell type");
            }
        }
    }
}

static void compare_captures(json_object *root, const dwh_json_rows *p) {
    for (size_t i = 0; CAPTURES[i]; i++) {
        size_t clen = 0;
        const char *c = dwh_json_rows_capture(p, i, &clen);
        int exists = json_object_is_type(root, json_type_object) && dwh_json_path_exists(root, CAPTURES[i]);
        if (!exists) {
            if (c) disagree("a capture where json-c has no value");
            continue;
        }
        if (!c) disagree("no capture where json-c has a value");
        json_object *v = dwh_json_path(root, CAPTURES[i]);
        const char *r = v ? plain(v) : "null";
        if (!same_json(c, clen, r, strlen(r))) disagree("a different captured value");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size > 1 << 16) return 0;
    uint8_t mode = data[0];
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    const char *rows_path = mode & 1 ? "data" : NULL;
    size_t chunk = (size_t)(mode >> 1) + 1; /* 1..128 bytes at a time */

    dwh_keydict *keys = dwh_keydict_new();
    dwh_batcher *ref = dwh_batcher_new(SIZE_MAX / 4, SIZE_MAX / 4, keys);
    dwh_batcher *cand = dwh_batcher_new(SIZE_MAX / 4, SIZE_MAX / 4, keys);
    /* half the inputs keep each row's text (JSON lines: nested cells point
     * into it), half write nested values on their own (the warehouse) */
    int row_text = (int)(len & 1);
    dwh_json_rows_spec spec = {.rows_path = rows_path, .captures = rows_path ? CAPTURES : NULL, .row_text = row_text};
    dwh_json_rows *p = dwh_json_rows_new(&spec, cand);
    if (!keys || !ref || !cand || !p) abort();

    json_object *root = NULL;
    int r = reference(text, len, rows_path, ref, &root);
    if (r == -2) abort(); /* out of memory */
    int c = 0;
    for (size_t off = 0; off < len && c == 0; off += chunk)
        c = dwh_json_rows_feed(p, text + off, len - off < chunk ? len - off : chunk);
    if (c == 0) c = dwh_json_rows_finish(p);
    const char *msg = "";
    dwh_json_rows_err err = dwh_json_rows_error(p, &msg, NULL);
    if (err == DWH_JSON_ROWS_ERR_NOMEM) abort();

    if (r == 0 && c != 0) {
        fprintf(stderr, "refused: %s\n", msg);
        disagree("the streaming parse refused a text json-c accepts");
    }
    if (r != 0 && c == 0) disagree("the streaming parse accepted a text json-c refuses");
    if (r == 0 && c == 0) {
        if (rows_path && !dwh_json_path_exists(root, rows_path) != (dwh_json_rows_kind(p) == DWH_ROWS_ABSENT))
            disagree("the rows are found by one parse only");
        compare_rows(ref, cand, root, rows_path, row_text);
        if (rows_path) compare_captures(root, p);
    }
    json_object_put(root);
    dwh_json_rows_free(p);
    dwh_batcher_free(ref);
    dwh_batcher_free(cand);
    dwh_keydict_free(keys);
    return 0;
}
