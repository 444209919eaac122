/* action_check.c -- validation of a plugin's action declarations (ABI
 * 1.8): every pointer checked against the plugin's mapped image before it
 * is read, the action array read with the plugin's stride.  What the host
 * can know of a signature is the declaration: the C function's own types
 * are the author's promise (docs/writing-a-connector/actions.md). */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "base/action_value.h"
#include "base/json_strict.h"
#include "registry_int.h"

void dwhi_read_action(dw_action *out, const dw_action *base, uint32_t i, uint32_t stride) {
    memset(out, 0, sizeof *out);
    size_t n = stride < sizeof *out ? stride : sizeof *out;
    memcpy(out, (const char *)base + (size_t)i * stride, n);
}

static int str_in(const dwhi_image *im, const char *s) { return s && dwhi_image_str(im, s); }

/* NULL when the declared default fits the argument, else why not. */
static const char *default_problem(const dw_action_arg *a) {
    json_object *v = NULL;
    char err[128];
    if (dwhi_json_parse_strict(a->default_value, strlen(a->default_value), &v, err, sizeof err) != 0)
        return "is not JSON text (write a string default as \"\\\"text\\\"\")";
    int null_ok = a->type == DW_ARG_STRING || a->type == DW_ARG_JSON;
    int ok = dwhi_arg_json_fits(a->type, v, null_ok);
    json_object_put(v);
    return ok ? NULL : "does not fit the argument's type";
}

static char *check_args(const dwhi_image *im, const dw_action *a) {
    static const char *const fix = "fix the action's declaration and rebuild";
    if (a->n_args > DW_ACTION_MAX_ARGS)
        return dwhi_strf("action '%s' declares %u arguments, more than DW_ACTION_MAX_ARGS (%d); take a JSON argument "
                         "instead", a->name, a->n_args, DW_ACTION_MAX_ARGS);
    if (!a->n_args) return NULL;
    if (!a->args || !dwhi_image_has(im, a->args, (size_t)a->n_args * sizeof *a->args, PF_R))
        return dwhi_strf("action '%s': its %u arguments point outside the plugin; %s", a->name, a->n_args, fix);
    for (uint32_t i = 0; i < a->n_args; i++) {
        const dw_action_arg *g = &a->args[i];
        if (!str_in(im, g->name) || !dwhi_action_name_ok(g->name, DWHI_MAX_ACTION_NAME))
            return dwhi_strf("action '%s': argument #%u needs a name of [a-z0-9_] starting with a letter (at most %d "
                             "bytes); %s", a->name, i, DWHI_MAX_ACTION_NAME, fix);
        for (uint32_t j = 0; j < i; j++)
            if (!strcmp(a->args[j].name, g->name))
                return dwhi_strf("action '%s' has two arguments named '%s'; rename one", a->name, g->name);
        if (!dwhi_arg_type_name(g->type))
            return dwhi_strf("action '%s': argument '%s' has unknown type %u; use a DW_ARG_* value (int64, double, "
                             "bool, string, json)", a->name, g->name, g->type);
        if ((g->description && !dwhi_image_str(im, g->description)) ||
            (g->default_value && !dwhi_image_str(im, g->default_value)))
            return dwhi_strf("action '%s': argument '%s' has a string pointing outside the plugin; %s", a->name,
                             g->name, fix);
        const char *why = g->default_value ? default_problem(g) : NULL;
        if (why)
            return dwhi_strf("action '%s': the default of argument '%s' (%s) %s; give %s as JSON text, or NULL to "
                             "make it required", a->name, g->name, dwhi_arg_type_name(g->type), why,
                             dwhi_arg_type_hint(g->type));
    }
    return NULL;
}

