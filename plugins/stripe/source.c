/*
 * source.c -- the Stripe source: descriptor, config form, schemas, the
 * credential check and the webhook entry point.  Rows come from stripe.c,
 * endpoints and the webhook map from settings.c.
 */
#include <stdlib.h>
#include <string.h>

#include "stripe.h"

const dw_host_api *st_api;

static const dw_field advanced_fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "api_base", .label = "API base URL",
     .caption = "Where the Stripe API is. Only for testing against a local Stripe-compatible "
                "server; leave empty for `" ST_DEFAULT_API_BASE "`.",
     .input_type = DW_INPUT_URL, .placeholder = ST_DEFAULT_API_BASE},
};

static const dw_field fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "stripe_secret_key", .label = "Secret or restricted key", .required = 1,
     .input_type = DW_INPUT_PASSWORD, .secret = 1, .placeholder = "rk_live_...",
     .caption = "A [restricted key](https://docs.stripe.com/keys#create-restricted-api-secret-key) with "
                "**Read** access is enough. Per schema: `balance_transactions` Balance transaction sources, "
                "`charges` Charges, `customers` Customers, `disputes` Disputes, `invoices` Invoices, "
                "`payouts` Payouts, `prices` Prices (plans), `products` Products, `refunds` Refunds, "
                "`subscriptions` Subscriptions."},
    {.kind = DW_FIELD_INPUT, .name = "stripe_account_id", .label = "Connected account ID",
     .input_type = DW_INPUT_TEXT, .placeholder = "acct_...",
     .caption = "Read a connected account (sent as the `Stripe-Account` header). Leave empty for the "
                "key's own account."},
    {.kind = DW_FIELD_INPUT, .name = "webhook_signing_secret", .label = "Webhook signing secret",
     .input_type = DW_INPUT_PASSWORD, .secret = 1, .placeholder = "whsec_...",
     .caption = "The signing secret of the webhook endpoint that pushes events to dwhost. `dwhost webhook "
                "create stripe --url URL` creates the endpoint and stores it here; or paste the one the Stripe "
                "dashboard shows."},
    {.kind = DW_FIELD_SWITCH_GROUP, .name = "advanced", .label = "Advanced",
     .caption = "Testing only: point the source at another API base URL.", .default_on = 0,
     .fields = advanced_fields, .n_fields = DW_COUNT(advanced_fields)},
};

/* Credential failures (401) only; 403s (a restricted key lacking a
 * permission) are left to the status code so the credential check can let
 * a restricted key pass at source creation with a warning. */
static const dw_error_mapping non_retryable[] = {
    {"Invalid API Key provided",
     "Stripe rejected the key: it is wrong, deleted or was rolled. Copy a current secret or restricted "
     "key from the Stripe dashboard (Developers > API keys) and update the source."},
    {"Expired API Key provided",
     "The Stripe key has expired. Create a new key in the Stripe dashboard and update the source."},
    {"You did not provide an API key",
     "No Stripe key was sent. Fill in the secret or restricted key of the source."},
};

static const char *const keywords[] = {"stripe", "payments", "billing", "subscriptions", "finance", NULL};

static dw_status st_init(const dw_host_api *api, void **plugin_data) {
    (void)plugin_data;
    if (!DW_API_HAS(api, rest_schema_add)) return DW_ERR_UNSUPPORTED; /* needs ABI 1.2 */
    st_api = api;
    return DW_OK;
}

static dw_status st_list_schemas(dw_ctx *ctx) {
    for (uint32_t i = 0; i < st_n_endpoints; i++) {
        dw_status st = st_api->rest_schema_add(ctx, &st_endpoints[i].ep);
        if (st != DW_OK) return st;
    }
    return DW_OK;
}

