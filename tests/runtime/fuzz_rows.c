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
static int reference(const char *text, size_t len, const char *rows_path, dwhi_batcher *out, json_object **root) {
    char err[256];
    if (dwhi_json_parse_strict(text, len, root, err, sizeof err) != 0) return -1;
    json_object *sel = *root;
    if (rows_path) {
        if (!json_object_is_type(*root, json_type_object) || !dwhi_json_path_exists(*root, rows_path)) return 0;
        sel = dwhi_json_path(*root, rows_path);
    }
    if (!sel) return 0;
    if (json_object_is_type(sel, json_type_object)) return dwhi_batcher_add_row(out, sel, NULL) == 0 ? 0 : -2;
    if (!json_object_is_type(sel, json_type_array)) return -1; /* not rows */
    for (size_t i = 0; i < json_object_array_length(sel); i++)
        if (!json_object_is_type(json_object_array_get_idx(sel, i), json_type_object)) return -1;
    for (size_t i = 0; i < json_object_array_length(sel); i++)
        if (dwhi_batcher_add_row(out, json_object_array_get_idx(sel, i), NULL) != 0) return -2;
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
    if (dwhi_json_parse_strict(c, clen, &v, err, sizeof err) != 0) return 0;
    const char *t = plain(v);
    int ok = strlen(t) == rlen && !memcmp(t, r, rlen);
    json_object_put(v);
    return ok;
}

/* The row objects of the reference, for their texts. */
static json_object *ref_row(json_object *root, const char *rows_path, size_t i) {
    json_object *sel = rows_path ? dwhi_json_path(root, rows_path) : root;
    return json_object_is_type(sel, json_type_array) ? json_object_array_get_idx(sel, i) : sel;
}

static void compare_rows(const dwhi_batcher *ref, const dwhi_batcher *cand, json_object *root, const char *rows_path,
                         int row_text) {
    if (dwhi_batcher_rows(ref) != dwhi_batcher_rows(cand)) disagree("different numbers of rows");
    for (size_t i = 0; i < dwhi_batcher_rows(ref); i++) {
        /* the row's text (JSON-lines output) is json-c's text of the row */
        const char *rt = plain(ref_row(root, rows_path, i));
        dwhi_rowv cv = dwhi_batcher_row(cand, i);
        if (row_text && (!cv.json || !same_json(cv.json, cv.json_len, rt, strlen(rt)))) disagree("a different row text");
        dwhi_rowv a = dwhi_batcher_row(ref, i), b = dwhi_batcher_row(cand, i);
        if (a.n != b.n) disagree("a row has a different number of cells");
        for (uint32_t k = 0; k < a.n; k++) {
            const dwhi_cell *x = &a.cells[k], *y = &b.cells[k];
            if (strcmp(dwhi_keydict_name(a.keys, x->key), dwhi_keydict_name(b.keys, y->key)) != 0)
                disagree("cells in a different order or with different keys");
            if (x->type != y->type) disagree("a cell of another type");
            switch (x->type) {
            case DWHI_CELL_INT:
            case DWHI_CELL_BOOL:
                if (x->v.i != y->v.i) disagree("a different integer or boolean");
                break;
            case DWHI_CELL_REAL:
                if (memcmp(&x->v.d, &y->v.d, sizeof x->v.d) != 0) disagree("a different double");
                break;
            case DWHI_CELL_TEXT:
            case DWHI_CELL_BIGINT:
                if (x->v.s.len != y->v.s.len || memcmp(a.arena + x->v.s.off, b.arena + y->v.s.off, x->v.s.len))
                    disagree("a different string");
                break;
            case DWHI_CELL_JSON:
                if (!same_json(b.arena + y->v.s.off, y->v.s.len, a.arena + x->v.s.off, x->v.s.len))
                    disagree("a different nested value");
                break;
            default: disagree("an unexpected cell type");
            }
        }
    }
}

