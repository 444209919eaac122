/* cmd_check.c -- `dwhost check`: validate a config against the source's
 * form, then run the plugin's credential check. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "cli_common.h"
#include "cli_exit.h"
#include "cli_http.h"
#include "cli_log.h"
#include "cli_signal.h"

typedef struct check_args {
    const char *config, *schema;
    int json, allow_internal;
} check_args;

static check_args A;

static const dwhi_cli_opt options[] = {
    DWHI_OPT_STRING(0, "config", "FILE",
                   "the source's JSON config (\"-\" reads standard input); secrets may be {\"$env\": \"NAME\"} or "
                   "{\"$file\": \"PATH\"} (see docs/concepts/config-and-secrets.md)",
                   &A.config, .flags = DWHI_OPT_REQUIRED | DWHI_OPT_NONEMPTY),
    DWHI_OPT_STRING(0, "schema", "NAME", "check the permissions one schema needs", &A.schema,
                   .flags = DWHI_OPT_NONEMPTY),
    DWHI_CLI_OPT_PLUGIN_DIR,
    DWHI_OPT_FLAG(0, "json",
                 "print one JSON document {\"source\", \"schema\", \"ok\", \"outcome\", \"status\", \"message\", "
                 "\"warnings\", \"config\"}",
                 &A.json),
    DWHI_OPT_FLAG(0, "allow-internal", "let the plugin reach loopback and private addresses", &A.allow_internal),
    DWHI_CLI_OPT_HTTP_TIMEOUT,
    DWHI_CLI_OPTS_LOG,
    DWHI_OPT_HELP(),
    DWHI_OPT_END(),
};

/* What the outcome means for the user, in one phrase. */
static const char *failure_phrase(dw_status cause) {
    switch (cause) {
    case DW_ERR_AUTH:
    case DW_ERR_NON_RETRYABLE: return "credentials rejected";
    case DW_ERR_FORBIDDEN: return "permission missing";
    case DW_ERR_UNREACHABLE:
    case DW_ERR_TIMEOUT: return "could not reach the source";
    case DW_ERR_SSRF: return "the source's address is internal (pass --allow-internal if that is intended)";
    case DW_ERR_CONFIG:
    case DW_ERR_NEEDS_CONFIG: return "the plugin cannot use this config";
    case DW_ERR_UNSUPPORTED: return "the plugin cannot check credentials";
    case DW_ERR_NOT_FOUND: return "not found";
    case DW_ERR_CANCELLED: return "interrupted";
    default: return "check failed";
    }
}

/* Prints the "message" of each issue under doc.config.<list>. */
static void print_issues(json_object *doc, const char *list) {
    json_object *cfg = json_object_object_get(doc, "config");
    json_object *v = cfg ? json_object_object_get(cfg, list) : NULL;
    for (size_t i = 0; v && i < json_object_array_length(v); i++) {
        json_object *m = json_object_object_get(json_object_array_get_idx(v, i), "message");
        if (m) fprintf(stderr, "dwhost: %s\n", json_object_get_string(m));
    }
}

/* The check document (dwh_check_with's) as text: the config's problems
 * and the warnings on stderr, then what was verified on stdout or why it
 * failed on stderr. */
static void print_text(const check_args *a, dwh_plugin *p, json_object *doc, int rc, dw_status cause) {
    print_issues(doc, "errors");
    print_issues(doc, "warnings");
    json_object *w = json_object_object_get(doc, "warnings");
    for (size_t i = 0; w && i < json_object_array_length(w); i++)
        fprintf(stderr, "dwhost: warning: %s\n", json_object_get_string(json_object_array_get_idx(w, i)));
    json_object *m = json_object_object_get(doc, "message");
    const char *outcome = json_object_get_string(json_object_object_get(doc, "outcome"));
    int unknown_schema = outcome && !strcmp(outcome, "unknown_schema");
    if (rc == DWHI_EXIT_OK && m && json_object_get_string_len(m))
        printf("ok: %s%s%s%s: %s\n", dwh_plugin_name(p), a->schema ? " (schema '" : "", a->schema ? a->schema : "",
               a->schema ? "')" : "", json_object_get_string(m)); /* what the plugin verified */
    else if (rc == DWHI_EXIT_OK)
        printf("ok: %s accepted the credentials%s%s%s\n", dwh_plugin_name(p), a->schema ? " for schema '" : "",
               a->schema ? a->schema : "", a->schema ? "'" : "");
    else if (m && json_object_get_type(m) == json_type_string)
        fprintf(stderr, "dwhost: check %s%s%s%s: %s: %s\n", dwh_plugin_name(p), a->schema ? " (schema '" : "",
                a->schema ? a->schema : "", a->schema ? "')" : "",
                unknown_schema ? "unknown schema" : failure_phrase(cause), json_object_get_string(m));
}

static int run_check(const check_args *a, dwh_plugin *p) {
    dwh_check_options o = {.schema = a->schema, .allow_internal_hosts = a->allow_internal,
                           .cancel = dwhi_cli_cancel, .config_file = a->config};
    char *text = NULL, *error = NULL;
    dw_status cause = dwh_check_with(p, NULL, &o, &text, &error);
    json_object *doc = text ? json_tokener_parse(text) : NULL;
    int rc = dwhi_cli_exit_for(cause);
    if (!doc) {
        fprintf(stderr, "dwhost: check %s: %s\n", dwh_plugin_name(p), error ? error : "out of memory");
        rc = DWHI_EXIT_FAILURE;
    } else if (cause == DW_ERR_CANCELLED && dwhi_cli_interrupt_signal()) {
        if (a->json) dwhi_cli_print_json(stdout, doc, 1);
        rc = dwhi_cli_interrupted(NULL, "%s: nothing was checked; run the command again", dwh_plugin_name(p));
    } else if (a->json) {
        dwhi_cli_print_json(stdout, doc, 1);
    } else {
        print_text(a, p, doc, rc, cause);
    }
    json_object_put(doc);
    free(text);
    free(error);
    return rc;
}

static int cmd_check(const dwhi_cli_invocation *inv) {
    dwhi_cli_plugins pl = {0};
    int rc = dwhi_cli_plugins_open(&pl);
    dwh_plugin *p = rc ? NULL : dwhi_cli_find_source(&pl, inv->operand, &rc);
    if (p) {
        rc = run_check(&A, p);
        dwh_plugin_unref(p);
    }
    dwhi_cli_plugins_close(&pl);
    return rc;
}

DWHI_CLI_COMMAND(check, .name = "check", .summary = "validate a config and check the source's credentials",
                .run = cmd_check, .options = options, .operand = "source",
                .operand_missing = "name the source to check", .flags = DWHI_CLI_CANCELLABLE,
                .description =
                    "Validates FILE against the source's config form (every error is listed with its JSON path; no "
                    "plugin code runs on an invalid config), then asks the plugin to check the credentials with one "
                    "cheap request.\n\n"
                    "Without --schema (checking a new source) credentials that are valid but lack a permission "
                    "(HTTP 403) pass with a warning: the user may only need some schemas.  With --schema NAME a "
                    "missing permission fails, naming what is missing.",
                .exit_status = "0 credentials accepted, 2 usage error, 3 plugin not found or broken, 4 invalid "
                               "config, 5 credentials rejected (401) or lacking a permission (403, with --schema), 6 "
                               "source unreachable, 9 interrupted, 1 any other failure.")
