/* plugin_1_3.c -- a plugin built against the frozen 1.3 header
 * (dwsdk_1_3.h; it knows nothing of has_duplicate_primary_keys, 1.4):
 * init stores its own data through *plugin_data, every operation gets it
 * back with api->plugin_data(ctx) (no globals needed for it), fini frees
 * it.  Rows show the pointer came back intact. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwsdk_1_3.h"

#if !defined(DWSDK_FROZEN_1_3) || DW_ABI_MINOR != 3
#error this plugin must be built against tests/abi/dwsdk_1_3.h
#endif

typedef struct my_data {
    const dw_host_api *api;
    struct my_data *self; /* proves the pointer handed back is the one stored */
    char greeting[32];
} my_data;

/* The only global: the table, needed to reach plugin_data at all. */
static const dw_host_api *api;

static dw_status init(const dw_host_api *a, void **plugin_data) {
    if (!a || !DW_API_HAS(a, plugin_data)) return DW_ERR_UNSUPPORTED;
    my_data *d = calloc(1, sizeof *d);
    if (!d) return DW_ERR_NOMEM;
    d->api = a;
    d->self = d;
    snprintf(d->greeting, sizeof d->greeting, "hello from init");
    *plugin_data = d;
    api = a;
    return DW_OK;
}

static void fini(void *plugin_data) { free(plugin_data); }

static dw_status list_schemas(dw_ctx *ctx) {
    my_data *d = api->plugin_data(ctx);
    if (!d || d->self != d) return api->fail(ctx, DW_ERR, "plugin_data lost in list_schemas");
    static const char *const pk[] = {"id", NULL};
    dw_schema s = {.struct_size = sizeof s, .name = "data", .label = "Data", .primary_keys = pk, .row_count = 1};
    return d->api->schema_add(ctx, &s);
}

static dw_status check(dw_ctx *ctx, const char *schema) {
    (void)schema;
    my_data *d = api->plugin_data(ctx);
    return d && d->self == d ? DW_OK : api->fail(ctx, DW_ERR, "plugin_data lost in check_credentials");
}

static dw_status run(dw_ctx *ctx, const dw_run_inputs *in) {
    (void)in;
    my_data *d = api->plugin_data(ctx);
    if (!d || d->self != d) return api->fail(ctx, DW_ERR, "plugin_data lost in run");
    dw_row *r = d->api->row_new(ctx);
    d->api->row_set_int(r, "id", 1);
    d->api->row_set_string(r, "greeting", d->greeting);
    d->api->row_set_bool(r, "null_ctx_gives_null", d->api->plugin_data(NULL) == NULL);
    return d->api->row_emit(r);
}

DW_EXPORT const dw_source dwhost_source = {
    DW_SOURCE_HEADER,
    .name = "abit_v13",
    .label = "ABI 1.3 plugin",
    .icon_path = "/static/services/abi.svg",
    .version = "1.3.0",
    .init = init,
    .fini = fini,
    .list_schemas = list_schemas,
    .check_credentials = check,
    .run = run,
};
