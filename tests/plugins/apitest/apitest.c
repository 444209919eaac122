/*
 * apitest.c -- a test plugin that calls every member of dw_host_api with
 * good and bad input.  Each schema is a scenario; run() performs it and
 * reports what the host answered as rows ({"step": ..., "rc": ...,
 * "value": ...}), so tests/runtime/test_api_plugin.c asserts on the host's
 * behaviour across the real plugin boundary.  Config:
 *   schema_case  what list_schemas does ("good" by default; see below)
 *   check        what check_credentials does ("ok", "warn", "fail_map")
 *   bad          which bad input the row_bad / state_bad scenarios use
 *   texts        array of JSON texts the "emit" scenario emits in order
 *   code, message  what the "fail" scenario fails with
 *   save         the state the "state" scenario saves
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwsdk.h"

static const dw_host_api *api;

static dw_status at_init(const dw_host_api *a, void **plugin_data) {
    api = a;
    return DW_OK;
}

static const char *cfg(dw_ctx *ctx, const char *name, const char *def) {
    const char *s = api->config_string(ctx, name);
    return s ? s : def;
}

/* Reports one step: {"step": step, "rc": rc, "value": value (JSON or null)}. */
static dw_status report(dw_ctx *ctx, const char *step, long long rc, const char *value_json) {
    dw_row *r = api->row_new(ctx);
    api->row_set_string(r, "step", step);
    api->row_set_int(r, "rc", rc);
    api->row_set_json(r, "value", value_json);
    return api->row_emit(r);
}

static dw_status report_str(dw_ctx *ctx, const char *step, long long rc, const char *value) {
    dw_row *r = api->row_new(ctx);
    api->row_set_string(r, "step", step);
    api->row_set_int(r, "rc", rc);
    api->row_set_string(r, "value", value);
    return api->row_emit(r);
}

static const char *const scenarios[] = {"config", "rows", "row_bad", "emit", "emit_len", "state", "state_bad",
                                        "log", "fail", "fail_ok", "bogus_status", "cancel", "json", "url",
                                        "secret", "identity", NULL};
static const char *const pk[] = {"step", NULL};

static dw_status at_list_schemas(dw_ctx *ctx) {
    const char *c = cfg(ctx, "schema_case", "good");
    dw_schema s = {.struct_size = sizeof s, .name = "x", .primary_keys = pk, .should_sync_default = 1};
    if (!strcmp(c, "good")) {
        for (int i = 0; scenarios[i]; i++) {
            s.name = scenarios[i];
            dw_status st = api->schema_add(ctx, &s);
            if (st != DW_OK) return st;
        }
        return DW_OK;
    }
    if (!strcmp(c, "full")) {
        static const dw_incremental_field inc[] = {{NULL, "updated_at", DW_TYPE_DATETIME},
                                                   {"Seq", "seq", DW_TYPE_INTEGER}};
        static const char *const pks[] = {"id", "region", NULL};
        dw_schema f = {.struct_size = sizeof f, .name = "orders", .label = "Orders", .description = "All orders",
                       .supports_incremental = 1, .supports_append = 1, .supports_webhooks = 1,
                       .should_sync_default = 1, .incremental_fields = inc, .n_incremental_fields = 2,
                       .primary_keys = pks, .sort_mode = DW_SORT_DESC, .partition_mode = DW_PARTITION_MD5,
                       .partition_count = 8, .row_count = 1200, .default_incremental_lookback_seconds = 3600,
                       .has_duplicate_primary_keys = 7 /* any non-zero: true */};
        return api->schema_add(ctx, &f);
    }
    if (!strcmp(c, "old_struct")) {
        /* A plugin built when dw_schema ended after should_sync_default:
         * everything after it must read as zero/unknown. */
        dw_schema o;
        memset(&o, 0xAB, sizeof o); /* garbage beyond struct_size */
        o.struct_size = (uint32_t)offsetof(dw_schema, incremental_fields);
        o.name = "old";
        o.label = NULL;
        o.description = NULL;
        o.supports_incremental = 0;
        o.supports_append = 1;
        o.supports_webhooks = 0;
        o.webhook_only = 0;
        o.should_sync_default = 1;
        return api->schema_add(ctx, &o);
    }
    if (!strcmp(c, "dup")) {
        api->schema_add(ctx, &s);
        return api->schema_add(ctx, &s);
    }
    if (!strcmp(c, "ignored_error")) {
        s.sort_mode = 7;
        api->schema_add(ctx, &s); /* the plugin ignores the refusal */
        return DW_OK;
    }
    if (!strcmp(c, "null")) return api->schema_add(ctx, NULL);
    if (!strcmp(c, "small_struct")) s.struct_size = 4;
    if (!strcmp(c, "no_name")) s.name = NULL;
    if (!strcmp(c, "bad_utf8")) s.name = "caf\xe9";
    if (!strcmp(c, "bad_sort")) s.sort_mode = 5;
    if (!strcmp(c, "inc_without_fields")) s.supports_incremental = 1;
    if (!strcmp(c, "md5_no_count")) s.partition_mode = DW_PARTITION_MD5;
    if (!strcmp(c, "bad_type")) {
        static const dw_incremental_field inc[] = {{"x", "x", 99}};
        s.incremental_fields = inc;
        s.n_incremental_fields = 1;
    }
    if (!strcmp(c, "emit_in_list")) {
        dw_status st = api->emit_json(ctx, "{\"a\":1}", 7);
        report(ctx, "never", st, NULL);
        return st;
    }
    return api->schema_add(ctx, &s);
}

