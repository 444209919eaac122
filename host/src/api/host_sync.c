/* host_sync.c -- the embedding API's sync section (dwhost.h "== sync =="):
 * a source by name or a plugin reference, its config validated, then
 * sync.c; the report with the commands that continue a stopped run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_options.h"
#include "config/config_load.h"
#include "status/job_status.h"
#include "warehouse/warehouse_sqlite.h"
#include "dwhost.h"
#include "host_settings.h"
#include "sync/sync.h"
#include "sync/sync_rerun.h"

static void set_error(char **error, char *msg) {
    if (error) *error = msg;
    else free(msg);
}

/* The dw_status of a sync's failure kind (dwhost.h, dwh_sync). */
static dw_status status_of(dwh_sync_failure f, dw_status source_code) {
    switch (f) {
    case DWH_SYNC_OK: return DW_OK;
    case DWH_SYNC_FAIL_SOURCE: return source_code != DW_OK ? source_code : DW_ERR;
    case DWH_SYNC_FAIL_CONFIG: return DW_ERR_CONFIG;
    case DWH_SYNC_FAIL_DATA: return DW_ERR_BAD_DATA;
    case DWH_SYNC_FAIL_STATE: return DW_ERR_STATE;
    case DWH_SYNC_FAIL_WAREHOUSE: return DW_ERR_SINK;
    case DWH_SYNC_FAIL_INTERRUPTED: return DW_ERR_CANCELLED;
    case DWH_SYNC_FAIL_PLUGIN: return DW_ERR_NOT_FOUND;
    case DWH_SYNC_FAIL_RUNNING: return DW_ERR;
    }
    return DW_ERR;
}

/* The commands that continue a run that stopped with unfinished schemas,
 * from the words that started it (sync_rerun.h): {"resume": TEXT,
 * "restart": {SCHEMA: TEXT} (full-refresh schemas only) or null}, or NULL
 * when nothing is left to resume or no command was given.  Unscrubbed:
 * the caller scrubs the document it goes into. */
static json_object *rerun_commands(const dwhi_sync_report *r, const char *const *words, size_t n) {
    if (!words || !n) return NULL;
    json_object *restart = NULL;
    int any = 0;
    for (size_t i = 0; i < r->n_schemas; i++) {
        const dwhi_sync_schema_report *s = &r->schemas[i];
        if (!s->resumable) continue;
        any = 1;
        if (!s->mode || strcmp(s->mode, "full") != 0) continue;
        char *cmd = dwhi_sync_rerun_restart(words, n, s->schema);
        if (!restart) restart = json_object_new_object();
        json_object_object_add(restart, s->schema, cmd ? json_object_new_string(cmd) : NULL);
        free(cmd);
    }
    if (!any) return NULL;
    json_object *o = json_object_new_object();
    char *cmd = dwhi_sync_rerun_resume(words, n);
    json_object_object_add(o, "resume", cmd ? json_object_new_string(cmd) : NULL);
    json_object_object_add(o, "restart", restart);
    free(cmd);
    return o;
}

/* The report document (dwhost.h dwh_sync): sync.c's, with "rerun" and
 * "warehouse_kind", scrubbed of `secrets`; malloc'd, NULL on OOM. */
