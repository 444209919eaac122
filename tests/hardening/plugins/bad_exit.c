/*
 * bad_exit.c -- a deliberately bad plugin for the plugin-audit test: it
 * ends the process with exit() and prints to stdout, which the host
 * cannot contain (docs/concepts/plugins.md#when-a-plugin-crashes).  Never loaded; only
 * audited.
 */
#include <stdio.h>
#include <stdlib.h>

#include "dwsdk.h"

static dw_status bad_run(dw_ctx *ctx, const dw_run_inputs *in) {
    fprintf(stdout, "{\"not\": \"a row\"}\n");
    exit(3);
}

DW_EXPORT const dw_source dwhost_source = {
    DW_SOURCE_HEADER,
    .name = "bad_exit",
    .label = "Bad exit (test)",
    .icon_path = "/static/services/bad.svg",
    .version = "1.0.0",
    .run = bad_run,
};
