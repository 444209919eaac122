/* secrets.c -- secret value set and scrubbing (see secrets.h). */
#include "secrets.h"
#include "base/array_grow.h"
#include "base/strbuf.h"
#include "url/url_scrub.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct dwhi_secrets {
    char **values;
    size_t n, cap;
};

dwhi_secrets *dwhi_secrets_new(void) { return calloc(1, sizeof(dwhi_secrets)); }

void dwhi_secrets_free(dwhi_secrets *s) {
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) free(s->values[i]);
    free(s->values);
    free(s);
}

void dwhi_secrets_add(dwhi_secrets *s, const char *value) {
    if (!s || !value || strlen(value) < 4) return;
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->values[i], value)) return;
    if (dwhi_array_grow((void **)&s->values, &s->cap, s->n + 1, sizeof *s->values, 8) != 0) return;
    char *copy = strdup(value);
    if (copy) s->values[s->n++] = copy;
}

size_t dwhi_secrets_count(const dwhi_secrets *s) { return s ? s->n : 0; }

const char *dwhi_secrets_value(const dwhi_secrets *s, size_t i) { return s && i < s->n ? s->values[i] : NULL; }

/* ---- matching a secret in any of its encodings ------------------------- */

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static long hex4(const char *p) {
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p[i]);
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}

/* UTF-8 of code point cp into buf (4 bytes); returns the length, 0 when cp
 * is not a scalar value. */
static size_t utf8_put(uint32_t cp, unsigned char *buf) {
    if (cp < 0x80) return buf[0] = (unsigned char)cp, 1;
    if (cp < 0x800) {
        buf[0] = (unsigned char)(0xC0 | (cp >> 6));
        buf[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
    if (cp < 0x10000) {
        buf[0] = (unsigned char)(0xE0 | (cp >> 12));
        buf[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        buf[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp > 0x10FFFF) return 0;
    buf[0] = (unsigned char)(0xF0 | (cp >> 18));
    buf[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    buf[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    buf[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decodes one JSON escape at p (p[0] == '\\') into buf; returns the bytes
 * of text it spans (0: not a JSON escape) and sets *n to the decoded length. */
static size_t json_escape(const char *p, unsigned char *buf, size_t *n) {
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *k = p[1] ? strchr(from, p[1]) : NULL;
    if (k) {
        buf[0] = (unsigned char)to[k - from];
        *n = 1;
        return 2;
    }
    if (p[1] != 'u') return 0;
    long cp = hex4(p + 2);
    if (cp < 0) return 0;
    size_t span = 6;
    if (cp >= 0xD800 && cp <= 0xDBFF && p[6] == '\\' && p[7] == 'u') {
        long lo = hex4(p + 8);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            span = 12;
        }
    }
    *n = utf8_put((uint32_t)cp, buf);
    return *n ? span : 0;
}

/* The length of the text at p that spells secret `sec` (sl bytes) in any
 * mix of: the bytes themselves, JSON escapes (\" \\ \/ \n ... \uXXXX, also
 * surrogate pairs: "\u003c" for '<', "\/" for '/'), percent-escapes in
 * either hex case ("%2F", "%2f") and '+' for a space (form encoding).
 * 0 when it does not.  An escape that does not decode to the next bytes
 * of the secret is tried as its first byte (a secret may hold '%' or '\'). */
static size_t match_at(const char *p, const char *sec, size_t sl) {
    const char *q = p;
    size_t i = 0;
    while (i < sl) {
        unsigned char buf[4];
        size_t n = 0, span = 0;
        if (*q == '\\') {
            span = json_escape(q, buf, &n);
        } else if (*q == '%' && hexval(q[1]) >= 0 && hexval(q[2]) >= 0) {
            buf[0] = (unsigned char)(hexval(q[1]) * 16 + hexval(q[2]));
            n = 1;
            span = 3;
        } else if (*q == '+' && sec[i] == ' ') {
            buf[0] = ' ';
            n = 1;
            span = 1;
        }
        if (span && n <= sl - i && !memcmp(buf, sec + i, n)) {
            q += span;
            i += n;
        } else if (*q && *q == sec[i]) {
            q++;
            i++;
        } else {
            return 0;
        }
    }
    return (size_t)(q - p);
}

/* Could a spelling of a secret starting with byte c begin at p? */
static int may_start(const char *p, char c) {
    return *p == c || *p == '\\' || *p == '%' || (*p == '+' && c == ' ');
}

size_t dwhi_secrets_match_at(const char *text, const char *secret) {
    if (!text || !secret || !*secret || !may_start(text, secret[0])) return 0;
    return match_at(text, secret, strlen(secret));
}

/* One secret over `text`: a malloc'd copy with every spelling of it
 * replaced by `mask` (*hits counts them), or NULL on OOM. */
static char *mask_one(const char *text, const char *sec, const char *mask, size_t *hits) {
    size_t sl = strlen(sec), ml = strlen(mask);
    dwhi_strbuf b = {0};
    dwhi_strbuf_put(&b, "", 0);
    const char *p = text, *copied = text;
    while (*p) {
        size_t m = may_start(p, sec[0]) ? match_at(p, sec, sl) : 0;
        if (!m) {
            p++;
            continue;
        }
        dwhi_strbuf_put(&b, copied, (size_t)(p - copied));
        dwhi_strbuf_put(&b, mask, ml);
        (*hits)++;
        p += m;
        copied = p;
    }
    dwhi_strbuf_put(&b, copied, strlen(copied));
    return dwhi_strbuf_take(&b);
}

char *dwhi_secrets_mask(const dwhi_secrets *s, const char *text, const char *mask, size_t *hits) {
    size_t h = 0;
    if (hits) *hits = 0;
    if (!text) return NULL;
    char *out = strdup(text);
    /* Longest first: a secret that contains another is masked whole. */
    size_t n = s ? s->n : 0;
    const char **order = n ? malloc(n * sizeof *order) : NULL;
    if (n && !order) {
        free(out);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        size_t k = i;
        while (k > 0 && strlen(order[k - 1]) < strlen(s->values[i])) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = s->values[i];
    }
    for (size_t i = 0; out && i < n; i++) {
        char *next = mask_one(out, order[i], mask, &h);
        free(out);
        out = next;
    }
    free(order);
    if (hits) *hits = h;
    return out;
}

char *dwhi_secrets_scrub(const dwhi_secrets *s, const char *text) {
    if (!text) return NULL;
    /* URL credentials first (url_scrub.h): they are secrets whatever field
     * or message holds the URL, with or without a secret set. */
    char *out = dwhi_url_scrub(text);
    if (!out || !s || !s->n) return out;
    char *masked = dwhi_secrets_mask(s, out, "***", NULL);
    free(out);
    return masked;
}
