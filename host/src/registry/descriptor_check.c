/* descriptor_check.c -- validation of a plugin's descriptor: metadata and the config
 * field tree.  Every pointer is checked against the plugin's mapped image
 * before it is read; arrays are read with the plugin's strides. */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "registry_int.h"

void dwhi_read_field(dw_field *out, const dw_field *base, uint32_t i, uint16_t stride) {
    memset(out, 0, sizeof *out);
    size_t n = stride < sizeof *out ? stride : sizeof *out;
    memcpy(out, (const char *)base + (size_t)i * stride, n);
}

void dwhi_read_option(dw_select_option *out, const dw_select_option *base, uint32_t i, uint16_t stride) {
    memset(out, 0, sizeof *out);
    size_t n = stride < sizeof *out ? stride : sizeof *out;
    memcpy(out, (const char *)base + (size_t)i * stride, n);
}

/* 1 when s is NULL or a valid string inside the image. */
static int opt_str(const dwhi_image *im, const char *s) { return !s || dwhi_image_str(im, s); }
static int req_str(const dwhi_image *im, const char *s) { return s && dwhi_image_str(im, s) && s[0]; }

/* Checks a NULL-terminated list of strings; returns NULL or a reason. */
static const char *check_list(const dwhi_image *im, const char *const *list) {
    if (!list) return NULL;
    for (size_t i = 0;; i++) {
        if (i >= DWHI_MAX_LIST) return "has no NULL terminator within 256 entries";
        if (!dwhi_image_has(im, &list[i], sizeof list[i], PF_R)) return "points outside the plugin";
        if (!list[i]) return NULL;
        if (!dwhi_image_str(im, list[i])) return "has an entry pointing outside the plugin";
    }
}

static int code_ok(const dwhi_image *im, const void *fn) { return !fn || dwhi_image_has(im, fn, 1, PF_R | PF_X); }

