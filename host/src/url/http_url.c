/* http_url.c -- URL resolving and redaction (see http_url.h). */
#include "http_url.h"

#include <ctype.h>
#include <stdio.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Copies a curl-allocated string into malloc'd memory. */
static char *take(char *curl_str) {
    if (!curl_str) return NULL;
    char *out = strdup(curl_str);
    curl_free(curl_str);
    return out;
}

static char *url_get(CURLU *h) {
    char *s = NULL;
    if (curl_url_get(h, CURLUPART_URL, &s, 0) != CURLUE_OK) return NULL;
    return take(s);
}

char *dwhi_url_resolve(const char *base, const char *ref) {
    if (!ref) return NULL;
    CURLU *h = curl_url();
    if (!h) return NULL;
    char *out = NULL;
    /* With a base already set, a relative URL is resolved against it. */
    if ((!base || curl_url_set(h, CURLUPART_URL, base, 0) == CURLUE_OK) &&
        curl_url_set(h, CURLUPART_URL, ref, 0) == CURLUE_OK)
        out = url_get(h);
    curl_url_cleanup(h);
    return out;
}

char *dwhi_url_host(const char *url, long *port, char **scheme) {
    CURLU *h = curl_url();
    if (!h) return NULL;
    char *host = NULL, *p = NULL, *s = NULL;
    if (curl_url_set(h, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(h, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        if (port && curl_url_get(h, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) == CURLUE_OK) *port = strtol(p, NULL, 10);
        if (scheme && curl_url_get(h, CURLUPART_SCHEME, &s, 0) == CURLUE_OK) *scheme = take(s), s = NULL;
    }
    if (p) curl_free(p);
    if (s) curl_free(s);
    curl_url_cleanup(h);
    char *out = NULL;
    if (host) {
        size_t n = strlen(host);
        if (n >= 2 && host[0] == '[' && host[n - 1] == ']')
            out = strndup(host + 1, n - 2);
        else
            out = strdup(host);
        curl_free(host);
        for (char *c = out; c && *c; c++) *c = (char)tolower((unsigned char)*c);
    }
    return out;
}

char *dwhi_url_origin(const char *url) {
    if (!url) return NULL;
    long port = 0;
    char *scheme = NULL;
    char *host = dwhi_url_host(url, &port, &scheme);
    char *out = NULL;
    if (host && scheme && port > 0) {
        for (char *c = scheme; *c; c++) *c = (char)tolower((unsigned char)*c);
        int v6 = strchr(host, ':') != NULL;
        if (asprintf(&out, "%s://%s%s%s:%ld", scheme, v6 ? "[" : "", host, v6 ? "]" : "", port) < 0) out = NULL;
    }
    free(host);
    free(scheme);
    return out;
}

int dwhi_url_same_origin(const char *a, const char *b) {
    char *oa = dwhi_url_origin(a), *ob = dwhi_url_origin(b);
    int same = oa && ob && !strcmp(oa, ob);
    free(oa);
    free(ob);
    return same;
}

int dwhi_url_origin_in(const char *url, const char *origin, const char *const *trusted) {
    char *o = dwhi_url_origin(url);
    if (!o) return 0;
    int in = origin && !strcmp(o, origin);
    for (const char *const *t = trusted; !in && t && *t; t++) {
        char *ot = dwhi_url_origin(*t);
        in = ot && !strcmp(o, ot);
        free(ot);
    }
    free(o);
    return in;
}

int dwhi_url_param_is_secret(const char *name, size_t len) {
    static const char *const words[] = {"token", "key", "secret", "password", "passwd", "pwd", "signature",
                                        "sig", "auth", "credential", "session", "code", NULL};
    char buf[128];
    if (len >= sizeof buf) len = sizeof buf - 1;
    for (size_t i = 0; i < len; i++) buf[i] = (char)tolower((unsigned char)name[i]);
    buf[len] = 0;
    /* "sig" and "code" only as whole names: they are common word parts. */
    if (!strcmp(buf, "sig") || !strcmp(buf, "code")) return 1;
    for (int i = 0; words[i]; i++) {
        if (!strcmp(words[i], "sig") || !strcmp(words[i], "code")) continue;
        if (strstr(buf, words[i])) return 1;
    }
    return 0;
}

/* Masks secret-looking values in a query string; returns malloc'd text. */
static char *redact_query(const char *q) {
    size_t n = strlen(q);
    /* A masked value is "***": at worst an empty value grows by 3 bytes. */
    char *out = malloc(n + 3 * (n + 1) + 1);
    if (!out) return NULL;
    size_t o = 0;
    const char *p = q;
    while (*p) {
        const char *amp = strchr(p, '&');
        size_t seg = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', seg);
        if (eq && dwhi_url_param_is_secret(p, (size_t)(eq - p))) {
            size_t klen = (size_t)(eq - p) + 1;
            memcpy(out + o, p, klen);
            o += klen;
            memcpy(out + o, "***", 3);
            o += 3;
        } else {
            memcpy(out + o, p, seg);
            o += seg;
        }
        p += seg;
        if (*p == '&') out[o++] = *p++;
    }
    out[o] = 0;
    return out;
}

char *dwhi_url_redact(const char *url) {
    CURLU *h = curl_url();
    if (!h) return NULL;
    char *out = NULL, *q = NULL;
    if (!url || curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK) {
        curl_url_cleanup(h);
        return strdup("<invalid url>");
    }
    curl_url_set(h, CURLUPART_USER, NULL, 0);
    curl_url_set(h, CURLUPART_PASSWORD, NULL, 0);
    curl_url_set(h, CURLUPART_FRAGMENT, NULL, 0);
    if (curl_url_get(h, CURLUPART_QUERY, &q, 0) == CURLUE_OK && q) {
        char *red = redact_query(q);
        curl_free(q);
        if (!red || curl_url_set(h, CURLUPART_QUERY, red, 0) != CURLUE_OK) {
            free(red);
            curl_url_cleanup(h);
            return strdup("<invalid url>");
        }
        free(red);
    }
    out = url_get(h);
    curl_url_cleanup(h);
    return out;
}

char *dwhi_url_escape(const char *s) {
    char *e = curl_easy_escape(NULL, s, 0);
    if (!e) return NULL;
    char *out = strdup(e); /* the caller frees with free(), not curl_free() */
    curl_free(e);
    return out;
}

int dwhi_url_is_web(const char *s) {
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f) return 0;
    CURLU *u = curl_url();
    if (!u) return 0;
    int ok = 0;
    if (curl_url_set(u, CURLUPART_URL, s, 0) == CURLUE_OK) {
        char *scheme = NULL, *host = NULL;
        if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
            ok = (!strcasecmp(scheme, "http") || !strcasecmp(scheme, "https")) && host && *host;
        curl_free(scheme);
        curl_free(host);
    }
    curl_url_cleanup(u);
    return ok;
}
