/*
 * test_api_plugin.c -- the function table across the real plugin boundary:
 * the apitest plugin (tests/plugins/apitest) calls every member with good
 * and bad input, through the registry and ops.c, and reports what the
 * host answered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "ops/plugin_api_table.h"
#include "rt_helpers.h"

static dwh_plugin *P;

static int setup(void **state) {
    (void)state;
    P = rt_plugin("apitest");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    dwh_plugin_unref(P);
    rt_plugins_free();
    return 0;
}

static long long step_rc(rt_sink *s, const char *step) {
    json_object *r = rt_step(s, step);
    if (!r) fail_msg("no step '%s'", step);
    return json_object_get_int64(json_object_object_get(r, "rc"));
}

static const char *step_value(rt_sink *s, const char *step) {
    json_object *r = rt_step(s, step);
    if (!r) fail_msg("no step '%s'", step);
    json_object *v = json_object_object_get(r, "value");
    if (!v) return NULL;
    return json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                    : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

static void config_accessors(void **state) {
    (void)state;
    rt_sink s;
    rt_sink_init(&s);
    dwhi_op_result r = rt_run(P,
                             "{\"name\":\"acme\",\"count\":42,\"ratio\":0.5,\"enabled\":true,"
                             "\"tables\":[{\"name\":\"a\"},{\"name\":\"b\"}]}",
                             "config", &s, NULL);
    assert_int_equal(r.code, DW_OK);
    assert_string_equal(step_value(&s, "string"), "acme");
    assert_string_equal(step_value(&s, "nested"), "b");
    assert_string_equal(step_value(&s, "number_as_string"), "42");
    assert_null(step_value(&s, "object_as_string"));
    assert_null(step_value(&s, "missing"));
    assert_null(step_value(&s, "null_path"));
    assert_int_equal(step_rc(&s, "int"), 1);
    assert_string_equal(step_value(&s, "int"), "42");
    assert_int_equal(step_rc(&s, "int_wrong_type"), -1);
    assert_int_equal(step_rc(&s, "int_absent"), 0);
    assert_int_equal(step_rc(&s, "int_fraction"), -1);
    assert_int_equal(step_rc(&s, "double"), 1);
    assert_string_equal(step_value(&s, "double"), "0.5");
    assert_int_equal(step_rc(&s, "bool"), 1);
    assert_int_equal(step_rc(&s, "bool_wrong_type"), -1);
    assert_int_equal(step_rc(&s, "array_len"), 2);
    assert_int_equal(step_rc(&s, "array_len_not_array"), 0);
    /* config_json is the whole config, compact. */
    json_object *cfg = rt_json(step_value(&s, "json"));
    assert_int_equal(json_object_get_int(json_object_object_get(cfg, "count")), 42);
    json_object_put(cfg);
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
}

static void row_builder_types(void **state) {
    (void)state;
    rt_sink s;
    rt_sink_init(&s);
    dwhi_op_result r = rt_run(P, NULL, "rows", &s, NULL);
    assert_int_equal(r.code, DW_OK);
    assert_int_equal(rt_nrows(&s), 1); /* the discarded row never arrives */
    assert_int_equal(r.rows_emitted, 1);
    const char *text = json_object_to_json_string_ext(rt_row(&s, 0), JSON_C_TO_STRING_PLAIN);
    assert_string_equal(text, "{\"s\":\"caf\xc3\xa9 \xe2\x82\xac\",\"i\":-9007199254740993,\"d\":2.5,\"b\":true,"
                              "\"n\":null,\"null_string\":null,\"obj\":{\"k\":[1,2,{\"z\":null}]},"
                              "\"arr\":[true,false],\"overwritten\":\"second\"}");
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
}

static void bad_row(const char *bad, const char *expect) {
    rt_sink s;
    rt_sink_init(&s);
    char cfg[64];
    snprintf(cfg, sizeof cfg, "{\"bad\":\"%s\"}", bad);
    dwhi_op_result r = rt_run(P, cfg, "row_bad", &s, NULL);
    /* The plugin ignored the refusal and returned DW_OK: still a failure. */
    assert_int_equal(r.code, DW_ERR_BAD_DATA);
    if (!strstr(r.message, expect)) fail_msg("bad=%s: message '%s' lacks '%s'", bad, r.message, expect);
    /* Only the row before the bad one arrived; the one after was refused. */
    assert_int_equal(rt_nrows(&s), 1);
    assert_string_equal(rt_row_str(&s, 0, "step"), "good_before");
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
}

