/* test_actions.c -- actions (ABI 1.8) through the embedding API: every
 * argument type reaches the C function as declared (libffi), from
 * NAME=VALUE words and from JSON, defaults included; wrong arguments get
 * one line naming the argument and the expected type; a crashing action
 * fails its call and the process carries on (and can call again); the
 * loader refuses bad declarations with their own reason; a field's
 * choices come from its options action; dwh_call's outcome, cause and raw
 * answer tell apart what its status alone does not. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dwhost.h"

static dwh_host *host;
/* The crash guard's SIGSEGV action: cmocka installs its own handler around
 * each test, so the crash test puts the guard's back for its duration. */
static struct sigaction guard_action;

static int setup(void **state) {
    (void)state;
    const char *dirs[] = {ACTT_DIR};
    dwh_host_options o = {.plugin_dirs = dirs, .n_plugin_dirs = 1,
                          .flags = DWH_HOST_NO_ENV_PATH | DWH_HOST_NO_DEFAULT_DIR};
    host = dwh_host_new(&o);
    return host ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    dwh_host_free(host);
    return 0;
}

/* Calls actt's `action`; returns the status, *out the result or error. */
static dw_status call(const char *action, const char *const *words, size_t n, const char *json, char **out) {
    dwh_plugin *p = dwh_host_find(host, "actt");
    assert_non_null(p);
    dwh_call_options o = {.args = words, .n_args = n, .args_json = json};
    char *result = NULL, *error = NULL;
    dw_status st = dwh_call(p, action, "{\"token\": \"s3cr3t-token\", \"kind\": \"a\"}", &o, &result, &error);
    dwh_plugin_unref(p);
    if (st == DW_OK) {
        assert_null(error);
        *out = result;
    } else {
        assert_null(result);
        assert_non_null(error);
        assert_null(strchr(error, '\n'));
        *out = error;
    }
    return st;
}

static void test_types_from_words(void **state) {
    (void)state;
    const char *w[] = {"n=-9007199254740993", "x=1.25", "flag=true", "s=caf\xc3\xa9 au lait", "j=[1,{\"a\":null}]"};
    char *out;
    assert_int_equal(call("echo", w, 5, NULL, &out), DW_OK);
    /* the int64 does not fit a double: it crossed as int64_t; the secret
     * token the action echoed is scrubbed from the answer */
    assert_string_equal(out, "{\"n\":-9007199254740993,\"x\":1.25,\"flag\":1,\"s\":\"caf\xc3\xa9 au lait\","
                             "\"j\":[1,{\"a\":null}],\"token\":\"***\"}");
    free(out);
}

static void test_types_from_json_and_defaults(void **state) {
    (void)state;
    char *out;
    assert_int_equal(call("echo", NULL, 0, "{\"n\": 42, \"s\": null}", &out), DW_OK);
    assert_string_equal(out, "{\"n\":42,\"x\":0.5,\"flag\":0,\"s\":null,\"j\":{\"k\":[1,2]},\"token\":\"***\"}");
    free(out);
    const char *w[] = {"flag=1"};
    assert_int_equal(call("echo", w, 1, "{\"n\": 7, \"x\": 3}", &out), DW_OK);
    assert_string_equal(out, "{\"n\":7,\"x\":3,\"flag\":1,\"s\":null,\"j\":{\"k\":[1,2]},\"token\":\"***\"}");
    free(out);
}

static void expect_refused(const char *const *w, size_t n, const char *json, const char *message) {
    char *out;
    assert_int_equal(call("echo", w, n, json, &out), DW_ERR_CONFIG);
    assert_string_equal(out, message);
    free(out);
}

