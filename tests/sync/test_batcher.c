/* The batcher encodes rows into cells and keeps resume points aligned with
 * batches: a batch cut with a state holds exactly the rows emitted before
 * that state save. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rows/batcher.h"

static dwhi_keydict *keys;

static int setup(void **s) {
    (void)s;
    keys = dwhi_keydict_new();
    return keys ? 0 : -1;
}

static int teardown(void **s) {
    (void)s;
    dwhi_keydict_free(keys);
    return 0;
}

static void add(dwhi_batcher *b, int from, int to) {
    for (int i = from; i < to; i++) {
        json_object *r = json_object_new_object();
        json_object_object_add(r, "id", json_object_new_int(i));
        char name[16];
        snprintf(name, sizeof name, "n%d", i);
        json_object_object_add(r, "name", json_object_new_string(name));
        assert_int_equal(dwhi_batcher_add_row(b, r, NULL), 0);
        json_object_put(r); /* nothing of it is kept */
    }
}

static int64_t id_at(const dwhi_batch *bt, size_t i) {
    const dwhi_brow *r = &bt->rows[i];
    for (uint32_t c = 0; c < r->n_cells; c++) {
        const dwhi_cell *cell = &bt->cells[r->first + c];
        if (!strcmp(dwhi_keydict_name(bt->keys, cell->key), "id")) return cell->v.i;
    }
    fail_msg("row %zu has no id", i);
    return -1;
}

static void check_name(const dwhi_batch *bt, size_t i, int64_t id) {
    const dwhi_brow *r = &bt->rows[i];
    const dwhi_cell *cell = &bt->cells[r->first + 1];
    char want[16];
    snprintf(want, sizeof want, "n%lld", (long long)id);
    assert_int_equal(cell->type, DWHI_CELL_TEXT);
    assert_int_equal(cell->v.s.len, strlen(want));
    assert_memory_equal(bt->arena + cell->v.s.off, want, strlen(want));
}

static void full_batch_ends_at_last_state(void **s) {
    (void)s;
    dwhi_batcher *b = dwhi_batcher_new(10, 0, keys);
    add(b, 0, 4);
    dwhi_batcher_mark(b, "{\"page\":1}");
    add(b, 4, 8);
    dwhi_batcher_mark(b, "{\"page\":2}");
    add(b, 8, 10);
    assert_true(dwhi_batcher_full(b));
    dwhi_batch bt;
    assert_int_equal(dwhi_batcher_cut(b, DWHI_CUT_FULL, &bt), 0);
    /* exactly the rows before the last save, with that save */
    assert_int_equal(bt.n, 8);
    assert_string_equal(bt.state, "{\"page\":2}");
    assert_int_equal(id_at(&bt, 0), 0);
    assert_int_equal(id_at(&bt, 7), 7);
    check_name(&bt, 7, 7);
    dwhi_batcher_release(b);
    /* the rows after the save wait for the next batch, their text intact */
    assert_int_equal(dwhi_batcher_rows(b), 2);
    assert_false(dwhi_batcher_has_mark(b));
    add(b, 10, 12);
    dwhi_batcher_mark(b, "{\"page\":3}");
    assert_int_equal(dwhi_batcher_cut(b, DWHI_CUT_ALL, &bt), 0);
    assert_int_equal(bt.n, 4);
    assert_int_equal(id_at(&bt, 0), 8);
    check_name(&bt, 0, 8);
    check_name(&bt, 3, 11);
    assert_string_equal(bt.state, "{\"page\":3}");
    dwhi_batcher_release(b);
    assert_int_equal(dwhi_batcher_rows(b), 0);
    dwhi_batcher_free(b);
}

/* A cut of everything buffered trades arrays with the writer instead of
 * being copied; a cut that leaves rows behind does not trade. */
