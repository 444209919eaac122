/* cmd_check.c -- `dwhost check`: validate a config against the source's
 * form, then run the plugin's credential check. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli_common.h"
#include "cli_config.h"
#include "cli_exit.h"
#include "cli_log.h"
#include "ops.h"

static void help(FILE *out) {
    fprintf(out,
            "usage: dwhost check <source> --config FILE [--schema NAME] [--plugin-dir DIR]...\n"
            "                    [--json] [--allow-internal] [--log-level LEVEL]\n\n"
            "Validates FILE against the source's config form (every error is listed with its\n"
            "JSON path; no plugin code runs on an invalid config), then asks the plugin to\n"
            "check the credentials with one cheap request.\n\n"
            "Without --schema (checking a new source) credentials that are valid but lack a\n"
            "permission (HTTP 403) pass with a warning: the user may only need some schemas.\n"
            "With --schema NAME a missing permission fails, naming what is missing.\n\n"
            "options:\n"
            "  --config FILE       the source's JSON config (\"-\" reads standard input); secrets\n"
            "                      may be {\"$env\": \"NAME\"} or {\"$file\": \"PATH\"} (see README)\n"
            "  --schema NAME       check the permissions one schema needs\n" DWH_CLI_PLUGIN_DIR_HELP
            "  --json              print one JSON document {\"source\", \"schema\", \"ok\", \"outcome\",\n"
            "                      \"status\", \"message\", \"warnings\", \"config\"}\n"
            "  --allow-internal    let the plugin reach loopback and private addresses\n" DWH_CLI_LOG_HELP
            "  -h, --help          show this help\n\n"
            "exit status: 0 credentials accepted, 2 usage error, 3 plugin not found or\n"
            "broken, 4 invalid config, 5 credentials rejected (401) or lacking a permission\n"
            "(403, with --schema), 6 source unreachable, 9 interrupted, 1 any other failure.\n");
}

static volatile int cancel_flag;
static void on_signal(int sig) {
    (void)sig;
    cancel_flag = 1;
}

typedef struct check_args {
    const char *source, *config, *schema;
    int json, allow_internal;
} check_args;

/* What the outcome means for the user, in one phrase. */
static const char *failure_phrase(dw_status cause) {
    switch (cause) {
    case DW_ERR_AUTH: return "credentials rejected";
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

static void add_lines(json_object *to, json_object *from) {
    for (size_t i = 0; from && i < json_object_array_length(from); i++)
        json_object_array_add(to, json_object_get(json_object_array_get_idx(from, i)));
}

/* Copies config warnings ({"message": ...} objects) into a list of lines. */
static void add_config_warnings(json_object *to, json_object *report) {
    json_object *w = report ? json_object_object_get(report, "warnings") : NULL;
    for (size_t i = 0; w && i < json_object_array_length(w); i++) {
        json_object *m = json_object_object_get(json_object_array_get_idx(w, i), "message");
        if (m) json_object_array_add(to, json_object_get(m));
    }
}

static int run_check(const check_args *a, dwh_plugin *p) {
    const char *name = dwh_plugin_name(p);
    dwh_secrets *secrets = dwh_secrets_new();
    json_object *config = NULL, *report = NULL, *doc = NULL, *warnings = json_object_new_array();
    if (!secrets || !warnings) {
        fprintf(stderr, "dwhost: out of memory\n");
        dwh_secrets_free(secrets);
        json_object_put(warnings);
        return DWH_EXIT_FAILURE;
    }
    if (a->json) {
        doc = json_object_new_object();
        json_object_object_add(doc, "source", json_object_new_string(name));
        json_object_object_add(doc, "schema", a->schema ? json_object_new_string(a->schema) : NULL);
    }
    int rc = dwh_cli_load_config(p, a->config, secrets, &config, a->json ? &report : NULL);
    dw_status cause = DW_ERR_CONFIG, code = DW_ERR_CONFIG;
    char *message = NULL;
    int forbidden_passed = 0;
    if (rc == DWH_EXIT_OK) {
        add_config_warnings(warnings, report);
        const char *err = NULL;
        dw_status st = dwh_plugin_activate(p, &err);
        if (st != DW_OK) {
            char *clean = dwh_secrets_scrub(secrets, err ? err : "init() failed");
            if (asprintf(&message, "plugin '%s' could not start: %s", name, clean ? clean : "init() failed") < 0)
                message = NULL;
            free(clean);
            cause = code = DW_ERR_UNSUPPORTED;
            rc = DWH_EXIT_PLUGIN;
        } else {
            dwh_op_flags flags = {.cancel = &cancel_flag, .allow_internal_hosts = a->allow_internal};
            json_object *plugin_warnings = NULL;
            dwh_op_result r = dwh_op_check(p, config, secrets, NULL, &flags, a->schema, &plugin_warnings);
            add_lines(warnings, plugin_warnings);
            json_object_put(plugin_warnings);
            code = r.code;
            cause = r.cause;
            message = r.message;
            r.message = NULL;
            dwh_op_result_free(&r);
            /* At source creation a 403 means "valid, but some scopes are
             * missing": the user may need only some schemas. */
            if (!a->schema && cause == DW_ERR_FORBIDDEN) {
                forbidden_passed = 1;
                char *w = NULL;
                if (asprintf(&w, "credentials are valid but lack a permission: %s; schemas that need it will "
                                 "fail (check one with --schema NAME)", message ? message : "forbidden") >= 0) {
                    json_object_array_add(warnings, json_object_new_string(w));
                    free(w);
                }
                code = cause = DW_OK;
            }
            rc = dwh_cli_exit_for(cause);
        }
    }

    char *clean = message ? dwh_secrets_scrub(secrets, message) : NULL;
    if (a->json) {
        json_object_object_add(doc, "ok", json_object_new_boolean(rc == DWH_EXIT_OK));
        json_object_object_add(doc, "outcome", json_object_new_string(rc == DWH_EXIT_CONFIG && !message
                                                                          ? "invalid_config"
                                                                          : dwh_cli_outcome_name(cause)));
        json_object_object_add(doc, "status", json_object_new_string(dwh_status_name(code)));
        json_object_object_add(doc, "message", clean && !forbidden_passed ? json_object_new_string(clean) : NULL);
        json_object_object_add(doc, "warnings", warnings);
        warnings = NULL;
        json_object_object_add(doc, "config", report);
        report = NULL;
        dwh_cli_print_json(stdout, doc, 1);
    } else {
        for (size_t i = 0; i < json_object_array_length(warnings); i++) {
            char *w = dwh_secrets_scrub(secrets, json_object_get_string(json_object_array_get_idx(warnings, i)));
            if (w) fprintf(stderr, "dwhost: warning: %s\n", w);
            free(w);
        }
        if (rc == DWH_EXIT_OK) {
            printf("ok: %s accepted the credentials%s%s%s\n", name, a->schema ? " for schema '" : "",
                   a->schema ? a->schema : "", a->schema ? "'" : "");
        } else if (clean) {
            fprintf(stderr, "dwhost: check %s%s%s%s: %s: %s\n", name, a->schema ? " (schema '" : "",
                    a->schema ? a->schema : "", a->schema ? "')" : "", failure_phrase(cause), clean);
        }
    }
    free(clean);
    free(message);
    json_object_put(warnings);
    json_object_put(report);
    json_object_put(doc);
    json_object_put(config);
    dwh_secrets_free(secrets);
    return rc;
}

static int cmd_check(int argc, char **argv) {
    check_args a = {0};
    dwh_cli_plugins pl = {0};
    dwh_cli_log lg = DWH_CLI_LOG_INIT;
    int rc = DWH_EXIT_OK;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        int r = dwh_cli_plugin_dir_arg(&pl, argc, argv, &i);
        if (r == 0) r = dwh_cli_log_arg(&lg, argc, argv, &i);
        if (r < 0) {
            rc = DWH_EXIT_USAGE;
            goto out;
        }
        if (r > 0) continue;
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            help(stdout);
            goto out;
        } else if (!strcmp(s, "--json")) {
            a.json = 1;
        } else if (!strcmp(s, "--allow-internal")) {
            a.allow_internal = 1;
        } else if (!strcmp(s, "--config") || !strcmp(s, "--schema")) {
            if (i + 1 >= argc || !argv[i + 1][0]) {
                rc = dwh_cli_usage_error(argv[0], "%s needs a value", s);
                goto out;
            }
            *(!strcmp(s, "--config") ? &a.config : &a.schema) = argv[++i];
        } else if (!strncmp(s, "--config=", 9) && s[9]) {
            a.config = s + 9;
        } else if (!strncmp(s, "--schema=", 9) && s[9]) {
            a.schema = s + 9;
        } else if (s[0] == '-' && s[1]) {
            rc = dwh_cli_usage_error(argv[0], "unknown option '%s'", s);
            goto out;
        } else if (!a.source) {
            a.source = s;
        } else {
            rc = dwh_cli_usage_error(argv[0], "unexpected argument '%s'", s);
            goto out;
        }
    }
    if (!a.source) {
        rc = dwh_cli_usage_error(argv[0], "name the source to check");
        goto out;
    }
    if (!a.config) {
        rc = dwh_cli_usage_error(argv[0], "--config FILE is required");
        goto out;
    }
    if (dwh_cli_log_open(&lg, argv[0]) != 0) {
        rc = DWH_EXIT_USAGE;
        goto out;
    }
    rc = dwh_cli_plugins_open(&pl);
    dwh_plugin *p = rc ? NULL : dwh_cli_find_source(&pl, a.source, &rc);
    if (p) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        rc = run_check(&a, p);
        dwh_plugin_unref(p);
    }
out:
    dwh_cli_plugins_close(&pl);
    dwh_cli_log_close(&lg);
    return rc;
}

DWH_CLI_COMMAND(check, "check", "validate a config and check the source's credentials", cmd_check)