static void test_wrong_arguments(void **state) {
    (void)state;
    const char *ten[] = {"n=ten"};
    expect_refused(ten, 1, NULL, "actt.echo: argument 'n' expects a whole number (int64), got 'ten'");
    const char *big[] = {"n=9223372036854775808"};
    expect_refused(big, 1, NULL, "actt.echo: argument 'n' expects a whole number (int64), got '9223372036854775808'");
    const char *flag[] = {"n=1", "flag=yes"};
    expect_refused(flag, 2, NULL, "actt.echo: argument 'flag' expects true or false (bool), got 'yes'");
    const char *x[] = {"n=1", "x=nan"};
    expect_refused(x, 2, NULL, "actt.echo: argument 'x' expects a number (double), got 'nan'");
    const char *j[] = {"n=1", "j={"};
    expect_refused(j, 2, NULL, "actt.echo: argument 'j' expects JSON text, got '{'");
    expect_refused(NULL, 0, "{\"n\": \"5\"}", "actt.echo: argument 'n' expects a whole number (int64), got \"5\"");
    expect_refused(NULL, 0, "{\"n\": 1.5}", "actt.echo: argument 'n' expects a whole number (int64), got 1.5");
    expect_refused(NULL, 0, "{\"n\": 1, \"s\": 3}", "actt.echo: argument 's' expects a string, got 3");
    expect_refused(NULL, 0, "{}", "actt.echo: argument 'n' (int64) is required; give n=VALUE");
    const char *unknown[] = {"n=1", "size=3"};
    expect_refused(unknown, 2, NULL,
                   "actt.echo: unknown argument 'size'; its arguments: n (int64), x (double), flag (bool), s (string), "
                   "j (json)");
    const char *twice[] = {"n=1"};
    expect_refused(twice, 1, "{\"n\": 2}", "actt.echo: argument 'n' is given twice; give it once");
    const char *noeq[] = {"n"};
    expect_refused(noeq, 1, NULL,
                   "actt.echo: 'n' is not NAME=VALUE; its arguments: n (int64), x (double), flag (bool), s (string), "
                   "j (json)");
    expect_refused(NULL, 0, "[1]", "actt.echo: the arguments must be a JSON object {\"NAME\": value}, not array");
}

static void test_unknown_action(void **state) {
    (void)state;
    char *out;
    assert_int_equal(call("nope", NULL, 0, NULL, &out), DW_ERR_NOT_FOUND);
    assert_string_equal(out, "actt has no action 'nope'; its actions: echo, crash, failing, bad_answer, silent, texts, kinds, "
                             "mapped");
    free(out);
}

static void test_crash_fails_the_call_only(void **state) {
    (void)state;
    struct sigaction cmocka_action;
    assert_int_equal(sigaction(SIGSEGV, &guard_action, &cmocka_action), 0);
    for (int how = 0; how < 2; how++) {
        const char *w[] = {how ? "how=1" : "how=0"};
        char *out;
        assert_int_equal(call("crash", w, 1, NULL, &out), DW_ERR);
        assert_non_null(strstr(out, "plugin 'actt'"));
        assert_non_null(strstr(out, "crashed with SIGSEGV"));
        assert_non_null(strstr(out, "in action 'crash'"));
        assert_non_null(strstr(out, "the call failed"));
        free(out);
        /* the process carries on and the plugin answers the next call */
        const char *n[] = {"n=3"};
        assert_int_equal(call("echo", n, 1, NULL, &out), DW_OK);
        assert_non_null(strstr(out, "\"n\":3"));
        free(out);
    }
    sigaction(SIGSEGV, &cmocka_action, NULL);
}

static void test_failures_and_answers(void **state) {
    (void)state;
    char *out;
    assert_int_equal(call("failing", NULL, 0, NULL, &out), DW_ERR_FORBIDDEN);
    assert_string_equal(out, "the token lacks a permission");
    free(out);
    assert_int_equal(call("bad_answer", NULL, 0, NULL, &out), DW_ERR_BAD_DATA);
    assert_non_null(strstr(out, "action_result: the answer is not JSON"));
    free(out);
    assert_int_equal(call("texts", NULL, 0, NULL, &out), DW_ERR_FORBIDDEN);
    assert_string_equal(out, "50% of %d: %s is not a format");
    free(out);
    assert_int_equal(call("silent", NULL, 0, NULL, &out), DW_OK);
    assert_string_equal(out, "null");
    free(out);
}

/* dwh_call with opts->outcome, ->cause and ->result_raw: what the status
 * alone cannot tell (what `dwhost call` picks its exit codes by). */
typedef struct outcome {
    dw_status st, cause;
    dwh_call_outcome outcome;
    char *result, *raw, *error;
} outcome;

