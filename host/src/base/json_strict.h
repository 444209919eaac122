/*
 * json_strict.h -- the strict JSON parse every text from a plugin goes
 * through (emit_json, state_save, api->json_parse, configs' state files).
 *
 * Strict: one value, only whitespace after it, no NUL byte, nesting at
 * most DWHI_JSON_MAX_DEPTH, valid UTF-8, finite numbers, integers that fit
 * in 64 bits (json-c would clamp them without a word).  json-c's own
 * byte-at-a-time UTF-8 check runs only on texts with a byte >= 0x80: a
 * pure-ASCII text is valid UTF-8 whatever it holds.
 */
#ifndef DWHI_JSON_STRICT_H
#define DWHI_JSON_STRICT_H

#include <json-c/json.h>
#include <stddef.h>

#define DWHI_JSON_MAX_DEPTH 64 /* nesting of a parsed text */

/* Parses `len` bytes of `text` (borrowed).  Returns 0 and sets *out (a
 * new reference, caller puts; NULL for the JSON literal null), or -1 with
 * a one-line reason in errbuf (errlen bytes). */
int dwhi_json_parse_strict(const char *text, size_t len, json_object **out, char *errbuf, size_t errlen);

/* The same parse with a kept tokener: *tok is created on first use and
 * reused by later calls (the caller frees it with json_tokener_free; it
 * may be NULL), so a run of many pages does not build one per page.  A
 * failed parse frees it (json-c's reset keeps some escape state), so the
 * next text starts from a fresh one.  With tok NULL, or when the tokener cannot be
 * made, it parses as dwhi_json_parse_strict does.  One tokener must not be
 * used by two threads at once. */
int dwhi_json_parse_strict_tok(json_tokener **tok, const char *text, size_t len, json_object **out, char *errbuf,
                              size_t errlen);

#endif
