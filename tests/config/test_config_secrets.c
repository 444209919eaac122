/*
 * test_config_secrets.c -- secret keys derived from the form, collection,
 * masking, and secret references ({"$env"}, {"$file"}) through the
 * validator.
 */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config_report.h"
#include "config/config_load.h"
#include "config/config_secrets.h"
#include "config_test_util.h"
#include "config/config_validate.h"
#include "form_fixture.h"

static const char BASE[] = "{\"host\": \"db.example.com\", "
                           "\"auth\": {\"selection\": \"api_key\", \"api_key\": \"sk_live_SECRET_1\"}}";

static void test_secret_paths_derived_from_form(void **state) {
    (void)state;
    static const char *const want[] = {"token",
                                       "auth.api_key",
                                       "auth.private_key",
                                       "auth.passphrase",
                                       "webhook.signing_secret",
                                       "integration.access_token",
                                       "integration.refresh_token",
                                       "key_file",
                                       "any_file",
                                       "ssh_tunnel.password",
                                       "ssh_tunnel.private_key",
                                       "ssh_tunnel.passphrase",
                                       NULL};
    char **paths = dwhi_config_secret_paths(fx_fields, FX_N_FIELDS);
    assert_non_null(paths);
    size_t i = 0;
    for (; want[i]; i++) {
        if (!paths[i]) fail_msg("missing secret path %s", want[i]);
        assert_string_equal(paths[i], want[i]);
    }
    if (paths[i]) fail_msg("unexpected secret path %s", paths[i]);
    dwhi_config_secret_paths_free(paths);
}

static const char FULL[] =
    "{\"host\": \"db.example.com\", \"token\": \"tok_SECRET_3\","
    " \"auth\": {\"selection\": \"keypair\", \"user\": \"etl_user\", \"private_key\": \"SECRET_KEY_5\", \"passphrase\": \"pass_SECRET_7\"},"
    " \"webhook\": {\"enabled\": true, \"signing_secret\": \"whsec_SECRET_8\"},"
    " \"integration\": {\"access_token\": \"gho_SECRET_9\", \"refresh_token\": \"ghr_SECRET_10\", \"scope\": \"repo read:org\"},"
    " \"key_file\": {\"project_id\": \"proj-1234\", \"private_key\": \"FILEKEY_SECRET_11\"},"
    " \"ssh_tunnel\": {\"enabled\": true, \"host\": \"bastion\", \"username\": \"tunnel_user\", \"auth_type\": \"password\", \"password\": \"sshpw_SECRET_12\"},"
    " \"typo_key\": \"typo_SECRET_13\"}";

static const char *const FULL_SECRETS[] = {"tok_SECRET_3",   "SECRET_KEY_5",      "pass_SECRET_7",  "whsec_SECRET_8",
                                           "gho_SECRET_9",   "ghr_SECRET_10",     "FILEKEY_SECRET_11",
                                           "sshpw_SECRET_12", NULL};
static const char *const FULL_PLAIN[] = {"db.example.com", "etl_user", "bastion", "tunnel_user", "repo read:org", NULL};

static void test_collect_secrets(void **state) {
    (void)state;
    json_object *config = json_tokener_parse(FULL);
    dwhi_secrets *s = dwhi_secrets_new();
    dwhi_config_collect_secrets(fx_fields, FX_N_FIELDS, config, s);
    char text[2048];
    size_t len = 0;
    for (const char *const *p = FULL_SECRETS; *p; p++) len += (size_t)snprintf(text + len, sizeof text - len, "%s|", *p);
    for (const char *const *p = FULL_PLAIN; *p; p++) len += (size_t)snprintf(text + len, sizeof text - len, "%s|", *p);
    char *clean = dwhi_secrets_scrub(s, text);
    for (const char *const *p = FULL_SECRETS; *p; p++)
        if (strstr(clean, *p)) fail_msg("secret %s not collected: %s", *p, clean);
    for (const char *const *p = FULL_PLAIN; *p; p++)
        if (!strstr(clean, *p)) fail_msg("plain value %s was masked: %s", *p, clean);
    free(clean);
    dwhi_secrets_free(s);
    json_object_put(config);
}

