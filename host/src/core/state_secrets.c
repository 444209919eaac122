/* state_secrets.c -- secrets in resume state become references (see state_secrets.h). */
#include "state_secrets.h"
#include "base/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_path.h"
#include "log/secrets.h"
#include "url/http_url.h"

#define LIT "{{dwhost."
#define LIT_LEN 9
#define REF "{{dwhost.secret:"
#define REF_LEN 16
#define MASKED "{{dwhost.secret:masked}}"

void dwhi_state_secret_runtime(dw_ctx *ctx, const char *value) {
    if (!ctx || !value || strlen(value) < 4) return;
    dwhi_secrets_add(ctx->secrets, value);
    for (size_t i = 0; i < ctx->n_runtime_secrets; i++)
        if (!strcmp(ctx->runtime_secrets[i], value)) return;
    char **v = realloc(ctx->runtime_secrets, (ctx->n_runtime_secrets + 1) * sizeof *v);
    if (!v) return;
    ctx->runtime_secrets = v;
    char *copy = strdup(value);
    if (copy) ctx->runtime_secrets[ctx->n_runtime_secrets++] = copy;
}

/* ---- the spellings a value takes in JSON text -------------------------- */

static const char FORMS[] = "jJup";

/* The text of `value` in form f (see the header), malloc'd; NULL on OOM. */
static char *form_text(const char *value, char f) {
    if (f == 'u' || f == 'p') {
        /* Percent-encoding leaves only unreserved characters and '%':
         * nothing JSON escapes. */
        char *e = dwhi_url_escape(value);
        if (!e) return NULL;
        size_t n = strlen(e);
        char *out = malloc(n + 1), *o = out;
        for (size_t i = 0; out && i < n; i++) {
            if (f == 'p' && !strncmp(e + i, "%20", 3)) {
                *o++ = '+';
                i += 2;
            } else {
                *o++ = e[i];
            }
        }
        if (out) *o = 0;
        free(e);
        return out;
    }
    json_object *j = json_object_new_string(value);
    if (!j) return NULL;
    int flags = JSON_C_TO_STRING_PLAIN | (f == 'J' ? JSON_C_TO_STRING_NOSLASHESCAPE : 0);
    const char *q = json_object_to_json_string_ext(j, flags);
    size_t ql = q ? strlen(q) : 0;
    char *out = ql >= 2 ? strndup(q + 1, ql - 2) : NULL;
    json_object_put(j);
    return out;
}

/* ---- naming a secret ------------------------------------------------------ */

/* A key that a dotted path can name, and a reference can carry. */
static int plain_key(const char *k) {
    if (!*k) return 0;
    for (const char *c = k; *c; c++)
        if (*c == '.' || *c == '[' || *c == ']' || *c == ':' || *c == '}' || *c == '{' || (unsigned char)*c < 0x20)
            return 0;
    return 1;
}

/* The text a config value stands for (strings as is, numbers as written);
 * NULL for other types. */
static const char *value_text(json_object *v) {
    if (json_object_is_type(v, json_type_string)) return json_object_get_string(v);
    if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double))
        return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
    return NULL;
}

/* Writes into path (size cap, currently `len` long) the dotted path of the
 * first value in v whose text is `secret`; returns 1 when found. */
static int find_path(json_object *v, const char *secret, char *path, size_t len, size_t cap) {
    if (!v) return 0;
    if (json_object_is_type(v, json_type_object)) {
        json_object_object_foreach(v, key, val) {
            if (!plain_key(key)) continue;
            int n = snprintf(path + len, cap - len, "%s%s", len ? "." : "", key);
            if (n < 0 || (size_t)n >= cap - len) continue;
            if (find_path(val, secret, path, len + (size_t)n, cap)) return 1;
        }
        path[len] = 0;
        return 0;
    }
    if (json_object_is_type(v, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            int n = snprintf(path + len, cap - len, "[%zu]", i);
            if (n < 0 || (size_t)n >= cap - len) continue;
            if (find_path(json_object_array_get_idx(v, i), secret, path, len + (size_t)n, cap)) return 1;
        }
        path[len] = 0;
        return 0;
    }
    const char *t = value_text(v);
    return len && t && !strcmp(t, secret);
}

