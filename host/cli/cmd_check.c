/* cmd_check.c -- `dwhost check`: validate a config against the source's
 * form, then run the plugin's credential check. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "config/check.h"
#include "cli_common.h"
#include "cli_exit.h"
#include "cli_http.h"
#include "cli_log.h"

static void help(FILE *out) {
    fprintf(out,
            "usage: dwhost check <source> --config FILE [--schema NAME] [--plugin-dir DIR]...\n"
            "                    [--json] [--allow-internal] [--http-timeout S] [--log-level LEVEL]\n"
            "                    [--log-format FMT] [--log-file FILE] [-h]\n\n"
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
            "  --allow-internal    let the plugin reach loopback and private addresses\n" DWH_CLI_HTTP_HELP
            DWH_CLI_LOG_HELP
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

static int run_check(const check_args *a, dwh_plugin *p) {
    dwh_secrets *secrets = dwh_secrets_new();
    if (!secrets) {
        fprintf(stderr, "dwhost: out of memory\n");
        return DWH_EXIT_FAILURE;
    }
    dwh_op_flags flags = {.cancel = &cancel_flag, .allow_internal_hosts = a->allow_internal};
    dwh_check_result r = dwh_check_run_file(p, a->config, a->schema, &flags, secrets);
    int rc = r.invalid_config ? DWH_EXIT_CONFIG : dwh_cli_exit_for(r.cause);
    if (!r.doc) {
        fprintf(stderr, "dwhost: out of memory\n");
        rc = DWH_EXIT_FAILURE;
    } else if (a->json) {
        dwh_cli_print_json(stdout, r.doc, 1);
    } else {
        print_issues(r.doc, "errors");
        print_issues(r.doc, "warnings");
        json_object *w = json_object_object_get(r.doc, "warnings");
        for (size_t i = 0; w && i < json_object_array_length(w); i++)
            fprintf(stderr, "dwhost: warning: %s\n", json_object_get_string(json_object_array_get_idx(w, i)));
        json_object *m = json_object_object_get(r.doc, "message");
        if (rc == DWH_EXIT_OK && m && json_object_get_string_len(m))
            printf("ok: %s%s%s%s: %s\n", dwh_plugin_name(p), a->schema ? " (schema '" : "", a->schema ? a->schema : "",
                   a->schema ? "')" : "", json_object_get_string(m)); /* what the plugin verified */
        else if (rc == DWH_EXIT_OK)
            printf("ok: %s accepted the credentials%s%s%s\n", dwh_plugin_name(p), a->schema ? " for schema '" : "",
                   a->schema ? a->schema : "", a->schema ? "'" : "");
        else if (m)
            fprintf(stderr, "dwhost: check %s%s%s%s: %s: %s\n", dwh_plugin_name(p), a->schema ? " (schema '" : "",
                    a->schema ? a->schema : "", a->schema ? "')" : "",
                    r.unknown_schema ? "unknown schema" : failure_phrase(r.cause),
                    json_object_get_string(m));
    }
    dwh_check_result_free(&r);
    dwh_secrets_free(secrets);
    return rc;
}

static int cmd_check(int argc, char **argv) {
    check_args a = {0};
    dwh_cli_plugins pl = {0};
    dwh_cli_log lg = DWH_CLI_LOG_INIT;
    dwh_cli_http http = {0};
    int rc = DWH_EXIT_OK;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        int r = dwh_cli_plugin_dir_arg(&pl, argc, argv, &i);
        if (r == 0) r = dwh_cli_log_arg(&lg, argc, argv, &i);
        if (r == 0) r = dwh_cli_http_arg(&http, argc, argv, &i);
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
    if (dwh_cli_log_open(&lg, argv[0]) != 0 || dwh_cli_http_apply(&http, argv[0]) != 0) {
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