char *dwhi_check_metadata(const dwhi_image *im, const dw_source *d) {
    static const char *const fix = "set it in the descriptor and rebuild";
    /* Every required member that is missing, named in one line, with what
     * `dwhost conformance` will ask for next (label, docs_url and, for a
     * remote source, primary_library), so an author fixes all in one go. */
    const char *missing[3];
    size_t n_missing = 0;
    if (!req_str(im, d->name)) missing[n_missing++] = "name";
    if (!req_str(im, d->icon_path)) missing[n_missing++] = "icon_path";
    if (!req_str(im, d->version)) missing[n_missing++] = "version";
    if (n_missing) {
        char also[64] = "";
        int remote = d->comm_method == DW_COMM_HTTP || d->comm_method == DW_COMM_VENDOR_SDK;
        const struct {
            const char *name;
            const char *value;
            int wanted;
        } conf[] = {{"label", d->label, 1}, {"docs_url", d->docs_url, 1}, {"primary_library", d->primary_library, remote}};
        for (size_t i = 0; i < sizeof conf / sizeof conf[0]; i++)
            if (conf[i].wanted && opt_str(im, conf[i].value) && (!conf[i].value || !*conf[i].value))
                snprintf(also + strlen(also), sizeof also - strlen(also), "%s%s", *also ? ", " : "", conf[i].name);
        return dwhi_strf("required metadata missing: %s%s%s%s; set %s in the descriptor and rebuild%s%s%s", missing[0],
                        n_missing > 1 ? ", " : "", n_missing > 1 ? missing[1] : "", n_missing > 2 ? ", version" : "",
                        n_missing > 1 ? "them" : "it", *also ? " (dwhost conformance also requires " : "", also,
                        *also ? ")" : "");
    }
    struct {
        const char *name;
        const char *value;
    } opt[] = {{"label", d->label},       {"caption", d->caption},           {"docs_url", d->docs_url},
               {"category", d->category}, {"feature_flag", d->feature_flag}, {"primary_library", d->primary_library}};
    for (size_t i = 0; i < sizeof opt / sizeof opt[0]; i++)
        if (!opt_str(im, opt[i].value))
            return dwhi_strf("metadata %s points outside the plugin; the descriptor is corrupt, rebuild the plugin",
                            opt[i].name);
    const char *why = check_list(im, d->keywords);
    if (why) return dwhi_strf("metadata keywords %s; end the list with NULL", why);
    if (d->release_status > DW_RELEASE_BETA)
        return dwhi_strf("metadata release_status %u is not DW_RELEASE_GA/ALPHA/BETA; %s", d->release_status, fix);
    if (d->comm_method > DW_COMM_LOCAL_FILES)
        return dwhi_strf("metadata comm_method %u is not a dw_comm_method; %s", d->comm_method, fix);
    if (d->capabilities & ~(DW_CAP_RESUMABLE | DW_CAP_WEBHOOK | DW_CAP_OAUTH))
        return dwhi_strf("metadata capabilities 0x%x has unknown bits; use DW_CAP_* only", d->capabilities);
    if (d->n_non_retryable_errors) {
        const dw_error_mapping *m = d->non_retryable_errors;
        if (!m || !dwhi_image_has(im, m, (size_t)d->n_non_retryable_errors * sizeof *m, PF_R))
            return dwhi_strf("metadata non_retryable_errors (%u entries) points outside the plugin; %s",
                            d->n_non_retryable_errors, fix);
        for (uint32_t i = 0; i < d->n_non_retryable_errors; i++)
            if (!req_str(im, m[i].substring) || !opt_str(im, m[i].message))
                return dwhi_strf("metadata non_retryable_errors[%u] needs a substring and a message; %s", i, fix);
    }
    if (d->n_webhook_resources) {
        const dw_webhook_resource *w = d->webhook_resources;
        if (!w || !dwhi_image_has(im, w, (size_t)d->n_webhook_resources * sizeof *w, PF_R))
            return dwhi_strf("metadata webhook_resources (%u entries) points outside the plugin; %s",
                            d->n_webhook_resources, fix);
        for (uint32_t i = 0; i < d->n_webhook_resources; i++)
            if (!req_str(im, w[i].schema) || !req_str(im, w[i].event_type))
                return dwhi_strf("metadata webhook_resources[%u] needs a schema and an event_type; %s", i, fix);
    }
    /* 1.9: a signature scheme names the secret field holding the signing secret */
    if (d->webhook_signature > DW_WEBHOOK_SIG_GITHUB_SHA256)
        return dwhi_strf("metadata webhook_signature %u is not a dw_webhook_signature; %s", d->webhook_signature, fix);
    if (!opt_str(im, d->webhook_secret_field))
        return dwhi_strf("metadata webhook_secret_field points outside the plugin; %s", fix);
    if (d->webhook_signature && !req_str(im, d->webhook_secret_field))
        return dwhi_strf("metadata webhook_signature is set but webhook_secret_field is not: name the secret config "
                         "field that holds the signing secret; %s", fix);
    struct {
        const char *name;
        const void *fn;
        int required;
    } ops[] = {{"init", (const void *)d->init, 0},
               {"fini", (const void *)d->fini, 0},
               {"list_schemas", (const void *)d->list_schemas, 1},
               {"check_credentials", (const void *)d->check_credentials, 1},
               {"run", (const void *)d->run, 1},
               {"webhook_transform", (const void *)d->webhook_transform, (d->capabilities & DW_CAP_WEBHOOK) != 0}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (!ops[i].fn && ops[i].required)
            return dwhi_strf("required operation missing: %s%s; implement it and set .%s in the descriptor",
                            ops[i].name, i == 5 ? " (the plugin declares DW_CAP_WEBHOOK)" : "", ops[i].name);
        if (!code_ok(im, ops[i].fn))
            return dwhi_strf("operation %s points outside the plugin's code; set it to a function of the plugin",
                            ops[i].name);
    }
    return NULL;
}

