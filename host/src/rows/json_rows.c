/* json_rows.c -- a JSON body parsed as it arrives into encoded rows (see
 * json_rows.h).  yajl does the lexing and the UTF-8 check; this file
 * decides where each value goes: a cell of the current row, the compact
 * text of a nested value, a captured value, or nowhere. */
#include "json_rows.h"

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "base/json_grammar.h"
#include "base/json_strict.h"
#include "rowref.h"

#define MAX_PATHS (1 + DWHI_JSON_ROWS_MAX_CAPTURES) /* the rows path, then the captures */
/* A cell type only the parser uses, between a nested member's end and its
 * row's end (see nested_text). */
#define DWHI_CELL_PENDING 100
#define MAX_COMPONENTS 16

typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static int buf_reserve(buf *b, size_t more) {
    if (b->n + more <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + more) cap *= 2;
    char *np = realloc(b->p, cap);
    if (!np) return -1;
    b->p = np;
    b->cap = cap;
    return 0;
}

static int buf_put(buf *b, const char *s, size_t n) {
    if (buf_reserve(b, n + 1) < 0) return -1;
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
    return 0;
}

/* A dotted path split into its member names. */
typedef struct path {
    char *text; /* owned copy, NUL-split */
    const char *comp[MAX_COMPONENTS];
    size_t len[MAX_COMPONENTS];
    int n;
} path;

/* Writes one value as compact JSON, from the parse events under it.  The
 * text is what json-c prints with JSON_C_TO_STRING_PLAIN |
 * JSON_C_TO_STRING_NOSLASHESCAPE for the same value. */
typedef struct writer {
    buf *out;
    int active;
    int base;       /* depth of the value (containers open around it) */
    uint8_t first[DWHI_JSON_MAX_DEPTH + 2]; /* [d]: the next item at depth d is its container's first */
    int after_key;
    /* Lazy (a row's or a nested value's text, see w_lazy_event): the text
     * written so far is the parsed chunk's own bytes [from, end), then ':'
     * after a key; nothing is copied unless the text turns out to differ
     * from the compact form or the value goes on past the chunk. */
    int lazy;
    size_t from, end;
} writer;

typedef struct frame {
    int is_obj;
    uint64_t mask; /* paths still matching through this container */
} frame;

struct dwhi_json_rows {
    yajl_handle h;
    dwhi_batcher *store;
    dwhi_keydict *keys;
    path paths[MAX_PATHS];
    int n_paths;
    locale_t c_locale;

    /* where the parse is */
    frame frames[DWHI_JSON_MAX_DEPTH + 2];
    int depth;      /* containers open */
    uint64_t vmask; /* paths that name the value about to start */
    dwhi_rows_kind kind;
    int rows_level; /* depth inside the rows array (0: not in it) */
    int row_level;  /* depth inside the current row (0: not in one) */
    size_t element; /* index of the next element of the rows array */
    size_t stored;
    size_t store0;  /* rows the store held before this text */

    /* the current row */
    uint32_t key;   /* key id of the member being read */
    int key_pos;    /* its position in the row */
    uint32_t *pos_ids;
    size_t n_pos, cap_pos;
    writer nested;  /* a member's nested value, into scratch */
    int want_text;  /* spec.row_text */
    /* With the row's text kept, a member's nested value is not written a
     * second time: its cell points into the row's text (a PENDING cell,
     * made a JSON cell with the row text's place when the row ends). */
    int nested_text;
    size_t nested_from;
    writer rowtext; /* the whole row's text, into rowtext_buf */
    buf rowtext_buf;
    buf scratch;
    buf rowraw;     /* the row's text when it spans chunks */
    size_t row_off; /* where the row began in the current chunk */
    int row_here;   /* the row began in the current chunk */

    /* captures */
    writer cap[DWHI_JSON_ROWS_MAX_CAPTURES];
    buf cap_text[DWHI_JSON_ROWS_MAX_CAPTURES];
    int cap_set[DWHI_JSON_ROWS_MAX_CAPTURES];
    int caps_active;

    /* the chunk being fed */
    const char *chunk;
    size_t chunk_len;
    size_t base;    /* bytes fed before it */

    /* the text since the last event, outside the rows: a captured string's
     * own text, for the rare one yajl decodes differently from json-c */
    size_t prev_end;   /* where the last event ended in the chunk */
    int prev_here;     /* ... in this chunk (else: in `pending`, then from the chunk's start) */
    buf pending;
    buf decoded;       /* json-c's reading of such a string */
    int done;          /* the value is complete: only whitespace may follow */
    size_t done_off;   /* where it ended in the chunk being fed */
    json_tokener *tok; /* the json-c parse of a row with a surrogate escape */
    dwhi_json_rows_err err;
    const char *err_type;
    /* A value where rows should be that is not one is reported at finish,
     * so an error of the JSON itself later in the text comes first (as a
     * whole-text parse would find); the value is passed over meanwhile. */
    dwhi_json_rows_err shape;
    char shape_msg[96];
    const char *shape_type;
    size_t shape_row;
    int skip_level; /* depth of what is being passed over (0: nothing) */
    char msg[256];
};

/* ---- errors --------------------------------------------------------------- */

static int fail(dwhi_json_rows *p, dwhi_json_rows_err e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(dwhi_json_rows *p, dwhi_json_rows_err e, const char *fmt, ...) {
    if (p->err == DWHI_JSON_ROWS_OK) {
        p->err = e;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->msg, sizeof p->msg, fmt, ap);
        va_end(ap);
    }
    return 0; /* the callback's "stop" */
}

static int oom(dwhi_json_rows *p) { return fail(p, DWHI_JSON_ROWS_ERR_NOMEM, "out of memory parsing JSON"); }

