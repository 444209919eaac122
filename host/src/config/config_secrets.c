/* config_secrets.c -- secret keys, collection, masking and references
 * (see config_secrets.h). */
#include "config_secrets.h"
#include "base/array_grow.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_fields.h"
#include "base/text.h"

static const char MASK[] = "***";

/* ---- references ------------------------------------------------------ */

dwhi_secret_ref_kind dwhi_secret_ref_kind_of(json_object *v) {
    if (!json_object_is_type(v, json_type_object)) return DWHI_REF_NONE;
    int dollar = 0;
    json_object_object_foreach(v, key, val) {
        (void)val;
        if (key[0] == '$') dollar = 1;
    }
    if (!dollar) return DWHI_REF_NONE;
    if (json_object_object_length(v) != 1) return DWHI_REF_MALFORMED;
    json_object *x = NULL;
    if (json_object_object_get_ex(v, "$env", &x))
        return json_object_is_type(x, json_type_string) ? DWHI_REF_ENV : DWHI_REF_MALFORMED;
    if (json_object_object_get_ex(v, "$file", &x))
        return json_object_is_type(x, json_type_string) ? DWHI_REF_FILE : DWHI_REF_MALFORMED;
    return DWHI_REF_MALFORMED;
}

/* A printable, bounded copy of a name the user wrote (a variable name or a
 * path: not secret, but may hold control characters or be huge). */
static char *printable(const char *s, size_t len) { return dwhi_text_excerpt(s, len, DWHI_TEXT_EXCERPT_MAX, 0); }

static int fail2(char **expected, char **got, const char *e, const char *g) {
    *expected = strdup(e);
    *got = strdup(g);
    return -1;
}

