/* log_line.c -- one structured, secret-scrubbed log line (see log_line.h). */
#include "log_line.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "dwhost.h"
#include "secrets.h"
#include "base/strbuf.h"

/* A destination: `sink` when set (an embedder's callback, dwhost.h), else
 * `out` (NULL: stderr).  sink/user/out are read and written under `lock`,
 * which also serialises the writes; level and format are atomics so the
 * hot path (a dropped debug line) takes no lock. */
struct dwhi_log_dest {
    pthread_mutex_t lock;
    FILE *out;
    dwh_log_fn sink;
    void *user;
    _Atomic int format;
    _Atomic int min;
    _Atomic int text_identity;
};

static dwhi_log_dest process_dest = {.lock = PTHREAD_MUTEX_INITIALIZER, .format = DWHI_LOG_TEXT, .min = DW_LOG_INFO};
static __thread dwhi_log_dest *thread_scope;

static dwhi_log_dest *dest_of(const dwhi_log_identity *who) {
    if (who && who->dest) return who->dest;
    return thread_scope ? thread_scope : &process_dest;
}

dwhi_log_dest *dwhi_log_dest_new(void) {
    dwhi_log_dest *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    pthread_mutex_init(&d->lock, NULL);
    d->format = DWHI_LOG_TEXT;
    d->min = DW_LOG_INFO;
    return d;
}

void dwhi_log_dest_free(dwhi_log_dest *d) {
    if (!d || d == &process_dest) return;
    pthread_mutex_destroy(&d->lock);
    free(d);
}

dwhi_log_dest *dwhi_log_scope(dwhi_log_dest *d) {
    dwhi_log_dest *prev = thread_scope;
    thread_scope = d;
    return prev;
}

dwhi_log_dest *dwhi_log_scope_current(void) { return thread_scope; }

void dwhi_log_text_identity(int on) { process_dest.text_identity = on; }

/* Where d's lines go: a stream (fn NULL; out NULL is stderr) or a sink. */
static void dest_set(dwhi_log_dest *d, FILE *out, dwh_log_fn fn, void *user, int format, int min_level) {
    pthread_mutex_lock(&d->lock);
    d->out = fn ? NULL : out;
    d->sink = fn;
    d->user = fn ? user : NULL;
    d->format = format;
    d->min = min_level;
    pthread_mutex_unlock(&d->lock);
}

void dwhi_log_configure(FILE *out, dwhi_log_format format, dw_log_level min_level) {
    dest_set(&process_dest, out, NULL, NULL, format, min_level);
}

void dwhi_log_dest_set_stream(dwhi_log_dest *d, FILE *out, int format, int min_level, int text_identity) {
    dest_set(d, out, NULL, NULL, format, min_level);
    d->text_identity = text_identity;
}

void dwhi_log_dest_set_sink(dwhi_log_dest *d, dwh_log_fn fn, void *user, int min_level) {
    dest_set(d, NULL, fn, user, fn ? DWHI_LOG_JSON : DWHI_LOG_TEXT, min_level);
}

int dwhi_log_dest_set_format(dwhi_log_dest *d, int format) {
    if (format != DWHI_LOG_TEXT && format != DWHI_LOG_JSON) return -1;
    d->format = format;
    return 0;
}

int dwhi_log_enabled_for(const dwhi_log_identity *who, dw_log_level level) { return (int)level >= dest_of(who)->min; }

int dwhi_log_enabled(dw_log_level level) { return dwhi_log_enabled_for(NULL, level); }

int dwhi_log_level_parse(const char *name) {
    if (!name) return -1;
    if (!strcasecmp(name, "debug")) return DW_LOG_DEBUG;
    if (!strcasecmp(name, "info")) return DW_LOG_INFO;
    if (!strcasecmp(name, "warn") || !strcasecmp(name, "warning")) return DW_LOG_WARN;
    if (!strcasecmp(name, "error")) return DW_LOG_ERROR;
    return -1;
}

static const char *level_name(dw_log_level l) {
    if (l >= DW_LOG_ERROR) return "error";
    if (l >= DW_LOG_WARN) return "warn";
    if (l >= DW_LOG_INFO) return "info";
    return "debug";
}

