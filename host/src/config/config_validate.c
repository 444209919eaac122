/* config_validate.c -- validate a user's config against a form (see
 * config_validate.h).  One walk over the field tree: each field kind reads
 * its value from the input object and, when valid, writes the normalised
 * value into the output object. */
#include "config_validate.h"
#include "base/array_grow.h"
#include "base/strbuf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_fields.h"
#include "config_secrets.h"
#include "base/text.h"
#include "url/http_url.h"

typedef struct vstate {
    const dwhi_config_options *opt;
    dwhi_config_report *rep;
    int errors_before;
} vstate;

/* ---- small helpers ------------------------------------------------------ */

/* prefix.name: a user's key is quoted through the excerpt helper, so a
 * 10 MB key makes a path of a few dozen bytes. */
static char *join(const char *prefix, const char *name) {
    char *n = dwhi_text_excerpt(name, strlen(name), DWHI_TEXT_EXCERPT_MAX, 0);
    if (!n) return NULL;
    if (!prefix || !*prefix) return n;
    char *p = dwhi_strf("%s.%s", prefix, n);
    free(n);
    return p;
}

static void error(vstate *vs, const char *path, const char *expected, const char *got) {
    dwhi_config_report_error(vs->rep, path, expected, got);
}

/* Takes ownership of expected/got. */
static void error_own(vstate *vs, const char *path, char *expected, char *got) {
    dwhi_config_report_error(vs->rep, path, expected ? expected : "(out of memory)", got ? got : "(out of memory)");
    free(expected);
    free(got);
}

static void warning(vstate *vs, const char *path, const char *expected, const char *got) {
    dwhi_config_report_warning(vs->rep, path, expected, got);
}

static json_object *get(json_object *obj, const char *key) {
    json_object *v = NULL;
    if (!key || !json_object_is_type(obj, json_type_object)) return NULL;
    json_object_object_get_ex(obj, key, &v);
    return v; /* JSON null is NULL: absent */
}

static size_t utf8_chars(const char *s, size_t len) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) n++;
    return n;
}

/* What the user gave, in words.  secret: describe by shape only. */
static char *describe(json_object *v, int secret) {
    if (!v) return strdup("null");
    switch (json_object_get_type(v)) {
    case json_type_boolean:
        return secret ? strdup("a boolean") : strdup(json_object_get_boolean(v) ? "true" : "false");
    case json_type_int:
    case json_type_double:
        return secret ? strdup("a number") : dwhi_strf("the number %s", json_object_to_json_string(v));
    case json_type_string: {
        const char *s = json_object_get_string(v);
        size_t len = (size_t)json_object_get_string_len(v);
        if (len == 0) return strdup("an empty string");
        size_t chars = utf8_chars(s, len);
        if (secret) return dwhi_strf("a string of %zu character%s", chars, chars == 1 ? "" : "s");
        /* Quoted (control characters escaped) and bounded. */
        char *q = dwhi_text_excerpt(s, len, DWHI_TEXT_EXCERPT_MAX, 1);
        char *out = q ? dwhi_strf("the string %s", q) : NULL;
        free(q);
        return out;
    }
    case json_type_array: {
        size_t n = json_object_array_length(v);
        if (n == 0) return strdup("an empty array");
        return dwhi_strf("an array of %zu item%s", n, n == 1 ? "" : "s");
    }
    case json_type_object:
        if (dwhi_secret_ref_kind_of(v) != DWHI_REF_NONE) return strdup("a secret reference");
        return json_object_object_length(v) ? strdup("an object") : strdup("an empty object");
    default:
        return strdup("a value");
    }
}

static void type_error(vstate *vs, const char *path, const char *expected, json_object *v, int secret) {
    error_own(vs, path, strdup(expected), describe(v, secret));
}

static void missing(vstate *vs, const char *path, const char *what) {
    error_own(vs, path, dwhi_strf("%s (required)", what), strdup("nothing"));
}

/* A string value with no NUL inside (C consumers would cut it). */
static int is_clean_string(json_object *v) {
    return json_object_is_type(v, json_type_string) &&
           strlen(json_object_get_string(v)) == (size_t)json_object_get_string_len(v);
}

/* ---- number parsing (the reference's int()) --------------------------- */

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

int dwhi_parse_int_text(const char *s, size_t len, int64_t *out) {
    size_t i = 0, end = len;
    while (i < end && is_space(s[i])) i++;
    while (end > i && is_space(s[end - 1])) end--;
    if (i == end) return -3;
    int neg = 0;
    if (s[i] == '+' || s[i] == '-') neg = s[i++] == '-';
    if (i == end) return -1;
    uint64_t acc = 0;
    const uint64_t limit = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
    int overflow = 0, prev_digit = 0;
    for (; i < end; i++) {
        char c = s[i];
        if (c == '_') {
            /* single underscores between digits only */
            if (!prev_digit || i + 1 >= end || s[i + 1] < '0' || s[i + 1] > '9') return -1;
            prev_digit = 0;
            continue;
        }
        if (c < '0' || c > '9') return -1;
        prev_digit = 1;
        unsigned d = (unsigned)(c - '0');
        if (acc > (limit - d) / 10) overflow = 1;
        else acc = acc * 10 + d;
    }
    if (overflow) return -2;
    if (neg) *out = acc == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)acc;
    else *out = (int64_t)acc;
    return 0;
}

/* A JSON value as a whole number: ints, integral doubles, numeric strings.
 * Returns 0 ok, -1 not whole, -2 overflow, -3 blank string, -4 wrong type. */
static int value_to_int(json_object *v, int64_t *out) {
    switch (json_object_get_type(v)) {
    case json_type_int: {
        const char *t = json_object_to_json_string(v);
        return dwhi_parse_int_text(t, strlen(t), out);
    }
    case json_type_double: {
        double d = json_object_get_double(v);
        if (!isfinite(d) || d != floor(d)) return -1;
        if (d < -9223372036854775808.0 || d >= 9223372036854775808.0) return -2;
        *out = (int64_t)d;
        return 0;
    }
    case json_type_string:
        return dwhi_parse_int_text(json_object_get_string(v), (size_t)json_object_get_string_len(v), out);
    default:
        return -4;
    }
}

