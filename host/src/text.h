/*
 * text.h -- checks and clean-ups for text that crosses the plugin boundary:
 * UTF-8 validation and one-line, bounded messages.  Used wherever a plugin
 * string becomes part of a log line, an error or a row.
 */
#ifndef DWH_TEXT_H
#define DWH_TEXT_H

#include <stddef.h>

/* Non-zero when s[0..len) is well-formed UTF-8 (no overlongs, no
 * surrogates, nothing above U+10FFFF).  NUL bytes count as invalid: they
 * cannot survive a C string. */
int dwh_utf8_valid(const char *s, size_t len);

/* Returns a malloc'd copy of `s` made fit for one line of output: invalid
 * UTF-8 becomes U+FFFD, control characters (newlines, tabs...) become
 * spaces, and text longer than `max_bytes` is cut on a character boundary
 * and ends in "...".  s == NULL gives "(null)".  The caller frees the
 * result; NULL only on OOM. */
char *dwh_text_one_line(const char *s, size_t max_bytes);

/* "a, b, c": the `n` strings of `items` (borrowed) joined by ", ", as
 * error messages name primary keys.  Returns a malloc'd string the caller
 * frees; NULL when n is 0 or on OOM. */
char *dwh_text_join(const char *const *items, size_t n);

#endif