static void row_builder_refuses_bad_input(void **state) {
    (void)state;
    bad_row("utf8", "column 'name': the value is not valid UTF-8");
    bad_row("null_column", "the column name is NULL");
    bad_row("empty_column", "the column name is empty");
    bad_row("column_utf8", "the column name is not valid UTF-8");
    bad_row("nan", "column 'ratio': NaN and Infinity");
    bad_row("inf", "column 'ratio': NaN and Infinity");
    bad_row("json", "column 'payload': invalid JSON");
    bad_row("long_column", "longer than 1024 bytes");
}

static void emit_texts(const char *texts_json, dw_status expect, size_t rows, const char *msg) {
    rt_sink s;
    rt_sink_init(&s);
    char *cfg = NULL;
    assert_true(asprintf(&cfg, "{\"texts\":%s}", texts_json) > 0);
    dwhi_op_result r = rt_run(P, cfg, "emit", &s, NULL);
    free(cfg);
    if (r.code != expect || rt_nrows(&s) != rows)
        fail_msg("%s: code %d (%s), %zu rows; expected %d, %zu rows", texts_json, r.code,
                 r.message ? r.message : "-", rt_nrows(&s), expect, rows);
    if (msg && (!r.message || !strstr(r.message, msg)))
        fail_msg("%s: message '%s' lacks '%s'", texts_json, r.message ? r.message : "(none)", msg);
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
}

static void emit_json_accepts_objects_and_arrays(void **state) {
    (void)state;
    emit_texts("[\"{\\\"a\\\":1}\", \"[{\\\"a\\\":2},{\\\"a\\\":3}]\", \" {\\\"b\\\":\\\"\\u00e9\\\"} \\n\", \"[]\"]",
               DW_OK, 4, NULL);
}

static void emit_json_refuses_bad_input(void **state) {
    (void)state;
    emit_texts("[\"{\\\"a\\\":1}\", \"42\"]", DW_ERR_BAD_DATA, 1, "expected a JSON object or an array of objects, got a number");
    emit_texts("[\"null\"]", DW_ERR_BAD_DATA, 0, "got null");
    emit_texts("[\"[{\\\"a\\\":1}, 2]\"]", DW_ERR_BAD_DATA, 0, "element 1 of the array is a number");
    emit_texts("[\"{\\\"a\\\":1\"]", DW_ERR_BAD_DATA, 0, "invalid JSON");
    emit_texts("[\"{\\\"a\\\":1} trailing\"]", DW_ERR_BAD_DATA, 0, "invalid JSON at byte 8");
    emit_texts("[\"[{\\\"a\\\":NaN}]\"]", DW_ERR_BAD_DATA, 0, "NaN is not a finite number");
    emit_texts("[\"{\\\"a\\\":{\\\"b\\\":[-Infinity]}}\"]", DW_ERR_BAD_DATA, 0, "-Infinity is not a finite number");
    emit_texts("[\"{\\\"a\\\":1e999}\"]", DW_ERR_BAD_DATA, 0, "1e999 is not a finite number");
    emit_texts("[\"\"]", DW_ERR_BAD_DATA, 0, "empty");
    emit_texts("[null]", DW_ERR_BAD_DATA, 0, "NULL");
    /* Nesting deeper than the limit. */
    char deep[400] = "[\"";
    for (int i = 0; i < 80; i++) strcat(deep, "[");
    for (int i = 0; i < 80; i++) strcat(deep, "]");
    strcat(deep, "\"]");
    emit_texts(deep, DW_ERR_BAD_DATA, 0, "invalid JSON");
}

static void emit_json_honours_len(void **state) {
    (void)state;
    rt_sink s;
    rt_sink_init(&s);
    dwhi_op_result r = rt_run(P, NULL, "emit_len", &s, NULL);
    assert_int_equal(r.code, DW_ERR_BAD_DATA);
    assert_non_null(strstr(r.message, "NUL byte at offset 7"));
    assert_int_equal(rt_nrows(&s), 1);
    assert_string_equal(json_object_to_json_string_ext(rt_row(&s, 0), JSON_C_TO_STRING_PLAIN), "{\"a\":1}");
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
}

