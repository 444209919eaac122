/*
 * crasher.c -- a test source that crashes for real where it is told to,
 * to prove that the host contains plugin crashes (host/src/crash/crash_handler.h)
 * and loses nothing already committed.
 *
 * Schema "items": rows {"id": n, "name": "item n"} for n = 1..total_rows,
 * page_rows per page, {"next_id": n} saved after each page and resumed
 * from; incremental on "id" (rows <= the last value are skipped).
 * webhook_transform emits the payload (one JSON object) as a row.
 *
 * Where and how to crash, from the config:
 *   crash_in     "none" (default) | "list_schemas" | "check" | "run" | "webhook"
 *   crash_how    "segv" (NULL store, default) | "abort" | "stack" (unbounded
 *                recursion) | "fpe" (integer division by zero) | "ill"
 *                (trap instruction) | "bus" (access past the end of a
 *                truncated mapped file) | "exit" (exit(3); only in the
 *                build named "misbehaver", tests/serve/CMakeLists.txt, as
 *                tools/plugin-audit must find no exit() in the crasher:
 *                here it segfaults) | "hang" (sleeps
 *                forever without calling the host) | "hog" (allocates and
 *                touches memory until malloc fails, then stores through NULL)
 *   crash_after_pages  run only: emit and save N pages, then emit half of
 *                the next page (never saved) and crash (default 0)
 * or from the environment, for what runs without a config:
 *   CRASHER_CRASH=<point>:<how>, point one of load (a constructor, while
 *   dlopen runs), init, fini, unload (a destructor), list_schemas, check,
 *   run, webhook.
 *
 * The crash functions opt out of UBSan, which would otherwise stop the
 * process itself in the sanitizer build: a plugin built by someone else
 * is not instrumented, and its crash is what we test.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dwsdk.h"

#define NO_UBSAN __attribute__((noinline, no_sanitize("undefined")))

/* The source's name: the same code is built as "misbehaver" too. */
#ifndef CRASHER_NAME
#define CRASHER_NAME "crasher"
#endif

static const dw_host_api *api;

/* ---- ways to crash ------------------------------------------------------- */

/* volatile everywhere: the compiler must neither drop the store nor turn
 * the division into arithmetic that cannot trap. */
static NO_UBSAN void crash_segv(void) {
    volatile int *volatile p = NULL;
    *p = 42;
}

static volatile int zero, seven = 7;
static volatile int sink_value;

static NO_UBSAN void crash_fpe(void) { sink_value = seven / zero; }

static NO_UBSAN void crash_ill(void) { __builtin_trap(); }

/* Never returns in practice: `limit` is far beyond any stack. */
static NO_UBSAN int recurse(volatile char *below, long depth, long limit) {
    volatile char frame[4096];
    frame[0] = (char)depth;
    frame[sizeof frame - 1] = below ? below[0] : 0;
    if (depth >= limit) return frame[0];
    return recurse(frame, depth + 1, limit) + frame[1];
}

static NO_UBSAN void crash_stack(void) { sink_value = recurse(NULL, 0, (long)1 << 40); }

static NO_UBSAN void crash_bus(void) {
    char path[] = "/tmp/dwh-crasher-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) abort();
    unlink(path);
    long page = sysconf(_SC_PAGESIZE);
    if (ftruncate(fd, page) != 0) abort();
    volatile char *m = mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) abort();
    if (ftruncate(fd, 0) != 0) abort();
    sink_value = m[0]; /* the page no longer has a file behind it */
}

/* What a crash guard cannot catch, for `dwhost serve`'s supervision:
 * exit() in the middle of a run, a hang that never calls the host, and a
 * memory hog that touches memory until malloc fails, then uses the NULL
 * (as careless code does). */
#ifdef CRASHER_EXITS
static NO_UBSAN void misbehave_exit(void) { exit(3); }
#else
static NO_UBSAN void misbehave_exit(void) { crash_segv(); }
#endif

static NO_UBSAN void misbehave_hang(void) {
    for (;;) sleep(1);
}

static NO_UBSAN void misbehave_hog(void) {
    for (;;) {
        size_t chunk = (size_t)16 << 20;
        char *volatile p = malloc(chunk);
        if (!p) {
            crash_segv();
            return;
        }
        memset(p, 1, chunk);
    }
}