/* ---- the field tree ----------------------------------------------------- */

typedef struct walker {
    const dwhi_image *im;
    uint16_t field_size, option_size;
    size_t total;
} walker;

static const char *kind_word(uint32_t kind) {
    switch (kind) {
    case DW_FIELD_INPUT: return "input";
    case DW_FIELD_SWITCH_GROUP: return "switch group";
    case DW_FIELD_SELECT: return "select";
    case DW_FIELD_OAUTH: return "oauth";
    case DW_FIELD_OAUTH_ACCOUNT: return "oauth account";
    case DW_FIELD_FILE_UPLOAD: return "file upload";
    case DW_FIELD_SSH_TUNNEL: return "ssh tunnel";
    }
    return "field";
}

/* `where` names the level for messages: "" (top), "auth[api_key]." ... */
static char *check_level(walker *w, const dw_field *arr, uint32_t n, const char *where, int depth);

static char *check_one(walker *w, const dw_field *f, uint32_t i, const char *where, int depth) {
    static const char *const fix = "fix the field definitions and rebuild";
    if (!f->name || !dwhi_image_str(w->im, f->name) || !f->name[0])
        return dwhi_strf("invalid config form: field #%u of %s has no name; %s", i,
                        where[0] ? where : "the top level", fix);
    if (strpbrk(f->name, ".[]"))
        return dwhi_strf("invalid config form: field '%s%s' has '.', '[' or ']' in its name (config paths use them); "
                        "rename it", where, f->name);
    const char *strs[] = {f->label,      f->caption,           f->placeholder,       f->default_value,
                          f->oauth_kind, f->required_scopes,   f->integration_field, f->integration_kind,
                          f->file_format,  f->options_action};
    for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++)
        if (!opt_str(w->im, strs[k]))
            return dwhi_strf("invalid config form: field '%s%s' has a string pointing outside the plugin; %s", where,
                            f->name, fix);
    /* 1.8; which action it names is checked once the actions are
     * (dwhi_check_options_actions, on the normalised copy). */
    if (f->options_action && f->kind != DW_FIELD_INPUT && f->kind != DW_FIELD_SELECT)
        return dwhi_strf("invalid config form: %s '%s%s' names options_action '%s', but only input and select fields "
                        "list choices; remove it", kind_word(f->kind), where, f->name, f->options_action);
    switch (f->kind) {
    case DW_FIELD_INPUT:
        if (f->input_type < DW_INPUT_TEXT || f->input_type > DW_INPUT_TEXTAREA)
            return dwhi_strf("invalid config form: input '%s%s' has unknown input type %u; use a DW_INPUT_* value",
                            where, f->name, f->input_type);
        return NULL;
    case DW_FIELD_SWITCH_GROUP: {
        char *sub = dwhi_strf("%s%s.", where, f->name);
        if (!sub) return NULL;
        char *err = check_level(w, f->fields, f->n_fields, sub, depth + 1);
        free(sub);
        return err;
    }
    case DW_FIELD_SELECT: {
        if (f->n_options == 0 || !f->options)
            return dwhi_strf("invalid config form: select '%s%s' has no options; add at least one", where, f->name);
        if (f->converter > DW_CONVERT_STR_TO_OPTIONAL_INT)
            return dwhi_strf("invalid config form: select '%s%s' has unknown converter %u; use a DW_CONVERT_* value",
                            where, f->name, f->converter);
        if (!dwhi_image_has(w->im, f->options, (size_t)f->n_options * w->option_size, PF_R))
            return dwhi_strf("invalid config form: options of select '%s%s' (%u entries) point outside the plugin; %s",
                            where, f->name, f->n_options, fix);
        for (uint32_t o = 0; o < f->n_options; o++) {
            dw_select_option opt;
            dwhi_read_option(&opt, f->options, o, w->option_size);
            /* "" is the "no value" option of a str_to_optional_int select. */
            int blank_ok = f->converter == DW_CONVERT_STR_TO_OPTIONAL_INT && opt.value && dwhi_image_str(w->im, opt.value);
            if ((!req_str(w->im, opt.value) && !blank_ok) || !opt_str(w->im, opt.label))
                return dwhi_strf("invalid config form: option #%u of select '%s%s' has no value; give it one", o,
                                where, f->name);
            for (uint32_t p = 0; p < o; p++) {
                dw_select_option prev;
                dwhi_read_option(&prev, f->options, p, w->option_size);
                if (!strcmp(prev.value, opt.value))
                    return dwhi_strf("invalid config form: select '%s%s' has two options with value '%s'; "
                                    "make the values unique", where, f->name, opt.value);
            }
            char *sub = dwhi_strf("%s%s[%s].", where, f->name, opt.value);
            if (!sub) return NULL;
            char *err = check_level(w, opt.fields, opt.n_fields, sub, depth + 1);
            free(sub);
            if (err) return err;
        }
        return NULL;
    }
    case DW_FIELD_OAUTH:
        if (!req_str(w->im, f->oauth_kind))
            return dwhi_strf("invalid config form: oauth field '%s%s' has no oauth_kind; set the integration kind",
                            where, f->name);
        return NULL;
    case DW_FIELD_OAUTH_ACCOUNT:
        if (!req_str(w->im, f->integration_kind) || !req_str(w->im, f->integration_field))
            return dwhi_strf("invalid config form: oauth account field '%s%s' needs integration_field and "
                            "integration_kind; set both", where, f->name);
        return NULL;
    case DW_FIELD_FILE_UPLOAD: {
        const char *why = check_list(w->im, f->file_keys);
        if (why) return dwhi_strf("invalid config form: file_keys of '%s%s' %s; end the list with NULL", where, f->name, why);
        return NULL;
    }
    case DW_FIELD_SSH_TUNNEL: return NULL;
    }
    return dwhi_strf("invalid config form: field '%s%s' has unknown kind %u; use a DW_FIELD_* value", where, f->name,
                    f->kind);
}