static void state_round_trip_and_reset(void **state) {
    (void)state;
    rt_sink s;
    rt_sink_init(&s);
    /* First run: nothing saved. */
    dwhi_op_result r = rt_run(P, NULL, "state", &s, NULL);
    assert_int_equal(r.code, DW_OK);
    assert_int_equal(step_rc(&s, "can_resume"), 0);
    assert_int_equal(step_rc(&s, "loaded"), 0);
    assert_int_equal(step_rc(&s, "saved"), DW_OK);
    assert_string_equal(s.saved, "{\"offset\":10}");
    assert_int_equal(r.state_saves, 1);
    dwhi_op_result_free(&r);
    /* Second run resumes from it. */
    rt_sink s2;
    rt_sink_init(&s2);
    s2.load = s.saved;
    r = rt_run(P, NULL, "state", &s2, NULL);
    assert_int_equal(step_rc(&s2, "can_resume"), 1);
    assert_string_equal(step_value(&s2, "loaded"), "{\"offset\":10}");
    dwhi_op_result_free(&r);
    /* A reset run ignores it. */
    rt_sink s3;
    rt_sink_init(&s3);
    s3.load = s.saved;
    dw_run_inputs in = {.reset_pipeline = 1};
    r = rt_run(P, NULL, "state", &s3, &in);
    assert_int_equal(step_rc(&s3, "can_resume"), 0);
    assert_int_equal(step_rc(&s3, "loaded"), 0);
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
    rt_sink_free(&s2);
    rt_sink_free(&s3);
}

static void bad_state(const char *bad, const char *expect) {
    rt_sink s;
    rt_sink_init(&s);
    char *cfg = NULL;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "bad", json_object_new_string(bad));
    assert_true(asprintf(&cfg, "%s", json_object_to_json_string(o)) > 0);
    json_object_put(o);
    dwhi_op_result r = rt_run(P, cfg, "state_bad", &s, NULL);
    free(cfg);
    assert_int_equal(r.code, DW_ERR_STATE);
    if (!strstr(r.message, expect)) fail_msg("bad=%s: '%s' lacks '%s'", bad, r.message, expect);
    assert_null(s.saved);
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
}

static void state_save_refuses_bad_state(void **state) {
    (void)state;
    bad_state("null", "the state is NULL");
    bad_state("huge", "larger than 65536 bytes");
    bad_state("[1]", "must be a JSON object, got an array");
    bad_state("{oops", "invalid JSON");
}

static void state_save_is_refused_after_a_refused_row(void **state) {
    (void)state;
    /* The sink refuses the second row; the plugin's later save must not
     * move the resume point past it. */
    rt_sink s;
    rt_sink_init(&s);
    s.refuse_after = 1;
    dwhi_op_result r = rt_run(P, NULL, "state", &s, NULL);
    assert_int_equal(r.code, DW_ERR_SINK);
    assert_non_null(strstr(r.message, "test sink is full"));
    assert_null(s.saved);
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
}

static void failing_state_sink_fails_the_run(void **state) {
    (void)state;
    rt_sink s;
    rt_sink_init(&s);
    s.refuse_saves = 1;
    dwhi_op_result r = rt_run(P, NULL, "state", &s, NULL);
    assert_int_equal(r.code, DW_ERR_SINK);
    assert_non_null(strstr(r.message, "could not save the resume state"));
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
}

static void fail_codes_and_messages(void **state) {
    (void)state;
    rt_sink s;
    rt_sink_init(&s);
    dwhi_op_result r = rt_run(P, "{\"code\":3,\"message\":\"token rejected\\nby server\"}", "fail", &s, NULL);
    assert_int_equal(r.code, DW_ERR_AUTH);
    assert_int_equal(r.cause, DW_ERR_AUTH);
    assert_string_equal(r.message, "token rejected by server"); /* one line */
    dwhi_op_result_free(&r);
    /* Matches the non-retryable map, case-insensitively. */
    r = rt_run(P, "{\"code\":3,\"message\":\"HTTP 401: INVALID API KEY sk_live_1\"}", "fail", &s, NULL);
    assert_int_equal(r.code, DW_ERR_NON_RETRYABLE);
    assert_int_equal(r.cause, DW_ERR_AUTH);
    assert_string_equal(r.message, "Your API key is invalid: create a new one in the dashboard");
    dwhi_op_result_free(&r);
    /* DW_OK and out-of-range codes become DW_ERR. */
    r = rt_run(P, "{\"code\":0,\"message\":\"zero\"}", "fail", &s, NULL);
    assert_int_equal(r.code, DW_ERR);
    dwhi_op_result_free(&r);
    r = rt_run(P, "{\"code\":777,\"message\":\"odd\"}", "fail", &s, NULL);
    assert_int_equal(r.code, DW_ERR);
    assert_string_equal(r.message, "odd");
    dwhi_op_result_free(&r);
    /* A secret from the config never appears in the message. */
    dwhi_secrets *sec = dwhi_secrets_new();
    dwhi_secrets_add(sec, "hunter2-secret");
    json_object *cfg = rt_json("{\"code\":1,\"message\":\"login with hunter2-secret failed\"}");
    dw_run_inputs in = {.struct_size = sizeof in, .schema_name = "fail"};
    r = dwhi_op_run(P, cfg, sec, NULL, NULL, &in, &s.sink);
    assert_string_equal(r.message, "login with *** failed");
    dwhi_op_result_free(&r);
    json_object_put(cfg);
    dwhi_secrets_free(sec);
    rt_sink_free(&s);
}

