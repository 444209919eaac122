/* The embedding API's webhook functions (dwhost.h, "webhooks"): push a
 * Stripe event into the inbox of a warehouse and drop it again, and one
 * clear line for each refusal (not JSON, no schema takes it, the plugin
 * rejects it, a source without webhooks, an unknown source, a bad config,
 * no such payload). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <openssl/hmac.h>
#include <sqlite3.h>
#include <time.h>

#include "dwhost.h"

static char dir[64], db[128];
static dwh_host *host;
static const char *config = "{\"stripe_secret_key\": \"sk_test_apiSecret00000000000000009999\"}";

static int setup(void **s) {
    (void)s;
    snprintf(dir, sizeof dir, "/tmp/dwh-webhook-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    snprintf(db, sizeof db, "%s/w.db", dir);
    const char *dirs[] = {DWHOST_PLUGIN_BUILD_DIR};
    dwh_host_options o = {.plugin_dirs = dirs, .n_plugin_dirs = 1, .flags = DWH_HOST_NO_ENV_PATH | DWH_HOST_NO_DEFAULT_DIR};
    host = dwh_host_new(&o);
    return host ? 0 : -1;
}

static int teardown(void **s) {
    (void)s;
    dwh_host_free(host);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

/* Payloads in the inbox of team "t", source id "stripe-prod". */
static long long inbox_count(void) {
    sqlite3 *c;
    if (sqlite3_open(db, &c) != SQLITE_OK) return -1;
    sqlite3_stmt *st;
    long long n = -1;
    if (sqlite3_prepare_v2(c,
                           "SELECT count(*) FROM _dw_webhook_inbox i JOIN _dw_webhook_target t ON t.inbox_id = i.id"
                           " WHERE i.team_id = 't' AND i.source_id = 'stripe-prod' AND t.schema_name = 'customers'",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(c);
    return n;
}

static const char *customer_event =
    "{\"object\": \"event\", \"type\": \"customer.updated\", \"data\": {\"object\": "
    "{\"id\": \"cus_QXg1o8vcGmoR32\", \"object\": \"customer\", \"created\": 1234567890, \"name\": \"Api\"}}}";

/* dwh_webhook_push and _drop, returning the outcome; the status must
 * agree with it (dwhost.h). */
static dwh_webhook_outcome push_outcome(dwh_host *h, const char *source, const char *cfg,
                                        const dwh_webhook_options *o, const char *payload, size_t len, int64_t *id,
                                        char **err) {
    dwh_webhook_outcome out = DWH_WEBHOOK_FAIL_CONFIG;
    dw_status st = dwh_webhook_push(h, source, cfg, o, payload, len, &out, id, err);
    assert_int_equal(st == DW_OK, out == DWH_WEBHOOK_STORED || out == DWH_WEBHOOK_IGNORED);
    if (out == DWH_WEBHOOK_REFUSED) assert_int_equal(st, DW_ERR_BAD_DATA);
    return out;
}

static dwh_webhook_outcome drop_outcome(dwh_host *h, const char *source, const dwh_webhook_options *o, int64_t id,
                                        char **err) {
    dwh_webhook_outcome out = DWH_WEBHOOK_FAIL_CONFIG;
    dw_status st = dwh_webhook_drop(h, source, o, id, &out, err);
    assert_int_equal(st == DW_OK, out == DWH_WEBHOOK_DROPPED);
    if (out == DWH_WEBHOOK_NOT_FOUND) assert_int_equal(st, DW_ERR_NOT_FOUND);
    return out;
}

static void push_and_drop(void **s) {
    (void)s;
    dwh_webhook_options o = {.warehouse_path = db, .team_id = "t", .source_id = "stripe-prod"};
    int64_t id = -1;
    char *err = NULL;
    assert_int_equal(push_outcome(host, "stripe", config, &o, customer_event, strlen(customer_event), &id, &err),
                     DWH_WEBHOOK_STORED);
    assert_null(err);
    assert_true(id > 0);
    assert_int_equal(inbox_count(), 1);
    assert_int_equal(drop_outcome(host, "stripe", &o, id, &err), DWH_WEBHOOK_DROPPED);
    assert_null(err);
    assert_int_equal(inbox_count(), 0);
    assert_int_equal(drop_outcome(host, "stripe", &o, id, &err), DWH_WEBHOOK_NOT_FOUND);
    assert_non_null(strstr(err, "no payload"));
    free(err);
}

/* Each refusal: the outcome, one line naming the problem, nothing stored. */
static void refusals(void **s) {
    (void)s;
    dwh_webhook_options o = {.warehouse_path = db, .team_id = "t", .source_id = "stripe-prod"};
    int64_t id = -1;
    char *err = NULL;
    const char *bad = "{\"object\": \"event\",";
    assert_int_equal(push_outcome(host, "stripe", config, &o, bad, strlen(bad), &id, &err), DWH_WEBHOOK_REFUSED);
    assert_int_equal(id, 0);
    assert_non_null(strstr(err, "not valid JSON"));
    assert_null(strchr(err, '\n'));
    free(err);

    const char *balance = "{\"object\": \"event\", \"type\": \"balance.available\", \"data\": {\"object\": {}}}";
    assert_int_equal(push_outcome(host, "stripe", config, &o, balance, strlen(balance), &id, &err),
                     DWH_WEBHOOK_IGNORED);
    assert_non_null(strstr(err, "balance.available"));
    free(err);

    const char *no_data = "{\"object\": \"event\", \"type\": \"customer.updated\"}";
    assert_int_equal(push_outcome(host, "stripe", config, &o, no_data, strlen(no_data), &id, &err),
                     DWH_WEBHOOK_REFUSED);
    assert_non_null(strstr(err, "not a Stripe event"));
    free(err);

    dwh_webhook_options small = o;
    small.max_bytes = 16;
    assert_int_equal(push_outcome(host, "stripe", config, &small, customer_event, strlen(customer_event), &id, &err),
                     DWH_WEBHOOK_REFUSED);
    assert_non_null(strstr(err, "limit of 16 bytes"));
    free(err);

    assert_int_equal(push_outcome(host, "files", "{}", &o, customer_event, strlen(customer_event), &id, &err),
                     DWH_WEBHOOK_UNSUPPORTED);
    assert_non_null(strstr(err, "does not take webhooks"));
    free(err);

    assert_int_equal(push_outcome(host, "nope", config, &o, customer_event, strlen(customer_event), &id, &err),
                     DWH_WEBHOOK_FAIL_PLUGIN);
    free(err);

    assert_int_equal(push_outcome(host, "stripe", "{\"stripe_secret_key\": 5}", &o, customer_event,
                                      strlen(customer_event), &id, &err),
                     DWH_WEBHOOK_FAIL_CONFIG);
    assert_non_null(err);
    free(err);
    /* a member a newer dwhost.h would have, set: refused, not ignored */
    struct {
        dwh_webhook_options o;
        int newer;
    } longer = {o, 1};
    dwh_webhook_outcome out = DWH_WEBHOOK_STORED;
    assert_int_equal(dwh_webhook_push_sized(host, "stripe", config, &longer.o, sizeof longer, customer_event,
                                            strlen(customer_event), &out, &id, &err),
                     DW_ERR_CONFIG);
    assert_int_equal(out, DWH_WEBHOOK_FAIL_CONFIG);
    assert_non_null(strstr(err, "dwh_webhook_options"));
    free(err);
    assert_int_equal(inbox_count(), 0);
    assert_string_equal(dwh_webhook_outcome_name(DWH_WEBHOOK_IGNORED), "ignored");
}

/* "Stripe-Signature: t=T,v1=HEX" for `payload` signed with `key` at `t`
 * (one-shot HMAC(), not the EVP_MAC path of the code under test). */
static void stripe_header(char *out, size_t cap, const char *key, long long t, const char *payload) {
    char signed_text[2048];
    snprintf(signed_text, sizeof signed_text, "%lld.%s", t, payload);
    unsigned char mac[32];
    unsigned int n = 0;
    HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)signed_text, strlen(signed_text), mac, &n);
    int k = snprintf(out, cap, "Stripe-Signature: t=%lld,v1=", t);
    for (unsigned i = 0; i < n; i++) k += snprintf(out + k, cap - (size_t)k, "%02x", mac[i]);
}

