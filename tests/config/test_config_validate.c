/*
 * test_config_validate.c -- table-driven tests of the config validator:
 * every field kind, input type and converter, every error, defaults and
 * normalisation, all errors at once, and secrets never echoed.
 */
/* Positional case tables leave trailing members zero on purpose. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config_report.h"
#include "config_test_util.h"
#include "config/config_validate.h"
#include "form_fixture.h"

/* Every case starts from this valid config; a case's keys replace the base's
 * (null deletes a key) unless it sets no_base. */
static const char BASE[] = "{\"host\": \"db.example.com\", "
                           "\"auth\": {\"selection\": \"api_key\", \"api_key\": \"sk_live_SECRET_1\"}}";

typedef struct issue_exp {
    const char *path;
    const char *expected_has; /* substring of `expected` */
    const char *got_has;      /* substring of `got` */
} issue_exp;

typedef struct value_exp {
    const char *path;
    const char *json; /* NULL: must be absent */
} value_exp;

typedef struct vcase {
    const char *name;
    const char *config;
    int no_base;
    int n_errors;
    issue_exp errors[12];
    int n_warnings;
    issue_exp warnings[4];
    value_exp values[12]; /* terminated by an empty entry */
} vcase;

/* Secret values used in the cases: none may appear in any error. */
static const char *const SECRETS[] = {"sk_live_SECRET_1", "pw_SECRET_2", "tok_SECRET_3", "refresh_SECRET_4",
                                      "SECRET_KEY_5", "notakey_SECRET_6", NULL};

