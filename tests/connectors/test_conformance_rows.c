/* test_conformance_rows.c -- the conformance suite's compact row store
 * (host/src/conformance/conformance_rows.h): key tuples, digests, field counts and
 * extremes, and the key index over one or two spans (duplicates, bad keys,
 * the sample the checks print). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conformance/conformance_rows.h"

static void add(dwhi_conf_rows *r, const char *json) {
    json_object *row = json_tokener_parse(json);
    assert_non_null(row);
    const char *text = json_object_to_json_string_ext(row, JSON_C_TO_STRING_PLAIN);
    assert_int_equal(dwhi_conf_rows_add(r, row, text, strlen(text)), 0);
    json_object_put(row);
}

static void test_keys_digests_and_fields(void **state) {
    (void)state;
    json_object *pks = json_tokener_parse("[\"id\", \"org.name\"]");
    json_object *threshold = json_object_new_string("2024-01-02T00:00:00Z");
    dwhi_conf_rows r;
    dwhi_conf_rows_init(&r, pks);
    assert_non_null(dwhi_conf_rows_watch(&r, "updated", threshold));
    assert_non_null(dwhi_conf_rows_watch(&r, "part", NULL));
    add(&r, "{\"id\": 1, \"org\": {\"name\": \"a\"}, \"updated\": \"2024-01-03T00:00:00Z\", \"part\": 1}");
    add(&r, "{\"id\": 2, \"org\": {\"name\": \"b\"}, \"updated\": \"2024-01-01T00:00:00Z\"}");
    add(&r, "{\"id\": null, \"org\": {\"name\": \"c\"}, \"updated\": null, \"part\": 2}");
    add(&r, "{\"id\": 1, \"org\": {\"name\": \"a\"}, \"updated\": \"2024-01-05T10:00:00+02:00\", \"part\": 3}");
    assert_int_equal(r.n, 4);
    assert_string_equal(dwhi_conf_row_key(&r, 0), "1\x1f\"a\"\x1f");
    assert_string_equal(dwhi_conf_row_key(&r, 2), "");
    assert_int_equal(r.rows[2].bad_why, DWHI_CONF_PK_NULL);
    assert_int_equal(r.rows[2].bad_which, 0);
    /* Same key, different rows: different digests; the digest is of the text. */
    assert_memory_not_equal(r.rows[0].digest, r.rows[3].digest, 16);

    const dwhi_conf_field_stats *u = dwhi_conf_rows_field(&r, "updated");
    assert_non_null(u);
    assert_int_equal(u->missing, 0);
    assert_int_equal(u->unusable, 1); /* the null */
    assert_string_equal(json_object_get_string(u->max), "2024-01-05T10:00:00+02:00");
    assert_string_equal(json_object_get_string(u->min), "2024-01-01T00:00:00Z");
    assert_int_equal(u->older, 1);
    assert_string_equal(u->older_sample, "2024-01-01T00:00:00Z < 2024-01-02T00:00:00Z");
    const dwhi_conf_field_stats *p = dwhi_conf_rows_field(&r, "part");
    assert_int_equal(p->missing, 1);
    assert_null(dwhi_conf_rows_field(&r, "nope"));

    /* The index: the null key is bad (and its row named), the repeat a duplicate. */
    dwhi_conf_index ix;
    dwhi_conf_span all = {&r, 0, r.n};
    assert_int_equal(dwhi_conf_index_build(&ix, &all, 1), 0);
    assert_int_equal(ix.bad, 1);
    assert_int_equal(ix.dups, 1);
    assert_string_equal(ix.sample, "row 3: primary key 'id' is null");
    size_t pos = 99;
    const dwhi_conf_row *hit = dwhi_conf_index_find(&ix, "1\x1f\"a\"\x1f", &pos);
    assert_non_null(hit);
    assert_int_equal(pos, 0); /* the first row with the key */
    assert_null(dwhi_conf_index_find(&ix, "1\x1f", NULL));
    dwhi_conf_index_free(&ix);

    dwhi_conf_rows_free(&r);
    json_object_put(pks);
    json_object_put(threshold);
}

/* Two spans (a prefix of one read + another read) count positions across
 * both; a repeat across them is a duplicate, described by key. */
static void test_index_over_two_spans(void **state) {
    (void)state;
    json_object *pks = json_tokener_parse("[\"id\"]");
    dwhi_conf_rows a, b;
    dwhi_conf_rows_init(&a, pks);
    dwhi_conf_rows_init(&b, pks);
    char buf[64];
    for (int i = 1; i <= 5000; i++) {
        snprintf(buf, sizeof buf, "{\"id\": %d, \"v\": \"x\"}", i);
        add(&a, buf);
    }
    for (int i = 2000; i <= 5000; i++) {
        snprintf(buf, sizeof buf, "{\"id\": %d, \"v\": \"x\"}", i);
        add(&b, buf);
    }
    dwhi_conf_span spans[2] = {{&a, 0, 2001}, {&b, 0, b.n}};
    dwhi_conf_index ix;
    assert_int_equal(dwhi_conf_index_build(&ix, spans, 2), 0);
    assert_int_equal(ix.bad, 0);
    assert_int_equal(ix.dups, 2); /* 2000 and 2001 twice */
    assert_string_equal(ix.sample, "row 2002 repeats the primary key 2000");
    for (int i = 1; i <= 5000; i += 499) {
        snprintf(buf, sizeof buf, "%d\x1f", i);
        assert_non_null(dwhi_conf_index_find(&ix, buf, NULL));
    }
    const dwhi_conf_rows *store = NULL;
    const dwhi_conf_row *row = dwhi_conf_index_row(&ix, 2001, &store);
    assert_ptr_equal(store, &b);
    assert_ptr_equal(row, &b.rows[0]);
    assert_null(dwhi_conf_index_row(&ix, 2001 + b.n, NULL));
    dwhi_conf_index_free(&ix);

    /* Spans are clamped to the store. */
    dwhi_conf_span over = {&a, 10, 999999};
    assert_int_equal(dwhi_conf_index_build(&ix, &over, 1), 0);
    assert_null(dwhi_conf_index_find(&ix, "1\x1f", NULL));
    assert_non_null(dwhi_conf_index_find(&ix, "5000\x1f", NULL));
    dwhi_conf_index_free(&ix);

    char shown[16];
    assert_string_equal(dwhi_conf_key_display("1\x1f\"a long name\"\x1f", shown, sizeof shown), "1, \"a long na");
    dwhi_conf_rows_free(&a);
    dwhi_conf_rows_free(&b);
    json_object_put(pks);
}

/* No primary key declared: rows still get digests, no key. */
static void test_no_primary_key(void **state) {
    (void)state;
    dwhi_conf_rows r;
    dwhi_conf_rows_init(&r, NULL);
    add(&r, "{\"a\": 1}");
    add(&r, "{\"a\": 1}");
    assert_int_equal(r.n, 2);
    assert_string_equal(dwhi_conf_row_key(&r, 0), "");
    assert_memory_equal(r.rows[0].digest, r.rows[1].digest, 16);
    assert_null(r.keys);
    dwhi_conf_rows_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_digests_and_fields),
        cmocka_unit_test(test_index_over_two_spans),
        cmocka_unit_test(test_no_primary_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