static void trade_moves_a_whole_batch(void **s) {
    (void)s;
    dwhi_batcher *b = dwhi_batcher_new(10, 0, keys);
    dwhi_batch_mem m = {0};
    add(b, 0, 6);
    dwhi_batcher_mark(b, "{\"page\":1}");
    add(b, 6, 8);
    dwhi_batch bt;
    /* rows 6 and 7 stay behind the mark: no trade */
    assert_int_equal(dwhi_batcher_cut(b, DWHI_CUT_TO_MARK, &bt), 0);
    assert_int_equal(bt.n, 6);
    assert_int_equal(dwhi_batcher_trade(b, &m), 0);
    assert_null(m.rows);
    dwhi_batcher_release(b);
    assert_int_equal(dwhi_batcher_rows(b), 2);
    /* everything: traded; the batch lives on in m, unchanged */
    assert_int_equal(dwhi_batcher_cut(b, DWHI_CUT_ALL, &bt), 0);
    assert_int_equal(bt.n, 2);
    const dwhi_brow *rows = bt.rows;
    assert_int_equal(dwhi_batcher_trade(b, &m), 1);
    assert_ptr_equal(m.rows, rows);
    bt.rows = m.rows;
    bt.cells = m.cells;
    bt.arena = m.arena;
    dwhi_batcher_release(b);
    assert_int_equal(dwhi_batcher_rows(b), 0);
    /* the batcher goes on in the arrays it got (none, here) */
    add(b, 8, 11);
    assert_int_equal(id_at(&bt, 0), 6);
    check_name(&bt, 1, 7);
    assert_int_equal(dwhi_batcher_cut(b, DWHI_CUT_ALL, &bt), 0);
    assert_int_equal(bt.n, 3);
    assert_int_equal(id_at(&bt, 2), 10);
    check_name(&bt, 2, 10);
    assert_int_equal(dwhi_batcher_trade(b, &m), 1); /* m's old arrays go back to the batcher */
    dwhi_batcher_release(b);
    add(b, 11, 12);
    assert_int_equal(dwhi_batcher_rows(b), 1);
    free(m.rows);
    free(m.cells);
    free(m.arena);
    dwhi_batcher_free(b);
}

static void page_larger_than_batch_is_cut_without_state(void **s) {
    (void)s;
    dwhi_batcher *b = dwhi_batcher_new(5, 0, keys);
    add(b, 0, 5);
    dwhi_batch bt;
    assert_true(dwhi_batcher_full(b));
    assert_int_equal(dwhi_batcher_cut(b, DWHI_CUT_FULL, &bt), 0);
    assert_int_equal(bt.n, 5);
    assert_null(bt.state);
    dwhi_batcher_release(b);
    /* a mark at the very start of a full buffer: the state goes alone */
    dwhi_batcher_mark(b, "{\"p\":1}");
    add(b, 5, 10);
    assert_int_equal(dwhi_batcher_cut(b, DWHI_CUT_FULL, &bt), 0);
    assert_int_equal(bt.n, 0);
    assert_string_equal(bt.state, "{\"p\":1}");
    dwhi_batcher_release(b);
    assert_true(dwhi_batcher_full(b));
    assert_int_equal(dwhi_batcher_cut(b, DWHI_CUT_FULL, &bt), 0);
    assert_int_equal(bt.n, 5);
    assert_null(bt.state);
    assert_int_equal(id_at(&bt, 4), 9);
    dwhi_batcher_release(b);
    dwhi_batcher_free(b);
}

static void stopping_early_keeps_only_whole_pages(void **s) {
    (void)s;
    dwhi_batcher *b = dwhi_batcher_new(100, 0, keys);
    add(b, 0, 3);
    dwhi_batcher_mark(b, "{\"page\":1}");
    add(b, 3, 5);
    dwhi_batch bt;
    assert_int_equal(dwhi_batcher_cut(b, DWHI_CUT_TO_MARK, &bt), 0);
    assert_int_equal(bt.n, 3);
    assert_string_equal(bt.state, "{\"page\":1}");
    dwhi_batcher_release(b);
    /* nothing more up to a mark: an empty cut */
    assert_int_equal(dwhi_batcher_cut(b, DWHI_CUT_TO_MARK, &bt), 0);
    assert_int_equal(bt.n, 0);
    assert_null(bt.state);
    /* the end of a run takes everything; rows after the last save mean
     * the batch ends at no resume point */
    dwhi_batcher_mark(b, "{\"page\":2}");
    add(b, 5, 6);
    assert_int_equal(dwhi_batcher_cut(b, DWHI_CUT_ALL, &bt), 0);
    assert_int_equal(bt.n, 3);
    assert_null(bt.state);
    dwhi_batcher_release(b);
    dwhi_batcher_free(b);
}

