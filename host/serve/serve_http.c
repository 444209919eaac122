/*
 * serve_http.c -- the HTTP front of `dwhost serve` over libmicrohttpd
 * (docs/cli/serve.md lists the endpoints).  JSON in and out; errors are
 * {"error": ONE LINE}.  A thread per connection: a check that waits on a
 * slow source holds only its own connection.
 *
 * The bearer token (when the service has one) is required on every
 * endpoint but /healthz and the webhooks (their signature is their
 * authentication); it is compared in constant time.
 */
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dwhost.h"
#include "queue/job_build.h"
#include "queue/job_queue.h"
#include "serve.h"
#include "warehouse/warehouse_sqlite.h"

struct dwhi_serve_http {
    struct MHD_Daemon *d;
    dwhi_serve *s;
};

/* A request's body as it arrives. */
typedef struct body {
    char *buf;
    size_t len;
    int too_big;
    int answered; /* 413 queued before the body (Expect: 100-continue) */
} body;

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, json_object *doc) {
    const char *text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
    size_t len = strlen(text);
    char *copy = malloc(len + 1);
    if (!copy) return MHD_NO;
    memcpy(copy, text, len);
    copy[len++] = '\n';
    struct MHD_Response *r = MHD_create_response_from_buffer(len, copy, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(copy);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "application/json");
    if (status == 401) MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"dwhost\"");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Replies with `doc` and drops the caller's reference. */
static enum MHD_Result reply_put(struct MHD_Connection *c, unsigned status, json_object *doc) {
    enum MHD_Result r = reply(c, status, doc);
    json_object_put(doc);
    return r;
}

static enum MHD_Result error_reply(struct MHD_Connection *c, unsigned status, const char *f, ...)
    __attribute__((format(printf, 3, 4)));
static enum MHD_Result error_reply(struct MHD_Connection *c, unsigned status, const char *f, ...) {
    va_list ap;
    va_start(ap, f);
    char *m = NULL;
    if (vasprintf(&m, f, ap) < 0) m = NULL;
    va_end(ap);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "error", json_object_new_string(m ? m : "out of memory"));
    free(m);
    return reply_put(c, status, o);
}

static int authorized(const dwhi_serve *s, struct MHD_Connection *c) {
    if (!s->token) return 1;
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h || strncasecmp(h, "Bearer ", 7) != 0) return 0;
    h += 7;
    size_t n = strlen(h), m = strlen(s->token);
    return n == m && CRYPTO_memcmp(h, s->token, n) == 0;
}

/* A source name as the registry has them (no '/', no dots): anything else
 * cannot name a plugin and is not handed to a child. */
static int valid_name(const char *n, size_t len) {
    if (!len || len > 128) return 0;
    for (size_t i = 0; i < len; i++) {
        char ch = n[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
              ch == '-'))
            return 0;
    }
    return 1;
}

/* ---- endpoints that run a dwhost command ---------------------------------- */

/* The HTTP status of a command's document, from its exit code. */
typedef unsigned (*status_of_fn)(int exit_code, json_object *doc);

/* describe and check: 404 no such source, 422 an invalid config. */
static unsigned status_of_query(int exit_code, json_object *doc) {
    (void)doc;
    return exit_code == 3 ? 404 : exit_code == 4 ? 422 : 200;
}

/* The command's JSON document, or the one line of a child that died. */
static enum MHD_Result run_command(dwhi_serve *s, struct MHD_Connection *c, const char *const *args, const char *input,
                                   const char *what, status_of_fn status_of) {
    dwhi_serve_output o;
    char *err = NULL;
    if (dwhi_serve_exec(s, args, input, &o, &err) != 0) {
        enum MHD_Result r = error_reply(c, 500, "%s: %s", what, err ? err : "failed");
        free(err);
        return r;
    }
    enum MHD_Result r;
    json_object *doc = o.out[0] ? json_tokener_parse(o.out) : NULL;
    if (doc && !json_object_is_type(doc, json_type_object)) { /* not the command's document */
        json_object_put(doc);
        doc = NULL;
    }
    const char *line = o.last_line && !strncmp(o.last_line, "dwhost: ", 8) ? o.last_line + 8 : o.last_line;
    if (o.timed_out)
        r = error_reply(c, 504, "%s: no answer within %d s; the plugin may hang; its process was killed", what,
                        s->heartbeat_timeout_s);
    else if (o.status == 11 || o.signal)
        r = error_reply(c, 502, "%s", line ? line : "the plugin's process died");
    else if (!doc && o.status == 3)
        r = error_reply(c, 404, "%s", line ? line : "no such source");
    else if (!doc)
        r = error_reply(c, 500, "%s: %s", what, line ? line : "no answer");
    else {
        json_object_object_add(doc, "exit_code", json_object_new_int(o.status));
        r = reply(c, status_of(o.status, doc), doc);
    }
    json_object_put(doc);
    dwhi_serve_output_free(&o);
    return r;
}