/* ---- paths ------------------------------------------------------------------ */

static int path_parse(path *pa, const char *text) {
    memset(pa, 0, sizeof *pa);
    if (!text || !*text) return 0;
    if (strpbrk(text, "[]")) return -1;
    pa->text = strdup(text);
    if (!pa->text) return -1;
    char *s = pa->text;
    for (;;) {
        if (pa->n == MAX_COMPONENTS) return -1;
        char *dot = strchr(s, '.');
        if (dot) *dot = 0;
        if (!*s) return -1;
        pa->comp[pa->n] = s;
        pa->len[pa->n++] = strlen(s);
        if (!dot) return 0;
        s = dot + 1;
    }
}

/* A JSON Pointer (RFC 6901) split into member names (~1 is '/', ~0 is
 * '~').  -1 for a malformed one, or a component that may index an array. */
static int pointer_parse(path *pa, const char *text) {
    memset(pa, 0, sizeof *pa);
    if (!text || !*text) return 0;
    if (text[0] != '/' || !(pa->text = strdup(text + 1))) return -1;
    char *s = pa->text;
    for (;;) {
        if (pa->n == MAX_COMPONENTS) return -1;
        char *slash = strchr(s, '/');
        if (slash) *slash = 0;
        size_t w = 0, digits = 1;
        for (size_t r = 0; s[r]; r++) {
            char c = s[r];
            if (c == '~') {
                if (s[r + 1] != '0' && s[r + 1] != '1') return -1;
                c = s[++r] == '1' ? '/' : '~';
            }
            if (c < '0' || c > '9') digits = 0;
            s[w++] = c;
        }
        s[w] = 0;
        if ((w && digits) || !strcmp(s, "-")) return -1; /* an array index, maybe */
        pa->comp[pa->n] = s;
        pa->len[pa->n++] = w;
        if (!slash) return 0;
        s = slash + 1;
    }
}

static int rows_path_parse(path *pa, const dwhi_json_rows_spec *spec) {
    return spec->rows_pointer ? pointer_parse(pa, spec->rows_path) : path_parse(pa, spec->rows_path);
}

int dwhi_json_rows_supported(const dwhi_json_rows_spec *spec) {
    size_t n = 0;
    for (const char *const *c = spec->captures; c && *c; c++) n++;
    if (n > DWHI_JSON_ROWS_MAX_CAPTURES) return 0;
    path pa;
    if (rows_path_parse(&pa, spec) < 0) {
        free(pa.text);
        return 0;
    }
    free(pa.text);
    for (const char *const *c = spec->captures; c && *c; c++) {
        if (path_parse(&pa, *c) < 0 || pa.n == 0) {
            free(pa.text);
            return 0;
        }
        free(pa.text);
    }
    return 1;
}

/* The paths of `mask` whose component `at` is the member `key`. */
static uint64_t member_mask(const dwhi_json_rows *p, uint64_t mask, int at, const unsigned char *key, size_t len) {
    uint64_t out = 0;
    for (int i = 0; mask; i++, mask >>= 1) {
        if (!(mask & 1)) continue;
        const path *pa = &p->paths[i];
        if (pa->n > at && pa->len[at] == len && !memcmp(pa->comp[at], key, len)) out |= (uint64_t)1 << i;
    }
    return out;
}

/* ---- compact JSON text ----------------------------------------------------- */

/* A JSON string as json-c escapes it (control characters, '"' and '\\'). */
static int put_string(buf *b, const unsigned char *s, size_t n) {
    if (buf_reserve(b, n * 6 + 3) < 0) return -1;
    b->n += dwhi_json_quote((const char *)s, n, b->p + b->n);
    b->p[b->n] = 0;
    return 0;
}

/* Non-zero when a ',' goes before an item (a value, or a member's key)
 * at depth d. */
static int w_comma(const writer *w, int d) { return !w->after_key && d > w->base && !w->first[d]; }

/* An item at depth d is written: the next one there is not the first, and
 * a member's value ends the member. */
static void w_item(writer *w, int d) {
    if (w->after_key) w->after_key = 0;
    else if (d > w->base) w->first[d] = 0;
}

/* Separator before an item (a value, or a member's key) at depth d. */
static int w_sep(writer *w, int d) {
    int comma = w_comma(w, d);
    w_item(w, d);
    return comma ? buf_put(w->out, ",", 1) : 0;
}

static void w_start(writer *w, buf *out, int base) {
    w->out = out;
    w->out->n = 0;
    w->active = 1;
    w->base = base;
    w->after_key = 0;
    w->lazy = 0;
}

/* ---- numbers ------------------------------------------------------------------ */

/* Classifies a number yajl lexed; 0, or -1 after fail() for one that is
 * out of range or not finite. */
static int number(dwhi_json_rows *p, const char *s, size_t len, dwhi_json_num *kind, int64_t *i, double *d) {
    *kind = dwhi_json_number(s, len, p->c_locale, i, d);
    if (*kind != DWHI_NUM_RANGE && *kind != DWHI_NUM_INFINITE) return 0;
    char msg[sizeof p->msg];
    dwhi_json_number_error(*kind, s, len, msg, sizeof msg);
    fail(p, DWHI_JSON_ROWS_ERR_JSON, "%s", msg);
    return -1;
}

/* ---- the events ------------------------------------------------------------ */

/* Forwards an event to every active capture writer (and the nested one). */
typedef enum ev { EV_NULL, EV_BOOL, EV_NUM, EV_STR, EV_KEY, EV_OPEN_MAP, EV_OPEN_ARR, EV_CLOSE_MAP, EV_CLOSE_ARR } ev;

