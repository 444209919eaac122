/* form_json.c -- a source's form as the JSON document of
 * docs/form-json.md.  Every member of a kind is always present (null when
 * unset), so consumers never probe for keys.  Which values are secret
 * comes from config_fields.h, the one place the validator, the secret
 * scrubber and this renderer agree on. */
#include "form_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_fields.h"
#include "ops/action_args.h"
#include "registry/registry.h"
#include "base/source_names.h"

static json_object *str(const char *s) { return s ? json_object_new_string(s) : NULL; }
static json_object *boolean(int v) { return json_object_new_boolean(v != 0); }

static json_object *str_list(const char *const *list) {
    if (!list) return NULL;
    json_object *a = json_object_new_array();
    for (size_t i = 0; a && list[i]; i++) json_object_array_add(a, json_object_new_string(list[i]));
    return a;
}

int dwhi_form_field_secret(const dw_field *f) {
    switch (f->kind) {
    case DW_FIELD_INPUT: return dwhi_field_is_secret(f);
    case DW_FIELD_OAUTH:
    case DW_FIELD_FILE_UPLOAD: return 1;
    default: return 0;
    }
}

static const char *ssh_type_name(dwhi_ssh_key_type t) {
    switch (t) {
    case DWHI_SSH_BOOL: return "boolean";
    case DWHI_SSH_STRING: return "string";
    case DWHI_SSH_PORT: return "port";
    case DWHI_SSH_AUTH: return "choice";
    }
    return "string";
}

/* The keys an SSH tunnel expands into (config_fields.c owns the table). */
static json_object *ssh_keys_json(void) {
    size_t n = 0;
    const dwhi_ssh_key *k = dwhi_ssh_keys(&n);
    json_object *a = json_object_new_array();
    for (size_t i = 0; a && i < n; i++) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", str(k[i].name));
        json_object_object_add(o, "label", str(k[i].label));
        json_object_object_add(o, "type", json_object_new_string(ssh_type_name(k[i].type)));
        json_object_object_add(o, "required", boolean(k[i].required));
        json_object_object_add(o, "secret", boolean(k[i].secret));
        json_object_object_add(o, "only_for_auth", str(k[i].only_for_auth));
        if (k[i].type == DWHI_SSH_AUTH) {
            static const char *const auth[] = {"password", "keypair", NULL};
            json_object_object_add(o, "options", str_list(auth));
        }
        if (k[i].type == DWHI_SSH_PORT) json_object_object_add(o, "default", json_object_new_int(22));
        json_object_array_add(a, o);
    }
    return a;
}

static json_object *oauth_keys_json(void) {
    size_t n = 0;
    const dwhi_oauth_key *k = dwhi_oauth_keys(&n);
    json_object *a = json_object_new_array();
    for (size_t i = 0; a && i < n; i++) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", str(k[i].name));
        json_object_object_add(o, "required", boolean(k[i].required));
        json_object_object_add(o, "secret", boolean(k[i].secret));
        json_object_array_add(a, o);
    }
    return a;
}

static json_object *field_json(const dw_field *f) {
    json_object *o = json_object_new_object();
    if (!o) return NULL;
    json_object_object_add(o, "kind", json_object_new_string(dwhi_field_kind_name(f->kind)));
    json_object_object_add(o, "name", str(f->name));
    json_object_object_add(o, "label", str(f->label));
    json_object_object_add(o, "caption", str(f->caption));
    json_object_object_add(o, "required", boolean(f->required));
    json_object_object_add(o, "secret", boolean(dwhi_form_field_secret(f)));
    switch (f->kind) {
    case DW_FIELD_INPUT:
        json_object_object_add(o, "input_type", json_object_new_string(dwhi_input_type_name(f->input_type)));
        json_object_object_add(o, "placeholder", str(f->placeholder));
        json_object_object_add(o, "default", str(f->default_value));
        json_object_object_add(o, "options_action", str(f->options_action)); /* 1.8 */
        break;
    case DW_FIELD_SWITCH_GROUP:
        json_object_object_add(o, "default", boolean(f->default_on));
        json_object_object_add(o, "fields", dwhi_form_fields_json(f->fields, f->n_fields));
        break;
    case DW_FIELD_SELECT: {
        json_object *opts = json_object_new_array();
        for (uint32_t i = 0; opts && i < f->n_options; i++) {
            json_object *opt = json_object_new_object();
            json_object_object_add(opt, "label", str(f->options[i].label));
            json_object_object_add(opt, "value", str(f->options[i].value));
            json_object_object_add(opt, "fields", dwhi_form_fields_json(f->options[i].fields, f->options[i].n_fields));
            json_object_array_add(opts, opt);
        }
        json_object_object_add(o, "options", opts);
        json_object_object_add(o, "default", str(f->default_value));
        json_object_object_add(o, "multiple", boolean(f->multiple));
        json_object_object_add(o, "converter", str(dwhi_converter_name(f->converter)));
        json_object_object_add(o, "options_action", str(f->options_action)); /* 1.8 */
        break;
    }
    case DW_FIELD_OAUTH:
        json_object_object_add(o, "oauth_kind", str(f->oauth_kind));
        json_object_object_add(o, "required_scopes", str(f->required_scopes));
        json_object_object_add(o, "keys", oauth_keys_json());
        break;
    case DW_FIELD_OAUTH_ACCOUNT:
        json_object_object_add(o, "integration_field", str(f->integration_field));
        json_object_object_add(o, "integration_kind", str(f->integration_kind));
        json_object_object_add(o, "multiple", boolean(f->multiple));
        break;
    case DW_FIELD_FILE_UPLOAD:
        json_object_object_add(o, "file_format", str(f->file_format));
        json_object_object_add(o, "file_keys", str_list(f->file_keys));
        break;
    case DW_FIELD_SSH_TUNNEL:
        json_object_object_add(o, "fields", ssh_keys_json());
        break;
    }
    return o;
}

