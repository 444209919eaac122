/*
 * stripe.c -- the Stripe client: config, headers, requests, the list
 * iterator and the webhook payload transform.
 *
 * Stripe lists newest first and cannot be asked for another order, so the
 * schemas are descending.  As in the reference, an incremental run reads
 * up to two windows of `created`:
 *   older:  created[lt]=<earliest value>  rows older than any synced yet
 *           (finishes a first sync that was interrupted);
 *   newer:  created[gte]=<last value>     rows created since the last run
 *           (>=: rows of the boundary second are read again, the merge on
 *           `id` dedupes them, none is skipped).
 * A full refresh (or the first incremental run) reads one unfiltered window.
 * Resume state: {"window": "all"|"older"|"newer", "bound": N|null,
 * "starting_after": "<id>"|null}, saved after every emitted page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dwp_buf.h"
#include "stripe.h"

/* ---------------------------------------------------------------- config */

dw_status st_config_load(dw_ctx *ctx, st_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->secret_key = st_api->config_string(ctx, "stripe_secret_key");
    if (!cfg->secret_key || !*cfg->secret_key)
        return st_api->fail(ctx, DW_ERR_CONFIG, "stripe: stripe_secret_key is empty; paste a secret or restricted key");
    cfg->account_id = st_api->config_string(ctx, "stripe_account_id");
    if (cfg->account_id && !*cfg->account_id) cfg->account_id = NULL;
    const char *base = st_api->config_string(ctx, "advanced.api_base");
    if (!base || !*base) base = ST_DEFAULT_API_BASE;
    if (strncmp(base, "https://", 8) != 0 && strncmp(base, "http://", 7) != 0)
        return st_api->fail(ctx, DW_ERR_CONFIG, "stripe: advanced.api_base '%s' must start with https://", base);
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/') bl--;
    cfg->api_base = strndup(base, bl);
    if (!cfg->api_base) return st_api->fail(ctx, DW_ERR_NOMEM, "stripe: out of memory");
    return DW_OK;
}

void st_config_free(st_config *cfg) {
    free(cfg->api_base);
    cfg->api_base = NULL;
}

/* --------------------------------------------------------------- request */

static char *error_message(dw_ctx *ctx, const dw_http_response *resp) {
    size_t len = 0;
    const char *body = st_api->http_body(resp, &len);
    dw_json *j = body ? st_api->json_parse(ctx, body, len) : NULL;
    const char *m = j ? st_api->json_string(st_api->json_get(j, "error.message")) : NULL;
    char *out = m ? strdup(m) : NULL;
    if (j) st_api->json_free(j);
    return out;
}

dw_status st_get(dw_ctx *ctx, const st_config *cfg, const char *url, const char *url_template,
                 dw_http_response **out, char **message) {
    *out = NULL;
    *message = NULL;
    char *auth = NULL, *account = NULL;
    if (asprintf(&auth, "Authorization: Bearer %s", cfg->secret_key) < 0) auth = NULL;
    if (cfg->account_id && asprintf(&account, "Stripe-Account: %s", cfg->account_id) < 0) account = NULL;
    if (!auth || (cfg->account_id && !account)) {
        free(auth);
        free(account);
        return st_api->fail(ctx, DW_ERR_NOMEM, "stripe: out of memory");
    }
    const char *headers[] = {auth, "User-Agent: dwhost-stripe/1.0", account, NULL};
    dw_http_request req = {.struct_size = sizeof req, .method = "GET", .url = url,
                           .url_template = url_template, .headers = headers};
    dw_http_response *resp = NULL;
    dw_status st = st_api->http_request(ctx, &req, &resp);
    free(auth);
    free(account);
    if (st != DW_OK) return st; /* recorded by the transport */
    long code = st_api->http_status(resp);
    if (code >= 200 && code < 300) {
        *out = resp;
        return DW_OK;
    }
    char *msg = error_message(ctx, resp);
    st_api->http_free(resp);
    switch (code) {
    case 401: *message = msg; return DW_ERR_AUTH;
    case 403: *message = msg; return DW_ERR_FORBIDDEN;
    case 404: *message = msg; return DW_ERR_NOT_FOUND;
    case 429:
        st = st_api->fail(ctx, DW_ERR_RATE_LIMITED,
                          "Stripe kept answering 429 after retries (%s): run again later", msg ? msg : "");
        break;
    default:
        st = st_api->fail(ctx, DW_ERR_HTTP, "Stripe answered %ld for %s: %s", code, url_template,
                          msg ? msg : "(no message)");
    }
    free(msg);
    return st;
}