/* ---- input shape checks -------------------------------------------------- */

static int looks_like_email(const char *s) {
    size_t len = strlen(s);
    if (len > 254) return 0;
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@')) return 0;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == ',' || *p == ';' || *p == '<' || *p == '>') return 0;
    const char *dom = at + 1;
    const char *dot = strrchr(dom, '.');
    if (!*dom || !dot || dot == dom || dot[1] == 0 || dom[0] == '.' || strstr(dom, "..")) return 0;
    return 1;
}

static int two_digits(const char *p, int max) {
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9') return 0;
    return (p[0] - '0') * 10 + (p[1] - '0') <= max;
}

static int looks_like_time(const char *s) {
    size_t len = strlen(s);
    if (len != 5 && len != 8) return 0;
    if (!two_digits(s, 23) || s[2] != ':' || !two_digits(s + 3, 59)) return 0;
    return len == 5 || (s[5] == ':' && two_digits(s + 6, 59));
}

static const char *input_expectation(uint32_t type) {
    switch (type) {
    case DW_INPUT_EMAIL: return "an email address like name@example.com";
    case DW_INPUT_URL: return "an http or https URL like https://example.com";
    case DW_INPUT_TIME: return "a time of day as HH:MM or HH:MM:SS (24-hour)";
    case DW_INPUT_NUMBER: return "a whole number (or a string holding one)";
    default: return "a string";
    }
}

/* ---- UTF-8 ----------------------------------------------------------------- */

/* Reports every key and string of `v` (at `path`, "" for the top) that is
 * not UTF-8.  No value is shown (it may be a secret): the path and the
 * byte where the text stops being UTF-8 find it.  Depth is bounded by the
 * parse (DWHI_CONFIG_MAX_DEPTH). */
static void check_utf8(vstate *vs, json_object *v, const char *path) {
    switch (json_object_get_type(v)) {
    case json_type_string: {
        size_t len = (size_t)json_object_get_string_len(v);
        size_t good = dwhi_utf8_valid_prefix(json_object_get_string(v), len);
        if (good < len)
            error_own(vs, *path ? path : "(config)", strdup("UTF-8 text"),
                      dwhi_strf("a string that is not valid UTF-8 (at byte %zu)", good + 1));
        return;
    }
    case json_type_array: {
        size_t n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++) {
            char *ip = dwhi_strf("%s[%zu]", path, i);
            if (!ip) {
                vs->rep->oom = 1;
                return;
            }
            check_utf8(vs, json_object_array_get_idx(v, i), ip);
            free(ip);
        }
        return;
    }
    case json_type_object: {
        json_object_object_foreach(v, key, val) {
            char *kp = join(path, key);
            if (!kp) {
                vs->rep->oom = 1;
                return;
            }
            size_t klen = strlen(key), good = dwhi_utf8_valid_prefix(key, klen);
            if (good < klen)
                error_own(vs, kp, strdup("a key in UTF-8"), dwhi_strf("a key that is not valid UTF-8 (at byte %zu)", good + 1));
            check_utf8(vs, val, kp);
            free(kp);
        }
        return;
    }
    default:
        return;
    }
}

/* ---- string length ------------------------------------------------------- */

/* Reports a string longer than `max` bytes (by its length only: it may be
 * a secret) and returns 1; 0 for anything else. */
static int too_long(vstate *vs, const char *path, json_object *v, size_t max) {
    if (!json_object_is_type(v, json_type_string) || (size_t)json_object_get_string_len(v) <= max) return 0;
    error_own(vs, path, dwhi_strf("a string of at most %zu bytes", max),
              dwhi_strf("a string of %zu bytes", (size_t)json_object_get_string_len(v)));
    return 1;
}

/* ---- secret references --------------------------------------------------- */

/* When v is a reference: resolves it (secret slots only) into a new string
 * object (*out, caller puts) and returns 1; reports and returns -1 on
 * failure; returns 0 when v is a literal.  Either way a string longer
 * than `max` bytes is reported (-1). */
static int take_reference(vstate *vs, const char *path, json_object *v, int secret_slot, size_t max,
                          json_object **out) {
    *out = NULL;
    dwhi_secret_ref_kind k = dwhi_secret_ref_kind_of(v);
    if (k == DWHI_REF_NONE) return too_long(vs, path, v, max) ? -1 : 0;
    if (!secret_slot) {
        error(vs, path,
              "a literal value (secret references {\"$env\"} / {\"$file\"} are accepted only in secret fields)",
              "a secret reference");
        return -1;
    }
    if (vs->opt && vs->opt->no_references) {
        error(vs, path, "a literal value (secret references are not resolved here)", "a secret reference");
        return -1;
    }
    char *value = NULL, *expected = NULL, *got = NULL;
    size_t len = 0;
    if (dwhi_secret_ref_resolve(v, vs->opt ? vs->opt->base_dir : NULL, &value, &len, &expected, &got) != 0) {
        error_own(vs, path, expected, got);
        return -1;
    }
    if (vs->opt && vs->opt->resolved) dwhi_secrets_add(vs->opt->resolved, value);
    *out = json_object_new_string_len(value, (int)len);
    free(value);
    if (!*out) {
        error(vs, path, "memory for the resolved value", "out of memory");
        return -1;
    }
    if (too_long(vs, path, *out, max)) {
        json_object_put(*out);
        *out = NULL;
        return -1;
    }
    return 1;
}

/* ---- unknown keys ------------------------------------------------------ */

static size_t edit_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) return 99;
    size_t prev[65], cur[65];
    for (size_t j = 0; j <= lb; j++) prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof prev[0]);
    }
    return prev[lb];
}

/* A set of key names (borrowed strings), grown on demand. */
typedef struct keyset {
    const char **names;
    size_t n, cap;
} keyset;

#define KEYSET_INIT {NULL, 0, 0}

