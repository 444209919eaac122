/*
 * fuzz_json.c -- libFuzzer target for the strict JSON parse every plugin
 * text goes through (host/src/base/json_strict.c), checked against two
 * oracles:
 *   - a kept, reused tokener (what an operation does page after page)
 *     answers exactly as a fresh one: same verdict, same value;
 *   - nothing the strict parse accepts is invalid UTF-8: json-c with its
 *     UTF-8 check forced on must accept it too (the parse skips that
 *     check on pure-ASCII text, so this guards the shortcut).
 * A disagreement aborts, which libFuzzer reports with the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_strict.h"

static json_tokener *kept; /* reused across inputs, as in an operation */

/* json-c, strict, UTF-8 always checked; only whitespace after the value. */
static int reference_accepts(const char *text, size_t len) {
    json_tokener *tok = json_tokener_new_ex(DWHI_JSON_MAX_DEPTH);
    if (!tok) abort();
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *v = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error e = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    if (e == json_tokener_continue) {
        v = json_tokener_parse_ex(tok, "", 1);
        e = json_tokener_get_error(tok);
        end = len;
    }
    int ok = e == json_tokener_success;
    for (size_t i = end; ok && i < len; i++)
        if (text[i] != ' ' && text[i] != '\t' && text[i] != '\n' && text[i] != '\r') ok = 0;
    json_object_put(v);
    json_tokener_free(tok);
    return ok;
}

static const char *text_of(json_object *v) {
    return v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : "null";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 1 << 16) return 0;
    const char *text = (const char *)data;
    char e1[256], e2[256];
    json_object *a = NULL, *b = NULL;
    int r1 = dwhi_json_parse_strict(text, size, &a, e1, sizeof e1);
    int r2 = dwhi_json_parse_strict_tok(&kept, text, size, &b, e2, sizeof e2);
    if (r1 != r2) {
        fprintf(stderr, "fresh and kept tokeners disagree: %d (%s) vs %d (%s)\n", r1, r1 ? e1 : "-", r2, r2 ? e2 : "-");
        abort();
    }
    if (r1 == 0) {
        if (strcmp(text_of(a), text_of(b)) != 0) {
            fprintf(stderr, "fresh and kept tokeners parse different values\n");
            abort();
        }
        if (!reference_accepts(text, size)) {
            fprintf(stderr, "the strict parse accepted a text json-c's UTF-8 check refuses\n");
            abort();
        }
    } else if (strcmp(e1, e2) != 0) {
        fprintf(stderr, "different reasons: '%s' vs '%s'\n", e1, e2);
        abort();
    }
    json_object_put(a);
    json_object_put(b);
    return 0;
}