/* ------------------------------------------------------------ watermarks */

int st_watermark_seconds(dw_ctx *ctx, const char *json, int64_t *out) {
    if (!json || !*json) return -1;
    dw_json *j = st_api->json_parse(ctx, json, strlen(json));
    const char *s = j ? st_api->json_string(j) : NULL;
    int rc = -1;
    if (s) {
        char *end = NULL;
        double d = strtod(s, &end);
        if (end != s && *end == '\0') {
            *out = (int64_t)d;
            rc = 0;
        } else {
            /* ISO-8601: 2024-01-31T12:00:00Z (offsets other than Z are not produced by the host) */
            struct tm tm = {0};
            const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
            if (!rest) rest = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
            if (!rest) rest = strptime(s, "%Y-%m-%d", &tm);
            if (rest) {
                *out = (int64_t)timegm(&tm);
                rc = 0;
            }
        }
    }
    if (j) st_api->json_free(j);
    return rc;
}

/* --------------------------------------------------------------- windows */

typedef struct window {
    const char *name;  /* "all", "older", "newer" */
    const char *param; /* NULL, "created[lt]", "created[gte]" */
    int64_t bound;
} window;

static dw_status save_state(dw_ctx *ctx, const window *w, const char *starting_after) {
    dwp_buf b = {0};
    dwp_buf_printf(&b, "{\"window\":\"%s\",\"bound\":", w->name);
    if (w->param)
        dwp_buf_printf(&b, "%lld", (long long)w->bound);
    else
        dwp_buf_str(&b, "null");
    dwp_buf_str(&b, ",\"starting_after\":");
    dwp_buf_json_string(&b, starting_after);
    dwp_buf_str(&b, "}");
    dw_status st = b.oom ? st_api->fail(ctx, DW_ERR_NOMEM, "stripe: out of memory") : st_api->state_save(ctx, b.data);
    dwp_buf_free(&b);
    return st;
}

/* Records 401/403/404 from st_get as the run's error. */
static dw_status fail_status(dw_ctx *ctx, const st_endpoint *e, dw_status st, const char *msg) {
    const char *m = msg ? msg : "";
    switch (st) {
    case DW_ERR_AUTH: return st_api->fail(ctx, st, "Stripe rejected the key (401 %s)", m);
    case DW_ERR_FORBIDDEN:
        return st_api->fail(ctx, st, "the restricted Stripe key cannot read '%s' (403 %s): grant it `%s`",
                            e->ep.name, m, e->permission);
    case DW_ERR_NOT_FOUND: return st_api->fail(ctx, st, "Stripe answered 404 for %s (%s)", e->ep.path, m);
    default: return st;
    }
}

/* Reads one window from `cursor` (NULL: its start), saving state after
 * each page.  `next` (may be NULL) is saved once the window is done so a
 * crash between windows resumes at the next one. */
