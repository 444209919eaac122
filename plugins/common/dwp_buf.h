/*
 * dwp_buf.h -- a growable text buffer for bundled plugins (header only, so
 * a plugin still links nothing but libc).  Used to assemble JSON rows,
 * pages and state without a JSON library.
 *
 * Ownership: a zeroed dwp_buf owns nothing; after appends `data` is
 * malloc'd, NUL-terminated, and released by dwp_buf_free().  After an
 * allocation failure `oom` is set and further appends are ignored.
 */
#ifndef DWP_BUF_H
#define DWP_BUF_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct dwp_buf {
    char *data;
    size_t len;
    size_t cap;
    int oom;
} dwp_buf;

/* Appends n bytes; returns 1, or 0 on OOM. */
static inline int dwp_buf_add(dwp_buf *b, const char *s, size_t n) {
    if (b->oom) return 0;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d) {
            b->oom = 1;
            return 0;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 1;
}

static inline int dwp_buf_str(dwp_buf *b, const char *s) { return dwp_buf_add(b, s, strlen(s)); }

__attribute__((format(printf, 2, 3))) static inline int dwp_buf_printf(dwp_buf *b, const char *fmt, ...) {
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return 0;
    if ((size_t)n < sizeof small) return dwp_buf_add(b, small, (size_t)n);
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->oom = 1;
        return 0;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int ok = dwp_buf_add(b, big, (size_t)n);
    free(big);
    return ok;
}

/* Appends `s` as a quoted JSON string (NULL: null). */
static inline int dwp_buf_json_string(dwp_buf *b, const char *s) {
    if (!s) return dwp_buf_add(b, "null", 4);
    dwp_buf_add(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': dwp_buf_add(b, "\\\"", 2); break;
        case '\\': dwp_buf_add(b, "\\\\", 2); break;
        case '\n': dwp_buf_add(b, "\\n", 2); break;
        case '\r': dwp_buf_add(b, "\\r", 2); break;
        case '\t': dwp_buf_add(b, "\\t", 2); break;
        default:
            if (*p < 0x20)
                dwp_buf_printf(b, "\\u%04x", *p);
            else
                dwp_buf_add(b, (const char *)p, 1);
        }
    }
    return dwp_buf_add(b, "\"", 1);
}

static inline void dwp_buf_free(dwp_buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}

#endif
