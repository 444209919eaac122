/* cmd_call.c -- `dwhost call <source> <action> --config FILE
 * [NAME=VALUE]...`: one action of a plugin (ABI 1.8) called with typed
 * arguments; its JSON answer on stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/source_names.h"
#include "cli_common.h"
#include "cli_config.h"
#include "cli_exit.h"
#include "cli_http.h"
#include "cli_log.h"
#include "cli_signal.h"
#include "config/config_load.h"
#include "ops/ops_action.h"

static struct {
    const char *config, *args_json;
    int json, allow_internal;
    dwhi_cli_list words; /* ACTION NAME=VALUE... */
} A;

static const dwhi_cli_opt options[] = {
    DWHI_OPT_STRING(0, "config", "FILE",
                   "the source's JSON config (\"-\" reads standard input), validated as by check; secrets may be "
                   "{\"$env\": \"NAME\"} or {\"$file\": \"PATH\"}",
                   &A.config, .flags = DWHI_OPT_REQUIRED | DWHI_OPT_NONEMPTY),
    DWHI_OPT_STRING(0, "args-json", "JSON",
                   "the arguments as one JSON object {\"NAME\": value} (typed as JSON: \"limit\": 5, \"owner\": "
                   "\"octo\"); may be combined with NAME=VALUE words naming other arguments",
                   &A.args_json, .flags = DWHI_OPT_NONEMPTY, .missing = "a JSON object"),
    DWHI_CLI_OPT_PLUGIN_DIR,
    DWHI_OPT_FLAG(0, "json",
                 "print one JSON document {\"source\", \"action\", \"ok\", \"status\", \"message\", \"result\"} "
                 "(also on failure)",
                 &A.json),
    DWHI_OPT_FLAG(0, "allow-internal", "let the plugin reach loopback and private addresses", &A.allow_internal),
    DWHI_CLI_OPT_HTTP_TIMEOUT,
    DWHI_CLI_OPTS_LOG,
    DWHI_OPT_HELP(),
    DWHI_OPT_END(),
};

/* Prints the outcome (stdout for --json and the result, stderr for a
 * failure's line) and returns the exit code. */
static int report(const char *source, const char *action, dw_status st, const char *message, const char *result,
                  int rc, int json) {
    if (json) {
        json_object *doc = json_object_new_object(), *res = NULL;
        if (result) res = json_tokener_parse(result);
        json_object_object_add(doc, "source", json_object_new_string(source));
        json_object_object_add(doc, "action", action ? json_object_new_string(action) : NULL);
        json_object_object_add(doc, "ok", json_object_new_boolean(rc == 0));
        json_object_object_add(doc, "status", json_object_new_string(dwhi_status_name(st)));
        json_object_object_add(doc, "message", message ? json_object_new_string(message) : NULL);
        json_object_object_add(doc, "result", res);
        dwhi_cli_print_json(stdout, doc, 1);
        json_object_put(doc);
    } else if (rc == 0) {
        json_object *res = json_tokener_parse(result);
        if (res) dwhi_cli_print_json(stdout, res, 1);
        else printf("%s\n", result); /* "null" */
        json_object_put(res);
    }
    if (rc != 0 && message) {
        /* the binder names "source.action: " itself; the line names it once */
        size_t sl = strlen(source), al = action ? strlen(action) : 0;
        if (action && !strncmp(message, source, sl) && message[sl] == '.' && !strncmp(message + sl + 1, action, al) &&
            !strncmp(message + sl + 1 + al, ": ", 2))
            message += sl + al + 3;
        fprintf(stderr, "dwhost: call %s %s: %s\n", source, action ? action : "", message);
    }
    return rc;
}

