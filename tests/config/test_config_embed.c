/*
 * test_config_embed.c -- the config section of the embedding API
 * (dwhost.h) through the shared libdwhost, as a service would use it:
 * validate, mask, list secret keys, check credentials.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "dwhost.h"

static dwh_host *host;
static dwh_plugin *cfgtest;

static int setup(void **state) {
    (void)state;
    const char *dirs[] = {CFGT_DIR};
    dwh_host_options o = {.plugin_dirs = dirs, .n_plugin_dirs = 1,
                          .flags = DWH_HOST_NO_ENV_PATH | DWH_HOST_NO_DEFAULT_DIR};
    host = dwh_host_new(&o);
    cfgtest = host ? dwh_host_find(host, "cfgtest") : NULL;
    return cfgtest ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    dwh_plugin_unref(cfgtest);
    dwh_host_free(host);
    return 0;
}

static json_object *parse(const char *text) {
    json_object *o = json_tokener_parse(text);
    assert_non_null(o);
    return o;
}

static void test_validate_text(void **state) {
    (void)state;
    char *validated = NULL, *report = NULL, *err = NULL;
    assert_int_equal(dwh_config_validate_text(cfgtest, "{\"auth\": {\"api_key\": \"good_sk_1234\"}, \"page_size\": \"7\"}",
                                              NULL, &validated, &report, NULL),
                     DW_OK);
    json_object *v = parse(validated);
    assert_int_equal(json_object_get_int(json_object_object_get(v, "page_size")), 7);
    assert_string_equal(json_object_get_string(json_object_object_get(v, "region")), "us");
    json_object *r = parse(report);
    assert_int_equal(json_object_array_length(json_object_object_get(r, "errors")), 0);
    json_object_put(v);
    json_object_put(r);
    free(validated);
    free(report);

    assert_int_equal(dwh_config_validate_text(cfgtest, "{\"auth\": {\"api_key\": 12345678}, \"region\": \"mars\"}", NULL,
                                              &validated, &report, &err),
                     DW_ERR_CONFIG);
    assert_null(validated);
    assert_null(strstr(report, "12345678"));
    assert_null(strstr(err, "12345678")); /* the one line never shows the secret either */
    assert_non_null(strstr(err, "auth.api_key"));
    free(err);
    err = NULL;
    r = parse(report);
    json_object *errs = json_object_object_get(r, "errors");
    assert_int_equal(json_object_array_length(errs), 2);
    assert_string_equal(json_object_get_string(json_object_object_get(json_object_array_get_idx(errs, 0), "path")),
                        "auth.api_key");
    json_object_put(r);
    free(report);

    assert_int_equal(dwh_config_validate_text(cfgtest, "{\"auth\": ", NULL, NULL, &report, NULL), DW_ERR_CONFIG);
    assert_non_null(strstr(report, "\"path\":\"(config)\""));
    assert_non_null(strstr(report, "invalid JSON at line 1"));
    free(report);
}

static void test_mask_and_secret_paths(void **state) {
    (void)state;
    char *m = dwh_config_mask_text(cfgtest, "{\"auth\": {\"selection\": \"api_key\", \"api_key\": \"good_sk_1234\"}, "
                                            "\"region\": \"eu\", \"tokn\": \"typo_1234\"}");
    json_object *o = parse(m);
    assert_string_equal(json_object_get_string(json_object_object_get(json_object_object_get(o, "auth"), "api_key")), "***");
    assert_string_equal(json_object_get_string(json_object_object_get(o, "region")), "eu");
    assert_string_equal(json_object_get_string(json_object_object_get(o, "tokn")), "***");
    json_object_put(o);
    free(m);
    assert_null(dwh_config_mask_text(cfgtest, "not json"));

    char *paths = dwh_config_secret_paths_json(cfgtest);
    assert_string_equal(paths, "[\"auth.api_key\",\"auth.password\",\"webhook.signing_secret\","
                               "\"integration.access_token\",\"integration.refresh_token\",\"key_file\","
                               "\"ssh_tunnel.password\",\"ssh_tunnel.private_key\",\"ssh_tunnel.passphrase\"]");
    free(paths);
}

