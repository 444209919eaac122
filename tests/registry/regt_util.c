/* regt_util.c -- see regt_util.h. */
#include "regt_util.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void die(const char *what, const char *path) {
    fprintf(stderr, "regt: %s %s failed\n", what, path);
    abort();
}

char *regt_tmpdir(void) {
    const char *base = getenv("TMPDIR");
    char *t = NULL;
    if (asprintf(&t, "%s/regt.XXXXXX", base && base[0] ? base : "/tmp") < 0) abort();
    if (!mkdtemp(t)) die("mkdtemp", t);
    return t;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f) {
    (void)st;
    (void)flag;
    (void)f;
    return remove(p);
}

void regt_rmdir(char *dir) {
    if (!dir) return;
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

char *regt_read(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) die("read", path);
    buf[n] = '\0';
    fclose(f);
    if (len) *len = (size_t)n;
    return buf;
}

char *regt_write(const char *dir, const char *file, const void *data, size_t len) {
    char *path = NULL, *tmp = NULL;
    if (asprintf(&path, "%s/%s", dir, file) < 0 || asprintf(&tmp, "%s/.%s.tmp", dir, file) < 0) abort();
    FILE *f = fopen(tmp, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) die("write", tmp);
    if (rename(tmp, path) != 0) die("rename", path);
    free(tmp);
    return path;
}

static char *built(const char *name) {
    char *src = NULL;
    if (asprintf(&src, "%s/libsource_%s.so", REGT_DIR, name) < 0) abort();
    return src;
}

char *regt_install(const char *dir, const char *name, const char *as) {
    char *src = built(name);
    size_t len = 0;
    char *data = regt_read(src, &len);
    if (!data) die("read", src);
    char *file = NULL;
    if (!as && asprintf(&file, "libsource_%s.so", name) < 0) abort();
    char *path = regt_write(dir, as ? as : file, data, len);
    free(file);
    free(data);
    free(src);
    return path;
}

char *regt_truncated(const char *dir, const char *name, const char *as) {
    char *src = built(name);
    size_t len = 0;
    char *data = regt_read(src, &len);
    if (!data) die("read", src);
    char *path = regt_write(dir, as, data, len / 2);
    free(data);
    free(src);
    return path;
}

void regt_patch(const char *path, const char *from, const char *to) {
    size_t len = 0, n = strlen(from);
    char *data = regt_read(path, &len);
    if (!data || strlen(to) != n) die("patch", path);
    int hits = 0;
    for (char *p = data; (p = memmem(p, len - (size_t)(p - data), from, n)) != NULL; p += n, hits++) memcpy(p, to, n);
    if (!hits) die("patch (no match)", path);
    char *dir = strdup(path);
    char *slash = strrchr(dir, '/');
    *slash = '\0';
    char *out = regt_write(dir, slash + 1, data, len);
    free(out);
    free(dir);
    free(data);
}