static dw_status read_window(dw_ctx *ctx, const st_config *cfg, const st_endpoint *e, const window *w,
                             const char *cursor_in, const window *next) {
    char *cursor = cursor_in ? strdup(cursor_in) : NULL;
    char limit[24], bound[24];
    snprintf(limit, sizeof limit, "%d", ST_MAX_LIMIT);
    snprintf(bound, sizeof bound, "%lld", (long long)w->bound);
    dw_status st = DW_OK;
    for (;;) {
        if (st_api->cancelled(ctx)) {
            st = st_api->fail(ctx, DW_ERR_CANCELLED, "stripe: stopped on request");
            break;
        }
        const char *params[16];
        size_t k = 0;
        for (const char *const *p = e->ep.params; p && *p && k < 8; p += 2) {
            params[k++] = p[0];
            params[k++] = p[1];
        }
        params[k++] = "limit";
        params[k++] = limit;
        if (w->param) {
            params[k++] = w->param;
            params[k++] = bound;
        }
        if (cursor) {
            params[k++] = "starting_after";
            params[k++] = cursor;
        }
        params[k] = NULL;
        char *url = st_api->url_build(ctx, cfg->api_base, e->ep.path, params);
        if (!url) {
            st = st_api->fail(ctx, DW_ERR_NOMEM, "stripe: out of memory");
            break;
        }
        dw_http_response *resp = NULL;
        char *msg = NULL;
        st = st_get(ctx, cfg, url, e->ep.path, &resp, &msg);
        st_api->free(url);
        if (st != DW_OK) {
            st = fail_status(ctx, e, st, msg);
            free(msg);
            break;
        }
        size_t len = 0;
        const char *body = st_api->http_body(resp, &len);
        dw_json *root = st_api->json_parse(ctx, body, len);
        dw_json *data = root ? st_api->json_get(root, e->ep.data_selector) : NULL;
        const char *obj = root ? st_api->json_string(st_api->json_get(root, "object")) : NULL;
        if (!data || !obj || strcmp(obj, "list") != 0) {
            st = st_api->fail(ctx, DW_ERR_BAD_DATA, "stripe: %s did not answer a list object", e->ep.path);
        } else {
            size_t n = st_api->json_array_len(data);
            const char *more = st_api->json_string(st_api->json_get(root, "has_more"));
            int has_more = more && !strcmp(more, "true");
            const char *last_id = n ? st_api->json_string(st_api->json_get(st_api->json_index(data, n - 1), "id")) : NULL;
            if (n) st = st_api->emit_value(ctx, data);
            if (st == DW_OK && has_more && !last_id) {
                /* has_more without a cursor to continue from: stop, don't spin */
                st_api->log(ctx, DW_LOG_WARN, "stripe: %s said has_more but sent no rows; stopping", e->ep.path);
                has_more = 0;
            }
            if (st == DW_OK && has_more) {
                free(cursor);
                cursor = strdup(last_id);
                st = cursor ? save_state(ctx, w, cursor) : st_api->fail(ctx, DW_ERR_NOMEM, "stripe: out of memory");
            } else if (st == DW_OK) {
                if (next) st = save_state(ctx, next, NULL);
                st_api->json_free(root);
                st_api->http_free(resp);
                break;
            }
        }
        if (root) st_api->json_free(root);
        st_api->http_free(resp);
        if (st != DW_OK) break;
    }
    free(cursor);
    return st;
}

/* ------------------------------------------------------------------- run */

