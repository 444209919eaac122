/* rest_util.c -- Link headers and watermark formats (see rest.h). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "rest.h"

/* RFC 8288: link-value = "<" URI ">" *( ";" param ); values separated by
 * ",".  A comma may appear inside <...>, so split only outside brackets
 * and quotes. */
char *dwhi_link_next(const char *h) {
    if (!h) return NULL;
    const char *p = h;
    while (*p) {
        while (*p && *p != '<') p++;
        if (!*p) break;
        const char *u = ++p;
        while (*p && *p != '>') p++;
        if (!*p) break;
        size_t ulen = (size_t)(p - u);
        p++;
        /* Parameters up to the next top-level comma. */
        int is_next = 0;
        while (*p && *p != ',') {
            while (*p == ';' || isspace((unsigned char)*p)) p++;
            const char *k = p;
            while (*p && *p != '=' && *p != ';' && *p != ',') p++;
            size_t klen = (size_t)(p - k);
            while (klen && isspace((unsigned char)k[klen - 1])) klen--;
            if (*p != '=') continue;
            p++;
            while (isspace((unsigned char)*p)) p++;
            const char *v;
            size_t vlen;
            if (*p == '"') {
                v = ++p;
                while (*p && *p != '"') p++;
                vlen = (size_t)(p - v);
                if (*p) p++;
            } else {
                v = p;
                while (*p && *p != ';' && *p != ',') p++;
                vlen = (size_t)(p - v);
                while (vlen && isspace((unsigned char)v[vlen - 1])) vlen--;
            }
            if (klen == 3 && !strncasecmp(k, "rel", 3)) {
                /* rel may list several space-separated relation types. */
                const char *r = v, *end = v + vlen;
                while (r < end) {
                    while (r < end && isspace((unsigned char)*r)) r++;
                    const char *w = r;
                    while (r < end && !isspace((unsigned char)*r)) r++;
                    if (r - w == 4 && !strncasecmp(w, "next", 4)) is_next = 1;
                }
            }
        }
        if (is_next) return strndup(u, ulen);
        if (*p == ',') p++;
    }
    return NULL;
}

int dwhi_iso8601_parse(const char *text, double *epoch_s) {
    if (!text) return -1;
    while (isspace((unsigned char)*text)) text++;
    int Y, M, D, h = 0, m = 0, n = 0;
    double s = 0;
    if (sscanf(text, "%4d-%2d-%2d%n", &Y, &M, &D, &n) != 3 || n != 10) return -1;
    const char *p = text + 10;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        int k = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &h, &m, &k) != 2 || k != 5) return -1;
        p += 1 + k;
        if (*p == ':') {
            char *end;
            s = strtod(p + 1, &end);
            if (end == p + 1) return -1;
            p = end;
        }
    }
    double off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh = 0, om = 0, k = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &k) == 2 && k == 5) {
        } else if (sscanf(p + 1, "%2d%2d%n", &oh, &om, &k) == 2 && k == 4) {
        } else if (sscanf(p + 1, "%2d%n", &oh, &k) == 1 && k == 2) {
            om = 0;
        } else {
            return -1;
        }
        off = (oh * 3600.0 + om * 60.0) * (*p == '-' ? -1 : 1);
        p += 1 + k;
    }
    while (isspace((unsigned char)*p)) p++;
    if (*p) return -1;
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 24 || m > 59 || s >= 61) return -1;
    struct tm tm = {0};
    tm.tm_year = Y - 1900;
    tm.tm_mon = M - 1;
    tm.tm_mday = D;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = 0;
    time_t t = timegm(&tm);
    *epoch_s = (double)t + s - off;
    return 0;
}

char *dwhi_incremental_format(const char *json_scalar, const char *format) {
    if (!json_scalar) return NULL;
    json_object *v = json_tokener_parse(json_scalar);
    char *out = NULL;
    const char *text = NULL;
    char buf[64];
    int is_num = 0;
    double num = 0;
    if (v && (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double))) {
        is_num = 1;
        num = json_object_get_double(v);
    } else if (v && json_object_is_type(v, json_type_string)) {
        text = json_object_get_string(v);
    } else if (!v) {
        text = json_scalar; /* bare text: tolerate an unquoted date */
    } else {
        json_object_put(v);
        return NULL;
    }
    if (format && !strcasecmp(format, "unix")) {
        double secs;
        char *end;
        if (is_num) {
            secs = num;
        } else if (text && (secs = strtod(text, &end), end != text && !*end)) {
        } else if (text && dwhi_iso8601_parse(text, &secs) == 0) {
        } else {
            json_object_put(v);
            return NULL;
        }
        snprintf(buf, sizeof buf, "%lld", (long long)floor(secs));
        out = strdup(buf);
    } else if (format && !strcasecmp(format, "iso8601")) {
        if (is_num) {
            time_t t = (time_t)floor(num);
            struct tm tm;
            gmtime_r(&t, &tm);
            strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
            out = strdup(buf);
        } else {
            double secs;
            if (dwhi_iso8601_parse(text, &secs) != 0) {
                json_object_put(v);
                return NULL;
            }
            out = strdup(text);
        }
    } else {
        if (is_num)
            out = strdup(json_object_get_string(v));
        else
            out = strdup(text);
    }
    json_object_put(v);
    return out;
}
