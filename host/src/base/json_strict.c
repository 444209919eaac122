/* json_strict.c -- the one strict JSON parse every text from a plugin
 * goes through (see json_strict.h). */
#include "json_strict.h"

#include "json_grammar.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Non-zero when no byte of `s` has its high bit set: such a text is
 * valid UTF-8 whatever it holds, so json-c's byte-at-a-time UTF-8 check
 * (about 4% of a sync) is only asked for on texts that need it. */
static int all_ascii(const char *s, size_t n) {
    uint64_t acc = 0;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        uint64_t w[4];
        memcpy(w, s + i, sizeof w);
        acc |= w[0] | w[1] | w[2] | w[3];
    }
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, sizeof w);
        acc |= w;
    }
    for (; i < n; i++) acc |= (unsigned char)s[i];
    return (acc & UINT64_C(0x8080808080808080)) == 0;
}

static int parse_with(json_tokener *tok, const char *text, size_t len, json_object **out, char *errbuf,
                      size_t errlen) {
    *out = NULL;
    if (!text) {
        snprintf(errbuf, errlen, "the JSON text is NULL");
        return -1;
    }
    if (len == 0) {
        snprintf(errbuf, errlen, "the JSON text is empty");
        return -1;
    }
    if (len > (size_t)INT_MAX) {
        snprintf(errbuf, errlen, "the JSON text is %zu bytes; the limit is %d", len, INT_MAX);
        return -1;
    }
    const char *nul = memchr(text, 0, len);
    if (nul) {
        snprintf(errbuf, errlen, "the JSON text contains a NUL byte at offset %zu (wrong length?)",
                 (size_t)(nul - text));
        return -1;
    }
    json_tokener_reset(tok);
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | (all_ascii(text, len) ? 0 : JSON_TOKENER_VALIDATE_UTF8));
    json_object *v = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error err = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    if (err == json_tokener_continue) {
        /* A bare number needs a terminator to be complete. */
        v = json_tokener_parse_ex(tok, "", 1);
        err = json_tokener_get_error(tok);
        end = len;
    }
    int rc = 0;
    if (err != json_tokener_success) {
        snprintf(errbuf, errlen, "invalid JSON at byte %zu: %s", end, json_tokener_error_desc(err));
        rc = -1;
    } else {
        /* Only whitespace may follow the value. */
        for (size_t i = end; i < len; i++) {
            if (text[i] != ' ' && text[i] != '\t' && text[i] != '\n' && text[i] != '\r') {
                snprintf(errbuf, errlen, "invalid JSON at byte %zu: unexpected text after the value", i);
                rc = -1;
                break;
            }
        }
    }
    json_tokener_reset(tok); /* drops a half-built value on error */
    /* json-c takes "1.", leading zeros, raw control characters inside
     * strings, NaN and 1e999, and clamps integers beyond 64 bits without a
     * word: RFC 8259's grammar and the numbers are yajl's to judge, as for
     * rows (json_grammar.h). */
    if (!rc) rc = dwhi_json_grammar_check(text, len, errbuf, errlen);
    if (rc) {
        if (v) json_object_put(v);
        return -1;
    }
    *out = v;
    return 0;
}

int dwhi_json_parse_strict(const char *text, size_t len, json_object **out, char *errbuf, size_t errlen) {
    *out = NULL;
    json_tokener *tok = json_tokener_new_ex(DWHI_JSON_MAX_DEPTH);
    if (!tok) {
        snprintf(errbuf, errlen, "out of memory parsing JSON");
        return -1;
    }
    int rc = parse_with(tok, text, len, out, errbuf, errlen);
    json_tokener_free(tok);
    return rc;
}

int dwhi_json_parse_strict_tok(json_tokener **tok, const char *text, size_t len, json_object **out, char *errbuf,
                              size_t errlen) {
    if (tok && !*tok) *tok = json_tokener_new_ex(DWHI_JSON_MAX_DEPTH);
    if (!tok || !*tok) return dwhi_json_parse_strict(text, len, out, errbuf, errlen);
    int rc = parse_with(*tok, text, len, out, errbuf, errlen);
    if (rc != 0) {
        /* json_tokener_reset() leaves some of json-c's escape state behind
         * (a half-read \u surrogate pair changed the next text's keys:
         * found by fuzz-json), so a tokener that failed is not reused.
         * Failures are rare; the common path keeps its tokener. */
        json_tokener_free(*tok);
        *tok = NULL;
    }
    return rc;
}