static dw_status at_check(dw_ctx *ctx, const char *schema) {
    const char *c = cfg(ctx, "check", "ok");
    if (!strcmp(c, "warn")) {
        api->log(ctx, DW_LOG_INFO, "probing");
        api->log(ctx, DW_LOG_WARN, "403: token lacks scope read:org; accepted without a schema");
        api->log(ctx, DW_LOG_ERROR, "second\nline");
        return DW_OK;
    }
    if (!strcmp(c, "fail_map"))
        return api->fail(ctx, DW_ERR_AUTH, "HTTP 401: Invalid API Key provided: sk_test_123");
    return DW_OK;
}

static dw_status scenario_config(dw_ctx *ctx) {
    char buf[64];
    int64_t i = 0;
    double d = 0;
    int b = 0;
    report_str(ctx, "json", 0, api->config_json(ctx));
    report_str(ctx, "string", 0, api->config_string(ctx, "name"));
    report_str(ctx, "nested", 0, api->config_string(ctx, "tables[1].name"));
    report_str(ctx, "number_as_string", 0, api->config_string(ctx, "count"));
    report_str(ctx, "object_as_string", 0, api->config_string(ctx, "tables"));
    report_str(ctx, "missing", 0, api->config_string(ctx, "nope.deeper"));
    report_str(ctx, "null_path", 0, api->config_string(ctx, NULL));
    int rc = api->config_int(ctx, "count", &i);
    snprintf(buf, sizeof buf, "%lld", (long long)i);
    report(ctx, "int", rc, buf);
    report(ctx, "int_wrong_type", api->config_int(ctx, "name", &i), NULL);
    report(ctx, "int_absent", api->config_int(ctx, "absent", &i), NULL);
    report(ctx, "int_fraction", api->config_int(ctx, "ratio", &i), NULL);
    rc = api->config_double(ctx, "ratio", &d);
    snprintf(buf, sizeof buf, "%g", d);
    report(ctx, "double", rc, buf);
    rc = api->config_bool(ctx, "enabled", &b);
    report(ctx, "bool", rc, b ? "true" : "false");
    report(ctx, "bool_wrong_type", api->config_bool(ctx, "count", &b), NULL);
    report(ctx, "array_len", (long long)api->config_array_len(ctx, "tables"), NULL);
    report(ctx, "array_len_not_array", (long long)api->config_array_len(ctx, "name"), NULL);
    return DW_OK;
}

