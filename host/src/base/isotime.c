/* isotime.c -- ISO-8601 parsing and formatting (see isotime.h). */
#include "isotime.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil): exact for any year, no timegm/TZ involvement. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char *s, size_t len, size_t *i, int n, int *out) {
    int v = 0;
    for (int k = 0; k < n; k++) {
        if (*i >= len || s[*i] < '0' || s[*i] > '9') return -1;
        v = v * 10 + (s[(*i)++] - '0');
    }
    *out = v;
    return 0;
}

static int leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int dwhi_isotime_parse(const char *s, size_t len, int64_t *sec, int32_t *nsec) {
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    size_t i = 0;
    int y, mo, d, h = 0, mi = 0, se = 0;
    int32_t ns = 0;
    if (digits(s, len, &i, 4, &y) || i >= len || s[i++] != '-' || digits(s, len, &i, 2, &mo) ||
        i >= len || s[i++] != '-' || digits(s, len, &i, 2, &d))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap(y))) return -1;
    int64_t offset = 0;
    if (i < len && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
        i++;
        if (digits(s, len, &i, 2, &h) || i >= len || s[i++] != ':' || digits(s, len, &i, 2, &mi)) return -1;
        if (i < len && s[i] == ':') {
            i++;
            if (digits(s, len, &i, 2, &se)) return -1;
            if (i < len && (s[i] == '.' || s[i] == ',')) {
                i++;
                int n = 0;
                while (i < len && s[i] >= '0' && s[i] <= '9') {
                    if (n < 9) ns = ns * 10 + (s[i] - '0');
                    n++;
                    i++;
                }
                if (n == 0) return -1;
                for (; n < 9; n++) ns *= 10;
            }
        }
        if (h > 23 || mi > 59 || se > 60) return -1; /* 60: a leap second, as written */
        if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
            i++;
        } else if (i < len && (s[i] == '+' || s[i] == '-')) {
            int sign = s[i++] == '-' ? -1 : 1, oh, om = 0;
            if (digits(s, len, &i, 2, &oh)) return -1;
            if (i < len && s[i] == ':') i++;
            if (i < len && s[i] >= '0' && s[i] <= '9' && digits(s, len, &i, 2, &om)) return -1;
            if (oh > 23 || om > 59) return -1;
            offset = sign * (oh * 3600 + om * 60);
        }
    }
    if (i != len) return -1;
    *sec = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se - offset;
    *nsec = ns;
    return 0;
}

int dwhi_isotime_format(int64_t sec, const char *fmt, char *buf, size_t cap) {
    time_t t = (time_t)sec;
    if ((int64_t)t != sec) return -1;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) return -1;
    size_t n = strftime(buf, cap, fmt, &tm);
    return n == 0 && *fmt ? -1 : 0;
}

void dwhi_isotime_now(char *buf, size_t cap) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, (long)(tv.tv_usec / 1000));
}
