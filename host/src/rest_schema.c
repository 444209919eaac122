/* rest_schema.c -- the schema a declarative endpoint describes (see rest.h). */
#include <string.h>

#include "ctx.h"
#include "rest.h"

dw_status dwh_rest_schema_add(dw_ctx *ctx, const dw_endpoint *endpoint) {
    if (!ctx) return DW_ERR;
    if (!endpoint || !ctx->api || !ctx->api->schema_add)
        return dwh_ctx_fail(ctx, DW_ERR, "rest_schema_add: no endpoint given or no schema sink for this operation");
    dw_endpoint ep;
    memset(&ep, 0, sizeof ep);
    memcpy(&ep, endpoint, endpoint->struct_size < sizeof ep ? endpoint->struct_size : sizeof ep);
    if (!ep.name) return dwh_ctx_fail(ctx, DW_ERR_CONFIG, "rest_schema_add: endpoint has no name");
    /* Incremental only when a server-side filter exists for some advertised
     * field: a client-side cursor is not incremental (the guide's rule). */
    int incremental = 0;
    for (uint32_t i = 0; ep.incremental_fields && i < ep.n_incremental_fields; i++)
        for (uint32_t j = 0; ep.incremental_params && j < ep.n_incremental_params; j++)
            if (ep.incremental_fields[i].field && ep.incremental_params[j].field &&
                !strcmp(ep.incremental_fields[i].field, ep.incremental_params[j].field))
                incremental = 1;
    dw_schema s = {
        .struct_size = sizeof s,
        .name = ep.name,
        .label = ep.label,
        .description = ep.description,
        .supports_incremental = incremental,
        .supports_append = incremental,
        .supports_webhooks = ep.supports_webhooks,
        .should_sync_default = ep.should_sync_default,
        .incremental_fields = incremental ? ep.incremental_fields : NULL,
        .n_incremental_fields = incremental ? ep.n_incremental_fields : 0,
        .primary_keys = ep.primary_keys,
        .sort_mode = ep.sort_mode,
        .partition_mode = ep.partition_mode,
        .partition_format = ep.partition_format,
        .partition_keys = ep.partition_keys,
        .row_count = -1,
    };
    return ctx->api->schema_add(ctx, &s);
}