char *dwhi_check_actions(const dwhi_image *im, const dw_source *d) {
    static const char *const fix = "set them with DW_ACTIONS(array) and rebuild";
    if (!d->n_actions) return NULL;
    if (d->n_actions > DWHI_MAX_ACTIONS)
        return dwhi_strf("%u actions, more than %d; declare fewer", d->n_actions, DWHI_MAX_ACTIONS);
    if (d->action_size < DWHI_ACTION_SIZE_1_8 || d->action_size > 4096)
        return dwhi_strf("action_size %u is impossible (expected at least %u, sizeof(dw_action)); %s", d->action_size,
                         DWHI_ACTION_SIZE_1_8, fix);
    if (!d->actions || !dwhi_image_has(im, d->actions, (size_t)d->n_actions * d->action_size, PF_R))
        return dwhi_strf("the %u actions point outside the plugin; %s", d->n_actions, fix);
    for (uint32_t i = 0; i < d->n_actions; i++) {
        dw_action a;
        dwhi_read_action(&a, d->actions, i, d->action_size);
        if (!str_in(im, a.name) || !dwhi_action_name_ok(a.name, DWHI_MAX_ACTION_NAME))
            return dwhi_strf("action #%u needs a name of [a-z0-9_] starting with a letter (at most %d bytes); fix "
                             "the declaration and rebuild", i, DWHI_MAX_ACTION_NAME);
        for (uint32_t j = 0; j < i; j++) {
            dw_action prev;
            dwhi_read_action(&prev, d->actions, j, d->action_size);
            if (!strcmp(prev.name, a.name))
                return dwhi_strf("two actions named '%s' (#%u and #%u); rename one", a.name, j, i);
        }
        if (!str_in(im, a.description) || !a.description[0] || strpbrk(a.description, "\r\n"))
            return dwhi_strf("action '%s' needs a one-line description; set .description", a.name);
        if (!a.fn)
            return dwhi_strf("action '%s' has no function; set .fn = DW_ACTION_FN(your_function)", a.name);
        if (!dwhi_image_has(im, (const void *)a.fn, 1, PF_R | PF_X))
            return dwhi_strf("action '%s': its function points outside the plugin's code; set .fn to a function of "
                             "the plugin", a.name);
        char *err = check_args(im, &a);
        if (err) return err;
    }
    return NULL;
}

/* ---- fields naming the action that lists their choices --------------- */

static char *check_option_fields(const dw_source *src, const dw_field *arr, uint32_t n, int depth);

static char *check_option_field(const dw_source *src, const dw_field *f, int depth) {
    if (f->options_action) {
        const dw_action *a = NULL;
        for (uint32_t i = 0; i < src->n_actions && !a; i++)
            if (!strcmp(src->actions[i].name, f->options_action)) a = &src->actions[i];
        if (!a)
            return dwhi_strf("invalid config form: field '%s' names options_action '%s', which the descriptor does "
                             "not declare; add the action or fix the name", f->name, f->options_action);
        for (uint32_t i = 0; i < a->n_args; i++)
            if (!a->args[i].default_value)
                return dwhi_strf("invalid config form: field '%s' lists its choices with action '%s', whose argument "
                                 "'%s' has no default; give every argument of an options action a default",
                                 f->name, a->name, a->args[i].name);
    }
    char *err = check_option_fields(src, f->fields, f->n_fields, depth + 1);
    for (uint32_t o = 0; !err && o < f->n_options; o++)
        err = check_option_fields(src, f->options[o].fields, f->options[o].n_fields, depth + 1);
    return err;
}

static char *check_option_fields(const dw_source *src, const dw_field *arr, uint32_t n, int depth) {
    if (depth > DWHI_MAX_FIELD_DEPTH + 1) return NULL; /* the field check refused deeper trees already */
    for (uint32_t i = 0; i < n; i++) {
        char *err = check_option_field(src, &arr[i], depth);
        if (err) return err;
    }
    return NULL;
}

char *dwhi_check_options_actions(const dw_source *src) {
    return check_option_fields(src, src->fields, src->n_fields, 1);
}
