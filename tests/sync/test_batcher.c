/* The batcher keeps resume points aligned with batches: a batch cut with a
 * state holds exactly the rows emitted before that state save. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "batcher.h"

static void add(dwh_batcher *b, int from, int to) {
    for (int i = from; i < to; i++) {
        json_object *r = json_object_new_object();
        json_object_object_add(r, "id", json_object_new_int(i));
        assert_int_equal(dwh_batcher_add_row(b, r, dwh_row_size_estimate(r)), 0);
        json_object_put(r); /* the batcher holds its own reference */
    }
}

static int id_at(const dwh_batch *bt, size_t i) {
    json_object *v;
    assert_true(json_object_object_get_ex(bt->rows[i], "id", &v));
    return json_object_get_int(v);
}

static void full_batch_ends_at_last_state(void **s) {
    (void)s;
    dwh_batcher *b = dwh_batcher_new(10, 0);
    add(b, 0, 4);
    dwh_batcher_mark(b, "{\"page\":1}");
    add(b, 4, 8);
    dwh_batcher_mark(b, "{\"page\":2}");
    add(b, 8, 10);
    assert_true(dwh_batcher_full(b));
    dwh_batch bt;
    assert_int_equal(dwh_batcher_cut(b, DWH_CUT_FULL, &bt), 0);
    /* exactly the rows before the last save, with that save */
    assert_int_equal(bt.n, 8);
    assert_string_equal(bt.state, "{\"page\":2}");
    assert_int_equal(id_at(&bt, 0), 0);
    assert_int_equal(id_at(&bt, 7), 7);
    dwh_batch_release(&bt);
    /* the rows after the save wait for the next batch */
    assert_int_equal(dwh_batcher_rows(b), 2);
    assert_false(dwh_batcher_has_mark(b));
    add(b, 10, 12);
    dwh_batcher_mark(b, "{\"page\":3}");
    assert_int_equal(dwh_batcher_cut(b, DWH_CUT_ALL, &bt), 0);
    assert_int_equal(bt.n, 4);
    assert_int_equal(id_at(&bt, 0), 8);
    assert_string_equal(bt.state, "{\"page\":3}");
    dwh_batch_release(&bt);
    assert_int_equal(dwh_batcher_rows(b), 0);
    dwh_batcher_free(b);
}

static void page_larger_than_batch_is_cut_without_state(void **s) {
    (void)s;
    dwh_batcher *b = dwh_batcher_new(5, 0);
    add(b, 0, 5);
    dwh_batch bt;
    assert_true(dwh_batcher_full(b));
    assert_int_equal(dwh_batcher_cut(b, DWH_CUT_FULL, &bt), 0);
    assert_int_equal(bt.n, 5);
    assert_null(bt.state);
    dwh_batch_release(&bt);
    /* a mark at the very start of a full buffer: the state goes alone */
    dwh_batcher_mark(b, "{\"p\":1}");
    add(b, 5, 10);
    assert_int_equal(dwh_batcher_cut(b, DWH_CUT_FULL, &bt), 0);
    assert_int_equal(bt.n, 0);
    assert_string_equal(bt.state, "{\"p\":1}");
    dwh_batch_release(&bt);
    assert_true(dwh_batcher_full(b));
    assert_int_equal(dwh_batcher_cut(b, DWH_CUT_FULL, &bt), 0);
    assert_int_equal(bt.n, 5);
    assert_null(bt.state);
    dwh_batch_release(&bt);
    dwh_batcher_free(b);
}

static void stopping_early_keeps_only_whole_pages(void **s) {
    (void)s;
    dwh_batcher *b = dwh_batcher_new(100, 0);
    add(b, 0, 3);
    dwh_batcher_mark(b, "{\"page\":1}");
    add(b, 3, 5);
    dwh_batch bt;
    assert_int_equal(dwh_batcher_cut(b, DWH_CUT_TO_MARK, &bt), 0);
    assert_int_equal(bt.n, 3);
    assert_string_equal(bt.state, "{\"page\":1}");
    dwh_batch_release(&bt);
    /* nothing more up to a mark: an empty cut */
    assert_int_equal(dwh_batcher_cut(b, DWH_CUT_TO_MARK, &bt), 0);
    assert_int_equal(bt.n, 0);
    assert_null(bt.state);
    /* the end of a run takes everything; rows after the last save mean
     * the batch ends at no resume point */
    dwh_batcher_mark(b, "{\"page\":2}");
    add(b, 5, 6);
    assert_int_equal(dwh_batcher_cut(b, DWH_CUT_ALL, &bt), 0);
    assert_int_equal(bt.n, 3);
    assert_null(bt.state);
    dwh_batch_release(&bt);
    dwh_batcher_free(b);
}

static void same_position_mark_replaces(void **s) {
    (void)s;
    dwh_batcher *b = dwh_batcher_new(100, 0);
    add(b, 0, 2);
    dwh_batcher_mark(b, "{\"a\":1}");
    dwh_batcher_mark(b, "{\"a\":2}");
    dwh_batch bt;
    assert_int_equal(dwh_batcher_cut(b, DWH_CUT_TO_MARK, &bt), 0);
    assert_string_equal(bt.state, "{\"a\":2}");
    dwh_batch_release(&bt);
    dwh_batcher_free(b);
}

static void byte_limit(void **s) {
    (void)s;
    dwh_batcher *b = dwh_batcher_new(1000000, 1000);
    json_object *r = json_object_new_object();
    char big[600];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    json_object_object_add(r, "blob", json_object_new_string(big));
    size_t sz = dwh_row_size_estimate(r);
    assert_true(sz >= 600 && sz < 700);
    dwh_batcher_add_row(b, r, sz);
    assert_false(dwh_batcher_full(b));
    dwh_batcher_add_row(b, r, sz);
    assert_true(dwh_batcher_full(b));
    json_object_put(r);
    dwh_batch bt;
    dwh_batcher_cut(b, DWH_CUT_FULL, &bt);
    assert_int_equal(bt.n, 2);
    assert_int_equal(bt.bytes, 2 * sz);
    dwh_batch_release(&bt);
    assert_false(dwh_batcher_full(b));
    dwh_batcher_free(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_batch_ends_at_last_state),
        cmocka_unit_test(page_larger_than_batch_is_cut_without_state),
        cmocka_unit_test(stopping_early_keeps_only_whole_pages),
        cmocka_unit_test(same_position_mark_replaces),
        cmocka_unit_test(byte_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