/* After event e at depth d: a key awaits its value, a container its first
 * item; a scalar at the writer's own depth, or its container closing, ends
 * the writer. */
static void w_after(writer *w, ev e, int d) {
    if (e == EV_KEY) w->after_key = 1;
    if (e == EV_OPEN_MAP || e == EV_OPEN_ARR) w->first[d + 1] = 1;
    if (d == w->base && e != EV_KEY && e != EV_OPEN_MAP && e != EV_OPEN_ARR) w->active = 0;
}

/* One event into a writer; `d` is the depth the event happens at (for a
 * close, the depth after it).  0, -1 on OOM. */
static int w_event(writer *w, ev e, int d, const char *s, size_t n, int b) {
    int rc = 0;
    switch (e) {
    case EV_NULL: rc = w_sep(w, d) || buf_put(w->out, "null", 4); break;
    case EV_BOOL: rc = w_sep(w, d) || buf_put(w->out, b ? "true" : "false", b ? 4 : 5); break;
    case EV_NUM:
        /* json-c prints an integer from its value: "-0" is "0" */
        rc = w_sep(w, d) || (n == 2 && s[0] == '-' && s[1] == '0' ? buf_put(w->out, "0", 1) : buf_put(w->out, s, n));
        break;
    case EV_STR: rc = w_sep(w, d) || put_string(w->out, (const unsigned char *)s, n); break;
    case EV_KEY:
        rc = w_sep(w, d) || put_string(w->out, (const unsigned char *)s, n) || buf_put(w->out, ":", 1);
        break;
    case EV_OPEN_MAP:
    case EV_OPEN_ARR:
        rc = w_sep(w, d) || buf_put(w->out, e == EV_OPEN_MAP ? "{" : "[", 1);
        break;
    case EV_CLOSE_MAP:
    case EV_CLOSE_ARR:
        rc = buf_put(w->out, e == EV_CLOSE_MAP ? "}" : "]", 1);
        break;
    }
    if (rc) return -1;
    w_after(w, e, d);
    return 0;
}

/* ---- lazy text ---------------------------------------------------------------
 *
 * Most rows arrive as compact JSON already: the text a writer would build
 * for a row or a nested value is then the parsed bytes themselves.  A lazy
 * writer checks each event against the chunk instead of writing it: the
 * token must end where the compact form puts it (yajl_get_bytes_consumed),
 * so no whitespace sits between tokens, and must read as the writer would
 * write it (a string without escapes, or whose escapes are json-c's own; not
 * "-0").  At the first difference, or at the chunk's end, the verified text
 * is copied into the writer's buffer and it goes on writing as usual. */

/* Starts w lazily for a container whose bracket is the byte before `end`
 * in the current chunk. */
static void w_start_lazy(writer *w, buf *out, int base, size_t end) {
    w_start(w, out, base);
    w->lazy = 1;
    w->from = end - 1;
    w->end = end;
    w->first[base + 1] = 1;
}

/* The text a writer holds so far (the chunk's bytes while lazy). */
static const char *w_text(const dwhi_json_rows *p, const writer *w, size_t *len) {
    if (w->lazy) {
        *len = w->end - w->from;
        return p->chunk + w->from;
    }
    *len = w->out->n;
    return w->out->p;
}

static size_t w_len(const writer *w) { return w->lazy ? w->end - w->from : w->out->n; }

/* Copies a lazy writer's verified text into its buffer; it writes from
 * now on.  0, -1 on OOM. */
static int w_materialize(const dwhi_json_rows *p, writer *w) {
    if (!w->lazy) return 0;
    w->lazy = 0;
    w->out->n = 0;
    if (buf_put(w->out, p->chunk + w->from, w->end - w->from) < 0) return -1;
    return w->after_key ? buf_put(w->out, ":", 1) : 0;
}

/* Non-zero when the string token ending at `end` of the chunk, starting at
 * `start`, is what the writer would write for the decoded s/n. */
static int same_string(dwhi_json_rows *p, const char *s, size_t n, size_t start, size_t end) {
    if (s >= p->chunk && s + n <= p->chunk + p->chunk_len) /* no escapes: yajl passed the text itself */
        return end - start == n + 2;
    if (buf_reserve(&p->decoded, n * 6 + 3) < 0) return 0;
    size_t q = dwhi_json_quote(s, n, p->decoded.p);
    return q == end - start && !memcmp(p->decoded.p, p->chunk + start, q);
}

/* One event into a writer that may be lazy.  0, -1 on OOM. */
static int w_lazy_event(dwhi_json_rows *p, writer *w, ev e, int d, const char *s, size_t n, int b) {
    if (!w->lazy) return w_event(w, e, d, s, n, b);
    int closing = e == EV_CLOSE_MAP || e == EV_CLOSE_ARR;
    size_t gap = !closing && (w->after_key || w_comma(w, d)); /* the ':' after a key, or a ',' */
    size_t end = yajl_get_bytes_consumed(p->h), start = w->end + gap;
    int same = end >= start && end <= p->chunk_len;
    if (same) {
        switch (e) {
        case EV_NULL: same = end - start == 4; break;
        case EV_BOOL: same = end - start == (b ? 4u : 5u); break;
        case EV_NUM: same = end - start == n && !(n == 2 && s[0] == '-' && s[1] == '0'); break;
        case EV_STR:
        case EV_KEY: same = same_string(p, s, n, start, end); break;
        default: same = end - start == 1; break;
        }
    }
    if (!same) {
        if (w_materialize(p, w) < 0) return -1;
        return w_event(w, e, d, s, n, b);
    }
    /* the state w_event keeps, without the writing */
    if (!closing) w_item(w, d);
    w_after(w, e, d);
    w->end = end;
    return 0;
}