static void test_check(void **state) {
    (void)state;
    char *doc = NULL;
    assert_int_equal(dwh_check(cfgtest, "{\"auth\": {\"api_key\": \"good_sk_1234\"}}", NULL, NULL, 0, &doc, NULL), DW_OK);
    json_object *d = parse(doc);
    assert_true(json_object_get_boolean(json_object_object_get(d, "ok")));
    json_object_put(d);
    free(doc);

    char *err = NULL;
    assert_int_equal(dwh_check(cfgtest, "{\"auth\": {\"api_key\": \"bad_sk_1234\"}}", NULL, "members", 0, &doc, &err),
                     DW_ERR_AUTH);
    assert_null(strstr(doc, "bad_sk_1234"));
    assert_non_null(strstr(err, "Your API key is invalid or expired"));
    assert_null(strstr(err, "bad_sk_1234"));
    free(err);
    assert_non_null(strstr(doc, "Your API key is invalid or expired"));
    free(doc);

    /* 403 at source creation passes with a warning; with a schema it fails */
    assert_int_equal(dwh_check(cfgtest, "{\"auth\": {\"api_key\": \"scopeless_1234\"}}", NULL, NULL, 0, &doc, NULL), DW_OK);
    assert_non_null(strstr(doc, "read:org"));
    free(doc);
    assert_int_equal(dwh_check(cfgtest, "{\"auth\": {\"api_key\": \"scopeless_1234\"}}", NULL, "members", 0, NULL, NULL),
                     DW_ERR_FORBIDDEN);

    assert_int_equal(dwh_check(cfgtest, "{\"region\": \"mars\"}", NULL, NULL, 0, &doc, NULL), DW_ERR_CONFIG);
    d = parse(doc);
    assert_string_equal(json_object_get_string(json_object_object_get(d, "outcome")), "invalid_config");
    json_object_put(d);
    free(doc);
    assert_int_equal(dwh_check(cfgtest, "[", NULL, NULL, 0, &doc, NULL), DW_ERR_CONFIG);
    assert_non_null(strstr(doc, "(config)"));
    free(doc);
}


/* A file in a fresh temporary directory; returns its path (malloc'd) and
 * the directory in *dir (malloc'd). */