static void keyset_add(keyset *k, const char *name) {
    if (!name) return;
    for (size_t i = 0; i < k->n; i++)
        if (!strcmp(k->names[i], name)) return;
    /* on failure a missing name only makes a key look unknown */
    if (dwhi_array_grow((void **)&k->names, &k->cap, k->n + 1, sizeof *k->names, 16) != 0) return;
    k->names[k->n++] = name;
}

static void keyset_free(keyset *k) {
    free(k->names);
    k->names = NULL;
    k->n = k->cap = 0;
}

static int keyset_has(const keyset *k, const char *name) {
    for (size_t i = 0; i < k->n; i++)
        if (!strcmp(k->names[i], name)) return 1;
    return 0;
}

static void keyset_add_fields(keyset *k, const dw_field *fields, uint32_t n) {
    if (!fields) return;
    for (uint32_t i = 0; i < n; i++) keyset_add(k, fields[i].name);
}

static void report_unknown(vstate *vs, const char *prefix, const char *key, const keyset *known) {
    char *path = join(prefix, key);
    /* The list of keys, and the nearest one when it is a likely typo. */
    dwhi_strbuf names = {0};
    const char *best = NULL;
    size_t best_d = 3;
    for (size_t i = 0; i < known->n; i++) {
        if (i) dwhi_strbuf_puts(&names, ", ");
        dwhi_strbuf_puts(&names, known->names[i]);
        size_t d = edit_distance(key, known->names[i]);
        if (d < best_d) {
            best_d = d;
            best = known->names[i];
        }
    }
    char *list = dwhi_strbuf_take(&names);
    char *expected;
    if (known->n == 0)
        expected = strdup("no keys here");
    else if (best)
        expected = dwhi_strf("one of the known keys (%s; did you mean \"%s\"?)", list ? list : "", best);
    else
        expected = dwhi_strf("one of the known keys (%s)", list ? list : "");
    free(list);
    error_own(vs, path ? path : key, expected, strdup("an unknown key"));
    free(path);
}

/* Reports keys of `in` not in `known`; keys in `ignored` get a warning that
 * they were dropped, naming `why`. */
static void check_keys(vstate *vs, json_object *in, const char *prefix, const keyset *known, const keyset *ignored,
                       const char *why) {
    if (!json_object_is_type(in, json_type_object)) return;
    json_object_object_foreach(in, key, val) {
        if (keyset_has(known, key)) continue;
        if (ignored && keyset_has(ignored, key)) {
            if (val) {
                char *path = join(prefix, key);
                warning(vs, path ? path : key, why, "a value, which is ignored");
                free(path);
            }
            continue;
        }
        report_unknown(vs, prefix, key, known);
    }
}

/* ---- the walk ------------------------------------------------------------ */

static void validate_fields(vstate *vs, const dw_field *fields, uint32_t n, json_object *in, json_object *out,
                            const char *prefix);

/* Adds key -> value (consumed) to out; value NULL adds nothing. */
static void put(json_object *out, const char *key, json_object *value) {
    if (value) json_object_object_add(out, key, value);
}

/* Inputs.  Returns the normalised value (new) or NULL (absent or error). */
static json_object *validate_input(vstate *vs, const dw_field *f, json_object *v, const char *path) {
    int secret = dwhi_field_is_secret(f);
    json_object *resolved = NULL;
    int r = take_reference(vs, path, v, secret, DWHI_CONFIG_STRING_MAX, &resolved);
    if (r < 0) return NULL;
    if (r > 0) v = resolved;

    json_object *result = NULL;
    const char *expect = input_expectation(f->input_type);
    int from_default = 0;
    json_object *def = NULL;
    /* Blank strings are how forms say "not set". */
    if (v && json_object_is_type(v, json_type_string)) {
        int64_t dummy;
        const char *s = json_object_get_string(v);
        size_t len = (size_t)json_object_get_string_len(v);
        int blank = len == 0 || (f->input_type == DW_INPUT_NUMBER && dwhi_parse_int_text(s, len, &dummy) == -3);
        if (blank) {
            if (f->required && !(f->default_value && *f->default_value)) {
                error_own(vs, path, dwhi_strf("%s (required)", f->input_type == DW_INPUT_NUMBER ? expect : "a non-empty string"),
                          strdup(len ? "a blank string" : "an empty string"));
                goto out;
            }
            v = NULL;
        }
    }
    if (!v) {
        if (!f->default_value || !*f->default_value) {
            if (f->required) missing(vs, path, expect);
            goto out;
        }
        def = json_object_new_string(f->default_value);
        v = def;
        from_default = 1;
    }

    if (f->input_type == DW_INPUT_NUMBER) {
        int64_t n = 0;
        int rc = value_to_int(v, &n);
        if (rc == 0) {
            result = json_object_new_int64(n);
        } else if (from_default) {
            error_own(vs, path, strdup("a default_value the form can use (a whole number)"),
                      dwhi_strf("\"%s\" in the plugin's form: report it to the plugin's author", f->default_value));
        } else if (rc == -2) {
            type_error(vs, path, "a whole number from -9223372036854775808 to 9223372036854775807", v, secret);
        } else {
            type_error(vs, path, expect, v, secret);
        }
        goto out;
    }
    if (!json_object_is_type(v, json_type_string)) {
        type_error(vs, path, secret ? "a string, or a secret reference {\"$env\": \"NAME\"} / {\"$file\": \"PATH\"}" : expect,
                   v, secret);
        goto out;
    }
    if (!is_clean_string(v)) {
        error(vs, path, "a string without NUL characters", "a string holding a NUL character");
        goto out;
    }
    const char *s = json_object_get_string(v);
    int ok = 1;
    switch (f->input_type) {
    case DW_INPUT_EMAIL: ok = looks_like_email(s); break;
    case DW_INPUT_URL: ok = dwhi_url_is_web(s); break;
    case DW_INPUT_TIME: ok = looks_like_time(s); break;
    default: break;
    }
    if (!ok) {
        type_error(vs, path, expect, v, secret);
        goto out;
    }
    result = json_object_new_string_len(s, json_object_get_string_len(v));
out:
    json_object_put(resolved);
    json_object_put(def);
    return result;
}

