/*
 * benchgen.c -- the benchmark source: `rows` generated rows (gen.h) in
 * pages of `page_rows`, emitted as JSON text, with a resume state after
 * every page -- what a fast HTTP source looks like to the host, minus the
 * network.  Schema "customers": no primary key (a full refresh), or
 * "customers_by_id" with primary key id (an incremental merge).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwsdk.h"
#include "gen.h"

static const dw_host_api *api;

static dw_status init(const dw_host_api *a, void **pd) {
    (void)pd;
    api = a;
    return DW_API_HAS(a, state_save) ? DW_OK : DW_ERR_UNSUPPORTED;
}

static int64_t cfg(dw_ctx *ctx, const char *k, int64_t def) {
    int64_t v;
    return api->config_int(ctx, k, &v) == 1 ? v : def;
}

static const char *const pk[] = {"id", NULL};
static const dw_incremental_field inc[] = {{"ID", "id", DW_TYPE_INTEGER}};

static dw_status list_schemas(dw_ctx *ctx) {
    dw_schema plain = {.struct_size = sizeof plain, .name = "customers", .should_sync_default = 1, .row_count = -1};
    dw_schema keyed = {.struct_size = sizeof keyed, .name = "customers_by_id", .supports_incremental = 1,
                       .incremental_fields = inc, .n_incremental_fields = 1, .primary_keys = pk, .row_count = -1};
    dw_status st = api->schema_add(ctx, &plain);
    return st == DW_OK ? api->schema_add(ctx, &keyed) : st;
}

static dw_status run(dw_ctx *ctx, const dw_run_inputs *in) {
    int64_t total = cfg(ctx, "rows", 1000000), page = cfg(ctx, "page_rows", 1000), next = 0;
    if (api->state_can_resume(ctx)) {
        const char *s = strstr(api->state_load(ctx), "\"next\":");
        if (s) next = strtoll(s + 7, NULL, 10);
    }
    if (in->use_incremental && in->incremental_last_value) next = strtoll(in->incremental_last_value, NULL, 10);
    size_t cap = (size_t)page * 300 + 16;
    char *buf = malloc(cap);
    if (!buf) return api->fail(ctx, DW_ERR_NOMEM, "out of memory");
    dw_status st = DW_OK;
    while (next < total && st == DW_OK && !api->cancelled(ctx)) {
        int64_t n = total - next < page ? total - next : page;
        size_t len = bench_gen_page(next, n, buf, cap);
        st = api->emit_json(ctx, buf, len);
        next += n;
        char state[48];
        snprintf(state, sizeof state, "{\"next\":%lld}", (long long)next);
        if (st == DW_OK) st = api->state_save(ctx, state);
    }
    free(buf);
    return st;
}

static dw_status check(dw_ctx *ctx, const char *schema) {
    (void)ctx;
    (void)schema;
    return DW_OK;
}

static const dw_field fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "rows", .label = "Rows", .input_type = DW_INPUT_NUMBER},
    {.kind = DW_FIELD_INPUT, .name = "page_rows", .label = "Rows per page", .input_type = DW_INPUT_NUMBER},
};

DW_EXPORT const dw_source dwhost_source = {
    DW_SOURCE_HEADER,
    .name = "benchgen",
    .label = "Benchmark generator",
    .icon_path = "/static/services/benchgen.svg",
    .category = "Testing",
    .release_status = DW_RELEASE_ALPHA,
    .comm_method = DW_COMM_LOCAL_FILES,
    .version = "1.0.0",
    .capabilities = DW_CAP_RESUMABLE,
    .fields = fields,
    .n_fields = DW_COUNT(fields),
    .init = init,
    .list_schemas = list_schemas,
    .check_credentials = check,
    .run = run,
};
