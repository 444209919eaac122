/* partition.c -- per-row partition keys (see partition.h). */
#include "partition.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isotime.h"
#include "md5.h"
#include "schema_copy.h" /* dwh_partition_mode_name */

static char **copy_list(const char *const *list, size_t *n) {
    size_t k = 0;
    while (list && list[k]) k++;
    *n = k;
    char **out = calloc(k + 1, sizeof *out);
    if (!out) return NULL;
    for (size_t i = 0; i < k; i++) {
        if (!(out[i] = strdup(list[i]))) {
            for (size_t j = 0; j < i; j++) free(out[j]);
            free(out);
            return NULL;
        }
    }
    return out;
}

int dwh_partition_init(dwh_partition *p, uint32_t mode, uint32_t count, int64_t size, uint32_t format,
                       const char *const *partition_keys, const char *const *primary_keys, char **err) {
    memset(p, 0, sizeof *p);
    *err = NULL;
    if (mode == DW_PARTITION_NONE) {
        if (count > 0) mode = DW_PARTITION_MD5;
        else if (size > 0) mode = DW_PARTITION_NUMERICAL;
    }
    if (mode != DW_PARTITION_MD5 && mode != DW_PARTITION_NUMERICAL && mode != DW_PARTITION_DATETIME) return 0;
    const char *const *keys = partition_keys && partition_keys[0] ? partition_keys : primary_keys;
    size_t n = 0;
    char **copy = copy_list(keys, &n);
    if (!copy) {
        *err = strdup("out of memory");
        return -1;
    }
    if (n == 0) {
        free(copy);
        if (asprintf(err, "partition mode %s needs partition keys or primary keys; the schema has neither",
                     dwh_partition_mode_name(mode)) < 0)
            *err = NULL;
        return -1;
    }
    if (n > 1 && mode != DW_PARTITION_MD5) {
        for (size_t i = 0; i < n; i++) free(copy[i]);
        free(copy);
        if (asprintf(err, "partition mode %s takes one key, got %zu; use md5 for composite keys",
                     dwh_partition_mode_name(mode), n) < 0)
            *err = NULL;
        return -1;
    }
    p->mode = mode;
    p->count = count ? count : DWH_PARTITION_DEFAULT_COUNT;
    p->size = size > 0 ? size : DWH_PARTITION_DEFAULT_SIZE;
    p->format = format <= DW_PARTITION_BY_HOUR ? format : DW_PARTITION_BY_MONTH;
    p->keys = copy;
    p->n_keys = n;
    return 0;
}

void dwh_partition_free(dwh_partition *p) {
    for (size_t i = 0; i < p->n_keys; i++) free(p->keys[i]);
    free(p->keys);
    memset(p, 0, sizeof *p);
}

/* repr() of a Python float: the shortest digits that round-trip, fixed
 * notation for exponents in [-4, 16), else d.ddde+XX. */
static size_t python_float(double d, char *buf, size_t cap) {
    if (isnan(d)) return (size_t)snprintf(buf, cap, "nan");
    if (isinf(d)) return (size_t)snprintf(buf, cap, d < 0 ? "-inf" : "inf");
    char e[40];
    int prec = 1;
    for (; prec <= 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, d);
        if (strtod(e, NULL) == d) break;
    }
    /* e = [-]D[.DDD]e[+-]XX */
    char mant[24];
    size_t nm = 0;
    const char *c = e;
    int neg = 0;
    if (*c == '-') {
        neg = 1;
        c++;
    }
    for (; *c && *c != 'e'; c++)
        if (*c != '.') mant[nm++] = *c;
    mant[nm] = 0;
    int exp = atoi(c + 1);
    while (nm > 1 && mant[nm - 1] == '0') mant[--nm] = 0;
    char out[64];
    size_t o = 0;
    if (neg) out[o++] = '-';
    if (exp >= -4 && exp < 16) {
        if (exp < 0) {
            out[o++] = '0';
            out[o++] = '.';
            for (int z = 0; z < -exp - 1; z++) out[o++] = '0';
            for (size_t k = 0; k < nm; k++) out[o++] = mant[k];
        } else {
            for (int k = 0; k <= exp; k++) out[o++] = (size_t)k < nm ? mant[k] : '0';
            out[o++] = '.';
            if ((size_t)exp + 1 < nm)
                for (size_t k = (size_t)exp + 1; k < nm; k++) out[o++] = mant[k];
            else
                out[o++] = '0';
        }
        out[o] = 0;
    } else {
        out[o++] = mant[0];
        if (nm > 1) {
            out[o++] = '.';
            for (size_t k = 1; k < nm; k++) out[o++] = mant[k];
        }
        snprintf(out + o, sizeof out - o, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    }
    return (size_t)snprintf(buf, cap, "%s", out);
}

