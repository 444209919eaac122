/*
 * settings.c -- the Stripe endpoint catalog and webhook resource map.
 * Every list endpoint here is cursor paginated (limit, starting_after,
 * has_more), returns newest first, and accepts the `created` range filter
 * (created[gte], created[lt], ...).  See api_inventory.md for the sources.
 */
#include <string.h>

#include "stripe.h"

static const dw_paginator cursor = {
    .struct_size = sizeof(dw_paginator),
    .kind = DW_PAGINATE_CURSOR,
    .cursor_param = "starting_after",
    .cursor_row_field = "id",
    .has_more_path = "has_more",
};

static const dw_incremental_field created_field[] = {
    {"created", "created", DW_TYPE_TIMESTAMP},
};
static const dw_incremental_param created_param[] = {
    {"created", "created[gte]", "unix"},
};
static const char *const pk_id[] = {"id", NULL};
static const char *const part_created[] = {"created", NULL};

/* Subscriptions default to "all but canceled". */
static const char *const subs_params[] = {"status", "all", NULL};
static const char *const price_params[] = {"expand[]", "data.tiers", NULL};

#define ST_EP(nm, lbl, pth, desc, webhooks)                                                          \
    .struct_size = sizeof(dw_endpoint), .name = nm, .label = lbl, .description = desc, .path = pth, \
    .data_selector = "data", .primary_keys = pk_id, .incremental_fields = created_field,             \
    .n_incremental_fields = 1, .incremental_params = created_param, .n_incremental_params = 1,      \
    .sort_mode = DW_SORT_DESC, .partition_mode = DW_PARTITION_DATETIME,                             \
    .partition_format = DW_PARTITION_BY_MONTH, .partition_keys = part_created,                      \
    .page_size_param = "limit", .page_size = ST_MAX_LIMIT, .paginator = &cursor,                    \
    .supports_webhooks = webhooks, .should_sync_default = 1

const st_endpoint st_endpoints[] = {
    {{ST_EP("balance_transactions", "Balance transactions", "/v1/balance_transactions",
            "Every movement of funds in the balance.", 0)},
     "balance_transaction", "rak_balance_transaction_source_read"},
    {{ST_EP("charges", "Charges", "/v1/charges", "Charges (payments) on cards and other methods.", 1)},
     "charge", "rak_charge_read"},
    {{ST_EP("customers", "Customers", "/v1/customers", "Customers.", 1)}, "customer", "rak_customer_read"},
    {{ST_EP("disputes", "Disputes", "/v1/disputes", "Disputes raised against charges.", 1)},
     "dispute", "rak_dispute_read"},
    {{ST_EP("invoices", "Invoices", "/v1/invoices", "Invoices, with their first page of lines.", 1)},
     "invoice", "rak_invoice_read"},
    {{ST_EP("payouts", "Payouts", "/v1/payouts", "Payouts to bank accounts and cards.", 1)},
     "payout", "rak_payout_read"},
    {{ST_EP("prices", "Prices", "/v1/prices", "Prices of products, with tiers expanded.", 1),
      .params = price_params},
     "price", "rak_plan_read"},
    {{ST_EP("products", "Products", "/v1/products", "Products.", 1)}, "product", "rak_product_read"},
    {{ST_EP("refunds", "Refunds", "/v1/refunds", "Refunds of charges.", 1)}, "refund", "rak_refund_read"},
    {{ST_EP("subscriptions", "Subscriptions", "/v1/subscriptions",
            "Subscriptions in every status, canceled ones included.", 1),
      .params = subs_params},
     "subscription", "rak_subscription_read"},
};

const uint32_t st_n_endpoints = DW_COUNT(st_endpoints);

/* Patterns end in ".*" or name one event type.  The transform also checks
 * that data.object is of the schema's object type, so customer.* does not
 * put a customer.subscription.updated payload into customers. */
const dw_webhook_resource st_webhook_resources[] = {
    {"charges", "charge.*"},
    {"customers", "customer.*"},
    {"disputes", "charge.dispute.*"},
    {"invoices", "invoice.*"},
    {"payouts", "payout.*"},
    {"prices", "price.*"},
    {"products", "product.*"},
    {"refunds", "refund.*"},
    {"refunds", "charge.refund.updated"},
    {"subscriptions", "customer.subscription.*"},
};

/* The concrete event types behind the patterns above: the API takes no
 * wildcard but "*" (https://docs.stripe.com/api/webhook_endpoints/create,
 * enabled_events; the names from https://docs.stripe.com/api/events/types). */
const char *const st_event_types[] = {
    "charge.captured", "charge.expired", "charge.failed", "charge.pending", "charge.refunded", "charge.succeeded",
    "charge.updated", "charge.dispute.closed", "charge.dispute.created", "charge.dispute.funds_reinstated",
    "charge.dispute.funds_withdrawn", "charge.dispute.updated", "charge.refund.updated",
    "customer.created", "customer.deleted", "customer.updated",
    "customer.subscription.created", "customer.subscription.deleted", "customer.subscription.paused",
    "customer.subscription.pending_update_applied", "customer.subscription.pending_update_expired",
    "customer.subscription.resumed", "customer.subscription.trial_will_end", "customer.subscription.updated",
    "invoice.created", "invoice.deleted", "invoice.finalization_failed", "invoice.finalized",
    "invoice.marked_uncollectible", "invoice.paid", "invoice.payment_action_required", "invoice.payment_failed",
    "invoice.payment_succeeded", "invoice.sent", "invoice.upcoming", "invoice.updated", "invoice.voided",
    "payout.canceled", "payout.created", "payout.failed", "payout.paid", "payout.reconciliation_completed",
    "payout.updated", "price.created", "price.deleted", "price.updated", "product.created", "product.deleted",
    "product.updated", "refund.created", "refund.failed", "refund.updated", NULL,
};

const st_endpoint *st_endpoint_find(const char *name) {
    if (!name) return NULL;
    for (uint32_t i = 0; i < st_n_endpoints; i++)
        if (!strcmp(st_endpoints[i].ep.name, name)) return &st_endpoints[i];
    return NULL;
}