static const vcase cases[] = {
    /* ---- a valid config, with every default applied ---- */
    {"defaults applied", "{}", 0, 0, {{0}}, 0, {{0}},
     {{"port", "5432"},
      {"base_url", "\"https://api.example.com\""},
      {"lookback", "7"},
      {"include_archived", "false"},
      {"limit", NULL},
      {"webhook", "{\"enabled\": false}"},
      {"advanced", "{\"enabled\": true, \"page_size\": 100}"},
      {"ssh_tunnel", "{\"enabled\": false}"},
      {"auth", "{\"selection\": \"api_key\", \"api_key\": \"sk_live_SECRET_1\"}"},
      {"tables", NULL}}},
    {"nothing given", "{}", 1, 2,
     {{"host", "a string (required)", "nothing"}, {"auth.api_key", "(required)", "nothing"}}},
    {"null config means empty", "null", 1, 2, {{"host", "required", "nothing"}, {"auth.api_key", "required", "nothing"}}},
    {"config not an object", "[1, 2]", 1, 1, {{"(config)", "a JSON object", "an array of 2 items"}}},

    /* ---- inputs ---- */
    {"text wrong type", "{\"host\": 5}", 0, 1, {{"host", "a string", "the number 5"}}},
    {"text empty required", "{\"host\": \"\"}", 0, 1, {{"host", "a non-empty string (required)", "an empty string"}}},
    {"text with NUL", "{\"host\": \"a\\u0000b\"}", 0, 1, {{"host", "without NUL", "NUL"}}},
    {"textarea and search", "{\"notes\": \"line1\\nline2\", \"query\": \"state:open\"}", 0, 0, {{0}}, 0, {{0}},
     {{"notes", "\"line1\\nline2\""}, {"query", "\"state:open\""}}},
    {"optional empty string dropped", "{\"notes\": \"\"}", 0, 0, {{0}}, 0, {{0}}, {{"notes", NULL}}},
    {"number as string", "{\"port\": \" 6_543 \"}", 0, 0, {{0}}, 0, {{0}}, {{"port", "6543"}}},
    {"number as number", "{\"port\": 6000}", 0, 0, {{0}}, 0, {{0}}, {{"port", "6000"}}},
    {"number integral double", "{\"port\": 6000.0}", 0, 0, {{0}}, 0, {{0}}, {{"port", "6000"}}},
    {"number negative string", "{\"port\": \"-12\"}", 0, 0, {{0}}, 0, {{0}}, {{"port", "-12"}}},
    {"number blank uses default", "{\"port\": \"  \"}", 0, 0, {{0}}, 0, {{0}}, {{"port", "5432"}}},
    {"number not numeric", "{\"port\": \"abc\"}", 0, 1, {{"port", "a whole number", "the string \"abc\""}}},
    {"number fraction", "{\"port\": 3.5}", 0, 1, {{"port", "a whole number", "the number 3.5"}}},
    {"number fraction string", "{\"port\": \"3.5\"}", 0, 1, {{"port", "a whole number", "\"3.5\""}}},
    {"number bad underscore", "{\"port\": \"1__0\"}", 0, 1, {{"port", "a whole number", "\"1__0\""}}},
    {"number overflow", "{\"port\": \"99999999999999999999\"}", 0, 1, {{"port", "-9223372036854775808", "9999"}}},
    {"number boolean", "{\"port\": true}", 0, 1, {{"port", "a whole number", "true"}}},
    {"email ok", "{\"email\": \"ops@example.com\"}", 0, 0, {{0}}, 0, {{0}}, {{"email", "\"ops@example.com\""}}},
    {"email bad", "{\"email\": \"ops at example\"}", 0, 1, {{"email", "an email address", "\"ops at example\""}}},
    {"email no domain dot", "{\"email\": \"ops@localhost\"}", 0, 1, {{"email", "an email address", "ops@localhost"}}},
    {"url ok", "{\"base_url\": \"https://ghe.example.com/api/v3\"}", 0, 0, {{0}}, 0, {{0}},
     {{"base_url", "\"https://ghe.example.com/api/v3\""}}},
    {"url bad scheme", "{\"base_url\": \"ftp://example.com\"}", 0, 1, {{"base_url", "an http or https URL", "ftp://"}}},
    {"url no scheme", "{\"base_url\": \"example.com\"}", 0, 1, {{"base_url", "http or https", "\"example.com\""}}},
    {"time ok", "{\"sync_time\": \"09:30\"}", 0, 0, {{0}}, 0, {{0}}, {{"sync_time", "\"09:30\""}}},
    {"time with seconds", "{\"sync_time\": \"23:59:59\"}", 0, 0, {{0}}, 0, {{0}}, {{"sync_time", "\"23:59:59\""}}},
    {"time bad hour", "{\"sync_time\": \"25:00\"}", 0, 1, {{"sync_time", "HH:MM", "\"25:00\""}}},
    {"time bad form", "{\"sync_time\": \"9:30am\"}", 0, 1, {{"sync_time", "HH:MM", "\"9:30am\""}}},
    {"long value cut", "{\"host\": 1, \"email\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}", 0, 2,
     {{"host", "a string", "the number 1"}, {"email", "email", "\"... (76 bytes)"}}},

    /* ---- text that is not UTF-8: refused at its path, nothing else checked, no value shown ---- */
    {"invalid UTF-8 in a secret", "{\"auth\": {\"selection\": \"api_key\", \"api_key\": \"sk_live_SECRET_1\xff\"}, \"port\": \"x\"}",
     0, 1, {{"auth.api_key", "UTF-8 text", "a string that is not valid UTF-8 (at byte 17)"}}},
    {"invalid UTF-8 in a key", "{\"ho\xffst\": 1}", 0, 1,
     {{"ho\xef\xbf\xbdst", "a key in UTF-8", "a key that is not valid UTF-8 (at byte 3)"}}},
    {"invalid UTF-8 in an array", "{\"tables\": [\"users\", \"it\xc3\"]}", 0, 1,
     {{"tables[1]", "UTF-8 text", "(at byte 3)"}}},

    /* ---- secret inputs never echo values ---- */
    {"secret wrong type", "{\"token\": 12345678}", 0, 1, {{"token", "a string", "a number"}}},
    {"secret in select option wrong type", "{\"auth\": {\"selection\": \"api_key\", \"api_key\": [\"sk_live_SECRET_1\"]}}",
     0, 1, {{"auth.api_key", "a string", "an array of 1 item"}}},
    {"secret value given", "{\"token\": \"tok_SECRET_3\"}", 0, 0, {{0}}, 0, {{0}}, {{"token", "\"tok_SECRET_3\""}}},

    /* ---- selects ---- */
    {"select int converter from string", "{\"lookback\": \"30\"}", 0, 0, {{0}}, 0, {{0}}, {{"lookback", "30"}}},
    {"select int converter from number", "{\"lookback\": 30}", 0, 0, {{0}}, 0, {{0}}, {{"lookback", "30"}}},
    {"select value not an option", "{\"lookback\": \"31\"}", 0, 1, {{"lookback", "one of \"7\", \"30\"", "\"31\""}}},
    {"select bool converter", "{\"include_archived\": \"true\"}", 0, 0, {{0}}, 0, {{0}},
     {{"include_archived", "true"}}},
    {"select bool converter from bool", "{\"include_archived\": true}", 0, 0, {{0}}, 0, {{0}},
     {{"include_archived", "true"}}},
    {"select bool bad", "{\"include_archived\": \"maybe\"}", 0, 1, {{"include_archived", "\"true\", \"false\"", "maybe"}}},
    {"select optional int blank", "{\"limit\": \"\"}", 0, 0, {{0}}, 0, {{0}}, {{"limit", NULL}}},
    {"select optional int", "{\"limit\": \"100\"}", 0, 0, {{0}}, 0, {{0}}, {{"limit", "100"}}},
    {"select optional int from number", "{\"limit\": 100}", 0, 0, {{0}}, 0, {{0}}, {{"limit", "100"}}},
    {"select object where scalar expected", "{\"lookback\": {\"selection\": \"7\"}}", 0, 1,
     {{"lookback", "one of", "an object"}}},
    {"multiple select", "{\"tables\": [\"users\", \"items\"]}", 0, 0, {{0}}, 0, {{0}},
     {{"tables", "[\"users\", \"items\"]"}}},
    {"multiple select not array", "{\"tables\": \"users\"}", 0, 1,
     {{"tables", "an array of values among \"users\", \"orders\", \"items\"", "\"users\""}}},
    {"multiple select bad element", "{\"tables\": [\"users\", \"bogus\", 3]}", 0, 2,
     {{"tables[1]", "one of \"users\"", "\"bogus\""}, {"tables[2]", "one of", "the number 3"}}},

    /* ---- selects with per-option sub-fields ---- */
    {"option sub-fields", "{\"auth\": {\"selection\": \"keypair\", \"user\": \"etl\", \"private_key\": \"SECRET_KEY_5\"}}",
     0, 0, {{0}}, 0, {{0}},
     {{"auth.selection", "\"keypair\""}, {"auth.user", "\"etl\""}, {"auth.private_key", "\"SECRET_KEY_5\""},
      {"auth.api_key", NULL}}},
    {"option chosen by shorthand needs its fields", "{\"auth\": \"keypair\"}", 0, 2,
     {{"auth.user", "(required)", "nothing"}, {"auth.private_key", "(required)", "nothing"}}},
    {"option without fields", "{\"auth\": \"none\"}", 0, 0, {{0}}, 0, {{0}}, {{"auth", "{\"selection\": \"none\"}"}}},
    {"unchosen option fields dropped with warning",
     "{\"auth\": {\"selection\": \"keypair\", \"user\": \"etl\", \"private_key\": \"SECRET_KEY_5\", \"api_key\": \"sk_live_SECRET_1\"}}",
     0, 0, {{0}}, 1, {{"auth.api_key", "only the fields of the chosen option \"keypair\"", "ignored"}},
     {{"auth.api_key", NULL}}},
    {"bad selection", "{\"auth\": {\"selection\": \"oauth\"}}", 0, 1,
     {{"auth.selection", "one of \"api_key\", \"keypair\", \"none\"", "\"oauth\""}}},
    {"missing selection uses default", "{\"auth\": {\"api_key\": \"sk_live_SECRET_1\"}}", 0, 0, {{0}}, 0, {{0}},
     {{"auth.selection", "\"api_key\""}}},
    {"unknown key in option object", "{\"auth\": {\"selection\": \"api_key\", \"api_key\": \"sk_live_SECRET_1\", \"apikey\": \"x\"}}",
     0, 1, {{"auth.apikey", "did you mean \"api_key\"", "an unknown key"}}},

    /* ---- switch groups ---- */
    {"group on needs its fields", "{\"webhook\": {\"enabled\": true}}", 0, 1,
     {{"webhook.signing_secret", "(required)", "nothing"}}},
    {"group shorthand true", "{\"webhook\": true}", 0, 1, {{"webhook.signing_secret", "(required)", "nothing"}}},
    {"group on with fields", "{\"webhook\": {\"enabled\": true, \"signing_secret\": \"pw_SECRET_2\"}}", 0, 0, {{0}}, 0,
     {{0}}, {{"webhook.enabled", "true"}, {"webhook.signing_secret", "\"pw_SECRET_2\""}, {"webhook.endpoint", NULL}}},
    {"group off ignores fields", "{\"webhook\": {\"enabled\": false, \"signing_secret\": \"pw_SECRET_2\"}}", 0, 0, {{0}}, 1,
     {{"webhook.signing_secret", "\"enabled\": true", "ignored"}}, {{"webhook", "{\"enabled\": false}"}}},
    {"group default on", "{\"advanced\": {\"page_size\": \"250\"}}", 0, 0, {{0}}, 0, {{0}},
     {{"advanced", "{\"enabled\": true, \"page_size\": 250}"}}},
    {"group enabled not bool", "{\"webhook\": {\"enabled\": \"yes\"}}", 0, 1, {{"webhook.enabled", "true or false", "\"yes\""}}},
    {"group wrong type", "{\"webhook\": \"on\"}", 0, 1, {{"webhook", "true, false, or an object", "\"on\""}}},
    {"group sub-field error path", "{\"webhook\": {\"enabled\": true, \"signing_secret\": \"pw_SECRET_2\", \"endpoint\": \"nope\"}}",
     0, 1, {{"webhook.endpoint", "http or https URL", "\"nope\""}}},
    {"group unknown key", "{\"webhook\": {\"enabled\": false, \"colour\": 1}}", 0, 1, {{"webhook.colour", "enabled", "an unknown key"}}},

    /* ---- OAuth ---- */
    {"oauth shorthand token", "{\"integration\": \"tok_SECRET_3\"}", 0, 0, {{0}}, 0, {{0}},
     {{"integration", "{\"access_token\": \"tok_SECRET_3\"}"}}},
    {"oauth object", "{\"integration\": {\"access_token\": \"tok_SECRET_3\", \"refresh_token\": \"refresh_SECRET_4\", \"scope\": \"repo read:org\", \"expires_at\": 1700000000}}",
     0, 0, {{0}}, 0, {{0}}, {{"integration.refresh_token", "\"refresh_SECRET_4\""}, {"integration.expires_at", "1700000000"}}},
    {"oauth missing scope warns", "{\"integration\": {\"access_token\": \"tok_SECRET_3\", \"scope\": \"repo\"}}", 0, 0,
     {{0}}, 1, {{"integration.scope", "\"repo read:org\"", "without \"read:org\""}}},
    {"oauth missing access token", "{\"integration\": {\"refresh_token\": \"refresh_SECRET_4\"}}", 0, 1,
     {{"integration.access_token", "(required)", "nothing"}}},
    {"oauth wrong type", "{\"integration\": 12}", 0, 1, {{"integration", "an OAuth token", "a number"}}},
    {"oauth token wrong type", "{\"integration\": {\"access_token\": 123456}}", 0, 1,
     {{"integration.access_token", "a string", "a number"}}},
    {"oauth unknown key", "{\"integration\": {\"access_token\": \"tok_SECRET_3\", \"acess\": 1}}", 0, 1,
     {{"integration.acess", "known keys", "an unknown key"}}},

    /* ---- OAuth account select ---- */
    {"oauth account", "{\"integration\": \"tok_SECRET_3\", \"account\": \"acct_1\"}", 0, 0, {{0}}, 0, {{0}},
     {{"account", "\"acct_1\""}}},
    {"oauth account without integration", "{\"account\": \"acct_1\"}", 0, 1,
     {{"account", "the OAuth field \"integration\"", "without an integration"}}},
    {"oauth account wrong type", "{\"integration\": \"tok_SECRET_3\", \"account\": 5}", 0, 1,
     {{"account", "an account id", "the number 5"}}},

    /* ---- file uploads ---- */
    {"file upload object", "{\"key_file\": {\"project_id\": \"p1\", \"private_key\": \"SECRET_KEY_5\"}}", 0, 0, {{0}}, 0,
     {{0}}, {{"key_file.project_id", "\"p1\""}}},
    {"file upload as JSON text", "{\"key_file\": \"{\\\"project_id\\\": \\\"p1\\\"}\"}", 0, 0, {{0}}, 0, {{0}},
     {{"key_file.project_id", "\"p1\""}}},
    {"file upload key not allowed", "{\"key_file\": {\"project_id\": \"p1\", \"type\": \"service_account\"}}", 0, 1,
     {{"key_file.type", "project_id, private_key, client_email", "an unknown key"}}},
    {"file upload not JSON", "{\"key_file\": \"notakey_SECRET_6\"}", 0, 1, {{"key_file", "one JSON object", "not valid JSON"}}},
    {"file upload wrong type", "{\"key_file\": [1]}", 0, 1, {{"key_file", "JSON object", "an array of 1 item"}}},
    {"file upload any keys", "{\"any_file\": {\"anything\": {\"nested\": true}}}", 0, 0, {{0}}, 0, {{0}},
     {{"any_file.anything.nested", "true"}}},
    /* An uploaded JSON file's own "$" keys are content, not a secret reference. */
    {"file upload with $ keys", "{\"any_file\": {\"$schema\": \"s\", \"n\": 1}}", 0, 0, {{0}}, 0, {{0}},
     {{"any_file.$schema", "\"s\""}}},
    {"file upload text with a $ key", "{\"any_file\": \"{\\\"$\\\": [2, 2]}\"}", 0, 0, {{0}}, 0, {{0}},
     {{"any_file.$", "[ 2, 2 ]"}}},

    /* ---- SSH tunnel ---- */
    {"ssh password", "{\"ssh_tunnel\": {\"enabled\": true, \"host\": \"bastion.example.com\", \"port\": \"2222\", \"username\": \"etl\", \"auth_type\": \"password\", \"password\": \"pw_SECRET_2\"}}",
     0, 0, {{0}}, 0, {{0}},
     {{"ssh_tunnel.port", "2222"}, {"ssh_tunnel.password", "\"pw_SECRET_2\""}, {"ssh_tunnel.auth_type", "\"password\""}}},
    {"ssh keypair", "{\"ssh_tunnel\": {\"enabled\": true, \"host\": \"10.0.0.5\", \"username\": \"etl\", \"auth_type\": \"keypair\", \"private_key\": \"-----BEGIN OPENSSH PRIVATE KEY-----\\nSECRET_KEY_5\\n-----END OPENSSH PRIVATE KEY-----\\n\", \"passphrase\": \"pw_SECRET_2\"}}",
     0, 0, {{0}}, 0, {{0}}, {{"ssh_tunnel.port", "22"}, {"ssh_tunnel.passphrase", "\"pw_SECRET_2\""}}},
    {"ssh port out of range", "{\"ssh_tunnel\": {\"enabled\": true, \"host\": \"b\", \"port\": 70000, \"username\": \"u\", \"auth_type\": \"password\", \"password\": \"pw_SECRET_2\"}}",
     0, 1, {{"ssh_tunnel.port", "1 to 65535", "70000"}}},
    {"ssh port zero", "{\"ssh_tunnel\": {\"enabled\": true, \"host\": \"b\", \"port\": \"0\", \"username\": \"u\", \"auth_type\": \"password\", \"password\": \"pw_SECRET_2\"}}",
     0, 1, {{"ssh_tunnel.port", "1 to 65535", "\"0\""}}},
    {"ssh everything missing", "{\"ssh_tunnel\": {\"enabled\": true}}", 0, 3,
     {{"ssh_tunnel.auth_type", "\"password\", \"keypair\"", "nothing"},
      {"ssh_tunnel.host", "(required)", "nothing"},
      {"ssh_tunnel.username", "(required)", "nothing"}}},
    {"ssh keypair needs key", "{\"ssh_tunnel\": {\"enabled\": true, \"host\": \"b\", \"username\": \"u\", \"auth_type\": \"keypair\", \"password\": \"pw_SECRET_2\"}}",
     0, 1, {{"ssh_tunnel.private_key", "(required)", "nothing"}}, 1, {{"ssh_tunnel.password", "auth_type \"keypair\"", "ignored"}}},
    {"ssh key not PEM", "{\"ssh_tunnel\": {\"enabled\": true, \"host\": \"b\", \"username\": \"u\", \"auth_type\": \"keypair\", \"private_key\": \"notakey_SECRET_6\"}}",
     0, 1, {{"ssh_tunnel.private_key", "PEM or OpenSSH", "a string of 16 characters"}}},
    {"ssh bad auth type", "{\"ssh_tunnel\": {\"enabled\": true, \"host\": \"b\", \"username\": \"u\", \"auth_type\": \"kerberos\"}}",
     0, 1, {{"ssh_tunnel.auth_type", "\"password\", \"keypair\"", "\"kerberos\""}}},
    {"ssh bad host", "{\"ssh_tunnel\": {\"enabled\": true, \"host\": \"ssh://b/x\", \"username\": \"u\", \"auth_type\": \"password\", \"password\": \"pw_SECRET_2\"}}",
     0, 1, {{"ssh_tunnel.host", "a host name", "ssh://b/x"}}},
    {"ssh disabled ignores settings", "{\"ssh_tunnel\": {\"host\": \"b\"}}", 0, 0, {{0}}, 1,
     {{"ssh_tunnel.host", "\"enabled\": true", "ignored"}}, {{"ssh_tunnel", "{\"enabled\": false}"}}},
    {"ssh wrong type", "{\"ssh_tunnel\": \"b:22\"}", 0, 1, {{"ssh_tunnel", "an SSH tunnel object", "\"b:22\""}}},
    {"ssh password wrong type", "{\"ssh_tunnel\": {\"enabled\": true, \"host\": \"b\", \"username\": \"u\", \"auth_type\": \"password\", \"password\": 12345678}}",
     0, 1, {{"ssh_tunnel.password", "a string", "a number"}}},

    /* ---- unknown keys and many errors at once ---- */
    {"unknown top-level key with suggestion", "{\"hots\": \"x\"}", 0, 1,
     {{"hots", "did you mean \"host\"", "an unknown key"}}},
    {"unknown key far from any", "{\"zzzzzzzz\": \"sk_live_SECRET_1\"}", 0, 1, {{"zzzzzzzz", "known keys (host, port", "an unknown key"}}},
    {"all errors at once",
     "{\"host\": 1, \"port\": \"x\", \"email\": \"no\", \"lookback\": \"9\", \"tables\": \"users\", \"ssh_tunnel\": {\"enabled\": true, \"port\": 0}, \"bogus\": 1}",
     0, 10,
     {{"host", "a string", "the number 1"},
      {"port", "whole number", "\"x\""},
      {"email", "email", "\"no\""},
      {"lookback", "one of", "\"9\""},
      {"tables", "an array", "\"users\""},
      {"ssh_tunnel.auth_type", "required", "nothing"},
      {"ssh_tunnel.host", "required", "nothing"},
      {"ssh_tunnel.port", "1 to 65535", "0"},
      {"ssh_tunnel.username", "required", "nothing"},
      {"bogus", "known keys", "an unknown key"}}},
};