static int caps_event(dwhi_json_rows *p, ev e, const char *s, size_t n, int b) {
    if (!p->caps_active) return 0;
    int d = p->depth;
    int still = 0;
    for (int i = 0; i < p->n_paths - 1; i++) {
        writer *w = &p->cap[i];
        if (!w->active) continue;
        if (w_event(w, e, d, s, n, b) < 0) return oom(p), -1;
        if (!w->active) p->cap_set[i] = 1;
        else still = 1;
    }
    p->caps_active = still;
    return 0;
}

static const char *type_name(ev e);

/* Records the first value that is not where rows should be (reported at
 * finish) and passes over it: returns 1 (go on). */
static int defer_shape(dwhi_json_rows *p, dwhi_json_rows_err err, ev e) {
    if (!p->shape) {
        p->shape = err;
        p->shape_type = type_name(e);
        p->shape_row = p->element;
        if (err == DWHI_JSON_ROWS_ERR_NOT_ROWS)
            snprintf(p->shape_msg, sizeof p->shape_msg, "the rows are %s, not an array or an object", p->shape_type);
        else
            snprintf(p->shape_msg, sizeof p->shape_msg, "row %zu is not a JSON object", p->element);
    }
    if (e == EV_OPEN_MAP || e == EV_OPEN_ARR) p->skip_level = p->depth + 1;
    return 1;
}

/* Inside a value being passed over. */
static int skipping(const dwhi_json_rows *p) { return p->skip_level && p->depth >= p->skip_level; }

static const char *type_name(ev e) {
    switch (e) {
    case EV_NULL: return "null";
    case EV_BOOL: return "a boolean";
    case EV_NUM: return "a number";
    case EV_STR: return "a string";
    case EV_OPEN_ARR: return "an array";
    default: return "an object";
    }
}

/* A value starts outside the rows: the rows themselves, a capture, or
 * something to pass over.  `e` is its first event.  Returns 1 when it is
 * the rows (handled by the caller), 0 otherwise, -1 after fail(). */
static int outside_value(dwhi_json_rows *p, ev e) {
    uint64_t m = p->vmask;
    p->vmask = 0;
    int is_rows = 0;
    if ((m & 1) && p->paths[0].n == p->depth) {
        is_rows = 1;
        /* a repeated key: its last value wins, as in json-c, shape and all */
        p->shape = DWHI_JSON_ROWS_OK;
        if (p->kind != DWHI_ROWS_ABSENT) {
            dwhi_batcher_truncate(p->store, p->store0);
            p->stored = p->element = 0;
            p->kind = DWHI_ROWS_ABSENT;
        }
    }
    for (int i = 1; i < p->n_paths; i++) {
        if (!(m & ((uint64_t)1 << i)) || p->paths[i].n != p->depth) continue;
        w_start(&p->cap[i - 1], &p->cap_text[i - 1], p->depth);
        p->caps_active = 1;
    }
    /* paths continue only through objects */
    p->frames[p->depth + 1].mask = e == EV_OPEN_MAP ? m : 0;
    return is_rows;
}

static int row_begin(dwhi_json_rows *p) {
    if (dwhi_batcher_row_begin(p->store) < 0) return oom(p), -1;
    if (p->want_text) {
        w_start_lazy(&p->rowtext, &p->rowtext_buf, p->depth, yajl_get_bytes_consumed(p->h));
    }
    p->row_level = p->depth + 1;
    p->key_pos = 0;
    p->row_off = yajl_get_bytes_consumed(p->h) - 1; /* the '{' */
    p->row_here = 1;
    p->rowraw.n = 0;
    return 0;
}

/* Non-zero when `s` holds a \u escape of a surrogate that is not half of a
 * well-formed pair: yajl decodes those differently from json-c. */
static int bad_surrogate(const char *s, size_t n) {
    const char *end = s + n;
    int want_low = 0;
    for (const char *q = memchr(s, '\\', n); q; q = q < end ? memchr(q, '\\', (size_t)(end - q)) : NULL) {
        if (q + 1 >= end) break;
        if (q[1] != 'u' || q + 6 > end) {
            if (want_low) return 1;
            q += 2;
            continue;
        }
        unsigned v = 0;
        for (int k = 2; k < 6; k++) {
            char c = q[k];
            v = v * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
        }
        int is_high = v >= 0xD800 && v <= 0xDBFF, is_low = v >= 0xDC00 && v <= 0xDFFF;
        if (want_low && !is_low) return 1;
        if (!want_low && is_low) return 1;
        want_low = is_high && !want_low;
        if (want_low && q + 6 < end && q[6] != '\\') return 1; /* not followed by an escape */
        q += 6;
    }
    return want_low;
}

/* The current row's text, from its '{' to `end` in the current chunk. */
static const char *row_text(dwhi_json_rows *p, size_t end, size_t *len) {
    if (p->row_here) {
        *len = end - p->row_off;
        return p->chunk + p->row_off;
    }
    if (buf_put(&p->rowraw, p->chunk, end) < 0) return NULL;
    *len = p->rowraw.n;
    return p->rowraw.p;
}

