/*
 * freader.c -- buffered reading with absolute offsets, so a reader can
 * tell the exact byte where each record ends (the resume point).  Plain
 * read(2), not mmap: a file truncated while we read it ends early with a
 * parse error instead of a SIGBUS.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"

#define FREADER_CHUNK (1u << 20)

int freader_open(freader *r, const char *path, off_t offset) {
    memset(r, 0, sizeof *r);
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) return -1;
    if (offset > 0 && lseek(r->fd, offset, SEEK_SET) != offset) {
        int e = errno;
        close(r->fd);
        r->fd = -1;
        errno = e;
        return -1;
    }
    r->base = offset;
    return 0;
}

void freader_close(freader *r) {
    if (r->fd >= 0) close(r->fd);
    free(r->buf);
    memset(r, 0, sizeof *r);
    r->fd = -1;
}

ssize_t freader_fill(freader *r, size_t n) {
    while (r->len - r->pos < n && !r->eof) {
        /* Drop what was consumed, then grow if one record needs more. */
        if (r->pos > 0) {
            memmove(r->buf, r->buf + r->pos, r->len - r->pos);
            r->base += (off_t)r->pos;
            r->len -= r->pos;
            r->pos = 0;
        }
        size_t need = r->len + FREADER_CHUNK;
        if (need < n) need = n;
        if (r->cap < need) {
            size_t cap = r->cap ? r->cap : FREADER_CHUNK;
            while (cap < need) cap *= 2;
            char *nb = realloc(r->buf, cap);
            if (!nb) {
                r->err = ENOMEM;
                return -1;
            }
            r->buf = nb;
            r->cap = cap;
        }
        ssize_t got = read(r->fd, r->buf + r->len, r->cap - r->len);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            r->err = errno;
            return -1;
        }
        if (got == 0) r->eof = 1;
        r->len += (size_t)got;
    }
    return (ssize_t)(r->len - r->pos);
}

/* Newlines in the first `offset` bytes of path, -1 on a read error. */
long freader_count_lines(const char *path, off_t offset) {
    freader f;
    if (freader_open(&f, path, 0) != 0) return -1;
    long lines = 0;
    while (freader_offset(&f) < offset) {
        ssize_t avail = freader_fill(&f, 1);
        if (avail <= 0) break;
        size_t n = (size_t)avail;
        if ((off_t)n > offset - freader_offset(&f)) n = (size_t)(offset - freader_offset(&f));
        for (const char *p = f.buf + f.pos, *end = p + n; (p = memchr(p, '\n', (size_t)(end - p))); p++) lines++;
        f.pos += n;
    }
    freader_close(&f);
    return lines;
}