static void same_position_mark_replaces(void **s) {
    (void)s;
    dwhi_batcher *b = dwhi_batcher_new(100, 0, keys);
    add(b, 0, 2);
    dwhi_batcher_mark(b, "{\"a\":1}");
    dwhi_batcher_mark(b, "{\"a\":2}");
    dwhi_batch bt;
    assert_int_equal(dwhi_batcher_cut(b, DWHI_CUT_TO_MARK, &bt), 0);
    assert_string_equal(bt.state, "{\"a\":2}");
    dwhi_batcher_free(b); /* frees an unreleased cut too */
}

static void byte_limit(void **s) {
    (void)s;
    dwhi_batcher *b = dwhi_batcher_new(1000000, 1500, keys);
    json_object *r = json_object_new_object();
    char big[600];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    json_object_object_add(r, "blob", json_object_new_string(big));
    dwhi_batcher_add_row(b, r, NULL);
    size_t one = dwhi_batcher_bytes(b);
    assert_true(one >= 599 && one < 700);
    assert_false(dwhi_batcher_full(b));
    dwhi_batcher_add_row(b, r, NULL);
    assert_false(dwhi_batcher_full(b));
    dwhi_batcher_add_row(b, r, NULL);
    assert_true(dwhi_batcher_full(b));
    json_object_put(r);
    dwhi_batch bt;
    dwhi_batcher_cut(b, DWHI_CUT_FULL, &bt);
    assert_int_equal(bt.n, 3);
    assert_int_equal(bt.bytes, 3 * one);
    dwhi_batcher_release(b);
    assert_false(dwhi_batcher_full(b));
    assert_int_equal(dwhi_batcher_bytes(b), 0);
    dwhi_batcher_free(b);
}

static void cells_and_extras(void **s) {
    (void)s;
    dwhi_batcher *b = dwhi_batcher_new(0, 0, keys);
    json_object *r = json_tokener_parse("{\"i\":-3,\"f\":1.5,\"t\":true,\"s\":\"é\",\"n\":null,"
                                        "\"o\":{\"a\":[1,\"x/y\"]},\"big\":18446744073709551615}");
    dwhi_wm_value wm = {.num = 7};
    dwhi_row_extras x = {.partition = "2024-01", .pk = "[1,\"a\"]", .pk_len = 7, .wm_text = "7", .wm_len = 1, .wm = &wm};
    assert_int_equal(dwhi_batcher_add_row(b, r, &x), 0);
    json_object_put(r);
    dwhi_batch bt;
    dwhi_batcher_cut(b, DWHI_CUT_ALL, &bt);
    const dwhi_brow *row = &bt.rows[0];
    assert_int_equal(row->n_cells, 6); /* the null is not stored */
    const dwhi_cell *c = &bt.cells[row->first];
    assert_int_equal(c[0].type, DWHI_CELL_INT);
    assert_int_equal(c[0].v.i, -3);
    assert_int_equal(c[1].type, DWHI_CELL_REAL);
    assert_int_equal(c[2].type, DWHI_CELL_BOOL);
    assert_int_equal(c[3].type, DWHI_CELL_TEXT);
    assert_int_equal(c[4].type, DWHI_CELL_JSON);
    assert_memory_equal(bt.arena + c[4].v.s.off, "{\"a\":[1,\"x/y\"]}", c[4].v.s.len);
    assert_int_equal(c[5].type, DWHI_CELL_BIGINT);
    assert_memory_equal(bt.arena + c[5].v.s.off, "18446744073709551615", c[5].v.s.len);
    assert_memory_equal(dwhi_batch_text(&bt, row->partition), "2024-01", 7);
    assert_memory_equal(dwhi_batch_text(&bt, row->pk), "[1,\"a\"]", 7);
    assert_true(row->has_wm);
    assert_true(row->wm.num == 7);
    assert_string_equal(dwhi_keydict_name(keys, c[4].key), "o");
    dwhi_batcher_release(b);
    dwhi_batcher_free(b);
}

/* has_duplicate_primary_keys: every row but the last of a key is marked,
 * rows without a key never are, and keys that only share a prefix or a
 * hash bucket are different keys. */