static void add_str(json_object *o, const char *k, const char *v) {
    if (v) json_object_object_add(o, k, json_object_new_string(v));
}

static void write_line(const dwhi_log_identity *who, dw_log_level level, const char *event, const char *msg,
                       json_object *fields) {
    dwhi_log_dest *d = dest_of(who);
    char *line = NULL;
    if (d->format == DWHI_LOG_JSON) {
        json_object *o = json_object_new_object();
        struct timeval tv;
        gettimeofday(&tv, NULL);
        struct tm tm;
        gmtime_r(&tv.tv_sec, &tm);
        char ts[96];
        snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)(tv.tv_usec / 1000));
        add_str(o, "ts", ts);
        add_str(o, "level", level_name(level));
        add_str(o, "event", event ? event : "log");
        add_str(o, "msg", msg);
        if (who) {
            add_str(o, "team_id", who->team_id);
            add_str(o, "source_type", who->source_type);
            add_str(o, "source_id", who->source_id);
            add_str(o, "schema", who->schema);
            add_str(o, "schema_id", who->schema_id);
            add_str(o, "job_id", who->job_id);
        }
        if (fields) {
            json_object_object_foreach(fields, k, v) json_object_object_add(o, k, json_object_get(v));
        }
        line = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
    } else {
        /* k=v pairs after the message, values as JSON scalars. */
        dwhi_strbuf pairs = {0};
        if (fields) {
            json_object_object_foreach(fields, k, v) {
                dwhi_strbuf_putc(&pairs, ' ');
                dwhi_strbuf_puts(&pairs, k);
                dwhi_strbuf_putc(&pairs, '=');
                dwhi_strbuf_puts(&pairs, json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                                                : json_object_to_json_string(v));
            }
        }
        char *kv_text = dwhi_strbuf_take(&pairs);
        const char *kv = kv_text ? kv_text : "";
        const char *src = who ? who->source_type : NULL;
        const char *sch = who ? who->schema : NULL;
        char *tail = NULL;
        if (d->text_identity && who && who->job_id &&
            asprintf(&tail, " [team=%s source_id=%s job=%s]", who->team_id ? who->team_id : "-",
                     who->source_id ? who->source_id : "-", who->job_id) < 0)
            tail = NULL;
        size_t n = strlen(msg ? msg : "") + strlen(kv) + (tail ? strlen(tail) : 0) + 128;
        line = malloc(n);
        if (line) {
            if (src && sch)
                snprintf(line, n, "%s %s/%s: %s%s%s", level_name(level), src, sch, msg ? msg : "", kv, tail ? tail : "");
            else if (src)
                snprintf(line, n, "%s %s: %s%s%s", level_name(level), src, msg ? msg : "", kv, tail ? tail : "");
            else
                snprintf(line, n, "%s: %s%s%s", level_name(level), msg ? msg : "", kv, tail ? tail : "");
        }
        free(tail);
        free(kv_text);
    }
    if (!line) return;
    char *clean = dwhi_secrets_scrub(who ? who->secrets : NULL, line);
    free(line);
    if (!clean) return;
    pthread_mutex_lock(&d->lock);
    if (d->sink) {
        d->sink((int)level, clean, d->user);
    } else {
        FILE *out = d->out ? d->out : stderr;
        fputs(clean, out);
        fputc('\n', out);
        fflush(out);
    }
    pthread_mutex_unlock(&d->lock);
    free(clean);
}

void dwhi_log_linev(const dwhi_log_identity *who, dw_log_level level, const char *event, const char *fmt,
                   va_list ap) {
    if (!dwhi_log_enabled_for(who, level)) return;
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0) return;
    write_line(who, level, event, msg, NULL);
    free(msg);
}

void dwhi_log_line(const dwhi_log_identity *who, dw_log_level level, const char *event, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    dwhi_log_linev(who, level, event, fmt, ap);
    va_end(ap);
}

void dwhi_log_line_fields(const dwhi_log_identity *who, dw_log_level level, const char *event, const char *msg,
                         json_object *fields) {
    if (dwhi_log_enabled_for(who, level)) write_line(who, level, event, msg, fields);
    if (fields) json_object_put(fields);
}
