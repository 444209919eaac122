/* url_build.c -- URL joining and query encoding (see url_build.h). */
#include "url_build.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "url/http_url.h"

/* A growable string; on OOM `bad` is set and appends are ignored. */
typedef struct {
    char *s;
    size_t len, cap;
    int bad;
} buf_t;

static void put(buf_t *b, const char *s, size_t n) {
    if (b->bad) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 128;
        while (b->len + n + 1 > cap) cap *= 2;
        char *ns = realloc(b->s, cap);
        if (!ns) {
            b->bad = 1;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

static void puts_(buf_t *b, const char *s) { put(b, s, strlen(s)); }

static void put_escaped(buf_t *b, const char *s) {
    char *e = dwhi_url_escape(s);
    if (!e) {
        b->bad = 1;
        return;
    }
    puts_(b, e);
    free(e);
}

static int is_absolute(const char *p) {
    return p && (!strncasecmp(p, "http://", 7) || !strncasecmp(p, "https://", 8));
}

char *dwhi_url_build(dw_ctx *ctx, const char *base, const char *path, const char *const *params) {
    buf_t b = {0};
    if (is_absolute(path)) {
        puts_(&b, path);
    } else {
        if (!base || !base[0]) {
            dwhi_log(ctx, DW_LOG_ERROR, "plugin.url_build", "url_build: base is NULL or empty and path '%s' is "
                    "not an absolute URL", path ? path : "(null)");
            return NULL;
        }
        /* A base may carry a query ("https://h/api?key=..."): the path
         * goes before it, the query after the path's own (a fragment is
         * never sent, so it is dropped). */
        size_t end = strcspn(base, "?#");
        const char *bq = base[end] == '?' ? base + end + 1 : NULL;
        size_t bql = bq ? strcspn(bq, "#") : 0;
        size_t bl = end;
        while (bl > 0 && base[bl - 1] == '/') bl--;
        put(&b, base, bl);
        if (path && path[0]) {
            while (*path == '/') path++;
            puts_(&b, "/");
            puts_(&b, path);
        } else if (bl < end) {
            puts_(&b, "/"); /* keep "https://h/api/" as given */
        }
        if (bql) {
            if (!b.s || !strchr(b.s, '?'))
                puts_(&b, "?");
            else if (b.s[b.len - 1] != '?' && b.s[b.len - 1] != '&')
                puts_(&b, "&");
            put(&b, bq, bql);
        }
    }
    int has_query = b.s && strchr(b.s, '?') != NULL;
    size_t i = 0;
    for (; params && params[i] && params[i + 1]; i += 2) {
        if (i / 2 >= DWHI_URL_MAX_PARAMS) {
            dwhi_log(ctx, DW_LOG_ERROR, "plugin.url_build",
                    "url_build: more than %d parameters (is the list NULL-terminated?)", DWHI_URL_MAX_PARAMS);
            free(b.s);
            return NULL;
        }
        if (b.s && b.len > 0 && (b.s[b.len - 1] == '?' || b.s[b.len - 1] == '&'))
            ; /* the path ends in a separator already */
        else
            puts_(&b, has_query ? "&" : "?");
        has_query = 1;
        put_escaped(&b, params[i]);
        puts_(&b, "=");
        put_escaped(&b, params[i + 1]);
    }
    if (params && params[i] && !params[i + 1])
        dwhi_log(ctx, DW_LOG_WARN, "plugin.url_build", "url_build: parameter '%s' has no value; left out", params[i]);
    if (b.bad) {
        free(b.s);
        return NULL;
    }
    return b.s;
}