static enum MHD_Result get_plugins(dwhi_serve *s, struct MHD_Connection *c) {
    return reply_put(c, 200, dwhi_serve_plugins_json(s->plugins));
}

static enum MHD_Result get_source(dwhi_serve *s, struct MHD_Connection *c, const char *name) {
    const char *args[] = {"describe", name, "--json", "--no-schemas", NULL};
    return run_command(s, c, args, NULL, "describing the source", status_of_query);
}

static enum MHD_Result post_check(dwhi_serve *s, struct MHD_Connection *c, const char *name, const body *b) {
    json_object *req = b->len ? json_tokener_parse(b->buf) : json_object_new_object();
    if (!req || !json_object_is_type(req, json_type_object)) {
        json_object_put(req);
        return error_reply(c, 400, "the body must be a JSON object: {\"config\": {...}, \"schema\": NAME}");
    }
    json_object *config = json_object_object_get(req, "config"), *schema = json_object_object_get(req, "schema");
    if ((config && !json_object_is_type(config, json_type_object)) ||
        (schema && !json_object_is_type(schema, json_type_string))) {
        json_object_put(req);
        return error_reply(c, 400, "\"config\" must be an object and \"schema\" a string");
    }
    const char *args[] = {"check", name, "--config", "-", "--json", NULL, NULL, NULL, NULL};
    size_t n = 5;
    if (schema) {
        args[n++] = "--schema";
        args[n++] = json_object_get_string(schema);
    }
    if (s->allow_internal) args[n++] = "--allow-internal";
    const char *input = config ? json_object_to_json_string_ext(config, JSON_C_TO_STRING_PLAIN) : "{}";
    enum MHD_Result r = run_command(s, c, args, input, "checking the source", status_of_query);
    json_object_put(req);
    return r;
}

/* An action's answer: 200 it answered; 404 no such source or action; 400
 * a bad argument; 422 an invalid config; 502 the source failed (rejected
 * credentials, unreachable, another failure: the document says which);
 * 503 interrupted.  A crash never gets here (run_command: 502 with the
 * crash line). */
static unsigned status_of_action(int exit_code, json_object *doc) {
    const char *st = json_object_get_string(json_object_object_get(doc, "status"));
    switch (exit_code) {
    case 0: return 200;
    case 2: return st && !strcmp(st, "not_found") ? 404 : 400;
    case 3: return 404;
    case 4: return 422;
    case 9: return 503;
    default: return 502;
    }
}

/* POST /v1/sources/NAME/actions/ACTION with {"config": {...}, "args":
 * {...}}: `dwhost call NAME ACTION --config - --args-json ARGS --json` in
 * a child (the config on its stdin, never in argv). */
static enum MHD_Result post_action(dwhi_serve *s, struct MHD_Connection *c, const char *name, const char *action,
                                   const body *b) {
    json_object *req = b->len ? json_tokener_parse(b->buf) : json_object_new_object();
    if (!req || !json_object_is_type(req, json_type_object)) {
        json_object_put(req);
        return error_reply(c, 400, "the body must be a JSON object: {\"config\": {...}, \"args\": {...}}");
    }
    json_object *config = json_object_object_get(req, "config"), *args = json_object_object_get(req, "args");
    if ((config && !json_object_is_type(config, json_type_object)) ||
        (args && !json_object_is_type(args, json_type_object))) {
        json_object_put(req);
        return error_reply(c, 400, "\"config\" and \"args\" must be JSON objects");
    }
    const char *argv[] = {"call", name, action, "--config", "-", "--json", "--args-json",
                          args ? json_object_to_json_string_ext(args, JSON_C_TO_STRING_PLAIN) : "{}", NULL, NULL};
    if (s->allow_internal) argv[8] = "--allow-internal";
    const char *input = config ? json_object_to_json_string_ext(config, JSON_C_TO_STRING_PLAIN) : "{}";
    enum MHD_Result r = run_command(s, c, argv, input, "calling the action", status_of_action);
    json_object_put(req);
    return r;
}