static outcome call_ex(const char *source, const char *action, const char *config, const char *word,
                       const char *args_json) {
    dwh_plugin *p = dwh_host_find(host, source);
    assert_non_null(p);
    outcome r = {.cause = (dw_status)-1, .outcome = (dwh_call_outcome)-1, .raw = (char *)"unset"};
    const char *words[] = {word};
    dwh_call_options o = {.args = words, .n_args = word ? 1 : 0, .args_json = args_json, .outcome = &r.outcome,
                          .cause = &r.cause, .result_raw = &r.raw};
    r.st = dwh_call(p, action, config, &o, &r.result, &r.error);
    dwh_plugin_unref(p);
    return r;
}

static void outcome_free(outcome *r) {
    free(r->result);
    dwh_free_secret(r->raw);
    free(r->error);
}

static void test_call_outcomes(void **state) {
    (void)state;
    const char *good = "{\"token\": \"s3cr3t-token\", \"kind\": \"a\"}";
    /* answered: the scrubbed answer, and the raw one with the secret in clear */
    outcome r = call_ex("actt", "echo", good, "n=5", NULL);
    assert_int_equal(r.st, DW_OK);
    assert_int_equal(r.outcome, DWH_CALL_ANSWERED);
    assert_int_equal(r.cause, DW_OK);
    assert_non_null(strstr(r.result, "\"token\":\"***\""));
    assert_non_null(r.raw);
    assert_non_null(strstr(r.raw, "\"n\":5,"));
    assert_non_null(strstr(r.raw, "\"token\":\"s3cr3t-token\""));
    outcome_free(&r);
    r = call_ex("actt", "silent", good, NULL, NULL);
    assert_int_equal(r.outcome, DWH_CALL_ANSWERED);
    assert_string_equal(r.raw, "null");
    outcome_free(&r);

    /* refused before plugin code: the config or the arguments, told apart */
    r = call_ex("actt", "echo", "{\"token\": \"s3cr3t-token\"}", "n=5", NULL);
    assert_int_equal(r.st, DW_ERR_CONFIG);
    assert_int_equal(r.outcome, DWH_CALL_BAD_CONFIG);
    assert_int_equal(r.cause, DW_ERR_CONFIG);
    assert_null(r.raw);
    outcome_free(&r);
    r = call_ex("actt", "echo", good, "n=ten", NULL);
    assert_int_equal(r.st, DW_ERR_CONFIG);
    assert_int_equal(r.outcome, DWH_CALL_BAD_ARGUMENTS);
    assert_null(r.raw);
    outcome_free(&r);
    r = call_ex("actt", "echo", good, NULL, "{bad");
    assert_int_equal(r.outcome, DWH_CALL_BAD_ARGUMENTS);
    assert_string_equal(r.error, "actt.echo: the arguments are not JSON: not JSON: unexpected 'b' at line 1, column 2");
    outcome_free(&r);
    r = call_ex("actt", "nope", good, NULL, NULL);
    assert_int_equal(r.st, DW_ERR_NOT_FOUND);
    assert_int_equal(r.outcome, DWH_CALL_NO_ACTION);
    outcome_free(&r);

    /* the action failed: as the plugin said, and through the error map */
    r = call_ex("actt", "failing", good, NULL, NULL);
    assert_int_equal(r.st, DW_ERR_FORBIDDEN);
    assert_int_equal(r.outcome, DWH_CALL_FAILED);
    assert_int_equal(r.cause, DW_ERR_FORBIDDEN);
    assert_null(r.raw);
    outcome_free(&r);
    r = call_ex("actt", "mapped", good, NULL, NULL);
    assert_int_equal(r.st, DW_ERR_NON_RETRYABLE);
    assert_int_equal(r.outcome, DWH_CALL_FAILED);
    assert_int_equal(r.cause, DW_ERR_AUTH);
    assert_string_equal(r.error, "the token is wrong; make a new one");
    outcome_free(&r);

    /* the plugin could not start: DW_ERR_UNSUPPORTED, init's own status as the cause */
    r = call_ex("actt_noinit", "echo", good, "n=5", NULL);
    assert_int_equal(r.st, DW_ERR_UNSUPPORTED);
    assert_int_equal(r.outcome, DWH_CALL_NOT_STARTED);
    assert_int_equal(r.cause, DW_ERR_FORBIDDEN);
    assert_non_null(strstr(r.error, "plugin 'actt_noinit' could not start: init failed"));
    outcome_free(&r);

    /* crashed: told apart from a plain DW_ERR */
    struct sigaction cmocka_action;
    assert_int_equal(sigaction(SIGSEGV, &guard_action, &cmocka_action), 0);
    r = call_ex("actt", "crash", good, NULL, NULL);
    sigaction(SIGSEGV, &cmocka_action, NULL);
    assert_int_equal(r.st, DW_ERR);
    assert_int_equal(r.outcome, DWH_CALL_CRASHED);
    assert_int_equal(r.cause, DW_ERR);
    assert_null(r.raw);
    outcome_free(&r);
}