dw_status st_run(dw_ctx *ctx, const dw_run_inputs *in) {
    const st_endpoint *e = st_endpoint_find(in->schema_name);
    if (!e)
        return st_api->fail(ctx, DW_ERR_NOT_FOUND, "stripe has no schema '%s'; run 'dwhost describe stripe' for the list",
                            in->schema_name ? in->schema_name : "(none)");
    if (in->use_incremental && in->incremental_field && strcmp(in->incremental_field, "created") != 0)
        return st_api->fail(ctx, DW_ERR_CONFIG, "stripe: '%s' syncs incrementally only on 'created', not '%s'",
                            e->ep.name, in->incremental_field);

    window plan[2];
    int n = 0;
    int64_t v;
    if (in->use_incremental && in->incremental_earliest_value) {
        if (st_watermark_seconds(ctx, in->incremental_earliest_value, &v) != 0)
            return st_api->fail(ctx, DW_ERR_STATE, "stripe: cannot read the earliest value %s as a time",
                                in->incremental_earliest_value);
        plan[n++] = (window){"older", "created[lt]", v};
    }
    if (in->use_incremental && in->incremental_last_value) {
        if (st_watermark_seconds(ctx, in->incremental_last_value, &v) != 0)
            return st_api->fail(ctx, DW_ERR_STATE, "stripe: cannot read the last value %s as a time",
                                in->incremental_last_value);
        plan[n++] = (window){"newer", "created[gte]", v};
    }
    if (n == 0) plan[n++] = (window){"all", NULL, 0};

    /* Resume inside the window (and at the cursor) the state names. */
    int start = 0;
    char *cursor = NULL;
    if (!in->reset_pipeline && st_api->state_can_resume(ctx)) {
        const char *state = st_api->state_load(ctx);
        dw_json *j = state ? st_api->json_parse(ctx, state, strlen(state)) : NULL;
        const char *wname = j ? st_api->json_string(st_api->json_get(j, "window")) : NULL;
        const char *bound = j ? st_api->json_string(st_api->json_get(j, "bound")) : NULL;
        const char *after = j ? st_api->json_string(st_api->json_get(j, "starting_after")) : NULL;
        int found = 0;
        for (int i = 0; wname && i < n; i++) {
            if (strcmp(plan[i].name, wname) != 0) continue;
            start = i, found = 1;
            if (bound) plan[i].bound = strtoll(bound, NULL, 10); /* the window as it was started */
            cursor = after ? strdup(after) : NULL;
        }
        if (found)
            st_api->log(ctx, DW_LOG_INFO, "stripe: resuming '%s' in the %s window%s", e->ep.name, plan[start].name,
                        cursor ? " after the saved cursor" : "");
        else if (state)
            st_api->log(ctx, DW_LOG_WARN, "stripe: saved state for '%s' does not match this run; starting over",
                        e->ep.name);
        if (j) st_api->json_free(j);
    }

    st_config cfg;
    dw_status st = st_config_load(ctx, &cfg);
    for (int i = start; st == DW_OK && i < n; i++) {
        st = read_window(ctx, &cfg, e, &plan[i], i == start ? cursor : NULL, i + 1 < n ? &plan[i + 1] : NULL);
    }
    free(cursor);
    st_config_free(&cfg);
    return st;
}

/* --------------------------------------------------------------- webhook */

static int event_matches(const char *pattern, const char *type) {
    size_t pl = strlen(pattern);
    if (pl >= 2 && !strcmp(pattern + pl - 2, ".*")) return !strncmp(type, pattern, pl - 1);
    return !strcmp(pattern, type);
}

dw_status st_webhook_transform(dw_ctx *ctx, const char *schema, const char *payload, size_t len) {
    const st_endpoint *e = st_endpoint_find(schema);
    if (!e) return st_api->fail(ctx, DW_ERR_NOT_FOUND, "stripe has no schema '%s'", schema ? schema : "(none)");
    dw_json *ev = st_api->json_parse(ctx, payload, len);
    const char *object = ev ? st_api->json_string(st_api->json_get(ev, "object")) : NULL;
    const char *type = ev ? st_api->json_string(st_api->json_get(ev, "type")) : NULL;
    dw_json *row = ev ? st_api->json_get(ev, "data.object") : NULL;
    dw_status st = DW_OK;
    if (!object || strcmp(object, "event") != 0 || !type || !row) {
        st = st_api->fail(ctx, DW_ERR_BAD_DATA,
                          "stripe: the webhook payload is not a Stripe event (expected object \"event\" with "
                          "type and data.object)");
    } else {
        int wanted = 0;
        for (uint32_t i = 0; i < ST_N_WEBHOOK_RESOURCES; i++)
            if (!strcmp(st_webhook_resources[i].schema, e->ep.name) &&
                event_matches(st_webhook_resources[i].event_type, type))
                wanted = 1;
        const char *kind = st_api->json_string(st_api->json_get(row, "object"));
        if (wanted && kind && !strcmp(kind, e->object))
            st = st_api->emit_value(ctx, row);
        else
            st_api->log(ctx, DW_LOG_DEBUG, "stripe: event %s (%s) carries no '%s' row", type,
                        kind ? kind : "?", e->ep.name);
    }
    if (ev) st_api->json_free(ev);
    return st;
}