static void last_row_per_key(void **s) {
    (void)s;
    dwhi_batcher *b = dwhi_batcher_new(0, 0, keys);
    /* key per row; NULL: the row has no key */
    const char *pks[] = {"1", "7", "7", "[1,\"a\"]", NULL, "1", "17", "[1,\"a\"]", NULL, "7", "\"7\""};
    const size_t n = sizeof pks / sizeof pks[0];
    for (size_t i = 0; i < n; i++) {
        json_object *r = json_object_new_object();
        json_object_object_add(r, "i", json_object_new_int((int)i));
        dwhi_row_extras x = {.pk = pks[i], .pk_len = pks[i] ? strlen(pks[i]) : 0};
        assert_int_equal(dwhi_batcher_add_row(b, r, &x), 0);
        json_object_put(r);
    }
    dwhi_batch bt;
    dwhi_batcher_cut(b, DWHI_CUT_ALL, &bt);
    assert_int_equal(bt.n, n);
    uint8_t skip[sizeof pks / sizeof pks[0]];
    memset(skip, 0xAA, sizeof skip); /* the function sets every flag */
    assert_int_equal(dwhi_batch_mark_repeats(&bt, skip), 4);
    const uint8_t want[] = {1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0};
    assert_memory_equal(skip, want, n);
    /* the merge check names the first row whose key came before: row 2
     * ("7" again), not row 0 (whose key repeats only later) */
    size_t first = 0;
    assert_int_equal(dwhi_batch_first_repeat(&bt, &first), 1);
    assert_int_equal(first, 2);
    dwhi_batcher_release(b);

    /* many distinct keys (the table grows) and one repeat far apart */
    char k[32];
    for (int i = 0; i < 5000; i++) {
        json_object *r = json_object_new_object();
        snprintf(k, sizeof k, "%d", i == 4999 ? 3 : i);
        dwhi_row_extras x = {.pk = k, .pk_len = strlen(k)};
        assert_int_equal(dwhi_batcher_add_row(b, r, &x), 0);
        json_object_put(r);
    }
    dwhi_batcher_cut(b, DWHI_CUT_ALL, &bt);
    uint8_t *big = malloc(bt.n);
    assert_non_null(big);
    assert_int_equal(dwhi_batch_mark_repeats(&bt, big), 1);
    for (size_t i = 0; i < bt.n; i++) assert_int_equal(big[i], i == 3);
    free(big);
    assert_int_equal(dwhi_batch_first_repeat(&bt, &first), 1);
    assert_int_equal(first, 4999);
    dwhi_batcher_release(b);
    /* every key unique: none */
    for (int i = 0; i < 100; i++) {
        json_object *r = json_object_new_object();
        snprintf(k, sizeof k, "%d", i);
        dwhi_row_extras x = {.pk = k, .pk_len = strlen(k)};
        assert_int_equal(dwhi_batcher_add_row(b, r, &x), 0);
        json_object_put(r);
    }
    dwhi_batcher_cut(b, DWHI_CUT_ALL, &bt);
    assert_int_equal(dwhi_batch_first_repeat(&bt, &first), 0);
    assert_true(first == SIZE_MAX);
    dwhi_batcher_release(b);
    dwhi_batcher_free(b);
}

static void key_dictionary(void **s) {
    (void)s;
    dwhi_keydict *d = dwhi_keydict_new();
    char k[16];
    for (int i = 0; i < 1000; i++) {
        snprintf(k, sizeof k, "key%d", i);
        assert_int_equal(dwhi_keydict_intern(d, k, strlen(k)), i);
    }
    for (int i = 999; i >= 0; i--) {
        snprintf(k, sizeof k, "key%d", i);
        assert_int_equal(dwhi_keydict_intern(d, k, strlen(k)), i);
        assert_string_equal(dwhi_keydict_name(d, (uint32_t)i), k);
    }
    assert_int_equal(dwhi_keydict_count(d), 1000);
    dwhi_keydict_free(d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_batch_ends_at_last_state),
        cmocka_unit_test(page_larger_than_batch_is_cut_without_state),
        cmocka_unit_test(trade_moves_a_whole_batch),
        cmocka_unit_test(stopping_early_keeps_only_whole_pages),
        cmocka_unit_test(same_position_mark_replaces),
        cmocka_unit_test(byte_limit),
        cmocka_unit_test(cells_and_extras),
        cmocka_unit_test(key_dictionary),
        cmocka_unit_test(last_row_per_key),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