static dw_status scenario_rows(dw_ctx *ctx) {
    dw_row *r = api->row_new(ctx);
    api->row_set_string(r, "s", "caf\xc3\xa9 \xe2\x82\xac");
    api->row_set_int(r, "i", -9007199254740993LL);
    api->row_set_double(r, "d", 2.5);
    api->row_set_bool(r, "b", 7);
    api->row_set_null(r, "n");
    api->row_set_string(r, "null_string", NULL);
    api->row_set_json(r, "obj", "{\"k\":[1,2,{\"z\":null}]}");
    api->row_set_json(r, "arr", "[true,false]");
    api->row_set_string(r, "overwritten", "first");
    api->row_set_string(r, "overwritten", "second");
    dw_status st = api->row_emit(r);
    if (st != DW_OK) return st;
    /* A discarded row never reaches the sink. */
    dw_row *gone = api->row_new(ctx);
    api->row_set_string(gone, "s", "discarded");
    api->row_discard(gone);
    api->row_discard(NULL);
    api->row_set_string(NULL, "s", "ignored");
    return DW_OK;
}

static dw_status scenario_row_bad(dw_ctx *ctx) {
    const char *bad = cfg(ctx, "bad", "utf8");
    dw_status first = report(ctx, "good_before", 0, NULL);
    dw_row *r = api->row_new(ctx);
    api->row_set_string(r, "ok", "fine");
    if (!strcmp(bad, "utf8")) api->row_set_string(r, "name", "caf\xe9");
    if (!strcmp(bad, "null_column")) api->row_set_int(r, NULL, 1);
    if (!strcmp(bad, "empty_column")) api->row_set_int(r, "", 1);
    if (!strcmp(bad, "column_utf8")) api->row_set_int(r, "\xff\xfe", 1);
    if (!strcmp(bad, "nan")) api->row_set_double(r, "ratio", NAN);
    if (!strcmp(bad, "inf")) api->row_set_double(r, "ratio", INFINITY);
    if (!strcmp(bad, "json")) api->row_set_json(r, "payload", "{\"unterminated\": ");
    if (!strcmp(bad, "long_column")) {
        char *col = malloc(5000);
        memset(col, 'c', 4999);
        col[4999] = 0;
        api->row_set_int(r, col, 1);
        free(col);
    }
    api->row_set_string(r, "after", "ignored once poisoned");
    dw_status st = api->row_emit(r);
    /* The host refused the row; a later good row is refused too. */
    dw_status later = report(ctx, "good_after", 0, NULL);
    (void)first;
    return st == DW_OK && later == DW_OK ? DW_OK : DW_OK; /* ignores the refusal on purpose */
}

static dw_status scenario_emit(dw_ctx *ctx) {
    size_t n = api->config_array_len(ctx, "texts");
    for (size_t i = 0; i < n; i++) {
        char path[32];
        snprintf(path, sizeof path, "texts[%zu]", i);
        const char *t = api->config_string(ctx, path);
        dw_status st = api->emit_json(ctx, t, t ? strlen(t) : 0);
        if (st != DW_OK) return st;
    }
    return DW_OK;
}

static dw_status scenario_emit_len(dw_ctx *ctx) {
    /* len shorter than the text: only the first object counts. */
    static const char two[] = "{\"a\":1}{\"b\":2}";
    dw_status st = api->emit_json(ctx, two, 7);
    if (st != DW_OK) return st;
    /* A NUL inside len: the length is wrong, refuse. */
    static const char nul[] = "{\"a\":2}\0{\"b\":3}";
    return api->emit_json(ctx, nul, sizeof nul - 1);
}

static dw_status scenario_state(dw_ctx *ctx) {
    int can = api->state_can_resume(ctx);
    const char *st = api->state_load(ctx);
    report(ctx, "can_resume", can, NULL);
    report(ctx, "loaded", st != NULL, st);
    dw_status rc = api->state_save(ctx, cfg(ctx, "save", "{\"offset\":10}"));
    report(ctx, "saved", rc, NULL);
    return rc;
}

static dw_status scenario_state_bad(dw_ctx *ctx) {
    const char *bad = cfg(ctx, "bad", "null");
    report(ctx, "before", 0, NULL);
    dw_status rc;
    if (!strcmp(bad, "null")) {
        rc = api->state_save(ctx, NULL);
    } else if (!strcmp(bad, "huge")) {
        size_t n = 200 * 1024;
        char *big = malloc(n + 32);
        strcpy(big, "{\"blob\":\"");
        memset(big + 9, 'x', n);
        strcpy(big + 9 + n, "\"}");
        rc = api->state_save(ctx, big);
        free(big);
    } else {
        rc = api->state_save(ctx, bad); /* the text itself: "[1]", "{oops" ... */
    }
    return rc;
}

