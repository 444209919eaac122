/*
 * log_line.h -- one structured, secret-scrubbed log line: the process-wide
 * log destination and the writer behind core/log.h.
 *
 * One line per event.  In JSON mode (the default when the output is not a
 * terminal, or --log-format json) a line is an object with ts, level,
 * event, msg and the identity it is given (team_id, source_type,
 * source_id, schema, schema_id, job_id).  In text mode it is
 * "LEVEL source/schema: msg".  Every line is scrubbed of the identity's
 * secrets before it is written.
 *
 * The writer knows nothing of operations or plugins: it is given an
 * identity, so the registry (below core/) can log too.  Code that runs an
 * operation logs through core/log.h, which takes the identity from dw_ctx.
 */
#ifndef DWHI_LOG_LINE_H
#define DWHI_LOG_LINE_H

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>

#include "dwsdk.h"

struct dwhi_secrets;

typedef enum dwhi_log_format { DWHI_LOG_TEXT = 0, DWHI_LOG_JSON = 1 } dwhi_log_format;

/* Who a line is about.  Every member is borrowed for the call and may be
 * NULL (then it is left out of the line). */
typedef struct dwhi_log_identity {
    const char *team_id;
    const char *source_type; /* the plugin's name */
    const char *source_id;
    const char *schema;
    const char *schema_id;
    const char *job_id;
    const struct dwhi_secrets *secrets; /* scrubbed from the line */
} dwhi_log_identity;

/* Process-wide log destination.  `out` is borrowed (default stderr); lines
 * below `min_level` are dropped.  Thread-safe to call before any logging. */
void dwhi_log_configure(FILE *out, dwhi_log_format format, dw_log_level min_level);
/* Text mode only: when on, lines that name a job end with its identity,
 * " [team=T source_id=S job=J]" (JSON lines always carry it).  `dwhost
 * sync` turns it on so every line of a run names its job.  Default off. */
void dwhi_log_text_identity(int on);
/* Parses "debug", "info", "warn", "error"; returns -1 if unknown. */
int dwhi_log_level_parse(const char *name);
/* Non-zero when a line of `level` would be written. */
int dwhi_log_enabled(dw_log_level level);

/* Logs a message about `who` (may be NULL: a host-level event).  `event`
 * is a short machine name ("plugin.rejected", "http.request"); NULL means
 * "log". */
void dwhi_log_line(const dwhi_log_identity *who, dw_log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void dwhi_log_linev(const dwhi_log_identity *who, dw_log_level level, const char *event, const char *fmt,
                   va_list ap);
/* Logs a structured event: `fields` (an object, consumed; may be NULL) is
 * merged into the line.  In text mode the fields are printed as k=v after
 * msg. */
void dwhi_log_line_fields(const dwhi_log_identity *who, dw_log_level level, const char *event, const char *msg,
                         json_object *fields);

#endif