static int row_end(dwhi_json_rows *p) {
    size_t len = 0;
    const char *text = row_text(p, yajl_get_bytes_consumed(p->h), &len);
    if (!text) return oom(p), -1;
    p->row_level = 0;
    if (memchr(text, '\\', len) && bad_surrogate(text, len)) {
        /* json-c's reading of the row (U+FFFD for a lone surrogate) */
        dwhi_batcher_row_abort(p->store);
        json_object *o = NULL;
        char err[200];
        if (dwhi_json_parse_strict_tok(&p->tok, text, len, &o, err, sizeof err) != 0) {
            fail(p, DWHI_JSON_ROWS_ERR_JSON, "%s", err);
            return -1;
        }
        int rc = dwhi_batcher_add_row(p->store, o, NULL);
        if (rc == 0 && p->want_text) {
            size_t tl = 0;
            const char *t =
                json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &tl);
            rc = t ? dwhi_batcher_last_row_json(p->store, t, tl) : -1;
        }
        json_object_put(o);
        if (rc < 0) return oom(p), -1;
    } else {
        dwhi_row_extras x = {0};
        if (p->want_text) x.json = w_text(p, &p->rowtext, &x.json_len);
        if (p->want_text) {
            /* the row's text goes at the arena's end: nested cells point into it */
            size_t at = dwhi_batcher_arena_len(p->store), n = 0;
            dwhi_cell *cells = dwhi_batcher_row_cells(p->store, &n);
            for (size_t i = 0; i < n; i++)
                if (cells[i].type == DWHI_CELL_PENDING) {
                    cells[i].type = DWHI_CELL_JSON;
                    cells[i].v.s.off += (uint32_t)at;
                }
        }
        if (dwhi_batcher_row_end(p->store, p->want_text ? &x : NULL) < 0) return oom(p), -1;
    }
    p->stored++;
    return 0;
}

/* A scalar member of the current row. */
static dwhi_cell *row_cell(dwhi_json_rows *p) {
    dwhi_cell *c = dwhi_batcher_row_cell(p->store, p->key);
    if (!c) oom(p);
    return c;
}

/* The value of the whole text ends here (yajl itself misses a string
 * opened after it: `[1]"` would pass). */
static void root_done(dwhi_json_rows *p) {
    if (p->depth != 0) return;
    p->done = 1;
    p->done_off = p->chunk ? yajl_get_bytes_consumed(p->h) : 0;
}

/* After every event: where it ended, so the next one knows where its own
 * text starts.  Returns rc. */
static int seen(void *ud, int rc) {
    dwhi_json_rows *p = ud;
    if (p->chunk) {
        p->prev_end = yajl_get_bytes_consumed(p->h);
        p->prev_here = 1;
        p->pending.n = 0;
    }
    return rc;
}

/* A captured string as json-c reads it: yajl decodes an invalid \u
 * surrogate escape differently (json-c: U+FFFD), so such a string is read
 * again from its own text.  0, or -1 after fail(). */
static int fix_string(dwhi_json_rows *p, const char **s, size_t *n) {
    size_t end = yajl_get_bytes_consumed(p->h);
    const char *raw = p->chunk + p->prev_end;
    size_t len = end - p->prev_end;
    if (!p->prev_here) {
        if (buf_put(&p->pending, p->chunk, end) < 0) return oom(p), -1;
        raw = p->pending.p;
        len = p->pending.n;
    }
    if (!memchr(raw, '\\', len) || !bad_surrogate(raw, len)) return 0;
    const char *q = memchr(raw, '"', len); /* the string's own text starts at its quote */
    json_object *v = NULL;
    char err[200];
    if (!q || dwhi_json_parse_strict_tok(&p->tok, q, len - (size_t)(q - raw), &v, err, sizeof err) != 0) {
        fail(p, DWHI_JSON_ROWS_ERR_JSON, "%s", q ? err : "invalid JSON: a string without its quote");
        return -1;
    }
    p->decoded.n = 0;
    int rc = buf_put(&p->decoded, json_object_get_string(v), (size_t)json_object_get_string_len(v));
    json_object_put(v);
    if (rc < 0) return oom(p), -1;
    *s = p->decoded.p;
    *n = p->decoded.n;
    return 0;
}

/* An event inside a row, for its whole text (spec.row_text).  0, -1 after oom(). */
static int row_text_event(dwhi_json_rows *p, ev e, const char *s, size_t n, int b) {
    if (!p->rowtext.active) return 0;
    return w_lazy_event(p, &p->rowtext, e, p->depth, s, n, b) < 0 ? (oom(p), -1) : 0;
}

static int scalar(dwhi_json_rows *p, ev e, const char *s, size_t n, int b) {
    root_done(p);
    if (skipping(p)) {
        dwhi_json_num k;
        int64_t i;
        double d;
        return e == EV_NUM && number(p, s, n, &k, &i, &d) < 0 ? 0 : 1;
    }
    if (row_text_event(p, e, s, n, b) < 0) return 0;
    if (p->nested.active) return w_lazy_event(p, &p->nested, e, p->depth, s, n, b) < 0 ? oom(p) : 1;
    if (p->nested_text) return 1; /* in the row's text already (a number was checked by cb_number) */
    if (p->row_level && p->depth == p->row_level) {
        dwhi_cell c = {.key = p->key};
        if (e == EV_NULL) {
            c.type = DWHI_CELL_NULL; /* dropped when the row ends: absent and null are the same to a table */
        } else if (e == EV_BOOL) {
            c.type = DWHI_CELL_BOOL;
            c.v.i = b ? 1 : 0;
        } else if (e == EV_STR) {
            c.type = DWHI_CELL_TEXT;
            if (dwhi_batcher_text(p->store, s, n, &c.v.s) < 0) return oom(p);
        } else {
            dwhi_json_num k;
            if (number(p, s, n, &k, &c.v.i, &c.v.d) < 0) return 0;
            c.type = k == DWHI_NUM_INT ? DWHI_CELL_INT : k == DWHI_NUM_REAL ? DWHI_CELL_REAL : DWHI_CELL_BIGINT;
            if (k == DWHI_NUM_BIGINT && dwhi_batcher_text(p->store, s, n, &c.v.s) < 0) return oom(p);
        }
        dwhi_cell *cell = row_cell(p);
        if (!cell) return 0;
        *cell = c;
        return 1;
    }
    if (p->rows_level && p->depth == p->rows_level) return defer_shape(p, DWHI_JSON_ROWS_ERR_NOT_OBJECT, e);
    /* outside the rows */
    if (e == EV_NUM) {
        dwhi_json_num k;
        int64_t i;
        double d;
        if (number(p, s, n, &k, &i, &d) < 0) return 0;
    }
    int is_rows = outside_value(p, e);
    if (is_rows) {
        if (e != EV_NULL) return defer_shape(p, DWHI_JSON_ROWS_ERR_NOT_ROWS, e);
        p->kind = DWHI_ROWS_NULL;
    }
    if (e == EV_STR && p->caps_active && fix_string(p, &s, &n) < 0) return 0;
    return caps_event(p, e, s, n, b) < 0 ? 0 : 1;
}