/* ---- the in-process endpoints ------------------------------------------------- */

/* `dwhost status --json` of the warehouse, and with a jobs file its jobs'
 * schedule as "scheduled". */
static enum MHD_Result get_jobs(dwhi_serve *s, struct MHD_Connection *c) {
    json_object *doc = NULL;
    char *err = NULL, *text = NULL;
    dw_status st = dwh_status_json(s->warehouse, &text, &err);
    if (st == DW_ERR_NOT_FOUND) {
        /* no sync has made the warehouse yet (no SQLite file; no dwhost
         * tables in the PostgreSQL database): no jobs, and nothing created */
        char *shown = dwhi_wh_spec_shown(s->warehouse);
        doc = json_object_new_object();
        json_object_object_add(doc, "warehouse", json_object_new_string(shown ? shown : "?"));
        json_object_object_add(doc, "jobs", json_object_new_array());
        free(shown);
    } else {
        doc = st == DW_OK && text ? json_tokener_parse(text) : NULL;
    }
    free(text);
    if (!doc) {
        /* a server that cannot be reached may come back: 503, as a busy service */
        enum MHD_Result r = error_reply(c, st == DW_ERR_UNREACHABLE ? 503 : 500, "%s",
                                        err ? err : "reading the warehouse failed");
        free(err);
        return r;
    }
    free(err);
    if (s->jobs) json_object_object_add(doc, "scheduled", dwhi_serve_jobs_json(s, json_object_object_get(doc, "jobs")));
    return reply_put(c, 200, doc);
}

/* serve --queue: the sync becomes a job for `dwhost worker`s (queue/). */
static enum MHD_Result enqueue_sync(dwhi_serve *s, struct MHD_Connection *c, json_object *req) {
    if (!json_object_is_type(req, json_type_object))
        return error_reply(c, 400, "the body must be a JSON object: {\"source\": NAME, \"config\": {...}}");
    static const char *const strings[] = {"source", "source_id", "team_id", "mode"};
    const char *v[4] = {0};
    for (size_t i = 0; i < 4; i++) {
        json_object *x;
        if (!json_object_object_get_ex(req, strings[i], &x)) continue;
        if (!json_object_is_type(x, json_type_string) || !*json_object_get_string(x))
            return error_reply(c, 400, "\"%s\" must be a non-empty string", strings[i]);
        v[i] = json_object_get_string(x);
    }
    json_object *config = json_object_object_get(req, "config"), *schemas = json_object_object_get(req, "schemas");
    size_t n = schemas && json_object_is_type(schemas, json_type_array) ? json_object_array_length(schemas) : 0;
    if (schemas && !json_object_is_type(schemas, json_type_array))
        return error_reply(c, 400, "\"schemas\" must be an array of schema names");
    const char **names = calloc(n + 1, sizeof *names);
    for (size_t i = 0; names && i < n; i++) {
        json_object *x = json_object_array_get_idx(schemas, i);
        if (!json_object_is_type(x, json_type_string)) {
            free(names);
            return error_reply(c, 400, "\"schemas\" must be an array of schema names");
        }
        names[i] = json_object_get_string(x);
    }
    dwhi_job_spec spec = {.source = v[0], .source_id = v[1], .team_id = v[2], .mode = v[3], .config = config,
                          .schemas = names, .n_schemas = n};
    char *err = NULL, *entry = NULL;
    json_object *job = names ? dwhi_job_build(&spec, &err) : NULL;
    free(names);
    if (!job) {
        enum MHD_Result r = error_reply(c, 400, "%s", err ? err : "out of memory");
        free(err);
        return r;
    }
    static const char *const extra[] = {"batch_rows", "full_refresh", "reset"};
    for (size_t i = 0; i < 3; i++) {
        json_object *x;
        if (json_object_object_get_ex(req, extra[i], &x)) json_object_object_add(job, extra[i], json_object_get(x));
    }
    dwhi_queue *q = dwhi_queue_open(s->queue_url, NULL, &err);
    if (!q || dwhi_queue_add(q, job, &entry, &err) != 0) {
        dwhi_queue_close(q);
        json_object_put(job);
        dwhi_serve_log("queueing a sync failed: %s", err ? err : "out of memory");
        enum MHD_Result r = error_reply(c, 503, "%s; the job was not queued, retry", err ? err : "out of memory");
        free(err);
        return r;
    }
    dwhi_queue_close(q);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "job_id", json_object_get(json_object_object_get(job, "job_id")));
    json_object_object_add(o, "entry", json_object_new_string(entry));
    json_object_object_add(o, "queued", json_object_new_boolean(1));
    dwhi_serve_log("job %s queued (entry %s) for source %s", json_object_get_string(json_object_object_get(job, "job_id")),
                   entry, v[0]);
    free(entry);
    json_object_put(job);
    return reply_put(c, 202, o);
}

