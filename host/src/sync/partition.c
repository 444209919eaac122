/* partition.c -- per-row partition keys (see partition.h). */
#include "partition.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/isotime.h"
#include "base/md5.h"
#include "core/schema_copy.h" /* dwhi_partition_mode_name */

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

int dwhi_partition_init(dwhi_partition *p, uint32_t mode, uint32_t count, int64_t size, uint32_t format,
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
                     dwhi_partition_mode_name(mode)) < 0)
            *err = NULL;
        return -1;
    }
    if (n > 1 && mode != DW_PARTITION_MD5) {
        for (size_t i = 0; i < n; i++) free(copy[i]);
        free(copy);
        if (asprintf(err, "partition mode %s takes one key, got %zu; use md5 for composite keys",
                     dwhi_partition_mode_name(mode), n) < 0)
            *err = NULL;
        return -1;
    }
    p->mode = mode;
    p->count = count ? count : DWHI_PARTITION_DEFAULT_COUNT;
    p->size = size > 0 ? size : DWHI_PARTITION_DEFAULT_SIZE;
    p->format = format <= DW_PARTITION_BY_HOUR ? format : DW_PARTITION_BY_MONTH;
    p->keys = copy;
    p->n_keys = n;
    return 0;
}

void dwhi_partition_free(dwhi_partition *p) {
    for (size_t i = 0; i < p->n_keys; i++) free(p->keys[i]);
    free(p->keys);
    memset(p, 0, sizeof *p);
}

/* 128-bit digest (big-endian integer, as int(hexdigest, 16)) mod n. */
static uint64_t digest_mod(const unsigned char d[16], uint64_t n) {
    uint64_t r = 0;
    for (int i = 0; i < 16; i++) r = (r * 256 + d[i]) % n;
    return r;
}

static int md5_value(const dwhi_partition *p, const dwhi_rowref *row, char *buf, size_t cap) {
    dwhi_md5_ctx m;
    dwhi_md5_init(&m); /* a failure shows at final */
    char small[128];
    for (size_t i = 0; i < p->n_keys; i++) {
        if (i) dwhi_md5_update(&m, "|", 1);
        dwhi_scalar v;
        dwhi_rowref_get(row, p->keys[i], &v);
        if (v.type == DWHI_S_STRING) {
            dwhi_md5_update(&m, v.s, v.len);
            continue;
        }
        size_t n = dwhi_scalar_python_str(&v, small, sizeof small);
        if (n < sizeof small) {
            dwhi_md5_update(&m, small, n);
        } else {
            char *big = malloc(n + 1);
            if (!big) {
                unsigned char junk[16];
                dwhi_md5_final(&m, junk);
                return -1;
            }
            dwhi_scalar_python_str(&v, big, n + 1);
            dwhi_md5_update(&m, big, n);
            free(big);
        }
    }
    unsigned char d[16];
    if (dwhi_md5_final(&m, d) < 0) return -1;
    int w = snprintf(buf, cap, "%llu", (unsigned long long)digest_mod(d, p->count));
    return w < 0 || (size_t)w >= cap ? -1 : 1;
}

static int number_of(const dwhi_scalar *v, int64_t *i, double *d, int *is_int) {
    switch (v->type) {
    case DWHI_S_INT: *i = v->i; *is_int = 1; return 0;
    case DWHI_S_BIGINT: *i = INT64_MAX; *is_int = 1; return 0; /* as json-c reads a uint64 beyond int64 */
    case DWHI_S_REAL: *d = v->d; *is_int = 0; return isfinite(*d) ? 0 : -1;
    case DWHI_S_STRING: {
        char tmp[512];
        if (v->len >= sizeof tmp || memchr(v->s, 0, v->len)) return -1;
        memcpy(tmp, v->s, v->len);
        tmp[v->len] = 0;
        const char *s = tmp;
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

static int numerical_value(const dwhi_partition *p, const dwhi_rowref *row, char *buf, size_t cap) {
    dwhi_scalar v;
    if (!dwhi_rowref_get(row, p->keys[0], &v)) return 0;
    int64_t i = 0;
    double d = 0;
    int is_int = 0;
    if (number_of(&v, &i, &d, &is_int) < 0) return 0;
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

static int datetime_value(const dwhi_partition *p, const dwhi_rowref *row, char *buf, size_t cap) {
    static const char *const formats[] = {"%Y-%m", "%G-w%V", "%Y-%m-%d", "%Y-%m-%dT%H"};
    dwhi_scalar v;
    if (!dwhi_rowref_get(row, p->keys[0], &v)) return 0;
    int64_t sec;
    int32_t nsec;
    switch (v.type) {
    case DWHI_S_INT: sec = v.i; break;
    case DWHI_S_BIGINT: sec = INT64_MAX; break;
    case DWHI_S_REAL: {
        double d = v.d;
        if (!isfinite(d) || d < -1e15 || d > 1e15) return 0;
        sec = (int64_t)floor(d);
        break;
    }
    case DWHI_S_STRING:
        if (dwhi_isotime_parse(v.s, v.len, &sec, &nsec) < 0) return 0;
        break;
    default: return 0;
    }
    if (dwhi_isotime_format(sec, formats[p->format], buf, cap) < 0) return cap < 32 ? -1 : 0;
    return 1;
}

int dwhi_partition_value(const dwhi_partition *p, const dwhi_rowref *row, char *buf, size_t cap) {
    switch (p->mode) {
    case DW_PARTITION_MD5: return md5_value(p, row, buf, cap);
    case DW_PARTITION_NUMERICAL: return numerical_value(p, row, buf, cap);
    case DW_PARTITION_DATETIME: return datetime_value(p, row, buf, cap);
    default: return 0;
    }
}