static char *check_level(walker *w, const dw_field *arr, uint32_t n, const char *where, int depth) {
    if (n == 0) return NULL;
    if (depth > DWHI_MAX_FIELD_DEPTH)
        return dwhi_strf("invalid config form: fields under '%s' nest deeper than %d levels; flatten the form", where,
                        DWHI_MAX_FIELD_DEPTH);
    w->total += n;
    if (w->total > DWHI_MAX_FIELDS)
        return dwhi_strf("invalid config form: more than %d fields in the tree; simplify the form", DWHI_MAX_FIELDS);
    if (!arr || !dwhi_image_has(w->im, arr, (size_t)n * w->field_size, PF_R))
        return dwhi_strf("invalid config form: the %u fields of %s point outside the plugin; the descriptor is corrupt, "
                        "rebuild the plugin", n, where[0] ? where : "the top level");
    for (uint32_t i = 0; i < n; i++) {
        dw_field f;
        dwhi_read_field(&f, arr, i, w->field_size);
        char *err = check_one(w, &f, i, where, depth);
        if (err) return err;
        for (uint32_t j = 0; j < i; j++) {
            dw_field prev;
            dwhi_read_field(&prev, arr, j, w->field_size);
            if (!strcmp(prev.name, f.name))
                return dwhi_strf("invalid config form: two fields named '%s%s' (%s #%u and %s #%u) at one level; "
                                "rename one", where, f.name, kind_word(prev.kind), j, kind_word(f.kind), i);
        }
    }
    return NULL;
}

char *dwhi_check_fields(const dwhi_image *im, const dw_source *d) {
    walker w = {im, d->field_size, d->option_size, 0};
    return check_level(&w, d->fields, d->n_fields, "", 1);
}