static void fail_then_ok_is_ok(void **state) {
    (void)state;
    rt_sink s;
    rt_sink_init(&s);
    dwhi_op_result r = rt_run(P, NULL, "fail_ok", &s, NULL);
    assert_int_equal(r.code, DW_OK);
    assert_null(r.message);
    assert_int_equal(rt_nrows(&s), 1);
    dwhi_op_result_free(&r);
    r = rt_run(P, NULL, "bogus_status", &s, NULL);
    assert_int_equal(r.code, DW_ERR);
    assert_non_null(strstr(r.message, "without saying why"));
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
}

static void cancellation_stops_the_run(void **state) {
    (void)state;
    rt_sink s;
    rt_sink_init(&s);
    struct dwh_cancel cancel = {0};
    s.cancel = &cancel;
    s.cancel_after = 5;
    dwhi_op_result r = rt_run(P, NULL, "cancel", &s, NULL);
    assert_int_equal(r.code, DW_ERR_CANCELLED);
    assert_int_equal(rt_nrows(&s), 5);
    assert_non_null(strstr(r.message, "stopped at row 5"));
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
}

static void identity_and_job_id(void **state) {
    (void)state;
    rt_sink s;
    rt_sink_init(&s);
    dwhi_op_result r = rt_run(P, NULL, "identity", &s, NULL);
    assert_int_equal(r.code, DW_OK);
    const char *job = step_value(&s, "job_id");
    assert_non_null(job);
    assert_int_equal(strlen(job), 36);
    assert_int_equal(job[14], '4'); /* UUID version 4 */
    assert_non_null(strchr("89ab", job[19]));
    assert_string_equal(job, r.job_id);
    assert_null(step_value(&s, "team_id"));
    dwhi_op_result_free(&r);
    /* Caller-given identity wins. */
    rt_sink s2;
    rt_sink_init(&s2);
    dwhi_identity id = {.team_id = "7", .job_id = "job-1"};
    dw_run_inputs in = {.struct_size = sizeof in, .schema_name = "identity", .team_id = "ignored"};
    r = dwhi_op_run(P, NULL, NULL, &id, NULL, &in, &s2.sink);
    assert_string_equal(step_value(&s2, "job_id"), "job-1");
    assert_string_equal(step_value(&s2, "team_id"), "7");
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
    rt_sink_free(&s2);
}

static void run_inputs_are_checked(void **state) {
    (void)state;
    rt_sink s;
    rt_sink_init(&s);
    dw_run_inputs in = {.struct_size = 2, .schema_name = "rows"};
    dwhi_op_result r = dwhi_op_run(P, NULL, NULL, NULL, NULL, &in, &s.sink);
    assert_int_equal(r.code, DW_ERR);
    dwhi_op_result_free(&r);
    in.struct_size = sizeof in;
    in.incremental_last_value = "not json";
    r = dwhi_op_run(P, NULL, NULL, NULL, NULL, &in, &s.sink);
    assert_int_equal(r.code, DW_ERR_STATE);
    assert_non_null(strstr(r.message, "incremental_last_value"));
    dwhi_op_result_free(&r);
    in.incremental_last_value = "{\"a\":1}";
    r = dwhi_op_run(P, NULL, NULL, NULL, NULL, &in, &s.sink);
    assert_int_equal(r.code, DW_ERR_STATE);
    dwhi_op_result_free(&r);
    in.incremental_last_value = "\"2024-01-01T00:00:00Z\"";
    r = dwhi_op_run(P, NULL, NULL, NULL, NULL, &in, &s.sink);
    assert_int_equal(r.code, DW_OK);
    dwhi_op_result_free(&r);
    in.schema_name = "nope";
    in.incremental_last_value = "5";
    r = dwhi_op_run(P, NULL, NULL, NULL, NULL, &in, &s.sink);
    assert_int_equal(r.code, DW_ERR_NOT_FOUND);
    assert_string_equal(r.message, "no scenario 'nope'");
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
}

