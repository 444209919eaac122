/*
 * plugin_api_table.c -- assembles the dw_host_api table handed to every plugin.
 * Each member is a thin, NULL-safe wrapper over the module that does the
 * work: ctx.c (errors), log.c, ctx_config.c, schema_copy.c, emit.c,
 * rows.c, plugin_json.c, url_build.c, secrets.c; the HTTP members come from
 * the transport (plugin_api_http.h).
 */
#include "plugin_api_table.h"

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include "plugin_api_http.h"
#include "core/action_result.h"
#include "core/ctx.h"
#include "core/ctx_config.h"
#include "core/emit.h"
#include "core/plugin_json.h"
#include "core/log.h"
#include "registry/registry.h"
#include "core/rows.h"
#include "core/schema_copy.h"
#include "log/secrets.h"
#include "core/state_secrets.h"
#include "base/text.h"
#include "core/url_build.h"

static void api_log(dw_ctx *ctx, dw_log_level level, const char *fmt, ...) {
    char *raw = NULL;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&raw, fmt, ap) < 0) raw = NULL;
        va_end(ap);
    }
    /* Plugins may pass any int as a level; fold it onto the four known. */
    if (level < DW_LOG_INFO) level = DW_LOG_DEBUG;
    else if (level < DW_LOG_WARN) level = DW_LOG_INFO;
    else if (level < DW_LOG_ERROR) level = DW_LOG_WARN;
    else level = DW_LOG_ERROR;
    char *line = dwhi_text_one_line(raw ? raw : "(no message)", DWHI_LOG_MAX_BYTES);
    free(raw);
    if (!line) return;
    /* Captured whatever the log level: `check` reports these. */
    if (level >= DW_LOG_WARN) dwhi_ctx_add_warning(ctx, line);
    /* What a check verified: shown instead of "accepted the credentials". */
    if (level == DW_LOG_INFO && ctx && ctx->checking) dwhi_ctx_set_check_note(ctx, line);
    dwhi_log(ctx, level, "plugin.log", "%s", line);
    free(line);
}

static dw_status api_fail(dw_ctx *ctx, dw_status code, const char *fmt, ...) {
    if (!ctx) return code == DW_OK ? DW_ERR : code;
    va_list ap;
    va_start(ap, fmt);
    dw_status r = dwhi_ctx_failv(ctx, code, fmt, ap);
    va_end(ap);
    return r;
}

/* 1.8: the same without varargs, for languages that cannot call them:
 * the message is taken as it is, '%' included. */
static void api_log_text(dw_ctx *ctx, dw_log_level level, const char *message) {
    api_log(ctx, level, "%s", message ? message : "");
}

static dw_status api_fail_text(dw_ctx *ctx, dw_status code, const char *message) {
    return api_fail(ctx, code, "%s", message ? message : "");
}

static int api_cancelled(dw_ctx *ctx) { return dwhi_ctx_cancelled(ctx); }

static dw_status api_emit_json(dw_ctx *ctx, const char *json, size_t len) {
    return dwhi_emit_json_text(ctx, json, len);
}

static void api_free(void *p) { free(p); }

static void api_secret_add(dw_ctx *ctx, const char *value) { dwhi_state_secret_runtime(ctx, value); }

/* 1.3: what init() stored, for the plugin running this operation. */
static void *api_plugin_data(dw_ctx *ctx) { return ctx && ctx->plugin ? dwhi_plugin_data(ctx->plugin) : NULL; }

static dw_host_api table;
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void build(void) {
    dw_host_api *t = &table;
    t->abi_major = DW_ABI_MAJOR;
    /* 1.0 */
    t->log = api_log;
    t->fail = api_fail;
    t->cancelled = api_cancelled;
    t->config_json = dwhi_config_json;
    t->config_string = dwhi_config_string;
    t->config_int = dwhi_config_int;
    t->config_double = dwhi_config_double;
    t->config_bool = dwhi_config_bool;
    t->config_array_len = dwhi_config_array_len;
    t->schema_add = dwhi_schema_add;
    t->emit_json = api_emit_json;
    t->row_new = dwhi_row_new;
    t->row_set_string = dwhi_row_set_string;
    t->row_set_int = dwhi_row_set_int;
    t->row_set_double = dwhi_row_set_double;
    t->row_set_bool = dwhi_row_set_bool;
    t->row_set_null = dwhi_row_set_null;
    t->row_set_json = dwhi_row_set_json;
    t->row_emit = dwhi_row_emit;
    t->row_discard = dwhi_row_discard;
    t->free = api_free;
    /* 1.1 */
    t->state_can_resume = dwhi_state_can_resume;
    t->state_load = dwhi_state_load;
    t->state_save = dwhi_state_save;
    /* 1.2: the members that are not transport */
    t->url_build = dwhi_url_build;
    t->secret_add = api_secret_add;
    t->json_parse = dwhi_json_parse;
    t->json_get = dwhi_json_get;
    t->json_array_len = dwhi_json_array_len;
    t->json_index = dwhi_json_index;
    t->json_string = dwhi_json_string;
    t->json_text = dwhi_json_text;
    t->json_free = dwhi_json_free;
    t->emit_value = dwhi_json_emit_value;
    dwhi_api_fill_http(t);
    /* 1.3 */
    t->plugin_data = api_plugin_data;
    /* 1.7 */
    t->emit_page = dwhi_emit_page;
    /* 1.8 */
    t->action_result = dwhi_action_result;
    t->log_text = api_log_text;
    t->fail_text = api_fail_text;
    if (t->http_request && t->http_status && t->http_body && t->http_header && t->http_free && t->rest_run &&
        t->rest_schema_add) {
        t->abi_minor = DW_ABI_MINOR; /* 8: every member up to fail_text (1.4 to 1.6 grew structs only) */
        t->struct_size = (uint32_t)sizeof(dw_host_api);
    } else {
        /* Without the transport the table ends where 1.2 begins, so
         * DW_API_HAS() is false for every 1.2 member. */
        t->abi_minor = 1;
        t->struct_size = (uint32_t)offsetof(dw_host_api, http_request);
    }
}

const dw_host_api *dwhi_api_table(void) {
    pthread_once(&table_once, build);
    return &table;
}
