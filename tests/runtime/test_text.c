/* test_text.c -- UTF-8 validation and one-line messages (host/src/base/text.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"

static void utf8_accepts_well_formed(void **state) {
    (void)state;
    const char *ok[] = {"", "plain ascii", "caf\xc3\xa9", "\xe2\x82\xac 5", "\xf0\x9f\x98\x80 emoji",
                        "\xf4\x8f\xbf\xbf" /* U+10FFFF */};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) assert_true(dwhi_utf8_valid(ok[i], strlen(ok[i])));
}

static void utf8_rejects_malformed(void **state) {
    (void)state;
    const char *bad[] = {"\xc3",             /* truncated */
                         "\xc0\xaf",         /* overlong '/' */
                         "\xe0\x80\xaf",     /* overlong */
                         "\xed\xa0\x80",     /* surrogate U+D800 */
                         "\xf4\x90\x80\x80", /* above U+10FFFF */
                         "\xff", "latin1 caf\xe9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) assert_false(dwhi_utf8_valid(bad[i], strlen(bad[i])));
    assert_false(dwhi_utf8_valid("a\0b", 3)); /* NUL cannot survive a C string */
    assert_false(dwhi_utf8_valid(NULL, 0));
}

static void one_line_flattens_and_repairs(void **state) {
    (void)state;
    char *s = dwhi_text_one_line("line one\nline two\r\n\ttab", 100);
    assert_string_equal(s, "line one line two   tab");
    free(s);
    s = dwhi_text_one_line("caf\xe9!", 100);
    assert_string_equal(s, "caf\xef\xbf\xbd!");
    free(s);
    s = dwhi_text_one_line(NULL, 100);
    assert_string_equal(s, "(null)");
    free(s);
}

static void one_line_bounds_on_a_character_boundary(void **state) {
    (void)state;
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    char *s = dwhi_text_one_line(big, 100);
    assert_int_equal(strlen(s), 100);
    assert_string_equal(s + 97, "...");
    free(s);
    /* Euro signs (3 bytes each): the cut never splits one. */
    char euros[3 * 50 + 1] = "";
    for (int i = 0; i < 50; i++) strcat(euros, "\xe2\x82\xac");
    s = dwhi_text_one_line(euros, 20);
    assert_true(strlen(s) <= 20);
    assert_true(dwhi_utf8_valid(s, strlen(s)));
    assert_string_equal(s + strlen(s) - 3, "...");
    free(s);
    /* Exactly at the limit: kept whole. */
    s = dwhi_text_one_line("0123456789", 10);
    assert_string_equal(s, "0123456789");
    free(s);
}

static void join_names_keys(void **state) {
    (void)state;
    const char *keys[] = {"id", "region", "day"};
    char *j = dwhi_text_join(keys, 3);
    assert_string_equal(j, "id, region, day");
    free(j);
    j = dwhi_text_join(keys, 1);
    assert_string_equal(j, "id");
    free(j);
    assert_null(dwhi_text_join(keys, 0));
}

static void valid_prefix_finds_the_first_bad_byte(void **state) {
    (void)state;
    assert_int_equal(dwhi_utf8_valid_prefix("caf\xc3\xa9", 5), 5);
    assert_int_equal(dwhi_utf8_valid_prefix("a\0b", 3), 3); /* NUL is UTF-8 here */
    assert_int_equal(dwhi_utf8_valid_prefix("good_\xff\xfe" "1", 8), 5);
    assert_int_equal(dwhi_utf8_valid_prefix("ab\xe2\x82", 4), 2); /* truncated euro sign */
    assert_int_equal(dwhi_utf8_valid_prefix("", 0), 0);
}

/* A path keeps its end, where the file's name is. */
static void path_excerpt_keeps_the_name(void **state) {
    (void)state;
    char *s = dwhi_text_path_excerpt("/tmp/a/missing.json");
    assert_string_equal(s, "/tmp/a/missing.json");
    free(s);
    char path[600] = "/";
    for (int i = 0; i < 50; i++) strcat(path, "directory/");
    strcat(path, "\xe2\x82\xac-missing.json");
    char want[64];
    snprintf(want, sizeof want, "\xe2\x82\xac-missing.json (%zu bytes)", strlen(path));
    s = dwhi_text_path_excerpt(path);
    assert_non_null(strstr(s, want));
    assert_true(strncmp(s, "...", 3) == 0);
    assert_true(strlen(s) <= DWHI_TEXT_PATH_MAX + 20);
    free(s);
}

static void excerpt_bounds_and_notes_the_length(void **state) {
    (void)state;
    /* Short: as it is (made one line), no note. */
    char *s = dwhi_text_excerpt("a\nkey", 5, 64, 0);
    assert_string_equal(s, "a key");
    free(s);
    s = dwhi_text_excerpt("x\xff" "y", 3, 64, 0);
    assert_string_equal(s, "x\xef\xbf\xbdy");
    free(s);
    /* Long: cut at the bound, "..." and the full length. */
    size_t n = 10u << 20;
    char *big = malloc(n + 1);
    memset(big, 'k', n);
    big[n] = 0;
    s = dwhi_text_excerpt(big, n, 64, 0);
    char want[128];
    snprintf(want, sizeof want, "%.64s... (10485760 bytes)", big);
    assert_string_equal(s, want);
    free(s);
    free(big);
    /* Quoted: escapes inside the quotes, the note outside. */
    s = dwhi_text_excerpt("say \"hi\"\n", 9, 64, 1);
    assert_string_equal(s, "\"say \\\"hi\\\"\\n\"");
    free(s);
    s = dwhi_text_excerpt("abcdef", 6, 3, 1);
    assert_string_equal(s, "\"abc\"... (6 bytes)");
    free(s);
    /* The cut never splits a character. */
    char euros[3 * 30 + 1] = "";
    for (int i = 0; i < 30; i++) strcat(euros, "\xe2\x82\xac");
    s = dwhi_text_excerpt(euros, strlen(euros), 10, 0);
    assert_string_equal(s, "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac... (90 bytes)");
    free(s);
    s = dwhi_text_excerpt(NULL, 0, 10, 0);
    assert_string_equal(s, "(null)");
    free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(utf8_accepts_well_formed),
        cmocka_unit_test(utf8_rejects_malformed),
        cmocka_unit_test(one_line_flattens_and_repairs),
        cmocka_unit_test(one_line_bounds_on_a_character_boundary),
        cmocka_unit_test(join_names_keys),
        cmocka_unit_test(valid_prefix_finds_the_first_bad_byte),
        cmocka_unit_test(excerpt_bounds_and_notes_the_length),
        cmocka_unit_test(path_excerpt_keeps_the_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