static char *report_text(const dwhi_sync_report *r, const dwh_sync_options *o, dwhi_secrets *secrets) {
    json_object *doc = dwhi_sync_report_json(r);
    if (!doc) return NULL;
    json_object_object_add(doc, "rerun", rerun_commands(r, o->command, o->n_command));
    json_object_object_add(doc, "warehouse_kind",
                           r->warehouse ? json_object_new_string(dwhi_wh_is_postgres(r->warehouse) ? "postgresql"
                                                                                                   : "sqlite")
                                        : NULL);
    char *text =
        dwhi_secrets_scrub(secrets, json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
                                                                            JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(doc);
    return text;
}

/* The body of dwh_sync and dwh_sync_plugin, inside the plugin's host
 * settings: `p` (NULL: no source named `source`, or no plugin handle when
 * `source` is NULL) with `config_json`, whose
 * relative {"$file"} references start at `base_dir`. */
static dwh_sync_failure sync_in_scope(dwh_plugin *p, const char *source, const char *config_json,
                                      const char *base_dir, const dwh_sync_options *caller_opts, size_t opts_size,
                                      dw_status *source_code, char **report_json, char **error) {
    if (report_json) *report_json = NULL;
    if (error) *error = NULL;
    dwh_sync_options known;
    size_t unknown = 0;
    if (dwhi_options_copy(&known, sizeof known, caller_opts, opts_size, &unknown) < 0) {
        set_error(error, dwhi_options_unknown_message("dwh_sync_options", unknown, sizeof known));
        return DWH_SYNC_FAIL_CONFIG;
    }
    char *msg = NULL;
    if (!p) {
        if (!source) msg = strdup(DWHI_API_NO_PLUGIN);
        else if (asprintf(&msg, "no source named '%s' was loaded; check the plugin directories", source) < 0)
            msg = NULL;
        set_error(error, msg);
        return DWH_SYNC_FAIL_PLUGIN;
    }
    dwhi_secrets *secrets = dwhi_secrets_new();
    dwhi_config_report rep;
    dwhi_config_report_init(&rep);
    json_object *validated = NULL;
    dwh_sync_failure f;
    char perr[256];
    json_object *raw = NULL;
    if (!secrets) {
        f = DWH_SYNC_FAIL_CONFIG;
        set_error(error, strdup("out of memory"));
        goto out;
    }
    if (config_json && dwhi_config_parse_text(config_json, strlen(config_json), &raw, perr, sizeof perr) < 0) {
        f = DWH_SYNC_FAIL_CONFIG;
        if (asprintf(&msg, "the config is not JSON: %s", perr) < 0) msg = NULL;
        set_error(error, msg);
        goto out;
    }
    if (dwhi_config_load_json(dwh_plugin_source(p), raw, base_dir, &validated, secrets, &rep) < 0) {
        f = DWH_SYNC_FAIL_CONFIG;
        set_error(error, dwhi_config_report_summary(&rep, secrets));
        goto out;
    }
    dwhi_sync_report *r = dwhi_sync_run(p, validated, secrets, &known); /* zeroed when caller_opts is NULL */
    if (!r) {
        f = DWH_SYNC_FAIL_WAREHOUSE;
        set_error(error, strdup("out of memory"));
        goto out;
    }
    f = r->failure;
    *source_code = r->source_code;
    if (f != DWH_SYNC_OK) set_error(error, dwhi_secrets_scrub(secrets, r->message ? r->message : "the sync failed"));
    if (report_json) *report_json = report_text(r, &known, secrets);
    dwhi_sync_report_free(r);
out:
    json_object_put(raw);
    json_object_put(validated);
    dwhi_config_report_clear(&rep);
    dwhi_secrets_free(secrets);
    return f;
}

/* sync_in_scope inside p's host settings, as both entry points run it:
 * *failure (may be NULL) and the status for it. */
static dw_status sync_scoped(dwh_plugin *p, const char *source, const char *config_json, const char *base_dir,
                             const dwh_sync_options *opts, size_t opts_size, dwh_sync_failure *failure,
                             char **report_json, char **error) {
    dwhi_api_scope scope;
    dwhi_api_scope_enter(dwhi_host_settings_of(p), &scope);
    dw_status source_code = DW_OK;
    dwh_sync_failure f =
        sync_in_scope(p, source, config_json, base_dir, opts, opts_size, &source_code, report_json, error);
    dwhi_api_scope_leave(&scope);
    if (failure) *failure = f;
    return status_of(f, source_code);
}

dw_status dwh_sync_sized(dwh_host *h, const char *source, const char *config_json, const dwh_sync_options *opts,
                         size_t opts_size, dwh_sync_failure *failure, char **report_json, char **error) {
    dwh_plugin *p = h && source ? dwh_host_find(h, source) : NULL;
    dw_status st = sync_scoped(p, source ? source : "(null)", config_json, NULL, opts, opts_size, failure,
                               report_json, error);
    dwh_plugin_unref(p);
    return st;
}

dw_status dwh_sync_plugin_sized(dwh_plugin *p, const char *config_json, const char *base_dir,
                                const dwh_sync_options *opts, size_t opts_size, dwh_sync_failure *failure,
                                char **report_json, char **error) {
    return sync_scoped(p, NULL, config_json, base_dir, opts, opts_size, failure, report_json, error);
}

/* A status document as text: the jobs, or the history (at most `limit` runs). */
static dw_status status_text(const char *warehouse_path, int history, int limit, char **json, char **error) {
    if (json) *json = NULL;
    if (error) *error = NULL;
    const char *path = warehouse_path && *warehouse_path ? warehouse_path : DWHI_WAREHOUSE_DEFAULT_PATH;
    char *err = NULL;
    dwhi_wh_error why = DWHI_WH_OK;
    json_object *doc = history ? dwhi_run_history_doc(path, limit, &why, &err) : dwhi_job_status_doc(path, &why, &err);
    if (!doc) {
        dw_status st = !err                        ? DW_ERR_NOMEM
                       : why == DWHI_WH_ABSENT      ? DW_ERR_NOT_FOUND
                       : why == DWHI_WH_UNREACHABLE ? DW_ERR_UNREACHABLE
                                                    : DW_ERR;
        set_error(error, err ? err : strdup("out of memory"));
        return st;
    }
    const char *t = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    char *out = t ? strdup(t) : NULL;
    json_object_put(doc);
    if (!out) {
        set_error(error, strdup("out of memory"));
        return DW_ERR_NOMEM;
    }
    if (json) *json = out;
    else free(out);
    return DW_OK;
}

dw_status dwh_status_json(const char *warehouse_path, char **json, char **error) {
    return status_text(warehouse_path, 0, 0, json, error);
}

dw_status dwh_status_history_json(const char *warehouse_path, int limit, char **json, char **error) {
    return status_text(warehouse_path, 1, limit, json, error);
}
