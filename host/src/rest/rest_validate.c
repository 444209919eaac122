/* rest_validate.c -- an endpoint's declarations, checked before any
 * request (see rest_validate.h). */
#include "rest_validate.h"

#include "core/ctx.h"
#include "dwhost.h"
#include "rest_actions.h"
#include "base/sized_copy.h"

/* The first ABI minor that defines each paginator kind. */
static unsigned kind_minor(uint32_t kind) { return kind == DW_PAGINATE_AUTO ? 5 : 2; }

dw_status rest_endpoint_validate(dw_ctx *ctx, const dw_endpoint *ep) {
    const char *name = ep->name ? ep->name : "?";
    if (ep->paginator) {
        dw_paginator pag;
        DWHI_COPY_SIZED(pag, ep->paginator);
        if (pag.kind > DW_PAGINATE_AUTO)
            return dwhi_ctx_fail(ctx, DW_ERR_CONFIG,
                                "endpoint %s: paginator kind %u is unknown to this dwhost (plugin ABI %d.%d knows "
                                "kinds 0-%d); upgrade dwhost or fix the endpoint",
                                name, pag.kind, DW_ABI_MAJOR, DW_ABI_MINOR, (int)DW_PAGINATE_AUTO);
        /* A plugin built for an older minor cannot mean a newer kind: an
         * older host would have paged it as something else. */
        unsigned major = DW_ABI_MAJOR, minor = DW_ABI_MINOR;
        if (ctx->plugin) dwh_plugin_abi(ctx->plugin, &major, &minor);
        if (minor < kind_minor(pag.kind))
            return dwhi_ctx_fail(ctx, DW_ERR_CONFIG,
                                "endpoint %s: paginator kind %u needs plugin ABI %d.%u but the plugin was built for "
                                "%u.%u; rebuild it against the current dwsdk.h",
                                name, pag.kind, DW_ABI_MAJOR, kind_minor(pag.kind), major, minor);
    }
    return rest_actions_validate(ctx, ep);
}
