/*
 * log.h -- structured logging for the host and its plugins.
 *
 * One line per event.  In JSON mode (the default when the output is not a
 * terminal, or --log-format json) a line is an object with ts, level,
 * event, msg and the identity of the operation (team_id, source_type,
 * source_id, schema, schema_id, job_id).  In text mode it is
 * "LEVEL source/schema: msg".  Every line is scrubbed of the operation's
 * secrets before it is written.
 */
#ifndef DWH_LOG_H
#define DWH_LOG_H

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>

#include "dwsdk.h"

typedef enum dwh_log_format { DWH_LOG_TEXT = 0, DWH_LOG_JSON = 1 } dwh_log_format;

/* Process-wide log destination.  `out` is borrowed (default stderr); lines
 * below `min_level` are dropped.  Thread-safe to call before any logging. */
void dwh_log_configure(FILE *out, dwh_log_format format, dw_log_level min_level);
/* Text mode only: when on, lines of an operation end with its identity,
 * " [team=T source_id=S job=J]" (JSON lines always carry it).  `dwhost
 * sync` turns it on so every line of a run names its job.  Default off. */
void dwh_log_text_identity(int on);
/* Parses "debug", "info", "warn", "error"; returns -1 if unknown. */
int dwh_log_level_parse(const char *name);

/* Logs a message.  ctx may be NULL (host-level event).  `event` is a short
 * machine name ("plugin.rejected", "http.request"); NULL means "log". */
void dwh_log(const dw_ctx *ctx, dw_log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void dwh_logv(const dw_ctx *ctx, dw_log_level level, const char *event, const char *fmt, va_list ap);

/* Logs a structured event: `fields` (an object, consumed) is merged into
 * the line.  In text mode the fields are printed as k=v after msg. */
void dwh_log_fields(const dw_ctx *ctx, dw_log_level level, const char *event, const char *msg,
                    json_object *fields);

#endif