static int run_call(dwh_plugin *p, const char *action_name, const char *const *words, size_t n_words) {
    const char *source = dwh_plugin_name(p);
    const dw_source *src = dwh_plugin_source(p);
    const dw_action *a = dwhi_action_find(src, action_name);
    if (!a) {
        json_object *names = dwhi_actions_json(src);
        size_t cap = 256, len = 0;
        char *list = calloc(1, cap);
        for (size_t i = 0; list && i < json_object_array_length(names); i++) {
            const char *n = json_object_get_string(json_object_object_get(json_object_array_get_idx(names, i), "name"));
            len += (size_t)snprintf(list + len, len < cap ? cap - len : 0, "%s%s", i ? ", " : "", n);
            if (len >= cap) break;
        }
        char msg[512];
        snprintf(msg, sizeof msg, "%s has no action '%s'; its actions: %s (see 'dwhost describe %s')", source,
                 action_name, list && list[0] ? list : "none", source);
        free(list);
        json_object_put(names);
        return report(source, action_name, DW_ERR_NOT_FOUND, msg, NULL, DWHI_EXIT_USAGE, A.json);
    }
    dwhi_secrets *secrets = dwhi_secrets_new();
    if (!secrets) return report(source, action_name, DW_ERR_NOMEM, "out of memory", NULL, DWHI_EXIT_FAILURE, A.json);
    json_object *config = NULL, *config_report = NULL, *json_args = NULL;
    int rc = dwhi_cli_load_config(p, A.config, secrets, &config, A.json ? &config_report : NULL);
    if (rc != DWHI_EXIT_OK) {
        rc = report(source, action_name, DW_ERR_CONFIG, A.json ? "the config is invalid" : NULL, NULL, rc, A.json);
        goto out;
    }
    if (A.args_json) {
        char perr[256];
        if (dwhi_config_parse_text(A.args_json, strlen(A.args_json), &json_args, perr, sizeof perr) != 0) {
            char msg[400];
            snprintf(msg, sizeof msg, "--args-json is not JSON: %s", perr);
            rc = report(source, action_name, DW_ERR_CONFIG, msg, NULL, DWHI_EXIT_USAGE, A.json);
            goto out;
        }
    }
    dwhi_action_args args;
    char *why = NULL;
    if (dwhi_action_bind(source, a, words, n_words, json_args, &args, &why) != 0) {
        rc = report(source, action_name, DW_ERR_CONFIG, why, NULL, DWHI_EXIT_USAGE, A.json);
        free(why);
        goto out;
    }
    dwhi_op_flags flags = {.cancel = dwhi_cli_cancel, .allow_internal_hosts = A.allow_internal};
    dwhi_op_result r = dwhi_op_action(p, config, secrets, NULL, &flags, a, &args);
    dwhi_action_args_clear(&args);
    if (r.code == DW_ERR_CANCELLED && dwhi_cli_interrupt_signal()) {
        if (A.json) report(source, action_name, r.code, r.message, NULL, DWHI_EXIT_INTERRUPTED, 1);
        rc = dwhi_cli_interrupted(NULL, "%s: action '%s' stopped; run the command again", source, action_name);
    } else {
        rc = r.crashed ? DWHI_EXIT_PLUGIN_CRASHED : dwhi_cli_exit_for(r.code == DW_OK ? DW_OK : r.cause);
        rc = report(source, action_name, r.code, r.message, r.result, rc, A.json);
    }
    dwhi_op_result_free(&r);
out:
    if (A.json && config_report && rc == DWHI_EXIT_CONFIG) dwhi_cli_print_json(stdout, config_report, 1);
    json_object_put(json_args);
    json_object_put(config_report);
    json_object_put(config);
    dwhi_secrets_free(secrets);
    return rc;
}

static int cmd_call(const dwhi_cli_invocation *inv) {
    if (A.words.n == 0) {
        free(A.words.v);
        return dwhi_cli_usage_error("call", "which action? e.g. dwhost call %s ACTION --config FILE (its actions: "
                                            "dwhost describe %s)", inv->operand, inv->operand);
    }
    dwhi_cli_plugins pl = {0};
    int rc = dwhi_cli_plugins_open(&pl);
    dwh_plugin *p = rc ? NULL : dwhi_cli_find_source(&pl, inv->operand, &rc);
    if (p) {
        rc = run_call(p, A.words.v[0], A.words.v + 1, A.words.n - 1);
        dwh_plugin_unref(p);
    }
    dwhi_cli_plugins_close(&pl);
    free(A.words.v);
    return rc;
}

DWHI_CLI_COMMAND(call, .name = "call", .summary = "call one action of a source (e.g. list what a token can read)",
                .run = cmd_call, .options = options, .operand = "source",
                .operand_missing = "which source? e.g. dwhost call github list_repositories --config github.json",
                .synopsis = "call <source> <action> --config FILE [NAME=VALUE]... [--args-json JSON] [--json]",
                .flags = DWHI_CLI_CANCELLABLE, .more_operands = &A.words,
                .description =
                    "Calls ACTION, a function the plugin declares (ABI 1.8; 'dwhost describe SOURCE' lists them "
                    "with their arguments), on the validated config, and prints its JSON answer.\n\n"
                    "Arguments are NAME=VALUE words, VALUE read by the argument's declared type: int64 a whole "
                    "number, double a number, bool true/false/1/0, string the text as written, json JSON text.  "
                    "--args-json gives them as one JSON object instead.  An argument left out takes its declared "
                    "default; one without a default is required.  An unknown, repeated, missing or ill-typed "
                    "argument is refused before any plugin code runs, with one line naming the argument and the "
                    "type it expects.\n\n"
                    "An action that crashes (a fatal signal in its code) fails the call with one line; the "
                    "process is not taken down with it.",
                .exit_status = "0 the action answered, 2 usage error (no or unknown action, a bad argument), 3 "
                               "plugin not found or broken, 4 invalid config, 5 credentials rejected or lacking a "
                               "permission, 6 source unreachable, 9 interrupted, 11 the action crashed, 1 any other "
                               "failure.")
