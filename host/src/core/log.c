/* log.c -- an operation's log lines: its identity from dw_ctx (see log.h). */
#include "log.h"

#include "ctx.h"
#include "registry/registry.h"

dwhi_log_identity dwhi_log_identity_of(const dw_ctx *ctx) {
    dwhi_log_identity who = {0};
    if (!ctx) return who;
    who.team_id = ctx->team_id;
    who.source_type = ctx->plugin ? dwh_plugin_name(ctx->plugin) : NULL;
    who.source_id = ctx->source_id;
    who.schema = ctx->schema_name;
    who.schema_id = ctx->schema_id;
    who.job_id = ctx->job_id;
    who.secrets = ctx->secrets;
    who.dest = ctx->log_dest;
    return who;
}

void dwhi_logv(const dw_ctx *ctx, dw_log_level level, const char *event, const char *fmt, va_list ap) {
    dwhi_log_identity who = dwhi_log_identity_of(ctx);
    if (!dwhi_log_enabled_for(ctx ? &who : NULL, level)) return;
    dwhi_log_linev(ctx ? &who : NULL, level, event, fmt, ap);
}

void dwhi_log(const dw_ctx *ctx, dw_log_level level, const char *event, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    dwhi_logv(ctx, level, event, fmt, ap);
    va_end(ap);
}

void dwhi_log_fields(const dw_ctx *ctx, dw_log_level level, const char *event, const char *msg,
                    json_object *fields) {
    dwhi_log_identity who = dwhi_log_identity_of(ctx);
    dwhi_log_line_fields(ctx ? &who : NULL, level, event, msg, fields);
}