static int has(const char *hay, const char *needle) { return !needle || (hay && strstr(hay, needle)); }

static void check_issues(const char *casename, const char *kind, const dwhi_config_issue *got, size_t n_got,
                         const issue_exp *want, int n_want) {
    if ((int)n_got != n_want) {
        for (size_t i = 0; i < n_got; i++)
            print_message("[%s] %s %zu: at %s: expected %s, got %s\n", casename, kind, i, got[i].path,
                          got[i].expected, got[i].got);
        fail_msg("[%s] expected %d %s, got %zu", casename, n_want, kind, n_got);
    }
    for (int w = 0; w < n_want; w++) {
        int found = 0;
        for (size_t i = 0; i < n_got && !found; i++)
            found = !strcmp(got[i].path, want[w].path) && has(got[i].expected, want[w].expected_has) &&
                    has(got[i].got, want[w].got_has);
        if (!found) {
            for (size_t i = 0; i < n_got; i++)
                print_message("[%s] %s: at %s: expected %s, got %s\n", casename, kind, got[i].path, got[i].expected,
                              got[i].got);
            fail_msg("[%s] no %s at %s with expected~\"%s\" got~\"%s\"", casename, kind, want[w].path,
                     want[w].expected_has, want[w].got_has);
        }
    }
    /* never a secret's value, whatever the case */
    for (size_t i = 0; i < n_got; i++)
        for (const char *const *s = SECRETS; *s; s++) {
            if (strstr(got[i].got, *s) || strstr(got[i].expected, *s) || strstr(got[i].path, *s))
                fail_msg("[%s] %s at %s reveals the secret %s", casename, kind, got[i].path, *s);
        }
}

