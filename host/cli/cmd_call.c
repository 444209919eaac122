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

/* The line dwh_call gives for bad arguments, as call words it: an
 * --args-json that is not JSON is named by its option. */
static const char *arguments_line(const char *source, const char *action, const char *error, char *buf,
                                  size_t size) {
    char prefix[256];
    snprintf(prefix, sizeof prefix, "%s.%s: the arguments are not JSON: ", source, action);
    if (strncmp(error, prefix, strlen(prefix)) != 0) return error;
    snprintf(buf, size, "--args-json is not JSON: %s", error + strlen(prefix));
    return buf;
}

static int run_call(dwh_plugin *p, const char *action_name, const char *const *words, size_t n_words) {
    const char *source = dwh_plugin_name(p);
    char *error = NULL;
    if (!dwhi_cli_has_action(p, action_name)) {
        /* dwh_call names the actions there are, before any config is read */
        dwh_call(p, action_name, NULL, NULL, NULL, &error);
        char msg[512];
        snprintf(msg, sizeof msg, "%s (see 'dwhost describe %s')", error ? error : "no such action", source);
        free(error);
        return report(source, action_name, DW_ERR_NOT_FOUND, msg, NULL, DWHI_EXIT_USAGE, A.json);
    }
    char *config = NULL, *base_dir = NULL, *config_report = NULL, *result = NULL;
    int rc = dwhi_cli_config_checked(p, A.config, &config, &base_dir, NULL, A.json ? &config_report : NULL);
    if (rc == DWHI_EXIT_FAILURE) {
        rc = report(source, action_name, DW_ERR_NOMEM, "out of memory", NULL, rc, A.json);
        goto out;
    }
    if (rc != DWHI_EXIT_OK) {
        rc = report(source, action_name, DW_ERR_CONFIG, A.json ? "the config is invalid" : NULL, NULL, rc, A.json);
        goto out;
    }
    dwh_call_outcome outcome = DWH_CALL_FAILED;
    dw_status cause = DW_OK;
    dwh_call_options o = {.args = words, .n_args = n_words, .args_json = A.args_json, .base_dir = base_dir,
                          .allow_internal_hosts = A.allow_internal, .cancel = dwhi_cli_cancel,
                          .outcome = &outcome, .cause = &cause};
    dw_status st = dwh_call(p, action_name, config, &o, &result, &error);
    const char *message = error ? error : (st == DW_OK ? NULL : "out of memory");
    if (outcome == DWH_CALL_BAD_ARGUMENTS) {
        char line[512];
        rc = report(source, action_name, DW_ERR_CONFIG, arguments_line(source, action_name, message, line, sizeof line),
                    NULL, DWHI_EXIT_USAGE, A.json);
    } else if (st == DW_ERR_CANCELLED && dwhi_cli_interrupt_signal()) {
        if (A.json) report(source, action_name, st, message, NULL, DWHI_EXIT_INTERRUPTED, 1);
        rc = dwhi_cli_interrupted(NULL, "%s: action '%s' stopped; run the command again", source, action_name);
    } else {
        rc = outcome == DWH_CALL_CRASHED ? DWHI_EXIT_PLUGIN_CRASHED : dwhi_cli_exit_for(st == DW_OK ? DW_OK : cause);
        /* a plugin that could not start is shown with the status its init returned */
        rc = report(source, action_name, outcome == DWH_CALL_NOT_STARTED ? cause : st, message, result, rc, A.json);
    }
out:
    if (A.json && config_report && rc == DWHI_EXIT_CONFIG) {
        json_object *rep = json_tokener_parse(config_report);
        if (rep) dwhi_cli_print_json(stdout, rep, 1);
        json_object_put(rep);
    }
    free(config_report);
    dwh_free_secret(config);
    free(base_dir);
    free(result);
    free(error);
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