/* ---- selects ------------------------------------------------------------- */

static int str_to_bool(const char *s) {
    return !strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcmp(s, "1");
}

/* The converted value of an option (new JSON, or NULL for str_to_optional_int
 * blanks).  *bad set when the option value does not convert (plugin bug). */
static json_object *convert_option(const dw_field *f, const char *value, int *bad) {
    *bad = 0;
    int64_t n;
    switch (f->converter) {
    case DW_CONVERT_STR_TO_INT:
        if (dwhi_parse_int_text(value, strlen(value), &n) != 0) {
            *bad = 1;
            return NULL;
        }
        return json_object_new_int64(n);
    case DW_CONVERT_STR_TO_OPTIONAL_INT: {
        int rc = dwhi_parse_int_text(value, strlen(value), &n);
        if (rc == -3) return NULL;
        if (rc != 0) {
            *bad = 1;
            return NULL;
        }
        return json_object_new_int64(n);
    }
    case DW_CONVERT_STR_TO_BOOL:
        return json_object_new_boolean(str_to_bool(value));
    default:
        return json_object_new_string(value);
    }
}

/* Finds the option `v` names: by its value text, or (numbers and booleans)
 * by the converted value. */
static const dw_select_option *select_match(const dw_field *f, json_object *v) {
    if (!f->options) return NULL;
    enum json_type t = json_object_get_type(v);
    for (uint32_t i = 0; i < f->n_options; i++) {
        const char *ov = f->options[i].value;
        if (!ov) continue;
        if (t == json_type_string) {
            if (is_clean_string(v) && !strcmp(json_object_get_string(v), ov)) return &f->options[i];
        } else if (t == json_type_int || t == json_type_double) {
            int64_t a, b;
            const char *text = json_object_to_json_string(v);
            if (!strcmp(text, ov)) return &f->options[i];
            if (f->converter != DW_CONVERT_NONE && f->converter != DW_CONVERT_STR_TO_BOOL &&
                value_to_int(v, &a) == 0 && dwhi_parse_int_text(ov, strlen(ov), &b) == 0 && a == b)
                return &f->options[i];
        } else if (t == json_type_boolean) {
            int b = json_object_get_boolean(v);
            if (f->converter == DW_CONVERT_STR_TO_BOOL) {
                if (str_to_bool(ov) == b) return &f->options[i];
            } else if (!strcmp(ov, b ? "true" : "false")) {
                return &f->options[i];
            }
        }
    }
    return NULL;
}

static char *options_list(const dw_field *f) {
    dwhi_strbuf b = {0};
    dwhi_strbuf_put(&b, "", 0);
    for (uint32_t i = 0; f->options && i < f->n_options; i++) {
        if (i == 24) {
            char *s = dwhi_strbuf_take(&b);
            char *more = s ? dwhi_strf("%s, ... (%u options)", s, f->n_options) : NULL;
            free(s);
            return more;
        }
        json_object *q = json_object_new_string(f->options[i].value ? f->options[i].value : "");
        if (i) dwhi_strbuf_puts(&b, ", ");
        dwhi_strbuf_puts(&b, q ? json_object_to_json_string_ext(q, JSON_C_TO_STRING_NOSLASHESCAPE) : "\"\"");
        json_object_put(q);
    }
    return dwhi_strbuf_take(&b);
}

static char *select_expectation(const dw_field *f, int multiple) {
    char *list = options_list(f);
    char *e = multiple ? dwhi_strf("an array of values among %s", list ? list : "the options")
                       : dwhi_strf("one of %s", list ? list : "the options");
    free(list);
    return e;
}

/* One chosen value -> its converted output, or reports and returns NULL.
 * *absent set when the converted value is "no value" (optional int). */
static json_object *select_one(vstate *vs, const dw_field *f, json_object *v, const char *path,
                               const dw_select_option **chosen, int *absent) {
    *absent = 0;
    const dw_select_option *o = select_match(f, v);
    if (chosen) *chosen = o;
    if (!o) {
        error_own(vs, path, select_expectation(f, 0), describe(v, 0));
        return NULL;
    }
    int bad = 0;
    json_object *c = convert_option(f, o->value, &bad);
    if (bad) {
        error_own(vs, path, strdup("an option value its converter accepts"),
                  dwhi_strf("\"%s\" in the plugin's form: report it to the plugin's author", o->value));
        return NULL;
    }
    if (!c) *absent = 1;
    return c;
}