static void logging_is_safe_and_warnings_are_captured(void **state) {
    (void)state;
    char *logbuf = NULL;
    size_t loglen = 0;
    FILE *mem = open_memstream(&logbuf, &loglen);
    dwhi_log_configure(mem, DWHI_LOG_TEXT, DW_LOG_DEBUG);
    rt_sink s;
    rt_sink_init(&s);
    dwhi_secrets *sec = dwhi_secrets_new();
    dwhi_secrets_add(sec, "pw-do-not-print");
    json_object *cfg = rt_json("{\"password\":\"pw-do-not-print\"}");
    dw_run_inputs in = {.struct_size = sizeof in, .schema_name = "log"};
    dwhi_op_result r = dwhi_op_run(P, cfg, sec, NULL, NULL, &in, &s.sink);
    fflush(mem);
    dwhi_log_configure(stderr, DWHI_LOG_TEXT, DW_LOG_INFO);
    assert_int_equal(r.code, DW_OK);
    assert_int_equal(rt_nrows(&s), 1);
    assert_null(strstr(logbuf, "pw-do-not-print"));
    assert_non_null(strstr(logbuf, "info apitest/log: info with secret ***\n"));
    assert_non_null(strstr(logbuf, "debug apitest/log: debug 1\n"));
    assert_non_null(strstr(logbuf, "warn apitest/log: warn line with a newline\n"));
    assert_non_null(strstr(logbuf, "error apitest/log: level out of range\n"));
    assert_non_null(strstr(logbuf, "info apitest/log: (no message)\n"));
    assert_non_null(strstr(logbuf, "bad utf8 \xef\xbf\xbd here"));
    assert_non_null(strstr(logbuf, "info: no ctx\n"));
    /* The 100 kB message is cut to one bounded line. */
    char *big = strstr(logbuf, "LLLL");
    assert_non_null(big);
    char *eol = strchr(big, '\n');
    assert_true(eol - big <= 8 * 1024);
    assert_memory_equal(eol - 3, "...", 3);
    fclose(mem);
    free(logbuf);
    json_object_put(cfg);
    dwhi_secrets_free(sec);
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
}

static void check_reports_warnings(void **state) {
    (void)state;
    json_object *cfg = rt_json("{\"check\":\"warn\"}");
    json_object *warnings = NULL;
    dwhi_op_result r = dwhi_op_check(P, cfg, NULL, NULL, NULL, NULL, &warnings);
    assert_int_equal(r.code, DW_OK);
    assert_non_null(warnings);
    assert_int_equal(json_object_array_length(warnings), 2); /* warn and error, not info */
    assert_string_equal(json_object_get_string(json_object_array_get_idx(warnings, 0)),
                        "403: token lacks scope read:org; accepted without a schema");
    assert_string_equal(json_object_get_string(json_object_array_get_idx(warnings, 1)), "second line");
    json_object_put(warnings);
    json_object_put(cfg);
    dwhi_op_result_free(&r);
    /* A check failure matching the map gets the friendly message. */
    cfg = rt_json("{\"check\":\"fail_map\"}");
    r = dwhi_op_check(P, cfg, NULL, NULL, NULL, "rows", NULL);
    assert_int_equal(r.code, DW_ERR_NON_RETRYABLE);
    assert_int_equal(r.cause, DW_ERR_AUTH);
    assert_string_equal(r.message, "Your API key is invalid: create a new one in the dashboard");
    dwhi_op_result_free(&r);
    json_object_put(cfg);
}

static json_object *list_case(const char *c, dwhi_op_result *r) {
    char buf[80];
    snprintf(buf, sizeof buf, "{\"schema_case\":\"%s\"}", c);
    json_object *cfg = rt_json(buf);
    json_object *schemas = NULL;
    *r = dwhi_op_list_schemas(P, cfg, NULL, NULL, NULL, &schemas);
    json_object_put(cfg);
    return schemas;
}

