/* action_args.c -- binding a call's arguments to an action's declaration
 * (see action_args.h). */
#include "action_args.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/action_value.h"
#include "base/json_strict.h"
#include "base/text.h"

const dw_action *dwhi_action_find(const dw_source *src, const char *name) {
    for (uint32_t i = 0; src && name && i < src->n_actions; i++)
        if (!strcmp(src->actions[i].name, name)) return &src->actions[i];
    return NULL;
}

void dwhi_action_args_clear(dwhi_action_args *args) {
    if (!args) return;
    for (uint32_t i = 0; i < args->n; i++) json_object_put(args->values[i]);
    memset(args, 0, sizeof *args);
}

/* "owner (string), limit (int64)" for messages; malloc'd. */
static char *arg_list(const dw_action *a) {
    char *out = strdup(a->n_args ? "" : "none");
    for (uint32_t i = 0; out && i < a->n_args; i++) {
        char *next = dwhi_strf("%s%s%s (%s)", out, i ? ", " : "", a->args[i].name, dwhi_arg_type_name(a->args[i].type));
        free(out);
        out = next;
    }
    return out;
}

/* The index of argument `name` (len bytes), or -1. */
static int arg_index(const dw_action *a, const char *name, size_t len) {
    for (uint32_t i = 0; i < a->n_args; i++)
        if (strlen(a->args[i].name) == len && !strncmp(a->args[i].name, name, len)) return (int)i;
    return -1;
}

static char *unknown_arg(const char *source, const dw_action *a, const char *name, size_t len) {
    char *list = arg_list(a), *shown = dwhi_text_excerpt(name, len, DWHI_TEXT_EXCERPT_MAX, 0);
    char *m = dwhi_strf("%s.%s: unknown argument '%s'; its arguments: %s", source, a->name, shown ? shown : "?",
                  list ? list : "?");
    free(list);
    free(shown);
    return m;
}

static char *wrong_type(const char *source, const dw_action *a, uint32_t i, const char *got) {
    char *shown = dwhi_text_excerpt(got, strlen(got), DWHI_TEXT_EXCERPT_MAX, 0);
    char *m = dwhi_strf("%s.%s: argument '%s' expects %s, got %s", source, a->name, a->args[i].name,
                  dwhi_arg_type_hint(a->args[i].type), shown ? shown : "?");
    free(shown);
    return m;
}

int dwhi_action_bind(const char *source, const dw_action *a, const char *const *words, size_t n_words,
                     json_object *json_args, dwhi_action_args *out, char **error) {
    memset(out, 0, sizeof *out);
    *error = NULL;
    int given[DW_ACTION_MAX_ARGS] = {0};
    out->n = a->n_args;
    if (json_args && !json_object_is_type(json_args, json_type_object)) {
        *error = dwhi_strf("%s.%s: the arguments must be a JSON object {\"NAME\": value}, not %s", source, a->name,
                     json_type_to_name(json_object_get_type(json_args)));
        goto fail;
    }
    for (size_t w = 0; w < n_words; w++) {
        const char *eq = strchr(words[w], '=');
        if (!eq || eq == words[w]) {
            char *list = arg_list(a);
            *error = dwhi_strf("%s.%s: '%s' is not NAME=VALUE; its arguments: %s", source, a->name, words[w],
                         list ? list : "?");
            free(list);
            goto fail;
        }
        int i = arg_index(a, words[w], (size_t)(eq - words[w]));
        if (i < 0) {
            *error = unknown_arg(source, a, words[w], (size_t)(eq - words[w]));
            goto fail;
        }
        if (given[i]) {
            *error = dwhi_strf("%s.%s: argument '%s' is given twice; give it once", source, a->name, a->args[i].name);
            goto fail;
        }
        int is_null = 0;
        json_object *v = NULL;
        if (dwhi_arg_from_text(a->args[i].type, eq + 1, &v, &is_null) != 0) {
            char *quoted = dwhi_strf("'%s'", eq + 1);
            *error = wrong_type(source, a, (uint32_t)i, quoted ? quoted : "?");
            free(quoted);
            goto fail;
        }
        given[i] = 1;
        out->values[i] = v;
    }
    if (json_args) {
        json_object_object_foreach(json_args, key, val) {
            int i = arg_index(a, key, strlen(key));
            if (i < 0) {
                *error = unknown_arg(source, a, key, strlen(key));
                goto fail;
            }
            if (given[i]) {
                *error = dwhi_strf("%s.%s: argument '%s' is given twice; give it once", source, a->name, key);
                goto fail;
            }
            int null_ok = a->args[i].type == DW_ARG_STRING || a->args[i].type == DW_ARG_JSON;
            if (!dwhi_arg_json_fits(a->args[i].type, val, null_ok)) {
                const char *t = val ? json_object_to_json_string_ext(val, JSON_C_TO_STRING_PLAIN) : "null";
                *error = wrong_type(source, a, (uint32_t)i, t ? t : "?");
                goto fail;
            }
            given[i] = 1;
            out->values[i] = json_object_get(val);
        }
    }
    for (uint32_t i = 0; i < a->n_args; i++) {
        if (given[i]) continue;
        const char *def = a->args[i].default_value;
        if (!def) {
            *error = dwhi_strf("%s.%s: argument '%s' (%s) is required; give %s=VALUE", source, a->name, a->args[i].name,
                         dwhi_arg_type_name(a->args[i].type), a->args[i].name);
            goto fail;
        }
        char perr[128];
        /* checked at load (action_check.c): parses and fits */
        if (dwhi_json_parse_strict(def, strlen(def), &out->values[i], perr, sizeof perr) != 0) {
            *error = dwhi_strf("%s.%s: the default of argument '%s' is not JSON: %s", source, a->name, a->args[i].name, perr);
            goto fail;
        }
    }
    return 0;
fail:
    if (!*error) *error = strdup("out of memory");
    dwhi_action_args_clear(out);
    return -1;
}

json_object *dwhi_actions_json(const dw_source *src) {
    json_object *arr = json_object_new_array();
    for (uint32_t i = 0; arr && i < src->n_actions; i++) {
        const dw_action *a = &src->actions[i];
        json_object *o = json_object_new_object(), *args = json_object_new_array();
        json_object_object_add(o, "name", json_object_new_string(a->name));
        json_object_object_add(o, "description", json_object_new_string(a->description));
        for (uint32_t k = 0; k < a->n_args; k++) {
            const dw_action_arg *g = &a->args[k];
            json_object *ao = json_object_new_object(), *def = NULL;
            json_object_object_add(ao, "name", json_object_new_string(g->name));
            json_object_object_add(ao, "type", json_object_new_string(dwhi_arg_type_name(g->type)));
            json_object_object_add(ao, "description", g->description ? json_object_new_string(g->description) : NULL);
            json_object_object_add(ao, "required", json_object_new_boolean(g->default_value == NULL));
            char perr[64];
            if (g->default_value &&
                dwhi_json_parse_strict(g->default_value, strlen(g->default_value), &def, perr, sizeof perr) != 0)
                def = NULL;
            json_object_object_add(ao, "default", def);
            json_object_array_add(args, ao);
        }
        json_object_object_add(o, "args", args);
        json_object_array_add(arr, o);
    }
    return arr;
}
