/* support.c -- see support.h. */
#include "base/cancel.h"
#include "support.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/log.h"
#include "registry/registry.h"

void ts_start(ts_server *s) {
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        execlp("python3", "python3", DWHOST_SOURCE_DIR "/tests/servers/http_script_server.py", "--idle-exit", "60",
               (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    FILE *f = fdopen(fd[0], "r");
    char line[64] = "";
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    s->pid = pid;
    assert_int_equal(sscanf(line, "PORT %d", &s->port), 1);
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
    snprintf(s->allow, sizeof s->allow, "127.0.0.1:%d", s->port);
}

void ts_stop(ts_server *s) {
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
    }
    s->pid = 0;
}

static size_t collect(char *d, size_t sz, size_t n, void *ud) {
    FILE *f = ud;
    return fwrite(d, sz, n, f);
}

/* The control channel uses libcurl directly: it is test plumbing, not the
 * code under test. */
static char *control(ts_server *s, const char *path, const char *body) {
    char url[128];
    snprintf(url, sizeof url, "%s%s", s->base, path);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
    if (body) curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_cleanup(c);
    fclose(f);
    assert_int_equal(rc, CURLE_OK);
    return out;
}

void ts_script(ts_server *s, const char *routes_json) {
    char *body = NULL;
    assert_true(asprintf(&body, "{\"routes\": %s}", routes_json) > 0);
    /* Validate here so a typo in a test fails loudly, not as a 404. */
    json_object *probe = json_tokener_parse(body);
    assert_non_null(probe);
    json_object_put(probe);
    free(control(s, "/__script", body));
    free(body);
}

json_object *ts_requests(ts_server *s) {
    char *text = control(s, "/__log", NULL);
    json_object *o = json_tokener_parse(text);
    free(text);
    assert_non_null(o);
    return o;
}

size_t ts_request_count(ts_server *s) {
    json_object *o = ts_requests(s);
    size_t n = json_object_array_length(o);
    json_object_put(o);
    return n;
}

static int64_t fake_now(void *ud) { return ((ts_clock *)ud)->now_ms; }
static int fake_sleep(void *ud, int64_t ms, const struct dwh_cancel *cancel) {
    ts_clock *c = ud;
    if (c->n_waits < sizeof c->waits / sizeof c->waits[0]) c->waits[c->n_waits++] = ms;
    c->now_ms += ms;
    return dwhi_cancel_requested(cancel);
}
static uint64_t fake_random(void *ud) { return ((ts_clock *)ud)->random_value; }

void ts_clock_init(ts_clock *c, int64_t now_ms, uint64_t random_value) {
    memset(c, 0, sizeof *c);
    /* no mono_ms: the transport then reads now_ms, which advances by the
     * waits, so a wait counts as slept in full and spends request time */
    c->clock = (dwhi_http_clock){.ud = c, .now_ms = fake_now, .sleep_ms = fake_sleep, .random = fake_random};
    c->now_ms = now_ms;
    c->random_value = random_value;
}

static char *log_buf;
static size_t log_len;
static FILE *log_file;

void ts_log_begin(void) {
    if (log_file) fclose(log_file);
    free(log_buf);
    log_buf = NULL;
    log_len = 0;
    log_file = open_memstream(&log_buf, &log_len);
    dwhi_log_configure(log_file, DWHI_LOG_JSON, DW_LOG_DEBUG);
}

json_object *ts_log_lines(void) {
    fflush(log_file);
    json_object *arr = json_object_new_array();
    char *p = log_buf;
    while (p && *p) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = 0;
        json_object *o = json_tokener_parse(p);
        if (!o) fail_msg("log line is not JSON: %s", p);
        json_object_array_add(arr, o);
        if (!nl) break;
        p = nl + 1;
    }
    ts_log_begin();
    return arr;
}

json_object *ts_log_filter(json_object *lines, const char *event) {
    json_object *out = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(lines); i++) {
        json_object *l = json_object_array_get_idx(lines, i);
        const char *e = ts_str(l, "event");
        if (e && !strcmp(e, event)) json_object_array_add(out, json_object_get(l));
    }
    return out;
}

static dw_status sink_row(void *ud, dw_ctx *ctx, json_object *row) {
    ts_sink *k = ud;
    (void)ctx;
    if (k->fail_after > 0 && (int)json_object_array_length(k->rows) + 1 >= k->fail_after)
        return DW_ERR_SINK;
    /* Copy: the caller may modify the object after the call. */
    json_object *copy = NULL;
    json_object_deep_copy(row, &copy, NULL);
    json_object_array_add(k->rows, copy);
    return DW_OK;
}

static dw_status sink_state_save(void *ud, dw_ctx *ctx, const char *json) {
    ts_sink *k = ud;
    (void)ctx;
    json_object_array_add(k->states, json_tokener_parse(json));
    return DW_OK;
}

static const char *sink_state_load(void *ud, dw_ctx *ctx) {
    (void)ctx;
    return ((ts_sink *)ud)->load;
}

void ts_sink_init(ts_sink *k) {
    memset(k, 0, sizeof *k);
    k->sink = (dwhi_row_sink){.ud = k, .row = sink_row, .state_save = sink_state_save, .state_load = sink_state_load};
    k->rows = json_object_new_array();
    k->states = json_object_new_array();
}

void ts_sink_free(ts_sink *k) {
    json_object_put(k->rows);
    json_object_put(k->states);
    free(k->load);
}

void ts_ctx(dw_ctx *ctx, const struct dwh_plugin *plugin, struct dwhi_secrets *secrets, int allow_internal,
            ts_sink *sink, const dw_run_inputs *inputs) {
    memset(ctx, 0, sizeof *ctx);
    assert_int_equal(dwhi_ctx_init(ctx, plugin, NULL, secrets), DW_OK);
    assert_int_equal(dwhi_ctx_set_identity(ctx, "team-7", "src-42", "schema-9", "items", "job-1"), DW_OK);
    ctx->allow_internal_hosts = allow_internal;
    ctx->sink = sink ? &sink->sink : NULL;
    ctx->inputs = inputs;
}

const char *ts_str(json_object *o, const char *key) {
    json_object *v = NULL;
    if (!o || !json_object_object_get_ex(o, key, &v) || !v) return NULL;
    return json_object_get_string(v);
}

int64_t ts_int(json_object *o, const char *key) {
    json_object *v = NULL;
    if (!o || !json_object_object_get_ex(o, key, &v) || !v) return -1;
    return json_object_get_int64(v);
}

static dwhi_registry *test_registry;

struct dwh_plugin *ts_plugin_load(const char *path, const char *name) {
    if (!test_registry) test_registry = dwhi_registry_new();
    assert_non_null(test_registry);
    char *err = NULL;
    if (dwhi_registry_add_file(test_registry, path, &err) != 0) fail_msg("%s rejected: %s", path, err ? err : "?");
    free(err);
    dwh_plugin *p = dwhi_registry_find(test_registry, name);
    if (!p) fail_msg("plugin %s not loaded from %s", name, path);
    return p;
}

void ts_plugin_release(struct dwh_plugin *p) {
    dwh_plugin_unref(p);
    dwhi_registry_free(test_registry);
    test_registry = NULL;
}
