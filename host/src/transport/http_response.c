/* http_response.c -- responses: body, headers, cached JSON (see http_session.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "transport_int.h"

dw_http_response *dwhi_http_response_new(uint64_t max_body) {
    dw_http_response *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->body = malloc(1);
    if (!r->body) {
        free(r);
        return NULL;
    }
    r->body[0] = 0;
    r->cap = 1;
    r->max_body = max_body;
    return r;
}

size_t dwhi_http_response_write_cb(char *data, size_t size, size_t n, void *ud) {
    dw_http_response *r = ud;
    size_t add = size * n;
    if (r->len + add > r->max_body) {
        r->too_big = 1;
        return 0; /* curl stops with CURLE_WRITE_ERROR */
    }
    if (!r->decided) {
        r->decided = 1;
        r->streaming = r->sink && r->line_status >= 200 && r->line_status < 300;
        if (r->streaming && r->sink->start) r->sink->start(r->sink->ud);
    }
    if (r->streaming) {
        r->len += add;
        if (r->sink->data(r->sink->ud, data, add) != 0) {
            r->sink_failed = 1;
            return 0;
        }
        return add;
    }
    if (r->len + add + 1 > r->cap) {
        size_t cap = r->cap * 2;
        while (cap < r->len + add + 1) cap *= 2;
        char *b = realloc(r->body, cap);
        if (!b) return 0;
        r->body = b;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, add);
    r->len += add;
    r->body[r->len] = 0;
    return add;
}

static void clear_headers(dw_http_response *r) {
    for (size_t i = 0; i < r->n_headers; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    r->n_headers = 0;
    free(r->reason);
    r->reason = NULL;
}

static char *trimmed(const char *s, size_t n) {
    while (n && isspace((unsigned char)*s)) s++, n--;
    while (n && isspace((unsigned char)s[n - 1])) n--;
    return strndup(s, n);
}

size_t dwhi_http_response_header_cb(char *data, size_t size, size_t n, void *ud) {
    dw_http_response *r = ud;
    size_t len = size * n;
    if (len >= 5 && !strncmp(data, "HTTP/", 5)) {
        /* A new status line (after 100 Continue or an interim response):
         * only the final response's headers count. */
        clear_headers(r);
        const char *code = memchr(data, ' ', len);
        r->line_status = code ? strtol(code + 1, NULL, 10) : 0;
        const char *sp = memchr(data, ' ', len);
        if (sp) {
            const char *rest = sp + 1;
            size_t rlen = len - (size_t)(rest - data);
            const char *sp2 = memchr(rest, ' ', rlen);
            if (sp2) {
                char *reason = trimmed(sp2 + 1, rlen - (size_t)(sp2 + 1 - rest));
                if (reason && *reason)
                    r->reason = reason;
                else
                    free(reason);
            }
        }
        return len;
    }
    const char *colon = memchr(data, ':', len);
    if (!colon) return len; /* the blank line ending the block */
    if ((size_t)(colon - data) == 14 && !strncasecmp(data, "Content-Length", 14)) {
        /* A body announced past the limit is refused before it downloads */
        unsigned long long announced = strtoull(colon + 1, NULL, 10);
        if (announced > r->max_body && r->line_status >= 200 && r->line_status < 300) {
            r->too_big = 1;
            return 0;
        }
    }
    if (r->n_headers == r->cap_headers) {
        size_t cap = r->cap_headers ? r->cap_headers * 2 : 16;
        dwhi_http_header *h = realloc(r->headers, cap * sizeof *h);
        if (!h) return 0;
        r->headers = h;
        r->cap_headers = cap;
    }
    char *name = trimmed(data, (size_t)(colon - data));
    char *value = trimmed(colon + 1, len - (size_t)(colon + 1 - data));
    if (!name || !value) {
        free(name);
        free(value);
        return 0;
    }
    r->headers[r->n_headers].name = name;
    r->headers[r->n_headers].value = value;
    r->n_headers++;
    return len;
}

long dwhi_http_response_status(const dw_http_response *r) { return r ? r->status : 0; }

int dwhi_http_response_streamed(const dw_http_response *r) { return r && r->streaming; }
int dwhi_http_response_stream_failed(const dw_http_response *r) { return r && r->sink_failed; }

const char *dwhi_http_response_body(const dw_http_response *r, size_t *len) {
    if (len) *len = r ? r->len : 0;
    return r ? r->body : NULL;
}

const char *dwhi_http_response_url(const dw_http_response *r) { return r ? r->url : NULL; }

const char *dwhi_http_response_header(const dw_http_response *r, const char *name) {
    if (!r || !name) return NULL;
    size_t first = (size_t)-1, count = 0, total = 0;
    for (size_t i = 0; i < r->n_headers; i++) {
        if (strcasecmp(r->headers[i].name, name)) continue;
        if (first == (size_t)-1) first = i;
        count++;
        total += strlen(r->headers[i].value) + 2;
    }
    if (count == 0) return NULL;
    if (count == 1) return r->headers[first].value;
    /* Join repeated headers (Link split over lines) into the first entry
     * and drop the others, so the returned pointer stays owned by r. */
    char *joined = malloc(total + 1);
    if (!joined) return r->headers[first].value;
    joined[0] = 0;
    size_t w = 0;
    dw_http_response *m = (dw_http_response *)r;
    for (size_t i = 0; i < m->n_headers;) {
        if (strcasecmp(m->headers[i].name, name)) {
            i++;
            continue;
        }
        w += (size_t)sprintf(joined + w, "%s%s", w ? ", " : "", m->headers[i].value);
        if (i == first) {
            i++;
            continue;
        }
        free(m->headers[i].name);
        free(m->headers[i].value);
        memmove(&m->headers[i], &m->headers[i + 1], (m->n_headers - i - 1) * sizeof m->headers[0]);
        m->n_headers--;
    }
    free(m->headers[first].value);
    m->headers[first].value = joined;
    return joined;
}

json_object *dwhi_http_response_json(dw_http_response *r, const char **error) {
    if (!r) return NULL;
    if (!r->json_tried) {
        r->json_tried = 1;
        json_tokener *tok = json_tokener_new();
        if (tok) {
            r->json = json_tokener_parse_ex(tok, r->body, (int)r->len);
            enum json_tokener_error e = json_tokener_get_error(tok);
            if (e != json_tokener_success || (size_t)json_tokener_get_parse_end(tok) < r->len) {
                /* Trailing garbage after a complete value is still bad JSON,
                 * unless it is only whitespace. */
                size_t end = json_tokener_get_parse_end(tok);
                int only_ws = 1;
                for (size_t i = end; i < r->len; i++)
                    if (!isspace((unsigned char)r->body[i])) only_ws = 0;
                if (e != json_tokener_success || !only_ws) {
                    json_object_put(r->json);
                    r->json = NULL;
                    r->json_error = e == json_tokener_continue   ? "unexpected end of JSON"
                                    : e != json_tokener_success ? json_tokener_error_desc(e)
                                                                : "trailing data after JSON value";
                }
            }
            if (!r->json && !r->json_error) r->json_error = r->len ? "the body is JSON null" : "empty body";
            json_tokener_free(tok);
        } else {
            r->json_error = "out of memory";
        }
    }
    if (error) *error = r->json_error;
    return r->json;
}

void dwhi_http_response_free(dw_http_response *r) {
    if (!r) return;
    clear_headers(r);
    free(r->headers);
    free(r->body);
    free(r->url);
    if (r->json) json_object_put(r->json);
    free(r);
}