static int cb_null(void *ud) { return seen(ud, scalar(ud, EV_NULL, NULL, 0, 0)); }
static int cb_bool(void *ud, int b) { return seen(ud, scalar(ud, EV_BOOL, NULL, 0, b)); }

static int cb_number(void *ud, const char *s, size_t n) {
    dwhi_json_rows *p = ud;
    if (p->nested.active || p->nested_text) {
        dwhi_json_num k;
        int64_t i;
        double d;
        if (number(p, s, n, &k, &i, &d) < 0) return 0;
    }
    return seen(p, scalar(p, EV_NUM, s, n, 0));
}

static int cb_string(void *ud, const unsigned char *s, size_t n) {
    return seen(ud, scalar(ud, EV_STR, (const char *)s, n, 0));
}

static int key_event(void *ud, const unsigned char *s, size_t n) {
    dwhi_json_rows *p = ud;
    /* a raw NUL is refused with the chunk (dwhi_json_rows_feed): only a
     * decoded key (\u0000), outside the chunk, may hold one */
    if (!((const char *)s >= p->chunk && (const char *)s + n <= p->chunk + p->chunk_len) && memchr(s, 0, n))
        return fail(p, DWHI_JSON_ROWS_ERR_JSON, "invalid JSON at byte %zu: %s",
                    p->base + yajl_get_bytes_consumed(p->h), DWHI_JSON_NUL_KEY);
    if (skipping(p)) return 1;
    if (row_text_event(p, EV_KEY, (const char *)s, n, 0) < 0) return 0;
    if (p->nested.active)
        return w_lazy_event(p, &p->nested, EV_KEY, p->depth, (const char *)s, n, 0) < 0 ? oom(p) : 1;
    if (p->nested_text) return 1;
    if (p->row_level && p->depth == p->row_level) {
        /* rows of a page mostly have the same keys in the same order */
        int pos = p->key_pos++;
        if ((size_t)pos < p->n_pos) {
            const char *name = dwhi_keydict_name(p->keys, p->pos_ids[pos]);
            if (name && !strncmp(name, (const char *)s, n) && name[n] == 0) {
                p->key = p->pos_ids[pos];
                return 1;
            }
        }
        int32_t id = dwhi_keydict_intern(p->keys, (const char *)s, n);
        if (id < 0) return oom(p);
        if ((size_t)pos >= p->cap_pos) {
            size_t cap = p->cap_pos ? p->cap_pos * 2 : 64;
            uint32_t *np = realloc(p->pos_ids, cap * sizeof *np);
            if (!np) return oom(p);
            p->pos_ids = np;
            p->cap_pos = cap;
        }
        p->pos_ids[pos] = (uint32_t)id;
        if ((size_t)pos >= p->n_pos) p->n_pos = (size_t)pos + 1;
        p->key = (uint32_t)id;
        return 1;
    }
    /* a member outside the rows: which paths go on through it; a repeated
     * member replaces what an earlier one held (json-c keeps the last).
     * Its name as json-c reads it (a lone surrogate escape). */
    const char *k = (const char *)s;
    if (fix_string(p, &k, &n) < 0) return 0;
    p->vmask = member_mask(p, p->frames[p->depth].mask, p->depth - 1, (const unsigned char *)k, n);
    for (int i = 1; i < p->n_paths; i++)
        if (p->vmask & ((uint64_t)1 << i)) p->cap_set[i - 1] = 0;
    return caps_event(p, EV_KEY, k, n, 0) < 0 ? 0 : 1;
}

static int cb_key(void *ud, const unsigned char *s, size_t n) { return seen(ud, key_event(ud, s, n)); }

static int open_container(void *ud, ev e) {
    dwhi_json_rows *p = ud;
    if (p->depth >= DWHI_JSON_MAX_DEPTH)
        return fail(p, DWHI_JSON_ROWS_ERR_JSON, "invalid JSON: nested deeper than %d levels", DWHI_JSON_MAX_DEPTH);
    if (skipping(p)) {
        p->depth++;
        return 1;
    }
    if (row_text_event(p, e, NULL, 0, 0) < 0) return 0;
    if (p->nested.active) {
        if (w_lazy_event(p, &p->nested, e, p->depth, NULL, 0, 0) < 0) return oom(p);
    } else if (p->nested_text) {
        /* inside a member's nested value: in the row's text already */
    } else if (p->row_level && p->depth == p->row_level && p->rowtext.active) {
        /* a member's nested value: its text is in the row's, from its bracket */
        p->nested_text = 1;
        p->nested_from = w_len(&p->rowtext) - 1;
    } else if (p->row_level && p->depth == p->row_level) {
        /* a member's nested value: its compact text becomes the cell */
        w_start_lazy(&p->nested, &p->scratch, p->depth, yajl_get_bytes_consumed(p->h));
    } else if (p->rows_level && p->depth == p->rows_level) {
        if (e != EV_OPEN_MAP || p->shape) {
            defer_shape(p, DWHI_JSON_ROWS_ERR_NOT_OBJECT, e);
            p->skip_level = p->depth + 1;
            p->depth++;
            return 1;
        }
        p->element++;
        if (row_begin(p) < 0) return 0;
    } else {
        int is_rows = outside_value(p, e);
        if (caps_event(p, e, NULL, 0, 0) < 0) return 0;
        if (is_rows) {
            if (e == EV_OPEN_ARR) {
                p->kind = DWHI_ROWS_ARRAY;
                p->rows_level = p->depth + 1;
            } else {
                p->kind = DWHI_ROWS_OBJECT;
                if (row_begin(p) < 0) return 0;
            }
        }
    }
    /* frames[depth].mask is set by outside_value: paths are followed only
     * outside the rows */
    p->depth++;
    p->frames[p->depth].is_obj = e == EV_OPEN_MAP;
    return 1;
}

