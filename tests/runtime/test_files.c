/*
 * test_files.c -- the files connector (plugins/files) through the registry
 * and ops: CSV quoting and nulls, JSON Lines, JSON arrays, bad files with
 * messages naming file and line, schemas, the credential check, the
 * client-side incremental filter, and resume from every saved checkpoint
 * with nothing missed or repeated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rt_helpers.h"

static dwh_plugin *P;
static char dir[256];

static void write_file(const char *name, const char *content) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(content, 1, strlen(content), f);
    fclose(f);
}

static void remove_all(void) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", dir, dir);
    assert_int_equal(system(cmd), 0);
}

static int setup(void **state) {
    (void)state;
    P = rt_plugin("files");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    dwh_plugin_unref(P);
    rt_plugins_free();
    return 0;
}

/* A fresh directory per test. */
static int fresh(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/dwh-files-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int cleanup(void **state) {
    (void)state;
    remove_all();
    return 0;
}

/* Config JSON for the test directory plus `extra` members ("" or ",..."). */
static char *config(const char *extra) {
    char *c = NULL;
    assert_true(asprintf(&c, "{\"directory\":\"%s\"%s}", dir, extra) > 0);
    return c;
}

static dwhi_op_result run(const char *extra, const char *schema, rt_sink *s, const dw_run_inputs *in) {
    char *c = config(extra);
    dwhi_op_result r = rt_run(P, c, schema, s, in);
    free(c);
    return r;
}

static const char *row_text(rt_sink *s, size_t i) {
    return json_object_to_json_string_ext(rt_row(s, i), JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

static void expect_error(const char *extra, const char *schema, dw_status code, const char *msg) {
    rt_sink s;
    rt_sink_init(&s);
    dwhi_op_result r = run(extra, schema, &s, NULL);
    if (r.code != code || !r.message || !strstr(r.message, msg))
        fail_msg("schema %s: got %d '%s', expected %d with '%s'", schema, r.code, r.message ? r.message : "",
                 code, msg);
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
}

static void csv_quoting_and_nulls(void **state) {
    (void)state;
    write_file("people.csv",
               "\xef\xbb\xbfid,name,note,empty,spaced\r\n"
               "1,\"Lovelace, Ada\",\"said \"\"hi\"\"\",,  padded  \r\n"
               "2,Hopper,\"two\nlines\",\"\",x\n"
               "3,Turing,,\"\",\"\"\r\n"
               "4,\"Dijkstra\",\"caf\xc3\xa9 \xe2\x82\xac\",,last-no-newline");
    rt_sink s;
    rt_sink_init(&s);
    dwhi_op_result r = run("", "people", &s, NULL);
    assert_int_equal(r.code, DW_OK);
    assert_int_equal(rt_nrows(&s), 4);
    assert_string_equal(row_text(&s, 0), "{\"id\":\"1\",\"name\":\"Lovelace, Ada\",\"note\":\"said \\\"hi\\\"\","
                                         "\"empty\":null,\"spaced\":\"  padded  \"}");
    assert_string_equal(row_text(&s, 1), "{\"id\":\"2\",\"name\":\"Hopper\",\"note\":\"two\\nlines\",\"empty\":\"\","
                                         "\"spaced\":\"x\"}");
    assert_string_equal(row_text(&s, 2), "{\"id\":\"3\",\"name\":\"Turing\",\"note\":null,\"empty\":\"\",\"spaced\":\"\"}");
    assert_string_equal(row_text(&s, 3), "{\"id\":\"4\",\"name\":\"Dijkstra\",\"note\":\"caf\xc3\xa9 \xe2\x82\xac\","
                                         "\"empty\":null,\"spaced\":\"last-no-newline\"}");
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
}

static void csv_header_names(void **state) {
    (void)state;
    write_file("h.csv", "id,,name,name\n1,2,3,4\n");
    rt_sink s;
    rt_sink_init(&s);
    dwhi_op_result r = run("", "h", &s, NULL);
    assert_int_equal(r.code, DW_OK);
    assert_string_equal(row_text(&s, 0), "{\"id\":\"1\",\"column_2\":\"2\",\"name\":\"3\",\"name_2\":\"4\"}");
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
    /* A header and nothing else, and an empty file: no rows, no error. */
    write_file("only.csv", "a,b\n");
    write_file("none.csv", "");
    rt_sink s2;
    rt_sink_init(&s2);
    r = run("", "only", &s2, NULL);
    assert_int_equal(r.code, DW_OK);
    dwhi_op_result_free(&r);
    r = run("", "none", &s2, NULL);
    assert_int_equal(r.code, DW_OK);
    assert_int_equal(rt_nrows(&s2), 0);
    dwhi_op_result_free(&r);
    rt_sink_free(&s2);
}

static void csv_errors_name_file_and_line(void **state) {
    (void)state;
    write_file("short.csv", "a,b,c\n1,2,3\n4,5\n");
    expect_error("", "short", DW_ERR_BAD_DATA, "short.csv line 3: 2 fields, but the header has 3");
    write_file("quote.csv", "a,b\n1,2\n3,x\"y\n");
    expect_error("", "quote", DW_ERR_BAD_DATA, "quote.csv line 3: malformed CSV quoting");
    write_file("open.csv", "a,b\n1,\"never\nclosed\n");
    expect_error("", "open", DW_ERR_BAD_DATA, "open.csv: the quoted field starting on line 2 never closes");
    write_file("latin1.csv", "a,b\n1,ok\n2,caf\xe9\n");
    expect_error("", "latin1", DW_ERR_BAD_DATA,
                 "latin1.csv line 3: row_emit: column 'b': the value is not valid UTF-8");
    /* Rows before the bad line arrived, none after. */
    rt_sink s;
    rt_sink_init(&s);
    dwhi_op_result r = run("", "latin1", &s, NULL);
    assert_int_equal(rt_nrows(&s), 1);
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
}

static void jsonl_rows_and_errors(void **state) {
    (void)state;
    write_file("ev.jsonl", "{\"id\":1,\"tags\":[\"a\"],\"n\":null}\r\n\n   \n{\"id\":2,\"v\":1.5}\n{\"id\":3}");
    rt_sink s;
    rt_sink_init(&s);
    dwhi_op_result r = run("", "ev", &s, NULL);
    assert_int_equal(r.code, DW_OK);
    assert_int_equal(rt_nrows(&s), 3);
    assert_string_equal(row_text(&s, 0), "{\"id\":1,\"tags\":[\"a\"],\"n\":null}");
    assert_string_equal(row_text(&s, 2), "{\"id\":3}");
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
    write_file("bad.ndjson", "{\"id\":1}\n{\"id\":2,}\n");
    expect_error("", "bad", DW_ERR_BAD_DATA, "bad.ndjson line 2: emit_json: invalid JSON");
    write_file("arr.jsonl", "{\"id\":1}\n[1,2]\n");
    expect_error("", "arr", DW_ERR_BAD_DATA, "arr.jsonl line 2: emit_json: element 0 of the array is a number");
}

static void json_arrays(void **state) {
    (void)state;
    write_file("p.json", "\xef\xbb\xbf [ {\"id\": 1, \"d\": {\"w\": [1, {\"x\": \"y\"}]}} ,\n{\"id\":2}\n]\n");
    write_file("e.json", " [ ] ");
    rt_sink s;
    rt_sink_init(&s);
    dwhi_op_result r = run("", "p", &s, NULL);
    assert_int_equal(r.code, DW_OK);
    assert_int_equal(rt_nrows(&s), 2);
    assert_string_equal(row_text(&s, 0), "{\"id\":1,\"d\":{\"w\":[1,{\"x\":\"y\"}]}}");
    dwhi_op_result_free(&r);
    r = run("", "e", &s, NULL);
    assert_int_equal(r.code, DW_OK);
    assert_int_equal(rt_nrows(&s), 2);
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
    write_file("obj.json", "{\"id\":1}");
    expect_error("", "obj", DW_ERR_BAD_DATA, "obj.json is not a JSON array (it starts with '{')");
    write_file("num.json", "[{\"id\":1}, 2]");
    expect_error("", "num", DW_ERR_BAD_DATA, "num.json: element 1 is a number, not an object");
    write_file("trunc.json", "[{\"id\":1}, {\"id\":");
    expect_error("", "trunc", DW_ERR_BAD_DATA, "trunc.json: the file ends inside element 1");
    write_file("comma.json", "[{\"id\":1},]");
    expect_error("", "comma", DW_ERR_BAD_DATA, "comma.json: a ',' before the closing ']'");
    write_file("tail.json", "[{\"id\":1}] x");
    expect_error("", "tail", DW_ERR_BAD_DATA, "tail.json: unexpected text after the closing ']'");
    write_file("nan.json", "[{\"id\":NaN}]");
    expect_error("", "nan", DW_ERR_BAD_DATA, "nan.json element 0: emit_json: invalid JSON: NaN is not a finite number");
}

static json_object *list(const char *extra, dwhi_op_result *r) {
    char *c = extra ? config(extra) : NULL;
    json_object *cfg = c ? rt_json(c) : NULL, *schemas = NULL;
    *r = dwhi_op_list_schemas(P, cfg, NULL, NULL, NULL, &schemas);
    free(c);
    if (cfg) json_object_put(cfg);
    return schemas;
}

static const char *schema_member(json_object *schemas, size_t i, const char *key) {
    return json_object_get_string(json_object_object_get(json_object_array_get_idx(schemas, i), key));
}

static void schemas_from_directory_and_patterns(void **state) {
    (void)state;
    write_file("orders.csv", "id\n1\n");
    write_file("orders.json", "[]");
    write_file("users.ndjson", "");
    write_file("notes.txt", "ignored");
    write_file(".hidden.csv", "id\n");
    dwhi_op_result r;
    json_object *s = list("", &r);
    assert_int_equal(r.code, DW_OK);
    assert_int_equal(json_object_array_length(s), 3);
    assert_string_equal(schema_member(s, 0, "name"), "orders_csv"); /* one stem, two files */
    assert_string_equal(schema_member(s, 1, "name"), "orders_json");
    assert_string_equal(schema_member(s, 2, "name"), "users");
    assert_string_equal(schema_member(s, 2, "primary_keys"), "[ \"id\" ]");
    assert_false(json_object_get_boolean(json_object_object_get(json_object_array_get_idx(s, 2), "supports_incremental")));
    json_object_put(s);
    dwhi_op_result_free(&r);
    /* Patterns, composite key, incremental field. */
    s = list(",\"tables\":\"# comment\\n\\nall = *.csv\\n  logs=*.log \",\"primary_key\":\"id, region\","
             "\"incremental_field\":\"updated_at\"",
             &r);
    assert_int_equal(r.code, DW_OK);
    assert_int_equal(json_object_array_length(s), 2);
    assert_string_equal(schema_member(s, 0, "name"), "all");
    assert_string_equal(schema_member(s, 1, "label"), "*.log");
    json_object *first = json_object_array_get_idx(s, 0);
    assert_string_equal(json_object_to_json_string_ext(json_object_object_get(first, "primary_keys"), JSON_C_TO_STRING_PLAIN),
                        "[\"id\",\"region\"]");
    assert_string_equal(json_object_to_json_string_ext(json_object_object_get(first, "incremental_fields"),
                                                       JSON_C_TO_STRING_PLAIN),
                        "[{\"label\":\"updated_at\",\"field\":\"updated_at\",\"type\":\"datetime\"}]");
    json_object_put(s);
    dwhi_op_result_free(&r);
    /* A matched file of unknown format fails the run, naming it. */
    write_file("a.log", "x");
    expect_error(",\"tables\":\"logs=*.log\"", "logs", DW_ERR_CONFIG, "a.log matches the pattern '*.log' of schema 'logs' but is not a known format");
    expect_error("", "nope", DW_ERR_NOT_FOUND, "schema 'nope' does not exist in");
}

static void config_errors(void **state) {
    (void)state;
    dwhi_op_result r;
    json_object *s = list(NULL, &r);
    assert_null(s);
    assert_int_equal(r.code, DW_ERR_NEEDS_CONFIG);
    assert_non_null(strstr(r.message, "needs 'directory'"));
    dwhi_op_result_free(&r);
    s = list(",\"tables\":\"no equals sign\"", &r);
    assert_int_equal(r.code, DW_ERR_CONFIG);
    assert_string_equal(r.message, "tables line 1: expected name=pattern, e.g. orders=orders-*.csv");
    dwhi_op_result_free(&r);
    s = list(",\"tables\":\"a=x/*.csv\"", &r);
    assert_int_equal(r.code, DW_ERR_CONFIG);
    dwhi_op_result_free(&r);
    s = list(",\"page_rows\":0", &r);
    assert_int_equal(r.code, DW_ERR_CONFIG);
    assert_string_equal(r.message, "page_rows is 0; use 1 to 1000000");
    dwhi_op_result_free(&r);
    s = list(",\"page_rows\":\"250\"", &r); /* a numeric string is fine */
    assert_int_equal(r.code, DW_OK);
    json_object_put(s);
    dwhi_op_result_free(&r);
    s = list(",\"primary_key\":\"id,,x\"", &r);
    assert_int_equal(r.code, DW_ERR_CONFIG);
    dwhi_op_result_free(&r);
}

static dwhi_op_result check(const char *directory, const char *schema) {
    char *c = NULL;
    assert_true(asprintf(&c, "{\"directory\":\"%s\"}", directory) > 0);
    json_object *cfg = rt_json(c);
    free(c);
    dwhi_op_result r = dwhi_op_check(P, cfg, NULL, NULL, NULL, schema, NULL);
    json_object_put(cfg);
    return r;
}

static void credential_check(void **state) {
    (void)state;
    write_file("t.csv", "id\n1\n");
    dwhi_op_result r = check(dir, NULL);
    assert_int_equal(r.code, DW_OK);
    dwhi_op_result_free(&r);
    r = check(dir, "t");
    assert_int_equal(r.code, DW_OK);
    dwhi_op_result_free(&r);
    char missing[300];
    snprintf(missing, sizeof missing, "%s/missing", dir);
    r = check(missing, NULL);
    assert_int_equal(r.code, DW_ERR_NOT_FOUND);
    char want[400];
    snprintf(want, sizeof want, "directory '%s' does not exist: create it or fix 'directory'", missing);
    assert_string_equal(r.message, want);
    dwhi_op_result_free(&r);
    char file[300];
    snprintf(file, sizeof file, "%s/t.csv", dir);
    r = check(file, NULL);
    assert_int_equal(r.code, DW_ERR_NOT_FOUND);
    assert_non_null(strstr(r.message, "is not a directory"));
    dwhi_op_result_free(&r);
    r = check(dir, "zzz");
    assert_int_equal(r.code, DW_ERR_NOT_FOUND);
    assert_non_null(strstr(r.message, "its schemas are: t"));
    dwhi_op_result_free(&r);
}

/* As an unprivileged user (root reads anything), in a child process. */
static void unreadable_directory(void **state) {
    (void)state;
    char locked[300];
    snprintf(locked, sizeof locked, "%s/locked", dir);
    assert_int_equal(mkdir(locked, 0700), 0);
    assert_int_equal(chmod(dir, 0755), 0);
    assert_int_equal(chmod(locked, 0), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (getuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(90);
        dwhi_op_result r = check(locked, NULL);
        char want[400];
        snprintf(want, sizeof want, "directory '%s' is not readable (permission denied)", locked);
        int ok = r.code == DW_ERR_FORBIDDEN && r.message && strstr(r.message, want);
        if (!ok) fprintf(stderr, "got %d '%s'\n", r.code, r.message ? r.message : "");
        dwhi_op_result_free(&r);
        _exit(ok ? 0 : 91);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void incremental_filter(void **state) {
    (void)state;
    write_file("c.csv", "id,updated_at\n1,2024-01-01T00:00:00Z\n2,2024-03-01T00:00:00Z\n3,\n4,2024-02-01T00:00:00Z\n");
    write_file("n.jsonl", "{\"id\":1,\"seq\":5}\n{\"id\":2,\"seq\":10}\n{\"id\":3,\"seq\":9.5}\n{\"id\":4}\n");
    rt_sink s;
    rt_sink_init(&s);
    dw_run_inputs in = {.use_incremental = 1, .incremental_field = "updated_at",
                        .incremental_last_value = "\"2024-01-15T00:00:00Z\""};
    dwhi_op_result r = run(",\"incremental_field\":\"updated_at\"", "c", &s, &in);
    assert_int_equal(r.code, DW_OK);
    assert_int_equal(rt_nrows(&s), 3); /* 2, 3 (no value: kept), 4 */
    assert_string_equal(rt_row_str(&s, 0, "id"), "2");
    assert_string_equal(rt_row_str(&s, 2, "id"), "4");
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
    /* Numbers compare as numbers (9.5 < 10 although "9.5" > "10" as text). */
    rt_sink_init(&s);
    dw_run_inputs in2 = {.use_incremental = 1, .incremental_field = "seq", .incremental_last_value = "9"};
    r = run("", "n", &s, &in2);
    assert_int_equal(r.code, DW_OK);
    assert_int_equal(rt_nrows(&s), 3);
    assert_string_equal(row_text(&s, 0), "{\"id\":2,\"seq\":10}");
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
    /* A field the CSV lacks is a config error naming it. */
    rt_sink_init(&s);
    dw_run_inputs in3 = {.use_incremental = 1, .incremental_field = "modified", .incremental_last_value = "1"};
    r = run("", "c", &s, &in3);
    assert_int_equal(r.code, DW_ERR_CONFIG);
    assert_string_equal(r.message, "incremental field 'modified' is not a column of c.csv");
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
}

/* QA #2: values compare by the field's type, not as text, and a row equal
 * to the watermark is kept (one added later with the same value would be
 * lost for good otherwise; the merge rewrites the boundary row). */
static void incremental_filter_by_type(void **state) {
    (void)state;
    write_file("t.jsonl",
               "{\"id\":1,\"at\":\"2024-05-01T10:00:00Z\"}\n"        /* equal: kept */
               "{\"id\":2,\"at\":\"2024-05-01T10:00:00.5Z\"}\n"      /* after (text sorts it before) */
               "{\"id\":3,\"at\":\"2024-05-01T09:59:59.999Z\"}\n"    /* before: skipped */
               "{\"id\":4,\"at\":\"2024-05-01T12:00:00+02:00\"}\n"   /* the same instant: kept */
               "{\"id\":5,\"at\":\"2024-05-01T11:59:59+02:00\"}\n"   /* before: skipped */
               "{\"id\":6,\"at\":\"2024-05-01T06:00:00-05:00\"}\n"   /* 11:00Z: kept */
               "{\"id\":7,\"at\":\"not a time\"}\n"                  /* cannot be ordered: kept */
               "{\"id\":8,\"at\":1714557600}\n"                       /* epoch seconds = 10:00Z: kept */
               "{\"id\":9,\"at\":1714557599}\n");                     /* before: skipped */
    rt_sink s;
    rt_sink_init(&s);
    dw_run_inputs in = {.use_incremental = 1, .incremental_field = "at",
                        .incremental_field_type = DW_TYPE_DATETIME,
                        .incremental_last_value = "\"2024-05-01T10:00:00Z\""};
    dwhi_op_result r = run("", "t", &s, &in);
    assert_int_equal(r.code, DW_OK);
    const char *want[] = {"1", "2", "4", "6", "7", "8"};
    assert_int_equal(rt_nrows(&s), 6);
    for (size_t i = 0; i < 6; i++) assert_string_equal(rt_row_str(&s, i, "id"), want[i]);
    dwhi_op_result_free(&r);
    rt_sink_free(&s);

    /* date: a watermark day keeps its own rows; the config's type applies
     * when the host passes none. */
    write_file("d.csv", "id,day\n1,2024-04-30\n2,2024-05-01\n3,2024-05-02\n4,2024-5-3\n");
    rt_sink_init(&s);
    dw_run_inputs ind = {.use_incremental = 1, .incremental_field = "day", .incremental_last_value = "\"2024-05-01\""};
    r = run(",\"incremental_field_type\":\"date\"", "d", &s, &ind);
    assert_int_equal(r.code, DW_OK);
    assert_int_equal(rt_nrows(&s), 3); /* 2, 3, 4 (unparsable: kept) */
    assert_string_equal(rt_row_str(&s, 0, "id"), "2");
    dwhi_op_result_free(&r);
    rt_sink_free(&s);

    /* integer: equal kept, CSV text compared as numbers. */
    write_file("n.csv", "id,seq\n1,9\n2,10\n3,100\n4,09\n");
    rt_sink_init(&s);
    dw_run_inputs inn = {.use_incremental = 1, .incremental_field = "seq",
                         .incremental_field_type = DW_TYPE_INTEGER, .incremental_last_value = "10"};
    r = run("", "n", &s, &inn);
    assert_int_equal(r.code, DW_OK);
    assert_int_equal(rt_nrows(&s), 2);
    assert_string_equal(rt_row_str(&s, 0, "id"), "2");
    assert_string_equal(rt_row_str(&s, 1, "id"), "3");
    dwhi_op_result_free(&r);
    rt_sink_free(&s);

    /* A watermark that is not a value of the type (the type was changed
     * since) filters nothing, with a warning, instead of dropping rows. */
    rt_sink_init(&s);
    dw_run_inputs inb = {.use_incremental = 1, .incremental_field = "seq",
                         .incremental_field_type = DW_TYPE_INTEGER,
                         .incremental_last_value = "\"2024-05-01T10:00:00Z\""};
    r = run("", "n", &s, &inb);
    assert_int_equal(r.code, DW_OK);
    assert_int_equal(rt_nrows(&s), 4);
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
}

/* Runs `schema` once with page_rows 3, then resumes from every state it
 * saved; each resumed run must emit exactly the rows after that point. */
static void resume_from_every_checkpoint(const char *extra, const char *schema, size_t expect_rows) {
    char *ex = NULL;
    assert_true(asprintf(&ex, ",\"page_rows\":3%s", extra) > 0);
    rt_sink full;
    rt_sink_init(&full);
    dwhi_op_result r = run(ex, schema, &full, NULL);
    assert_int_equal(r.code, DW_OK);
    dwhi_op_result_free(&r);
    size_t n = rt_nrows(&full);
    assert_int_equal(n, expect_rows);
    size_t saves = json_object_array_length(full.saves);
    assert_true(saves >= n / 3);
    for (size_t k = 0; k < saves; k++) {
        json_object *st = json_object_array_get_idx(full.saves, k);
        size_t before = (size_t)json_object_get_int64(json_object_object_get(st, "rows"));
        rt_sink part;
        rt_sink_init(&part);
        part.load = json_object_to_json_string_ext(st, JSON_C_TO_STRING_PLAIN);
        r = run(ex, schema, &part, NULL);
        assert_int_equal(r.code, DW_OK);
        if (before + rt_nrows(&part) != n)
            fail_msg("%s: from checkpoint %zu (%s): %zu + %zu rows != %zu", schema, k, part.load, before,
                     rt_nrows(&part), n);
        for (size_t i = 0; i < rt_nrows(&part); i++) {
            const char *got = row_text(&part, i), *want = row_text(&full, before + i);
            if (strcmp(got, want) != 0) fail_msg("%s checkpoint %zu row %zu: %s != %s", schema, k, i, got, want);
        }
        dwhi_op_result_free(&r);
        rt_sink_free(&part);
    }
    rt_sink_free(&full);
    free(ex);
}

static void resume_nothing_missing_nothing_repeated(void **state) {
    (void)state;
    char csv[4096] = "id,text\r\n", jsonl[4096] = "", arr[4096] = "[";
    for (int i = 1; i <= 17; i++) {
        char line[256];
        snprintf(line, sizeof line, "%d,\"multi\nline, %d\"\r\n", i, i);
        strcat(csv, line);
        snprintf(line, sizeof line, "{\"id\":%d,\"v\":\"x%d\"}\n%s", i, i, i % 5 ? "" : "\n");
        strcat(jsonl, line);
        snprintf(line, sizeof line, "%s\n  {\"id\": %d, \"a\": [%d]}", i > 1 ? "," : "", i, i);
        strcat(arr, line);
    }
    strcat(arr, "\n]\n");
    write_file("c.csv", csv);
    write_file("j.jsonl", jsonl);
    write_file("a.json", arr);
    resume_from_every_checkpoint("", "c", 17);
    resume_from_every_checkpoint("", "j", 17);
    resume_from_every_checkpoint("", "a", 17);
    /* Across the files of one pattern schema. */
    write_file("part-1.jsonl", "{\"id\":1}\n{\"id\":2}\n");
    write_file("part-2.jsonl", "{\"id\":3}\n{\"id\":4}\n{\"id\":5}\n{\"id\":6}\n");
    write_file("part-3.jsonl", "{\"id\":7}\n");
    resume_from_every_checkpoint(",\"tables\":\"parts=part-*.jsonl\"", "parts", 7);
}

static void bad_saved_state(void **state) {
    (void)state;
    write_file("c.csv", "id\n1\n2\n");
    rt_sink s;
    rt_sink_init(&s);
    s.load = "{\"file\":\"c.csv\",\"offset\":99999}";
    dwhi_op_result r = run("", "c", &s, NULL);
    assert_int_equal(r.code, DW_ERR_STATE);
    assert_non_null(strstr(r.message, "past the end of c.csv"));
    dwhi_op_result_free(&r);
    s.load = "{\"cursor\":\"abc\"}";
    r = run("", "c", &s, NULL);
    assert_int_equal(r.code, DW_ERR_STATE);
    assert_non_null(strstr(r.message, "not a files position"));
    dwhi_op_result_free(&r);
    /* QA #18: a saved file that is gone is a state error, not 0 rows. */
    s.load = "{\"file\":\"zzz.csv\",\"offset\":5}";
    r = run("", "c", &s, NULL);
    assert_int_equal(r.code, DW_ERR_STATE);
    char want[600];
    snprintf(want, sizeof want,
             "the saved position is in zzz.csv, which is no longer a file of schema 'c' in '%s' (renamed or "
             "removed?); rerun with --reset to read the schema from the start",
             dir);
    assert_string_equal(r.message, want);
    dwhi_op_result_free(&r);
    /* QA #19: a position inside a record (the file changed) names the
     * absolute line and says what to do, for every format. */
    write_file("j.jsonl", "{\"id\":1}\n{\"id\":2}\n{\"id\":3,\"long\":\"xxxxxxxx\"}\n");
    write_file("a.json", "[{\"id\":1},\n {\"id\":2, \"v\": \"yyyy\"}]\n");
    write_file("m.csv", "id,v\n1,a\n2,\"multi\nline\"\n3,c\n");
    struct {
        const char *schema, *state, *msg;
    } inside[] = {
        {"j", "{\"file\":\"j.jsonl\",\"offset\":25}", "(byte 25, line 3 of j.jsonl) is inside a record"},
        {"a", "{\"file\":\"a.json\",\"offset\":20}", "(byte 20, line 2 of a.json) is inside a record"},
        {"m", "{\"file\":\"m.csv\",\"offset\":11}", "(byte 11, line 3 of m.csv) is inside a record"},
    };
    for (size_t i = 0; i < sizeof inside / sizeof inside[0]; i++) {
        s.load = inside[i].state;
        r = run("", inside[i].schema, &s, NULL);
        assert_int_equal(r.code, DW_ERR_STATE);
        if (!strstr(r.message, inside[i].msg) || !strstr(r.message, "rerun with --reset"))
            fail_msg("%s: %s", inside[i].schema, r.message);
        dwhi_op_result_free(&r);
    }
    assert_int_equal(rt_nrows(&s), 0);
    /* An error after a resume names the line of the file, not of the rest. */
    write_file("e.jsonl", "{\"id\":1}\n{\"id\":2}\n{\"id\":3\n");
    s.load = "{\"file\":\"e.jsonl\",\"offset\":9}";
    r = run("", "e", &s, NULL);
    assert_int_equal(r.code, DW_ERR_BAD_DATA);
    assert_non_null(strstr(r.message, "e.jsonl line 3"));
    assert_int_equal(rt_nrows(&s), 1);
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
    rt_sink_init(&s);
    /* A finished file is skipped; a reset run reads everything again. */
    s.load = "{\"file\":\"c.csv\",\"offset\":7,\"rows\":2}";
    r = run("", "c", &s, NULL);
    assert_int_equal(r.code, DW_OK);
    assert_int_equal(rt_nrows(&s), 0);
    dwhi_op_result_free(&r);
    dw_run_inputs in = {.reset_pipeline = 1};
    r = run("", "c", &s, &in);
    assert_int_equal(rt_nrows(&s), 2);
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
}

int main(void) {
#define T(f) cmocka_unit_test_setup_teardown(f, fresh, cleanup)
    const struct CMUnitTest tests[] = {
        T(csv_quoting_and_nulls),
        T(csv_header_names),
        T(csv_errors_name_file_and_line),
        T(jsonl_rows_and_errors),
        T(json_arrays),
        T(schemas_from_directory_and_patterns),
        T(config_errors),
        T(credential_check),
        T(unreadable_directory),
        T(incremental_filter),
        T(incremental_filter_by_type),
        T(resume_nothing_missing_nothing_repeated),
        T(bad_saved_state),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