static void validate_select(vstate *vs, const dw_field *f, json_object *v, const char *path, json_object *out) {
    json_object *def = NULL;
    if (v && json_object_is_type(v, json_type_string) && json_object_get_string_len(v) == 0 &&
        !select_match(f, v))
        v = NULL; /* "" means not set, unless it is an option */
    if (!v && f->default_value) {
        def = json_object_new_string(f->default_value);
        v = def;
    }

    if (f->multiple) {
        if (!v) {
            if (f->required) {
                char *e = select_expectation(f, 1);
                error_own(vs, path, dwhi_strf("%s (required)", e ? e : "values among the options"), strdup("nothing"));
                free(e);
            }
            goto done;
        }
        json_object *arr = NULL, *single = NULL;
        if (json_object_is_type(v, json_type_array)) {
            arr = v;
        } else if (v == def) { /* a single default for a multiple select */
            single = json_object_new_array();
            json_object_array_add(single, json_object_get(v));
            arr = single;
        } else {
            error_own(vs, path, select_expectation(f, 1), describe(v, 0));
            goto done;
        }
        size_t n = json_object_array_length(arr);
        if (n == 0 && f->required) {
            error_own(vs, path, dwhi_strf("%s, at least one (required)", select_expectation(f, 1)), strdup("an empty array"));
            json_object_put(single);
            goto done;
        }
        json_object *res = json_object_new_array();
        int ok = 1;
        for (size_t i = 0; i < n; i++) {
            char *ip = dwhi_strf("%s[%zu]", path, i);
            int absent;
            json_object *c = select_one(vs, f, json_object_array_get_idx(arr, i), ip ? ip : path, NULL, &absent);
            free(ip);
            if (c) json_object_array_add(res, c);
            else if (!absent) ok = 0;
        }
        json_object_put(single);
        if (ok) put(out, f->name, res);
        else json_object_put(res);
        goto done;
    }

    int has_sub = dwhi_select_has_subfields(f);
    json_object *obj = NULL, *sel = v;
    if (has_sub && json_object_is_type(v, json_type_object)) {
        obj = v;
        sel = get(v, "selection");
        if (sel && json_object_is_type(sel, json_type_string) && json_object_get_string_len(sel) == 0) sel = NULL;
        if (!sel && f->default_value) {
            def = def ? def : json_object_new_string(f->default_value);
            sel = def;
        }
    }
    char *sel_path = obj ? join(path, "selection") : strdup(path);
    if (!sel) {
        if (f->required || obj) missing(vs, sel_path ? sel_path : path, "a value among the options");
        if (!obj) {
            free(sel_path);
            goto done;
        }
    }
    if (sel && json_object_is_type(sel, json_type_object)) {
        char *e = select_expectation(f, 0);
        error_own(vs, sel_path ? sel_path : path,
                  has_sub ? dwhi_strf("%s, or {\"selection\": value, <the option's fields>}", e ? e : "") : strdup(e ? e : ""),
                  describe(sel, 0));
        free(e);
        free(sel_path);
        goto done;
    }
    const dw_select_option *chosen = NULL;
    int absent = 0;
    json_object *c = sel ? select_one(vs, f, sel, sel_path ? sel_path : path, &chosen, &absent) : NULL;
    free(sel_path);

    if (!has_sub) {
        put(out, f->name, c);
        goto done;
    }
    /* {"selection": value, <fields of the chosen option>}; the fields of
     * other options are dropped with a warning. */
    keyset known = KEYSET_INIT, other = KEYSET_INIT;
    keyset_add(&known, "selection");
    if (chosen) keyset_add_fields(&known, chosen->fields, chosen->n_fields);
    /* When no option matched, its error is enough: accept every option's
     * fields quietly rather than piling warnings on. */
    for (uint32_t i = 0; i < f->n_options; i++)
        if (&f->options[i] != chosen)
            keyset_add_fields(chosen ? &other : &known, f->options[i].fields, f->options[i].n_fields);
    json_object *res = json_object_new_object();
    if (c) json_object_object_add(res, "selection", c);
    if (chosen) validate_fields(vs, chosen->fields, chosen->n_fields, obj, res, path);
    if (obj) {
        char *why = chosen ? dwhi_strf("only the fields of the chosen option \"%s\"", chosen->value) : NULL;
        check_keys(vs, obj, path, &known, &other, why ? why : "only the fields of the chosen option");
        free(why);
    }
    keyset_free(&known);
    keyset_free(&other);
    if (chosen) put(out, f->name, res);
    else json_object_put(res);
done:
    json_object_put(def);
}

/* ---- switch groups ------------------------------------------------------- */

/* A switch-like value (a switch group, an SSH tunnel): true/false, or an
 * object with an optional boolean "enabled" and the fields.  Sets
 * *enabled (default `dflt`) and *obj (the object, or NULL); returns -1
 * after reporting a wrong type (`expected` describes the object form). */
static int read_switch(vstate *vs, json_object *v, const char *path, int dflt, const char *expected, int *enabled,
                       json_object **obj) {
    *enabled = dflt;
    *obj = NULL;
    if (!v) return 0;
    if (json_object_is_type(v, json_type_boolean)) {
        *enabled = json_object_get_boolean(v);
        return 0;
    }
    if (!json_object_is_type(v, json_type_object)) {
        type_error(vs, path, expected, v, 0);
        return -1;
    }
    *obj = v;
    json_object *e = get(v, "enabled");
    if (e && !json_object_is_type(e, json_type_boolean)) {
        char *ep = join(path, "enabled");
        type_error(vs, ep ? ep : path, "true or false", e, 0);
        free(ep);
        return -1;
    }
    if (e) *enabled = json_object_get_boolean(e);
    return 0;
}

static void validate_group(vstate *vs, const dw_field *f, json_object *v, const char *path, json_object *out) {
    int enabled;
    json_object *obj;
    if (read_switch(vs, v, path, f->default_on != 0,
                    "true, false, or an object {\"enabled\": true, <the group's fields>}", &enabled, &obj) < 0)
        return;
    json_object *res = json_object_new_object();
    json_object_object_add(res, "enabled", json_object_new_boolean(enabled));
    keyset known = KEYSET_INIT, sub = KEYSET_INIT;
    keyset_add(&known, "enabled");
    keyset_add_fields(&sub, f->fields, f->n_fields);
    if (enabled) {
        keyset_add_fields(&known, f->fields, f->n_fields);
        validate_fields(vs, f->fields, f->n_fields, obj, res, path);
        check_keys(vs, obj, path, &known, NULL, NULL);
    } else {
        check_keys(vs, obj, path, &known, &sub, "\"enabled\": true for the group's fields to be used");
    }
    keyset_free(&known);
    keyset_free(&sub);
    put(out, f->name, res);
}

/* ---- OAuth --------------------------------------------------------------- */

/* Non-zero when every space-separated scope of `need` is in `have`. */
static void missing_scopes(const char *need, const char *have, char *buf, size_t cap) {
    buf[0] = 0;
    size_t len = 0;
    const char *p = need;
    while (*p) {
        while (*p == ' ') p++;
        const char *e = p;
        while (*e && *e != ' ') e++;
        if (e > p) {
            int found = 0;
            const char *q = have;
            while (*q && !found) {
                while (*q == ' ') q++;
                const char *qe = q;
                while (*qe && *qe != ' ') qe++;
                if (qe - q == e - p && !strncmp(q, p, (size_t)(e - p))) found = 1;
                q = qe;
            }
            if (!found && len + (size_t)(e - p) + 2 < cap) {
                if (len) buf[len++] = ' ';
                memcpy(buf + len, p, (size_t)(e - p));
                len += (size_t)(e - p);
                buf[len] = 0;
            }
        }
        p = e;
    }
}

