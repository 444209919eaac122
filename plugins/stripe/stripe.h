/*
 * stripe.h -- internals shared by the Stripe source's files:
 *   source.c    descriptor, form, schemas, credential check, webhook transform
 *   settings.c  the endpoint catalog and the webhook resource map
 *   stripe.c    the client: base URL, headers, run through the REST toolkit
 * Not part of any public interface.
 */
#ifndef DW_STRIPE_H
#define DW_STRIPE_H

#include <stdint.h>

#include "dwsdk.h"

#define ST_DEFAULT_API_BASE "https://api.stripe.com"
#define ST_MAX_LIMIT 100

typedef struct st_endpoint {
    dw_endpoint ep;
    const char *object;     /* the resource's `object` value ("customer") */
    const char *permission; /* restricted-key permission that reads it */
} st_endpoint;

extern const st_endpoint st_endpoints[];
extern const uint32_t st_n_endpoints;
const st_endpoint *st_endpoint_find(const char *name);

/* Schema -> event type patterns ("customer.*"); a schema may appear more
 * than once.  Also the descriptor's webhook_resources. */
#define ST_N_WEBHOOK_RESOURCES 10 /* the compiler checks it against settings.c */
extern const dw_webhook_resource st_webhook_resources[ST_N_WEBHOOK_RESOURCES];

extern const dw_host_api *st_api;

typedef struct st_config {
    const char *secret_key;
    const char *account_id; /* NULL: the key's own account */
    char *api_base;         /* malloc'd, no trailing slash */
} st_config;

dw_status st_config_load(dw_ctx *ctx, st_config *cfg);
void st_config_free(st_config *cfg);

/* GET `url`: DW_OK with *out on 2xx; 401/403/404 returned (not recorded)
 * with Stripe's error message in *message (malloc'd); anything else is
 * recorded in ctx. */
dw_status st_get(dw_ctx *ctx, const st_config *cfg, const char *url, const char *url_template,
                 dw_http_response **out, char **message);

/* st_get for any method; `form` (NULL: no body) is sent as
 * application/x-www-form-urlencoded, as Stripe takes its parameters. */
dw_status st_request(dw_ctx *ctx, const st_config *cfg, const char *method, const char *url, const char *url_template,
                     const char *form, dw_http_response **out, char **message);

/* Webhook lifecycle actions (ABI 1.8, actions.c; source.c declares them),
 * the reference's create_webhook, delete_webhook and
 * get_external_webhook_info, over Stripe's webhook endpoints API.  Each
 * answers JSON: create {"success", "id", "url", "status", "enabled_events",
 * "extra_inputs": {"webhook_signing_secret": "whsec_..."}} (the secret
 * Stripe returns only then; marked secret for every output), delete
 * {"success", "id", "deleted"}, info {"exists", "id", "url", "status",
 * "enabled_events", "created"} ({"exists": false} when none has `url`). */
dw_status st_create_webhook(dw_ctx *ctx, const char *url);
dw_status st_delete_webhook(dw_ctx *ctx, const char *url);
dw_status st_webhook_info(dw_ctx *ctx, const char *url);
/* Stripe's event types of the webhook resource map's patterns (settings.c),
 * NULL-terminated. */
extern const char *const st_event_types[];

dw_status st_run(dw_ctx *ctx, const dw_run_inputs *inputs);

/* Turns one pushed event into the row of `schema` (stripe.c). */
dw_status st_webhook_transform(dw_ctx *ctx, const char *schema, const char *payload, size_t len);

#endif