size_t dwh_python_str(json_object *v, char *buf, size_t cap) {
    switch (json_object_get_type(v)) {
    case json_type_null: return (size_t)snprintf(buf, cap, "None");
    case json_type_boolean: return (size_t)snprintf(buf, cap, json_object_get_boolean(v) ? "True" : "False");
    case json_type_int:
        if (json_object_get_int64(v) == INT64_MAX) /* may be a larger uint64 */
            return (size_t)snprintf(buf, cap, "%llu", (unsigned long long)json_object_get_uint64(v));
        return (size_t)snprintf(buf, cap, "%lld", (long long)json_object_get_int64(v));
    case json_type_double: return python_float(json_object_get_double(v), buf, cap);
    case json_type_string: {
        size_t n = (size_t)json_object_get_string_len(v);
        if (cap) {
            size_t k = n < cap - 1 ? n : cap - 1;
            memcpy(buf, json_object_get_string(v), k);
            buf[k] = 0;
        }
        return n;
    }
    default:
        return (size_t)snprintf(buf, cap, "%s",
                                json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    }
}

/* 128-bit digest (big-endian integer, as int(hexdigest, 16)) mod n. */
static uint64_t digest_mod(const unsigned char d[16], uint64_t n) {
    uint64_t r = 0;
    for (int i = 0; i < 16; i++) r = (r * 256 + d[i]) % n;
    return r;
}

static int md5_value(const dwh_partition *p, json_object *row, char *buf, size_t cap) {
    dwh_md5_ctx m;
    dwh_md5_init(&m); /* a failure shows at final */
    char small[128];
    for (size_t i = 0; i < p->n_keys; i++) {
        if (i) dwh_md5_update(&m, "|", 1);
        json_object *v = NULL;
        json_object_object_get_ex(row, p->keys[i], &v);
        if (json_object_is_type(v, json_type_string)) {
            dwh_md5_update(&m, json_object_get_string(v), (size_t)json_object_get_string_len(v));
            continue;
        }
        size_t n = dwh_python_str(v, small, sizeof small);
        if (n < sizeof small) {
            dwh_md5_update(&m, small, n);
        } else {
            char *big = malloc(n + 1);
            if (!big) {
                unsigned char junk[16];
                dwh_md5_final(&m, junk);
                return -1;
            }
            dwh_python_str(v, big, n + 1);
            dwh_md5_update(&m, big, n);
            free(big);
        }
    }
    unsigned char d[16];
    if (dwh_md5_final(&m, d) < 0) return -1;
    int w = snprintf(buf, cap, "%llu", (unsigned long long)digest_mod(d, p->count));
    return w < 0 || (size_t)w >= cap ? -1 : 1;
}

static int number_of(json_object *v, int64_t *i, double *d, int *is_int) {
    switch (json_object_get_type(v)) {
    case json_type_int: *i = json_object_get_int64(v); *is_int = 1; return 0;
    case json_type_double: *d = json_object_get_double(v); *is_int = 0; return isfinite(*d) ? 0 : -1;
    case json_type_string: {
        const char *s = json_object_get_string(v);
        char *end;
        errno = 0;
        long long ll = strtoll(s, &end, 10);
        if (*s && !*end && errno == 0) {
            *i = ll;
            *is_int = 1;
            return 0;
        }
        double x = strtod(s, &end);
        if (*s && !*end && isfinite(x)) {
            *d = x;
            *is_int = 0;
            return 0;
        }
        return -1;
    }
    default: return -1;
    }
}

static int numerical_value(const dwh_partition *p, json_object *row, char *buf, size_t cap) {
    json_object *v = NULL;
    if (!json_object_object_get_ex(row, p->keys[0], &v)) return 0;
    int64_t i = 0;
    double d = 0;
    int is_int = 0;
    if (number_of(v, &i, &d, &is_int) < 0) return 0;
    long long q;
    if (is_int) {
        q = i / p->size;
        if ((i % p->size != 0) && ((i < 0) != (p->size < 0))) q--; /* floor, as Python's // */
    } else {
        double f = floor(d / (double)p->size);
        if (f < -9.2e18 || f > 9.2e18) return 0;
        q = (long long)f;
    }
    int w = snprintf(buf, cap, "%lld", q);
    return w < 0 || (size_t)w >= cap ? -1 : 1;
}

static int datetime_value(const dwh_partition *p, json_object *row, char *buf, size_t cap) {
    static const char *const formats[] = {"%Y-%m", "%G-w%V", "%Y-%m-%d", "%Y-%m-%dT%H"};
    json_object *v = NULL;
    if (!json_object_object_get_ex(row, p->keys[0], &v)) return 0;
    int64_t sec;
    int32_t nsec;
    switch (json_object_get_type(v)) {
    case json_type_int: sec = json_object_get_int64(v); break;
    case json_type_double: {
        double d = json_object_get_double(v);
        if (!isfinite(d) || d < -1e15 || d > 1e15) return 0;
        sec = (int64_t)floor(d);
        break;
    }
    case json_type_string:
        if (dwh_isotime_parse(json_object_get_string(v), (size_t)json_object_get_string_len(v), &sec, &nsec) < 0)
            return 0;
        break;
    default: return 0;
    }
    if (dwh_isotime_format(sec, formats[p->format], buf, cap) < 0) return cap < 32 ? -1 : 0;
    return 1;
}

int dwh_partition_value(const dwh_partition *p, json_object *row, char *buf, size_t cap) {
    switch (p->mode) {
    case DW_PARTITION_MD5: return md5_value(p, row, buf, cap);
    case DW_PARTITION_NUMERICAL: return numerical_value(p, row, buf, cap);
    case DW_PARTITION_DATETIME: return datetime_value(p, row, buf, cap);
    default: return 0;
    }
}
