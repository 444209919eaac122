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

#include "dwhost.h"
#include "dwsdk.h"

struct dwhi_secrets;
typedef struct dwhi_log_dest dwhi_log_dest;

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
    dwhi_log_dest *dest; /* where the line goes; NULL: the thread's scope (below) */
} dwhi_log_identity;

/*
 * Destinations.  A line goes to its identity's `dest`, else to the
 * destination the calling thread is scoped to (dwhi_log_scope: the dwh_host
 * an embedding-API call runs for), else to the process destination (what
 * the CLI configures).  Each destination is stderr text at INFO until
 * configured, and serialises its own writes.
 */
/* A new destination: stderr, text, INFO.  NULL on OOM.  Free with
 * dwhi_log_dest_free once no thread is scoped to it and no line names it. */
dwhi_log_dest *dwhi_log_dest_new(void);
void dwhi_log_dest_free(dwhi_log_dest *d);
/* dwhost.h's dwh_host_set_log_sink for `d`: fn receives each line as JSON;
 * fn NULL: stderr as text.  Safe while lines are written. */
void dwhi_log_dest_set_sink(dwhi_log_dest *d, dwh_log_fn fn, void *user, int min_level);
/* dwhost.h's dwh_host_set_log_stream for `d`: lines at min_level or above
 * to `out` (borrowed; NULL: stderr) in `format` (DWHI_LOG_TEXT or
 * DWHI_LOG_JSON), text lines ending with the job identity when
 * text_identity is set (dwhi_log_text_identity); replaces a sink. */
void dwhi_log_dest_set_stream(dwhi_log_dest *d, FILE *out, int format, int min_level, int text_identity);
/* DWHI_LOG_TEXT or DWHI_LOG_JSON; -1 (nothing changes) for another value. */
int dwhi_log_dest_set_format(dwhi_log_dest *d, int format);
/* Scopes the calling thread to `d` (NULL: the process destination) and
 * returns the previous scope, to restore when the call ends. */
dwhi_log_dest *dwhi_log_scope(dwhi_log_dest *d);
/* The calling thread's scope (NULL: the process destination). */
dwhi_log_dest *dwhi_log_scope_current(void);

/* The process destination.  `out` is borrowed (default stderr); lines
 * below `min_level` are dropped.  Thread-safe to call before any logging. */
void dwhi_log_configure(FILE *out, dwhi_log_format format, dw_log_level min_level);
/* Text mode only: when on, lines that name a job end with its identity,
 * " [team=T source_id=S job=J]" (JSON lines always carry it).  `dwhost
 * sync` turns it on so every line of a run names its job.  Default off.
 * Process destination. */
void dwhi_log_text_identity(int on);
/* Parses "debug", "info", "warn", "error"; returns -1 if unknown. */
int dwhi_log_level_parse(const char *name);
/* Non-zero when a line of `level` about `who` (may be NULL) would be
 * written. */
int dwhi_log_enabled_for(const dwhi_log_identity *who, dw_log_level level);
/* dwhi_log_enabled_for(NULL, level): the thread's destination. */
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
