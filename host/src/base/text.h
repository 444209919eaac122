/*
 * text.h -- checks and clean-ups for text that crosses the plugin boundary:
 * UTF-8 validation and one-line, bounded messages.  Used wherever a plugin
 * string becomes part of a log line, an error or a row.
 */
#ifndef DWHI_TEXT_H
#define DWHI_TEXT_H

#include <stddef.h>

/* Non-zero when s[0..len) is well-formed UTF-8 (no overlongs, no
 * surrogates, nothing above U+10FFFF).  NUL bytes count as invalid: they
 * cannot survive a C string. */
/* printf into a new string: malloc'd, the caller frees it; NULL on OOM or
 * a format error. */
char *dwhi_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int dwhi_utf8_valid(const char *s, size_t len);

/* The length of the longest prefix of s[0..len) that is well-formed
 * UTF-8, NUL bytes allowed (len when all of it is): where a config's
 * text stops being UTF-8. */
size_t dwhi_utf8_valid_prefix(const char *s, size_t len);

/* Returns a malloc'd copy of `s` made fit for one line of output: invalid
 * UTF-8 becomes U+FFFD, control characters (newlines, tabs...) become
 * spaces, and text longer than `max_bytes` is cut on a character boundary
 * and ends in "...".  s == NULL gives "(null)".  The caller frees the
 * result; NULL only on OOM. */
char *dwhi_text_one_line(const char *s, size_t max_bytes);

/* Bytes of a user-given string (a config key or value, a file path, a
 * variable name) that a message quotes: one helper and one bound keep
 * every error line a few hundred bytes long, whatever the input holds. */
#define DWHI_TEXT_EXCERPT_MAX 64

/* A user-given string s[0..len) as a message quotes it.  At most
 * `max_bytes` of its bytes are kept, cut on a character boundary; a cut
 * string ends in "..." and a note of its full length, so the reader
 * knows it was cut: `kkkkkkkk... (10485760 bytes)`.  With `quote` the
 * kept part is a JSON string literal (control characters, quotes and
 * backslashes escaped: `"a\nb"... (900 bytes)`); without, it is made
 * one line as dwhi_text_one_line does (control characters and NULs
 * become spaces, malformed UTF-8 becomes U+FFFD).  s may be NULL
 * ("(null)").  Returns a malloc'd string the caller frees; NULL on OOM. */
char *dwhi_text_excerpt(const char *s, size_t len, size_t max_bytes, int quote);

/* Bytes of a file path a message quotes: more than a value's, and from the
 * end, where the file's name is. */
#define DWHI_TEXT_PATH_MAX 200

/* A file path as a message quotes it: whole when it has at most
 * DWHI_TEXT_PATH_MAX bytes, else "..." and its last bytes (cut on a
 * character boundary) and a note of its full length:
 * `.../dir/missing.json (4000 bytes)`.  Made one line as
 * dwhi_text_one_line does.  Returns a malloc'd string the caller frees;
 * NULL on OOM. */
char *dwhi_text_path_excerpt(const char *path);

/* "a, b, c": the `n` strings of `items` (borrowed) joined by ", ", as
 * error messages name primary keys.  Returns a malloc'd string the caller
 * frees; NULL when n is 0 or on OOM. */
char *dwhi_text_join(const char *const *items, size_t n);

#endif
