/*
 * pager.c -- a deterministic, resumable test source for crash, resume and
 * incremental tests.  Network-free and fast.
 *
 * Schema "items": rows with ids start_id .. start_id+total_rows-1, emitted
 * page_rows at a time in `sort` order ("asc" or "desc"):
 *   {"id": n, "name": "item n", "amount": n * 1.25, "active": n even,
 *    "created_at": 2024-01-01T00:00:00Z + n hours,
 *    "updated_at": created_at + 30 minutes}           (ISO-8601, UTC, "Z")
 * After each page it saves {"next_id": <the id the next page starts at>}
 * and, on a resumed run, continues from there.
 *
 * Incremental (fields "id" integer and "updated_at" datetime): rows whose
 * field is <= incremental_last_value are skipped.  In "desc" order the
 * run emits the rows above the last value (newest first), then the rows
 * below incremental_earliest_value, the way a descending API is scrolled.
 *
 * Config (all optional; numbers may also be given as numeric strings):
 *   total_rows (100)  page_rows (10)  delay_ms (0, per page)  start_id (1)
 *   sort ("asc")      partition ("none" | "md5" | "numerical" | "datetime")
 *   fail_after_pages  N: fail with DW_ERR_UNREACHABLE (message:
 *                     fail_message, default "simulated outage") once N
 *                     pages were emitted and saved
 *   abort_after_pages N: abort() the process after emitting page N and
 *                     before saving its state (a crash mid-batch)
 *   check ("ok" | "auth" | "forbidden" | "warn403" | "unreachable"):
 *                     what check_credentials answers; warn403 passes with a
 *                     warning when no schema is given, as a scope-less token
 *   secret            a password field (for scrubbing tests); logged once
 *
 * Non-retryable map: "simulated permanent failure" -> a friendly message.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dwsdk.h"

/* Another build of the same source (tests/serve: a plugin replaced on
 * disk) differs in its version and the word of its rows' names. */
#ifndef PAGER_VERSION
#define PAGER_VERSION "1.0.0"
#endif
#ifndef PAGER_ITEM
#define PAGER_ITEM "item"
#endif

static const dw_host_api *api;

static dw_status pager_init(const dw_host_api *a, void **plugin_data) {
    api = a;
    if (!DW_API_HAS(a, state_save)) return DW_ERR_UNSUPPORTED; /* needs ABI 1.1 */
    return DW_OK;
}

/* An integer config value: a JSON number or a numeric string. */
static int64_t cfg_int(dw_ctx *ctx, const char *name, int64_t def) {
    int64_t v;
    if (api->config_int(ctx, name, &v) == 1) return v;
    const char *s = api->config_string(ctx, name);
    if (s && *s) {
        char *end;
        errno = 0;
        long long x = strtoll(s, &end, 10);
        if (!errno && *end == 0) return x;
    }
    return def;
}

static const char *cfg_str(dw_ctx *ctx, const char *name, const char *def) {
    const char *s = api->config_string(ctx, name);
    return s && *s ? s : def;
}

static const dw_incremental_field incremental[] = {
    {"ID", "id", DW_TYPE_INTEGER},
    {"Updated at", "updated_at", DW_TYPE_DATETIME},
};
static const char *const primary_keys[] = {"id", NULL};
static const char *const created_key[] = {"created_at", NULL};

static dw_status pager_list_schemas(dw_ctx *ctx) {
    const char *sort = cfg_str(ctx, "sort", "asc");
    const char *part = cfg_str(ctx, "partition", "none");
    dw_schema s = {
        .struct_size = sizeof s,
        .name = "items",
        .label = "Items",
        .description = "Deterministic rows, paged, resumable",
        .supports_incremental = 1,
        .supports_append = 1,
        .should_sync_default = 1,
        .incremental_fields = incremental,
        .n_incremental_fields = DW_COUNT(incremental),
        .primary_keys = primary_keys,
        .sort_mode = strcmp(sort, "desc") == 0 ? DW_SORT_DESC : DW_SORT_ASC,
        .row_count = cfg_int(ctx, "total_rows", 100),
    };
    if (!strcmp(part, "md5")) {
        s.partition_mode = DW_PARTITION_MD5;
        s.partition_count = 4;
    } else if (!strcmp(part, "numerical")) {
        s.partition_mode = DW_PARTITION_NUMERICAL;
        s.partition_size = 25;
    } else if (!strcmp(part, "datetime")) {
        s.partition_mode = DW_PARTITION_DATETIME;
        s.partition_format = DW_PARTITION_BY_MONTH;
        s.partition_keys = created_key;
    }
    return api->schema_add(ctx, &s);
}

