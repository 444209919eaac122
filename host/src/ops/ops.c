/* ops.c -- one plugin operation around a fresh dw_ctx (see ops.h). */
#include "ops.h"
#include "base/sized_copy.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/emit.h"
#include "plugin_api_table.h"
#include "transport/http_session.h"
#include "core/log.h"
#include "crash/plugin_guard.h"
#include "base/text.h"

void dwhi_op_result_free(dwhi_op_result *r) {
    if (!r) return;
    free(r->message);
    free(r->job_id);
    free(r->note);
    free(r->result);
    if (r->result_raw) {
        explicit_bzero(r->result_raw, strlen(r->result_raw));
        free(r->result_raw);
    }
    r->message = r->job_id = r->note = r->result = r->result_raw = NULL;
}

void dwhi_uuid4(char out[37]) {
    unsigned char b[16];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
        /* getrandom only fails before the pool is seeded or on ancient
         * kernels; a job id needs uniqueness, not secrecy. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x = ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) ^ (uint64_t)(uintptr_t)out;
        for (int i = 0; i < 16; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            b[i] = (unsigned char)x;
        }
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
             b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static dwhi_op_result fail_result(dw_status code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static dwhi_op_result fail_result(dw_status code, const char *fmt, ...) {
    dwhi_op_result r = {.code = code, .cause = code};
    char *raw = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&raw, fmt, ap) < 0) raw = NULL;
    va_end(ap);
    r.message = dwhi_text_one_line(raw ? raw : "out of memory", DWHI_ERROR_MAX_BYTES);
    free(raw);
    return r;
}

/* Activates the plugin and prepares ctx; on failure returns non-zero and
 * fills *r (ctx is then cleaned up already). */
static int begin(dw_ctx *ctx, dwh_plugin *p, json_object *config, dwhi_secrets *secrets, const dwhi_identity *id,
                 const dwhi_op_flags *flags, const char *schema, const char *job_id, dwhi_op_result *r) {
    memset(ctx, 0, sizeof *ctx);
    if (!p) {
        *r = fail_result(DW_ERR_NOT_FOUND, "no plugin given");
        return -1;
    }
    const char *err = NULL;
    dw_status st = dwhi_plugin_activate(p, dwhi_api_table(), &err);
    if (st != DW_OK) {
        /* The registry's message is one line already; scrub anyway. */
        char *clean = dwhi_secrets_scrub(secrets, err ? err : "init() failed");
        *r = fail_result(st, "plugin '%s' could not start: %s", dwh_plugin_name(p), clean ? clean : "init() failed");
        free(clean);
        return -1;
    }
    st = dwhi_ctx_init(ctx, p, config, secrets);
    if (st == DW_OK)
        st = dwhi_ctx_set_identity(ctx, id ? id->team_id : NULL, id ? id->source_id : NULL, id ? id->schema_id : NULL,
                                  schema, job_id ? job_id : (id ? id->job_id : NULL));
    if (st != DW_OK) {
        dwhi_ctx_cleanup(ctx);
        *r = fail_result(DW_ERR_NOMEM, "out of memory preparing the operation");
        return -1;
    }
    if (flags) {
        ctx->cancel = flags->cancel;
        ctx->allow_internal_hosts = flags->allow_internal_hosts;
    }
    return 0;
}

/* Turns what the plugin returned and what ctx recorded into the result
 * (see the rules in ops.h).  Does not clean ctx up. */
static dwhi_op_result finish(dw_ctx *ctx, dw_status ret, const char *what) {
    dwhi_op_result r = {.code = DW_OK, .cause = DW_OK};
    r.never_connected = dwhi_http_never_connected(ctx);
    r.rows_emitted = ctx->rows_emitted;
    r.state_saves = ctx->state_saves;
    if (ret > DW_ERR_SINK || ret < DW_OK) {
        dwhi_log(ctx, DW_LOG_WARN, "plugin.bad_status", "%s returned %d, which is not a dw_status; treated as DW_ERR",
                what, (int)ret);
        ret = DW_ERR;
    }
    if (ret == DW_OK && !ctx->error_host) {
        if (ctx->error_code)
            dwhi_log(ctx, DW_LOG_WARN, "plugin.error.ignored", "%s reported an error but returned DW_OK: %s", what,
                    ctx->error ? ctx->error : dwhi_status_name(ctx->error_code));
        return r;
    }
    if (ctx->error_code) {
        r.code = ctx->error_code;
        r.cause = ctx->error_cause ? ctx->error_cause : ctx->error_code;
        r.message = ctx->error ? strdup(ctx->error) : NULL;
    } else {
        r.code = r.cause = ret;
        if (asprintf(&r.message, "%s failed (%s) without saying why", what, dwhi_status_name(ret)) < 0)
            r.message = NULL;
    }
    if (dwhi_ctx_cancelled(ctx) && r.code != DW_ERR_CANCELLED) {
        /* The plugin stopped because we asked it to, whatever it said. */
        char *m = NULL;
        if (asprintf(&m, "cancelled (%s)", r.message ? r.message : dwhi_status_name(r.code)) < 0) m = NULL;
        free(r.message);
        r.message = m;
        r.code = r.cause = DW_ERR_CANCELLED;
    }
    if (!r.message) r.message = strdup(dwhi_status_name(r.code));
    return r;
}

dwhi_op_result dwhi_op_list_schemas(dwh_plugin *p, json_object *config, dwhi_secrets *secrets,
                                  const dwhi_identity *id, const dwhi_op_flags *flags, json_object **schemas) {
    if (schemas) *schemas = NULL;
    dw_ctx ctx;
    dwhi_op_result r;
    if (begin(&ctx, p, config, secrets, id, flags, NULL, NULL, &r)) return r;
    const dw_source *src = dwh_plugin_source(p);
    if (!src->list_schemas) {
        r = fail_result(DW_ERR_UNSUPPORTED, "plugin '%s' does not implement list_schemas", dwh_plugin_name(p));
    } else {
        dwhi_guard g;
        dwhi_guard_enter(&g, dwh_plugin_name(p), dwh_plugin_path(p), "list_schemas", NULL);
        dw_status ret = src->list_schemas(&ctx);
        dwhi_guard_leave(&g);
        r = finish(&ctx, ret, "list_schemas");
        if (r.code == DW_OK && schemas) *schemas = json_object_get(ctx.schemas);
    }
    dwhi_ctx_cleanup(&ctx);
    return r;
}

dwhi_op_result dwhi_op_check(dwh_plugin *p, json_object *config, dwhi_secrets *secrets, const dwhi_identity *id,
                           const dwhi_op_flags *flags, const char *schema, json_object **warnings) {
    if (warnings) *warnings = NULL;
    dw_ctx ctx;
    dwhi_op_result r;
    if (begin(&ctx, p, config, secrets, id, flags, schema, NULL, &r)) return r;
    ctx.checking = 1; /* the transport's check ceiling: at most 2 attempts (http_retry.h) */
    const dw_source *src = dwh_plugin_source(p);
    if (!src->check_credentials) {
        r = fail_result(DW_ERR_UNSUPPORTED, "plugin '%s' does not implement check_credentials", dwh_plugin_name(p));
    } else {
        dwhi_guard g;
        dwhi_guard_enter(&g, dwh_plugin_name(p), dwh_plugin_path(p), "check_credentials", schema);
        dw_status ret = src->check_credentials(&ctx, schema);
        dwhi_guard_leave(&g);
        r = finish(&ctx, ret, "check_credentials");
        if (r.code == DW_OK && ctx.check_note) r.note = strdup(ctx.check_note);
    }
    if (warnings) *warnings = json_object_get(ctx.warnings);
    dwhi_ctx_cleanup(&ctx);
    return r;
}

/* Non-zero when `text` is JSON scalar text (a number or a string). */
static int is_scalar_json(const char *text) {
    json_object *v = NULL;
    char err[128];
    if (dwhi_json_parse_strict(text, strlen(text), &v, err, sizeof err) != 0) return 0;
    int ok = json_object_is_type(v, json_type_string) || json_object_is_type(v, json_type_int) ||
             json_object_is_type(v, json_type_double);
    json_object_put(v);
    return ok;
}

dwhi_op_result dwhi_op_run(dwh_plugin *p, json_object *config, dwhi_secrets *secrets, const dwhi_identity *id,
                         const dwhi_op_flags *flags, const dw_run_inputs *inputs, dwhi_row_sink *sink) {
    if (!inputs || inputs->struct_size < offsetof(dw_run_inputs, schema_name) + sizeof(char *))
        return fail_result(DW_ERR, "run: inputs are missing or their struct_size is too small");
    dw_run_inputs in;
    DWHI_COPY_SIZED(in, inputs);
    in.struct_size = (uint32_t)sizeof in;
    if (!in.schema_name || !in.schema_name[0]) return fail_result(DW_ERR_NOT_FOUND, "run: no schema name given");
    if (in.incremental_last_value && !is_scalar_json(in.incremental_last_value))
        return fail_result(DW_ERR_STATE, "run: incremental_last_value is not JSON scalar text: %s",
                           in.incremental_last_value);
    if (in.incremental_earliest_value && !is_scalar_json(in.incremental_earliest_value))
        return fail_result(DW_ERR_STATE, "run: incremental_earliest_value is not JSON scalar text: %s",
                           in.incremental_earliest_value);

    /* Identity: `id` wins, then the inputs; a job id always exists. */
    dwhi_identity who = {
        .team_id = id && id->team_id ? id->team_id : in.team_id,
        .source_id = id && id->source_id ? id->source_id : in.source_id,
        .schema_id = id && id->schema_id ? id->schema_id : in.schema_id,
        .job_id = id && id->job_id ? id->job_id : in.job_id,
    };
    char uuid[37];
    if (!who.job_id) {
        dwhi_uuid4(uuid);
        who.job_id = uuid;
    }
    dw_ctx ctx;
    dwhi_op_result r;
    if (begin(&ctx, p, config, secrets, &who, flags, in.schema_name, who.job_id, &r)) return r;
    in.team_id = ctx.team_id;
    in.source_id = ctx.source_id;
    in.schema_id = ctx.schema_id;
    in.schema_name = ctx.schema_name;
    in.job_id = ctx.job_id;
    ctx.inputs = &in;
    ctx.sink = sink;

    const dw_source *src = dwh_plugin_source(p);
    if (!src->run) {
        r = fail_result(DW_ERR_UNSUPPORTED, "plugin '%s' does not implement run", dwh_plugin_name(p));
    } else {
        dwhi_log(&ctx, DW_LOG_DEBUG, "plugin.run.start", "run started");
        dwhi_guard g;
        dwhi_guard_enter(&g, dwh_plugin_name(p), dwh_plugin_path(p), "run", in.schema_name);
        dw_status ret = src->run(&ctx, &in);
        dwhi_guard_leave(&g);
        r = finish(&ctx, ret, "run");
        dwhi_log(&ctx, DW_LOG_DEBUG, "plugin.run.end", "run ended: %s, %llu rows, %llu state saves",
                dwhi_status_name(r.code), (unsigned long long)r.rows_emitted, (unsigned long long)r.state_saves);
    }
    r.job_id = strdup(ctx.job_id);
    dwhi_ctx_cleanup(&ctx);
    return r;
}

dwhi_op_result dwhi_op_webhook(dwh_plugin *p, json_object *config, dwhi_secrets *secrets, const dwhi_identity *id,
                             const dwhi_op_flags *flags, const char *schema, const char *payload, size_t len,
                             dwhi_row_sink *sink) {
    if (!schema || !schema[0]) return fail_result(DW_ERR_NOT_FOUND, "webhook_transform: no schema name given");
    if (!payload) return fail_result(DW_ERR, "webhook_transform: no payload given");
    dw_ctx ctx;
    dwhi_op_result r;
    if (begin(&ctx, p, config, secrets, id, flags, schema, NULL, &r)) return r;
    ctx.sink = sink;
    const dw_source *src = dwh_plugin_source(p);
    if (!src->webhook_transform) {
        r = fail_result(DW_ERR_UNSUPPORTED, "plugin '%s' does not implement webhook_transform", dwh_plugin_name(p));
    } else {
        dwhi_guard g;
        dwhi_guard_enter(&g, dwh_plugin_name(p), dwh_plugin_path(p), "webhook_transform", ctx.schema_name);
        dw_status ret = src->webhook_transform(&ctx, ctx.schema_name, payload, len);
        dwhi_guard_leave(&g);
        r = finish(&ctx, ret, "webhook_transform");
    }
    dwhi_ctx_cleanup(&ctx);
    return r;
}

/* ---- for the other operations of this folder (ops_int.h) -------------- */

int dwhi_op_begin(dw_ctx *ctx, dwh_plugin *p, json_object *config, dwhi_secrets *secrets, const dwhi_identity *id,
                  const dwhi_op_flags *flags, const char *subject, dwhi_op_result *r) {
    return begin(ctx, p, config, secrets, id, flags, subject, NULL, r);
}

dwhi_op_result dwhi_op_finish(dw_ctx *ctx, dw_status ret, const char *what) { return finish(ctx, ret, what); }

dwhi_op_result dwhi_op_failed(dw_status code, const char *message) { return fail_result(code, "%s", message); }
