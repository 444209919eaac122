/*
 * bad_ctor.c -- a deliberately bad plugin for the plugin-audit test: it
 * runs code of its own when dlopen()ed (a constructor) and when unloaded
 * (a destructor), so `dwhost list-plugins` would run plugin code.  Never
 * loaded; only audited.
 */
#include "dwsdk.h"

static int warmed_up;

__attribute__((constructor)) static void bad_ctor_warm_up(void) { warmed_up = 1; }
__attribute__((destructor)) static void bad_ctor_cool_down(void) { warmed_up = 0; }

static dw_status bad_run(dw_ctx *ctx, const dw_run_inputs *in) {
    (void)ctx, (void)in;
    return warmed_up ? DW_OK : DW_ERR;
}

DW_EXPORT const dw_source dwhost_source = {
    DW_SOURCE_HEADER,
    .name = "bad_ctor",
    .label = "Bad constructor (test)",
    .icon_path = "/static/services/bad.svg",
    .version = "1.0.0",
    .run = bad_run,
};