/* A secret is masked in the forms it takes inside JSON text and URLs. */
static void test_scrub_escaped_forms(void **state) {
    (void)state;
    dwhi_secrets *s = dwhi_secrets_new();
    dwhi_secrets_add(s, "pa\"ss\\wo/rd+1");
    static const char *const texts[] = {
        "raw pa\"ss\\wo/rd+1 end",           /* as is */
        "json {\"k\":\"pa\\\"ss\\\\wo\\/rd+1\"}", /* JSON, slash escaped */
        "json {\"k\":\"pa\\\"ss\\\\wo/rd+1\"}",    /* JSON, slash kept */
        "url ?key=pa%22ss%5Cwo%2Frd%2B1&x=1",  /* percent-encoded */
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        char *clean = dwhi_secrets_scrub(s, texts[i]);
        if (!strstr(clean, "***") || strstr(clean, "wo")) fail_msg("not masked: %s -> %s", texts[i], clean);
        free(clean);
    }
    dwhi_secrets_free(s);
}

static void test_mask(void **state) {
    (void)state;
    json_object *config = json_tokener_parse(FULL);
    json_object *m = dwhi_config_mask(fx_fields, FX_N_FIELDS, config);
    const char *text = json_object_to_json_string(m);
    for (const char *const *p = FULL_SECRETS; *p; p++)
        if (strstr(text, *p)) fail_msg("mask left %s: %s", *p, text);
    assert_null(strstr(text, "typo_SECRET_13")); /* unknown keys are masked too */
    static const char *const masked[] = {"token", "auth.private_key", "auth.passphrase", "webhook.signing_secret",
                                         "integration.access_token", "integration.refresh_token", "key_file",
                                         "ssh_tunnel.password", "typo_key", NULL};
    for (const char *const *p = masked; *p; p++) {
        json_object *v = tu_lookup(m, *p);
        if (!v || strcmp(json_object_get_string(v), "***") != 0) fail_msg("%s is not \"***\" in %s", *p, text);
    }
    static const struct {
        const char *path, *value;
    } kept[] = {{"host", "db.example.com"}, {"auth.selection", "keypair"}, {"auth.user", "etl_user"},
                {"ssh_tunnel.username", "tunnel_user"}, {"integration.scope", "repo read:org"}, {NULL, NULL}};
    for (size_t i = 0; kept[i].path; i++) {
        json_object *v = tu_lookup(m, kept[i].path);
        if (!v || strcmp(json_object_get_string(v), kept[i].value) != 0) fail_msg("%s changed in %s", kept[i].path, text);
    }
    assert_true(json_object_get_boolean(tu_lookup(m, "webhook.enabled")));
    /* the input is untouched */
    assert_string_equal(json_object_get_string(tu_lookup(config, "token")), "tok_SECRET_3");
    json_object_put(m);
    json_object_put(config);
}

/* ---- references ---------------------------------------------------------- */

static char tmpdir[256];

static int setup_dir(void **state) {
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/dwh-config-secrets-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state) {
    (void)state;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *name, const char *data, size_t len) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

/* Validates BASE + over with references resolved from tmpdir. */
static int validate_with(const char *over, json_object **out, dwhi_config_report *rep, dwhi_secrets *resolved,
                         int no_refs) {
    json_object *config = tu_merge(BASE, over);
    dwhi_config_options opt = {.base_dir = tmpdir, .resolved = resolved, .no_references = no_refs};
    dwhi_config_report_init(rep);
    int rc = dwhi_config_validate(fx_fields, FX_N_FIELDS, config, &opt, out, rep);
    json_object_put(config);
    return rc;
}

static const char *str_at(json_object *v, const char *path) {
    json_object *x = tu_lookup(v, path);
    return x ? json_object_get_string(x) : NULL;
}

