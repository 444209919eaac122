/*
 * serve_metrics.c -- GET /metrics: the service's counters in the
 * Prometheus text exposition format, version 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/).
 *
 * The totals of ended runs are kept here (added when a run ends, from its
 * sync report, or from its progress events when it died without one); the
 * rows and batches of runs still going are added at scrape time, so a
 * counter climbs while a sync runs and never goes back when it ends (the
 * report counts at least what the progress events had said).
 *
 * The store is a json-c object: source -> {"runs": {state: n}, "failures":
 * {word: n}, "seconds": x, "http": {...}, "schemas": {schema: {"rows",
 * "batches"}}}.  It lives as long as the service: one entry per source
 * and schema synced, a handful of numbers each.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwhost.h"
#include "base/strbuf.h"
#include "serve.h"

/* ---- the store --------------------------------------------------------------- */

static json_object *member(json_object *o, const char *k, json_type t) {
    json_object *v;
    if (json_object_object_get_ex(o, k, &v) && json_object_is_type(v, t)) return v;
    v = t == json_type_object ? json_object_new_object() : json_object_new_double(0);
    json_object_object_add(o, k, v);
    return v;
}

static void add(json_object *o, const char *k, double by) {
    json_object *v = member(o, k, json_type_double);
    json_object_set_double(v, json_object_get_double(v) + by);
}

static double num(json_object *o, const char *k) {
    json_object *v;
    return json_object_object_get_ex(o, k, &v) ? json_object_get_double(v) : 0;
}

/* Adds {schema: {"rows", "batches"}} or the report's [{"schema", "rows",
 * "batches"}] (`list`) to `into` (source's "schemas"). */
static void add_schema(json_object *into, const char *schema, double rows, double batches) {
    if (!schema || !*schema) return;
    json_object *e = member(into, schema, json_type_object);
    add(e, "rows", rows);
    add(e, "batches", batches);
}

void dwhi_serve_metrics_run_ended(dwhi_serve *s, const char *source, const char *state, const char *failure,
                                  double seconds, json_object *progress, json_object *report) {
    if (!s->metrics) s->metrics = json_object_new_object();
    if (!s->metrics || !source) return;
    json_object *src = member(s->metrics, source, json_type_object);
    add(member(src, "runs", json_type_object), state ? state : "unknown", 1);
    if (failure && strcmp(failure, "interrupted") != 0) add(member(src, "failures", json_type_object), failure, 1);
    add(src, "seconds", seconds);
    json_object *schemas = member(src, "schemas", json_type_object);
    json_object *list = report ? json_object_object_get(report, "schemas") : NULL;
    if (list && json_object_is_type(list, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(list); i++) {
            json_object *e = json_object_array_get_idx(list, i);
            add_schema(schemas, json_object_get_string(json_object_object_get(e, "schema")), num(e, "rows"),
                       num(e, "batches"));
        }
    } else if (progress) { /* died without a report: what its progress said was committed */
        json_object_object_foreach(progress, name, v) add_schema(schemas, name, num(v, "rows"), num(v, "batches"));
    }
    json_object *http = report ? json_object_object_get(report, "http") : NULL;
    if (http && json_object_is_type(http, json_type_object)) {
        json_object *h = member(src, "http", json_type_object);
        static const char *const keys[] = {"requests", "retries", "bytes_in", "bytes_out", "rate_limit_wait_ms",
                                           "backoff_wait_ms", "transport_errors"};
        for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) add(h, keys[i], num(http, keys[i]));
        json_object *st = json_object_object_get(http, "status");
        json_object *hs = member(h, "status", json_type_object);
        if (st && json_object_is_type(st, json_type_object)) {
            json_object_object_foreach(st, cls, n) add(hs, cls, json_object_get_double(n));
        }
    }
}

/* ---- the exposition ------------------------------------------------------------ */

/* A label value as the format escapes it: backslash, double quote and
 * line feed. */
static void label(dwhi_strbuf *b, const char *name, const char *value) {
    dwhi_strbuf_printf(b, "%s=\"", name);
    for (const char *p = value; *p; p++) {
        if (*p == '\\') dwhi_strbuf_puts(b, "\\\\");
        else if (*p == '"') dwhi_strbuf_puts(b, "\\\"");
        else if (*p == '\n') dwhi_strbuf_puts(b, "\\n");
        else dwhi_strbuf_putc(b, *p);
    }
    dwhi_strbuf_putc(b, '"');
}