static void crash(const char *how) {
    if (how && !strcmp(how, "exit")) misbehave_exit();
    if (how && !strcmp(how, "hang")) misbehave_hang();
    if (how && !strcmp(how, "hog")) misbehave_hog();
    if (!how || !*how || !strcmp(how, "segv")) crash_segv();
    else if (!strcmp(how, "abort")) abort();
    else if (!strcmp(how, "stack")) crash_stack();
    else if (!strcmp(how, "fpe")) crash_fpe();
    else if (!strcmp(how, "ill")) crash_ill();
    else if (!strcmp(how, "bus")) crash_bus();
    else crash_segv();
}

/* CRASHER_CRASH=<point>:<how> names this point: crash. */
static void crash_if_env(const char *point) {
    const char *e = getenv("CRASHER_CRASH");
    size_t n = strlen(point);
    if (e && !strncmp(e, point, n) && (e[n] == ':' || e[n] == 0)) crash(e[n] == ':' ? e + n + 1 : NULL);
}

__attribute__((constructor)) static void crasher_load(void) { crash_if_env("load"); }
__attribute__((destructor)) static void crasher_unload(void) { crash_if_env("unload"); }

/* ---- config ---------------------------------------------------------------- */

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

/* Crashes when the config or the environment names this point. */
static void maybe_crash(dw_ctx *ctx, const char *point) {
    crash_if_env(point);
    if (!strcmp(cfg_str(ctx, "crash_in", "none"), point)) crash(cfg_str(ctx, "crash_how", "segv"));
}

/* ---- operations ------------------------------------------------------------ */

static dw_status crasher_init(const dw_host_api *a, void **plugin_data) {
    api = a;
    crash_if_env("init");
    return DW_API_HAS(a, state_save) ? DW_OK : DW_ERR_UNSUPPORTED;
}

static void crasher_fini(void *plugin_data) { crash_if_env("fini"); }

static const dw_incremental_field incremental[] = {{"ID", "id", DW_TYPE_INTEGER}};
static const char *const primary_keys[] = {"id", NULL};

static dw_status crasher_list_schemas(dw_ctx *ctx) {
    maybe_crash(ctx, "list_schemas");
    dw_schema s = {
        .struct_size = sizeof s,
        .name = "items",
        .label = "Items",
        .description = "Paged rows; crashes where told to",
        .supports_incremental = 1,
        .supports_webhooks = 1,
        .should_sync_default = 1,
        .incremental_fields = incremental,
        .n_incremental_fields = DW_COUNT(incremental),
        .primary_keys = primary_keys,
        .row_count = -1,
    };
    return api->schema_add(ctx, &s);
}

static dw_status crasher_check(dw_ctx *ctx, const char *schema) {
    maybe_crash(ctx, "check");
    if (schema && strcmp(schema, "items") != 0)
        return api->fail(ctx, DW_ERR_NOT_FOUND, "schema '%s' does not exist; the crasher has 'items'", schema);
    return DW_OK;
}

/* Emits rows first..last (inclusive) as one JSON array. */
static dw_status emit_range(dw_ctx *ctx, int64_t first, int64_t last, int64_t skip_upto) {
    size_t cap = (size_t)(last - first + 1) * 48 + 8, len = 0;
    char *buf = malloc(cap);
    if (!buf) return api->fail(ctx, DW_ERR_NOMEM, "out of memory");
    int n = 0;
    buf[len++] = '[';
    for (int64_t id = first; id <= last; id++) {
        if (id <= skip_upto) continue;
        len += (size_t)snprintf(buf + len, cap - len, "%s{\"id\":%" PRId64 ",\"name\":\"item %" PRId64 "\"}",
                                n++ ? "," : "", id, id);
    }
    buf[len++] = ']';
    dw_status st = n ? api->emit_json(ctx, buf, len) : DW_OK;
    free(buf);
    return st;
}

