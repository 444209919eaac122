/*
 * support.h -- test support for the transport and REST tests: the scripted
 * HTTP server (tests/servers/http_script_server.py) on 127.0.0.1, a fake
 * clock that records every wait, log capture and a collecting row sink.
 */
#ifndef DWHI_TEST_TRANSPORT_SUPPORT_H
#define DWHI_TEST_TRANSPORT_SUPPORT_H

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "core/ctx.h"
#include "transport/http_session.h"

typedef struct ts_server {
    pid_t pid;
    int port;
    char base[64]; /* http://127.0.0.1:PORT */
    char allow[64];/* 127.0.0.1:PORT (the SSRF allow-list entry) */
} ts_server;

/* Starts the server (aborts the test on failure). */
void ts_start(ts_server *s);
void ts_stop(ts_server *s);
/* Replaces the script: `routes_json` is the value of "routes". */
void ts_script(ts_server *s, const char *routes_json);
/* The requests served since the last script (caller puts). */
json_object *ts_requests(ts_server *s);
size_t ts_request_count(ts_server *s);

/* A fake clock: now advances only by the waits it is asked for. */
typedef struct ts_clock {
    dwhi_http_clock clock;
    int64_t now_ms;
    int64_t waits[64];
    size_t n_waits;
    uint64_t random_value;
} ts_clock;
void ts_clock_init(ts_clock *c, int64_t now_ms, uint64_t random_value);

/* Log capture: every log line of the process goes to a memory stream in
 * JSON at debug level until ts_log_lines() is called. */
void ts_log_begin(void);
/* Returns the lines logged since ts_log_begin() as a JSON array of
 * objects (caller puts) and restarts capture. */
json_object *ts_log_lines(void);
/* Lines whose "event" equals `event` (new array; caller puts). */
json_object *ts_log_filter(json_object *lines, const char *event);

/* A sink that collects rows and state saves. */
typedef struct ts_sink {
    dwhi_row_sink sink;
    json_object *rows;   /* array */
    json_object *states; /* array of parsed states */
    char *load;          /* state handed to state_load, or NULL */
    int fail_after;      /* > 0: the nth row fails (simulates a crash) */
} ts_sink;
void ts_sink_init(ts_sink *k);
void ts_sink_free(ts_sink *k);

/* A ctx for one operation of `plugin` (may be NULL) with identity set,
 * allow_internal as given, secrets, sink and inputs attached (borrowed). */
struct dwh_plugin;
struct dwhi_secrets;
void ts_ctx(dw_ctx *ctx, const struct dwh_plugin *plugin, struct dwhi_secrets *secrets, int allow_internal,
            ts_sink *sink, const dw_run_inputs *inputs);

/* Loads `path` into a new registry and returns a reference to plugin
 * `name`; release with ts_plugin_release(). */
struct dwh_plugin *ts_plugin_load(const char *path, const char *name);
void ts_plugin_release(struct dwh_plugin *p);

/* Field of an object as string (NULL when absent); borrowed. */
const char *ts_str(json_object *o, const char *key);
int64_t ts_int(json_object *o, const char *key);

#endif
