/* watermark.c -- incremental field extents (see watermark.h). */
#include "watermark.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dwsdk.h"
#include "base/isotime.h"

static int is_time_type(uint32_t type) { return type == DW_TYPE_DATETIME || type == DW_TYPE_DATE; }

static int parse_number_text(const char *s, long double *out) {
    if (!*s) return -1;
    char *end;
    errno = 0;
    long double v = strtold(s, &end);
    if (*end || errno == ERANGE || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

int dwhi_wm_parse(const dwhi_scalar *v, uint32_t type, dwhi_wm_value *out) {
    memset(out, 0, sizeof *out);
    if (is_time_type(type)) {
        switch (v->type) {
        case DWHI_S_STRING: return dwhi_isotime_parse(v->s, v->len, &out->sec, &out->nsec);
        case DWHI_S_INT: out->sec = v->i; return 0;
        case DWHI_S_BIGINT: out->sec = INT64_MAX; return 0; /* as json-c reads a uint64 beyond int64 */
        case DWHI_S_REAL: {
            double d = v->d;
            if (!isfinite(d) || fabs(d) > 1e15) return -1;
            double f = floor(d);
            out->sec = (int64_t)f;
            out->nsec = (int32_t)((d - f) * 1e9);
            return 0;
        }
        default: return -1;
        }
    }
    switch (v->type) {
    case DWHI_S_INT: out->num = (long double)v->i; return 0;
    case DWHI_S_BIGINT: out->num = (long double)strtoull(v->s, NULL, 10); return 0;
    case DWHI_S_REAL:
        if (!isfinite(v->d)) return -1;
        out->num = v->d;
        return 0;
    case DWHI_S_STRING: {
        char tmp[512];
        if (v->len >= sizeof tmp || memchr(v->s, 0, v->len)) return -1;
        memcpy(tmp, v->s, v->len);
        tmp[v->len] = 0;
        return parse_number_text(tmp, &out->num);
    }
    default: return -1;
    }
}

int dwhi_wm_cmp(uint32_t type, const dwhi_wm_value *a, const dwhi_wm_value *b) {
    if (is_time_type(type)) {
        if (a->sec != b->sec) return a->sec < b->sec ? -1 : 1;
        return (a->nsec > b->nsec) - (a->nsec < b->nsec);
    }
    return (a->num > b->num) - (a->num < b->num);
}

void dwhi_wm_extent_init(dwhi_wm_extent *e, uint32_t type) {
    memset(e, 0, sizeof *e);
    e->type = type;
}

void dwhi_wm_extent_free(dwhi_wm_extent *e) {
    json_object_put(e->min_obj);
    json_object_put(e->max_obj);
    uint32_t type = e->type;
    dwhi_wm_extent_init(e, type);
}

static void widen(dwhi_wm_extent *e, json_object *v, const dwhi_wm_value *x) {
    if (!e->have || dwhi_wm_cmp(e->type, x, &e->min) < 0) {
        json_object_put(e->min_obj);
        e->min_obj = json_object_get(v);
        e->min = *x;
    }
    if (!e->have || dwhi_wm_cmp(e->type, x, &e->max) > 0) {
        json_object_put(e->max_obj);
        e->max_obj = json_object_get(v);
        e->max = *x;
    }
    e->have = 1;
}

void dwhi_wm_observe(dwhi_wm_extent *e, json_object *row, const char *field) {
    json_object *v = NULL;
    dwhi_wm_value x;
    dwhi_scalar sv;
    json_object_object_get_ex(row, field, &v);
    dwhi_scalar_of_json(v, &sv);
    if (!v || dwhi_wm_parse(&sv, e->type, &x) < 0) {
        e->skipped++;
        return;
    }
    widen(e, v, &x);
}

int dwhi_wm_observe_text(dwhi_wm_extent *e, const char *json_text) {
    if (!json_text) return 0;
    json_object *v = json_tokener_parse(json_text);
    dwhi_wm_value x;
    int rc = -1;
    dwhi_scalar sv;
    dwhi_scalar_of_json(v, &sv);
    if (v && dwhi_wm_parse(&sv, e->type, &x) == 0) {
        widen(e, v, &x);
        rc = 0;
    }
    json_object_put(v);
    return rc;
}

static char *text_of(json_object *v) {
    return v ? strdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE))
             : NULL;
}

char *dwhi_wm_min_text(const dwhi_wm_extent *e) { return e->have ? text_of(e->min_obj) : NULL; }
char *dwhi_wm_max_text(const dwhi_wm_extent *e) { return e->have ? text_of(e->max_obj) : NULL; }

static char *pick(uint32_t type, const char *a, const char *b, int want_max) {
    dwhi_wm_extent e;
    dwhi_wm_extent_init(&e, type);
    int ra = dwhi_wm_observe_text(&e, a), rb = dwhi_wm_observe_text(&e, b);
    char *out;
    if (e.have)
        out = want_max ? dwhi_wm_max_text(&e) : dwhi_wm_min_text(&e);
    else /* neither parses: keep whichever exists, never invent one */
        out = a ? strdup(a) : b ? strdup(b) : NULL;
    (void)ra;
    (void)rb;
    dwhi_wm_extent_free(&e);
    return out;
}

char *dwhi_wm_text_max(uint32_t type, const char *a, const char *b) { return pick(type, a, b, 1); }
char *dwhi_wm_text_min(uint32_t type, const char *a, const char *b) { return pick(type, a, b, 0); }