static dw_status pager_check(dw_ctx *ctx, const char *schema) {
    const char *check = cfg_str(ctx, "check", "ok");
    if (schema && strcmp(schema, "items") != 0)
        return api->fail(ctx, DW_ERR_NOT_FOUND, "schema '%s' does not exist; the pager has 'items'", schema);
    if (!strcmp(check, "auth")) return api->fail(ctx, DW_ERR_AUTH, "401 Unauthorized: the token was rejected");
    if (!strcmp(check, "forbidden"))
        return api->fail(ctx, DW_ERR_FORBIDDEN, "403 Forbidden: the token lacks the items:read scope");
    if (!strcmp(check, "unreachable")) return api->fail(ctx, DW_ERR_UNREACHABLE, "could not reach the pager");
    if (!strcmp(check, "warn403")) {
        if (schema)
            return api->fail(ctx, DW_ERR_FORBIDDEN, "403 Forbidden: the token lacks the items:read scope");
        api->log(ctx, DW_LOG_WARN, "403 Forbidden: the token lacks the items:read scope; accepted without a schema");
    }
    return DW_OK;
}

/* created_at for id n, ISO-8601 UTC, plus `extra` seconds. */
static void timestamp(int64_t id, int extra, char out[32]) {
    time_t t = (time_t)(1704067200 + id * 3600 + extra); /* 2024-01-01T00:00:00Z */
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The watermark as text: numbers as written, strings unquoted. */
static void scalar_text(const char *json, char *out, size_t n) {
    out[0] = 0;
    if (!json) return;
    size_t len = strlen(json);
    if (len >= 2 && json[0] == '"' && json[len - 1] == '"') {
        json++;
        len -= 2;
    }
    if (len >= n) len = n - 1;
    memcpy(out, json, len);
    out[len] = 0;
}

typedef struct {
    int field;         /* 0: none, 1: id, 2: updated_at */
    int has_last, has_earliest;
    char last[64], earliest[64];
    int64_t last_id, earliest_id;
} filter_t;

/* Compares row `id` on the filter field against a watermark: <0, 0, >0. */
static int cmp_row(const filter_t *f, int64_t id, const char *mark, int64_t mark_id) {
    if (f->field == 1) return id < mark_id ? -1 : id > mark_id;
    char ts[32];
    timestamp(id, 1800, ts);
    return strcmp(ts, mark);
}

static void sleep_ms(dw_ctx *ctx, int64_t ms) {
    while (ms > 0 && !api->cancelled(ctx)) {
        int64_t step = ms > 20 ? 20 : ms;
        struct timespec ts = {0, (long)step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

static dw_status pager_run(dw_ctx *ctx, const dw_run_inputs *in) {
    if (strcmp(in->schema_name, "items") != 0)
        return api->fail(ctx, DW_ERR_NOT_FOUND, "schema '%s' does not exist; the pager has 'items'", in->schema_name);
    int64_t total = cfg_int(ctx, "total_rows", 100), page = cfg_int(ctx, "page_rows", 10);
    int64_t delay = cfg_int(ctx, "delay_ms", 0), start = cfg_int(ctx, "start_id", 1);
    int64_t fail_after = cfg_int(ctx, "fail_after_pages", -1), abort_after = cfg_int(ctx, "abort_after_pages", -1);
    int desc = strcmp(cfg_str(ctx, "sort", "asc"), "desc") == 0;
    if (total < 0 || page <= 0) return api->fail(ctx, DW_ERR_CONFIG, "total_rows must be >= 0 and page_rows > 0");
    const char *secret = api->config_string(ctx, "secret");
    if (secret) api->log(ctx, DW_LOG_INFO, "authenticating with %s", secret);

    filter_t f = {0};
    if (in->use_incremental && in->incremental_field) {
        if (!strcmp(in->incremental_field, "id"))
            f.field = 1;
        else if (!strcmp(in->incremental_field, "updated_at"))
            f.field = 2;
        else
            return api->fail(ctx, DW_ERR_CONFIG, "incremental field '%s' is not one of id, updated_at",
                             in->incremental_field);
        if (in->incremental_last_value) {
            f.has_last = 1;
            scalar_text(in->incremental_last_value, f.last, sizeof f.last);
            f.last_id = strtoll(f.last, NULL, 10);
        }
        if (in->incremental_earliest_value) {
            f.has_earliest = 1;
            scalar_text(in->incremental_earliest_value, f.earliest, sizeof f.earliest);
            f.earliest_id = strtoll(f.earliest, NULL, 10);
        }
    }

    int64_t lo = start, hi = start + total - 1;
    int64_t next = desc ? hi : lo;
    if (api->state_can_resume(ctx)) {
        const char *st = api->state_load(ctx);
        const char *k = st ? strstr(st, "\"next_id\"") : NULL;
        const char *colon = k ? strchr(k, ':') : NULL;
        if (!colon) return api->fail(ctx, DW_ERR_STATE, "saved state has no next_id: %s", st ? st : "(none)");
        next = strtoll(colon + 1, NULL, 10);
        api->log(ctx, DW_LOG_INFO, "resuming at id %" PRId64, next);
    }

    size_t cap = (size_t)page * 256 + 16;
    char *buf = malloc(cap);
    if (!buf) return api->fail(ctx, DW_ERR_NOMEM, "out of memory");
    int64_t pages = 0;
    dw_status rc = DW_OK;
    while (desc ? next >= lo : next <= hi) {
        if (api->cancelled(ctx)) {
            rc = api->fail(ctx, DW_ERR_CANCELLED, "cancelled at id %" PRId64, next);
            break;
        }
        size_t len = 0;
        int64_t n = 0, id = next;
        len += (size_t)snprintf(buf + len, cap - len, "[");
        for (; n < page && (desc ? id >= lo : id <= hi); desc ? id-- : id++) {
            if (f.field) {
                int above = !f.has_last || cmp_row(&f, id, f.last, f.last_id) > 0;
                int below = f.has_earliest && cmp_row(&f, id, f.earliest, f.earliest_id) < 0;
                /* asc: only rows above the last value; desc: above the
                 * last value, then below the earliest one. */
                if (desc ? !(f.has_last ? above || below : (!f.has_earliest || below)) : !above) continue;
            }
            char created[32], updated[32];
            timestamp(id, 0, created);
            timestamp(id, 1800, updated);
            len += (size_t)snprintf(buf + len, cap - len,
                                    "%s{\"id\":%" PRId64 ",\"name\":\"" PAGER_ITEM " %" PRId64 "\",\"amount\":%.2f,"
                                    "\"active\":%s,\"created_at\":\"%s\",\"updated_at\":\"%s\"}",
                                    n ? "," : "", id, id, (double)id * 1.25, id % 2 == 0 ? "true" : "false",
                                    created, updated);
            n++;
        }
        len += (size_t)snprintf(buf + len, cap - len, "]");
        next = id;
        if (n > 0) {
            rc = api->emit_json(ctx, buf, len);
            if (rc != DW_OK) break;
        }
        pages++;
        if (abort_after >= 0 && pages >= abort_after) abort();
        char state[64];
        snprintf(state, sizeof state, "{\"next_id\":%" PRId64 "}", next);
        rc = api->state_save(ctx, state);
        if (rc != DW_OK) break;
        if (fail_after >= 0 && pages >= fail_after && (desc ? next >= lo : next <= hi)) {
            rc = api->fail(ctx, DW_ERR_UNREACHABLE, "%s after %" PRId64 " pages",
                           cfg_str(ctx, "fail_message", "simulated outage"), pages);
            break;
        }
        if (delay > 0) sleep_ms(ctx, delay);
    }
    free(buf);
    return rc;
}

static const dw_field fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "total_rows", .label = "Total rows", .input_type = DW_INPUT_NUMBER,
     .default_value = "100"},
    {.kind = DW_FIELD_INPUT, .name = "page_rows", .label = "Rows per page", .input_type = DW_INPUT_NUMBER,
     .default_value = "10"},
    {.kind = DW_FIELD_INPUT, .name = "delay_ms", .label = "Delay per page (ms)", .input_type = DW_INPUT_NUMBER},
    {.kind = DW_FIELD_INPUT, .name = "start_id", .label = "First id", .input_type = DW_INPUT_NUMBER,
     .default_value = "1"},
    {.kind = DW_FIELD_INPUT, .name = "sort", .label = "Order (asc or desc)", .input_type = DW_INPUT_TEXT,
     .default_value = "asc"},
    {.kind = DW_FIELD_INPUT, .name = "partition", .label = "Partition mode", .input_type = DW_INPUT_TEXT},
    {.kind = DW_FIELD_INPUT, .name = "fail_after_pages", .label = "Fail after N pages",
     .input_type = DW_INPUT_NUMBER},
    {.kind = DW_FIELD_INPUT, .name = "fail_message", .label = "Failure message", .input_type = DW_INPUT_TEXT},
    {.kind = DW_FIELD_INPUT, .name = "abort_after_pages", .label = "Abort after N pages",
     .input_type = DW_INPUT_NUMBER},
    {.kind = DW_FIELD_INPUT, .name = "check", .label = "Credential check outcome", .input_type = DW_INPUT_TEXT},
    {.kind = DW_FIELD_INPUT, .name = "secret", .label = "Secret", .input_type = DW_INPUT_PASSWORD},
};

static const dw_error_mapping non_retryable[] = {
    {"simulated permanent failure", "The pager refused the request permanently: fix the pager config"},
};

DW_EXPORT const dw_source dwhost_source = {
    DW_SOURCE_HEADER,
    .name = "pager",
    .label = "Pager (test)",
    .caption = "Deterministic paged rows for tests",
    .icon_path = "/static/services/pager.svg",
    .category = "Testing",
    .release_status = DW_RELEASE_ALPHA,
    .comm_method = DW_COMM_LOCAL_FILES,
    .version = PAGER_VERSION,
    .capabilities = DW_CAP_RESUMABLE,
    .fields = fields,
    .n_fields = DW_COUNT(fields),
    .non_retryable_errors = non_retryable,
    .n_non_retryable_errors = DW_COUNT(non_retryable),
    .init = pager_init,
    .list_schemas = pager_list_schemas,
    .check_credentials = pager_check,
    .run = pager_run,
};
