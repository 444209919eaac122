/*
 * test_file_read.c -- the one whole-file reader (host/src/base/file_read.c)
 * behind config files, state files and webhook payloads: the limit is
 * exact, a directory and a missing file say so, a file larger than the
 * first buffer comes back whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/file_read.h"

static char dir[] = "/tmp/dwhost-file-read-XXXXXX";

static char *write_file(const char *name, size_t n) {
    char *path = NULL;
    assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (size_t i = 0; i < n; i++) fputc('a' + (int)(i % 26), f);
    fclose(f);
    return path;
}

static void limits_and_errors(void **state) {
    (void)state;
    assert_non_null(mkdtemp(dir));
    char *ten = write_file("ten", 10), *text = NULL;
    size_t len = 0;
    int err = 0;
    assert_int_equal(dwhi_read_whole_file(ten, 10, &text, &len, &err), DWHI_READ_OK);
    assert_int_equal(len, 10);
    assert_string_equal(text, "abcdefghij");
    free(text);
    assert_int_equal(dwhi_read_whole_file(ten, 9, &text, &len, &err), DWHI_READ_TOO_BIG);
    assert_null(text);
    assert_int_equal(dwhi_read_whole_file(ten, 0, &text, &len, &err), DWHI_READ_OK); /* 0: no limit */
    free(text);
    assert_int_equal(dwhi_read_whole_file(dir, 0, &text, &len, &err), DWHI_READ_IS_DIR);
    char *missing = NULL;
    assert_true(asprintf(&missing, "%s/missing", dir) > 0);
    assert_int_equal(dwhi_read_whole_file(missing, 0, &text, &len, &err), DWHI_READ_OPEN);
    assert_int_equal(err, ENOENT);
    /* many times the first buffer: every byte, in order */
    char *big = write_file("big", 300000);
    assert_int_equal(dwhi_read_whole_file(big, 300000, &text, &len, &err), DWHI_READ_OK);
    assert_int_equal(len, 300000);
    for (size_t i = 0; i < len; i++)
        if (text[i] != 'a' + (int)(i % 26)) fail_msg("byte %zu differs", i);
    assert_int_equal(text[len], 0);
    free(text);
    assert_int_equal(dwhi_read_whole_file(big, 299999, &text, &len, &err), DWHI_READ_TOO_BIG);
    unlink(ten);
    unlink(big);
    rmdir(dir);
    free(ten);
    free(big);
    free(missing);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(limits_and_errors)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
