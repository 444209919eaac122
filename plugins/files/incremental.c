/*
 * incremental.c -- the files source's incremental filter values: a row's
 * incremental field and the watermark parsed by the field's type, so that
 * the filter orders them exactly as the host orders the watermark it keeps
 * (host/src/rows/watermark.c).  The plugin links nothing of the host, so the
 * ISO-8601 parser lives here too; tests/runtime/test_files_order.c checks
 * that both sides order the same table of values the same way.
 *
 *   integer, numeric, timestamp   numbers (JSON numbers or numeric text)
 *   datetime, date                instants: ISO-8601 text (date, or date
 *                                 and time with optional fraction and Z /
 *                                 +HH / +HHMM / +HH:MM offset), or JSON
 *                                 numbers as epoch seconds
 *
 * Text compared as text (strcmp) is wrong for both: "10:00:00.5Z" sorts
 * before "10:00:00Z" and offsets do not sort at all.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"

static int is_time_type(uint32_t type) { return type == DW_TYPE_DATETIME || type == DW_TYPE_DATE; }

/* Days since 1970-01-01 of a proleptic Gregorian date (days_from_civil,
 * H. Hinnant): exact, no timegm or TZ involved. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* Reads exactly n digits at s[*i]. */
static int digits(const char *s, size_t *i, int n, int *out) {
    int v = 0;
    for (int k = 0; k < n; k++) {
        if (s[*i] < '0' || s[*i] > '9') return -1;
        v = v * 10 + (s[(*i)++] - '0');
    }
    *out = v;
    return 0;
}

static int leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int files_parse_isotime(const char *s, int64_t *sec, int32_t *nsec) {
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    size_t i = 0;
    int y, mo, d, h = 0, mi = 0, se = 0;
    int32_t ns = 0;
    int64_t offset = 0;
    if (digits(s, &i, 4, &y) || s[i++] != '-' || digits(s, &i, 2, &mo) || s[i++] != '-' || digits(s, &i, 2, &d))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap(y))) return -1;
    if (s[i] == 'T' || s[i] == 't' || s[i] == ' ') {
        i++;
        if (digits(s, &i, 2, &h) || s[i++] != ':' || digits(s, &i, 2, &mi)) return -1;
        if (s[i] == ':') {
            i++;
            if (digits(s, &i, 2, &se)) return -1;
            if (s[i] == '.' || s[i] == ',') {
                i++;
                int n = 0;
                for (; s[i] >= '0' && s[i] <= '9'; i++, n++)
                    if (n < 9) ns = ns * 10 + (s[i] - '0');
                if (n == 0) return -1;
                for (; n < 9; n++) ns *= 10;
            }
        }
        if (h > 23 || mi > 59 || se > 60) return -1; /* 60: a leap second, as written */
        if (s[i] == 'Z' || s[i] == 'z') {
            i++;
        } else if (s[i] == '+' || s[i] == '-') {
            int sign = s[i++] == '-' ? -1 : 1, oh, om = 0;
            if (digits(s, &i, 2, &oh)) return -1;
            if (s[i] == ':') i++;
            if (s[i] >= '0' && s[i] <= '9' && digits(s, &i, 2, &om)) return -1;
            if (oh > 23 || om > 59) return -1;
            offset = sign * (oh * 3600 + om * 60);
        }
    }
    if (s[i]) return -1;
    *sec = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se - offset;
    *nsec = ns;
    return 0;
}

/* All of `s` as a finite number, the way the host reads it: numeric text
 * and JSON integers with strtold (exact for 64-bit integers), JSON numbers
 * with a fraction or exponent as a double (json-c's type for them). */
static int parse_number(const char *s, int is_string, long double *out) {
    if (!*s) return -1;
    char *end;
    errno = 0;
    long double v;
    if (!is_string && strpbrk(s, ".eE"))
        v = strtod(s, &end);
    else
        v = strtold(s, &end);
    if (*end || errno == ERANGE || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

int files_value_parse(uint32_t type, const char *text, int is_string, files_value *out) {
    memset(out, 0, sizeof *out);
    if (!text) return -1;
    if (is_time_type(type)) {
        if (is_string) return files_parse_isotime(text, &out->sec, &out->nsec);
        /* A JSON number: epoch seconds, with a fraction when it has one. */
        if (!strpbrk(text, ".eE")) {
            char *end;
            errno = 0;
            long long v = strtoll(text, &end, 10);
            if (!*text || *end || errno) return -1;
            out->sec = v;
            return 0;
        }
        char *end;
        errno = 0;
        double d = strtod(text, &end);
        if (*end || errno == ERANGE || !isfinite(d) || fabs(d) > 1e15) return -1;
        double f = floor(d);
        out->sec = (int64_t)f;
        out->nsec = (int32_t)((d - f) * 1e9);
        return 0;
    }
    return parse_number(text, is_string, &out->num);
}

int files_value_cmp(uint32_t type, const files_value *a, const files_value *b) {
    if (is_time_type(type)) {
        if (a->sec != b->sec) return a->sec < b->sec ? -1 : 1;
        return (a->nsec > b->nsec) - (a->nsec < b->nsec);
    }
    return (a->num > b->num) - (a->num < b->num);
}
