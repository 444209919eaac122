/* url_scrub.c -- credentials in URLs inside any text (see url_scrub.h). */
#include "url_scrub.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_url.h"

static const char mask[] = "***";

/* Where a URL ends inside free text or JSON: whitespace, quotes, angle
 * brackets and backticks never appear unencoded in a URL. */
static int url_end(char c) {
    return c == 0 || isspace((unsigned char)c) || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`';
}

typedef struct out_buf {
    char *s;
    size_t len, cap;
} out_buf;

static int put(out_buf *o, const char *p, size_t n) {
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap * 2 + n + 16;
        char *ns = realloc(o->s, cap);
        if (!ns) return -1;
        o->s = ns;
        o->cap = cap;
    }
    memcpy(o->s + o->len, p, n);
    o->len += n;
    o->s[o->len] = 0;
    return 0;
}

/* Length of "//" or JSON's "\/\/" at p, else 0. */
static size_t slashes(const char *p) {
    if (p[0] == '/' && p[1] == '/') return 2;
    if (!strncmp(p, "\\/\\/", 4)) return 4;
    return 0;
}

/* Copies the URL whose authority starts at p (just after "//") into o with
 * its credentials masked; returns the position after the URL.
 * `user_is_name`: a userinfo without ':' is a user name, not a token (a
 * database URL's), and stays. */
static const char *scrub_url(out_buf *o, const char *p, int *bad, int user_is_name) {
    /* Authority: up to the path ('/' or JSON's "\/"), query or fragment. */
    size_t a = 0;
    while (!url_end(p[a]) && p[a] != '/' && p[a] != '\\' && p[a] != '?' && p[a] != '#') a++;
    const char *at = NULL;
    for (size_t i = 0; i < a; i++)
        if (p[i] == '@') at = p + i;
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        if (colon || !user_is_name) {
            if (colon) *bad |= put(o, p, (size_t)(colon + 1 - p));
            *bad |= put(o, mask, 3);
            p = at; /* "@host..." is copied on as the path's start */
        }
    }
    /* Path: copied as is up to the query. */
    size_t n = 0;
    while (!url_end(p[n]) && p[n] != '?' && p[n] != '#') n++;
    *bad |= put(o, p, n);
    p += n;
    if (*p != '?') return p;
    *bad |= put(o, "?", 1);
    p++;
    /* Query: name=value pairs; secret-named values masked. */
    while (!url_end(*p) && *p != '#') {
        size_t seg = 0;
        while (!url_end(p[seg]) && p[seg] != '&' && p[seg] != '#') seg++;
        const char *eq = memchr(p, '=', seg);
        if (eq && eq + 1 < p + seg && dwhi_url_param_is_secret(p, (size_t)(eq - p))) {
            *bad |= put(o, p, (size_t)(eq + 1 - p));
            *bad |= put(o, mask, 3);
        } else {
            *bad |= put(o, p, seg);
        }
        p += seg;
        if (*p == '&') {
            *bad |= put(o, "&", 1);
            p++;
        }
    }
    return p;
}

char *dwhi_url_scrub(const char *text) {
    if (!text) return NULL;
    if (!strstr(text, ":/") && !strstr(text, ":\\/")) return strdup(text); /* the common case: no URL at all */
    out_buf o = {0};
    int bad = put(&o, "", 0);
    const char *p = text;
    while (*p) {
        const char *c = strchr(p, ':');
        if (!c) break;
        size_t sl = slashes(c + 1);
        /* A scheme before the colon: a letter, then letters, digits, + - . */
        const char *s = c;
        while (s > p && (isalnum((unsigned char)s[-1]) || s[-1] == '+' || s[-1] == '-' || s[-1] == '.')) s--;
        while (s < c && !isalpha((unsigned char)*s)) s++;
        if (!sl || s == c) {
            bad |= put(&o, p, (size_t)(c + 1 - p));
            p = c + 1;
            continue;
        }
        bad |= put(&o, p, (size_t)(c + 1 + sl - p));
        size_t sn = (size_t)(c - s);
        int database = (sn == 8 && !strncasecmp(s, "postgres", 8)) || (sn == 10 && !strncasecmp(s, "postgresql", 10));
        p = scrub_url(&o, c + 1 + sl, &bad, database);
    }
    bad |= put(&o, p, strlen(p));
    if (bad) {
        free(o.s);
        return NULL;
    }
    return o.s;
}