static void test_env_reference(void **state) {
    (void)state;
    setenv("DWHI_TEST_TOKEN", "env_SECRET_value_1", 1);
    dwhi_secrets *resolved = dwhi_secrets_new();
    json_object *out = NULL;
    dwhi_config_report rep;
    assert_int_equal(validate_with("{\"token\": {\"$env\": \"DWHI_TEST_TOKEN\"}}", &out, &rep, resolved, 0), 0);
    assert_string_equal(str_at(out, "token"), "env_SECRET_value_1");
    assert_int_equal(dwhi_secrets_count(resolved) > 0, 1);
    char *clean = dwhi_secrets_scrub(resolved, "x env_SECRET_value_1 y");
    assert_string_equal(clean, "x *** y");
    free(clean);
    json_object_put(out);
    dwhi_config_report_clear(&rep);
    dwhi_secrets_free(resolved);
}

static void test_env_reference_unset(void **state) {
    (void)state;
    unsetenv("DWHI_TEST_MISSING");
    json_object *out = NULL;
    dwhi_config_report rep;
    assert_int_equal(validate_with("{\"auth\": {\"selection\": \"api_key\", \"api_key\": {\"$env\": \"DWHI_TEST_MISSING\"}}}",
                                   &out, &rep, NULL, 0),
                     -1);
    assert_int_equal(rep.n_errors, 1);
    assert_string_equal(rep.errors[0].path, "auth.api_key");
    assert_non_null(strstr(rep.errors[0].expected, "environment variable DWHI_TEST_MISSING to be set"));
    assert_string_equal(rep.errors[0].got, "it unset");
    dwhi_config_report_clear(&rep);
}

/* QA #26: an empty variable names itself, instead of "an empty string". */
static void test_env_reference_empty(void **state) {
    (void)state;
    setenv("DWHI_TEST_EMPTY", "", 1);
    json_object *out = NULL;
    dwhi_config_report rep;
    assert_int_equal(validate_with("{\"auth\": {\"selection\": \"api_key\", \"api_key\": {\"$env\": \"DWHI_TEST_EMPTY\"}}}",
                                   &out, &rep, NULL, 0),
                     -1);
    assert_int_equal(rep.n_errors, 1);
    assert_string_equal(rep.errors[0].path, "auth.api_key");
    assert_non_null(strstr(rep.errors[0].expected, "environment variable DWHI_TEST_EMPTY to hold a value"));
    assert_string_equal(rep.errors[0].got, "it set but empty");
    dwhi_config_report_clear(&rep);
    unsetenv("DWHI_TEST_EMPTY");
}