static int close_container(void *ud, ev e) {
    dwhi_json_rows *p = ud;
    p->depth--;
    root_done(p);
    if (p->skip_level && p->depth + 1 >= p->skip_level) {
        if (p->depth + 1 == p->skip_level) p->skip_level = 0; /* what was passed over ends */
        return 1;
    }
    if (row_text_event(p, e, NULL, 0, 0) < 0) return 0;
    if (p->nested_text) {
        if (p->depth != p->row_level) return 1;
        /* the member's value is complete: a cell pointing into the row's
         * text, placed when the row ends */
        p->nested_text = 0;
        dwhi_cell *cell = row_cell(p);
        if (!cell) return 0;
        *cell = (dwhi_cell){.key = p->key, .type = DWHI_CELL_PENDING,
                           .v.s = {(uint32_t)p->nested_from, (uint32_t)(w_len(&p->rowtext) - p->nested_from)}};
        return 1;
    }
    if (p->nested.active) {
        if (w_lazy_event(p, &p->nested, e, p->depth, NULL, 0, 0) < 0) return oom(p);
        if (!p->nested.active) { /* the member's value is complete */
            dwhi_cell c = {.key = p->key, .type = DWHI_CELL_JSON};
            size_t len = 0;
            const char *text = w_text(p, &p->nested, &len);
            if (dwhi_batcher_text(p->store, text, len, &c.v.s) < 0) return oom(p);
            dwhi_cell *cell = row_cell(p);
            if (!cell) return 0;
            *cell = c;
        }
        return 1;
    }
    if (p->row_level && p->depth + 1 == p->row_level) return row_end(p) < 0 ? 0 : 1;
    if (p->rows_level && p->depth + 1 == p->rows_level) {
        p->rows_level = 0;
        return 1;
    }
    return caps_event(p, e, NULL, 0, 0) < 0 ? 0 : 1;
}

static int cb_start_map(void *ud) { return seen(ud, open_container(ud, EV_OPEN_MAP)); }
static int cb_start_array(void *ud) { return seen(ud, open_container(ud, EV_OPEN_ARR)); }
static int cb_end_map(void *ud) { return seen(ud, close_container(ud, EV_CLOSE_MAP)); }
static int cb_end_array(void *ud) { return seen(ud, close_container(ud, EV_CLOSE_ARR)); }

static const yajl_callbacks CALLBACKS = {
    .yajl_null = cb_null,
    .yajl_boolean = cb_bool,
    .yajl_number = cb_number,
    .yajl_string = cb_string,
    .yajl_start_map = cb_start_map,
    .yajl_map_key = cb_key,
    .yajl_end_map = cb_end_map,
    .yajl_start_array = cb_start_array,
    .yajl_end_array = cb_end_array,
};

/* ---- the parser ---------------------------------------------------------------- */

dwhi_json_rows *dwhi_json_rows_new(const dwhi_json_rows_spec *spec, dwhi_batcher *store) {
    if (!dwhi_json_rows_supported(spec)) return NULL;
    dwhi_json_rows *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->store = store;
    p->keys = dwhi_batcher_keys(store);
    p->want_text = spec->row_text;
    p->c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    int bad = !p->c_locale || rows_path_parse(&p->paths[0], spec) < 0;
    p->n_paths = 1;
    for (const char *const *c = spec->captures; !bad && c && *c; c++) bad = path_parse(&p->paths[p->n_paths++], *c) < 0;
    if (bad) {
        dwhi_json_rows_free(p);
        return NULL;
    }
    dwhi_json_rows_reset(p);
    if (!p->h) {
        dwhi_json_rows_free(p);
        return NULL;
    }
    return p;
}

void dwhi_json_rows_reset(dwhi_json_rows *p) {
    if (p->h) yajl_free(p->h);
    p->h = yajl_alloc(&CALLBACKS, NULL, p);
    p->depth = 0;
    p->vmask = ((uint64_t)1 << p->n_paths) - 1; /* every path starts at the body */
    p->frames[0].mask = 0;
    p->kind = DWHI_ROWS_ABSENT;
    p->rows_level = p->row_level = 0;
    p->element = p->stored = 0;
    p->store0 = dwhi_batcher_rows(p->store);
    p->nested.active = 0;
    p->nested_text = 0;
    p->rowtext.active = 0;
    p->caps_active = 0;
    for (int i = 0; i < DWHI_JSON_ROWS_MAX_CAPTURES; i++) {
        p->cap[i].active = 0;
        p->cap_set[i] = 0;
    }
    p->base = 0;
    p->done = 0;
    p->done_off = 0;
    p->prev_end = 0;
    p->prev_here = 1;
    p->pending.n = 0;
    p->err = DWHI_JSON_ROWS_OK;
    p->err_type = NULL;
    p->shape = DWHI_JSON_ROWS_OK;
    p->skip_level = 0;
    p->msg[0] = 0;
}