static dw_status crasher_run(dw_ctx *ctx, const dw_run_inputs *in) {
    crash_if_env("run"); /* the config's crash_in=run waits for crash_after_pages */
    if (strcmp(in->schema_name, "items") != 0)
        return api->fail(ctx, DW_ERR_NOT_FOUND, "schema '%s' does not exist; the crasher has 'items'", in->schema_name);
    int64_t total = cfg_int(ctx, "total_rows", 100), page = cfg_int(ctx, "page_rows", 10);
    int64_t crash_after = cfg_int(ctx, "crash_after_pages", 0);
    int crash_here = !strcmp(cfg_str(ctx, "crash_in", "none"), "run");
    if (total < 0 || page <= 0) return api->fail(ctx, DW_ERR_CONFIG, "total_rows must be >= 0 and page_rows > 0");
    int64_t skip = 0;
    if (in->use_incremental && in->incremental_last_value) skip = strtoll(in->incremental_last_value, NULL, 10);
    int64_t next = 1;
    if (api->state_can_resume(ctx)) {
        const char *st = api->state_load(ctx);
        const char *k = st ? strstr(st, "\"next_id\"") : NULL;
        const char *colon = k ? strchr(k, ':') : NULL;
        if (!colon) return api->fail(ctx, DW_ERR_STATE, "saved state has no next_id: %s", st ? st : "(none)");
        next = strtoll(colon + 1, NULL, 10);
    }
    int64_t pages = 0;
    while (next <= total) {
        int64_t last = next + page - 1 > total ? total : next + page - 1;
        if (crash_here && pages == crash_after) {
            /* half a page that is never saved, then the crash */
            dw_status st = emit_range(ctx, next, next + (last - next) / 2, skip);
            if (st != DW_OK) return st;
            crash(cfg_str(ctx, "crash_how", "segv"));
        }
        dw_status st = emit_range(ctx, next, last, skip);
        if (st != DW_OK) return st;
        next = last + 1;
        char state[48];
        snprintf(state, sizeof state, "{\"next_id\":%" PRId64 "}", next);
        if ((st = api->state_save(ctx, state)) != DW_OK) return st;
        pages++;
    }
    return DW_OK;
}

static dw_status crasher_webhook(dw_ctx *ctx, const char *schema, const char *payload, size_t len) {
    maybe_crash(ctx, "webhook");
    return api->emit_json(ctx, payload, len);
}

/* ---- descriptor ------------------------------------------------------------ */

static const dw_field fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "crash_in", .label = "Crash in (none, list_schemas, check, run, webhook)",
     .input_type = DW_INPUT_TEXT, .default_value = "none"},
    {.kind = DW_FIELD_INPUT, .name = "crash_how", .label = "Crash how (segv, abort, stack, fpe, ill, bus, exit, hang, hog)",
     .input_type = DW_INPUT_TEXT, .default_value = "segv"},
    {.kind = DW_FIELD_INPUT, .name = "crash_after_pages", .label = "run: crash after N saved pages",
     .input_type = DW_INPUT_NUMBER},
    {.kind = DW_FIELD_INPUT, .name = "total_rows", .label = "Total rows", .input_type = DW_INPUT_NUMBER,
     .default_value = "100"},
    {.kind = DW_FIELD_INPUT, .name = "page_rows", .label = "Rows per page", .input_type = DW_INPUT_NUMBER,
     .default_value = "10"},
};

static const dw_webhook_resource webhooks[] = {{"items", "item.created"}};

DW_EXPORT const dw_source dwhost_source = {
    DW_SOURCE_HEADER,
    .name = CRASHER_NAME,
    .label = "Crasher (test)",
    .caption = "Crashes where its config says, to test crash containment",
    .icon_path = "/static/services/crasher.svg",
    .category = "Testing",
    .release_status = DW_RELEASE_ALPHA,
    .comm_method = DW_COMM_LOCAL_FILES,
    .version = "1.0.0",
    .capabilities = DW_CAP_RESUMABLE | DW_CAP_WEBHOOK,
    .fields = fields,
    .n_fields = DW_COUNT(fields),
    .webhook_resources = webhooks,
    .n_webhook_resources = DW_COUNT(webhooks),
    .init = crasher_init,
    .fini = crasher_fini,
    .list_schemas = crasher_list_schemas,
    .check_credentials = crasher_check,
    .run = crasher_run,
    .webhook_transform = crasher_webhook,
};