static void validate_oauth(vstate *vs, const dw_field *f, json_object *v, const char *path, json_object *out) {
    static const char expect[] = "an OAuth token: {\"access_token\": ..., \"refresh_token\"?, \"scope\"?, "
                                 "\"token_type\"?, \"expires_at\"?} or the access token as a string";
    if (!v) {
        if (f->required) missing(vs, path, expect);
        return;
    }
    json_object *res = json_object_new_object();
    int ok = 1;
    if (json_object_is_type(v, json_type_string) || dwhi_secret_ref_kind_of(v) != DWHI_REF_NONE) {
        /* shorthand: the access token itself */
        json_object *resolved = NULL;
        int r = take_reference(vs, path, v, 1, DWHI_CONFIG_STRING_MAX, &resolved);
        json_object *tok = r > 0 ? resolved : v;
        if (r < 0) ok = 0;
        else if (!is_clean_string(tok) || json_object_get_string_len(tok) == 0) {
            error_own(vs, path, strdup("a non-empty access token"), describe(tok, 1));
            ok = 0;
        } else {
            json_object_object_add(res, "access_token", json_object_new_string(json_object_get_string(tok)));
        }
        json_object_put(resolved);
    } else if (json_object_is_type(v, json_type_object)) {
        size_t nk;
        const dwhi_oauth_key *keys = dwhi_oauth_keys(&nk);
        keyset known = KEYSET_INIT;
        for (size_t j = 0; j < nk; j++) {
            keyset_add(&known, keys[j].name);
            const dwhi_oauth_key *k = &keys[j];
            json_object *kv = get(v, k->name);
            char *kp = join(path, k->name);
            const char *p = kp ? kp : path;
            json_object *resolved = NULL;
            int r = take_reference(vs, p, kv, k->secret, DWHI_CONFIG_STRING_MAX, &resolved);
            if (r < 0) {
                ok = 0;
            } else {
                if (r > 0) kv = resolved;
                if (!kv || (json_object_is_type(kv, json_type_string) && json_object_get_string_len(kv) == 0)) {
                    if (k->required) {
                        missing(vs, p, "a non-empty string");
                        ok = 0;
                    }
                } else if (k->is_number_or_string && (json_object_is_type(kv, json_type_int) || is_clean_string(kv))) {
                    json_object_object_add(res, k->name, json_object_get(kv));
                } else if (is_clean_string(kv)) {
                    json_object_object_add(res, k->name, json_object_new_string(json_object_get_string(kv)));
                } else {
                    type_error(vs, p, k->is_number_or_string ? "seconds since the epoch or an ISO-8601 string" : "a string",
                               kv, k->secret);
                    ok = 0;
                }
            }
            json_object_put(resolved);
            free(kp);
        }
        check_keys(vs, v, path, &known, NULL, NULL);
        keyset_free(&known);
    } else {
        type_error(vs, path, expect, v, 1);
        ok = 0;
    }
    if (ok && f->required_scopes && *f->required_scopes) {
        json_object *scope = get(res, "scope");
        if (scope) {
            char miss[1024];
            missing_scopes(f->required_scopes, json_object_get_string(scope), miss, sizeof miss);
            if (miss[0]) {
                char *sp = join(path, "scope");
                char *e = dwhi_strf("a token granting the scopes \"%s\"", f->required_scopes);
                char *g = dwhi_strf("a token without \"%s\" (reconnect and grant them; endpoints needing them will fail)", miss);
                warning(vs, sp ? sp : path, e ? e : "", g ? g : "");
                free(sp);
                free(e);
                free(g);
            }
        }
    }
    if (ok) put(out, f->name, res);
    else json_object_put(res);
}

/* ---- OAuth account select ---------------------------------------------- */

static void validate_oauth_account(vstate *vs, const dw_field *f, json_object *v, const char *path, json_object *in,
                                   json_object *out) {
    const char *expect = f->multiple ? "an array of account ids (strings)" : "an account id (a string)";
    if (v && json_object_is_type(v, json_type_string) && json_object_get_string_len(v) == 0) v = NULL;
    if (!v) {
        if (f->required) missing(vs, path, expect);
        return;
    }
    if (f->integration_field && *f->integration_field && !get(in, f->integration_field)) {
        error_own(vs, path, dwhi_strf("the OAuth field \"%s\" to be set as well (accounts come from its integration)",
                                f->integration_field),
                  strdup("an account without an integration"));
        return;
    }
    if (!f->multiple) {
        if (!is_clean_string(v)) {
            type_error(vs, path, expect, v, 0);
            return;
        }
        if (too_long(vs, path, v, DWHI_CONFIG_STRING_MAX)) return;
        put(out, f->name, json_object_new_string(json_object_get_string(v)));
        return;
    }
    if (!json_object_is_type(v, json_type_array)) {
        type_error(vs, path, expect, v, 0);
        return;
    }
    size_t n = json_object_array_length(v);
    if (n == 0 && f->required) {
        error(vs, path, "an array of account ids, at least one (required)", "an empty array");
        return;
    }
    json_object *res = json_object_new_array();
    int ok = 1;
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(v, i);
        if (!is_clean_string(e) || json_object_get_string_len(e) == 0 ||
            (size_t)json_object_get_string_len(e) > DWHI_CONFIG_STRING_MAX) {
            char *ip = dwhi_strf("%s[%zu]", path, i);
            if (!too_long(vs, ip ? ip : path, e, DWHI_CONFIG_STRING_MAX))
                type_error(vs, ip ? ip : path, "an account id (a non-empty string)", e, 0);
            free(ip);
            ok = 0;
            continue;
        }
        json_object_array_add(res, json_object_new_string(json_object_get_string(e)));
    }
    if (ok) put(out, f->name, res);
    else json_object_put(res);
}

/* ---- file upload ----------------------------------------------------------- */

