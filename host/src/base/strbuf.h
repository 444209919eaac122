/*
 * strbuf.h -- a growable NUL-terminated string for building text piece by
 * piece (a scrubbed line, a URL, a Redis key, a state with references).
 *
 * Zero-initialise (`dwhi_strbuf b = {0};`), append, then take the text.
 * An allocation failure sets `oom`; later appends do nothing, so a caller
 * checks once at the end instead of after every append.
 */
#ifndef DWHI_STRBUF_H
#define DWHI_STRBUF_H

#include <stddef.h>

typedef struct dwhi_strbuf {
    char *s;    /* NUL-terminated once anything was appended; NULL before */
    size_t len; /* bytes in s, without the NUL */
    size_t cap;
    int oom;
} dwhi_strbuf;

/* Appends n bytes of p (which may hold NULs; n 0 still makes s ""). */
void dwhi_strbuf_put(dwhi_strbuf *b, const char *p, size_t n);
void dwhi_strbuf_puts(dwhi_strbuf *b, const char *s);
void dwhi_strbuf_putc(dwhi_strbuf *b, char c);
/* Appends printf-formatted text. */
void dwhi_strbuf_printf(dwhi_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The text, malloc'd, for the caller to free (b is left empty); NULL when
 * an append ran out of memory (what was built is freed). */
char *dwhi_strbuf_take(dwhi_strbuf *b);
/* Frees what b holds and empties it. */
void dwhi_strbuf_free(dwhi_strbuf *b);

#endif