void dwhi_json_rows_free(dwhi_json_rows *p) {
    if (!p) return;
    if (p->h) yajl_free(p->h);
    if (p->row_level) dwhi_batcher_row_abort(p->store);
    for (int i = 0; i < MAX_PATHS; i++) free(p->paths[i].text);
    for (int i = 0; i < DWHI_JSON_ROWS_MAX_CAPTURES; i++) free(p->cap_text[i].p);
    free(p->scratch.p);
    free(p->rowtext_buf.p);
    free(p->rowraw.p);
    free(p->pending.p);
    free(p->decoded.p);
    free(p->pos_ids);
    if (p->tok) json_tokener_free(p->tok);
    if (p->c_locale) freelocale(p->c_locale);
    free(p);
}

/* The message of a yajl error, as one line naming the byte. */
static void yajl_failed(dwhi_json_rows *p) {
    char msg[sizeof p->msg];
    dwhi_json_grammar_error(p->h, p->base, p->chunk, p->chunk_len, msg, sizeof msg);
    fail(p, DWHI_JSON_ROWS_ERR_JSON, "%s", msg);
}

/* After an error: the row being read is dropped from the store.  -1. */
static int stop(dwhi_json_rows *p) {
    if (p->row_level) dwhi_batcher_row_abort(p->store);
    p->row_level = 0;
    p->nested.active = 0;
    p->nested_text = 0;
    p->rowtext.active = 0;
    return -1;
}

int dwhi_json_rows_feed(dwhi_json_rows *p, const char *data, size_t len) {
    if (p->err) return -1;
    const char *nul = memchr(data, 0, len);
    if (nul) {
        fail(p, DWHI_JSON_ROWS_ERR_JSON, "the JSON text contains a NUL byte at offset %zu (wrong length?)",
             p->base + (size_t)(nul - data));
        return -1;
    }
    size_t bad;
    if (dwhi_json_bad_space(data, len, &bad) < 0) {
        fail(p, DWHI_JSON_ROWS_ERR_JSON, "invalid JSON at byte %zu: a vertical tab or form feed outside a string's escapes",
             p->base + bad);
        return stop(p);
    }
    p->chunk = data;
    p->chunk_len = len;
    yajl_status st = yajl_parse(p->h, (const unsigned char *)data, len);
    if (p->done) { /* after the value: whitespace only (yajl misses a string opened there) */
        size_t i = dwhi_json_skip_ws(data, p->done_off, len);
        if (i < len) {
            fail(p, DWHI_JSON_ROWS_ERR_JSON, "invalid JSON at byte %zu: unexpected text after the value", p->base + i);
            return stop(p);
        }
        p->done_off = 0; /* later chunks: from their start */
    }
    if (st != yajl_status_ok) {
        if (st == yajl_status_error) yajl_failed(p);
        return stop(p);
    }
    if (!p->row_level && !p->done) { /* outside the rows: keep the text since the last event */
        size_t from = p->prev_here ? p->prev_end : 0;
        if (!p->prev_here || from < len) {
            if (!p->prev_here) {
                if (buf_put(&p->pending, data, len) < 0) return oom(p), stop(p);
            } else {
                p->pending.n = 0;
                if (buf_put(&p->pending, data + from, len - from) < 0) return oom(p), stop(p);
            }
        }
    } else {
        p->pending.n = 0;
    }
    p->prev_here = 0;
    p->prev_end = 0;
    /* a lazy text going on in the next chunk: copied before the chunk goes */
    if ((p->rowtext.active && w_materialize(p, &p->rowtext) < 0) ||
        (p->nested.active && w_materialize(p, &p->nested) < 0)) {
        oom(p);
        return stop(p);
    }
    if (p->row_level) { /* the row goes on in the next chunk: keep its text */
        size_t from = p->row_here ? p->row_off : 0;
        if (buf_put(&p->rowraw, data + from, len - from) < 0) {
            oom(p);
            return stop(p);
        }
        p->row_here = 0;
    }
    p->base += len;
    return 0;
}

int dwhi_json_rows_finish(dwhi_json_rows *p) {
    if (p->err) return -1;
    p->chunk = NULL;
    p->chunk_len = 0;
    if (p->base == 0) {
        fail(p, DWHI_JSON_ROWS_ERR_JSON, "the JSON text is empty");
        return -1;
    }
    yajl_status st = yajl_complete_parse(p->h);
    if (st != yajl_status_ok) {
        if (st == yajl_status_error) yajl_failed(p);
        return stop(p);
    }
    if (p->shape) {
        fail(p, p->shape, "%s", p->shape_msg);
        p->err_type = p->shape_type;
        p->element = p->shape_row;
        return -1;
    }
    return 0;
}

dwhi_json_rows_err dwhi_json_rows_error(const dwhi_json_rows *p, const char **message, size_t *row) {
    if (message) *message = p->msg;
    if (row) *row = p->element;
    return p->err;
}

const char *dwhi_json_rows_error_type(const dwhi_json_rows *p) { return p->err_type ? p->err_type : "a value"; }

dwhi_rows_kind dwhi_json_rows_kind(const dwhi_json_rows *p) { return p->kind; }
size_t dwhi_json_rows_count(const dwhi_json_rows *p) { return p->stored; }

const char *dwhi_json_rows_capture(const dwhi_json_rows *p, size_t i, size_t *len) {
    if (i + 1 >= (size_t)p->n_paths || !p->cap_set[i]) return NULL;
    if (len) *len = p->cap_text[i].n;
    return p->cap_text[i].p;
}