static dw_status st_check(dw_ctx *ctx, const char *schema) {
    const st_endpoint *e = NULL;
    if (schema && !(e = st_endpoint_find(schema)))
        return st_api->fail(ctx, DW_ERR_NOT_FOUND,
                            "stripe has no schema '%s'; run 'dwhost describe stripe' for the list", schema);
    st_config cfg;
    dw_status st = st_config_load(ctx, &cfg);
    if (st != DW_OK) return st;
    const st_endpoint *probe = e ? e : st_endpoint_find("customers");
    static const char *const one[] = {"limit", "1", NULL};
    char *url = st_api->url_build(ctx, cfg.api_base, probe->ep.path, one);
    dw_http_response *resp = NULL;
    char *msg = NULL;
    st = url ? st_get(ctx, &cfg, url, probe->ep.path, &resp, &msg)
             : st_api->fail(ctx, DW_ERR_NOMEM, "stripe: out of memory");
    st_api->free(url);
    switch (st) {
    case DW_ERR_AUTH:
        st = st_api->fail(ctx, DW_ERR_AUTH, "Stripe rejected the key (401 %s)", msg ? msg : "Unauthorized");
        break;
    case DW_ERR_FORBIDDEN:
        if (!e) {
            /* A restricted key may cover only the schemas the user wants. */
            st_api->log(ctx, DW_LOG_WARN,
                        "the Stripe key is valid but restricted (403 on customers: %s); schemas it cannot "
                        "read will fail until their Read permission is granted",
                        msg ? msg : "Forbidden");
            st = DW_OK;
        } else {
            st = st_api->fail(ctx, DW_ERR_FORBIDDEN,
                              "the restricted Stripe key cannot read '%s' (403 %s): grant it the `%s` "
                              "permission",
                              e->ep.name, msg ? msg : "Forbidden", e->permission);
        }
        break;
    case DW_ERR_NOT_FOUND:
        st = st_api->fail(ctx, DW_ERR_NOT_FOUND, "Stripe answered 404 for %s (%s): check the connected account ID",
                          probe->ep.path, msg ? msg : "Not Found");
        break;
    default:
        break;
    }
    if (resp) st_api->http_free(resp);
    free(msg);
    st_config_free(&cfg);
    return st;
}

/* Actions (ABI 1.8): the webhook lifecycle (`dwhost webhook create|delete|info`). */
static const dw_action_arg url_arg[] = {
    {.name = "url", .type = DW_ARG_STRING, .description = "the URL Stripe posts events to"},
};
static const dw_action actions[] = {
    {.name = "create_webhook", .description = "creates a webhook endpoint for url with the events of the resource map",
     .args = url_arg, .n_args = 1, .fn = DW_ACTION_FN(st_create_webhook)},
    {.name = "delete_webhook", .description = "deletes the webhook endpoint that posts to url",
     .args = url_arg, .n_args = 1, .fn = DW_ACTION_FN(st_delete_webhook)},
    {.name = "webhook_info", .description = "the webhook endpoint that posts to url, if any",
     .args = url_arg, .n_args = 1, .fn = DW_ACTION_FN(st_webhook_info)},
};

DW_EXPORT const dw_source dwhost_source = {
    DW_SOURCE_HEADER,
    .name = "stripe",
    .label = "Stripe",
    .caption = "Customers, charges, invoices, subscriptions, balance transactions, products, prices, "
               "refunds, disputes and payouts from Stripe, incrementally on `created`.",
    .docs_url = "https://docs.stripe.com/api",
    .icon_path = "/static/services/stripe.png",
    .category = "Payments",
    .keywords = keywords,
    .release_status = DW_RELEASE_BETA,
    .feature_flag = "dwh-stripe",
    .comm_method = DW_COMM_HTTP,
    .primary_library = "dwhost transport",
    .version = "1.0.0",
    .capabilities = DW_CAP_RESUMABLE | DW_CAP_WEBHOOK,
    .fields = fields,
    .n_fields = DW_COUNT(fields),
    .non_retryable_errors = non_retryable,
    .n_non_retryable_errors = DW_COUNT(non_retryable),
    .webhook_resources = st_webhook_resources,
    .n_webhook_resources = ST_N_WEBHOOK_RESOURCES,
    .init = st_init,
    .list_schemas = st_list_schemas,
    .check_credentials = st_check,
    .run = st_run,
    .webhook_transform = st_webhook_transform,
    DW_ACTIONS(actions),
    /* 1.9: Stripe signs each delivery (Stripe-Signature) with the endpoint's secret */
    .webhook_signature = DW_WEBHOOK_SIG_STRIPE,
    .webhook_secret_field = "webhook_signing_secret",
};