static void test_field_options(void **state) {
    (void)state;
    dwh_plugin *p = dwh_host_find(host, "actt");
    char *out = NULL, *error = NULL;
    /* the field itself is required, yet its choices are asked before it is filled */
    assert_int_equal(dwh_field_options(p, "kind", "{\"token\": \"t\"}", NULL, 0, &out, &error), DW_OK);
    assert_string_equal(out, "[{\"value\":\"a\",\"label\":\"Kind A\"},{\"value\":\"b\",\"label\":\"Kind B\"}]");
    free(out);
    out = NULL;
    assert_int_equal(dwh_field_options(p, "token", "{}", NULL, 0, &out, &error), DW_ERR_NOT_FOUND);
    assert_null(out);
    assert_string_equal(error, "actt has no top-level field 'token' that lists its choices (options_action); see "
                               "'dwhost describe actt'");
    free(error);
    char *form = dwh_plugin_form_json(p);
    assert_non_null(strstr(form, "\"default\":null,\"options_action\":\"kinds\"}"));
    assert_non_null(strstr(form, "{\"name\":\"n\",\"type\":\"int64\",\"description\":\"a number\",\"required\":true,"
                                 "\"default\":null}"));
    free(form);
    dwh_plugin_unref(p);
}

static void test_bad_declarations_refused(void **state) {
    (void)state;
    size_t n = 0;
    dwh_rejection *rej = dwh_host_rejections(host, &n);
    struct {
        const char *file, *reason, *message;
    } want[] = {
        {"libsource_actt_badtype.so", "actions",
         "action 'echo': argument 'j' has unknown type 9; use a DW_ARG_* value (int64, double, bool, string, json)"},
        {"libsource_actt_baddefault.so", "actions",
         "action 'echo': the default of argument 'j' (int64) does not fit the argument's type; give a whole number "
         "(int64) as JSON text, or NULL to make it required"},
        {"libsource_actt_nofn.so", "actions", "action 'echo' has no function; set .fn = DW_ACTION_FN(your_function)"},
        {"libsource_actt_badoptions.so", "fields",
         "invalid config form: field 'kind' names options_action 'no_such_action', which the descriptor does not "
         "declare; add the action or fix the name"},
    };
    for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
        size_t i = 0;
        while (i < n && !strstr(rej[i].path, want[w].file)) i++;
        if (i == n) fail_msg("%s was not rejected", want[w].file);
        assert_string_equal(dwh_reject_reason_name(rej[i].reason), want[w].reason);
        assert_string_equal(rej[i].message, want[w].message);
    }
    assert_int_equal(n, 4);
    dwh_rejections_free(rej, n);
}

int main(void) {
    /* as dwhost does: a plugin's fatal signal is contained */
    if (dwh_crash_guard_install(11, NULL) != DW_OK || sigaction(SIGSEGV, NULL, &guard_action) != 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types_from_words),   cmocka_unit_test(test_types_from_json_and_defaults),
        cmocka_unit_test(test_wrong_arguments),    cmocka_unit_test(test_unknown_action),
        cmocka_unit_test(test_crash_fails_the_call_only), cmocka_unit_test(test_failures_and_answers),
        cmocka_unit_test(test_field_options),      cmocka_unit_test(test_bad_declarations_refused),
        cmocka_unit_test(test_call_outcomes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
