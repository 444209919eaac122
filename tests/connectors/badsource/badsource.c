/*
 * badsource.c -- a test plugin for the conformance suite: well behaved in
 * config mode "good", and in every other mode wrong in exactly one way the
 * suite must catch (tests/connectors/test_conformance_selftest.py).
 * Built five times: as `badsource`; as `leakyform` (-DLEAKY_FORM) whose form
 * has a secret-looking field that is not marked secret; as `statenocap`
 * (-DNO_RESUMABLE_CAP), which saves state without declaring
 * DW_CAP_RESUMABLE; as `nometa` (-DNO_METADATA), an HTTP source without
 * label, docs_url and primary_library (loads; conformance must name all
 * three); as `noloadmeta` (-DNO_METADATA -DNO_LOAD_METADATA), also without
 * icon_path and version (the loader must name both, and the three).  Mode "list_fails": list_schemas
 * fails (the API is down) while run would still answer.
 * No network: 250 generated rows in pages of 50.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwsdk.h"

#ifdef LEAKY_FORM
#define SOURCE_NAME "leakyform"
#elif defined(NO_RESUMABLE_CAP)
#define SOURCE_NAME "statenocap"
#elif defined(NO_LOAD_METADATA)
#define SOURCE_NAME "noloadmeta"
#elif defined(NO_METADATA)
#define SOURCE_NAME "nometa"
#else
#define SOURCE_NAME "badsource"
#endif
#define ROWS 250
#define PAGE 50
#define GOOD_TOKEN "good-token-1234"

static const dw_host_api *api;

static const dw_field fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "api_token", .label = "API token", .required = 1,
     .input_type = DW_INPUT_PASSWORD},
    {.kind = DW_FIELD_INPUT, .name = "mode", .label = "Misbehaviour", .input_type = DW_INPUT_TEXT,
     .caption = "good, dup_keys, leak, bad_resume, old_rows, unstable, accept_anything"},
#ifdef LEAKY_FORM
    {.kind = DW_FIELD_INPUT, .name = "signing_secret", .label = "Signing secret", .input_type = DW_INPUT_TEXT},
#endif
};

static const dw_incremental_field inc[] = {{"updated", "updated", DW_TYPE_INTEGER}};
static const char *const pk[] = {"id", NULL};

static const char *mode(dw_ctx *ctx) {
    const char *m = api->config_string(ctx, "mode");
    return m && *m ? m : "good";
}

static dw_status init(const dw_host_api *a, void **pd) {
    (void)pd;
    api = a;
    return DW_OK;
}

static dw_status list_schemas(dw_ctx *ctx) {
    if (api->config_json(ctx) && !strcmp(mode(ctx), "list_fails"))
        return api->fail(ctx, DW_ERR_UNREACHABLE, "badsource: the schema API is down (test)");
    dw_schema s = {.struct_size = sizeof s, .name = "items", .label = "Items", .supports_incremental = 1,
                   .should_sync_default = 1, .incremental_fields = inc, .n_incremental_fields = 1,
                   .primary_keys = pk, .sort_mode = DW_SORT_ASC, .row_count = -1};
    return api->schema_add(ctx, &s);
}

static dw_status check(dw_ctx *ctx, const char *schema) {
    (void)schema;
    const char *t = api->config_string(ctx, "api_token");
    if (!strcmp(mode(ctx), "accept_anything") || (t && !strcmp(t, GOOD_TOKEN))) return DW_OK;
    return api->fail(ctx, DW_ERR_AUTH, "badsource: the API token was rejected; use the token of the test account");
}

static dw_status run(dw_ctx *ctx, const dw_run_inputs *in) {
    static int runs; /* "unstable": rows change from run to run */
    runs++;
    const char *m = mode(ctx);
    if (!strcmp(m, "leak")) fprintf(stderr, "debug: calling the API with token %s\n", api->config_string(ctx, "api_token"));
    long start = 0;
    if (api->state_can_resume(ctx) && strcmp(m, "bad_resume") != 0) {
        const char *s = api->state_load(ctx);
        const char *p = s ? strstr(s, "\"page\":") : NULL;
        if (p) start = strtol(p + 7, NULL, 10);
    }
    long since = -1;
    if (in->use_incremental && in->incremental_last_value && strcmp(m, "old_rows") != 0)
        since = strtol(in->incremental_last_value, NULL, 10);
    for (long page = start; page * PAGE < ROWS; page++) {
        char buf[PAGE * 96 + 4];
        size_t len = 0;
        buf[len++] = '[';
        for (long i = page * PAGE; i < (page + 1) * PAGE; i++) {
            long id = i + 1, updated = 1000 + id;
            if (updated < since) continue;
            if (!strcmp(m, "dup_keys") && id == 10) id = 9;
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s{\"id\":%ld,\"updated\":%ld,\"name\":\"item %ld/%d\"}",
                                    len > 1 ? "," : "", id, updated, id, !strcmp(m, "unstable") ? runs : 0);
        }
        buf[len++] = ']';
        if (len > 2) {
            dw_status st = api->emit_json(ctx, buf, len);
            if (st != DW_OK) return st;
        }
        if ((page + 1) * PAGE < ROWS) {
            char state[32];
            snprintf(state, sizeof state, "{\"page\":%ld}", page + 1);
            dw_status st = api->state_save(ctx, state);
            if (st != DW_OK) return st;
        }
    }
    return DW_OK;
}

DW_EXPORT const dw_source dwhost_source = {
    DW_SOURCE_HEADER,
    .name = SOURCE_NAME,
#ifndef NO_METADATA
    .label = "Conformance test source",
    .docs_url = "https://example.invalid/docs",
    .comm_method = DW_COMM_LOCAL_FILES,
#else
    .comm_method = DW_COMM_HTTP, /* and no primary_library */
#endif
#ifndef NO_LOAD_METADATA
    .icon_path = "/static/services/test.png",
    .version = "0.0.1",
#endif
#ifndef NO_RESUMABLE_CAP
    .capabilities = DW_CAP_RESUMABLE,
#endif
    .fields = fields,
    .n_fields = DW_COUNT(fields),
    .init = init,
    .list_schemas = list_schemas,
    .check_credentials = check,
    .run = run,
};