static void head(dwhi_strbuf *b, const char *name, const char *type, const char *help) {
    dwhi_strbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One sample: name{source="S"[,k="v"]} value. */
static void sample(dwhi_strbuf *b, const char *name, const char *source, const char *k, const char *v, double value) {
    dwhi_strbuf_printf(b, "%s{", name);
    label(b, "source", source);
    if (k) {
        dwhi_strbuf_putc(b, ',');
        label(b, k, v);
    }
    /* %.15g prints counts as integers and seconds without binary noise */
    dwhi_strbuf_printf(b, "} %.15g\n", value);
}

/* A counter per source from the source's object `sub` (NULL: the source
 * itself) at key `k`, times `scale`. */
static void per_source(dwhi_strbuf *b, json_object *all, const char *name, const char *help, const char *sub,
                       const char *k, double scale) {
    head(b, name, "counter", help);
    json_object_object_foreach(all, source, src) {
        json_object *o = sub ? json_object_object_get(src, sub) : src;
        if (o) sample(b, name, source, NULL, NULL, num(o, k) * scale);
    }
}

/* A counter per source and each key of the source's object `sub`. */
static void per_key(dwhi_strbuf *b, json_object *all, const char *name, const char *help, const char *sub,
                    const char *sub2, const char *labelname) {
    head(b, name, "counter", help);
    json_object_object_foreach(all, source, src) {
        json_object *o = json_object_object_get(src, sub);
        if (o && sub2) o = json_object_object_get(o, sub2);
        if (!o) continue;
        json_object_object_foreach(o, key, v) sample(b, name, source, labelname, key, json_object_get_double(v));
    }
}

static void per_schema(dwhi_strbuf *b, json_object *all, const char *name, const char *help, const char *k) {
    head(b, name, "counter", help);
    json_object_object_foreach(all, source, src) {
        json_object *schemas = json_object_object_get(src, "schemas");
        if (!schemas) continue;
        json_object_object_foreach(schemas, schema, e) sample(b, name, source, "schema", schema, num(e, k));
    }
}

char *dwhi_serve_metrics_text(dwhi_serve *s, json_object *live_runs, json_object *plugins) {
    /* the ended runs' totals plus the rows of the runs going on, in a copy */
    json_object *all = NULL;
    if (s->metrics) json_object_deep_copy(s->metrics, &all, NULL);
    if (!all) all = json_object_new_object();
    if (!all) return NULL;
    size_t active = 0;
    for (size_t i = 0; live_runs && i < json_object_array_length(live_runs); i++) {
        json_object *r = json_object_array_get_idx(live_runs, i);
        const char *source = json_object_get_string(json_object_object_get(r, "source"));
        json_object *list = json_object_object_get(r, "schemas");
        if (!source) continue;
        active++;
        json_object *schemas = member(member(all, source, json_type_object), "schemas", json_type_object);
        for (size_t j = 0; list && j < json_object_array_length(list); j++) {
            json_object *e = json_object_array_get_idx(list, j);
            add_schema(schemas, json_object_get_string(json_object_object_get(e, "schema")), num(e, "rows"),
                       num(e, "batches"));
        }
    }

    dwhi_strbuf b = {0};
    head(&b, "dwhost_build_info", "gauge", "The dwhost version serving (always 1).");
    dwhi_strbuf_printf(&b, "dwhost_build_info{");
    label(&b, "version", dwh_version());
    dwhi_strbuf_printf(&b, "} 1\n");
    head(&b, "dwhost_runs_active", "gauge", "Runs whose worker process is alive.");
    dwhi_strbuf_printf(&b, "dwhost_runs_active %zu\n", active);
    json_object *loaded = plugins ? json_object_object_get(plugins, "plugins") : NULL;
    json_object *rejected = plugins ? json_object_object_get(plugins, "rejected") : NULL;
    head(&b, "dwhost_plugins", "gauge", "Plugins in the listing, by whether they loaded.");
    dwhi_strbuf_printf(&b, "dwhost_plugins{state=\"loaded\"} %zu\ndwhost_plugins{state=\"rejected\"} %zu\n",
                       json_object_is_type(loaded, json_type_array) ? json_object_array_length(loaded) : 0,
                       json_object_is_type(rejected, json_type_array) ? json_object_array_length(rejected) : 0);
    per_schema(&b, all, "dwhost_rows_total", "Rows committed to the warehouse.", "rows");
    per_schema(&b, all, "dwhost_batches_total", "Batches committed to the warehouse.", "batches");
    per_key(&b, all, "dwhost_runs_total", "Runs ended, by how they ended (ok, failed, interrupted, crashed).",
            "runs", NULL, "state");
    per_key(&b, all, "dwhost_run_failures_total",
            "Runs that did not end ok, by failure (source, config, data, warehouse, crashed, hung, memory, ...).",
            "failures", NULL, "failure");
    head(&b, "dwhost_run_seconds", "summary", "Wall-clock seconds of ended runs.");
    json_object_object_foreach(all, source, src) {
        json_object *runs = json_object_object_get(src, "runs");
        double count = 0;
        if (runs) {
            json_object_object_foreach(runs, st, n) {
                (void)st;
                count += json_object_get_double(n);
            }
        }
        if (!runs) continue;
        sample(&b, "dwhost_run_seconds_sum", source, NULL, NULL, num(src, "seconds"));
        sample(&b, "dwhost_run_seconds_count", source, NULL, NULL, count);
    }
    per_source(&b, all, "dwhost_http_requests_total", "HTTP requests the source's runs made (retries included).",
               "http", "requests", 1);
    per_key(&b, all, "dwhost_http_responses_total", "HTTP responses by status class.", "http", "status", "class");
    per_source(&b, all, "dwhost_http_retries_total", "HTTP requests retried.", "http", "retries", 1);
    per_source(&b, all, "dwhost_http_transport_errors_total", "HTTP transfers that failed without a response.",
               "http", "transport_errors", 1);
    per_source(&b, all, "dwhost_http_received_bytes_total", "Response bytes received.", "http", "bytes_in", 1);
    per_source(&b, all, "dwhost_http_sent_bytes_total", "Request bytes sent.", "http", "bytes_out", 1);
    per_source(&b, all, "dwhost_http_rate_limit_wait_seconds_total",
               "Seconds spent waiting for rate limits (Retry-After, reset headers).", "http", "rate_limit_wait_ms",
               1e-3);
    per_source(&b, all, "dwhost_http_backoff_wait_seconds_total", "Seconds spent backing off before retries.", "http",
               "backoff_wait_ms", 1e-3);
    json_object_put(all);
    return dwhi_strbuf_take(&b);
}
