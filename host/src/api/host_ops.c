/* host_ops.c -- the embedding API's operations section (dwhost.h
 * "== operations =="): list schemas and read one schema, on JSON text,
 * around config_load.c and ops.c.  Every entry point validates the config
 * before plugin code runs and scrubs what it returns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_options.h"
#include "config/config_load.h"
#include "dwhost.h"
#include "ops/plugin_api_table.h"
#include "host_settings.h"
#include "core/emit.h"
#include "ops/ops.h"
#include "ops/ops_action.h"
#include "sync/schema_lookup.h"

static void set_error(char **error, char *msg) {
    if (error) *error = msg;
    else free(msg);
}

static char *strf(const char *fmt, const char *arg) {
    char *s = NULL;
    if (asprintf(&s, fmt, arg) < 0) s = NULL;
    return s;
}

/* Parses and validates the caller's config (NULL text: none, *out NULL)
 * into *out, collecting its secrets.  DW_OK or DW_ERR_CONFIG with *error. */
static dw_status load_config_src(const dw_source *src, const char *config_json, const char *base_dir,
                                 dwhi_secrets *secrets, json_object **out, char **error);
static dw_status load_config(dwh_plugin *p, const char *config_json, const char *base_dir, dwhi_secrets *secrets,
                             json_object **out, char **error) {
    return load_config_src(dwh_plugin_source(p), config_json, base_dir, secrets, out, error);
}

/* load_config against the form of `src` (borrowed). */
static dw_status load_config_src(const dw_source *src, const char *config_json, const char *base_dir,
                                 dwhi_secrets *secrets, json_object **out, char **error) {
    *out = NULL;
    if (!config_json) return DW_OK;
    json_object *raw = NULL;
    char perr[256];
    if (dwhi_config_parse_text(config_json, strlen(config_json), &raw, perr, sizeof perr) != 0) {
        set_error(error, strf("the config is not JSON: %s", perr));
        return DW_ERR_CONFIG;
    }
    dwhi_config_report rep;
    dwhi_config_report_init(&rep);
    dw_status st = DW_OK;
    if (dwhi_config_load_json(src, raw, base_dir, out, secrets, &rep) != 0) {
        set_error(error, dwhi_config_report_summary(&rep, secrets));
        st = DW_ERR_CONFIG;
    }
    dwhi_config_report_clear(&rep);
    json_object_put(raw);
    return st;
}

/* Runs init once; DW_ERR_UNSUPPORTED with *error when it failed, and
 * *init_status (may be NULL) the status init returned. */
static dw_status activate(dwh_plugin *p, const dwhi_secrets *secrets, char **error, dw_status *init_status) {
    const char *err = NULL;
    dw_status st = dwhi_plugin_activate(p, dwhi_api_table(), &err);
    if (init_status) *init_status = st;
    if (st == DW_OK) return DW_OK;
    char *clean = dwhi_secrets_scrub(secrets, err ? err : "init() failed"), *msg = NULL;
    if (asprintf(&msg, "plugin '%s' could not start: %s", dwh_plugin_name(p), clean ? clean : "init() failed") < 0)
        msg = NULL;
    free(clean);
    set_error(error, msg);
    return DW_ERR_UNSUPPORTED;
}


