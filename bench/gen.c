/* gen.c -- see gen.h. */
#include "gen.h"

#include <inttypes.h>
#include <stdio.h>

static const char *const countries[] = {"GB", "FR", "DE", "US", "JP", "BR", "IN", "NG"};
static const char *const plans[] = {"free", "team", "business", "enterprise"};

size_t bench_gen_page(int64_t first, int64_t n, char *buf, size_t cap) {
    size_t len = 0;
    if (cap < 2) return 0;
    buf[len++] = '[';
    for (int64_t i = first; i < first + n; i++) {
        int64_t day = i % 365, sec = (i * 7919) % 86400;
        int w = snprintf(buf + len, cap - len,
                         "%s{\"id\":%" PRId64 ",\"name\":\"Customer %06" PRId64 "\",\"email\":\"user%" PRId64
                         "@example.com\",\"plan\":\"%s\",\"country\":\"%s\",\"active\":%s,\"balance\":%" PRId64
                         ".%02d,\"logins\":%" PRId64 ",\"created_at\":\"2024-%02d-%02dT%02d:%02d:%02dZ\",\"referrer\":\"https://"
                         "example.com/l/%" PRId64 "\"}",
                         i > first ? "," : "", i, i, i, plans[i % 4], countries[i % 8], i % 3 ? "true" : "false",
                         (i * 37) % 100000, (int)(i % 100), (i * 13) % 1000, (int)(day / 31 % 12 + 1),
                         (int)(day % 28 + 1), (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60), i % 9973);
        if (w < 0 || (size_t)w >= cap - len - 1) return 0;
        len += (size_t)w;
    }
    buf[len++] = ']';
    buf[len] = 0;
    return len;
}
