/* url_build.c -- URL joining and query encoding (see url_build.h). */
#include "url_build.h"
#include "base/strbuf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "url/http_url.h"

static void put_escaped(dwhi_strbuf *b, const char *s) {
    char *e = dwhi_url_escape(s);
    if (!e) {
        b->oom = 1;
        return;
    }
    dwhi_strbuf_puts(b, e);
    free(e);
}

static int is_absolute(const char *p) {
    return p && (!strncasecmp(p, "http://", 7) || !strncasecmp(p, "https://", 8));
}

char *dwhi_url_build(dw_ctx *ctx, const char *base, const char *path, const char *const *params) {
    dwhi_strbuf b = {0};
    if (is_absolute(path)) {
        dwhi_strbuf_puts(&b, path);
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
        dwhi_strbuf_put(&b, base, bl);
        if (path && path[0]) {
            while (*path == '/') path++;
            dwhi_strbuf_puts(&b, "/");
            dwhi_strbuf_puts(&b, path);
        } else if (bl < end) {
            dwhi_strbuf_puts(&b, "/"); /* keep "https://h/api/" as given */
        }
        if (bql) {
            if (!b.s || !strchr(b.s, '?'))
                dwhi_strbuf_puts(&b, "?");
            else if (b.s[b.len - 1] != '?' && b.s[b.len - 1] != '&')
                dwhi_strbuf_puts(&b, "&");
            dwhi_strbuf_put(&b, bq, bql);
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
            dwhi_strbuf_puts(&b, has_query ? "&" : "?");
        has_query = 1;
        put_escaped(&b, params[i]);
        dwhi_strbuf_puts(&b, "=");
        put_escaped(&b, params[i + 1]);
    }
    if (params && params[i] && !params[i + 1])
        dwhi_log(ctx, DW_LOG_WARN, "plugin.url_build", "url_build: parameter '%s' has no value; left out", params[i]);
    return dwhi_strbuf_take(&b);
}