static void run_case(const vcase *c) {
    json_object *config = c->no_base ? json_tokener_parse(c->config) : tu_merge(BASE, c->config);
    if (!c->no_base) assert_non_null(config);
    dwhi_config_report rep;
    dwhi_config_report_init(&rep);
    json_object *out = NULL;
    int rc = dwhi_config_validate(fx_fields, FX_N_FIELDS, config, NULL, &out, &rep);
    check_issues(c->name, "errors", rep.errors, rep.n_errors, c->errors, c->n_errors);
    check_issues(c->name, "warnings", rep.warnings, rep.n_warnings, c->warnings, c->n_warnings);
    if (c->n_errors) {
        assert_int_equal(rc, -1);
        assert_null(out);
    } else {
        if (rc != 0) fail_msg("[%s] validation failed without errors", c->name);
        assert_non_null(out);
        for (const value_exp *v = c->values; v->path; v++) {
            json_object *got = tu_lookup(out, v->path);
            if (!v->json) {
                if (got) fail_msg("[%s] %s should be absent, is %s", c->name, v->path, json_object_to_json_string(got));
                continue;
            }
            json_object *want = json_tokener_parse(v->json);
            if (!json_object_equal(got, want))
                fail_msg("[%s] %s: want %s, got %s", c->name, v->path, v->json, got ? json_object_to_json_string(got) : "(absent)");
            json_object_put(want);
        }
    }
    json_object_put(out);
    json_object_put(config);
    dwhi_config_report_clear(&rep);
}

