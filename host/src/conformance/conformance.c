/*
 * conformance.c -- runs the connector acceptance checks (conformance.h):
 * the checks that need no read (descriptor, form, config, credentials,
 * schemas), then the read checks of each chosen schema
 * (conformance_reads.c), then the secret-leak verdict over all of them.
 * The suite reads every chosen schema several times, each read up to the
 * row cap (opt->max_rows): point it at test data, or choose schemas.
 */
#include <stdlib.h>
#include <string.h>

#include "config/config_report.h"
#include "config/config_secrets.h"
#include "config/config_validate.h"
#include "conformance_int.h"

/* ------------------------------------------- the checks that need no read */

static int selected(const dwhi_conf_options *opt, const char *name) {
    if (!opt->schemas || !opt->n_schemas) return 1;
    for (size_t i = 0; i < opt->n_schemas; i++)
        if (!strcmp(opt->schemas[i], name)) return 1;
    return 0;
}

static json_object *check_schemas(dwhi_conf_ctx *c) {
    json_object *schemas = NULL;
    dwhi_conf_capture cap;
    int captured = dwhi_conf_capture_begin(&cap) == 0;
    dwhi_op_result res = dwhi_op_list_schemas(c->p, c->config, c->secrets, &c->id, &c->flags, &schemas);
    if (captured) dwhi_conf_capture_done(c, &cap, "list_schemas");
    if (res.code != DW_OK) {
        dwhi_conf_add(c->r, "schemas", DWHI_CONF_FAIL, "list_schemas failed (%s): %s", dwhi_status_name(res.code),
                     res.message ? res.message : "");
        dwhi_op_result_free(&res);
        return NULL;
    }
    dwhi_op_result_free(&res);
    size_t n = json_object_array_length(schemas);
    char p[512] = "";
    size_t chosen = 0;
    for (size_t i = 0; i < n; i++) {
        json_object *s = json_object_array_get_idx(schemas, i);
        const char *name = dwhi_conf_sget(s, "name");
        json_object *pks = NULL, *inc = NULL, *flag = NULL;
        json_object_object_get_ex(s, "primary_keys", &pks);
        json_object_object_get_ex(s, "incremental_fields", &inc);
        json_object_object_get_ex(s, "supports_incremental", &flag);
        if (name && selected(c->opt, name)) chosen++;
        if (json_object_get_boolean(flag) && (!pks || !json_object_array_length(pks)) && !*p)
            snprintf(p, sizeof p, "schema '%s' is incremental but declares no primary key (merging needs one)",
                     name ? name : "?");
        if (json_object_get_boolean(flag) && (!inc || !json_object_array_length(inc)) && !*p)
            snprintf(p, sizeof p, "schema '%s' is incremental but advertises no incremental field", name ? name : "?");
    }
    for (size_t i = 0; i < c->opt->n_schemas && !*p; i++) {
        int found = 0;
        for (size_t k = 0; k < n; k++)
            if (!strcmp(dwhi_conf_sget(json_object_array_get_idx(schemas, k), "name"), c->opt->schemas[i])) found = 1;
        if (!found) snprintf(p, sizeof p, "--schema %s: the plugin has no such schema", c->opt->schemas[i]);
    }
    if (n == 0)
        dwhi_conf_add(c->r, "schemas", DWHI_CONF_FAIL, "list_schemas returned no schema");
    else if (*p)
        dwhi_conf_add(c->r, "schemas", DWHI_CONF_FAIL, "%s", p);
    else
        dwhi_conf_add(c->r, "schemas", DWHI_CONF_PASS, "%zu schemas (names unique), %zu chosen", n, chosen);
    if (n == 0 || *p) {
        json_object_put(schemas);
        return NULL;
    }
    return schemas;
}

static int validate_config(dwhi_conf_ctx *c) {
    dwhi_config_report rep;
    dwhi_config_report_init(&rep);
    dwhi_config_options o = {.base_dir = c->opt->config_dir, .resolved = c->secrets};
    /* Secrets of the raw config too, so even error output is scrubbed. */
    dwhi_config_collect_secrets(c->src->fields, c->src->n_fields, c->opt->config, c->secrets);
    int rc = dwhi_config_validate(c->src->fields, c->src->n_fields, c->opt->config, &o, &c->config, &rep);
    if (rc != 0) {
        char *first = rep.n_errors ? dwhi_config_issue_line(&rep.errors[0], 0) : NULL;
        dwhi_conf_add(c->r, "config", DWHI_CONF_FAIL, "the config does not match the form: %zu error(s); first: %s",
                     rep.n_errors, first ? first : "?");
        free(first);
    } else {
        dwhi_config_collect_secrets(c->src->fields, c->src->n_fields, c->config, c->secrets);
        dwhi_conf_add(c->r, "config", DWHI_CONF_PASS, "valid (%zu warning(s)); %zu secret value(s) known",
                     rep.n_warnings, dwhi_secrets_count(c->secrets));
    }
    dwhi_config_report_clear(&rep);
    return rc;
}