json_object *dwhi_form_fields_json(const dw_field *fields, uint32_t n) {
    json_object *a = json_object_new_array();
    for (uint32_t i = 0; a && i < n; i++) json_object_array_add(a, field_json(&fields[i]));
    return a;
}

json_object *dwhi_form_json(const dw_source *s, unsigned abi_major, unsigned abi_minor) {
    json_object *o = json_object_new_object();
    if (!o) return NULL;
    char abi[32];
    snprintf(abi, sizeof abi, "%u.%u", abi_major, abi_minor);
    json_object_object_add(o, "name", str(s->name));
    json_object_object_add(o, "label", str(s->label));
    json_object_object_add(o, "caption", str(s->caption));
    json_object_object_add(o, "docs_url", str(s->docs_url));
    json_object_object_add(o, "icon_path", str(s->icon_path));
    json_object_object_add(o, "category", str(s->category));
    json_object *kw = str_list(s->keywords);
    json_object_object_add(o, "keywords", kw ? kw : json_object_new_array());
    json_object_object_add(o, "release_status", json_object_new_string(dwhi_release_status_name(s->release_status)));
    json_object_object_add(o, "feature_flag", str(s->feature_flag));
    json_object_object_add(o, "unreleased", boolean(s->unreleased));
    json_object_object_add(o, "comm_method", json_object_new_string(dwhi_comm_method_name(s->comm_method)));
    json_object_object_add(o, "primary_library", str(s->primary_library));
    json_object_object_add(o, "version", str(s->version));
    json_object_object_add(o, "abi", json_object_new_string(abi));
    json_object_object_add(o, "capabilities", dwhi_capabilities_json(s->capabilities));
    json_object_object_add(o, "fields", dwhi_form_fields_json(s->fields, s->n_fields));
    json_object *errs = json_object_new_array();
    for (uint32_t i = 0; errs && i < s->n_non_retryable_errors; i++) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "substring", str(s->non_retryable_errors[i].substring));
        json_object_object_add(e, "message", str(s->non_retryable_errors[i].message));
        json_object_array_add(errs, e);
    }
    json_object_object_add(o, "non_retryable_errors", errs);
    json_object *hooks = json_object_new_array();
    for (uint32_t i = 0; hooks && i < s->n_webhook_resources; i++) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "schema", str(s->webhook_resources[i].schema));
        json_object_object_add(e, "event_type", str(s->webhook_resources[i].event_type));
        json_object_array_add(hooks, e);
    }
    json_object_object_add(o, "webhook_resources", hooks);
    json_object_object_add(o, "actions", dwhi_actions_json(s)); /* 1.8 */
    return o;
}

char *dwh_plugin_form_json(const dwh_plugin *p) {
    if (!p) return NULL;
    unsigned major = 0, minor = 0;
    dwh_plugin_abi(p, &major, &minor);
    json_object *o = dwhi_form_json(dwh_plugin_source(p), major, minor);
    if (!o) return NULL;
    const char *t = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    char *copy = t ? strdup(t) : NULL;
    json_object_put(o);
    return copy;
}
