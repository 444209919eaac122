/*
 * test_pager.c -- the pager test source (tests/plugins/pager) that other
 * areas build crash, resume and incremental tests on: its rows, pages,
 * state, resume, incremental filters in both sort orders, and failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_helpers.h"

static dwh_plugin *P;

static int setup(void **state) {
    (void)state;
    P = rt_plugin("pager");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    dwh_plugin_unref(P);
    rt_plugins_free();
    return 0;
}

static int64_t id_at(rt_sink *s, size_t i) {
    return json_object_get_int64(json_object_object_get(rt_row(s, i), "id"));
}

/* Asserts the rows' ids are exactly first, first+step, ... (count of them). */
static void assert_ids(rt_sink *s, size_t from, int64_t first, int step, size_t count) {
    for (size_t i = 0; i < count; i++) {
        int64_t want = first + (int64_t)i * step;
        if (id_at(s, from + i) != want)
            fail_msg("row %zu: id %lld, expected %lld", from + i, (long long)id_at(s, from + i), (long long)want);
    }
}

static void full_run_pages_and_state(void **state) {
    (void)state;
    rt_sink s;
    rt_sink_init(&s);
    dwhi_op_result r = rt_run(P, "{\"total_rows\":95,\"page_rows\":10}", "items", &s, NULL);
    assert_int_equal(r.code, DW_OK);
    assert_int_equal(rt_nrows(&s), 95);
    assert_ids(&s, 0, 1, 1, 95);
    assert_int_equal(r.state_saves, 10);
    assert_string_equal(s.saved, "{\"next_id\":96}");
    /* The first save follows the first page. */
    assert_string_equal(json_object_to_json_string_ext(json_object_array_get_idx(s.saves, 0), JSON_C_TO_STRING_PLAIN),
                        "{\"next_id\":11}");
    /* Row shape. */
    const char *row = json_object_to_json_string_ext(rt_row(&s, 4), JSON_C_TO_STRING_PLAIN);
    assert_string_equal(row, "{\"id\":5,\"name\":\"item 5\",\"amount\":6.25,\"active\":false,"
                             "\"created_at\":\"2024-01-01T05:00:00Z\",\"updated_at\":\"2024-01-01T05:30:00Z\"}");
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
}

static void failure_then_resume_loses_and_repeats_nothing(void **state) {
    (void)state;
    rt_sink s;
    rt_sink_init(&s);
    dwhi_op_result r = rt_run(P, "{\"total_rows\":100,\"page_rows\":7,\"fail_after_pages\":3}", "items", &s, NULL);
    assert_int_equal(r.code, DW_ERR_UNREACHABLE);
    assert_string_equal(r.message, "simulated outage after 3 pages");
    assert_int_equal(rt_nrows(&s), 21);
    assert_string_equal(s.saved, "{\"next_id\":22}");
    dwhi_op_result_free(&r);
    /* The next run resumes where the saved state points. */
    rt_sink s2;
    rt_sink_init(&s2);
    s2.load = s.saved;
    r = rt_run(P, "{\"total_rows\":100,\"page_rows\":7}", "items", &s2, NULL);
    assert_int_equal(r.code, DW_OK);
    assert_int_equal(rt_nrows(&s2), 79);
    assert_ids(&s2, 0, 22, 1, 79);
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
    rt_sink_free(&s2);
}

static void descending_order(void **state) {
    (void)state;
    rt_sink s;
    rt_sink_init(&s);
    dwhi_op_result r = rt_run(P, "{\"total_rows\":30,\"page_rows\":8,\"sort\":\"desc\",\"start_id\":100}", "items", &s,
                             NULL);
    assert_int_equal(r.code, DW_OK);
    assert_int_equal(rt_nrows(&s), 30);
    assert_ids(&s, 0, 129, -1, 30);
    assert_string_equal(s.saved, "{\"next_id\":99}");
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
}

static void incremental_ascending(void **state) {
    (void)state;
    rt_sink s;
    rt_sink_init(&s);
    dw_run_inputs in = {.use_incremental = 1, .incremental_field = "id", .incremental_last_value = "90"};
    dwhi_op_result r = rt_run(P, "{\"total_rows\":100}", "items", &s, &in);
    assert_int_equal(r.code, DW_OK);
    assert_int_equal(rt_nrows(&s), 10);
    assert_ids(&s, 0, 91, 1, 10);
    dwhi_op_result_free(&r);
    /* On updated_at: id n is updated at 2024-01-01T00:30Z + n hours. */
    rt_sink s2;
    rt_sink_init(&s2);
    dw_run_inputs in2 = {.use_incremental = 1, .incremental_field = "updated_at",
                         .incremental_last_value = "\"2024-01-04T00:30:00Z\""}; /* id 72 */
    r = rt_run(P, "{\"total_rows\":100}", "items", &s2, &in2);
    assert_int_equal(r.code, DW_OK);
    assert_int_equal(rt_nrows(&s2), 28);
    assert_ids(&s2, 0, 73, 1, 28);
    dwhi_op_result_free(&r);
    /* A watermark from the future: nothing, and the run still ends well. */
    rt_sink s3;
    rt_sink_init(&s3);
    dw_run_inputs in3 = {.use_incremental = 1, .incremental_field = "id", .incremental_last_value = "1000"};
    r = rt_run(P, "{\"total_rows\":100}", "items", &s3, &in3);
    assert_int_equal(r.code, DW_OK);
    assert_int_equal(rt_nrows(&s3), 0);
    assert_non_null(s3.saved);
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
    rt_sink_free(&s2);
    rt_sink_free(&s3);
}

