/* strbuf.c -- a growable NUL-terminated string (see strbuf.h). */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array_grow.h"

void dwhi_strbuf_put(dwhi_strbuf *b, const char *p, size_t n) {
    if (b->oom) return;
    if (b->len + n + 1 < b->len || dwhi_array_grow((void **)&b->s, &b->cap, b->len + n + 1, 1, 64) != 0) {
        b->oom = 1;
        return;
    }
    if (n) memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = 0;
}

void dwhi_strbuf_puts(dwhi_strbuf *b, const char *s) { dwhi_strbuf_put(b, s, strlen(s)); }

void dwhi_strbuf_putc(dwhi_strbuf *b, char c) { dwhi_strbuf_put(b, &c, 1); }

void dwhi_strbuf_printf(dwhi_strbuf *b, const char *fmt, ...) {
    if (b->oom) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || b->len + (size_t)n + 1 < b->len ||
        dwhi_array_grow((void **)&b->s, &b->cap, b->len + (size_t)n + 1, 1, 64) != 0) {
        b->oom = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *dwhi_strbuf_take(dwhi_strbuf *b) {
    char *s = b->oom ? NULL : b->s;
    if (b->oom) free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
    return s;
}

void dwhi_strbuf_free(dwhi_strbuf *b) {
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}