static dw_status list_schemas_in_scope(dwh_plugin *p, const char *config_json, const char *base_dir,
                                       int allow_internal, char **schemas_json, char **error) {
    if (schemas_json) *schemas_json = NULL;
    if (error) *error = NULL;
    if (!p) {
        set_error(error, strdup(DWHI_API_NO_PLUGIN));
        return DW_ERR_NOT_FOUND;
    }
    dwhi_secrets *secrets = dwhi_secrets_new();
    if (!secrets) {
        set_error(error, strdup("out of memory"));
        return DW_ERR_NOMEM;
    }
    json_object *config = NULL, *schemas = NULL;
    dw_status st = load_config(p, config_json, base_dir, secrets, &config, error);
    if (st == DW_OK) st = activate(p, secrets, error, NULL);
    if (st == DW_OK) {
        dwhi_op_flags flags = {.allow_internal_hosts = allow_internal};
        dwhi_op_result r = dwhi_op_list_schemas(p, config, secrets, NULL, &flags, &schemas);
        st = r.code;
        if (st != DW_OK) set_error(error, r.message ? strdup(r.message) : strdup("list_schemas failed"));
        dwhi_op_result_free(&r);
    }
    if (st == DW_OK && schemas_json) {
        const char *t = json_object_to_json_string_ext(schemas, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        *schemas_json = t ? dwhi_secrets_scrub(secrets, t) : NULL;
        if (!*schemas_json) {
            st = DW_ERR_NOMEM;
            set_error(error, strdup("out of memory"));
        }
    }
    json_object_put(schemas);
    json_object_put(config);
    dwhi_secrets_free(secrets);
    return st;
}

/* ---- dwh_schema_check ---------------------------------------------------- */

static dw_status schema_check_in_scope(dwh_plugin *p, const char *config_json, const char *base_dir,
                                       const char *schema, const char *field, int allow_internal, char **error) {
    if (!schema || !*schema) {
        set_error(error, strdup("dwh_schema_check needs a schema name"));
        return DW_ERR_CONFIG;
    }
    dwhi_secrets *secrets = dwhi_secrets_new();
    if (!secrets) {
        set_error(error, strdup("out of memory"));
        return DW_ERR_NOMEM;
    }
    json_object *config = NULL;
    dw_status st = load_config(p, config_json ? config_json : "{}", base_dir, secrets, &config, error);
    if (st == DW_OK) st = activate(p, secrets, error, NULL);
    if (st == DW_OK) {
        char *why = NULL;
        dw_status list_status = DW_OK;
        dwhi_op_flags flags = {.allow_internal_hosts = allow_internal};
        int found = dwhi_schema_lookup_strict(p, config, secrets, &flags, schema, field, &why, &list_status);
        if (found <= 0) {
            /* 0: not one of them (a config problem, as sync words it);
             * -1: the listing failed, with its own status */
            st = found == 0 ? DW_ERR_CONFIG : list_status != DW_OK ? list_status : DW_ERR;
            set_error(error, why ? why : strf("cannot check schema '%s'", schema));
        } else {
            free(why);
        }
    }
    json_object_put(config);
    dwhi_secrets_free(secrets);
    return st;
}

dw_status dwh_schema_check(dwh_plugin *p, const char *config_json, const char *base_dir, const char *schema,
                           const char *incremental_field, int allow_internal, char **error) {
    if (error) *error = NULL;
    if (!p) {
        set_error(error, strdup(DWHI_API_NO_PLUGIN));
        return DW_ERR_NOT_FOUND;
    }
    dwhi_api_scope scope;
    dwhi_api_scope_enter(dwhi_host_settings_of(p), &scope);
    dw_status st = schema_check_in_scope(p, config_json, base_dir, schema, incremental_field, allow_internal, error);
    dwhi_api_scope_leave(&scope);
    return st;
}

/* ---- dwh_read ----------------------------------------------------------- */

typedef struct read_sink {
    dwhi_row_sink sink;
    const dwh_read_options *o;
    const char *state_in; /* borrowed from the options */
    char *last_state;     /* owned; the newest state accepted */
    int stopped;          /* the row callback asked to stop */
} read_sink;

static dw_status on_row(void *ud, dw_ctx *ctx, json_object *row) {
    read_sink *s = ud;
    size_t len = 0;
    const char *text =
        json_object_to_json_string_length(row, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    if (!text) return dwhi_ctx_fail_host(ctx, DW_ERR_NOMEM, "out of memory serialising a row");
    if (s->o->row(s->o->user, text, len) != 0) {
        s->stopped = 1;
        return dwhi_ctx_fail_host(ctx, DW_ERR_CANCELLED, "the row callback stopped the read");
    }
    return DW_OK;
}

static dw_status on_state_save(void *ud, dw_ctx *ctx, const char *state) {
    read_sink *s = ud;
    if (s->o->state && s->o->state(s->o->user, state) != 0)
        return dwhi_ctx_fail_host(ctx, DW_ERR_STATE, "the state callback did not accept the resume state");
    char *copy = strdup(state);
    if (!copy) return dwhi_ctx_fail_host(ctx, DW_ERR_NOMEM, "out of memory keeping the resume state");
    free(s->last_state);
    s->last_state = copy;
    return DW_OK;
}

static const char *on_state_load(void *ud, dw_ctx *ctx) {
    (void)ctx;
    return ((read_sink *)ud)->state_in;
}

/* Non-zero when `text` is a JSON scalar (number or string). */
static int is_scalar(const char *text) {
    json_object *o = NULL;
    char err[64];
    if (dwhi_json_parse_strict(text, strlen(text), &o, err, sizeof err) != 0) return 0;
    int ok = json_object_is_type(o, json_type_int) || json_object_is_type(o, json_type_double) ||
             json_object_is_type(o, json_type_string);
    json_object_put(o);
    return ok;
}

/* Checks what plugin code must not see; DW_OK or the status with *error. */
static dw_status check_read_options(const dwh_read_options *o, char **error) {
    if (!o || !o->schema || !*o->schema) {
        set_error(error, strdup("dwh_read needs opts->schema (the schema to read)"));
        return DW_ERR_CONFIG;
    }
    if (!o->row) {
        set_error(error, strdup("dwh_read needs opts->row (the row callback)"));
        return DW_ERR_CONFIG;
    }
    if ((o->last_value || o->earliest_value) && !o->incremental_field) {
        set_error(error, strdup("last_value and earliest_value need incremental_field"));
        return DW_ERR_CONFIG;
    }
    const char *const wm[] = {o->last_value, o->earliest_value};
    const char *const wm_name[] = {"last_value", "earliest_value"};
    for (int i = 0; i < 2; i++)
        if (wm[i] && !is_scalar(wm[i])) {
            set_error(error, strf("%s must be JSON scalar text (42, \"2024-05-01T00:00:00Z\" with the quotes)",
                                  wm_name[i]));
            return DW_ERR_CONFIG;
        }
    if (o->state_in) {
        json_object *st = NULL;
        char err[128];
        int ok = dwhi_json_parse_strict(o->state_in, strlen(o->state_in), &st, err, sizeof err) == 0 &&
                 json_object_is_type(st, json_type_object);
        json_object_put(st);
        if (!ok) {
            set_error(error, strdup("state_in must be the JSON object a previous read saved; pass NULL to start over"));
            return DW_ERR_STATE;
        }
    }
    return DW_OK;
}

static dw_status read_in_scope(dwh_plugin *p, const char *config_json, const char *base_dir,
                               const dwh_read_options *caller_opts, size_t opts_size, int *stopped,
                               char **state_out, char **error) {
    if (stopped) *stopped = 0;
    if (state_out) *state_out = NULL;
    if (error) *error = NULL;
    if (!p) {
        set_error(error, strdup(DWHI_API_NO_PLUGIN));
        return DW_ERR_NOT_FOUND;
    }
    dwh_read_options known;
    size_t unknown = 0;
    if (dwhi_options_copy(&known, sizeof known, caller_opts, opts_size, &unknown) < 0) {
        set_error(error, dwhi_options_unknown_message("dwh_read_options", unknown, sizeof known));
        return DW_ERR_CONFIG;
    }
    const dwh_read_options *opts = caller_opts ? &known : NULL;
    dw_status st = check_read_options(opts, error), cause = DW_OK;
    if (st != DW_OK) {
        if (opts && opts->cause) *opts->cause = st;
        return st;
    }
    dwhi_secrets *secrets = dwhi_secrets_new();
    if (!secrets) {
        if (opts->cause) *opts->cause = DW_ERR_NOMEM;
        set_error(error, strdup("out of memory"));
        return DW_ERR_NOMEM;
    }
    json_object *config = NULL;
    /* A read always runs with a config: NULL text means {} (the form's
     * defaults), as `dwhost read` requires one. */
    st = load_config(p, config_json ? config_json : "{}", base_dir, secrets, &config, error);
    if (st == DW_OK) st = activate(p, secrets, error, NULL);
    read_sink s = {.sink = {.row = on_row, .state_save = on_state_save, .state_load = on_state_load},
                   .o = opts, .state_in = opts->state_in};
    s.sink.ud = &s;
    if (st == DW_OK) {
        dw_run_inputs in = {.struct_size = sizeof in, .schema_name = opts->schema,
                            .use_incremental = opts->incremental_field != NULL,
                            .incremental_field = opts->incremental_field,
                            .incremental_last_value = opts->last_value,
                            .incremental_earliest_value = opts->earliest_value};
        dwhi_identity id = {.team_id = opts->team_id, .source_id = opts->source_id, .job_id = opts->job_id};
        dwhi_op_flags flags = {.cancel = opts->cancel, .allow_internal_hosts = opts->allow_internal_hosts};
        dwhi_op_result r = dwhi_op_run(p, config, secrets, &id, &flags, &in, &s.sink);
        st = r.code;
        if (st == DW_ERR_NON_RETRYABLE && r.cause) cause = r.cause;
        if (s.stopped && st == DW_ERR_CANCELLED) {
            st = cause = DW_OK;
            if (stopped) *stopped = 1;
        } else if (st != DW_OK) {
            set_error(error, strdup(r.message ? r.message : "the read failed"));
        }
        dwhi_op_result_free(&r);
    }
    if (opts->cause) *opts->cause = cause != DW_OK ? cause : st;
    if (state_out) *state_out = s.last_state;
    else free(s.last_state);
    json_object_put(config);
    dwhi_secrets_free(secrets);
    return st;
}

/* The entry points run on the calling thread scoped to the settings of
 * the host p came from (api/host_settings.h). */
dw_status dwh_list_schemas(dwh_plugin *p, const char *config_json, const char *base_dir, int allow_internal,
                           char **schemas_json, char **error) {
    dwhi_api_scope scope;
    dwhi_api_scope_enter(dwhi_host_settings_of(p), &scope);
    dw_status st = list_schemas_in_scope(p, config_json, base_dir, allow_internal, schemas_json, error);
    dwhi_api_scope_leave(&scope);
    return st;
}

dw_status dwh_read_sized(dwh_plugin *p, const char *config_json, const char *base_dir,
                         const dwh_read_options *opts, size_t opts_size, int *stopped, char **state_out,
                         char **error) {
    dwhi_api_scope scope;
    dwhi_api_scope_enter(dwhi_host_settings_of(p), &scope);
    dw_status st = read_in_scope(p, config_json, base_dir, opts, opts_size, stopped, state_out, error);
    dwhi_api_scope_leave(&scope);
    return st;
}

/* ---- actions (ABI 1.8) --------------------------------------------------- */

/* "a, b, c" (or "none"): the actions of `src`, for messages; malloc'd. */
static char *action_names(const dw_source *src) {
    char *out = strdup(src->n_actions ? "" : "none");
    for (uint32_t i = 0; out && i < src->n_actions; i++) {
        char *next = NULL;
        if (asprintf(&next, "%s%s%s", out, i ? ", " : "", src->actions[i].name) < 0) next = NULL;
        free(out);
        out = next;
    }
    return out;
}

/* Validates the config against `form` (the plugin's or a copy), binds the
 * arguments and calls `a`.  *result_json on DW_OK; o's outcome, cause and
 * result_raw (each may be NULL) on every return. */
static dw_status call_action(dwh_plugin *p, const dw_source *form, const dw_action *a, const char *config_json,
                             const dwh_call_options *o, char **result_json, char **error) {
    dwh_call_outcome outcome = DWH_CALL_FAILED;
    dw_status cause = DW_ERR_NOMEM;
    char *raw = NULL;
    dwhi_secrets *secrets = dwhi_secrets_new();
    if (!secrets) {
        set_error(error, strdup("out of memory"));
        goto report;
    }
    json_object *config = NULL, *json_args = NULL;
    dwhi_action_args args = {0};
    int bound = 0;
    dw_status st = load_config_src(form, config_json ? config_json : "{}", o->base_dir, secrets, &config, error);
    if (st == DW_ERR_CONFIG) outcome = DWH_CALL_BAD_CONFIG;
    if (st == DW_OK && o->args_json) {
        char perr[256];
        if (dwhi_config_parse_text(o->args_json, strlen(o->args_json), &json_args, perr, sizeof perr) != 0) {
            char *m = NULL;
            if (asprintf(&m, "%s.%s: the arguments are not JSON: %s", dwh_plugin_name(p), a->name, perr) < 0) m = NULL;
            set_error(error, m);
            st = DW_ERR_CONFIG;
            outcome = DWH_CALL_BAD_ARGUMENTS;
        }
    }
    if (st == DW_OK) {
        char *why = NULL;
        if (dwhi_action_bind(dwh_plugin_name(p), a, o->args, o->n_args, json_args, &args, &why) != 0) {
            set_error(error, why);
            st = DW_ERR_CONFIG;
            outcome = DWH_CALL_BAD_ARGUMENTS;
        } else {
            bound = 1;
        }
    }
    cause = st;
    if (st == DW_OK) {
        st = activate(p, secrets, error, &cause);
        if (st != DW_OK) outcome = DWH_CALL_NOT_STARTED;
    }
    if (st == DW_OK) {
        dwhi_op_flags flags = {.cancel = o->cancel, .allow_internal_hosts = o->allow_internal_hosts};
        dwhi_op_result r = dwhi_op_action(p, config, secrets, NULL, &flags, a, &args);
        st = r.code;
        cause = r.cause;
        if (st == DW_OK) {
            outcome = DWH_CALL_ANSWERED;
            *result_json = r.result;
            r.result = NULL;
            raw = r.result_raw; /* handed over; dwhi_op_result_free would zero it */
            r.result_raw = NULL;
        } else {
            outcome = r.crashed ? DWH_CALL_CRASHED : DWH_CALL_FAILED;
            set_error(error, strdup(r.message ? r.message : "the action failed"));
        }
        dwhi_op_result_free(&r);
    }
    if (bound) dwhi_action_args_clear(&args);
    json_object_put(json_args);
    json_object_put(config);
    dwhi_secrets_free(secrets);
report:
    if (o->outcome) *o->outcome = outcome;
    if (o->cause) *o->cause = cause;
    if (o->result_raw) *o->result_raw = raw;
    else dwh_free_secret(raw);
    return secrets ? st : DW_ERR_NOMEM;
}

dw_status dwh_call_sized(dwh_plugin *p, const char *action, const char *config_json, const dwh_call_options *opts,
                         size_t opts_size, char **result_json, char **error) {
    char *result = NULL;
    if (result_json) *result_json = NULL;
    if (error) *error = NULL;
    dwh_call_options o;
    size_t unknown = 0;
    if (dwhi_options_copy(&o, sizeof o, opts, opts ? opts_size : 0, &unknown) < 0) {
        set_error(error, dwhi_options_unknown_message("dwh_call_options", unknown, sizeof o));
        return DW_ERR_CONFIG;
    }
    const dw_source *src = p ? dwh_plugin_source(p) : NULL;
    const dw_action *a = src ? dwhi_action_find(src, action) : NULL;
    if (!a) {
        if (o.outcome) *o.outcome = DWH_CALL_NO_ACTION;
        if (o.cause) *o.cause = DW_ERR_NOT_FOUND;
        if (o.result_raw) *o.result_raw = NULL;
    }
    if (!p) {
        set_error(error, strdup(DWHI_API_NO_PLUGIN));
        return DW_ERR_NOT_FOUND;
    }
    if (!a) {
        char *names = action_names(src), *m = NULL;
        if (asprintf(&m, "%s has no action '%s'; its actions: %s", dwh_plugin_name(p), action ? action : "(null)",
                     names ? names : "?") < 0)
            m = NULL;
        free(names);
        set_error(error, m);
        return DW_ERR_NOT_FOUND;
    }
    dwhi_api_scope scope;
    dwhi_api_scope_enter(dwhi_host_settings_of(p), &scope);
    dw_status st = call_action(p, src, a, config_json, &o, &result, error);
    dwhi_api_scope_leave(&scope);
    if (result_json) *result_json = result;
    else free(result);
    return st;
}

/* NULL when `text` is a JSON array of {"value": string, "label": string}
 * objects, else why not (static). */
static const char *options_problem(const char *text) {
    json_object *v = NULL;
    char perr[64];
    if (dwhi_config_parse_text(text, strlen(text), &v, perr, sizeof perr) != 0) return "it is not JSON";
    const char *why = NULL;
    if (!json_object_is_type(v, json_type_array)) why = "it is not an array";
    for (size_t i = 0; !why && i < json_object_array_length(v); i++) {
        json_object *e = json_object_array_get_idx(v, i);
        if (!json_object_is_type(json_object_object_get(e, "value"), json_type_string) ||
            !json_object_is_type(json_object_object_get(e, "label"), json_type_string))
            why = "an element lacks a string \"value\" or \"label\"";
    }
    json_object_put(v);
    return why;
}

dw_status dwh_field_options(dwh_plugin *p, const char *field, const char *config_json, const char *base_dir,
                            int allow_internal_hosts, char **options_json, char **error) {
    if (options_json) *options_json = NULL;
    if (error) *error = NULL;
    if (!p) {
        set_error(error, strdup(DWHI_API_NO_PLUGIN));
        return DW_ERR_NOT_FOUND;
    }
    const dw_source *src = dwh_plugin_source(p);
    uint32_t k = 0;
    while (k < src->n_fields && (!field || strcmp(src->fields[k].name, field) != 0)) k++;
    if (k == src->n_fields || !src->fields[k].options_action) {
        char *m = NULL;
        if (asprintf(&m, "%s has no top-level field '%s' that lists its choices (options_action); see 'dwhost "
                     "describe %s'", dwh_plugin_name(p), field ? field : "(null)", dwh_plugin_name(p)) < 0)
            m = NULL;
        set_error(error, m);
        return DW_ERR_NOT_FOUND;
    }
    const dw_action *a = dwhi_action_find(src, src->fields[k].options_action); /* checked at load */
    /* The choices are asked for before the field is filled in: the form
     * with that field optional. */
    dw_field *fields = malloc((size_t)src->n_fields * sizeof *fields);
    if (!fields) {
        set_error(error, strdup("out of memory"));
        return DW_ERR_NOMEM;
    }
    memcpy(fields, src->fields, (size_t)src->n_fields * sizeof *fields);
    fields[k].required = 0;
    dw_source form = *src;
    form.fields = fields;
    dwh_call_options o = {.base_dir = base_dir, .allow_internal_hosts = allow_internal_hosts};
    char *result = NULL;
    dwhi_api_scope scope;
    dwhi_api_scope_enter(dwhi_host_settings_of(p), &scope);
    dw_status st = call_action(p, &form, a, config_json, &o, &result, error);
    dwhi_api_scope_leave(&scope);
    free(fields);
    const char *why = st == DW_OK ? options_problem(result) : NULL;
    if (why) {
        char *m = NULL;
        if (asprintf(&m, "%s: action '%s' listing the choices of '%s' answered no list of {\"value\", \"label\"} "
                     "objects (%s); report this to the plugin's author", dwh_plugin_name(p), a->name, field, why) < 0)
            m = NULL;
        set_error(error, m);
        free(result);
        return DW_ERR_BAD_DATA;
    }
    if (options_json) *options_json = result;
    else free(result);
    return st;
}