static void incremental_descending_scrolls_both_ends(void **state) {
    (void)state;
    /* Last run saw ids 10..95 (earliest 10, last 95): now emit 100..96,
     * then 9..1. */
    rt_sink s;
    rt_sink_init(&s);
    dw_run_inputs in = {.use_incremental = 1, .incremental_field = "id", .incremental_last_value = "95",
                        .incremental_earliest_value = "10"};
    dwhi_op_result r = rt_run(P, "{\"total_rows\":100,\"sort\":\"desc\",\"page_rows\":4}", "items", &s, &in);
    assert_int_equal(r.code, DW_OK);
    assert_int_equal(rt_nrows(&s), 14);
    assert_ids(&s, 0, 100, -1, 5);
    assert_ids(&s, 5, 9, -1, 9);
    dwhi_op_result_free(&r);
    /* An interrupted first run (only an earliest value): continue below it. */
    rt_sink s2;
    rt_sink_init(&s2);
    dw_run_inputs in2 = {.use_incremental = 1, .incremental_field = "id", .incremental_earliest_value = "41"};
    r = rt_run(P, "{\"total_rows\":100,\"sort\":\"desc\"}", "items", &s2, &in2);
    assert_int_equal(rt_nrows(&s2), 40);
    assert_ids(&s2, 0, 40, -1, 40);
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
    rt_sink_free(&s2);
}

static void unknown_incremental_field_is_a_config_error(void **state) {
    (void)state;
    rt_sink s;
    rt_sink_init(&s);
    dw_run_inputs in = {.use_incremental = 1, .incremental_field = "created"};
    dwhi_op_result r = rt_run(P, NULL, "items", &s, &in);
    assert_int_equal(r.code, DW_ERR_CONFIG);
    assert_string_equal(r.message, "incremental field 'created' is not one of id, updated_at");
    dwhi_op_result_free(&r);
    r = rt_run(P, NULL, "other", &s, NULL);
    assert_int_equal(r.code, DW_ERR_NOT_FOUND);
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
}

static void permanent_failure_maps_to_friendly_message(void **state) {
    (void)state;
    rt_sink s;
    rt_sink_init(&s);
    dwhi_op_result r = rt_run(P, "{\"fail_after_pages\":1,\"fail_message\":\"Simulated Permanent Failure 42\"}",
                             "items", &s, NULL);
    assert_int_equal(r.code, DW_ERR_NON_RETRYABLE);
    assert_int_equal(r.cause, DW_ERR_UNREACHABLE);
    assert_string_equal(r.message, "The pager refused the request permanently: fix the pager config");
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
}

static void check_outcomes(void **state) {
    (void)state;
    struct {
        const char *check, *schema;
        dw_status code;
        size_t warnings;
    } cases[] = {
        {"ok", NULL, DW_OK, 0},           {"auth", NULL, DW_ERR_AUTH, 0},
        {"forbidden", NULL, DW_ERR_FORBIDDEN, 0}, {"warn403", NULL, DW_OK, 1},
        {"warn403", "items", DW_ERR_FORBIDDEN, 0}, {"unreachable", NULL, DW_ERR_UNREACHABLE, 0},
        {"ok", "nope", DW_ERR_NOT_FOUND, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char cfg[64];
        snprintf(cfg, sizeof cfg, "{\"check\":\"%s\"}", cases[i].check);
        json_object *c = rt_json(cfg), *w = NULL;
        dwhi_op_result r = dwhi_op_check(P, c, NULL, NULL, NULL, cases[i].schema, &w);
        if (r.code != cases[i].code) fail_msg("check=%s: code %d, expected %d", cases[i].check, r.code, cases[i].code);
        assert_int_equal(json_object_array_length(w), cases[i].warnings);
        json_object_put(w);
        json_object_put(c);
        dwhi_op_result_free(&r);
    }
}

static void schema_reflects_config(void **state) {
    (void)state;
    json_object *cfg = rt_json("{\"sort\":\"desc\",\"partition\":\"datetime\",\"total_rows\":7}"), *schemas = NULL;
    dwhi_op_result r = dwhi_op_list_schemas(P, cfg, NULL, NULL, NULL, &schemas);
    assert_int_equal(r.code, DW_OK);
    json_object *s = json_object_array_get_idx(schemas, 0);
    assert_string_equal(json_object_get_string(json_object_object_get(s, "sort_mode")), "desc");
    assert_int_equal(json_object_get_int(json_object_object_get(s, "row_count")), 7);
    json_object *part = json_object_object_get(s, "partition");
    assert_string_equal(json_object_get_string(json_object_object_get(part, "format")), "month");
    assert_string_equal(json_object_get_string(json_object_array_get_idx(json_object_object_get(part, "keys"), 0)),
                        "created_at");
    json_object_put(schemas);
    json_object_put(cfg);
    dwhi_op_result_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_run_pages_and_state),
        cmocka_unit_test(failure_then_resume_loses_and_repeats_nothing),
        cmocka_unit_test(descending_order),
        cmocka_unit_test(incremental_ascending),
        cmocka_unit_test(incremental_descending_scrolls_both_ends),
        cmocka_unit_test(unknown_incremental_field_is_a_config_error),
        cmocka_unit_test(permanent_failure_maps_to_friendly_message),
        cmocka_unit_test(check_outcomes),
        cmocka_unit_test(schema_reflects_config),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
