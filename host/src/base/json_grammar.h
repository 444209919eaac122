/*
 * json_grammar.h -- RFC 8259's grammar, checked by yajl: the one judge of
 * what is JSON text for the strict parse (json_strict.c, whose json-c
 * takes "1.", leading zeros and raw control characters inside strings)
 * and for the streaming parse of rows (json_rows.c).
 */
#ifndef DWHI_JSON_GRAMMAR_H
#define DWHI_JSON_GRAMMAR_H

#include <locale.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_parse.h>

/* Why a member name holding \u0000 is refused: no column, config key or
 * json-c object key can hold one (json-c would cut it there silently,
 * merging "a\u0000b" with "a"). */
#define DWHI_JSON_NUL_KEY "a member name contains \\u0000"

typedef enum dwhi_json_num {
    DWHI_NUM_INT,     /* fits int64: *i */
    DWHI_NUM_BIGINT,  /* an integer beyond int64 that fits uint64: keep its digits */
    DWHI_NUM_REAL,    /* a finite double: *d */
    DWHI_NUM_RANGE,   /* an integer that fits in no 64-bit type (json-c would clamp it) */
    DWHI_NUM_INFINITE /* a double that overflows (1e999) */
} dwhi_json_num;

/* Classifies a number literal that follows the JSON grammar (as yajl
 * hands them), reading doubles in `c_locale` (a "C" LC_NUMERIC locale, so
 * an embedding program's locale cannot change them). */
dwhi_json_num dwhi_json_number(const char *s, size_t len, locale_t c_locale, int64_t *i, double *d);

/* The one-line reason for DWHI_NUM_RANGE / DWHI_NUM_INFINITE. */
void dwhi_json_number_error(dwhi_json_num kind, const char *s, size_t len, char *errbuf, size_t errlen);

/* 0 when `len` bytes of `text` (borrowed) are one JSON value with only
 * whitespace around it, no member name holding \u0000 and every number
 * finite and within 64 bits, else -1 with a one-line reason in errbuf
 * ("invalid JSON at byte 12: lexical error: malformed number, ...").
 * Nesting and UTF-8 are the caller's to check. */
int dwhi_json_grammar_check(const char *text, size_t len, char *errbuf, size_t errlen);

/* The one-line message of yajl's last error on `h`, `base` bytes having
 * been fed before `chunk` (borrowed; may be NULL), the chunk it failed in:
 * "invalid JSON at byte N: ...", or "invalid JSON: NaN is not a finite
 * number" for what JavaScript writes for one. */
void dwhi_json_grammar_error(yajl_handle h, size_t base, const char *chunk, size_t chunk_len, char *errbuf,
                            size_t errlen);

/* -1 when `len` bytes of `text` hold a vertical tab or form feed, which
 * yajl takes for whitespace and JSON does not (inside a string they are
 * control characters, which must be escaped): a text with one is not
 * JSON.  *at is its offset. */
int dwhi_json_bad_space(const char *text, size_t len, size_t *at);

/* The index of the first byte from `from` on that is not JSON whitespace,
 * or len when there is none. */
size_t dwhi_json_skip_ws(const char *text, size_t from, size_t len);

#endif
