/* json_grammar.c -- RFC 8259's grammar, checked by yajl (see
 * json_grammar.h). */
#include "json_grammar.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

dwhi_json_num dwhi_json_number(const char *s, size_t len, locale_t c_locale, int64_t *i, double *d) {
    /* digits only (the grammar is checked already): an integer; a '.',
     * 'e' or 'E' makes it a real */
    int neg = len && s[0] == '-', overflow = 0;
    uint64_t u = 0;
    size_t k = (size_t)neg;
    for (; k < len; k++) {
        unsigned dig = (unsigned)(s[k] - '0');
        if (dig > 9) break;
        if (u > (UINT64_MAX - dig) / 10) overflow = 1;
        else u = u * 10 + dig;
    }
    if (k == len) {
        if (overflow) return DWHI_NUM_RANGE;
        if (!neg && u <= (uint64_t)INT64_MAX) {
            *i = (int64_t)u;
            return DWHI_NUM_INT;
        }
        if (neg && u <= (uint64_t)INT64_MAX + 1) {
            *i = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
            return DWHI_NUM_INT;
        }
        return neg ? DWHI_NUM_RANGE : DWHI_NUM_BIGINT;
    }
    char tmp[64];
    char *heap = NULL;
    const char *z = s;
    if (len < sizeof tmp) {
        memcpy(tmp, s, len);
        tmp[len] = 0;
        z = tmp;
    } else if ((heap = strndup(s, len)) != NULL) {
        z = heap;
    } else {
        return DWHI_NUM_INFINITE; /* out of memory for a 64-byte+ number: refuse it */
    }
    *d = c_locale ? strtod_l(z, NULL, c_locale) : strtod(z, NULL);
    free(heap);
    return isfinite(*d) ? DWHI_NUM_REAL : DWHI_NUM_INFINITE;
}

void dwhi_json_number_error(dwhi_json_num kind, const char *s, size_t len, char *errbuf, size_t errlen) {
    if (kind == DWHI_NUM_RANGE)
        snprintf(errbuf, errlen, "invalid JSON: an integer does not fit in 64 bits (send it as a string)");
    else
        snprintf(errbuf, errlen, "invalid JSON: %.*s%s is not a finite number", len > 40 ? 40 : (int)len, s,
                 len > 40 ? "..." : "");
}

size_t dwhi_json_skip_ws(const char *text, size_t from, size_t len) {
    while (from < len && (text[from] == ' ' || text[from] == '\t' || text[from] == '\n' || text[from] == '\r')) from++;
    return from;
}

int dwhi_json_bad_space(const char *text, size_t len, size_t *at) {
    const char *v = memchr(text, '\v', len), *f = memchr(text, '\f', len);
    if (!v && !f) return 0;
    *at = (size_t)((v && (!f || v < f) ? v : f) - text);
    return -1;
}

/* NaN, Infinity or -Infinity where a lexical error stopped yajl (`at`, in
 * chunk): what JavaScript writes for a non-finite number.  NULL: none. */
static const char *nonfinite_at(const char *chunk, size_t len, size_t at) {
    static const char *const names[] = {"-Infinity", "Infinity", "NaN"};
    if (!chunk) return NULL;
    size_t start = at < len ? at : len;
    while (start > 0 && (chunk[start - 1] == '-' || ((chunk[start - 1] | 0x20) >= 'a' && (chunk[start - 1] | 0x20) <= 'z')))
        start--;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t n = strlen(names[i]);
        if (start + n <= len && !memcmp(chunk + start, names[i], n)) return names[i];
    }
    return NULL;
}

void dwhi_json_grammar_error(yajl_handle h, size_t base, const char *chunk, size_t chunk_len, char *errbuf,
                            size_t errlen) {
    size_t in_chunk = yajl_get_bytes_consumed(h);
    size_t at = base + in_chunk;
    const char *nf = nonfinite_at(chunk, chunk_len, in_chunk);
    if (nf) {
        snprintf(errbuf, errlen, "invalid JSON: %s is not a finite number", nf);
        return;
    }
    unsigned char *e = yajl_get_error(h, 0, NULL, 0);
    char what[160] = "syntax error";
    if (e) {
        snprintf(what, sizeof what, "%s", (const char *)e);
        yajl_free_error(h, e);
        what[strcspn(what, "\n")] = 0;
        size_t w = strlen(what);
        while (w && (what[w - 1] == '.' || what[w - 1] == ' ')) what[--w] = 0;
    }
    snprintf(errbuf, errlen, "invalid JSON at byte %zu: %s", at, what);
}