static void test_table(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(&cases[i]);
}

/* A string past DWHI_CONFIG_STRING_MAX is refused by its length (never
 * shown), a huge key is quoted in a bounded excerpt, and a string of
 * exactly the limit passes. */
static void test_long_strings(void **state) {
    (void)state;
    size_t n = DWHI_CONFIG_STRING_MAX + 1;
    char *big = malloc(n + 1);
    memset(big, 'k', n);
    big[n] = 0;
    json_object *config = json_tokener_parse(BASE);
    json_object *auth = NULL;
    json_object_object_get_ex(config, "auth", &auth);
    json_object_object_add(auth, "api_key", json_object_new_string(big));
    json_object_object_add(config, big, json_object_new_int(1)); /* a 64 KiB unknown key */
    dwhi_config_report rep;
    dwhi_config_report_init(&rep);
    json_object *out = NULL;
    assert_int_equal(dwhi_config_validate(fx_fields, FX_N_FIELDS, config, NULL, &out, &rep), -1);
    assert_int_equal(rep.n_errors, 2);
    char want_got[64];
    snprintf(want_got, sizeof want_got, "a string of %zu bytes", n);
    int saw_secret = 0, saw_key = 0;
    for (size_t i = 0; i < rep.n_errors; i++) {
        char *line = dwhi_config_issue_line(&rep.errors[i], 0);
        if (strlen(line) >= 400) fail_msg("%zu bytes: %s", strlen(line), line);
        free(line);
        if (!strcmp(rep.errors[i].path, "auth.api_key")) {
            assert_string_equal(rep.errors[i].expected, "a string of at most 65536 bytes");
            assert_string_equal(rep.errors[i].got, want_got);
            saw_secret = 1;
        } else {
            char key_path[128];
            snprintf(key_path, sizeof key_path, "%.64s... (%zu bytes)", big, n);
            assert_string_equal(rep.errors[i].path, key_path);
            saw_key = 1;
        }
    }
    assert_true(saw_secret && saw_key);
    dwhi_config_report_clear(&rep);
    json_object_put(config);

    /* exactly the limit: fine */
    big[n - 1] = 0;
    config = json_tokener_parse(BASE);
    json_object_object_get_ex(config, "auth", &auth);
    json_object_object_add(auth, "api_key", json_object_new_string(big));
    dwhi_config_report_init(&rep);
    assert_int_equal(dwhi_config_validate(fx_fields, FX_N_FIELDS, config, NULL, &out, &rep), 0);
    json_object_put(out);
    dwhi_config_report_clear(&rep);
    json_object_put(config);
    free(big);
}