static void schema_copies(void **state) {
    (void)state;
    dwhi_op_result r;
    json_object *schemas = list_case("full", &r);
    assert_int_equal(r.code, DW_OK);
    assert_int_equal(json_object_array_length(schemas), 1);
    const char *text = json_object_to_json_string_ext(json_object_array_get_idx(schemas, 0), JSON_C_TO_STRING_PLAIN);
    assert_string_equal(text,
                        "{\"name\":\"orders\",\"label\":\"Orders\",\"description\":\"All orders\","
                        "\"supports_incremental\":true,\"supports_append\":true,\"supports_webhooks\":true,"
                        "\"webhook_only\":false,\"should_sync_default\":true,\"incremental_fields\":["
                        "{\"label\":\"updated_at\",\"field\":\"updated_at\",\"type\":\"datetime\"},"
                        "{\"label\":\"Seq\",\"field\":\"seq\",\"type\":\"integer\"}],"
                        "\"primary_keys\":[\"id\",\"region\"],\"has_duplicate_primary_keys\":true,"
                        "\"sort_mode\":\"desc\","
                        "\"partition\":{\"mode\":\"md5\",\"count\":8,\"size\":null,\"format\":null,"
                        "\"keys\":[\"id\",\"region\"]},\"row_count\":1200,"
                        "\"default_incremental_lookback_seconds\":3600}");
    json_object_put(schemas);
    dwhi_op_result_free(&r);
    /* An older, shorter dw_schema: the bytes beyond struct_size are never read. */
    schemas = list_case("old_struct", &r);
    assert_int_equal(r.code, DW_OK);
    text = json_object_to_json_string_ext(json_object_array_get_idx(schemas, 0), JSON_C_TO_STRING_PLAIN);
    assert_string_equal(text, "{\"name\":\"old\",\"label\":\"old\",\"description\":null,\"supports_incremental\":false,"
                              "\"supports_append\":true,\"supports_webhooks\":false,\"webhook_only\":false,"
                              "\"should_sync_default\":true,\"incremental_fields\":[],\"primary_keys\":[],"
                              "\"has_duplicate_primary_keys\":false,\"sort_mode\":\"asc\",\"partition\":null,\"row_count\":0,"
                              "\"default_incremental_lookback_seconds\":0}");
    json_object_put(schemas);
    dwhi_op_result_free(&r);
    schemas = list_case("good", &r);
    assert_int_equal(r.code, DW_OK);
    assert_true(json_object_array_length(schemas) >= 10);
    json_object_put(schemas);
    dwhi_op_result_free(&r);
}

static void bad_schema(const char *c, const char *expect) {
    dwhi_op_result r;
    json_object *schemas = list_case(c, &r);
    assert_null(schemas);
    assert_int_not_equal(r.code, DW_OK);
    if (!r.message || !strstr(r.message, expect)) fail_msg("%s: '%s' lacks '%s'", c, r.message, expect);
    dwhi_op_result_free(&r);
}

static void schema_add_refuses_bad_schemas(void **state) {
    (void)state;
    bad_schema("dup", "schema 'x': added twice");
    bad_schema("ignored_error", "sort_mode 7");
    bad_schema("null", "the schema is NULL");
    bad_schema("small_struct", "struct_size is 4");
    bad_schema("no_name", "the name is NULL or empty");
    bad_schema("bad_utf8", "not valid UTF-8");
    bad_schema("bad_sort", "sort_mode 5");
    bad_schema("inc_without_fields", "no incremental_fields");
    bad_schema("md5_no_count", "partition_count");
    bad_schema("bad_type", "type 99");
    bad_schema("emit_in_list", "called outside run()");
}