static enum MHD_Result post_sync(dwhi_serve *s, struct MHD_Connection *c, const body *b) {
    json_object *req = b->len ? json_tokener_parse(b->buf) : NULL;
    if (req && s->queue_url) {
        enum MHD_Result r = enqueue_sync(s, c, req);
        json_object_put(req);
        return r;
    }
    int http = 400;
    char *err = NULL;
    char *id = req ? dwhi_serve_run_start(s, req, &http, &err) : NULL;
    json_object_put(req);
    if (!id) {
        enum MHD_Result r = error_reply(c, http, "%s", err ? err : "the body is not JSON: {\"source\": NAME, "
                                                                  "\"config\": {...}}");
        free(err);
        return r;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "run_id", json_object_new_string(id));
    free(id);
    return reply_put(c, 202, o);
}

/* GET /metrics: Prometheus text (serve_metrics.c). */
static enum MHD_Result get_metrics(dwhi_serve *s, struct MHD_Connection *c) {
    json_object *plugins = dwhi_serve_plugins_json(s->plugins);
    char *text = dwhi_serve_runs_metrics(s, plugins);
    json_object_put(plugins);
    if (!text) return error_reply(c, 500, "out of memory");
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

/* POST /v1/webhooks/{job}: the provider's request, stored in the job's
 * inbox by `dwhost webhook` in a child (the plugin's transform runs
 * there, never here) with the request's signature header, so a payload is
 * stored only when its signature verifies with the job's signing secret.
 * 200 only once the child committed it; 401 a missing or bad signature,
 * nothing stored. */
static enum MHD_Result post_webhook(dwhi_serve *s, struct MHD_Connection *c, const char *name, const body *b) {
    dwhi_serve_webhook_target t;
    char *err = NULL;
    int http = dwhi_serve_job_for_webhook(s, name, &t, &err);
    if (http) {
        enum MHD_Result r = error_reply(c, (unsigned)http, "%s", err ? err : "out of memory");
        free(err);
        return r;
    }
    /* The signature header the provider sent (the child knows which one
     * the source's scheme wants; "" when there is none: refused there). */
    static const char *const known[] = {"Stripe-Signature", "X-Hub-Signature-256"};
    char *header = NULL;
    for (size_t i = 0; !header && i < sizeof known / sizeof *known; i++) {
        const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, known[i]);
        if (v && asprintf(&header, "%s: %s", known[i], v) < 0) header = NULL;
    }
    pthread_mutex_lock(&s->lock);
    int draining = s->draining;
    pthread_mutex_unlock(&s->lock);
    if (draining) {
        free(header);
        return error_reply(c, 503, "the service is shutting down; the provider retries the delivery later");
    }
    const char *args[] = {"webhook", t.source, "--config", t.config, "--warehouse", s->warehouse, "--source-id",
                          t.source_id, "--payload", "-", "--json", "--signature-header", header ? header : "", NULL};
    dwhi_serve_output o;
    if (dwhi_serve_exec_body(s, args, b->buf ? b->buf : "", b->len, &o, &err) != 0) {
        free(header);
        enum MHD_Result r = error_reply(c, 500, "storing the webhook: %s", err ? err : "failed");
        free(err);
        return r;
    }
    free(header);
    json_object *doc = o.out[0] ? json_tokener_parse(o.out) : NULL;
    if (doc && !json_object_is_type(doc, json_type_object)) {
        json_object_put(doc);
        doc = NULL;
    }
    const char *outcome = doc ? json_object_get_string(json_object_object_get(doc, "outcome")) : NULL;
    const char *line = o.last_line && !strncmp(o.last_line, "dwhost: ", 8) ? o.last_line + 8 : o.last_line;
    unsigned status;
    if (o.timed_out) status = 504;
    else if (o.status == 11 || o.signal) status = 502;
    else if (o.status == 0) status = 200;                 /* stored (committed) or ignored */
    else if (o.status == 5) status = 401;                 /* the signature */
    else if (o.status == 3) status = 404;                 /* no such source */
    else if (o.status == 8) status = 503;                 /* the warehouse: the provider retries */
    else if (outcome && !strcmp(outcome, "refused")) status = 400;
    else if (outcome && !strcmp(outcome, "unsupported")) status = 404;
    else status = 500;                                    /* the job's config (its secret): the operator's to fix */
    enum MHD_Result r;
    if (doc) {
        json_object_object_add(doc, "job", json_object_new_string(t.job));
        r = reply(c, status, doc);
    } else {
        r = error_reply(c, status >= 400 ? status : 500, "storing the webhook: %s",
                        o.timed_out ? "no answer within the heartbeat timeout" : line ? line : "no answer");
    }
    if (status != 200)
        dwhi_serve_log("webhook for job '%s' not stored (%u): %s", t.job, status,
                       doc && json_object_get_string(json_object_object_get(doc, "message"))
                           ? json_object_get_string(json_object_object_get(doc, "message"))
                           : line ? line : "?");
    json_object_put(doc);
    dwhi_serve_output_free(&o);
    return r;
}