/* opts.signature_header: a payload is stored only when its signature
 * verifies with the config's signing secret; every refusal is
 * DWH_WEBHOOK_BAD_SIGNATURE (DW_ERR_AUTH) and stores nothing. */
static void signed_push(void **s) {
    (void)s;
    const char *cfg = "{\"stripe_secret_key\": \"sk_test_apiSecret00000000000000009999\", "
                      "\"webhook_signing_secret\": \"whsec_api_test_0001\"}";
    dwh_webhook_options o = {.warehouse_path = db, .team_id = "t", .source_id = "stripe-prod"};
    char header[256];
    int64_t id = -1;
    char *err = NULL;
    long long now = (long long)time(NULL);
    struct {
        const char *key;
        long long t;
        const char *header; /* instead of a computed one */
        const char *want;
    } bad[] = {
        {"whsec_wrong", now, NULL, "matches"},
        {"whsec_api_test_0001", now - 301, NULL, "before now"},
        {"whsec_api_test_0001", now + 400, NULL, "after now"},
        {NULL, 0, "", "has no Stripe-Signature header"},
        {NULL, 0, "Stripe-Signature: v1=00", "no timestamp"},
        {NULL, 0, "X-Hub-Signature-256: sha256=00", "not X-Hub-Signature-256"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (bad[i].header)
            snprintf(header, sizeof header, "%s", bad[i].header);
        else
            stripe_header(header, sizeof header, bad[i].key, bad[i].t, customer_event);
        o.signature_header = header;
        dwh_webhook_outcome out = DWH_WEBHOOK_STORED;
        assert_int_equal(dwh_webhook_push(host, "stripe", cfg, &o, customer_event, strlen(customer_event), &out, &id,
                                          &err),
                         DW_ERR_AUTH);
        assert_int_equal(out, DWH_WEBHOOK_BAD_SIGNATURE);
        if (!strstr(err, bad[i].want)) fail_msg("case %zu: '%s' not in: %s", i, bad[i].want, err);
        assert_null(strstr(err, "whsec_api_test_0001"));
        free(err);
        assert_int_equal(inbox_count(), 0);
    }
    /* no secret in the config: a config problem, nothing stored */
    stripe_header(header, sizeof header, "whsec_api_test_0001", now, customer_event);
    o.signature_header = header;
    assert_int_equal(push_outcome(host, "stripe", config, &o, customer_event, strlen(customer_event), &id, &err),
                     DWH_WEBHOOK_FAIL_CONFIG);
    assert_non_null(strstr(err, "webhook_signing_secret"));
    free(err);
    assert_int_equal(inbox_count(), 0);
    /* signed right: stored */
    assert_int_equal(push_outcome(host, "stripe", cfg, &o, customer_event, strlen(customer_event), &id, &err),
                     DWH_WEBHOOK_STORED);
    assert_null(err);
    assert_int_equal(inbox_count(), 1);
    assert_int_equal(drop_outcome(host, "stripe", &o, id, &err), DWH_WEBHOOK_DROPPED);
    assert_string_equal(dwh_webhook_outcome_name(DWH_WEBHOOK_BAD_SIGNATURE), "bad_signature");
}


/* The document of a *_plugin call: parsed, with its "outcome" checked. */
static json_object *doc_of(char *text, const char *outcome) {
    assert_non_null(text);
    json_object *d = json_tokener_parse(text);
    assert_non_null(d);
    assert_string_equal(json_object_get_string(json_object_object_get(d, "outcome")), outcome);
    free(text);
    return d;
}

/* The plugin-reference functions (what `dwhost webhook` calls): whether a
 * source takes webhooks, a push with its config's references relative to
 * base_dir and the whole result as a document, a drop, and refusals. */
static void plugin_functions(void **s) {
    (void)s;
    dwh_plugin *stripe = dwh_host_find(host, "stripe"), *files = dwh_host_find(host, "files");
    assert_non_null(stripe);
    assert_non_null(files);
    char *err = NULL, *doc = NULL;
    assert_int_equal(dwh_webhook_supported(stripe, &err), DW_OK);
    assert_null(err);
    assert_int_equal(dwh_webhook_supported(files, &err), DW_ERR_UNSUPPORTED);
    assert_non_null(strstr(err, "source 'files' does not take webhooks"));
    free(err);
    assert_int_equal(dwh_webhook_supported(NULL, &err), DW_ERR_NOT_FOUND);
    free(err);

    /* the secret key in a file next to nothing the working directory knows */
    char key[160];
    snprintf(key, sizeof key, "%s/key.txt", dir);
    FILE *f = fopen(key, "w");
    fputs("sk_test_apiSecret00000000000000009999", f);
    fclose(f);
    const char *cfg = "{\"stripe_secret_key\": {\"$file\": \"key.txt\"}}";
    dwh_webhook_options o = {.warehouse_path = db, .team_id = "t", .source_id = "stripe-prod"};
    dwh_webhook_outcome out = DWH_WEBHOOK_FAIL_CONFIG;
    assert_int_equal(dwh_webhook_push_plugin(stripe, cfg, NULL, &o, customer_event, strlen(customer_event), &out,
                                             &doc, &err),
                     DW_ERR_CONFIG); /* relative to the working directory: no such file */
    assert_int_equal(out, DWH_WEBHOOK_FAIL_CONFIG);
    json_object_put(doc_of(doc, "config"));
    assert_non_null(strstr(err, "stripe_secret_key"));
    free(err);
    assert_int_equal(dwh_webhook_push_plugin(stripe, cfg, dir, &o, customer_event, strlen(customer_event), &out,
                                             &doc, &err),
                     DW_OK);
    assert_int_equal(out, DWH_WEBHOOK_STORED);
    assert_null(err);
    assert_null(strstr(doc, "sk_test_apiSecret"));
    json_object *d = doc_of(doc, "stored");
    int64_t id = json_object_get_int64(json_object_object_get(d, "inbox_id"));
    assert_true(id > 0);
    json_object *schemas = json_object_object_get(d, "schemas");
    assert_int_equal(json_object_array_length(schemas), 1);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(schemas, 0)), "customers");
    assert_string_equal(json_object_get_string(json_object_object_get(d, "team_id")), "t");
    assert_string_equal(json_object_get_string(json_object_object_get(d, "source_id")), "stripe-prod");
    assert_string_equal(json_object_get_string(json_object_object_get(d, "event_type")), "customer.updated");
    assert_string_equal(json_object_get_string(json_object_object_get(d, "source")), "stripe");
    assert_null(json_object_object_get(d, "message"));
    json_object_put(d);
    assert_int_equal(inbox_count(), 1);

    /* a source without webhooks is named as such before config or payload are looked at */
    assert_int_equal(dwh_webhook_push_plugin(files, NULL, NULL, &o, NULL, 0, &out, &doc, &err), DW_ERR_UNSUPPORTED);
    assert_int_equal(out, DWH_WEBHOOK_UNSUPPORTED);
    json_object_put(doc_of(doc, "unsupported"));
    assert_non_null(strstr(err, "does not take webhooks"));
    free(err);

    assert_int_equal(dwh_webhook_drop_plugin(stripe, &o, id, &out, &doc, &err), DW_OK);
    assert_int_equal(out, DWH_WEBHOOK_DROPPED);
    assert_null(err);
    d = doc_of(doc, "dropped");
    assert_int_equal(json_object_get_int64(json_object_object_get(d, "inbox_id")), id);
    json_object_put(d);
    assert_int_equal(inbox_count(), 0);
    assert_int_equal(dwh_webhook_drop_plugin(stripe, &o, id, &out, &doc, &err), DW_ERR_NOT_FOUND);
    json_object_put(doc_of(doc, "not_found"));
    assert_non_null(strstr(err, "no payload"));
    free(err);

    assert_int_equal(dwh_webhook_push_plugin(NULL, config, NULL, &o, customer_event, strlen(customer_event), &out,
                                             &doc, &err),
                     DW_ERR_NOT_FOUND);
    assert_int_equal(out, DWH_WEBHOOK_FAIL_PLUGIN);
    json_object_put(doc_of(doc, "plugin"));
    free(err);
    struct {
        dwh_webhook_options o;
        int newer;
    } longer = {o, 1};
    assert_int_equal(dwh_webhook_drop_plugin_sized(stripe, &longer.o, sizeof longer, 1, &out, &doc, &err),
                     DW_ERR_CONFIG);
    json_object_put(doc_of(doc, "config"));
    assert_non_null(strstr(err, "dwh_webhook_options"));
    free(err);
    unlink(key);
    dwh_plugin_unref(stripe);
    dwh_plugin_unref(files);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(push_and_drop),
        cmocka_unit_test(refusals),
        cmocka_unit_test(signed_push),
        cmocka_unit_test(plugin_functions),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