static void compare_captures(json_object *root, const dwhi_json_rows *p) {
    for (size_t i = 0; CAPTURES[i]; i++) {
        size_t clen = 0;
        const char *c = dwhi_json_rows_capture(p, i, &clen);
        int exists = json_object_is_type(root, json_type_object) && dwhi_json_path_exists(root, CAPTURES[i]);
        if (!exists) {
            if (c) disagree("a capture where json-c has no value");
            continue;
        }
        if (!c) disagree("no capture where json-c has a value");
        json_object *v = dwhi_json_path(root, CAPTURES[i]);
        const char *r = v ? plain(v) : "null";
        if (!same_json(c, clen, r, strlen(r))) disagree("a different captured value");
    }
}

static int hexval(const char *h, unsigned *v) {
    *v = 0;
    for (int k = 0; k < 4; k++) {
        char c = h[k];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return -1;
        *v = *v * 16 + (unsigned)d;
    }
    return 0;
}

/* json-c (0.16) decodes a surrogate pair whose code point lies in
 * U+xD800..U+xDFFF of planes 1-16 (e.g. \ud837\ude0d, U+1DE0D; CJK
 * extension characters around U+2D800) to U+FFFD: it tests the combined
 * code point against the surrogate range with a 16-bit mask.  The streaming
 * parse decodes them correctly, so for such a text only the verdicts are
 * compared, not the values. */
static int json_c_misdecodes(const char *t, size_t len) {
    for (size_t i = 0; i + 12 <= len; i++) {
        unsigned hi, lo;
        if (t[i] != '\\' || t[i + 1] != 'u' || hexval(t + i + 2, &hi) < 0 || hi < 0xD800 || hi > 0xDBFF) continue;
        if (t[i + 6] != '\\' || t[i + 7] != 'u' || hexval(t + i + 8, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF) continue;
        unsigned cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
        if ((cp & 0xF800) == 0xD800) return 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size > 1 << 16) return 0;
    uint8_t mode = data[0];
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    const char *rows_path = mode & 1 ? "data" : NULL;
    size_t chunk = (size_t)(mode >> 1) + 1; /* 1..128 bytes at a time */

    dwhi_keydict *keys = dwhi_keydict_new();
    dwhi_batcher *ref = dwhi_batcher_new(SIZE_MAX / 4, SIZE_MAX / 4, keys);
    dwhi_batcher *cand = dwhi_batcher_new(SIZE_MAX / 4, SIZE_MAX / 4, keys);
    /* half the inputs keep each row's text (JSON lines: nested cells point
     * into it), half write nested values on their own (the warehouse) */
    int row_text = (int)(len & 1);
    dwhi_json_rows_spec spec = {.rows_path = rows_path, .captures = rows_path ? CAPTURES : NULL, .row_text = row_text};
    dwhi_json_rows *p = dwhi_json_rows_new(&spec, cand);
    if (!keys || !ref || !cand || !p) abort();

    json_object *root = NULL;
    int r = reference(text, len, rows_path, ref, &root);
    if (r == -2) abort(); /* out of memory */
    int c = 0;
    for (size_t off = 0; off < len && c == 0; off += chunk)
        c = dwhi_json_rows_feed(p, text + off, len - off < chunk ? len - off : chunk);
    if (c == 0) c = dwhi_json_rows_finish(p);
    const char *msg = "";
    dwhi_json_rows_err err = dwhi_json_rows_error(p, &msg, NULL);
    if (err == DWHI_JSON_ROWS_ERR_NOMEM) abort();

    if (r == 0 && c != 0) {
        fprintf(stderr, "refused: %s\n", msg);
        disagree("the streaming parse refused a text json-c accepts");
    }
    if (r != 0 && c == 0) disagree("the streaming parse accepted a text json-c refuses");
    if (r == 0 && c == 0) {
        if (rows_path && !dwhi_json_path_exists(root, rows_path) != (dwhi_json_rows_kind(p) == DWHI_ROWS_ABSENT))
            disagree("the rows are found by one parse only");
        if (!json_c_misdecodes(text, len)) {
            compare_rows(ref, cand, root, rows_path, row_text);
            if (rows_path) compare_captures(root, p);
        }
    }
    json_object_put(root);
    dwhi_json_rows_free(p);
    dwhi_batcher_free(ref);
    dwhi_batcher_free(cand);
    dwhi_keydict_free(keys);
    return 0;
}