static dw_status scenario_log(dw_ctx *ctx) {
    api->log(ctx, DW_LOG_DEBUG, "debug %d", 1);
    api->log(ctx, DW_LOG_INFO, "info with secret %s", cfg(ctx, "password", "-"));
    api->log(ctx, DW_LOG_WARN, "warn line\nwith a newline");
    api->log(ctx, (dw_log_level)12345, "level out of range");
    api->log(ctx, DW_LOG_INFO, NULL);
    api->log(ctx, DW_LOG_INFO, "%s", "bad utf8 \xff here");
    char *big = malloc(100000);
    memset(big, 'L', 99999);
    big[99999] = 0;
    api->log(ctx, DW_LOG_WARN, "%s", big);
    free(big);
    api->log(NULL, DW_LOG_INFO, "no ctx");
    return report(ctx, "logged", 0, NULL);
}

static dw_status scenario_fail(dw_ctx *ctx) {
    int64_t code = 1;
    api->config_int(ctx, "code", &code);
    return api->fail(ctx, (dw_status)code, "%s", cfg(ctx, "message", "failed"));
}

static dw_status scenario_fail_ok(dw_ctx *ctx) {
    api->fail(ctx, DW_ERR_HTTP, "optional enrichment failed; continuing");
    return report(ctx, "after_fail", 0, NULL);
}

static dw_status scenario_cancel(dw_ctx *ctx) {
    for (long i = 0; i < 1000000; i++) {
        if (api->cancelled(ctx)) return api->fail(ctx, DW_ERR_CANCELLED, "stopped at row %ld", i);
        dw_status st = report(ctx, "row", i, NULL);
        if (st != DW_OK) return st;
    }
    return DW_OK;
}

static dw_status scenario_json(dw_ctx *ctx) {
    if (!DW_API_HAS(api, emit_value)) return api->fail(ctx, DW_ERR_UNSUPPORTED, "host has no 1.2 JSON helpers");
    static const char doc[] = "{\"data\":[{\"id\":1,\"v\":1.50},{\"id\":2,\"v\":true}],\"next\":{\"url\":\"u?a=1\"},"
                              "\"n\":null,\"s\":\"caf\xc3\xa9\"}";
    dw_json *root = api->json_parse(ctx, doc, sizeof doc - 1);
    report(ctx, "parsed", root != NULL, NULL);
    dw_json *data = api->json_get(root, "data");
    report(ctx, "array_len", (long long)api->json_array_len(data), NULL);
    report_str(ctx, "index1.id", 0, api->json_string(api->json_get(api->json_index(data, 1), "id")));
    report_str(ctx, "path", 0, api->json_string(api->json_get(root, "data[0].v")));
    report_str(ctx, "bool", 0, api->json_string(api->json_get(root, "data[1].v")));
    report_str(ctx, "string", 0, api->json_string(api->json_get(root, "s")));
    report_str(ctx, "object_string", 0, api->json_string(api->json_get(root, "next")));
    report(ctx, "null_member", api->json_get(root, "n") == NULL, NULL);
    report(ctx, "out_of_range", api->json_index(data, 2) == NULL, NULL);
    report(ctx, "not_array_len", (long long)api->json_array_len(root), NULL);
    char *text = api->json_text(api->json_get(root, "next"));
    report_str(ctx, "text", 0, text);
    api->free(text);
    report(ctx, "parse_bad", api->json_parse(ctx, "{\"a\":", 5) == NULL, NULL);
    report(ctx, "parse_null_text", api->json_parse(ctx, NULL, 10) == NULL, NULL);
    report(ctx, "parse_bad_utf8", api->json_parse(ctx, "\"\xff\"", 3) == NULL, NULL);
    report(ctx, "get_null", api->json_get(NULL, "a") == NULL && api->json_get(root, NULL) == NULL, NULL);
    report(ctx, "text_null", api->json_text(NULL) == NULL, NULL);
    api->json_free(NULL);
    dw_status st = api->emit_value(ctx, data); /* two rows */
    if (st != DW_OK) {
        api->json_free(root);
        return st;
    }
    st = api->emit_value(ctx, api->json_get(root, "s")); /* a string: refused */
    api->json_free(root);
    return st;
}