/* The validated config holds nothing the form does not declare. */
static void test_validated_has_only_declared_keys(void **state) {
    (void)state;
    json_object *config = tu_merge(BASE, "{\"webhook\": {\"enabled\": false, \"signing_secret\": \"pw_SECRET_2\"}}");
    dwhi_config_report rep;
    dwhi_config_report_init(&rep);
    json_object *out = NULL;
    assert_int_equal(dwhi_config_validate(fx_fields, FX_N_FIELDS, config, NULL, &out, &rep), 0);
    const char *text = json_object_to_json_string(out);
    assert_null(strstr(text, "pw_SECRET_2"));
    json_object_object_foreach(out, key, val) {
        (void)val;
        int declared = 0;
        for (uint32_t i = 0; i < FX_N_FIELDS; i++) declared |= !strcmp(fx_fields[i].name, key);
        if (!declared) fail_msg("undeclared key %s in the validated config", key);
    }
    json_object_put(out);
    json_object_put(config);
    dwhi_config_report_clear(&rep);
}

/* The CLI line format and the JSON form of the report. */
static void test_report_format(void **state) {
    (void)state;
    json_object *config = json_tokener_parse("{\"host\": 1, \"auth\": \"keypair\"}");
    dwhi_config_report rep;
    dwhi_config_report_init(&rep);
    json_object *out = NULL;
    assert_int_equal(dwhi_config_validate(fx_fields, FX_N_FIELDS, config, NULL, &out, &rep), -1);
    char *line = dwhi_config_issue_line(&rep.errors[0], 0);
    assert_string_equal(line, "config error at host: expected a string, got the number 1");
    free(line);

    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    dwhi_config_report_print(&rep, mem, NULL);
    fclose(mem);
    assert_non_null(strstr(buf, "dwhost: config error at host: expected a string, got the number 1\n"));
    assert_non_null(strstr(buf, "dwhost: config error at auth.user: expected a string (required), got nothing\n"));
    assert_non_null(strstr(buf, "dwhost: config error at auth.private_key: "));
    free(buf);

    json_object *j = dwhi_config_report_to_json(&rep, NULL);
    json_object *errs = json_object_object_get(j, "errors");
    assert_int_equal(json_object_array_length(errs), 3);
    json_object *e0 = json_object_array_get_idx(errs, 0);
    assert_string_equal(json_object_get_string(json_object_object_get(e0, "path")), "host");
    assert_string_equal(json_object_get_string(json_object_object_get(e0, "expected")), "a string");
    assert_string_equal(json_object_get_string(json_object_object_get(e0, "got")), "the number 1");
    assert_non_null(json_object_object_get(e0, "message"));
    assert_int_equal(json_object_array_length(json_object_object_get(j, "warnings")), 0);
    json_object_put(j);
    json_object_put(config);
    dwhi_config_report_clear(&rep);
}

