/* actt.c -- test plugins with actions (ABI 1.8).  ACTT_CASE 0 declares
 * good actions over every argument type (echo answers what it received),
 * one that crashes, one that fails, one that answers no JSON, and a field
 * whose choices an action lists; case 5 is a plugin whose init fails; the
 * other cases are declarations the loader must refuse, each for its own
 * reason. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "dwsdk.h"

#ifndef ACTT_CASE
#define ACTT_CASE 0
#endif

static const dw_host_api *api;

static dw_status init(const dw_host_api *a, void **data) {
    (void)data;
    api = a;
#if ACTT_CASE == 5
    return DW_ERR_FORBIDDEN; /* it cannot start: every call is DWH_CALL_NOT_STARTED */
#else
    return DW_OK;
#endif
}
static dw_status list_schemas(dw_ctx *ctx) {
    (void)ctx;
    return DW_OK;
}
static dw_status check(dw_ctx *ctx, const char *schema) {
    (void)ctx, (void)schema;
    return DW_OK;
}
static dw_status run(dw_ctx *ctx, const dw_run_inputs *in) {
    (void)in;
    return api->fail(ctx, DW_ERR_NOT_FOUND, "no schemas");
}

/* Answers every argument as it arrived in C, so a test sees the ABI at
 * work: int64 beyond 32 bits, doubles, bools as int, NULL strings. */
static dw_status echo(dw_ctx *ctx, int64_t n, double x, int flag, const char *s, const char *j) {
    char out[1024];
    snprintf(out, sizeof out, "{\"n\":%lld,\"x\":%.17g,\"flag\":%d,\"s\":%s%s%s,\"j\":%s,\"token\":\"%s\"}",
             (long long)n, x, flag, s ? "\"" : "", s ? s : "null", s ? "\"" : "", j ? j : "null",
             api->config_string(ctx, "token") ? api->config_string(ctx, "token") : "");
    return api->action_result(ctx, out, strlen(out));
}

/* A real invalid access (how 0) or a raised SIGSEGV (how 1); no UBSan
 * check in the way under the sanitizer build. */
static __attribute__((noinline, no_sanitize("undefined"))) dw_status crash(dw_ctx *ctx, int64_t how) {
    (void)ctx;
    if (how == 1) raise(SIGSEGV);
    volatile int *volatile p = NULL;
    *p = 42;
    return DW_OK;
}

static dw_status failing(dw_ctx *ctx) { return api->fail(ctx, DW_ERR_FORBIDDEN, "the token lacks a permission"); }

/* A failure the non-retryable map below rewrites (the cause stays AUTH). */
static dw_status mapped(dw_ctx *ctx) { return api->fail(ctx, DW_ERR_AUTH, "401 Bad credentials"); }

static dw_status bad_answer(dw_ctx *ctx) {
    dw_status st = api->action_result(ctx, "{nope", 5);
    return st;
}

/* 1.8's non-variadic pair: the text is not a format. */
static dw_status texts(dw_ctx *ctx) {
    api->log_text(ctx, DW_LOG_WARN, "100% sure: %s %n stays as written");
    return api->fail_text(ctx, DW_ERR_FORBIDDEN, "50% of %d: %s is not a format");
}

static dw_status silent(dw_ctx *ctx) {
    (void)ctx;
    return DW_OK;
}

static dw_status kinds(dw_ctx *ctx, const char *prefix) {
    char out[256];
    snprintf(out, sizeof out, "[{\"value\":\"%sa\",\"label\":\"Kind A\"},{\"value\":\"%sb\",\"label\":\"Kind B\"}]",
             prefix ? prefix : "", prefix ? prefix : "");
    return api->action_result(ctx, out, strlen(out));
}

static const dw_action_arg echo_args[] = {
    {.name = "n", .type = DW_ARG_INT64, .description = "a number"},
    {.name = "x", .type = DW_ARG_DOUBLE, .default_value = "0.5"},
    {.name = "flag", .type = DW_ARG_BOOL, .default_value = "false"},
    {.name = "s", .type = DW_ARG_STRING, .default_value = "null"},
#if ACTT_CASE == 1
    {.name = "j", .type = 9},
#elif ACTT_CASE == 2
    {.name = "j", .type = DW_ARG_INT64, .default_value = "\"ten\""},
#else
    {.name = "j", .type = DW_ARG_JSON, .default_value = "{\"k\":[1,2]}"},
#endif
};
static const dw_action_arg crash_args[] = {{.name = "how", .type = DW_ARG_INT64, .default_value = "0"}};
static const dw_action_arg kinds_args[] = {{.name = "prefix", .type = DW_ARG_STRING, .default_value = "\"\""}};

static const dw_action actions[] = {
    {.name = "echo", .description = "answers its arguments", .args = echo_args, .n_args = DW_COUNT(echo_args),
#if ACTT_CASE == 3
     .fn = NULL},
    {.name = "echo_fn", .description = "keeps echo used", .args = echo_args, .n_args = DW_COUNT(echo_args),
     .fn = DW_ACTION_FN(echo)},
#else
     .fn = DW_ACTION_FN(echo)},
#endif
    {.name = "crash", .description = "dies of SIGSEGV", .args = crash_args, .n_args = 1, .fn = DW_ACTION_FN(crash)},
    {.name = "failing", .description = "fails with 403", .fn = DW_ACTION_FN(failing)},
    {.name = "bad_answer", .description = "answers no JSON", .fn = DW_ACTION_FN(bad_answer)},
    {.name = "silent", .description = "answers nothing", .fn = DW_ACTION_FN(silent)},
    {.name = "texts", .description = "log_text and fail_text", .fn = DW_ACTION_FN(texts)},
    {.name = "kinds", .description = "the choices of kind", .args = kinds_args, .n_args = 1, .fn = DW_ACTION_FN(kinds)},
    {.name = "mapped", .description = "fails as the error map words it", .fn = DW_ACTION_FN(mapped)},
};

static const dw_error_mapping error_map[] = {{"Bad credentials", "the token is wrong; make a new one"}};

static const dw_field fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "token", .label = "Token", .input_type = DW_INPUT_PASSWORD},
#if ACTT_CASE == 4
    {.kind = DW_FIELD_INPUT, .name = "kind", .label = "Kind", .required = 1, .input_type = DW_INPUT_TEXT,
     .options_action = "no_such_action"},
#else
    {.kind = DW_FIELD_INPUT, .name = "kind", .label = "Kind", .required = 1, .input_type = DW_INPUT_TEXT,
     .options_action = "kinds"},
#endif
};

DW_EXPORT const dw_source dwhost_source = {
    DW_SOURCE_HEADER,
    .name = ACTT_NAME,
    .label = "Actions test",
    .icon_path = "/static/services/actt.png",
    .version = "1.0.0",
    .fields = fields,
    .n_fields = DW_COUNT(fields),
    .init = init,
    .list_schemas = list_schemas,
    .check_credentials = check,
    .run = run,
    .non_retryable_errors = error_map,
    .n_non_retryable_errors = DW_COUNT(error_map),
    DW_ACTIONS(actions),
};