static dw_status scenario_url(dw_ctx *ctx) {
    if (!DW_API_HAS(api, url_build)) return api->fail(ctx, DW_ERR_UNSUPPORTED, "host has no url_build");
    static const char *const params[] = {"q", "a b&c=d/é", "empty", "", "odd", NULL};
    static const char *const one[] = {"page", "2", NULL};
    struct {
        const char *step, *base, *path;
        const char *const *params;
    } cases[] = {
        {"join", "https://api.example.com/v3/", "/repos/a/b", one},
        {"encode", "https://api.example.com", "search", params},
        {"keeps_query", "https://api.example.com", "/items?sort=asc", one},
        {"absolute_path", "https://api.example.com", "https://next.example.com/p?cursor=x", one},
        {"no_path", "https://api.example.com", NULL, NULL},
        {"no_base", NULL, "/relative", one},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *u = api->url_build(ctx, cases[i].base, cases[i].path, cases[i].params);
        report_str(ctx, cases[i].step, u != NULL, u);
        api->free(u);
    }
    return DW_OK;
}

static dw_status scenario_secret(dw_ctx *ctx) {
    if (!DW_API_HAS(api, secret_add)) return api->fail(ctx, DW_ERR_UNSUPPORTED, "host has no secret_add");
    api->secret_add(ctx, "rt-session-token-42");
    api->secret_add(ctx, NULL);
    api->secret_add(NULL, "x");
    api->log(ctx, DW_LOG_WARN, "got session rt-session-token-42");
    return api->fail(ctx, DW_ERR_AUTH, "session rt-session-token-42 expired");
}

static dw_status at_run(dw_ctx *ctx, const dw_run_inputs *in) {
    const char *s = in->schema_name;
    if (!strcmp(s, "config")) return scenario_config(ctx);
    if (!strcmp(s, "rows")) return scenario_rows(ctx);
    if (!strcmp(s, "row_bad")) return scenario_row_bad(ctx);
    if (!strcmp(s, "emit")) return scenario_emit(ctx);
    if (!strcmp(s, "emit_len")) return scenario_emit_len(ctx);
    if (!strcmp(s, "state")) return scenario_state(ctx);
    if (!strcmp(s, "state_bad")) return scenario_state_bad(ctx);
    if (!strcmp(s, "log")) return scenario_log(ctx);
    if (!strcmp(s, "fail")) return scenario_fail(ctx);
    if (!strcmp(s, "fail_ok")) return scenario_fail_ok(ctx);
    if (!strcmp(s, "bogus_status")) return (dw_status)999;
    if (!strcmp(s, "cancel")) return scenario_cancel(ctx);
    if (!strcmp(s, "json")) return scenario_json(ctx);
    if (!strcmp(s, "url")) return scenario_url(ctx);
    if (!strcmp(s, "secret")) return scenario_secret(ctx);
    if (!strcmp(s, "identity")) {
        report_str(ctx, "job_id", 0, in->job_id);
        report_str(ctx, "team_id", 0, in->team_id);
        return report_str(ctx, "schema_name", 0, in->schema_name);
    }
    return api->fail(ctx, DW_ERR_NOT_FOUND, "no scenario '%s'", s);
}

static const dw_field fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "name", .label = "Name", .input_type = DW_INPUT_TEXT},
    {.kind = DW_FIELD_INPUT, .name = "password", .label = "Password", .input_type = DW_INPUT_PASSWORD},
};

static const dw_error_mapping non_retryable[] = {
    {"invalid api key", "Your API key is invalid: create a new one in the dashboard"},
};

DW_EXPORT const dw_source dwhost_source = {
    DW_SOURCE_HEADER,
    .name = "apitest",
    .label = "API test",
    .icon_path = "/static/services/apitest.svg",
    .version = "1.0.0",
    .capabilities = DW_CAP_RESUMABLE,
    .fields = fields,
    .n_fields = DW_COUNT(fields),
    .non_retryable_errors = non_retryable,
    .n_non_retryable_errors = DW_COUNT(non_retryable),
    .init = at_init,
    .list_schemas = at_list_schemas,
    .check_credentials = at_check,
    .run = at_run,
};
