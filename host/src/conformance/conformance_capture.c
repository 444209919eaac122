/*
 * conformance_capture.c -- catching everything a plugin operation prints
 * (file descriptors 1 and 2, so direct writes by plugin code are caught as
 * well as the host's log lines), looking for secrets in text, and
 * comparing watermark values.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conformance.h"

int dwhi_conf_capture_begin(dwhi_conf_capture *c) {
    memset(c, 0, sizeof *c);
    c->saved_out = c->saved_err = -1;
    fflush(stdout);
    fflush(stderr);
    c->tmp = tmpfile();
    if (!c->tmp) return -1;
    c->saved_out = dup(STDOUT_FILENO);
    c->saved_err = dup(STDERR_FILENO);
    if (c->saved_out < 0 || c->saved_err < 0 || dup2(fileno(c->tmp), STDOUT_FILENO) < 0 ||
        dup2(fileno(c->tmp), STDERR_FILENO) < 0) {
        if (c->saved_out >= 0) dup2(c->saved_out, STDOUT_FILENO), close(c->saved_out);
        if (c->saved_err >= 0) dup2(c->saved_err, STDERR_FILENO), close(c->saved_err);
        fclose(c->tmp);
        c->tmp = NULL;
        return -1;
    }
    c->active = 1;
    return 0;
}

char *dwhi_conf_capture_end(dwhi_conf_capture *c, size_t *len) {
    if (len) *len = 0;
    if (!c->active) return NULL;
    fflush(stdout);
    fflush(stderr);
    dup2(c->saved_out, STDOUT_FILENO);
    dup2(c->saved_err, STDERR_FILENO);
    close(c->saved_out);
    close(c->saved_err);
    c->active = 0;
    off_t size = lseek(fileno(c->tmp), 0, SEEK_END);
    char *buf = malloc(size > 0 ? (size_t)size + 1 : 1);
    size_t got = 0;
    if (buf && size > 0 && lseek(fileno(c->tmp), 0, SEEK_SET) == 0) {
        ssize_t n;
        while (got < (size_t)size && (n = read(fileno(c->tmp), buf + got, (size_t)size - got)) > 0) got += (size_t)n;
    }
    if (buf) buf[got] = 0;
    fclose(c->tmp);
    c->tmp = NULL;
    if (len) *len = got;
    return buf;
}

int dwhi_conf_has_secret(const dwhi_secrets *secrets, const char *text) {
    if (!secrets || !text || !*text) return 0;
    /* The scrubber is the one place that knows every secret and its
     * encodings: a text it would change holds a secret. */
    char *clean = dwhi_secrets_scrub(secrets, text);
    int found = clean && strcmp(clean, text) != 0;
    free(clean);
    return found;
}

/* ISO-8601 "2024-01-31T10:00:00[.fff][Z|+hh:mm]" (or with a space, or a
 * date alone) to epoch seconds; 0 on success. */
static int iso_seconds(const char *s, double *out) {
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *p = strptime(s, "%Y-%m-%d", &tm);
    if (!p) return -1;
    double frac = 0;
    if (*p == 'T' || *p == ' ') {
        p = strptime(p + 1, "%H:%M:%S", &tm);
        if (!p) return -1;
        if (*p == '.') {
            char *end;
            frac = strtod(p, &end);
            p = end;
        }
    }
    long off = 0;
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int h = 0, m = 0;
        if (sscanf(p + 1, "%2d:%2d", &h, &m) < 1) return -1;
        off = (h * 3600L + m * 60L) * (*p == '-' ? -1 : 1);
        p += strlen(p);
    }
    if (*p) return -1;
    *out = (double)timegm(&tm) + frac - (double)off;
    return 0;
}

static int as_number(json_object *v, double *out) {
    if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)) {
        *out = json_object_get_double(v);
        return 1;
    }
    if (json_object_is_type(v, json_type_string)) return iso_seconds(json_object_get_string(v), out) == 0;
    return 0;
}

int dwhi_conf_value_cmp(json_object *a, json_object *b) {
    double x, y;
    if (as_number(a, &x) && as_number(b, &y)) return x < y ? -1 : x > y ? 1 : 0;
    const char *s = a ? json_object_get_string(a) : "";
    const char *t = b ? json_object_get_string(b) : "";
    return strcmp(s ? s : "", t ? t : "");
}
