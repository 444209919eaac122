/* rest_schema.c -- the schema a declarative endpoint describes (see rest.h). */
#include <string.h>

#include "core/ctx.h"
#include "core/schema_copy.h"
#include "base/sized_copy.h"
#include "rest.h"

dw_status dwhi_rest_schema_add(dw_ctx *ctx, const dw_endpoint *endpoint) {
    if (!ctx) return DW_ERR;
    if (!endpoint) return dwhi_ctx_fail(ctx, DW_ERR, "rest_schema_add: no endpoint given");
    dw_endpoint ep;
    DWHI_COPY_SIZED(ep, endpoint);
    if (!ep.name) return dwhi_ctx_fail(ctx, DW_ERR_CONFIG, "rest_schema_add: endpoint has no name");
    /* Only fields with a server-side filter are offered: a client-side
     * cursor is not incremental (the guide's rule), and rest_run refuses a
     * field it cannot filter on. */
    dw_incremental_field offered[64];
    uint32_t n_offered = 0;
    for (uint32_t i = 0; ep.incremental_fields && i < ep.n_incremental_fields && n_offered < 64; i++)
        for (uint32_t j = 0; ep.incremental_params && j < ep.n_incremental_params; j++)
            if (ep.incremental_fields[i].field && ep.incremental_params[j].field && ep.incremental_params[j].param &&
                !strcmp(ep.incremental_fields[i].field, ep.incremental_params[j].field)) {
                offered[n_offered++] = ep.incremental_fields[i];
                break;
            }
    int incremental = n_offered > 0;
    dw_schema s = {
        .struct_size = sizeof s,
        .name = ep.name,
        .label = ep.label,
        .description = ep.description,
        .supports_incremental = incremental,
        .supports_append = incremental,
        .supports_webhooks = ep.supports_webhooks,
        .should_sync_default = ep.should_sync_default,
        .incremental_fields = incremental ? offered : NULL,
        .n_incremental_fields = n_offered,
        .primary_keys = ep.primary_keys,
        .sort_mode = ep.sort_mode,
        .partition_mode = ep.partition_mode,
        .partition_format = ep.partition_format,
        .partition_keys = ep.partition_keys,
        .row_count = -1,
        .has_duplicate_primary_keys = ep.has_duplicate_primary_keys,
    };
    return dwhi_schema_add(ctx, &s); /* what the table's schema_add is */
}