static int is_json_format(const dw_field *f) {
    return !f->file_format || !*f->file_format || !strcasecmp(f->file_format, ".json") ||
           !strcasecmp(f->file_format, "json");
}

static void validate_file(vstate *vs, const dw_field *f, json_object *v, const char *path, json_object *out) {
    int json = is_json_format(f);
    const char *expect = json ? "the uploaded file's JSON object (inline, as JSON text, or {\"$file\": \"PATH\"})"
                              : "the uploaded file's contents (a string, or {\"$file\": \"PATH\"})";
    if (v && json_object_is_type(v, json_type_string) && json_object_get_string_len(v) == 0) v = NULL;
    if (!v) {
        if (f->required) missing(vs, path, expect);
        return;
    }
    json_object *resolved = NULL, *parsed = NULL;
    /* An uploaded JSON file may hold "$" keys of its own ("$schema"): only a
     * well-formed reference is one.  And once references are resolved
     * (no_references: re-validating a validated config) an object here is
     * the file's content, whatever its keys look like. */
    dwhi_secret_ref_kind kind = dwhi_secret_ref_kind_of(v);
    int content = json && (kind == DWHI_REF_MALFORMED || (kind != DWHI_REF_NONE && vs->opt && vs->opt->no_references));
    int r = content ? 0 : take_reference(vs, path, v, 1, DWHI_SECRET_FILE_MAX, &resolved);
    if (r < 0) return;
    if (r > 0) v = resolved;
    if (!json) {
        if (!is_clean_string(v)) type_error(vs, path, expect, v, 1);
        else put(out, f->name, json_object_new_string(json_object_get_string(v)));
        goto done;
    }
    if (json_object_is_type(v, json_type_string)) {
        json_tokener *tok = json_tokener_new_ex(DWHI_CONFIG_TOKENER_DEPTH);
        if (tok) {
            const char *text = json_object_get_string(v);
            int len = json_object_get_string_len(v);
            parsed = json_tokener_parse_ex(tok, text, len);
            enum json_tokener_error jerr = json_tokener_get_error(tok);
            if (jerr != json_tokener_success || json_tokener_get_parse_end(tok) < (size_t)len) {
                /* trailing whitespace after the value is fine */
                size_t end = json_tokener_get_parse_end(tok);
                int only_space = jerr == json_tokener_success;
                for (size_t i = end; only_space && i < (size_t)len; i++) only_space = is_space(text[i]);
                if (!only_space) {
                    char depth[48];
                    snprintf(depth, sizeof depth, "nested deeper than %d levels", DWHI_CONFIG_MAX_DEPTH);
                    error_own(vs, path, strdup("a file holding one JSON object"),
                              dwhi_strf("text that is not valid JSON (%s at byte %zu)",
                                  jerr == json_tokener_success ? "extra data after the value"
                                  : jerr == json_tokener_error_depth ? depth
                                                                     : json_tokener_error_desc(jerr),
                                  end));
                    json_tokener_free(tok);
                    goto done;
                }
            }
            json_tokener_free(tok);
        }
        v = parsed;
        if (vs->opt && vs->opt->resolved && r > 0) dwhi_config_secrets_add_all(vs->opt->resolved, parsed);
    }
    if (!json_object_is_type(v, json_type_object)) {
        type_error(vs, path, expect, v, 1);
        goto done;
    }
    if (json_object_object_length(v) == 0 && f->required) {
        error(vs, path, "a JSON object with the file's keys (required)", "an empty object");
        goto done;
    }
    int ok = 1;
    if (!dwhi_file_keys_any(f)) {
        json_object_object_foreach(v, key, val) {
            (void)val;
            if (dwhi_file_key_allowed(f, key)) continue;
            keyset known = KEYSET_INIT;
            for (const char *const *k = f->file_keys; *k; k++) keyset_add(&known, *k);
            report_unknown(vs, path, key, &known);
            keyset_free(&known);
            ok = 0;
        }
    }
    if (ok) {
        json_object *copy = NULL;
        if (json_object_deep_copy(v, &copy, NULL) == 0) put(out, f->name, copy);
    }
done:
    json_object_put(parsed);
    json_object_put(resolved);
}

/* ---- SSH tunnel ------------------------------------------------------------ */

static int looks_like_host(const char *s) {
    if (!*s || strlen(s) > 253) return 0;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '/' || *p == '@' || *p == 0x7f) return 0;
    return 1;
}

static int looks_like_private_key(const char *s) {
    while (is_space(*s)) s++;
    return !strncmp(s, "-----BEGIN ", 11) && strstr(s, "-----END ") != NULL;
}

