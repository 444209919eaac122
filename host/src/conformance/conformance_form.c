/*
 * conformance_form.c -- the static checks: the descriptor's metadata,
 * operations and capabilities; the form's labels and secret marking; and
 * the "broken" copy of a config used to prove the credential check fails.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_secrets.h"
#include "conformance.h"

/* ------------------------------------------------------ secret-looking */

static int word_in(const char *w, const char *const *list) {
    for (; *list; list++)
        if (!strcmp(w, *list)) return 1;
    return 0;
}

int dwhi_conf_name_looks_secret(const char *name) {
    if (!name) return 0;
    /* Split into lower-case words on _ - . space and camelCase. */
    char words[16][32];
    int n = 0;
    size_t len = 0;
    for (const char *p = name;; p++) {
        int boundary = !*p || *p == '_' || *p == '-' || *p == '.' || *p == ' ' ||
                       (isupper((unsigned char)*p) && p > name && islower((unsigned char)p[-1]));
        if (boundary && len) {
            words[n][len] = 0;
            if (++n == 16) break;
            len = 0;
        }
        if (!*p) break;
        if (*p == '_' || *p == '-' || *p == '.' || *p == ' ') continue;
        if (len < sizeof words[0] - 1) words[n][len++] = (char)tolower((unsigned char)*p);
    }
    if (n == 0) return 0;
    /* Names of places, not values: token_url, api_key_header, key_column. */
    static const char *const not_values[] = {"url", "uri", "endpoint", "type", "name", "field", "column", "header",
                                             "path", "expires", "expiry", "prefix", "id", NULL};
    if (n > 1 && word_in(words[n - 1], not_values)) return 0;
    /* Keys that name columns or public material. */
    static const char *const column_keys[] = {"primary", "partition", "sort", "cursor", "foreign", "public",
                                              "unique", "dedup", "join", "group", NULL};
    for (int i = 0; i < n; i++) {
        const char *w = words[i];
        if (strstr(w, "token") || strstr(w, "secret") || strstr(w, "password") || strstr(w, "passphrase") ||
            !strcmp(w, "passwd"))
            return 1;
        if (!strcmp(w, "key") || !strcmp(w, "apikey") || !strcmp(w, "privatekey") || !strcmp(w, "accesskey") ||
            !strcmp(w, "secretkey")) {
            if (!strcmp(w, "key") && i > 0 && word_in(words[i - 1], column_keys)) continue;
            return 1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------- descriptor */

static const char *comm_name(uint32_t m) {
    static const char *const names[] = {"HTTP", "vendor SDK", "gRPC", "DB protocol", "webhook", "local files"};
    return m < sizeof names / sizeof names[0] ? names[m] : NULL;
}

/* Appends "; <text>" (or "<text>" first) to a problem list. */
__attribute__((format(printf, 3, 4))) static void problem(char *buf, size_t cap, const char *fmt, ...) {
    size_t l = strlen(buf);
    if (l + 3 >= cap) return;
    if (l) {
        memcpy(buf + l, "; ", 3);
        l += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + l, cap - l, fmt, ap);
    va_end(ap);
}

void dwhi_conf_check_descriptor(const dw_source *src, dwhi_conf_report *r) {
    char p[1024] = "";
    const size_t cap = sizeof p;
    /* Every missing required member named at once, in one list, so an
     * author fixes them in one go instead of one per run. */
    char missing[256] = "";
    const struct {
        const char *name;
        int absent;
    } required[] = {
        {"label", !src->label || !*src->label},
        {"version", !src->version || !*src->version},
        {"docs_url", !src->docs_url || !*src->docs_url},
        {"icon_path", !src->icon_path || !*src->icon_path},
        /* SOURCES.md names it for sources that talk to a remote */
        {"primary_library", (src->comm_method == DW_COMM_HTTP || src->comm_method == DW_COMM_VENDOR_SDK) &&
                                (!src->primary_library || !*src->primary_library)},
        {"list_schemas", !src->list_schemas},
        {"check_credentials", !src->check_credentials},
        {"run", !src->run},
    };
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (required[i].absent)
            snprintf(missing + strlen(missing), sizeof missing - strlen(missing), "%s%s", *missing ? ", " : "",
                     required[i].name);
    if (*missing) problem(p, cap, "missing required metadata: %s (set them in the descriptor)", missing);
    if (!comm_name(src->comm_method)) problem(p, cap, "unknown comm_method %u", src->comm_method);
    if (src->capabilities & DW_CAP_WEBHOOK) {
        if (!src->webhook_transform) problem(p, cap, "DW_CAP_WEBHOOK without webhook_transform");
        if (!src->n_webhook_resources) problem(p, cap, "DW_CAP_WEBHOOK without webhook_resources");
        for (uint32_t i = 0; i < src->n_webhook_resources; i++) {
            const dw_webhook_resource *w = &src->webhook_resources[i];
            if (!w->schema || !*w->schema || !w->event_type || !*w->event_type) {
                problem(p, cap, "webhook_resources[%u] lacks schema or event_type", i);
                break;
            }
        }
    } else if (src->webhook_transform) {
        problem(p, cap, "webhook_transform set but DW_CAP_WEBHOOK not declared");
    }
    for (uint32_t i = 0; i < src->n_non_retryable_errors; i++) {
        const dw_error_mapping *m = &src->non_retryable_errors[i];
        if (!m->substring || !*m->substring || !m->message || !*m->message) {
            problem(p, cap, "non_retryable_errors[%u] lacks substring or message", i);
            break;
        }
    }
    if (*p)
        dwhi_conf_add(r, "descriptor", DWHI_CONF_FAIL, "%s", p);
    else
        dwhi_conf_add(r, "descriptor", DWHI_CONF_PASS, "%s %s, %s via %s, capabilities 0x%x", src->name,
                     src->version, comm_name(src->comm_method),
                     src->primary_library ? src->primary_library : "-", src->capabilities);
}

/* --------------------------------------------------------------- form */

typedef struct form_walk {
    size_t fields, secret, unmarked, unlabelled;
    char first_unmarked[256];
    char first_unlabelled[256];
} form_walk;

static void walk_fields(const dw_field *f, uint32_t n, const char *prefix, form_walk *w) {
    for (uint32_t i = 0; i < n; i++) {
        const dw_field *x = &f[i];
        char path[256];
        snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", x->name ? x->name : "?");
        w->fields++;
        if (!x->label || !*x->label) {
            if (!w->unlabelled) snprintf(w->first_unlabelled, sizeof w->first_unlabelled, "%s", path);
            w->unlabelled++;
        }
        if (x->kind == DW_FIELD_INPUT) {
            int secret = x->secret || x->input_type == DW_INPUT_PASSWORD;
            w->secret += secret != 0;
            if (!secret && dwhi_conf_name_looks_secret(x->name)) {
                if (!w->unmarked) snprintf(w->first_unmarked, sizeof w->first_unmarked, "%s", path);
                w->unmarked++;
            }
        } else if (x->kind == DW_FIELD_SSH_TUNNEL || x->kind == DW_FIELD_OAUTH || x->kind == DW_FIELD_FILE_UPLOAD) {
            w->secret++; /* secret by kind */
        }
        if (x->kind == DW_FIELD_SWITCH_GROUP) walk_fields(x->fields, x->n_fields, path, w);
        if (x->kind == DW_FIELD_SELECT)
            for (uint32_t k = 0; k < x->n_options; k++) walk_fields(x->options[k].fields, x->options[k].n_fields, path, w);
    }
}

void dwhi_conf_check_form(const dw_source *src, dwhi_conf_report *r) {
    form_walk w;
    memset(&w, 0, sizeof w);
    walk_fields(src->fields, src->n_fields, "", &w);
    if (w.unmarked)
        dwhi_conf_add(r, "form", DWHI_CONF_FAIL,
                     "%zu field(s) named like a secret are not secret (first: %s); make them password inputs or "
                     "set .secret = 1",
                     w.unmarked, w.first_unmarked);
    else if (w.unlabelled)
        dwhi_conf_add(r, "form", DWHI_CONF_FAIL, "%zu field(s) have no label (first: %s)", w.unlabelled,
                     w.first_unlabelled);
    else
        dwhi_conf_add(r, "form", DWHI_CONF_PASS, "%zu fields, %zu secret; every secret-looking name is secret",
                     w.fields, w.secret);
}

/* --------------------------------------------------------- broken config */

/* A wrong value that looks like the right one: the same prefix up to the
 * last '_' in the first 12 bytes (sk_test_, ghp_, github_pat_), then
 * letters to the same length. */
static char *wrong_value(const char *right) {
    size_t len = strlen(right);
    if (len < 8) len = 8;
    char *w = malloc(len + 1);
    if (!w) return NULL;
    size_t keep = 0;
    for (size_t i = 0; right[i] && i < 12; i++)
        if (right[i] == '_') keep = i + 1;
    memcpy(w, right, keep);
    static const char fill[] = "dwhostConformanceWrongValue";
    for (size_t i = keep; i < len; i++) w[i] = fill[(i - keep) % (sizeof fill - 1)];
    w[len] = 0;
    if (!strcmp(w, right)) w[len - 1] = w[len - 1] == 'x' ? 'y' : 'x';
    return w;
}

/* Replaces every string inside `v` (file uploads are secret whole). */
static size_t break_all(json_object *v, dwhi_secrets *secrets) {
    size_t n = 0;
    if (json_object_is_type(v, json_type_object)) {
        json_object_object_foreach(v, k, child) {
            if (json_object_is_type(child, json_type_string)) {
                char *w = wrong_value(json_object_get_string(child));
                if (w) {
                    dwhi_secrets_add(secrets, w);
                    json_object_object_add(v, k, json_object_new_string(w));
                    free(w);
                    n++;
                }
            } else {
                n += break_all(child, secrets);
            }
        }
    }
    return n;
}

json_object *dwhi_conf_break_secrets(const dw_source *src, json_object *config, dwhi_secrets *secrets,
                                    size_t *n_replaced) {
    *n_replaced = 0;
    json_object *copy = NULL;
    if (!config || json_object_deep_copy(config, &copy, NULL) != 0) return NULL;
    char **paths = dwhi_config_secret_paths(src->fields, src->n_fields);
    for (char **p = paths; p && *p; p++) {
        /* Walk the dotted path to the parent object. */
        json_object *parent = copy;
        char *path = strdup(*p);
        if (!path) break;
        char *seg = path, *dot;
        while (parent && (dot = strchr(seg, '.')) != NULL) {
            *dot = 0;
            json_object *next = NULL;
            parent = json_object_object_get_ex(parent, seg, &next) && json_object_is_type(next, json_type_object)
                         ? next
                         : NULL;
            seg = dot + 1;
        }
        json_object *v = NULL;
        if (parent && json_object_object_get_ex(parent, seg, &v) && v) {
            if (json_object_is_type(v, json_type_string) && json_object_get_string_len(v) > 0) {
                char *w = wrong_value(json_object_get_string(v));
                if (w) {
                    dwhi_secrets_add(secrets, w);
                    json_object_object_add(parent, seg, json_object_new_string(w));
                    free(w);
                    (*n_replaced)++;
                }
            } else if (json_object_is_type(v, json_type_object)) {
                *n_replaced += break_all(v, secrets);
            }
        }
        free(path);
    }
    dwhi_config_secret_paths_free(paths);
    return copy;
}
