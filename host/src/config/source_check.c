/* source_check.c -- validate a config, then check credentials (see source_check.h). */
#include "source_check.h"
#include "sync/schema_lookup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_load.h"
#include "ops/plugin_api_table.h"

const char *dwhi_outcome_name(dw_status cause) {
    switch (cause) {
    case DW_OK: return "ok";
    case DW_ERR_AUTH:
    case DW_ERR_NON_RETRYABLE: return "bad_credentials";
    case DW_ERR_FORBIDDEN: return "forbidden";
    case DW_ERR_UNREACHABLE:
    case DW_ERR_TIMEOUT:
    case DW_ERR_SSRF: return "unreachable";
    case DW_ERR_CONFIG:
    case DW_ERR_NEEDS_CONFIG: return "invalid_config";
    case DW_ERR_UNSUPPORTED: return "plugin_error";
    case DW_ERR_CANCELLED: return "interrupted";
    case DW_ERR_STATE: return "state_error";
    case DW_ERR_SINK: return "warehouse_error";
    default: return "error";
    }
}

static void add_string(json_object *arr, const char *text, const dwhi_secrets *s) {
    char *clean = dwhi_secrets_scrub(s, text);
    if (clean) json_object_array_add(arr, json_object_new_string(clean));
    free(clean);
}

/* The result document; takes `warnings`, reads the rest.  `unknown_schema`:
 * the outcome says so instead of grouping the cause (DW_ERR_CONFIG). */
static json_object *document(dwh_plugin *p, const char *schema, dw_status cause, dw_status status, int unknown_schema,
                             const char *message, json_object *warnings, const dwhi_config_report *rep,
                             const dwhi_secrets *secrets) {
    json_object *doc = json_object_new_object();
    if (!doc) {
        json_object_put(warnings);
        return NULL;
    }
    json_object_object_add(doc, "source", json_object_new_string(dwh_plugin_name(p)));
    json_object_object_add(doc, "schema", schema ? json_object_new_string(schema) : NULL);
    json_object_object_add(doc, "ok", json_object_new_boolean(cause == DW_OK));
    json_object_object_add(doc, "outcome",
                           json_object_new_string(unknown_schema ? "unknown_schema" : dwhi_outcome_name(cause)));
    json_object_object_add(doc, "status", json_object_new_string(dwhi_status_name(status)));
    char *clean = message ? dwhi_secrets_scrub(secrets, message) : NULL;
    json_object_object_add(doc, "message", clean ? json_object_new_string(clean) : NULL);
    free(clean);
    json_object_object_add(doc, "warnings", warnings);
    json_object_object_add(doc, "config", dwhi_config_report_to_json(rep, secrets));
    return doc;
}

dwhi_check_result dwhi_check_run(dwh_plugin *p, json_object *raw_config, const char *base_dir, const char *schema,
                               const dwhi_op_flags *flags, dwhi_secrets *secrets) {
    dwhi_check_result res = {.cause = DW_ERR_CONFIG};
    json_object *warnings = json_object_new_array();
    dwhi_config_report rep;
    dwhi_config_report_init(&rep);
    json_object *config = NULL;
    dw_status status = DW_ERR_CONFIG;
    char *message = NULL;

    if (dwhi_config_load_json(dwh_plugin_source(p), raw_config, base_dir, &config, secrets, &rep) != 0) {
        res.invalid_config = 1;
    } else {
        const char *err = NULL;
        dw_status st = dwhi_plugin_activate(p, dwhi_api_table(), &err);
        if (st != DW_OK) {
            char *clean = dwhi_secrets_scrub(secrets, err ? err : "init() failed");
            if (asprintf(&message, "plugin '%s' could not start: %s", dwh_plugin_name(p),
                         clean ? clean : "init() failed") < 0)
                message = NULL;
            free(clean);
            status = res.cause = DW_ERR_UNSUPPORTED;
        } else if (schema && dwhi_schema_lookup(p, config, secrets, flags, schema, &message) == 0) {
            /* an unknown schema: the same line and exit code (4) as sync and read */
            status = res.cause = DW_ERR_CONFIG;
            res.unknown_schema = 1;
        } else {
            json_object *plugin_warnings = NULL;
            dwhi_op_result r = dwhi_op_check(p, config, secrets, NULL, flags, schema, &plugin_warnings);
            for (size_t i = 0; plugin_warnings && i < json_object_array_length(plugin_warnings); i++)
                add_string(warnings, json_object_get_string(json_object_array_get_idx(plugin_warnings, i)), secrets);
            json_object_put(plugin_warnings);
            status = r.code;
            res.cause = r.cause;
            message = r.message;
            r.message = NULL;
            if (!message && r.note) { /* a pass: what the plugin verified */
                message = r.note;
                r.note = NULL;
            }
            dwhi_op_result_free(&r);
            if (!schema && res.cause == DW_ERR_FORBIDDEN) {
                char *w = NULL;
                if (asprintf(&w, "credentials are valid but lack a permission: %s; schemas that need it will fail "
                                 "(check one with --schema NAME)", message ? message : "forbidden") >= 0)
                    add_string(warnings, w, secrets);
                free(w);
                free(message);
                message = NULL;
                status = res.cause = DW_OK;
            }
        }
    }
    res.doc = document(p, schema, res.cause, status, res.unknown_schema, message, warnings, &rep, secrets);
    free(message);
    dwhi_config_report_clear(&rep);
    json_object_put(config);
    return res;
}

dwhi_check_result dwhi_check_run_file(dwh_plugin *p, const char *config_path, const char *schema,
                                    const dwhi_op_flags *flags, dwhi_secrets *secrets) {
    dwhi_config_report rep;
    dwhi_config_report_init(&rep);
    json_object *raw = NULL;
    char *dir = NULL;
    dwhi_check_result res;
    if (dwhi_config_read_file(config_path, &raw, &dir, &rep) != 0) {
        res = dwhi_check_invalid(p, schema, &rep, secrets);
    } else {
        res = dwhi_check_run(p, raw, dir, schema, flags, secrets);
    }
    dwhi_config_report_clear(&rep);
    json_object_put(raw);
    free(dir);
    return res;
}

dwhi_check_result dwhi_check_invalid(dwh_plugin *p, const char *schema, const dwhi_config_report *rep,
                                   const dwhi_secrets *secrets) {
    dwhi_check_result res = {.cause = DW_ERR_CONFIG, .invalid_config = 1};
    res.doc = document(p, schema, DW_ERR_CONFIG, DW_ERR_CONFIG, 0, NULL, json_object_new_array(), rep, secrets);
    return res;
}

void dwhi_check_result_free(dwhi_check_result *r) {
    if (!r) return;
    json_object_put(r->doc);
    r->doc = NULL;
}
