/* config_api.c -- the embedding API's config section (dwhost.h): JSON text
 * in and out around config_load.c, config_secrets.c and source_check.c. */
#include <stdlib.h>
#include <string.h>

#include "config/source_check.h"
#include "config/config_load.h"
#include "config/config_secrets.h"
#include "dwhost.h"
#include "api_options.h"
#include "host_settings.h"

static char *text_of(json_object *o) {
    if (!o) return NULL;
    return strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* The report of a call made without a plugin (dwhost.h "NULL handles"). */
static char *no_plugin_report(void) {
    dwhi_config_report rep;
    dwhi_config_report_init(&rep);
    dwhi_config_report_error(&rep, "(plugin)", "a plugin handle",
                            "NULL (no plugin: was the source found by dwh_host_find?)");
    json_object *j = dwhi_config_report_to_json(&rep, NULL);
    char *text = text_of(j);
    json_object_put(j);
    dwhi_config_report_clear(&rep);
    return text;
}

/* Parses caller text; on failure records the problem at "(config)". */
static json_object *parse(const char *config_json, dwhi_config_report *rep) {
    char err[200];
    json_object *raw = NULL;
    const char *t = config_json ? config_json : "{}";
    if (dwhi_config_parse_text(t, strlen(t), &raw, err, sizeof err) != 0) {
        dwhi_config_report_error(rep, "(config)", "a JSON object", err);
        return NULL;
    }
    return raw;
}

dw_status dwh_config_validate_text(dwh_plugin *p, const char *config_json, const char *base_dir, char **validated,
                                   char **report, char **error) {
    if (validated) *validated = NULL;
    if (report) *report = NULL;
    if (error) *error = NULL;
    if (!p) {
        if (report) *report = no_plugin_report();
        if (error) *error = strdup(DWHI_API_NO_PLUGIN);
        return DW_ERR_NOT_FOUND;
    }
    dwhi_api_scope scope;
    dwhi_api_scope_enter(dwhi_host_settings_of(p), &scope);
    dwhi_config_report rep;
    dwhi_config_report_init(&rep);
    dwhi_secrets *secrets = dwhi_secrets_new();
    json_object *out = NULL;
    int rc = -1;
    json_object *raw = parse(config_json, &rep);
    /* only validating (no *validated asked for) loads nothing: no config.loaded line */
    if ((raw || rep.n_errors == 0) && validated)
        rc = dwhi_config_load_json(dwh_plugin_source(p), raw, base_dir, &out, secrets, &rep);
    else if (raw || rep.n_errors == 0)
        rc = dwhi_config_check_json(dwh_plugin_source(p), raw, base_dir, secrets, &rep);
    if (rc == 0 && validated) {
        *validated = text_of(out);
        if (!*validated) rc = -1;
    }
    if (report) {
        json_object *j = dwhi_config_report_to_json(&rep, secrets);
        *report = text_of(j);
        json_object_put(j);
    }
    dw_status st = rc == 0 ? DW_OK : rep.n_errors ? DW_ERR_CONFIG : DW_ERR_NOMEM;
    if (st != DW_OK && error)
        *error = rep.n_errors ? dwhi_config_report_summary(&rep, secrets) : strdup("out of memory");
    json_object_put(out);
    json_object_put(raw);
    dwhi_secrets_free(secrets);
    dwhi_config_report_clear(&rep);
    dwhi_api_scope_leave(&scope);
    return st;
}

char *dwh_config_mask_text(dwh_plugin *p, const char *config_json) {
    if (!p) return NULL;
    dwhi_config_report rep;
    dwhi_config_report_init(&rep);
    json_object *raw = parse(config_json, &rep);
    dwhi_config_report_clear(&rep);
    if (!raw) return NULL;
    const dw_source *src = dwh_plugin_source(p);
    json_object *m = dwhi_config_mask(src->fields, src->n_fields, raw);
    char *text = text_of(m);
    json_object_put(m);
    json_object_put(raw);
    return text;
}

char *dwh_config_secret_paths_json(dwh_plugin *p) {
    if (!p) return NULL;
    const dw_source *src = dwh_plugin_source(p);
    char **paths = dwhi_config_secret_paths(src->fields, src->n_fields);
    if (!paths) return NULL;
    json_object *a = json_object_new_array();
    for (char **q = paths; a && *q; q++) json_object_array_add(a, json_object_new_string(*q));
    dwhi_config_secret_paths_free(paths);
    char *text = text_of(a);
    json_object_put(a);
    return text;
}

/* The `check --json` document for a call without a plugin. */
static char *no_plugin_check_doc(const char *schema) {
    json_object *doc = json_object_new_object();
    if (!doc) return NULL;
    json_object_object_add(doc, "source", NULL);
    json_object_object_add(doc, "schema", schema ? json_object_new_string(schema) : NULL);
    json_object_object_add(doc, "ok", json_object_new_boolean(0));
    json_object_object_add(doc, "outcome", json_object_new_string(dwhi_outcome_name(DW_ERR_NOT_FOUND)));
    json_object_object_add(doc, "status", json_object_new_string("not_found"));
    json_object_object_add(doc, "message",
                           json_object_new_string(DWHI_API_NO_PLUGIN));
    json_object_object_add(doc, "warnings", json_object_new_array());
    char *text = text_of(doc);
    json_object_put(doc);
    return text;
}

/* The one line of a failed check: the document's scrubbed "message". */
static char *check_message(json_object *doc, dw_status cause) {
    json_object *m = NULL;
    if (doc && json_object_object_get_ex(doc, "message", &m) && json_object_is_type(m, json_type_string))
        return strdup(json_object_get_string(m));
    char *msg = NULL;
    if (asprintf(&msg, "the check failed (%s)", dwhi_status_name(cause)) < 0) msg = NULL;
    return msg;
}

/* dwh_check and dwh_check_with: the document of source_check.c on JSON
 * text or a config file. */
static dw_status check(dwh_plugin *p, const char *config_json, const dwh_check_options *o, char **result_json,
                       char **error) {
    if (!p) {
        if (result_json) *result_json = no_plugin_check_doc(o->schema);
        if (error) *error = strdup(DWHI_API_NO_PLUGIN);
        return DW_ERR_NOT_FOUND;
    }
    dwhi_api_scope scope;
    dwhi_api_scope_enter(dwhi_host_settings_of(p), &scope);
    dwhi_secrets *secrets = dwhi_secrets_new();
    dwhi_config_report rep;
    dwhi_config_report_init(&rep);
    dwhi_op_flags flags = {.cancel = o->cancel, .allow_internal_hosts = o->allow_internal_hosts};
    json_object *raw = NULL;
    dwhi_check_result r;
    if (o->config_file) {
        r = dwhi_check_run_file(p, o->config_file, o->schema, &flags, secrets);
    } else if ((raw = parse(config_json, &rep)), rep.n_errors) {
        r = dwhi_check_invalid(p, o->schema, &rep, secrets); /* not JSON */
    } else {
        r = dwhi_check_run(p, raw, o->base_dir, o->schema, &flags, secrets);
    }
    if (result_json && r.doc) *result_json = text_of(r.doc);
    dw_status cause = r.invalid_config ? DW_ERR_CONFIG : r.cause;
    if (cause != DW_OK && error) *error = check_message(r.doc, cause);
    dwhi_check_result_free(&r);
    json_object_put(raw);
    dwhi_config_report_clear(&rep);
    dwhi_secrets_free(secrets);
    dwhi_api_scope_leave(&scope);
    return cause;
}

dw_status dwh_check(dwh_plugin *p, const char *config_json, const char *base_dir, const char *schema,
                    int allow_internal, char **result_json, char **error) {
    if (result_json) *result_json = NULL;
    if (error) *error = NULL;
    dwh_check_options o = {.schema = schema, .base_dir = base_dir, .allow_internal_hosts = allow_internal};
    return check(p, config_json, &o, result_json, error);
}

dw_status dwh_check_with_sized(dwh_plugin *p, const char *config_json, const dwh_check_options *opts,
                               size_t opts_size, char **result_json, char **error) {
    if (result_json) *result_json = NULL;
    if (error) *error = NULL;
    dwh_check_options o;
    size_t unknown = 0;
    if (dwhi_options_copy(&o, sizeof o, opts, opts ? opts_size : 0, &unknown) != 0) {
        if (error) *error = dwhi_options_unknown_message("dwh_check_options", unknown, sizeof o);
        return DW_ERR_CONFIG;
    }
    return check(p, config_json, &o, result_json, error);
}

dw_status dwh_config_read_file(const char *path, char **config_json, char **base_dir, char **report, char **error) {
    if (config_json) *config_json = NULL;
    if (base_dir) *base_dir = NULL;
    if (report) *report = NULL;
    if (error) *error = NULL;
    if (!path || !config_json) {
        if (error) *error = strdup("dwh_config_read_file: give a path and where the text goes (config_json)");
        return DW_ERR_CONFIG;
    }
    dwhi_config_report rep;
    dwhi_config_report_init(&rep);
    char *dir = NULL;
    dw_status st = DW_OK;
    if (dwhi_config_read_file_text(path, config_json, NULL, &dir, &rep) != 0) {
        st = rep.n_errors ? DW_ERR_CONFIG : DW_ERR_NOMEM;
        if (report) {
            json_object *j = dwhi_config_report_to_json(&rep, NULL);
            *report = text_of(j);
            json_object_put(j);
        }
        if (error) *error = rep.n_errors ? dwhi_config_report_summary(&rep, NULL) : strdup("out of memory");
    } else if (base_dir) {
        *base_dir = dir;
        dir = NULL;
    }
    free(dir);
    dwhi_config_report_clear(&rep);
    return st;
}

void dwh_free_secret(char *text) {
    if (!text) return;
    /* explicit_bzero: a plain memset before free() may be optimised away. */
    explicit_bzero(text, strlen(text));
    free(text);
}