typedef struct named {
    const char *value;
    char name[300];   /* "config:<path>" or "runtime:<n>"; "" when it has none */
    char *forms[4];   /* its text in each of FORMS; NULL when a form repeats an earlier one */
    size_t len[4];    /* their lengths */
} named;

static void name_secret(dw_ctx *ctx, const char *value, named *out) {
    memset(out, 0, sizeof *out);
    out->value = value;
    char path[256] = "";
    if (ctx->config && find_path(ctx->config, value, path, 0, sizeof path)) {
        snprintf(out->name, sizeof out->name, "config:%s", path);
    } else {
        for (size_t i = 0; i < ctx->n_runtime_secrets; i++)
            if (!strcmp(ctx->runtime_secrets[i], value)) {
                snprintf(out->name, sizeof out->name, "runtime:%zu", i);
                break;
            }
    }
    if (!out->name[0]) return;
    for (int f = 0; f < 4; f++) {
        out->forms[f] = form_text(value, FORMS[f]);
        for (int g = 0; out->forms[f] && g < f; g++)
            if (out->forms[g] && !strcmp(out->forms[g], out->forms[f])) {
                free(out->forms[f]);
                out->forms[f] = NULL;
            }
    }
}

/* ---- text building ------------------------------------------------------- */

static int by_length_desc(const void *a, const void *b) {
    size_t la = strlen(((const named *)a)->value), lb = strlen(((const named *)b)->value);
    return la < lb ? 1 : la > lb ? -1 : 0;
}

char *dwhi_state_secrets_hide(dw_ctx *ctx, const char *state, size_t *masked) {
    if (masked) *masked = 0;
    if (!state) return NULL;
    size_t n = ctx ? dwhi_secrets_count(ctx->secrets) : 0;
    named *sec = n ? calloc(n, sizeof *sec) : NULL;
    if (n && !sec) return NULL;
    for (size_t i = 0; i < n; i++) name_secret(ctx, dwhi_secrets_value(ctx->secrets, i), &sec[i]);
    /* Longest first: a secret that contains another is replaced whole. */
    if (n) qsort(sec, n, sizeof *sec, by_length_desc);
    /* The bytes where a replacement may start; the runs between are copied
     * whole (this runs at every saved page). */
    unsigned char can[256] = {0};
    can['{'] = can['\\'] = can['%'] = can['+'] = 1;
    for (size_t i = 0; i < n; i++) {
        can[(unsigned char)sec[i].value[0]] = 1;
        for (int f = 0; f < 4; f++) {
            sec[i].len[f] = sec[i].forms[f] ? strlen(sec[i].forms[f]) : 0;
            if (sec[i].len[f]) can[(unsigned char)sec[i].forms[f][0]] = 1;
        }
    }
    dwhi_strbuf b = {0};
    dwhi_strbuf_put(&b, "", 0);
    size_t hidden = 0;
    const char *run = state; /* copied up to here */
    for (const char *p = state; *p;) {
        if (!can[(unsigned char)*p]) {
            p++;
            continue;
        }
        if (!strncmp(p, LIT, LIT_LEN)) {
            dwhi_strbuf_put(&b, run, (size_t)(p - run));
            dwhi_strbuf_puts(&b, LIT "lit.");
            p += LIT_LEN;
            run = p;
            continue;
        }
        size_t taken = 0;
        for (size_t i = 0; i < n && !taken; i++) {
            for (int f = 0; f < 4 && !taken; f++) {
                const char *t = sec[i].forms[f];
                size_t tl = sec[i].len[f];
                if (!tl || strncmp(p, t, tl)) continue;
                dwhi_strbuf_put(&b, run, (size_t)(p - run));
                dwhi_strbuf_puts(&b, REF);
                dwhi_strbuf_put(&b, &FORMS[f], 1);
                dwhi_strbuf_puts(&b, ":");
                dwhi_strbuf_puts(&b, sec[i].name);
                dwhi_strbuf_puts(&b, "}}");
                taken = tl;
            }
        }
        /* Any other spelling, or a secret with no name: masked. */
        for (size_t i = 0; i < n && !taken; i++) {
            taken = dwhi_secrets_match_at(p, sec[i].value);
            if (taken) {
                dwhi_strbuf_put(&b, run, (size_t)(p - run));
                dwhi_strbuf_puts(&b, MASKED);
                hidden++;
            }
        }
        if (!taken) {
            p++;
            continue;
        }
        p += taken;
        run = p;
    }
    dwhi_strbuf_put(&b, run, strlen(run));
    for (size_t i = 0; i < n; i++)
        for (int f = 0; f < 4; f++) free(sec[i].forms[f]);
    free(sec);
    if (masked) *masked = hidden;
    return dwhi_strbuf_take(&b);
}

