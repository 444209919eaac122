/* text.c -- UTF-8 validation and one-line messages (see text.h). */
#include "text.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of the well-formed UTF-8 sequence at s (at most n bytes), or 0
 * when it is malformed (RFC 3629, Table 3-7 of the Unicode standard). */
static size_t utf8_seq(const unsigned char *s, size_t n) {
    unsigned char c = s[0];
    if (c >= 0x01 && c <= 0x7f) return 1;
    if (c >= 0xc2 && c <= 0xdf) return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80) return 0;
        if (c == 0xe0 && s[1] < 0xa0) return 0; /* overlong */
        if (c == 0xed && s[1] > 0x9f) return 0; /* surrogates */
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80) return 0;
        if (c == 0xf0 && s[1] < 0x90) return 0; /* overlong */
        if (c == 0xf4 && s[1] > 0x8f) return 0; /* above U+10FFFF */
        return 4;
    }
    return 0;
}

int dwhi_utf8_valid(const char *s, size_t len) {
    if (!s) return 0;
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        if (p[i] >= 0x01 && p[i] <= 0x7f) { /* fast path for ASCII */
            i++;
            continue;
        }
        size_t k = utf8_seq(p + i, len - i);
        if (!k) return 0;
        i += k;
    }
    return 1;
}

size_t dwhi_utf8_valid_prefix(const char *s, size_t len) {
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        if (p[i] <= 0x7f) { /* ASCII, NUL included */
            i++;
            continue;
        }
        size_t k = utf8_seq(p + i, len - i);
        if (!k) return i;
        i += k;
    }
    return len;
}

char *dwhi_text_one_line(const char *s, size_t max_bytes) {
    if (!s) s = "(null)";
    static const char ellipsis[] = "...";
    static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */
    if (max_bytes < sizeof ellipsis) max_bytes = sizeof ellipsis;
    /* Only the first max_bytes input bytes can reach the output: every
     * input byte yields at least one output byte. */
    size_t len = strnlen(s, max_bytes + 1);
    int cut = len > max_bytes;
    if (cut) len = max_bytes;
    char *out = malloc(len * 3 + sizeof ellipsis);
    if (!out) return NULL;
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, o = 0, last_fit = 0; /* output length at the last boundary
                                          that leaves room for "..." */
    size_t room = max_bytes - (sizeof ellipsis - 1);
    while (i < len) {
        size_t k = utf8_seq(p + i, len - i);
        if (k == 1 && (p[i] < 0x20 || p[i] == 0x7f)) {
            out[o++] = ' ';
        } else if (k == 0) {
            /* Malformed, or a sequence cut by the length bound. */
            memcpy(out + o, replacement, 3);
            o += 3;
            k = 1;
        } else {
            memcpy(out + o, p + i, k);
            o += k;
        }
        i += k;
        if (o <= room) last_fit = o;
    }
    if (cut || o > max_bytes) {
        memcpy(out + last_fit, ellipsis, sizeof ellipsis);
        return out;
    }
    out[o] = 0;
    return out;
}

/* s[0..len) with control characters and NULs as spaces and malformed
 * UTF-8 as U+FFFD, NUL-terminated; malloc'd. */
static char *flatten(const char *s, size_t len) {
    char *out = malloc(len * 3 + 1);
    if (!out) return NULL;
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, o = 0;
    while (i < len) {
        size_t k = p[i] ? utf8_seq(p + i, len - i) : 1;
        if (k == 1 && (p[i] < 0x20 || p[i] == 0x7f)) {
            out[o++] = ' ';
        } else if (k == 0) {
            memcpy(out + o, "\xef\xbf\xbd", 3); /* U+FFFD */
            o += 3;
            k = 1;
        } else {
            memcpy(out + o, p + i, k);
            o += k;
        }
        i += k;
    }
    out[o] = 0;
    return out;
}

char *dwhi_text_excerpt(const char *s, size_t len, size_t max_bytes, int quote) {
    if (!s) s = "(null)", len = 6;
    size_t keep = len;
    if (len > max_bytes) {
        /* back to the start of the character the bound falls in (at
         * most 3 continuation bytes: a malformed run is cut anywhere) */
        keep = max_bytes;
        for (int back = 0; back < 3 && keep > 0 && ((unsigned char)s[keep] & 0xc0) == 0x80; back++) keep--;
        if (((unsigned char)s[keep] & 0xc0) == 0x80) keep = max_bytes;
    }
    char *text = NULL;
    if (quote) {
        json_object *q = json_object_new_string_len(s, (int)keep);
        const char *t = q ? json_object_to_json_string_ext(q, JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;
        text = t ? strdup(t) : NULL;
        json_object_put(q);
    } else {
        text = flatten(s, keep);
    }
    if (!text || keep == len) return text;
    char *out = NULL;
    if (asprintf(&out, "%s... (%zu bytes)", text, len) < 0) out = NULL;
    free(text);
    return out;
}

char *dwhi_text_path_excerpt(const char *path) {
    if (!path) path = "(null)";
    size_t len = strlen(path);
    if (len <= DWHI_TEXT_PATH_MAX) return flatten(path, len);
    /* forward to the start of a character: the tail must begin on one */
    size_t from = len - DWHI_TEXT_PATH_MAX;
    for (int fwd = 0; fwd < 3 && from < len && ((unsigned char)path[from] & 0xc0) == 0x80; fwd++) from++;
    char *tail = flatten(path + from, len - from), *out = NULL;
    if (tail && asprintf(&out, "...%s (%zu bytes)", tail, len) < 0) out = NULL;
    free(tail);
    return out;
}

char *dwhi_text_join(const char *const *items, size_t n) {
    size_t total = 1;
    for (size_t i = 0; i < n; i++) total += strlen(items[i]) + 2;
    char *out = n ? malloc(total) : NULL;
    if (!out) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (i) {
            memcpy(out + o, ", ", 2);
            o += 2;
        }
        size_t len = strlen(items[i]);
        memcpy(out + o, items[i], len);
        o += len;
    }
    out[o] = 0;
    return out;
}

char *dwhi_strf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    return n < 0 ? NULL : s;
}