static void json_helpers(void **state) {
    (void)state;
    rt_sink s;
    rt_sink_init(&s);
    dwhi_op_result r = rt_run(P, NULL, "json", &s, NULL);
    if (dwhi_api_table()->abi_minor < 2) {
        /* Without the transport the table is 1.1 and the plugin sees no
         * JSON helpers. */
        assert_int_equal(r.code, DW_ERR_UNSUPPORTED);
        dwhi_op_result_free(&r);
        rt_sink_free(&s);
        return;
    }
    assert_int_equal(r.code, DW_ERR_BAD_DATA);
    assert_non_null(strstr(r.message, "emit_value: expected a JSON object or an array of objects, got a string"));
    assert_int_equal(step_rc(&s, "parsed"), 1);
    assert_int_equal(step_rc(&s, "array_len"), 2);
    assert_string_equal(step_value(&s, "index1.id"), "2");
    assert_string_equal(step_value(&s, "path"), "1.50"); /* numbers as written */
    assert_string_equal(step_value(&s, "bool"), "true");
    assert_string_equal(step_value(&s, "string"), "caf\xc3\xa9");
    assert_null(step_value(&s, "object_string"));
    assert_int_equal(step_rc(&s, "null_member"), 1);
    assert_int_equal(step_rc(&s, "out_of_range"), 1);
    assert_int_equal(step_rc(&s, "not_array_len"), 0);
    assert_string_equal(step_value(&s, "text"), "{\"url\":\"u?a=1\"}");
    assert_int_equal(step_rc(&s, "parse_bad"), 1);
    assert_int_equal(step_rc(&s, "parse_null_text"), 1);
    assert_int_equal(step_rc(&s, "parse_bad_utf8"), 1);
    assert_int_equal(step_rc(&s, "get_null"), 1);
    assert_int_equal(step_rc(&s, "text_null"), 1);
    /* emit_value delivered the two data rows after the report rows. */
    size_t n = rt_nrows(&s);
    assert_string_equal(json_object_to_json_string_ext(rt_row(&s, n - 1), JSON_C_TO_STRING_PLAIN),
                        "{\"id\":2,\"v\":true}");
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
}

static void url_build(void **state) {
    (void)state;
    rt_sink s;
    rt_sink_init(&s);
    dwhi_op_result r = rt_run(P, NULL, "url", &s, NULL);
    if (dwhi_api_table()->abi_minor < 2) {
        assert_int_equal(r.code, DW_ERR_UNSUPPORTED);
    } else {
        assert_int_equal(r.code, DW_OK);
        assert_string_equal(step_value(&s, "join"), "https://api.example.com/v3/repos/a/b?page=2");
        assert_string_equal(step_value(&s, "encode"),
                            "https://api.example.com/search?q=a%20b%26c%3Dd%2F%C3%A9&empty=");
        assert_string_equal(step_value(&s, "keeps_query"), "https://api.example.com/items?sort=asc&page=2");
        assert_string_equal(step_value(&s, "absolute_path"), "https://next.example.com/p?cursor=x&page=2");
        assert_string_equal(step_value(&s, "no_path"), "https://api.example.com");
        assert_int_equal(step_rc(&s, "no_base"), 0);
    }
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
}

static void secret_add_scrubs(void **state) {
    (void)state;
    rt_sink s;
    rt_sink_init(&s);
    dwhi_op_result r = rt_run(P, NULL, "secret", &s, NULL);
    if (dwhi_api_table()->abi_minor < 2) {
        assert_int_equal(r.code, DW_ERR_UNSUPPORTED);
    } else {
        assert_int_equal(r.code, DW_ERR_AUTH);
        assert_string_equal(r.message, "session *** expired");
    }
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(config_accessors),
        cmocka_unit_test(row_builder_types),
        cmocka_unit_test(row_builder_refuses_bad_input),
        cmocka_unit_test(emit_json_accepts_objects_and_arrays),
        cmocka_unit_test(emit_json_refuses_bad_input),
        cmocka_unit_test(emit_json_honours_len),
        cmocka_unit_test(state_round_trip_and_reset),
        cmocka_unit_test(state_save_refuses_bad_state),
        cmocka_unit_test(state_save_is_refused_after_a_refused_row),
        cmocka_unit_test(failing_state_sink_fails_the_run),
        cmocka_unit_test(fail_codes_and_messages),
        cmocka_unit_test(fail_then_ok_is_ok),
        cmocka_unit_test(cancellation_stops_the_run),
        cmocka_unit_test(identity_and_job_id),
        cmocka_unit_test(run_inputs_are_checked),
        cmocka_unit_test(logging_is_safe_and_warnings_are_captured),
        cmocka_unit_test(check_reports_warnings),
        cmocka_unit_test(schema_copies),
        cmocka_unit_test(schema_add_refuses_bad_schemas),
        cmocka_unit_test(json_helpers),
        cmocka_unit_test(url_build),
        cmocka_unit_test(secret_add_scrubs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