/* Where the value ended: yajl itself misses a string opened after it
 * (`[1]"` passes its check), so the rest is looked at here. */
typedef struct ends {
    yajl_handle h;
    int depth;
    size_t end; /* just after the value; 0: not complete yet */
    int nul_key;
    locale_t c_locale;
    dwhi_json_num bad_num; /* DWHI_NUM_RANGE or _INFINITE: the first bad number */
    char num[48];
    size_t num_len;
} ends;

static int at_end(ends *e) {
    if (e->depth == 0) e->end = yajl_get_bytes_consumed(e->h);
    return 1;
}
static int g_null(void *ud) { return at_end(ud); }
static int g_bool(void *ud, int b) { (void)b; return at_end(ud); }
static int g_number(void *ud, const char *s, size_t n) {
    ends *e = ud;
    int64_t i;
    double d;
    dwhi_json_num k = dwhi_json_number(s, n, e->c_locale, &i, &d);
    if (k == DWHI_NUM_RANGE || k == DWHI_NUM_INFINITE) {
        e->bad_num = k;
        e->num_len = n < sizeof e->num ? n : sizeof e->num - 1;
        memcpy(e->num, s, e->num_len);
        return 0;
    }
    return at_end(ud);
}
static int g_string(void *ud, const unsigned char *s, size_t n) { (void)s, (void)n; return at_end(ud); }
static int g_open(void *ud) { ((ends *)ud)->depth++; return 1; }
static int g_key(void *ud, const unsigned char *s, size_t n) {
    if (!memchr(s, 0, n)) return 1;
    ((ends *)ud)->nul_key = 1;
    return 0;
}
static int g_close(void *ud) { ((ends *)ud)->depth--; return at_end(ud); }

static const yajl_callbacks GRAMMAR = {
    .yajl_null = g_null, .yajl_boolean = g_bool, .yajl_number = g_number, .yajl_string = g_string,
    .yajl_start_map = g_open, .yajl_map_key = g_key, .yajl_end_map = g_close, .yajl_start_array = g_open, .yajl_end_array = g_close,
};

static locale_t c_numeric(void) {
    static locale_t loc;
    if (!__atomic_load_n(&loc, __ATOMIC_ACQUIRE)) {
        locale_t l = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
        locale_t expected = 0;
        if (l && !__atomic_compare_exchange_n(&loc, &expected, l, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) freelocale(l);
    }
    return __atomic_load_n(&loc, __ATOMIC_ACQUIRE);
}

int dwhi_json_grammar_check(const char *text, size_t len, char *errbuf, size_t errlen) {
    ends e = {0};
    e.c_locale = c_numeric();
    e.h = yajl_alloc(&GRAMMAR, NULL, &e);
    if (!e.h) {
        snprintf(errbuf, errlen, "out of memory parsing JSON");
        return -1;
    }
    int rc = 0;
    size_t bad;
    if (dwhi_json_bad_space(text, len, &bad) < 0) {
        snprintf(errbuf, errlen, "invalid JSON at byte %zu: a vertical tab or form feed outside a string's escapes", bad);
        yajl_free(e.h);
        return -1;
    }
    yajl_status st = yajl_parse(e.h, (const unsigned char *)text, len);
    size_t extra = e.end ? dwhi_json_skip_ws(text, e.end, len) : len;
    if (extra < len) { /* after the value: whitespace only (yajl misses a string opened there) */
        snprintf(errbuf, errlen, "invalid JSON at byte %zu: unexpected text after the value", extra);
        rc = -1;
    } else if (st == yajl_status_ok) {
        st = yajl_complete_parse(e.h);
    }
    if (!rc && e.bad_num) {
        dwhi_json_number_error(e.bad_num, e.num, e.num_len, errbuf, errlen);
        rc = -1;
    } else if (!rc && e.nul_key) {
        snprintf(errbuf, errlen, "invalid JSON at byte %zu: %s", yajl_get_bytes_consumed(e.h), DWHI_JSON_NUL_KEY);
        rc = -1;
    } else if (!rc && st != yajl_status_ok) {
        dwhi_json_grammar_error(e.h, 0, text, len, errbuf, errlen);
        rc = -1;
    }
    yajl_free(e.h);
    return rc;
}