/* The printed report is scrubbed of known secrets even when a value ended
 * up in a non-secret field's message. */
static void test_report_scrubbed(void **state) {
    (void)state;
    dwhi_config_report rep;
    dwhi_config_report_init(&rep);
    dwhi_config_report_error(&rep, "email", "an email address", "the string \"hunter2hunter2\"");
    dwhi_secrets *s = dwhi_secrets_new();
    dwhi_secrets_add(s, "hunter2hunter2");
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    dwhi_config_report_print(&rep, mem, s);
    fclose(mem);
    assert_null(strstr(buf, "hunter2hunter2"));
    assert_non_null(strstr(buf, "got the string \"***\""));
    free(buf);
    json_object *j = dwhi_config_report_to_json(&rep, s);
    assert_null(strstr(json_object_to_json_string(j), "hunter2hunter2"));
    json_object_put(j);
    dwhi_secrets_free(s);
    dwhi_config_report_clear(&rep);
}

/* The reference's int(): whitespace, sign, single underscores. */
static void test_parse_int_text(void **state) {
    (void)state;
    static const struct {
        const char *in;
        int rc;
        int64_t out;
    } t[] = {
        {"42", 0, 42},
        {"  -7\n", 0, -7},
        {"+5", 0, 5},
        {"1_000_000", 0, 1000000},
        {"9223372036854775807", 0, INT64_MAX},
        {"-9223372036854775808", 0, INT64_MIN},
        {"9223372036854775808", -2, 0},
        {"", -3, 0},
        {"   ", -3, 0},
        {"_1", -1, 0},
        {"1_", -1, 0},
        {"1__0", -1, 0},
        {"0x10", -1, 0},
        {"1.0", -1, 0},
        {"-", -1, 0},
        {"1 2", -1, 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        int64_t v = 0;
        int rc = dwhi_parse_int_text(t[i].in, strlen(t[i].in), &v);
        if (rc != t[i].rc) fail_msg("parse \"%s\": rc %d, want %d", t[i].in, rc, t[i].rc);
        if (rc == 0 && v != t[i].out) fail_msg("parse \"%s\": %lld", t[i].in, (long long)v);
    }
}

/* A form the plugin got wrong (a default that is not an option) is named as
 * the plugin's problem. */
static void test_bad_form_defaults(void **state) {
    (void)state;
    static const dw_select_option opts[] = {{"A", "a", NULL, 0}};
    static const dw_field f[] = {
        {.kind = DW_FIELD_INPUT, .name = "n", .input_type = DW_INPUT_NUMBER, .default_value = "ten"},
        {.kind = DW_FIELD_SELECT, .name = "s", .options = opts, .n_options = 1, .default_value = "b"},
        {.kind = DW_FIELD_SELECT, .name = "c", .options = opts, .n_options = 1, .default_value = "a",
         .converter = DW_CONVERT_STR_TO_INT},
    };
    dwhi_config_report rep;
    dwhi_config_report_init(&rep);
    json_object *out = NULL;
    assert_int_equal(dwhi_config_validate(f, 3, NULL, NULL, &out, &rep), -1);
    assert_int_equal(rep.n_errors, 3);
    assert_non_null(strstr(rep.errors[0].got, "plugin's author"));
    assert_string_equal(rep.errors[1].path, "s");
    assert_non_null(strstr(rep.errors[2].got, "plugin's author"));
    dwhi_config_report_clear(&rep);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_validated_has_only_declared_keys),
        cmocka_unit_test(test_long_strings),
        cmocka_unit_test(test_report_format),
        cmocka_unit_test(test_report_scrubbed),
        cmocka_unit_test(test_parse_int_text),
        cmocka_unit_test(test_bad_form_defaults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
