/*
 * test_files_order.c -- the files plugin's incremental filter orders values
 * exactly as the host's watermark does (QA #2).  The plugin cannot link the
 * host, so it has its own parser (plugins/files/incremental.c, compiled into
 * this test); every pair of a table of values is parsed and compared by both
 * sides, for every dw_value_type: same accept/reject, same order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "files.h"
#include "rows/watermark.h"

const dw_host_api *files_api; /* files.h declares it; incremental.c does not use it */

/* Values as JSON text, the form both sides see. */
static const char *const values[] = {
    "\"2024-05-01T10:00:00Z\"", "\"2024-05-01T10:00:00.5Z\"", "\"2024-05-01T10:00:00.123456789Z\"",
    "\"2024-05-01T10:00:00.1234567891Z\"", "\"2024-05-01T12:00:00+02:00\"", "\"2024-05-01T11:59:59+02:00\"",
    "\"2024-05-01T10:00:00+0530\"", "\"2024-05-01T10:00:00-05\"", "\"2024-05-01t10:00:00z\"",
    "\"2024-05-01 10:00Z\"", "\"2024-05-01T10:00\"", "\"2024-05-01\"", "\"2024-04-30\"", "\"2024-02-29T00:00:00Z\"",
    "\"2023-02-29\"", "\"2024-13-01\"", "\"2024-05-01T24:00:00Z\"", "\"2024-05-01T10:00:60Z\"",
    "\"2024-05-01T10:00:00,25Z\"", "\"2024-05-01T10:00:00.Z\"", "\"2024-05-01T10:00:00+2:00\"",
    "\"1969-12-31T23:59:59.9Z\"", "\"0001-01-01T00:00:00Z\"", "\"9999-12-31T23:59:59Z\"", "\"20240501\"", "\"\"",
    "\"garbage\"", "1714557600", "1714557600.25", "1714557599", "-1", "0", "0.5", "1e3", "1e16",
    "\"1714557600\"", "\"10\"", "\"9.5\"", "\" 5\"", "\"5 \"", "\"0x10\"", "\"1e3\"", "\"-0\"", "9.5", "10",
    "9007199254740993", "9007199254740992", "-9223372036854775808", "1.7976931348623157e308", "\"inf\"",
    "\"nan\"", "true", "null",
};

static const uint32_t types[] = {DW_TYPE_INTEGER, DW_TYPE_NUMERIC, DW_TYPE_DATETIME, DW_TYPE_DATE,
                                 DW_TYPE_TIMESTAMP};

/* The plugin's view of a JSON value: what its readers pass (the readers
 * hand only strings and numbers to the filter; anything else is kept). */
static int plugin_parse(uint32_t type, json_object *v, files_value *out) {
    if (!json_object_is_type(v, json_type_string) && !json_object_is_type(v, json_type_int) &&
        !json_object_is_type(v, json_type_double))
        return -1;
    return files_value_parse(type, json_object_get_string(v), json_object_is_type(v, json_type_string), out);
}

static int sign(int x) { return (x > 0) - (x < 0); }

static void plugin_and_host_agree(void **state) {
    (void)state;
    size_t n = sizeof values / sizeof values[0];
    size_t compared = 0;
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        for (size_t i = 0; i < n; i++) {
            json_object *a = json_tokener_parse(values[i]);
            if (!a && strcmp(values[i], "null") != 0) fail_msg("bad fixture %s", values[i]);
            dwhi_wm_value ha;
            files_value pa;
            dwhi_scalar sa;
            dwhi_scalar_of_json(a, &sa);
            int h = dwhi_wm_parse(&sa, types[t], &ha), p = plugin_parse(types[t], a, &pa);
            if ((h == 0) != (p == 0))
                fail_msg("type %u, %s: host %s it, plugin %s it", types[t], values[i], h ? "rejects" : "accepts",
                         p ? "rejects" : "accepts");
            for (size_t j = 0; h == 0 && j < n; j++) {
                json_object *b = json_tokener_parse(values[j]);
                dwhi_wm_value hb;
                files_value pb;
                dwhi_scalar sb;
                dwhi_scalar_of_json(b, &sb);
                if (dwhi_wm_parse(&sb, types[t], &hb) == 0 && plugin_parse(types[t], b, &pb) == 0) {
                    int hc = sign(dwhi_wm_cmp(types[t], &ha, &hb)), pc = sign(files_value_cmp(types[t], &pa, &pb));
                    if (hc != pc) fail_msg("type %u: %s vs %s: host %d, plugin %d", types[t], values[i], values[j], hc, pc);
                    compared++;
                }
                json_object_put(b);
            }
            json_object_put(a);
        }
    }
    assert_true(compared > 1000);
}

/* The orders a user notices (QA #2): fractions after whole seconds, offsets
 * by the instant they name, dates before times of the same day. */
static void instants_order_correctly(void **state) {
    (void)state;
    struct {
        const char *a, *b;
        int cmp;
    } cases[] = {
        {"2024-05-01T10:00:00.5Z", "2024-05-01T10:00:00Z", 1},
        {"2024-05-01T12:00:00+02:00", "2024-05-01T10:00:00Z", 0},
        {"2024-05-01T11:59:59+02:00", "2024-05-01T10:00:00Z", -1},
        {"2024-05-01T10:00:00.000000001Z", "2024-05-01T10:00:00Z", 1},
        {"2024-05-01", "2024-05-01T00:00:00Z", 0},
        {"2024-04-30T23:00:00-01:00", "2024-05-01", 0},
        {"1969-12-31T23:59:59.9Z", "1970-01-01T00:00:00Z", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        files_value a, b;
        assert_int_equal(files_value_parse(DW_TYPE_DATETIME, cases[i].a, 1, &a), 0);
        assert_int_equal(files_value_parse(DW_TYPE_DATETIME, cases[i].b, 1, &b), 0);
        if (sign(files_value_cmp(DW_TYPE_DATETIME, &a, &b)) != cases[i].cmp)
            fail_msg("%s vs %s: expected %d", cases[i].a, cases[i].b, cases[i].cmp);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plugin_and_host_agree),
        cmocka_unit_test(instants_order_correctly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