static void validate_ssh(vstate *vs, const dw_field *f, json_object *v, const char *path, json_object *out) {
    json_object *obj;
    int enabled;
    if (read_switch(vs, v, path, 0,
                    "an SSH tunnel object {\"enabled\", \"host\", \"port\", \"username\", \"auth_type\", ...}",
                    &enabled, &obj) < 0)
        return;
    size_t nk;
    const dwhi_ssh_key *keys = dwhi_ssh_keys(&nk);
    keyset known = KEYSET_INIT, ignored = KEYSET_INIT;
    json_object *res = json_object_new_object();
    json_object_object_add(res, "enabled", json_object_new_boolean(enabled));
    keyset_add(&known, "enabled");
    if (!enabled) {
        for (size_t j = 1; j < nk; j++) keyset_add(&ignored, keys[j].name);
        check_keys(vs, obj, path, &known, &ignored, "\"enabled\": true for the tunnel settings to be used");
        keyset_free(&known);
        keyset_free(&ignored);
        put(out, f->name, res);
        return;
    }
    int ok = 1;
    /* auth_type first: it decides which secret keys apply. */
    const char *auth = NULL;
    {
        json_object *a = get(obj, "auth_type");
        char *ap = join(path, "auth_type");
        if (a && json_object_is_type(a, json_type_object)) a = get(a, "selection"); /* {"selection": ...} form */
        if (!a || (json_object_is_type(a, json_type_string) && json_object_get_string_len(a) == 0)) {
            missing(vs, ap ? ap : path, "one of \"password\", \"keypair\"");
            ok = 0;
        } else if (is_clean_string(a) && (!strcmp(json_object_get_string(a), "password") ||
                                          !strcmp(json_object_get_string(a), "keypair"))) {
            auth = !strcmp(json_object_get_string(a), "password") ? "password" : "keypair";
            json_object_object_add(res, "auth_type", json_object_new_string(auth));
        } else {
            type_error(vs, ap ? ap : path, "one of \"password\", \"keypair\"", a, 0);
            ok = 0;
        }
        free(ap);
        keyset_add(&known, "auth_type");
    }
    for (size_t j = 1; j < nk; j++) {
        const dwhi_ssh_key *k = &keys[j];
        if (k->type == DWHI_SSH_AUTH) continue;
        if (k->only_for_auth && (!auth || strcmp(k->only_for_auth, auth) != 0)) {
            if (auth) keyset_add(&ignored, k->name);
            else keyset_add(&known, k->name); /* auth_type invalid: do not pile on */
            continue;
        }
        keyset_add(&known, k->name);
        json_object *kv = get(obj, k->name);
        char *kp = join(path, k->name);
        const char *p = kp ? kp : path;
        json_object *resolved = NULL;
        int r = take_reference(vs, p, kv, k->secret, DWHI_CONFIG_STRING_MAX, &resolved);
        if (r < 0) {
            ok = 0;
        } else {
            if (r > 0) kv = resolved;
            if (kv && json_object_is_type(kv, json_type_string) && json_object_get_string_len(kv) == 0) kv = NULL;
            if (k->type == DWHI_SSH_PORT) {
                int64_t port = 22;
                int rc = kv ? value_to_int(kv, &port) : 0;
                if (rc == -3) rc = 0, port = 22;
                if (rc != 0 || port < 1 || port > 65535) {
                    type_error(vs, p, "a port number from 1 to 65535", kv, 0);
                    ok = 0;
                } else {
                    json_object_object_add(res, k->name, json_object_new_int64(port));
                }
            } else if (!kv) {
                if (k->required) {
                    missing(vs, p, k->secret ? "a string, or a secret reference" : "a string");
                    ok = 0;
                }
            } else if (!is_clean_string(kv)) {
                type_error(vs, p, k->secret ? "a string, or a secret reference {\"$env\": \"NAME\"} / {\"$file\": \"PATH\"}"
                                            : "a string",
                           kv, k->secret);
                ok = 0;
            } else if (!strcmp(k->name, "host") && !looks_like_host(json_object_get_string(kv))) {
                type_error(vs, p, "a host name or IP address (no scheme, path or spaces)", kv, 0);
                ok = 0;
            } else if (!strcmp(k->name, "private_key") && !looks_like_private_key(json_object_get_string(kv))) {
                type_error(vs, p, "a private key in PEM or OpenSSH format (-----BEGIN ... -----END ...)", kv, 1);
                ok = 0;
            } else {
                json_object_object_add(res, k->name, json_object_new_string(json_object_get_string(kv)));
            }
        }
        json_object_put(resolved);
        free(kp);
    }
    char *why = auth ? dwhi_strf("only the keys of auth_type \"%s\"", auth) : NULL;
    check_keys(vs, obj, path, &known, &ignored, why ? why : "");
    free(why);
    keyset_free(&known);
    keyset_free(&ignored);
    if (ok) put(out, f->name, res);
    else json_object_put(res);
}

/* ---- dispatch ---------------------------------------------------------- */

static void validate_fields(vstate *vs, const dw_field *fields, uint32_t n, json_object *in, json_object *out,
                            const char *prefix) {
    if (!fields) return;
    for (uint32_t i = 0; i < n; i++) {
        const dw_field *f = &fields[i];
        if (!f->name || !*f->name) continue;
        json_object *v = get(in, f->name);
        char *path = join(prefix, f->name);
        if (!path) {
            vs->rep->oom = 1;
            return;
        }
        switch (f->kind) {
        case DW_FIELD_INPUT:
            put(out, f->name, validate_input(vs, f, v, path));
            break;
        case DW_FIELD_SWITCH_GROUP:
            validate_group(vs, f, v, path, out);
            break;
        case DW_FIELD_SELECT:
            validate_select(vs, f, v, path, out);
            break;
        case DW_FIELD_OAUTH:
            validate_oauth(vs, f, v, path, out);
            break;
        case DW_FIELD_OAUTH_ACCOUNT:
            validate_oauth_account(vs, f, v, path, in, out);
            break;
        case DW_FIELD_FILE_UPLOAD:
            validate_file(vs, f, v, path, out);
            break;
        case DW_FIELD_SSH_TUNNEL:
            validate_ssh(vs, f, v, path, out);
            break;
        default:
            /* The registry rejects unknown kinds; keep the value out. */
            break;
        }
        free(path);
    }
}

int dwhi_config_validate(const dw_field *fields, uint32_t n_fields, json_object *config,
                        const dwhi_config_options *opt, json_object **validated, dwhi_config_report *report) {
    *validated = NULL;
    vstate vs = {opt, report, 0};
    size_t before = report->n_errors;
    /* First: every later message may quote the text. */
    check_utf8(&vs, config, "");
    if (report->n_errors > before || report->oom) return -1;
    if (config && !json_object_is_type(config, json_type_object)) {
        type_error(&vs, "(config)", "a JSON object whose keys are the source's fields", config, 1);
        return -1;
    }
    json_object *out = json_object_new_object();
    if (!out) {
        report->oom = 1;
        return -1;
    }
    validate_fields(&vs, fields, n_fields, config, out, NULL);
    keyset known = KEYSET_INIT;
    keyset_add_fields(&known, fields, n_fields);
    check_keys(&vs, config, NULL, &known, NULL, NULL);
    keyset_free(&known);
    if (report->n_errors > before || report->oom) {
        json_object_put(out);
        return -1;
    }
    *validated = out;
    return 0;
}
