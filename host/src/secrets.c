/* secrets.c -- secret value set and scrubbing (see secrets.h). */
#include "secrets.h"
#include "url_scrub.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

struct dwh_secrets {
    char **values;
    size_t n, cap;
};

dwh_secrets *dwh_secrets_new(void) { return calloc(1, sizeof(dwh_secrets)); }

void dwh_secrets_free(dwh_secrets *s) {
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) free(s->values[i]);
    free(s->values);
    free(s);
}

static void add_one(dwh_secrets *s, const char *value) {
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->values[i], value)) return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        char **v = realloc(s->values, cap * sizeof *v);
        if (!v) return;
        s->values = v;
        s->cap = cap;
    }
    char *copy = strdup(value);
    if (copy) s->values[s->n++] = copy;
}

void dwh_secrets_add(dwh_secrets *s, const char *value) {
    if (!s || !value || strlen(value) < 4) return;
    add_one(s, value);
    /* The same secret as it would appear inside a URL query string. */
    char *enc = curl_easy_escape(NULL, value, 0);
    if (enc) {
        if (strcmp(enc, value) != 0) add_one(s, enc);
        curl_free(enc);
    }
    /* ... and inside JSON text (a config or a row serialised, a JSON log
     * line): quotes, backslashes and control characters escaped, '/'
     * escaped or not. */
    json_object *j = json_object_new_string(value);
    if (j) {
        static const int flags[] = {JSON_C_TO_STRING_PLAIN, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE};
        for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
            const char *q = json_object_to_json_string_ext(j, flags[i]);
            size_t ql = q ? strlen(q) : 0;
            if (ql < 2) continue;
            char *inner = strndup(q + 1, ql - 2); /* without the quotes */
            if (inner && strcmp(inner, value) != 0) add_one(s, inner);
            free(inner);
        }
        json_object_put(j);
    }
}

size_t dwh_secrets_count(const dwh_secrets *s) { return s ? s->n : 0; }

/* Longest secrets first would matter only when one secret contains another;
 * replacing each in turn still masks both, so order is not significant. */
char *dwh_secrets_scrub(const dwh_secrets *s, const char *text) {
    if (!text) return NULL;
    /* URL credentials first (url_scrub.h): they are secrets whatever field
     * or message holds the URL, with or without a secret set. */
    char *out = dwh_url_scrub(text);
    if (!out || !s) return out;
    static const char mask[] = "***";
    for (size_t i = 0; i < s->n; i++) {
        const char *sec = s->values[i];
        size_t sl = strlen(sec);
        char *hit = strstr(out, sec);
        if (!hit) continue;
        size_t cap = strlen(out) + 1, len = 0;
        char *buf = malloc(cap); /* masked text is never longer: sl >= 4 > 3 */
        if (!buf) {
            free(out);
            return NULL;
        }
        const char *p = out;
        while (hit) {
            memcpy(buf + len, p, (size_t)(hit - p));
            len += (size_t)(hit - p);
            memcpy(buf + len, mask, 3);
            len += 3;
            p = hit + sl;
            hit = strstr(p, sec);
        }
        strcpy(buf + len, p);
        free(out);
        out = buf;
    }
    return out;
}