/* The current value a reference names, or NULL. */
static const char *resolve(dw_ctx *ctx, const char *name) {
    if (!strncmp(name, "config:", 7)) {
        json_object *v = ctx->config ? dwhi_json_path(ctx->config, name + 7) : NULL;
        return v ? value_text(v) : NULL;
    }
    if (!strncmp(name, "runtime:", 8)) {
        char *end = NULL;
        unsigned long k = strtoul(name + 8, &end, 10);
        if (end == name + 8 || *end || k >= ctx->n_runtime_secrets) return NULL;
        return ctx->runtime_secrets[k];
    }
    return NULL;
}

char *dwhi_state_secrets_restore(dw_ctx *ctx, const char *stored, char **why) {
    *why = NULL;
    if (!stored) return NULL;
    dwhi_strbuf b = {0};
    dwhi_strbuf_put(&b, "", 0);
    const char *p = stored;
    for (;;) {
        const char *at = strstr(p, LIT);
        if (!at) break;
        dwhi_strbuf_put(&b, p, (size_t)(at - p));
        if (!strncmp(at + LIT_LEN, "lit.", 4)) {
            dwhi_strbuf_puts(&b, LIT);
            p = at + LIT_LEN + 4;
            continue;
        }
        const char *end = !strncmp(at, REF, REF_LEN) ? strstr(at + REF_LEN, "}}") : NULL;
        if (!end) { /* not ours: kept as is */
            dwhi_strbuf_put(&b, at, LIT_LEN);
            p = at + LIT_LEN;
            continue;
        }
        char ref[320];
        size_t rl = (size_t)(end - at - REF_LEN);
        const char *value = NULL;
        char form = 0;
        if (rl < sizeof ref) {
            memcpy(ref, at + REF_LEN, rl);
            ref[rl] = 0;
            if (rl > 2 && ref[1] == ':' && strchr(FORMS, ref[0])) {
                form = ref[0];
                value = ctx ? resolve(ctx, ref + 2) : NULL;
            }
        }
        char *text = value ? form_text(value, form) : NULL;
        if (!text) {
            if (value) b.oom = 1;
            else if (rl < sizeof ref && !strcmp(ref, "masked")
                         ? asprintf(why, "a secret in it was masked when it was saved") < 0
                         : asprintf(why, "it refers to the secret %s, which this run does not have",
                                    rl < sizeof ref && form ? ref + 2 : "(damaged reference)") < 0)
                *why = NULL;
            free(b.s);
            return NULL;
        }
        dwhi_strbuf_puts(&b, text);
        free(text);
        p = end + 2;
    }
    dwhi_strbuf_puts(&b, p);
    return dwhi_strbuf_take(&b);
}
