/*
 * test_stripe_webhook.c -- the Stripe plugin's webhook side, through the
 * real registry, operation context and function table: the resource map
 * in its descriptor, and webhook_transform turning Stripe events (built
 * from Stripe's published example objects) into rows of the right schema.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "core/ctx.h"
#include "ops/ops.h"
#include "registry/registry.h"

static dwhi_registry *reg;
static dwh_plugin *stripe;
static json_object *fixtures; /* {"resources": {"customer": {...}, ...}} */

typedef struct rows {
    json_object *list;
} rows;

static dw_status take_row(void *ud, dw_ctx *ctx, json_object *row) {
    (void)ctx;
    json_object_array_add(((rows *)ud)->list, json_object_get(row));
    return DW_OK;
}

static json_object *fixture(const char *kind) {
    json_object *res = NULL, *o = NULL;
    assert_true(json_object_object_get_ex(fixtures, "resources", &res));
    assert_true(json_object_object_get_ex(res, kind, &o));
    return o;
}

/* An event of `type` carrying the example object of `kind`, as text. */
static char *event(const char *type, const char *kind) {
    json_object *ev = json_object_new_object();
    json_object_object_add(ev, "id", json_object_new_string("evt_test_0001"));
    json_object_object_add(ev, "object", json_object_new_string("event"));
    json_object_object_add(ev, "type", json_object_new_string(type));
    json_object_object_add(ev, "created", json_object_new_int64(1700000000));
    json_object *data = json_object_new_object();
    json_object_object_add(data, "object", json_object_get(fixture(kind)));
    json_object_object_add(ev, "data", data);
    char *text = strdup(json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN));
    json_object_put(ev);
    return text;
}

/* Runs webhook_transform for `schema`; returns the status, rows in *out. */
static dw_status transform(const char *schema, const char *payload, json_object **out, char **error) {
    dw_ctx ctx;
    assert_int_equal(dwhi_ctx_init(&ctx, stripe, NULL, NULL), DW_OK);
    assert_int_equal(dwhi_ctx_set_identity(&ctx, "t", "stripe", NULL, schema, "job"), DW_OK);
    rows r = {json_object_new_array()};
    dwhi_row_sink sink = {.ud = &r, .row = take_row};
    ctx.sink = &sink;
    dw_status st = dwh_plugin_source(stripe)->webhook_transform(&ctx, schema, payload, strlen(payload));
    if (error) *error = ctx.error ? strdup(ctx.error) : NULL;
    dwhi_ctx_cleanup(&ctx);
    *out = r.list;
    return st;
}

static void expect_rows(const char *schema, const char *type, const char *kind, size_t n) {
    char *payload = event(type, kind);
    json_object *got = NULL;
    assert_int_equal(transform(schema, payload, &got, NULL), DW_OK);
    if (json_object_array_length(got) != n)
        fail_msg("%s <- %s (%s): %zu rows, want %zu", schema, type, kind, json_object_array_length(got), n);
    if (n == 1) /* the row is data.object, unchanged */
        assert_true(json_object_equal(json_object_array_get_idx(got, 0), fixture(kind)));
    json_object_put(got);
    free(payload);
}

static void test_events_become_rows_of_their_schema(void **state) {
    (void)state;
    expect_rows("customers", "customer.created", "customer", 1);
    expect_rows("customers", "customer.updated", "customer", 1);
    expect_rows("charges", "charge.succeeded", "charge", 1);
    expect_rows("invoices", "invoice.paid", "invoice", 1);
    expect_rows("subscriptions", "customer.subscription.updated", "subscription", 1);
    expect_rows("disputes", "charge.dispute.created", "dispute", 1);
    expect_rows("refunds", "charge.refund.updated", "refund", 1);
    expect_rows("refunds", "refund.created", "refund", 1);
    expect_rows("prices", "price.updated", "price", 1);
    expect_rows("products", "product.created", "product", 1);
    expect_rows("payouts", "payout.paid", "payout", 1);
}

static void test_events_of_other_objects_give_no_row(void **state) {
    (void)state;
    /* customer.* matches the type, but the object is a subscription. */
    expect_rows("customers", "customer.subscription.updated", "subscription", 0);
    /* charge.* matches, but a dispute is not a charge. */
    expect_rows("charges", "charge.dispute.created", "dispute", 0);
    expect_rows("invoices", "customer.created", "customer", 0);
    /* balance transactions have no events at all. */
    expect_rows("balance_transactions", "balance.available", "balance_transaction", 0);
}

static void test_bad_payloads_fail_clearly(void **state) {
    (void)state;
    const char *bad[] = {"not json", "{}", "{\"object\":\"event\",\"type\":\"customer.created\"}",
                         "{\"object\":\"customer\",\"id\":\"cus_1\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_object *got = NULL;
        char *err = NULL;
        assert_int_equal(transform("customers", bad[i], &got, &err), DW_ERR_BAD_DATA);
        assert_int_equal(json_object_array_length(got), 0);
        assert_non_null(err);
        assert_non_null(strstr(err, "not a Stripe event"));
        free(err);
        json_object_put(got);
    }
    char *payload = event("customer.created", "customer");
    json_object *got = NULL;
    assert_int_equal(transform("nosuch", payload, &got, NULL), DW_ERR_NOT_FOUND);
    json_object_put(got);
    free(payload);
}

static void test_resource_map_matches_schemas(void **state) {
    (void)state;
    const dw_source *src = dwh_plugin_source(stripe);
    assert_true(src->capabilities & DW_CAP_WEBHOOK);
    assert_non_null(src->webhook_transform);
    json_object *schemas = NULL;
    dwhi_op_result r = dwhi_op_list_schemas(stripe, NULL, NULL, NULL, NULL, &schemas);
    assert_int_equal(r.code, DW_OK);
    dwhi_op_result_free(&r);
    size_t n = json_object_array_length(schemas);
    for (uint32_t i = 0; i < src->n_webhook_resources; i++) {
        const char *name = src->webhook_resources[i].schema;
        int found = 0;
        for (size_t k = 0; k < n; k++) {
            json_object *s = json_object_array_get_idx(schemas, k), *v = NULL;
            json_object_object_get_ex(s, "name", &v);
            if (strcmp(json_object_get_string(v), name) != 0) continue;
            found = 1;
            json_object_object_get_ex(s, "supports_webhooks", &v);
            if (!json_object_get_boolean(v)) fail_msg("schema %s is in the webhook map but not supports_webhooks", name);
        }
        if (!found) fail_msg("webhook map names unknown schema %s", name);
    }
    json_object_put(schemas);
}

static int setup(void **state) {
    (void)state;
    reg = dwhi_registry_new();
    const char *dirs[] = {DWHOST_PLUGIN_BUILD_DIR};
    dwhi_registry_scan(reg, dirs, 1);
    stripe = dwhi_registry_find(reg, "stripe");
    if (!stripe) return -1;
    if (dwh_plugin_activate(stripe, NULL) != DW_OK) return -1;
    fixtures = json_object_from_file(DWHOST_SOURCE_DIR "/tests/servers/data/stripe_fixtures.json");
    return fixtures ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    json_object_put(fixtures);
    dwh_plugin_unref(stripe);
    dwhi_registry_free(reg);
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events_become_rows_of_their_schema),
        cmocka_unit_test(test_events_of_other_objects_give_no_row),
        cmocka_unit_test(test_bad_payloads_fail_clearly),
        cmocka_unit_test(test_resource_map_matches_schemas),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
