/* ctx.c -- the operation context: identity, errors, warnings (see ctx.h). */
#include "ctx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "registry/registry.h"
#include "log/secrets.h"
#include "base/cancel.h"
#include "base/text.h"

static __thread const struct dwhi_http_options *http_scope;

const struct dwhi_http_options *dwhi_ctx_scope_http(const struct dwhi_http_options *o) {
    const struct dwhi_http_options *prev = http_scope;
    http_scope = o;
    return prev;
}

dw_status dwhi_ctx_init(dw_ctx *ctx, const struct dwh_plugin *plugin, json_object *config,
                       struct dwhi_secrets *secrets) {
    memset(ctx, 0, sizeof *ctx);
    ctx->plugin = plugin;
    ctx->log_dest = dwhi_log_scope_current();
    ctx->http_defaults = http_scope;
    ctx->secrets = secrets;
    if (!secrets) {
        ctx->secrets = dwhi_secrets_new();
        ctx->owns_secrets = 1;
    }
    ctx->schemas = json_object_new_array();
    ctx->warnings = json_object_new_array();
    /* A private copy: plugin reads may cache serialisations inside json-c
     * objects, which must not race with other operations sharing the
     * caller's config. */
    if (config && json_object_deep_copy(config, &ctx->config, NULL) != 0) ctx->config = NULL;
    if (!ctx->secrets || !ctx->schemas || !ctx->warnings || (config && !ctx->config)) return DW_ERR_NOMEM;
    return DW_OK;
}

static void clear_identity(dw_ctx *ctx) {
    free(ctx->team_id);
    free(ctx->source_id);
    free(ctx->schema_id);
    free(ctx->schema_name);
    free(ctx->job_id);
    ctx->team_id = ctx->source_id = ctx->schema_id = ctx->schema_name = ctx->job_id = NULL;
}

void dwhi_ctx_cleanup(dw_ctx *ctx) {
    if (!ctx) return;
    clear_identity(ctx);
    if (ctx->config) json_object_put(ctx->config);
    free(ctx->config_text);
    if (ctx->schemas) json_object_put(ctx->schemas);
    if (ctx->warnings) json_object_put(ctx->warnings);
    if (ctx->http && ctx->http_free) ctx->http_free(ctx->http);
    if (ctx->tok) json_tokener_free(ctx->tok);
    if (ctx->pages && ctx->pages_free) ctx->pages_free(ctx->pages);
    free(ctx->error);
    free(ctx->check_note);
    for (size_t i = 0; i < ctx->n_runtime_secrets; i++) free(ctx->runtime_secrets[i]);
    free(ctx->runtime_secrets);
    free(ctx->state_restored);
    if (ctx->action_result) explicit_bzero(ctx->action_result, strlen(ctx->action_result)); /* may hold a secret */
    free(ctx->action_result);
    if (ctx->owns_secrets) dwhi_secrets_free(ctx->secrets);
    memset(ctx, 0, sizeof *ctx);
}

static int dup_opt(char **dst, const char *src) {
    *dst = NULL;
    if (!src) return 0;
    *dst = strdup(src);
    return *dst ? 0 : -1;
}

dw_status dwhi_ctx_set_identity(dw_ctx *ctx, const char *team_id, const char *source_id,
                               const char *schema_id, const char *schema_name, const char *job_id) {
    clear_identity(ctx);
    int bad = dup_opt(&ctx->team_id, team_id) | dup_opt(&ctx->source_id, source_id) |
              dup_opt(&ctx->schema_id, schema_id) | dup_opt(&ctx->schema_name, schema_name) |
              dup_opt(&ctx->job_id, job_id);
    return bad ? DW_ERR_NOMEM : DW_OK;
}

static unsigned long activity; /* atomic builtins: a counter, no ordering needed */

void dwhi_ctx_alive(void) { __atomic_fetch_add(&activity, 1, __ATOMIC_RELAXED); }

int dwhi_ctx_cancelled(const dw_ctx *ctx) {
    dwhi_ctx_alive();
    return ctx && dwhi_cancel_requested(ctx->cancel);
}

unsigned long dwhi_ctx_activity(void) { return __atomic_load_n(&activity, __ATOMIC_RELAXED); }

/* Scrubbed, one-line, bounded copy of `msg` (malloc'd). */
static char *clean_message(const dw_ctx *ctx, const char *msg, size_t max) {
    char *scrubbed = dwhi_secrets_scrub(ctx ? ctx->secrets : NULL, msg ? msg : "(no message)");
    if (!scrubbed) return NULL;
    char *line = dwhi_text_one_line(scrubbed, max);
    free(scrubbed);
    return line;
}

