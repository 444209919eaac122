/*
 * log.h -- logging from inside an operation: the line carries the
 * operation's identity (team_id, source_type, source_id, schema,
 * schema_id, job_id) and is scrubbed of its secrets.
 *
 * The line itself (formats, destination, scrubbing) is log/log_line.h,
 * included here so one include gives both.  This file only turns a dw_ctx
 * into a dwhi_log_identity.
 */
#ifndef DWHI_LOG_H
#define DWHI_LOG_H

#include <json-c/json.h>
#include <stdarg.h>

#include "dwsdk.h"
#include "log/log_line.h"

/* The identity of `ctx` for a log line; its members borrow ctx's strings
 * (valid while ctx is).  ctx may be NULL: all members NULL. */
dwhi_log_identity dwhi_log_identity_of(const dw_ctx *ctx);

/* Logs a message.  ctx may be NULL (host-level event).  `event` is a short
 * machine name ("plugin.rejected", "http.request"); NULL means "log". */
void dwhi_log(const dw_ctx *ctx, dw_log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void dwhi_logv(const dw_ctx *ctx, dw_log_level level, const char *event, const char *fmt, va_list ap);

/* Logs a structured event: `fields` (an object, consumed) is merged into
 * the line.  In text mode the fields are printed as k=v after msg. */
void dwhi_log_fields(const dw_ctx *ctx, dw_log_level level, const char *event, const char *msg,
                    json_object *fields);

#endif