static void check_credentials(dwhi_conf_ctx *c) {
    json_object *warnings = NULL;
    dwhi_op_result res = dwhi_conf_do_check(c, c->config, NULL, &warnings);
    size_t nw = warnings ? json_object_array_length(warnings) : 0;
    if (res.code == DW_OK)
        dwhi_conf_add(c->r, "check", DWHI_CONF_PASS, "the credential check passed%s%s", nw ? "; warning: " : "",
                     nw ? json_object_get_string(json_object_array_get_idx(warnings, 0)) : "");
    else
        dwhi_conf_add(c->r, "check", DWHI_CONF_FAIL, "the credential check failed (%s): %s", dwhi_status_name(res.code),
                     res.message ? res.message : "");
    json_object_put(warnings);
    dwhi_op_result_free(&res);

    size_t replaced = 0;
    json_object *broken = dwhi_conf_break_secrets(c->src, c->config, c->secrets, &replaced);
    if (!replaced) {
        dwhi_conf_add(c->r, "check_broken", DWHI_CONF_SKIP, "the config holds no secret value to break");
        json_object_put(broken);
        return;
    }
    res = dwhi_conf_do_check(c, broken, NULL, NULL);
    const char *m = res.message;
    if (res.code == DW_OK)
        dwhi_conf_add(c->r, "check_broken", DWHI_CONF_FAIL,
                     "the credential check passed with %zu secret(s) replaced by wrong values", replaced);
    else if (!m || !*m || strchr(m, '\n') || strstr(m, "without saying why"))
        dwhi_conf_add(c->r, "check_broken", DWHI_CONF_FAIL, "the check failed (%s) without one clear line: '%s'",
                     dwhi_status_name(res.code), m ? m : "");
    else
        dwhi_conf_add(c->r, "check_broken", DWHI_CONF_PASS, "wrong secrets fail the check (%s): %s",
                     dwhi_status_name(res.cause ? res.cause : res.code), m);
    dwhi_op_result_free(&res);
    json_object_put(broken);
}

/* ------------------------------------------------------------------ run */

int dwhi_conformance_run(dwh_plugin *p, const dwhi_conf_options *opt, dwhi_conf_report *report) {
    dwhi_conf_ctx c;
    memset(&c, 0, sizeof c);
    c.p = p;
    c.src = dwh_plugin_source(p);
    c.opt = opt;
    c.r = report;
    c.secrets = dwhi_secrets_new();
    c.flags.allow_internal_hosts = opt->allow_internal_hosts;
    c.id.team_id = "conformance";
    c.id.source_id = dwh_plugin_name(p);
    report->scrub = c.secrets;
    report->source = strdup(dwh_plugin_name(p));
    report->version = strdup(c.src->version ? c.src->version : "");
    report->path = strdup(dwh_plugin_path(p));

    dwhi_conf_check_descriptor(c.src, report);
    dwhi_conf_check_form(c.src, report);
    int fatal = validate_config(&c) != 0;
    json_object *schemas = NULL;
    if (!fatal) {
        if (!opt->structural) check_credentials(&c);
        schemas = check_schemas(&c);
    }
    size_t n = schemas && !opt->structural ? json_object_array_length(schemas) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *s = json_object_array_get_idx(schemas, i);
        const char *name = dwhi_conf_sget(s, "name");
        if (!name || !selected(opt, name)) continue;
        dwhi_conf_check_schema(&c, s, name);
    }
    if (c.leaks)
        dwhi_conf_add(report, "secrets", DWHI_CONF_FAIL, "a secret value appeared %zu time(s), first in %s", c.leaks,
                     c.leak_where);
    else if (dwhi_secrets_count(c.secrets) == 0)
        dwhi_conf_add(report, "secrets", DWHI_CONF_SKIP, "the config has no secret values to look for");
    else
        dwhi_conf_add(report, "secrets", DWHI_CONF_PASS,
                     "no secret value in any output, log line, message or row of the %zu checks above", report->n);
    json_object_put(schemas);
    json_object_put(c.config);
    /* The report owns the secret set (it scrubs what it prints). */
    return fatal ? -1 : report->failed ? 1 : 0;
}