/* QA #26: text that is not JSON at all names its first character. */
static void test_not_json_names_the_character(void **state) {
    (void)state;
    struct {
        const char *text, *want;
    } cases[] = {
        {"not json", "not JSON: unexpected 'n' at line 1, column 1"},
        {"{\"a\": 1,,}", "not JSON: unexpected ',' at line 1, column 9"},
        {"\n  {\"a\": tru }", "not JSON: unexpected 't' at line 2, column 9"},
        {"{\"a\": ", "invalid JSON at line 1, column 7: the text ends inside a value"},
        {"{} x", "invalid JSON at line 1, column 4: more text after the JSON value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_object *v = NULL;
        char err[256] = "";
        assert_int_equal(dwhi_config_parse_text(cases[i].text, strlen(cases[i].text), &v, err, sizeof err), -1);
        if (strcmp(err, cases[i].want) != 0) fail_msg("%s: got '%s', want '%s'", cases[i].text, err, cases[i].want);
    }
}

static void test_env_reference_bad_name(void **state) {
    (void)state;
    json_object *out = NULL;
    dwhi_config_report rep;
    assert_int_equal(validate_with("{\"token\": {\"$env\": \"1BAD-NAME\"}}", &out, &rep, NULL, 0), -1);
    assert_int_equal(rep.n_errors, 1);
    assert_non_null(strstr(rep.errors[0].expected, "an environment variable name"));
    assert_non_null(strstr(rep.errors[0].got, "1BAD-NAME"));
    dwhi_config_report_clear(&rep);
}

static void test_file_reference_strips_one_newline(void **state) {
    (void)state;
    write_file("token.txt", "file_SECRET_2\n\n", 15);
    write_file("crlf.txt", "crlf_SECRET_3\r\n", 15);
    write_file("bare.txt", "bare_SECRET_4", 13);
    dwhi_secrets *resolved = dwhi_secrets_new();
    json_object *out = NULL;
    dwhi_config_report rep;
    char abs[600];
    snprintf(abs, sizeof abs,
             "{\"token\": {\"$file\": \"token.txt\"},"
             " \"webhook\": {\"enabled\": true, \"signing_secret\": {\"$file\": \"%s/crlf.txt\"}},"
             " \"integration\": {\"$file\": \"bare.txt\"}}",
             tmpdir);
    assert_int_equal(validate_with(abs, &out, &rep, resolved, 0), 0);
    assert_string_equal(str_at(out, "token"), "file_SECRET_2\n"); /* only one newline stripped */
    assert_string_equal(str_at(out, "webhook.signing_secret"), "crlf_SECRET_3");
    assert_string_equal(str_at(out, "integration.access_token"), "bare_SECRET_4");
    char *clean = dwhi_secrets_scrub(resolved, "crlf_SECRET_3 bare_SECRET_4");
    assert_string_equal(clean, "*** ***");
    free(clean);
    json_object_put(out);
    dwhi_config_report_clear(&rep);
    dwhi_secrets_free(resolved);
}

static void test_file_reference_errors(void **state) {
    (void)state;
    char big[300];
    snprintf(big, sizeof big, "%s/big.txt", tmpdir);
    FILE *f = fopen(big, "wb");
    assert_non_null(f);
    for (int i = 0; i < DWHI_SECRET_FILE_MAX + 1; i++) fputc('a', f);
    fclose(f);
    write_file("nul.txt", "ab\0cd", 5);
    char fifo[300];
    snprintf(fifo, sizeof fifo, "%s/fifo", tmpdir);
    assert_int_equal(mkfifo(fifo, 0600), 0);

    static const struct {
        const char *ref, *expected_has, *got_has;
    } t[] = {
        {"missing.txt", "missing.txt", "No such file or directory"},
        {".", "a readable regular file", "a directory"},
        {"fifo", "a readable regular file", "not a regular file"},
        {"big.txt", "big.txt", "bytes (the limit is"},
        {"nul.txt", "nul.txt", "NUL byte"},
        {"", "a file path", "an empty path"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char over[300];
        snprintf(over, sizeof over, "{\"token\": {\"$file\": \"%s\"}}", t[i].ref);
        json_object *out = NULL;
        dwhi_config_report rep;
        assert_int_equal(validate_with(over, &out, &rep, NULL, 0), -1);
        if (rep.n_errors != 1 || strcmp(rep.errors[0].path, "token") != 0 ||
            !strstr(rep.errors[0].expected, t[i].expected_has) || !strstr(rep.errors[0].got, t[i].got_has))
            fail_msg("$file %s: %zu errors; first: at %s: expected %s, got %s", t[i].ref, rep.n_errors,
                     rep.n_errors ? rep.errors[0].path : "-", rep.n_errors ? rep.errors[0].expected : "-",
                     rep.n_errors ? rep.errors[0].got : "-");
        dwhi_config_report_clear(&rep);
    }
}

static void test_reference_rules(void **state) {
    (void)state;
    static const struct {
        const char *over, *path, *expected_has, *got_has;
    } t[] = {
        /* only secret fields take references */
        {"{\"host\": {\"$env\": \"HOME\"}}", "host", "accepted only in secret fields", "a secret reference"},
        {"{\"token\": {\"$env\": 5}}", "token", "{\"$env\": \"NAME\"}", "other keys"},
        {"{\"token\": {\"$env\": \"HOME\", \"x\": 1}}", "token", "one key", "other keys"},
        {"{\"token\": {\"$vault\": \"x\"}}", "token", "{\"$file\": \"PATH\"}", "other keys"},
        {"{\"lookback\": {\"$env\": \"HOME\"}}", "lookback", "one of", "a secret reference"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        json_object *out = NULL;
        dwhi_config_report rep;
        assert_int_equal(validate_with(t[i].over, &out, &rep, NULL, 0), -1);
        if (rep.n_errors != 1 || strcmp(rep.errors[0].path, t[i].path) != 0 ||
            !strstr(rep.errors[0].expected, t[i].expected_has) || !strstr(rep.errors[0].got, t[i].got_has))
            fail_msg("%s: %zu errors; first: at %s: expected %s, got %s", t[i].over, rep.n_errors,
                     rep.n_errors ? rep.errors[0].path : "-", rep.n_errors ? rep.errors[0].expected : "-",
                     rep.n_errors ? rep.errors[0].got : "-");
        dwhi_config_report_clear(&rep);
    }
    /* no_references: nothing is read */
    setenv("DWHI_TEST_TOKEN", "env_SECRET_value_1", 1);
    json_object *out = NULL;
    dwhi_config_report rep;
    assert_int_equal(validate_with("{\"token\": {\"$env\": \"DWHI_TEST_TOKEN\"}}", &out, &rep, NULL, 1), -1);
    assert_non_null(strstr(rep.errors[0].expected, "not resolved here"));
    dwhi_config_report_clear(&rep);
}

/* SSH secrets and a file upload from a file. */
static void test_references_in_composites(void **state) {
    (void)state;
    static const char key_json[] = "{\"project_id\": \"p-1\", \"private_key\": \"FILEKEY_SECRET_11\"}\n";
    write_file("key.json", key_json, strlen(key_json));
    static const char key[] = "-----BEGIN OPENSSH PRIVATE KEY-----\nKEYBODY_SECRET\n-----END OPENSSH PRIVATE KEY-----\n";
    write_file("id_ed25519", key, strlen(key));
    setenv("DWHI_TEST_PASSPHRASE", "phrase_SECRET_5", 1);
    dwhi_secrets *resolved = dwhi_secrets_new();
    json_object *out = NULL;
    dwhi_config_report rep;
    int rc = validate_with(
        "{\"key_file\": {\"$file\": \"key.json\"},"
        " \"ssh_tunnel\": {\"enabled\": true, \"host\": \"b\", \"username\": \"u\", \"auth_type\": \"keypair\","
        " \"private_key\": {\"$file\": \"id_ed25519\"}, \"passphrase\": {\"$env\": \"DWHI_TEST_PASSPHRASE\"}}}",
        &out, &rep, resolved, 0);
    for (size_t i = 0; i < rep.n_errors; i++)
        print_message("at %s: expected %s, got %s\n", rep.errors[i].path, rep.errors[i].expected, rep.errors[i].got);
    assert_int_equal(rc, 0);
    assert_string_equal(str_at(out, "key_file.project_id"), "p-1");
    assert_string_equal(str_at(out, "ssh_tunnel.passphrase"), "phrase_SECRET_5");
    assert_non_null(strstr(str_at(out, "ssh_tunnel.private_key"), "KEYBODY_SECRET"));
    char *clean = dwhi_secrets_scrub(resolved, "FILEKEY_SECRET_11 phrase_SECRET_5");
    assert_string_equal(clean, "*** ***");
    free(clean);
    json_object_put(out);
    dwhi_config_report_clear(&rep);
    dwhi_secrets_free(resolved);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secret_paths_derived_from_form),
        cmocka_unit_test(test_collect_secrets),
        cmocka_unit_test(test_scrub_escaped_forms),
        cmocka_unit_test(test_mask),
        cmocka_unit_test(test_env_reference),
        cmocka_unit_test(test_env_reference_unset),
        cmocka_unit_test(test_env_reference_bad_name),
        cmocka_unit_test(test_env_reference_empty),
        cmocka_unit_test(test_not_json_names_the_character),
        cmocka_unit_test(test_file_reference_strips_one_newline),
        cmocka_unit_test(test_file_reference_errors),
        cmocka_unit_test(test_reference_rules),
        cmocka_unit_test(test_references_in_composites),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