static int valid_env_name(const char *s, size_t len) {
    if (len == 0 || len > 255 || strlen(s) != len) return 0;
    if (!(s[0] == '_' || (s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z'))) return 0;
    for (size_t i = 1; i < len; i++) {
        char c = s[i];
        if (!(c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return 0;
    }
    return 1;
}

static int resolve_env(json_object *name_v, char **value, size_t *len, char **expected, char **got) {
    const char *name = json_object_get_string(name_v);
    size_t nlen = (size_t)json_object_get_string_len(name_v);
    if (!valid_env_name(name, nlen)) {
        char *p = printable(name, nlen), *g = NULL;
        if (!p || asprintf(&g, "\"%s\"", p) < 0) g = NULL;
        free(p);
        int r = fail2(expected, got,
                      "an environment variable name (letters, digits and _, not starting with a digit) "
                      "in {\"$env\": NAME}",
                      g ? g : "an invalid name");
        free(g);
        return r;
    }
    const char *v = getenv(name);
    if (!v || !*v) {
        /* Unset, or (almost always a variable that was meant to be
         * exported) empty: say which. */
        char *e = NULL, *shown = printable(name, nlen);
        if (!shown || asprintf(&e, "environment variable %s to %s (from {\"$env\": \"%s\"})", shown,
                               v ? "hold a value" : "be set", shown) < 0)
            e = NULL;
        free(shown);
        int r = fail2(expected, got, e ? e : "an environment variable with a value", v ? "it set but empty" : "it unset");
        free(e);
        return r;
    }
    *value = strdup(v);
    if (!*value) return fail2(expected, got, "memory to copy the variable", "out of memory");
    *len = strlen(v);
    return 0;
}

static int file_error(char **expected, char **got, const char *path, const char *what) {
    char *e = NULL, *p = printable(path, strlen(path));
    if (!p || asprintf(&e, "a readable regular file at %s (from {\"$file\"})", p) < 0) e = NULL;
    int r = fail2(expected, got, e ? e : "a readable regular file", what);
    free(e);
    free(p);
    return r;
}

static int resolve_file(json_object *path_v, const char *base_dir, char **value, size_t *len, char **expected,
                        char **got) {
    const char *rel = json_object_get_string(path_v);
    size_t rlen = (size_t)json_object_get_string_len(path_v);
    if (rlen == 0 || strlen(rel) != rlen)
        return fail2(expected, got, "a file path in {\"$file\": PATH}", rlen ? "a path with a NUL byte" : "an empty path");
    char *path = NULL;
    if (rel[0] != '/' && base_dir && *base_dir) {
        if (asprintf(&path, "%s/%s", base_dir, rel) < 0) path = NULL;
    } else {
        path = strdup(rel);
    }
    if (!path) return fail2(expected, got, "memory for the path", "out of memory");

    char gotbuf[128];
    int rc = -1;
    struct stat st;
    int fd = -1;
    /* stat before open: never open a FIFO or a device (which could block or
     * have side effects); fstat after open closes the race. */
    if (stat(path, &st) != 0) {
        snprintf(gotbuf, sizeof gotbuf, "an error: %s", strerror(errno));
        rc = file_error(expected, got, path, gotbuf);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = file_error(expected, got, path, S_ISDIR(st.st_mode) ? "a directory" : "something that is not a regular file");
        goto out;
    }
    fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(gotbuf, sizeof gotbuf, "an error: %s", strerror(errno));
        rc = file_error(expected, got, path, gotbuf);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = file_error(expected, got, path, "something that is not a regular file");
        goto out;
    }
    if (st.st_size > DWHI_SECRET_FILE_MAX) {
        snprintf(gotbuf, sizeof gotbuf, "a file of %lld bytes (the limit is %d)", (long long)st.st_size,
                 DWHI_SECRET_FILE_MAX);
        rc = file_error(expected, got, path, gotbuf);
        goto out;
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        rc = file_error(expected, got, path, "out of memory");
        goto out;
    }
    for (;;) {
        if (n == cap) { /* grew since fstat */
            free(buf);
            snprintf(gotbuf, sizeof gotbuf, "a file larger than %d bytes", DWHI_SECRET_FILE_MAX);
            rc = file_error(expected, got, path, gotbuf);
            goto out;
        }
        ssize_t k = read(fd, buf + n, cap - n);
        if (k < 0) {
            if (errno == EINTR) continue;
            snprintf(gotbuf, sizeof gotbuf, "an error: %s", strerror(errno));
            free(buf);
            rc = file_error(expected, got, path, gotbuf);
            goto out;
        }
        if (k == 0) break;
        n += (size_t)k;
        if (n > DWHI_SECRET_FILE_MAX) {
            free(buf);
            snprintf(gotbuf, sizeof gotbuf, "a file larger than %d bytes", DWHI_SECRET_FILE_MAX);
            rc = file_error(expected, got, path, gotbuf);
            goto out;
        }
    }
    if (memchr(buf, 0, n)) {
        free(buf);
        rc = file_error(expected, got, path, "binary data (a NUL byte)");
        goto out;
    }
    /* One trailing newline is how editors end a file, not part of the secret. */
    if (n > 0 && buf[n - 1] == '\n') {
        n--;
        if (n > 0 && buf[n - 1] == '\r') n--;
    }
    buf[n] = 0;
    *value = buf;
    *len = n;
    rc = 0;
out:
    if (fd >= 0) close(fd);
    free(path);
    return rc;
}

int dwhi_secret_ref_resolve(json_object *ref, const char *base_dir, char **value, size_t *len, char **expected,
                           char **got) {
    *value = NULL;
    *len = 0;
    *expected = *got = NULL;
    json_object *x = NULL;
    switch (dwhi_secret_ref_kind_of(ref)) {
    case DWHI_REF_ENV:
        json_object_object_get_ex(ref, "$env", &x);
        return resolve_env(x, value, len, expected, got);
    case DWHI_REF_FILE:
        json_object_object_get_ex(ref, "$file", &x);
        return resolve_file(x, base_dir, value, len, expected, got);
    case DWHI_REF_MALFORMED:
        return fail2(expected, got, "a secret reference {\"$env\": \"NAME\"} or {\"$file\": \"PATH\"} (one key, a string)",
                     "an object with other keys");
    default:
        return fail2(expected, got, "a secret reference", "a literal");
    }
}

/* ---- secret paths ------------------------------------------------------ */

typedef struct strlist {
    char **v;
    size_t n, cap;
    int oom;
} strlist;

static void strlist_add_owned(strlist *l, char *s) {
    if (!s) {
        l->oom = 1;
        return;
    }
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i], s)) {
            free(s);
            return;
        }
    if (dwhi_array_grow((void **)&l->v, &l->cap, l->n + 2, sizeof *l->v, 8) != 0) {
        free(s);
        l->oom = 1;
        return;
    }
    l->v[l->n++] = s;
    l->v[l->n] = NULL;
}

static char *join(const char *prefix, const char *name) {
    char *p = NULL;
    if (!prefix || !*prefix) return strdup(name);
    if (asprintf(&p, "%s.%s", prefix, name) < 0) return NULL;
    return p;
}

static void paths_walk(strlist *l, const dw_field *fields, uint32_t n, const char *prefix) {
    if (!fields) return;
    for (uint32_t i = 0; i < n; i++) {
        const dw_field *f = &fields[i];
        if (!f->name) continue;
        char *p = join(prefix, f->name);
        if (!p) {
            l->oom = 1;
            return;
        }
        switch (f->kind) {
        case DW_FIELD_INPUT:
            if (dwhi_field_is_secret(f)) strlist_add_owned(l, strdup(p));
            break;
        case DW_FIELD_SWITCH_GROUP:
            paths_walk(l, f->fields, f->n_fields, p);
            break;
        case DW_FIELD_SELECT:
            if (!f->multiple && f->options)
                for (uint32_t o = 0; o < f->n_options; o++)
                    paths_walk(l, f->options[o].fields, f->options[o].n_fields, p);
            break;
        case DW_FIELD_OAUTH: {
            size_t nk;
            const dwhi_oauth_key *k = dwhi_oauth_keys(&nk);
            for (size_t j = 0; j < nk; j++)
                if (k[j].secret) strlist_add_owned(l, join(p, k[j].name));
            break;
        }
        case DW_FIELD_FILE_UPLOAD:
            strlist_add_owned(l, strdup(p));
            break;
        case DW_FIELD_SSH_TUNNEL: {
            size_t nk;
            const dwhi_ssh_key *k = dwhi_ssh_keys(&nk);
            for (size_t j = 0; j < nk; j++)
                if (k[j].secret) strlist_add_owned(l, join(p, k[j].name));
            break;
        }
        default:
            break;
        }
        free(p);
    }
}

char **dwhi_config_secret_paths(const dw_field *fields, uint32_t n_fields) {
    strlist l = {0};
    l.v = calloc(1, sizeof *l.v);
    if (!l.v) return NULL;
    l.cap = 1;
    paths_walk(&l, fields, n_fields, NULL);
    if (l.oom) {
        dwhi_config_secret_paths_free(l.v);
        return NULL;
    }
    return l.v;
}

void dwhi_config_secret_paths_free(char **paths) {
    if (!paths) return;
    for (char **p = paths; *p; p++) free(*p);
    free(paths);
}

/* ---- collecting ---------------------------------------------------------- */

/* Every string (and number text) in v, except inside references: a
 * reference holds a variable name or a path, which are not secret. */
static void add_all(json_object *v, dwhi_secrets *s) {
    if (!v) return;
    switch (json_object_get_type(v)) {
    case json_type_string:
        dwhi_secrets_add(s, json_object_get_string(v));
        break;
    case json_type_int:
    case json_type_double:
        dwhi_secrets_add(s, json_object_to_json_string(v));
        break;
    case json_type_array:
        for (size_t i = 0; i < json_object_array_length(v); i++) add_all(json_object_array_get_idx(v, i), s);
        break;
    case json_type_object:
        if (dwhi_secret_ref_kind_of(v) != DWHI_REF_NONE) break;
        {
            json_object_object_foreach(v, key, val) {
                (void)key;
                add_all(val, s);
            }
        }
        break;
    default:
        break;
    }
}

void dwhi_config_secrets_add_all(dwhi_secrets *s, json_object *v) {
    if (s) add_all(v, s);
}

static void collect_walk(const dw_field *fields, uint32_t n, json_object *obj, dwhi_secrets *s);

static json_object *get(json_object *obj, const char *key) {
    json_object *v = NULL;
    if (!key || !json_object_is_type(obj, json_type_object)) return NULL;
    json_object_object_get_ex(obj, key, &v);
    return v;
}

static void collect_field(const dw_field *f, json_object *v, dwhi_secrets *s) {
    switch (f->kind) {
    case DW_FIELD_INPUT:
        if (dwhi_field_is_secret(f)) add_all(v, s);
        break;
    case DW_FIELD_SWITCH_GROUP:
        collect_walk(f->fields, f->n_fields, v, s);
        break;
    case DW_FIELD_SELECT:
        if (f->options && json_object_is_type(v, json_type_object))
            for (uint32_t o = 0; o < f->n_options; o++)
                collect_walk(f->options[o].fields, f->options[o].n_fields, v, s);
        break;
    case DW_FIELD_OAUTH:
        if (json_object_is_type(v, json_type_string)) {
            add_all(v, s);
        } else if (json_object_is_type(v, json_type_object)) {
            size_t nk;
            const dwhi_oauth_key *k = dwhi_oauth_keys(&nk);
            for (size_t j = 0; j < nk; j++)
                if (k[j].secret) add_all(get(v, k[j].name), s);
        }
        break;
    case DW_FIELD_FILE_UPLOAD:
        add_all(v, s);
        if (json_object_is_type(v, json_type_string)) { /* JSON text: its strings too */
            json_object *parsed = json_tokener_parse(json_object_get_string(v));
            add_all(parsed, s);
            json_object_put(parsed);
        }
        break;
    case DW_FIELD_SSH_TUNNEL: {
        size_t nk;
        const dwhi_ssh_key *k = dwhi_ssh_keys(&nk);
        for (size_t j = 0; j < nk; j++)
            if (k[j].secret) add_all(get(v, k[j].name), s);
        break;
    }
    default:
        break;
    }
}

static void collect_walk(const dw_field *fields, uint32_t n, json_object *obj, dwhi_secrets *s) {
    if (!fields || !json_object_is_type(obj, json_type_object)) return;
    for (uint32_t i = 0; i < n; i++) {
        json_object *v = get(obj, fields[i].name);
        if (v) collect_field(&fields[i], v, s);
    }
}

void dwhi_config_collect_secrets(const dw_field *fields, uint32_t n_fields, json_object *config, dwhi_secrets *s) {
    if (!s) return;
    collect_walk(fields, n_fields, config, s);
}

/* ---- masking ----------------------------------------------------------- */

static json_object *copy(json_object *v) {
    json_object *out = NULL;
    if (!v) return NULL;
    if (json_object_deep_copy(v, &out, NULL) != 0) return NULL;
    return out;
}

static const dw_field *find_field(const dw_field *fields, uint32_t n, const char *name) {
    if (!fields) return NULL;
    for (uint32_t i = 0; i < n; i++)
        if (fields[i].name && !strcmp(fields[i].name, name)) return &fields[i];
    return NULL;
}

static const dw_field *find_in_select(const dw_field *sel, const char *name) {
    if (!sel->options) return NULL;
    for (uint32_t o = 0; o < sel->n_options; o++) {
        const dw_field *f = find_field(sel->options[o].fields, sel->options[o].n_fields, name);
        if (f) return f;
    }
    return NULL;
}

static json_object *mask_value(const dw_field *f, json_object *v);

/* Masks an object whose keys are `fields` (or, for selects, the fields of
 * any option of `sel`) plus `extra` (kept as is). */
static json_object *mask_object(const dw_field *fields, uint32_t n, const dw_field *sel, const char *extra,
                                json_object *obj) {
    json_object *out = json_object_new_object();
    if (!out) return NULL;
    json_object_object_foreach(obj, key, val) {
        const dw_field *f = sel ? find_in_select(sel, key) : find_field(fields, n, key);
        json_object *m;
        if (f)
            m = mask_value(f, val);
        else if (extra && !strcmp(key, extra))
            m = copy(val);
        else
            m = val ? json_object_new_string(MASK) : NULL; /* unknown: could be a misspelled secret */
        json_object_object_add(out, key, m);
    }
    return out;
}

static json_object *mask_keyed(json_object *v, int (*secret_of)(const char *key, int *known)) {
    json_object *out = json_object_new_object();
    if (!out) return NULL;
    json_object_object_foreach(v, key, val) {
        int known = 0;
        int secret = secret_of(key, &known);
        json_object_object_add(out, key, (secret || !known) && val ? json_object_new_string(MASK) : copy(val));
    }
    return out;
}

static int ssh_secret(const char *key, int *known) {
    size_t nk;
    const dwhi_ssh_key *k = dwhi_ssh_keys(&nk);
    for (size_t j = 0; j < nk; j++)
        if (!strcmp(k[j].name, key)) {
            *known = 1;
            return k[j].secret;
        }
    return 0;
}

static int oauth_secret(const char *key, int *known) {
    size_t nk;
    const dwhi_oauth_key *k = dwhi_oauth_keys(&nk);
    for (size_t j = 0; j < nk; j++)
        if (!strcmp(k[j].name, key)) {
            *known = 1;
            return k[j].secret;
        }
    return 0;
}

static json_object *mask_value(const dw_field *f, json_object *v) {
    if (!v) return NULL;
    int is_obj = json_object_is_type(v, json_type_object);
    switch (f->kind) {
    case DW_FIELD_INPUT:
        return dwhi_field_is_secret(f) ? json_object_new_string(MASK) : copy(v);
    case DW_FIELD_SWITCH_GROUP:
        return is_obj ? mask_object(f->fields, f->n_fields, NULL, "enabled", v) : copy(v);
    case DW_FIELD_SELECT:
        return is_obj ? mask_object(NULL, 0, f, "selection", v) : copy(v);
    case DW_FIELD_OAUTH:
        return is_obj ? mask_keyed(v, oauth_secret) : json_object_new_string(MASK);
    case DW_FIELD_FILE_UPLOAD:
        return json_object_new_string(MASK);
    case DW_FIELD_SSH_TUNNEL:
        return is_obj ? mask_keyed(v, ssh_secret) : copy(v);
    case DW_FIELD_OAUTH_ACCOUNT:
        return copy(v);
    default:
        return json_object_new_string(MASK);
    }
}

json_object *dwhi_config_mask(const dw_field *fields, uint32_t n_fields, json_object *config) {
    if (!config) return NULL;
    if (!json_object_is_type(config, json_type_object)) return json_object_new_string(MASK);
    return mask_object(fields, n_fields, NULL, NULL, config);
}