void dwhi_ctx_add_warning(dw_ctx *ctx, const char *msg) {
    if (!ctx || !ctx->warnings) return;
    char *line = clean_message(ctx, msg, DWHI_LOG_MAX_BYTES);
    if (!line) return;
    json_object_array_add(ctx->warnings, json_object_new_string(line));
    free(line);
}

void dwhi_ctx_set_check_note(dw_ctx *ctx, const char *msg) {
    if (!ctx) return;
    char *line = clean_message(ctx, msg, DWHI_ERROR_MAX_BYTES);
    if (!line) return;
    free(ctx->check_note);
    ctx->check_note = line;
}

/* The plugin's friendly message for `raw`, or NULL: the first entry of its
 * non-retryable map whose substring occurs in raw, ignoring case. */
static const char *non_retryable_match(const dw_ctx *ctx, const char *raw) {
    if (!ctx->plugin || !raw) return NULL;
    const dw_source *src = dwh_plugin_source(ctx->plugin);
    if (!src || !src->non_retryable_errors) return NULL;
    for (uint32_t i = 0; i < src->n_non_retryable_errors; i++) {
        const dw_error_mapping *m = &src->non_retryable_errors[i];
        if (!m->substring || !m->substring[0]) continue;
        if (strcasestr(raw, m->substring)) return m->message && m->message[0] ? m->message : raw;
    }
    return NULL;
}

static int valid_code(dw_status code) { return code > DW_OK && code <= DW_ERR_SINK; }

/* `given_cause` non-zero: the caller already decided the code and the
 * message is final (dwhi_ctx_fail_permanent): the map is not applied. */
static dw_status record(dw_ctx *ctx, dw_status code, int from_host, const char *raw, dw_status given_cause) {
    if (!valid_code(code)) code = DW_ERR;
    dw_status cause = valid_code(given_cause) ? given_cause : code;
    const char *text = raw;
    if (!from_host && !given_cause) {
        const char *friendly = non_retryable_match(ctx, raw);
        if (friendly) {
            text = friendly;
            code = DW_ERR_NON_RETRYABLE;
        }
    }
    char *line = clean_message(ctx, text, DWHI_ERROR_MAX_BYTES);
    if (!line) {
        /* Out of memory: keep the code so the operation still fails. */
        if (!ctx->error_code) {
            ctx->error_code = code;
            ctx->error_cause = cause;
            ctx->error_host = from_host;
        }
        return cause;
    }
    if (!ctx->error_code) {
        ctx->error_code = code;
        ctx->error_cause = cause;
        ctx->error = line;
        ctx->error_host = from_host;
        return cause;
    }
    if (ctx->error_host && !from_host && !ctx->error_context_added) {
        /* The host refused something (a bad row, a full disk) and the
         * plugin now says where it was: keep the host's code, lead with
         * the plugin's context. */
        char *both = NULL;
        if (asprintf(&both, "%s: %s", line, ctx->error ? ctx->error : dwhi_status_name(ctx->error_code)) >= 0) {
            char *bounded = dwhi_text_one_line(both, DWHI_ERROR_MAX_BYTES);
            free(both);
            if (bounded) {
                free(ctx->error);
                ctx->error = bounded;
                ctx->error_context_added = 1;
            }
        }
        free(line);
        return cause;
    }
    /* Only the first error is the operation's; later ones are logged so
     * nothing is silently lost. */
    dwhi_log(ctx, DW_LOG_WARN, "plugin.error.extra", "%s (after an earlier error)", line);
    free(line);
    return cause;
}

dw_status dwhi_ctx_failv(dw_ctx *ctx, dw_status code, const char *fmt, va_list ap) {
    char *raw = NULL;
    if (!fmt || vasprintf(&raw, fmt, ap) < 0) raw = NULL;
    dw_status r = record(ctx, code, 0, raw ? raw : "(no message)", DW_OK);
    free(raw);
    return r;
}

dw_status dwhi_ctx_fail(dw_ctx *ctx, dw_status code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    dw_status r = dwhi_ctx_failv(ctx, code, fmt, ap);
    va_end(ap);
    return r;
}

dw_status dwhi_ctx_fail_host(dw_ctx *ctx, dw_status code, const char *fmt, ...) {
    char *raw = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&raw, fmt, ap) < 0) raw = NULL;
    va_end(ap);
    dw_status r = record(ctx, code, 1, raw ? raw : "(no message)", DW_OK);
    free(raw);
    return r;
}

dw_status dwhi_ctx_fail_permanent(dw_ctx *ctx, dw_status cause, const char *fmt, ...) {
    char *raw = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (!fmt || vasprintf(&raw, fmt, ap) < 0) raw = NULL;
    va_end(ap);
    dw_status r = record(ctx, DW_ERR_NON_RETRYABLE, 0, raw ? raw : "(no message)", cause ? cause : DW_ERR);
    free(raw);
    return r;
}

