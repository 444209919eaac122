/* normalize.c -- the host's own copy of a checked descriptor: host-sized
 * structs, members the plugin's SDK lacked zero-filled, field and option
 * arrays deep-copied from the plugin's strides to the host's.  Strings
 * and function pointers stay pointing into the plugin, which the plugin
 * reference keeps mapped. */
#include <stdlib.h>
#include <string.h>

#include "registry_int.h"

static void free_fields(dw_field *arr, uint32_t n);

static void free_options(dw_select_option *opts, uint32_t n) {
    if (!opts) return;
    for (uint32_t i = 0; i < n; i++) free_fields((dw_field *)opts[i].fields, opts[i].n_fields);
    free(opts);
}

static void free_fields(dw_field *arr, uint32_t n) {
    if (!arr) return;
    for (uint32_t i = 0; i < n; i++) {
        free_fields((dw_field *)arr[i].fields, arr[i].n_fields);
        free_options((dw_select_option *)arr[i].options, arr[i].n_options);
    }
    free(arr);
}

static dw_field *copy_fields(const dw_field *src, uint32_t n, uint16_t fsize, uint16_t osize);

static dw_select_option *copy_options(const dw_select_option *src, uint32_t n, uint16_t fsize, uint16_t osize) {
    dw_select_option *out = calloc(n, sizeof *out);
    if (!out) return NULL;
    for (uint32_t i = 0; i < n; i++) {
        dw_select_option o;
        dwhi_read_option(&o, src, i, osize);
        out[i] = o;
        out[i].fields = NULL;
        out[i].n_fields = 0;
        if (o.n_fields) {
            out[i].fields = copy_fields(o.fields, o.n_fields, fsize, osize);
            if (!out[i].fields) {
                free_options(out, i + 1);
                return NULL;
            }
            out[i].n_fields = o.n_fields;
        }
    }
    return out;
}

static dw_field *copy_fields(const dw_field *src, uint32_t n, uint16_t fsize, uint16_t osize) {
    dw_field *out = calloc(n, sizeof *out);
    if (!out) return NULL;
    for (uint32_t i = 0; i < n; i++) {
        dw_field f;
        dwhi_read_field(&f, src, i, fsize);
        out[i] = f;
        /* Only the members the kind uses are followed; the rest are cut so
         * nothing unchecked stays reachable. */
        out[i].fields = NULL;
        out[i].n_fields = 0;
        out[i].options = NULL;
        out[i].n_options = 0;
        if (f.kind != DW_FIELD_FILE_UPLOAD) out[i].file_keys = NULL;
        int fail = 0;
        if (f.kind == DW_FIELD_SWITCH_GROUP && f.n_fields) {
            out[i].fields = copy_fields(f.fields, f.n_fields, fsize, osize);
            out[i].n_fields = f.n_fields;
            fail = !out[i].fields;
        } else if (f.kind == DW_FIELD_SELECT && f.n_options) {
            out[i].options = copy_options(f.options, f.n_options, fsize, osize);
            out[i].n_options = f.n_options;
            fail = !out[i].options;
        }
        if (fail) {
            out[i].n_fields = out[i].n_options = 0;
            free_fields(out, i + 1);
            return NULL;
        }
    }
    return out;
}

int dwhi_normalize(dw_source *out, const dw_source *raw) {
    memset(out, 0, sizeof *out);
    size_t n = raw->struct_size < sizeof *out ? raw->struct_size : sizeof *out;
    memcpy(out, raw, n);
    uint16_t fsize = out->field_size, osize = out->option_size;
    const dw_field *plugin_fields = out->fields;
    /* The copy has host layout now. */
    out->struct_size = (uint32_t)sizeof(dw_source);
    out->field_size = (uint16_t)sizeof(dw_field);
    out->option_size = (uint16_t)sizeof(dw_select_option);
    out->fields = NULL;
    uint32_t nf = out->n_fields;
    out->n_fields = 0;
    /* 1.8 actions: copied to the host's stride (their argument arrays
     * are frozen structs and stay the plugin's). */
    const dw_action *plugin_actions = out->actions;
    uint32_t na = out->n_actions, asize = out->action_size;
    out->actions = NULL;
    out->n_actions = 0;
    out->action_size = (uint32_t)sizeof(dw_action);
    if (nf) {
        out->fields = copy_fields(plugin_fields, nf, fsize, osize);
        if (!out->fields) return -1;
        out->n_fields = nf;
    }
    if (na) {
        dw_action *acts = calloc(na, sizeof *acts);
        if (!acts) return -1;
        for (uint32_t i = 0; i < na; i++) dwhi_read_action(&acts[i], plugin_actions, i, asize);
        out->actions = acts;
        out->n_actions = na;
    }
    return 0;
}

void dwhi_normalized_free(dw_source *src) {
    free((dw_action *)src->actions);
    src->actions = NULL;
    src->n_actions = 0;
    free_fields((dw_field *)src->fields, src->n_fields);
    src->fields = NULL;
    src->n_fields = 0;
}
