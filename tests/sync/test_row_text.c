/*
 * test_row_text.c -- the texts the streaming parse keeps (a nested member's
 * JSON cell; a row's whole text for --output jsonl) are byte for byte what
 * json-c prints for the same value (JSON_C_TO_STRING_PLAIN |
 * NOSLASHESCAPE), whatever the page's spacing and escapes, and wherever the
 * transfer cuts the page into chunks.
 *
 * Why a test of its own: the parse takes such a text straight from the page
 * when the page already holds it compact (json_rows.c, "lazy text") and
 * writes it otherwise; the fuzzer (fuzz_rows.c) accepts a text that reads
 * back the same, so only this test holds the bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "base/json_strict.h"
#include "rows/batcher.h"
#include "rows/json_rows.h"

/* Pages of rows, each row's member "n" nested (the texts under test). */
static const char *const PAGES[] = {
    /* compact, as the APIs send it */
    "[{\"id\":1,\"n\":{\"a\":[1,2,{\"b\":null}],\"c\":\"x\",\"t\":true,\"f\":false,\"e\":{},\"z\":[]}}]",
    /* indented, and spaces around every separator */
    "[\n  {\n    \"id\": 1,\n    \"n\": { \"a\" : [ 1 , 2 ] , \"c\" : \"x\" }\n  },\n  {\"id\":2,\"n\":[ ]}\n]",
    /* escapes json-c writes the same way */
    "[{\"id\":1,\"n\":{\"s\":\"line\\nbreak \\\"q\\\" back\\\\slash\\ttab\\r\\b\\f\"}}]",
    /* escapes json-c writes otherwise: \u00e9 as UTF-8, \/ as /, a control
     * character in lower-case hex, a surrogate pair as UTF-8 */
    "[{\"id\":1,\"n\":{\"s\":\"caf\\u00e9\",\"t\":\"a\\/b\",\"u\":\"\\u001F\",\"v\":\"\\ud83d\\ude00\"}}]",
    /* numbers: -0 is printed 0, others as written */
    "[{\"id\":1,\"n\":[-0,0.5,-0.0,1e3,-12,12345678901234567890]}]",
    /* an escaped key, spaces inside strings kept, non-ASCII text */
    "[{\"id\":1,\"n\":{\"k\\u0041\":\"a  b\",\"\xc3\xa9t\xc3\xa9\":\"\xe2\x82\xac 5\"}}]",
    /* the first difference deep inside, after a long compact stretch */
    "[{\"id\":1,\"n\":{\"user\":{\"login\":\"octocat\",\"id\":1,\"site_admin\":false,\"urls\":[\"https://a\",\"https://b\"]},"
    "\"labels\":[{\"id\":208045946,\"name\":\"bug\",\"default\":true}],\"late\": 1}},{\"id\":2,\"n\":{\"x\":[[[]]]}}]",
};

static const char *plain(json_object *v) {
    return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

static void expect_text(const char *what, const char *got, size_t got_len, const char *want, size_t chunk,
                        const char *page) {
    if (got && got_len == strlen(want) && !memcmp(got, want, got_len)) return;
    fail_msg("%s differs (chunks of %zu bytes)\n page: %s\n got:  %.*s\n want: %s", what, chunk, page,
             got ? (int)got_len : 6, got ? got : "(none)", want);
}

/* Parses `page` fed in chunks of `chunk` bytes (0: whole) and compares
 * every row's "n" cell, and with row_text every row's text, with json-c. */
static void check_page(const char *page, size_t chunk, int row_text) {
    json_object *ref = NULL;
    char err[256];
    assert_int_equal(dwhi_json_parse_strict(page, strlen(page), &ref, err, sizeof err), 0);
    dwhi_keydict *keys = dwhi_keydict_new();
    dwhi_batcher *store = dwhi_batcher_new(0, 0, keys);
    dwhi_json_rows_spec spec = {.row_text = row_text};
    dwhi_json_rows *p = dwhi_json_rows_new(&spec, store);
    assert_non_null(p);
    size_t len = strlen(page), step = chunk ? chunk : len;
    for (size_t at = 0; at < len; at += step)
        assert_int_equal(dwhi_json_rows_feed(p, page + at, at + step <= len ? step : len - at), 0);
    assert_int_equal(dwhi_json_rows_finish(p), 0);
    size_t rows = json_object_array_length(ref);
    assert_int_equal(dwhi_batcher_rows(store), rows);
    int32_t n_key = dwhi_keydict_find(keys, "n", 1);
    assert_true(n_key >= 0);
    for (size_t i = 0; i < rows; i++) {
        json_object *row = json_object_array_get_idx(ref, i);
        dwhi_rowv v = dwhi_batcher_row(store, i);
        const dwhi_cell *c = dwhi_rowv_find(&v, (uint32_t)n_key);
        assert_non_null(c);
        assert_int_equal(c->type, DWHI_CELL_JSON);
        expect_text("the nested cell", v.arena + c->v.s.off, c->v.s.len, plain(json_object_object_get(row, "n")), chunk,
                    page);
        if (row_text) expect_text("the row's text", v.json, v.json_len, plain(row), chunk, page);
    }
    dwhi_json_rows_free(p);
    dwhi_batcher_free(store);
    dwhi_keydict_free(keys);
    json_object_put(ref);
}

static void texts_are_json_c_bytes(void **s) {
    (void)s;
    static const size_t CHUNKS[] = {0, 1, 2, 3, 5, 7, 13, 64};
    for (size_t k = 0; k < sizeof PAGES / sizeof *PAGES; k++)
        for (size_t c = 0; c < sizeof CHUNKS / sizeof *CHUNKS; c++)
            for (int row_text = 0; row_text < 2; row_text++) check_page(PAGES[k], CHUNKS[c], row_text);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(texts_are_json_c_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