static char *write_temp(const char *name, const char *text, char **dir) {
    char tmpl[] = "/tmp/cfg-embed-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    *dir = strdup(tmpl);
    char *path = NULL;
    assert_true(asprintf(&path, "%s/%s", tmpl, name) > 0);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void test_config_read_file(void **state) {
    (void)state;
    static const char text[] = "{\"auth\": {\"api_key\": \"good_sk_1234\"}}\n";
    char *dir = NULL, *path = write_temp("c.json", text, &dir);
    char *config = NULL, *base = NULL, *report = NULL, *err = NULL;
    assert_int_equal(dwh_config_read_file(path, &config, &base, &report, &err), DW_OK);
    assert_string_equal(config, text); /* the file as written, secrets and all */
    assert_string_equal(base, dir);
    assert_null(report);
    assert_null(err);
    dwh_free_secret(config);
    free(base);

    /* not JSON: the problem at "(file)", nothing handed back */
    FILE *f = fopen(path, "w");
    fputs("{\"auth\": ", f);
    fclose(f);
    assert_int_equal(dwh_config_read_file(path, &config, &base, &report, &err), DW_ERR_CONFIG);
    assert_null(config);
    assert_null(base);
    json_object *r = parse(report);
    json_object *e0 = json_object_array_get_idx(json_object_object_get(r, "errors"), 0);
    assert_string_equal(json_object_get_string(json_object_object_get(e0, "path")), "(file)");
    assert_non_null(strstr(json_object_get_string(json_object_object_get(e0, "message")),
                           "config error at (file): expected a JSON object in "));
    assert_true(strncmp(err, "invalid config: config error at (file): expected a JSON object in ", 66) == 0);
    json_object_put(r);
    free(report);
    free(err);

    /* missing */
    unlink(path);
    assert_int_equal(dwh_config_read_file(path, &config, NULL, NULL, &err), DW_ERR_CONFIG);
    assert_null(config);
    assert_non_null(strstr(err, "expected a readable config file at "));
    free(err);
    assert_int_equal(dwh_config_read_file(NULL, &config, NULL, NULL, NULL), DW_ERR_CONFIG);
    rmdir(dir);
    free(path);
    free(dir);
}

static const char *outcome_of(json_object *d) { return json_object_get_string(json_object_object_get(d, "outcome")); }

static void test_check_with(void **state) {
    (void)state;
    /* a config file whose secret is a {"$file"} reference relative to the file */
    char *dir = NULL, *path = write_temp("c.json", "{\"auth\": {\"api_key\": {\"$file\": \"key.txt\"}}}", &dir);
    char *key = NULL;
    assert_true(asprintf(&key, "%s/key.txt", dir) > 0);
    FILE *f = fopen(key, "w");
    fputs("good_sk_5678", f);
    fclose(f);
    char *doc = NULL, *err = NULL;
    dwh_check_options o = {.config_file = path};
    assert_int_equal(dwh_check_with(cfgtest, NULL, &o, &doc, &err), DW_OK);
    assert_null(err);
    json_object *d = parse(doc);
    assert_string_equal(outcome_of(d), "ok");
    json_object_put(d);
    free(doc);

    /* an unknown schema has its own outcome (the CLI's "unknown schema" line) */
    o.schema = "nope";
    assert_int_equal(dwh_check_with(cfgtest, NULL, &o, &doc, &err), DW_ERR_CONFIG);
    d = parse(doc);
    assert_string_equal(outcome_of(d), "unknown_schema");
    assert_non_null(strstr(err, "nope"));
    json_object_put(d);
    free(doc);
    free(err);

    /* a file that is not there: an invalid config reported at "(file)" */
    unlink(key);
    unlink(path);
    o.schema = NULL;
    assert_int_equal(dwh_check_with(cfgtest, NULL, &o, &doc, &err), DW_ERR_CONFIG);
    d = parse(doc);
    assert_string_equal(outcome_of(d), "invalid_config");
    json_object *e0 = json_object_array_get_idx(
        json_object_object_get(json_object_object_get(d, "config"), "errors"), 0);
    assert_string_equal(json_object_get_string(json_object_object_get(e0, "path")), "(file)");
    json_object_put(d);
    free(doc);
    free(err);
    rmdir(dir);
    free(key);
    free(path);
    free(dir);

    /* text and cancel: a requested cancel turns the plugin's failure into "interrupted" */
    const char *down = "{\"auth\": {\"api_key\": \"down_1234\"}}";
    assert_int_equal(dwh_check_with(cfgtest, down, NULL, NULL, NULL), DW_ERR_UNREACHABLE);
    dwh_cancel *c = dwh_cancel_new();
    dwh_cancel_request(c);
    dwh_check_options oc = {.cancel = c};
    assert_int_equal(dwh_check_with(cfgtest, down, &oc, &doc, &err), DW_ERR_CANCELLED);
    d = parse(doc);
    assert_string_equal(outcome_of(d), "interrupted");
    assert_null(strstr(doc, "down_1234"));
    json_object_put(d);
    free(doc);
    free(err);
    dwh_cancel_free(c);

    /* a member this library does not have, set: refused, not ignored */
    struct {
        dwh_check_options o;
        int future;
    } newer = {.o = {.schema = NULL}, .future = 1};
    assert_int_equal(dwh_check_with_sized(cfgtest, "{}", &newer.o, sizeof newer, &doc, &err), DW_ERR_CONFIG);
    assert_null(doc);
    assert_non_null(strstr(err, "dwh_check_options sets a member"));
    free(err);
    /* NULL plugin: the document says so */
    assert_int_equal(dwh_check_with(NULL, "{}", NULL, &doc, &err), DW_ERR_NOT_FOUND);
    assert_non_null(doc);
    free(doc);
    free(err);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate_text),
        cmocka_unit_test(test_mask_and_secret_paths),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_config_read_file),
        cmocka_unit_test(test_check_with),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
