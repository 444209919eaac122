/* Partition keys and their helpers (md5, ISO time), checked against values
 * computed with Python's hashlib/datetime, as the reference computes them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/isotime.h"
#include "base/md5.h"
#include "rows/json_rows.h"
#include "sync/partition.h"

static void md5_vectors(void **s) {
    (void)s;
    char hex[33];
    /* the test suite of RFC 1321, appendix A.5 */
    static const char *const rfc[][2] = {
        {"", "d41d8cd98f00b204e9800998ecf8427e"},
        {"a", "0cc175b9c0f1b6a831c399e269772661"},
        {"abc", "900150983cd24fb0d6963f7d28e17f72"},
        {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
        {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
        {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"},
        {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
         "57edf4a22be3c955ac49da2e2107b67a"},
    };
    for (size_t i = 0; i < sizeof rfc / sizeof rfc[0]; i++) {
        assert_int_equal(dwhi_md5_hex(rfc[i][0], strlen(rfc[i][0]), hex), 0);
        assert_string_equal(hex, rfc[i][1]);
    }
    const char *fox = "The quick brown fox jumps over the lazy dog";
    dwhi_md5_hex(fox, strlen(fox), hex);
    assert_string_equal(hex, "9e107d9d372bb6826bd81d3542a419d6");
    char a[1000];
    memset(a, 'a', sizeof a);
    dwhi_md5_hex(a, sizeof a, hex);
    assert_string_equal(hex, "cabe45dcc9ae5b66ba86600cca6b8ba8");
    /* streaming in odd pieces gives the same digest */
    dwhi_md5_ctx m;
    unsigned char d1[16], d2[16];
    assert_int_equal(dwhi_md5_init(&m), 0);
    for (size_t i = 0; i < sizeof a; i += 7) dwhi_md5_update(&m, a + i, i + 7 <= sizeof a ? 7 : sizeof a - i);
    assert_int_equal(dwhi_md5_final(&m, d1), 0);
    assert_int_equal(dwhi_md5(a, sizeof a, d2), 0);
    assert_memory_equal(d1, d2, 16);
}

/* The partition value of a row given as JSON text, read both ways the
 * pipeline reads rows: as a json-c object and as cells of the streaming
 * parse (json_rows.c).  Both must agree. */
static const char *value(dwhi_partition *p, const char *row_json, char *buf, size_t cap) {
    json_object *row = json_tokener_parse(row_json);
    assert_non_null(row);
    dwhi_rowref obj = {.obj = row};
    int rc = dwhi_partition_value(p, &obj, buf, cap);
    json_object_put(row);

    dwhi_keydict *keys = dwhi_keydict_new();
    dwhi_batcher *store = dwhi_batcher_new(0, 0, keys);
    dwhi_json_rows_spec spec = {0};
    dwhi_json_rows *parser = dwhi_json_rows_new(&spec, store);
    assert_non_null(parser);
    assert_int_equal(dwhi_json_rows_feed(parser, row_json, strlen(row_json)), 0);
    assert_int_equal(dwhi_json_rows_finish(parser), 0);
    assert_int_equal(dwhi_batcher_rows(store), 1);
    dwhi_rowv v = dwhi_batcher_row(store, 0);
    dwhi_rowref cells = {.cells = &v};
    char other[128];
    int rc2 = dwhi_partition_value(p, &cells, other, cap < sizeof other ? cap : sizeof other);
    assert_int_equal(rc, rc2);
    if (rc == 1) assert_string_equal(buf, other);
    dwhi_json_rows_free(parser);
    dwhi_batcher_free(store);
    dwhi_keydict_free(keys);
    return rc == 1 ? buf : NULL;
}

static void md5_mode_matches_python(void **s) {
    (void)s;
    char *err = NULL, buf[64];
    dwhi_partition p;
    const char *id[] = {"id", NULL};
    assert_int_equal(dwhi_partition_init(&p, DW_PARTITION_MD5, 200, 0, 0, NULL, id, &err), 0);
    assert_string_equal(value(&p, "{\"id\":42}", buf, sizeof buf), "174");
    assert_string_equal(value(&p, "{\"id\":\"cus_123\"}", buf, sizeof buf), "198");
    dwhi_partition_free(&p);

    const char *two[] = {"a", "b", NULL};
    assert_int_equal(dwhi_partition_init(&p, DW_PARTITION_MD5, 16, 0, 0, two, NULL, &err), 0);
    assert_string_equal(value(&p, "{\"a\":1,\"b\":\"a\"}", buf, sizeof buf), "12");
    dwhi_partition_free(&p);

    const char *three[] = {"x", "y", "z", NULL};
    /* mode NONE with a count means md5, as in the reference */
    assert_int_equal(dwhi_partition_init(&p, DW_PARTITION_NONE, 7, 0, 0, three, NULL, &err), 0);
    assert_int_equal(p.mode, DW_PARTITION_MD5);
    assert_string_equal(value(&p, "{\"x\":1.5,\"z\":true}", buf, sizeof buf), "6"); /* y missing -> None */
    dwhi_partition_free(&p);

    const char *f[] = {"f", NULL};
    assert_int_equal(dwhi_partition_init(&p, DW_PARTITION_MD5, 1000, 0, 0, f, NULL, &err), 0);
    assert_string_equal(value(&p, "{\"f\":1e16}", buf, sizeof buf), "242");
    assert_string_equal(value(&p, "{\"f\":0.00001}", buf, sizeof buf), "290");
    dwhi_partition_free(&p);
    assert_int_equal(dwhi_partition_init(&p, DW_PARTITION_MD5, 13, 0, 0, f, NULL, &err), 0);
    assert_string_equal(value(&p, "{\"f\":100.0}", buf, sizeof buf), "3");
    assert_string_equal(value(&p, "{\"f\":-0.5}", buf, sizeof buf), "7");
    dwhi_partition_free(&p);
}

static void python_str_of_floats(void **s) {
    (void)s;
    struct {
        double d;
        const char *want;
    } cases[] = {{1e16, "1e+16"},           {0.00001, "1e-05"},       {100.0, "100.0"},
                 {-0.5, "-0.5"},            {1.23456789e-7, "1.23456789e-07"}, {123456789012345.6, "123456789012345.6"},
                 {2.5e300, "2.5e+300"},     {0.1, "0.1"},             {0.0, "0.0"},
                 {1e15, "1000000000000000.0"}, {0.0001, "0.0001"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dwhi_scalar v = {.type = DWHI_S_REAL, .d = cases[i].d};
        char buf[64];
        dwhi_scalar_python_str(&v, buf, sizeof buf);
        assert_string_equal(buf, cases[i].want);
    }
}

static void numerical_floors(void **s) {
    (void)s;
    char *err = NULL, buf[64];
    dwhi_partition p;
    const char *id[] = {"id", NULL};
    assert_int_equal(dwhi_partition_init(&p, DW_PARTITION_NUMERICAL, 0, 3, 0, NULL, id, &err), 0);
    assert_string_equal(value(&p, "{\"id\":7}", buf, sizeof buf), "2");
    assert_string_equal(value(&p, "{\"id\":-7}", buf, sizeof buf), "-3"); /* Python: -7 // 3 == -3 */
    assert_string_equal(value(&p, "{\"id\":\"9\"}", buf, sizeof buf), "3");
    assert_null(value(&p, "{\"id\":null}", buf, sizeof buf));
    assert_null(value(&p, "{\"other\":1}", buf, sizeof buf));
    dwhi_partition_free(&p);
    assert_int_equal(dwhi_partition_init(&p, DW_PARTITION_NUMERICAL, 0, 2, 0, NULL, id, &err), 0);
    assert_string_equal(value(&p, "{\"id\":-7.5}", buf, sizeof buf), "-4");
    dwhi_partition_free(&p);
}

static void datetime_buckets(void **s) {
    (void)s;
    char *err = NULL, buf[64];
    dwhi_partition p;
    const char *k[] = {"created_at", NULL};
    const char *row = "{\"created_at\":\"2021-01-03T05:06:07Z\"}";
    const char *want[] = {"2021-01", "2020-w53", "2021-01-03", "2021-01-03T05"};
    for (uint32_t f = DW_PARTITION_BY_MONTH; f <= DW_PARTITION_BY_HOUR; f++) {
        assert_int_equal(dwhi_partition_init(&p, DW_PARTITION_DATETIME, 0, 0, f, k, NULL, &err), 0);
        assert_string_equal(value(&p, row, buf, sizeof buf), want[f]);
        dwhi_partition_free(&p);
    }
    assert_int_equal(dwhi_partition_init(&p, DW_PARTITION_DATETIME, 0, 0, DW_PARTITION_BY_HOUR, k, NULL, &err), 0);
    /* offsets are converted to UTC; epoch seconds work too */
    assert_string_equal(value(&p, "{\"created_at\":\"2021-01-03T01:30:00-04:00\"}", buf, sizeof buf), "2021-01-03T05");
    assert_string_equal(value(&p, "{\"created_at\":1609650367}", buf, sizeof buf), "2021-01-03T05");
    assert_null(value(&p, "{\"created_at\":\"yesterday\"}", buf, sizeof buf));
    dwhi_partition_free(&p);
}

static void bad_settings_are_explained(void **s) {
    (void)s;
    char *err = NULL;
    dwhi_partition p;
    assert_int_equal(dwhi_partition_init(&p, DW_PARTITION_MD5, 10, 0, 0, NULL, NULL, &err), -1);
    assert_non_null(strstr(err, "needs partition keys"));
    free(err);
    const char *two[] = {"a", "b", NULL};
    assert_int_equal(dwhi_partition_init(&p, DW_PARTITION_DATETIME, 0, 0, 0, two, NULL, &err), -1);
    assert_non_null(strstr(err, "takes one key"));
    free(err);
    /* no partitioning at all: no value, no error */
    assert_int_equal(dwhi_partition_init(&p, DW_PARTITION_NONE, 0, 0, 0, NULL, NULL, &err), 0);
    char buf[8];
    assert_null(value(&p, "{\"id\":1}", buf, sizeof buf));
    dwhi_partition_free(&p);
}

static void isotime_parsing(void **s) {
    (void)s;
    int64_t sec;
    int32_t ns;
    assert_int_equal(dwhi_isotime_parse("1970-01-01", 10, &sec, &ns), 0);
    assert_int_equal(sec, 0);
    const char *t = "2024-02-29T23:59:59.123456789+01:00";
    assert_int_equal(dwhi_isotime_parse(t, strlen(t), &sec, &ns), 0);
    assert_int_equal(sec, 1709247599); /* python: datetime(2024,2,29,23,59,59,tz=+1h).timestamp() */
    assert_int_equal(ns, 123456789);
    t = "2024-02-29 23:59:59.5";
    assert_int_equal(dwhi_isotime_parse(t, strlen(t), &sec, &ns), 0);
    assert_int_equal(ns, 500000000);
    const char *bad[] = {"2023-02-29", "2024-13-01", "2024-01-01T25:00", "2024-01-01T10:00Zjunk", "", "20240101"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(dwhi_isotime_parse(bad[i], strlen(bad[i]), &sec, &ns), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(md5_vectors),         cmocka_unit_test(md5_mode_matches_python),
        cmocka_unit_test(python_str_of_floats), cmocka_unit_test(numerical_floors),
        cmocka_unit_test(datetime_buckets),    cmocka_unit_test(bad_settings_are_explained),
        cmocka_unit_test(isotime_parsing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
