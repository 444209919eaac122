/* Watermarks compare by the field's advertised type and are kept as the
 * JSON text the plugin emitted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dwsdk.h"
#include "rows/watermark.h"

static void observe_all(dwhi_wm_extent *e, const char *rows_json, const char *field) {
    json_object *rows = json_tokener_parse(rows_json);
    assert_non_null(rows);
    for (size_t i = 0; i < json_object_array_length(rows); i++)
        dwhi_wm_observe(e, json_object_array_get_idx(rows, i), field);
    json_object_put(rows);
}

static void check(dwhi_wm_extent *e, const char *min, const char *max) {
    char *a = dwhi_wm_min_text(e), *b = dwhi_wm_max_text(e);
    assert_string_equal(a, min);
    assert_string_equal(b, max);
    free(a);
    free(b);
}

static void integers_numerically(void **s) {
    (void)s;
    dwhi_wm_extent e;
    dwhi_wm_extent_init(&e, DW_TYPE_INTEGER);
    observe_all(&e, "[{\"n\":9},{\"n\":10},{\"n\":-2},{\"n\":null},{}]", "n");
    check(&e, "-2", "10"); /* 10 > 9 as numbers, not text */
    assert_int_equal(e.skipped, 2);
    dwhi_wm_extent_free(&e);
}

static void datetimes_as_instants(void **s) {
    (void)s;
    dwhi_wm_extent e;
    dwhi_wm_extent_init(&e, DW_TYPE_DATETIME);
    /* 10:00+02:00 is 08:00Z: earlier than 09:00Z despite sorting later as text */
    observe_all(&e,
                "[{\"t\":\"2024-05-01T09:00:00Z\"},{\"t\":\"2024-05-01T10:00:00+02:00\"},"
                "{\"t\":\"2024-05-01T09:00:00.5Z\"},{\"t\":\"not a date\"}]",
                "t");
    check(&e, "\"2024-05-01T10:00:00+02:00\"", "\"2024-05-01T09:00:00.5Z\"");
    assert_int_equal(e.skipped, 1);
    dwhi_wm_extent_free(&e);
}

static void numeric_keeps_emitted_text(void **s) {
    (void)s;
    dwhi_wm_extent e;
    dwhi_wm_extent_init(&e, DW_TYPE_NUMERIC);
    observe_all(&e, "[{\"x\":1.50},{\"x\":\"2.25\"},{\"x\":-0.0}]", "x");
    check(&e, "-0.0", "\"2.25\"");
    dwhi_wm_extent_free(&e);
}

static void stored_texts_merge(void **s) {
    (void)s;
    char *m = dwhi_wm_text_max(DW_TYPE_TIMESTAMP, "1700000000", "1690000000");
    assert_string_equal(m, "1700000000");
    free(m);
    m = dwhi_wm_text_min(DW_TYPE_DATE, "\"2024-01-02\"", "\"2023-12-31\"");
    assert_string_equal(m, "\"2023-12-31\"");
    free(m);
    m = dwhi_wm_text_max(DW_TYPE_INTEGER, NULL, "5");
    assert_string_equal(m, "5");
    free(m);
    assert_null(dwhi_wm_text_max(DW_TYPE_INTEGER, NULL, NULL));
    /* an unparsable stored value loses to a good one, and is kept when alone */
    m = dwhi_wm_text_max(DW_TYPE_INTEGER, "\"junk\"", "3");
    assert_string_equal(m, "3");
    free(m);
    m = dwhi_wm_text_max(DW_TYPE_INTEGER, "\"junk\"", NULL);
    assert_string_equal(m, "\"junk\"");
    free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(integers_numerically),
        cmocka_unit_test(datetimes_as_instants),
        cmocka_unit_test(numeric_keeps_emitted_text),
        cmocka_unit_test(stored_texts_merge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
