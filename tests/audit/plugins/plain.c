/*
 * plain.c -- the smallest clean plugin, built with the same flags as the
 * bundled ones: the toolchain's own load-time entries (_init,
 * frame_dummy, __do_global_dtors_aux, _fini; the sanitizer's under
 * DWHOST_SANITIZE) must not be reported.  Never loaded; only audited.
 */
#include "dwsdk.h"

static dw_status plain_run(dw_ctx *ctx, const dw_run_inputs *in) {
    (void)ctx, (void)in;
    return DW_OK;
}

DW_EXPORT const dw_source dwhost_source = {
    DW_SOURCE_HEADER,
    .name = "plain",
    .label = "Plain (test)",
    .icon_path = "/static/services/plain.svg",
    .version = "1.0.0",
    .run = plain_run,
};