/* ---- routing ---------------------------------------------------------------------- */

static enum MHD_Result route(dwhi_serve *s, struct MHD_Connection *c, const char *url, const char *method,
                             const body *b) {
    int get = !strcmp(method, "GET"), post = !strcmp(method, "POST"), del = !strcmp(method, "DELETE");
    if (!strcmp(url, "/healthz")) {
        if (!get) return error_reply(c, 405, "/healthz takes GET");
        json_object *o = json_object_new_object();
        pthread_mutex_lock(&s->lock);
        int draining = s->draining;
        pthread_mutex_unlock(&s->lock);
        json_object_object_add(o, "ok", json_object_new_boolean(1));
        json_object_object_add(o, "draining", json_object_new_boolean(draining));
        json_object_object_add(o, "runs_active", json_object_new_int64((int64_t)dwhi_serve_runs_active(s)));
        json_object_object_add(o, "version", json_object_new_string(dwh_version()));
        return reply_put(c, 200, o);
    }
    /* webhooks carry the provider's signature, not the service's token */
    if (!strncmp(url, "/v1/webhooks/", 13)) {
        const char *name = url + 13;
        if (!valid_name(name, strlen(name))) return error_reply(c, 404, "no such job; webhooks go to /v1/webhooks/JOB");
        return post ? post_webhook(s, c, name, b) : error_reply(c, 405, "/v1/webhooks/{job} takes POST");
    }
    if (!authorized(s, c)) return error_reply(c, 401, "missing or wrong bearer token (Authorization: Bearer TOKEN)");
    if (!strcmp(url, "/v1/plugins")) return get ? get_plugins(s, c) : error_reply(c, 405, "/v1/plugins takes GET");
    if (!strcmp(url, "/metrics")) return get ? get_metrics(s, c) : error_reply(c, 405, "/metrics takes GET");
    if (!strcmp(url, "/v1/jobs")) return get ? get_jobs(s, c) : error_reply(c, 405, "/v1/jobs takes GET");
    if (!strcmp(url, "/v1/syncs")) return post ? post_sync(s, c, b) : error_reply(c, 405, "/v1/syncs takes POST");
    if (!strcmp(url, "/v1/runs")) return get ? reply_put(c, 200, dwhi_serve_runs_json(s))
                                             : error_reply(c, 405, "/v1/runs takes GET");
    if (!strncmp(url, "/v1/runs/", 9)) {
        const char *id = url + 9;
        if (get) {
            json_object *o = dwhi_serve_run_json(s, id);
            return o ? reply_put(c, 200, o) : error_reply(c, 404, "no run %.64s; GET /v1/runs lists them", id);
        }
        if (del) {
            json_object *doc = NULL;
            char *err = NULL;
            int http = dwhi_serve_run_cancel(s, id, &doc, &err);
            enum MHD_Result r = doc ? reply_put(c, (unsigned)http, doc) : error_reply(c, (unsigned)http, "%s", err);
            free(err);
            return r;
        }
        return error_reply(c, 405, "/v1/runs/{id} takes GET or DELETE");
    }
    if (!strncmp(url, "/v1/sources/", 12)) {
        const char *name = url + 12, *slash = strchr(name, '/');
        size_t len = slash ? (size_t)(slash - name) : strlen(name);
        if (!valid_name(name, len)) return error_reply(c, 404, "no such source; GET /v1/plugins lists them");
        char n[129];
        memcpy(n, name, len);
        n[len] = 0;
        if (!slash) return get ? get_source(s, c, n) : error_reply(c, 405, "/v1/sources/{name} takes GET");
        if (!strcmp(slash, "/check"))
            return post ? post_check(s, c, n, b) : error_reply(c, 405, "/v1/sources/{name}/check takes POST");
        if (!strncmp(slash, "/actions/", 9) && valid_name(slash + 9, strlen(slash + 9)))
            return post ? post_action(s, c, n, slash + 9, b)
                        : error_reply(c, 405, "/v1/sources/{name}/actions/{action} takes POST");
    }
    return error_reply(c, 404, "no endpoint %s %.128s (docs/cli/serve.md lists them)", method, url);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls) {
    (void)version;
    dwhi_serve *s = cls;
    body *b = *con_cls;
    if (!b) { /* the headers: set up the body */
        if (!(b = calloc(1, sizeof *b))) return MHD_NO;
        *con_cls = b;
        /* A body announced over the limit is never stored.  A client that
         * waits for "100 Continue" (curl does for large bodies) is
         * answered 413 before it sends a byte; any other is already
         * sending, so its body is read and dropped, then answered (closing
         * on it mid-send would leave it a broken pipe, not a 413). */
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > s->max_body) {
            b->too_big = 1;
            const char *expect = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
            if (expect && !strcasecmp(expect, "100-continue")) {
                b->answered = 1;
                return error_reply(c, 413, "the body is larger than %zu bytes", s->max_body);
            }
        }
        return MHD_YES;
    }
    if (b->answered) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!b->too_big) {
            if (b->len + *upload_size > s->max_body) {
                b->too_big = 1;
            } else {
                char *nb = realloc(b->buf, b->len + *upload_size + 1);
                if (!nb) return MHD_NO;
                memcpy(nb + b->len, upload, *upload_size);
                b->buf = nb;
                b->len += *upload_size;
                b->buf[b->len] = 0;
            }
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (b->too_big) return error_reply(c, 413, "the body is larger than %zu bytes", s->max_body);
    return route(s, c, url, method, b);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe) {
    (void)cls, (void)c, (void)toe;
    body *b = *con_cls;
    if (b) {
        free(b->buf);
        free(b);
    }
    *con_cls = NULL;
}

dwhi_serve_http *dwhi_serve_http_start(dwhi_serve *s, const void *addr, size_t len, unsigned *port, char **err) {
    (void)len;
    dwhi_serve_http *h = calloc(1, sizeof *h);
    if (!h) {
        *err = strdup("out of memory");
        return NULL;
    }
    h->s = s;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL;
    if (((const struct sockaddr *)addr)->sa_family == AF_INET6) flags |= MHD_USE_IPv6;
    h->d = MHD_start_daemon(flags, 0, NULL,
                            NULL, on_request, s, MHD_OPTION_SOCK_ADDR, addr, MHD_OPTION_NOTIFY_COMPLETED,
                            on_completed, NULL, MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_END);
    if (!h->d) {
        free(h);
        *err = strdup("cannot listen there (in use, or not an address of this machine)");
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    *port = info ? info->port : 0;
    return h;
}

void dwhi_serve_http_stop(dwhi_serve_http *h) {
    if (!h) return;
    MHD_stop_daemon(h->d);
    free(h);
}
