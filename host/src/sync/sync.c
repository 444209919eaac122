/* sync.c -- the sync orchestrator: schemas, plans, warehouse and state
 * backends, one job per schema, the report (see sync.h). */
#include "base/cancel.h"
#include "sync.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "transport/http_session.h"
#include "base/isotime.h"
#include "core/log.h"
#include "ops/ops.h"
#include "sync_int.h"
#include "sync_lease.h"
#include "test_hooks.h"
#include "base/text.h"

#define DEFAULT_TEAM "local"

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

/* `s` as JSON string text ("..." escaped), malloc'd; NULL on OOM. */
static char *dwhi_json_string_text(const char *s) {
    json_object *o = json_object_new_string(s);
    const char *t = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;
    char *out = t ? strdup(t) : NULL;
    json_object_put(o);
    return out;
}

static double since(const struct timespec *t0) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void report_fail(dwhi_sync_report *r, dwh_sync_failure kind, dw_status code, const char *msg) {
    if (r->failure != DWH_SYNC_OK) return;
    r->failure = kind;
    r->source_code = code;
    r->message = strdup(msg ? msg : "the sync failed");
}

static void report_fail_take(dwhi_sync_report *r, dwh_sync_failure kind, char *msg) {
    report_fail(r, kind, DW_OK, msg);
    free(msg);
}

/* Two schemas must not write one table (names are normalised). */
static int check_tables(dwhi_sync_report *r, dwhi_sync_plan *plans, size_t n, const dwh_sync_options *o,
                        const char *source) {
    for (size_t a = 0; a < n; a++) {
        char *ta = dwhi_wh_table_name(o->table_prefix, source, plans[a].schema);
        for (size_t b = a + 1; ta && b < n; b++) {
            char *tb = dwhi_wh_table_name(o->table_prefix, source, plans[b].schema);
            int same = tb && !strcmp(ta, tb);
            free(tb);
            if (same) {
                char *msg = NULL;
                if (asprintf(&msg, "schemas '%s' and '%s' would both be stored in table %s; sync them in separate "
                             "runs with different --table-prefix values", plans[a].schema, plans[b].schema, ta) < 0)
                    msg = NULL;
                report_fail_take(r, DWH_SYNC_FAIL_CONFIG, msg);
                free(ta);
                return -1;
            }
        }
        free(ta);
    }
    return 0;
}

static void schema_report_clear(dwhi_sync_schema_report *s) {
    free(s->schema);
    free(s->table);
    free(s->mode);
    free(s->incremental_field);
    free(s->last_value);
    free(s->earliest_value);
    free(s->message);
    memset(s, 0, sizeof *s);
}

const char *dwhi_sync_schema_status(const dwhi_sync_schema_report *s) {
    if (!s->ran) return "not run";
    if (s->failure == DWH_SYNC_OK) return "ok";
    return s->failure == DWH_SYNC_FAIL_INTERRUPTED ? "interrupted" : "failed";
}

/* What the report says of a schema before it runs (or if it never does). */
static void plan_schema_report(dwhi_sync_schema_report *s, const dwhi_sync_plan *plan, const char *source,
                               const dwh_sync_options *o, dwhi_warehouse *w) {
    free(s->table);
    free(s->mode);
    free(s->incremental_field);
    s->table = o->jsonl_out ? NULL : dwhi_wh_table_name(o->table_prefix, source, plan->schema);
    s->mode = dup_or_null(dwhi_write_mode_name(plan->mode));
    s->incremental_field = dup_or_null(plan->incremental_field);
    s->field_defaulted = plan->field_defaulted;
    s->table_rows = w && s->table && dwhi_wh_table_exists(w, s->table) ? dwhi_wh_count(w, s->table) : -1;
}

static void fill_schema_report(dwhi_sync_schema_report *s, sync_job *j) {
    schema_report_clear(s);
    s->ran = 1;
    s->schema = dup_or_null(j->plan->schema);
    s->table = dup_or_null(j->table);
    s->mode = dup_or_null(dwhi_write_mode_name(j->plan->mode));
    s->incremental_field = dup_or_null(j->plan->incremental_field);
    s->field_defaulted = j->plan->field_defaulted;
    s->resumed = j->resuming;
    s->rows = j->rows;
    s->batches = j->batches;
    s->skipped = j->skipped;
    s->table_rows = j->w && j->table && dwhi_wh_table_exists(j->w, j->table) ? dwhi_wh_count(j->w, j->table) : -1;
    s->last_value = dup_or_null(j->rec.last_value);
    s->earliest_value = dup_or_null(j->rec.earliest_value);
    s->seconds = sync_elapsed(j);
    s->failure = j->failure;
    s->source_code = j->source_code;
    s->message = dup_or_null(j->message);
    /* a commit of this run recorded it, or it resumed one that stays recorded */
    s->resumable = j->failure != DWH_SYNC_OK && (j->w || j->redis) && (j->batches > 0 || j->resuming);
    s->webhooks = j->webhook_status;
    s->webhook_payloads = j->webhook_payloads;
    s->webhook_rows = j->webhook_rows;
    s->webhook_pending = j->webhook_pending;
    s->webhook_stale = j->webhook_skipped;
}

/* run_job's result when the schema failed without any request reaching
 * the source (0: synced, -1: failed otherwise). */
#define JOB_UNREACHABLE 1

static int run_job(dwhi_sync_report *r, size_t index, dwhi_sync_plan *plan, dwh_plugin *p, json_object *config,
                   dwhi_secrets *secrets, const dwh_sync_options *o, dwhi_warehouse *w, dwhi_redis *redis,
                   sync_lease_set *lease, int64_t run_id) {
    dwhi_sync_schema_report *out = &r->schemas[index];
    sync_job j = {0};
    j.index = index + 1;
    j.count = r->n_schemas;
    j.lease = lease;
    j.lease_index = index;
    j.o = o;
    j.plugin = p;
    j.config = config;
    j.secrets = secrets;
    j.w = w;
    j.redis = redis;
    j.team_id = r->team_id;
    j.source_id = r->source_id;
    j.job_id = r->job_id;
    j.plan = plan;
    clock_gettime(CLOCK_MONOTONIC, &j.started);
    dwhi_isotime_now(j.run_started, sizeof j.run_started);
    j.key = (dwhi_state_key){r->team_id, r->source_id, plan->schema, r->state_namespace};
    int rc = -1;
    if (dwhi_ctx_init(&j.log, p, NULL, secrets) != DW_OK ||
        dwhi_ctx_set_identity(&j.log, r->team_id, r->source_id, NULL, plan->schema, r->job_id) != DW_OK ||
        !(j.redis_key = dwhi_state_redis_key(&j.key)) ||
        (w && !(j.table = dwhi_wh_table_name(o->table_prefix, dwh_plugin_name(p), plan->schema))) ||
        (o->jsonl_out && !(j.schema_json = dwhi_json_string_text(plan->schema)))) {
        sync_fail(&j, DWH_SYNC_FAIL_WAREHOUSE, "out of memory");
    } else {
        if (o->progress) {
            dwh_sync_progress pr = {plan->schema, j.table, 0, 0, 0, 0, 0, j.index, j.count};
            o->progress(o->progress_ud, &pr);
        }
        sync_history_schema(w, run_id, out, "running", secrets, &j.log); /* killed: stays "running" */
        rc = sync_schema_run(&j);
    }
    fill_schema_report(out, &j);
    if (out->resumable && (o->reset || o->restart_refresh) && j.failure != DWH_SYNC_FAIL_INTERRUPTED) {
        /* its own words ("... rerun to resume") would have the rerun start over */
        char *msg = NULL;
        if (asprintf(&msg, "%s (%s)", j.message ? j.message : "failed", sync_resume_advice(&j)) >= 0) {
            free(j.message);
            j.message = msg;
            free(out->message);
            out->message = strdup(msg);
        }
    }
    sync_history_schema(w, run_id, out, NULL, secrets, &j.log);
    if (rc == 0) {
        dwhi_log(&j.log, DW_LOG_INFO, "sync.schema.done", "%llu rows in %llu batches%s; %s", (unsigned long long)j.rows,
                (unsigned long long)j.batches, j.resuming ? " (resumed)" : "",
                j.table ? "table replaced/updated" : "streamed");
    } else {
        /* info: the caller reports the failure itself (the CLI's one
         * stderr line and summary; the embedding API's error) */
        dwhi_log(&j.log, DW_LOG_INFO, "sync.schema.failed", "%s", j.message ? j.message : "failed");
        report_fail(r, j.failure, j.source_code, j.message);
        if (j.unreachable) rc = JOB_UNREACHABLE;
    }
    if (o->progress) {
        dwh_sync_progress pr = {plan->schema, j.table, j.rows, j.batches, j.skipped, out->seconds, 1, j.index, j.count};
        o->progress(o->progress_ud, &pr);
    }
    dwhi_wh_table_close(j.target);
    dwhi_batcher_free(j.batcher);
    dwhi_state_record_clear(&j.rec);
    free(j.resume_json);
    free(j.redis_key);
    free(j.table);
    free(j.schema_json);
    dwhi_keydict_free(j.keys);
    free(j.message);
    dwhi_ctx_cleanup(&j.log);
    return rc;
}

/* Schema `i` could not reach the source at all (DNS, refused, connect
 * timeout): the schemas after it would spend all their attempts failing
 * the same way, so the run stops and its message says which were not
 * tried (the report lists them "not run"). */
static void stop_unreachable(dwhi_sync_report *r, const dwhi_sync_plan *plans, size_t i, size_t n, dw_ctx *log) {
    size_t rest = n - i - 1;
    const char **names = calloc(rest ? rest : 1, sizeof *names);
    for (size_t k = 0; names && k < rest; k++) names[k] = plans[i + 1 + k].schema;
    char *list = names ? dwhi_text_join(names, rest) : NULL;
    free(names);
    char *note = NULL;
    if (asprintf(&note, "schema '%s' could not reach the source, so the %zu schema%s after it (%s) %s not tried; "
                 "what was committed is kept; rerun once the source can be reached",
                 plans[i].schema, rest, rest == 1 ? "" : "s", list ? list : "?", rest == 1 ? "was" : "were") < 0)
        note = NULL;
    free(list);
    if (!note) return;
    dwhi_log(log, DW_LOG_WARN, "sync.unreachable", "%s", note);
    char *msg = NULL;
    if (asprintf(&msg, "%s; %s", r->message ? r->message : "the source could not be reached", note) >= 0) {
        free(r->message);
        r->message = msg;
    }
    free(note);
}

/* Why a state namespace cannot be used, or NULL when it can (NULL: none).
 * It becomes part of a Redis key and of log lines, so it is short and
 * printable. */
static const char *namespace_problem(const char *ns) {
    if (!ns) return NULL;
    if (strlen(ns) > 128) return "longer than 128 bytes: use a shorter name";
    for (const unsigned char *c = (const unsigned char *)ns; *c; c++)
        if (*c < 0x20 || *c == 0x7f) return "not printable (it holds a control character): use letters, digits, '-', '_' or '.'";
    return NULL;
}

dwhi_sync_report *dwhi_sync_run(dwh_plugin *p, json_object *config, dwhi_secrets *secrets,
                              const dwh_sync_options *opts) {
    dwh_sync_options o = *opts;
    if (o.restart_refresh) o.full_refresh = 1;
    /* Test-only: cap the warehouse file to simulate a full disk where a
     * small filesystem cannot be mounted (docs/cli/sync.md, "Errors and exit status"; test_hooks.h). */
    int64_t max_pages = dwhi_test_warehouse_max_pages();
    dwhi_sync_report *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char uuid[37];
    if (!o.job_id) {
        dwhi_uuid4(uuid);
        o.job_id = uuid;
    }
    r->job_id = strdup(o.job_id);
    r->team_id = strdup(o.team_id && *o.team_id ? o.team_id : DEFAULT_TEAM);
    r->source = strdup(dwh_plugin_name(p));
    r->source_id = strdup(o.source_id && *o.source_id ? o.source_id : dwh_plugin_name(p));
    /* the warehouse as given opens it; the report, logs and history name it
     * without a password (a PostgreSQL URL's), which joins the run's secrets */
    const char *wh_spec = o.warehouse_path && *o.warehouse_path ? o.warehouse_path : DWHI_WAREHOUSE_DEFAULT_PATH;
    r->warehouse = o.jsonl_out ? NULL : dwhi_wh_spec_shown(wh_spec);
    char *wh_password = o.jsonl_out ? NULL : dwhi_wh_spec_password(wh_spec);
    if (wh_password && secrets) dwhi_secrets_add(secrets, wh_password);
    free(wh_password);
    r->state_namespace = o.state_namespace && *o.state_namespace ? strdup(o.state_namespace) : NULL;
    if (!r->job_id || !r->team_id || !r->source || !r->source_id || (!o.jsonl_out && !r->warehouse) ||
        (o.state_namespace && *o.state_namespace && !r->state_namespace)) {
        dwhi_sync_report_free(r);
        return NULL;
    }
    /* every HTTP attempt the plugin makes on this thread is counted */
    dwhi_http_counters http = {0};
    dwhi_http_counters *outer = dwhi_http_counters_collect(&http);
    dw_ctx log;
    dwhi_ctx_init(&log, p, NULL, secrets);
    dwhi_ctx_set_identity(&log, r->team_id, r->source_id, NULL, NULL, r->job_id);

    dwhi_identity id = {r->team_id, r->source_id, NULL, r->job_id};
    dwhi_op_flags flags = {.cancel = o.cancel, .allow_internal_hosts = o.allow_internal_hosts};
    json_object *schemas = NULL, *selected = NULL;
    dwhi_sync_plan *plans = NULL;
    size_t n = 0;
    dwhi_warehouse *w = NULL;
    dwhi_redis *redis = NULL;
    dwhi_state_key *keys = NULL;
    sync_lease_set *lease = NULL;
    int64_t run_id = 0;
    char *err = NULL;

    const char *ns_problem = namespace_problem(r->state_namespace);
    if (ns_problem) {
        char *msg = NULL;
        if (asprintf(&msg, "the state namespace is %s", ns_problem) < 0) msg = NULL;
        report_fail(r, DWH_SYNC_FAIL_CONFIG, DW_OK, msg ? msg : ns_problem);
        free(msg);
        goto done;
    }
    /* The warehouse first: every run that gets this far is recorded in
     * its history, also one that stops at the source or its options. */
    if (!o.jsonl_out) {
        dwhi_wh_options wo = {.max_page_count = max_pages, .background_checkpoint = 1};
        if (!(w = dwhi_wh_open(wh_spec, &wo, &err))) {
            report_fail_take(r, DWH_SYNC_FAIL_WAREHOUSE, err);
            goto done;
        }
        run_id = sync_history_begin(w, r, &o, secrets, &log);
    }
    dwhi_op_result ls = dwhi_op_list_schemas(p, config, secrets, &id, &flags, &schemas);
    if (ls.code != DW_OK) {
        char *msg = NULL;
        if (asprintf(&msg, "listing the schemas failed: %s", ls.message ? ls.message : dwhi_status_name(ls.code)) < 0)
            msg = NULL;
        report_fail(r, ls.code == DW_ERR_CANCELLED ? DWH_SYNC_FAIL_INTERRUPTED : DWH_SYNC_FAIL_SOURCE, ls.cause, msg);
        free(msg);
        dwhi_op_result_free(&ls);
        goto done;
    }
    dwhi_op_result_free(&ls);
    selected = dwhi_sync_select(schemas, o.schemas, o.n_schemas, &err);
    if (!selected) {
        report_fail_take(r, DWH_SYNC_FAIL_CONFIG, err);
        /* the history says which schemas the run was for */
        for (size_t i = 0; i < o.n_schemas; i++) {
            dwhi_sync_schema_report named = {.schema = (char *)o.schemas[i]};
            sync_history_schema(w, run_id, &named, NULL, secrets, &log);
        }
        goto done;
    }
    n = json_object_array_length(selected);
    plans = calloc(n ? n : 1, sizeof *plans);
    r->schemas = calloc(n ? n : 1, sizeof *r->schemas);
    if (!plans || !r->schemas) {
        report_fail(r, DWH_SYNC_FAIL_WAREHOUSE, DW_OK, "out of memory");
        goto done;
    }
    /* Every selected schema is in the report, "not run" until it runs. */
    for (size_t i = 0; i < n; i++) {
        json_object *name = NULL;
        json_object_object_get_ex(json_object_array_get_idx(selected, i), "name", &name);
        r->schemas[i].schema = strdup(name ? json_object_get_string(name) : "?");
        r->schemas[i].table_rows = -1;
        r->n_schemas++;
    }
    /* Every plan is checked before anything is written. */
    for (size_t i = 0; i < n; i++) {
        if (dwhi_sync_plan_make(json_object_array_get_idx(selected, i), &o, &plans[i], &err) < 0) {
            report_fail_take(r, DWH_SYNC_FAIL_CONFIG, err);
            goto done;
        }
        plan_schema_report(&r->schemas[i], &plans[i], r->source, &o, NULL);
    }
    if (n == 0) {
        report_fail(r, DWH_SYNC_FAIL_CONFIG, DW_OK, "the source lists no schemas to sync");
        goto done;
    }
    if (!o.jsonl_out && check_tables(r, plans, n, &o, r->source) < 0) goto done;
    if (o.state_url) {
        if (!(redis = dwhi_redis_open(o.state_url, o.state_ttl_s, o.state_timeout_ms, secrets, &err))) {
            report_fail_take(r, DWH_SYNC_FAIL_STATE, err);
            goto done;
        }
        if (asprintf(&r->state, "redis://%s", dwhi_redis_where(redis)) < 0) r->state = NULL;
    } else {
        r->state = strdup(o.jsonl_out ? "none" : "warehouse");
        if (o.jsonl_out)
            dwhi_log(&log, DW_LOG_INFO, "sync.state", "--output jsonl without --state: progress is not saved; "
                    "add --state redis://HOST:PORT to resume");
    }
    for (size_t i = 0; w && i < n; i++) plan_schema_report(&r->schemas[i], &plans[i], r->source, &o, w);
    sync_history_schemas(w, run_id, r, secrets, &log);
    if (w || redis) {
        /* one run per job: every lease is taken before anything is synced */
        if (!(keys = calloc(n, sizeof *keys))) {
            report_fail(r, DWH_SYNC_FAIL_WAREHOUSE, DW_OK, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < n; i++)
            keys[i] = (dwhi_state_key){r->team_id, r->source_id, plans[i].schema, r->state_namespace};
        dwhi_wh_options wo = {.max_page_count = max_pages};
        sync_lease_args la = {.w = w, .wo = wo, .redis = redis, .redis_url = o.state_url,
                              .redis_timeout_ms = o.state_timeout_ms, .keys = keys, .n_keys = n,
                              .job_id = r->job_id, .timeout_ms = dwhi_test_lease_timeout_ms(o.lease_timeout_ms),
                              .break_lease = o.break_lease, .log = &log};
        int running = 0, wh_error = 0;
        if (!(lease = sync_lease_acquire(&la, &err, &running, &wh_error))) {
            report_fail_take(r, running ? DWH_SYNC_FAIL_RUNNING : wh_error ? DWH_SYNC_FAIL_WAREHOUSE : DWH_SYNC_FAIL_STATE,
                             err);
            goto done;
        }
    }
    dwhi_log(&log, DW_LOG_INFO, "sync.start", "syncing %zu schema%s into %s (state: %s)", n, n == 1 ? "" : "s",
            r->warehouse ? r->warehouse : "JSON lines on stdout", r->state ? r->state : "?");
    /* Schemas are independent (as in the reference): a failing one does
     * not stop the rest; an interrupt does. */
    for (size_t i = 0; i < n; i++) {
        if (dwhi_cancel_requested(o.cancel)) {
            report_fail(r, DWH_SYNC_FAIL_INTERRUPTED, DW_ERR_CANCELLED,
                        "interrupted between schemas; the schemas before are committed; rerun to sync the rest");
            break;
        }
        int jr = run_job(r, i, &plans[i], p, config, secrets, &o, w, redis, lease, run_id);
        if (r->schemas[i].failure == DWH_SYNC_FAIL_INTERRUPTED) break;
        if (jr == JOB_UNREACHABLE && i + 1 < n) {
            stop_unreachable(r, plans, i, n, &log);
            break;
        }
    }
done:
    dwhi_http_counters_collect(outer);
    r->http = dwhi_http_counters_json(&http);
    r->seconds = since(&t0);
    sync_lease_release(lease);
    free(keys);
    if (r->failure == DWH_SYNC_OK) {
        dwhi_log(&log, DW_LOG_INFO, "sync.done", "synced %zu schema%s in %.1f s", r->n_schemas,
                r->n_schemas == 1 ? "" : "s", r->seconds);
    } else if (r->n_schemas > 1) {
        size_t failed = 0, ok = 0;
        for (size_t i = 0; i < r->n_schemas; i++) {
            if (!r->schemas[i].ran) continue;
            if (r->schemas[i].failure == DWH_SYNC_OK) ok++;
            else failed++;
        }
        if (failed > 1 || ok) {
            /* the first failure is the run's message; say how the others went */
            char *msg = NULL;
            if (asprintf(&msg, "%s (%zu of %zu schemas failed; %zu synced%s)", r->message ? r->message : "failed",
                         failed, r->n_schemas, ok, failed + ok < r->n_schemas ? "; the rest did not run" : "") >= 0) {
                free(r->message);
                r->message = msg;
            }
        }
    }
    /* the schemas as they ended (those that never ran: why not), then the run */
    if (r->failure != DWH_SYNC_OK) sync_history_schemas(w, run_id, r, secrets, &log);
    sync_history_end(w, run_id, r, secrets, &log);
    for (size_t i = 0; plans && i < n; i++) dwhi_sync_plan_free(&plans[i]);
    free(plans);
    json_object_put(selected);
    json_object_put(schemas);
    dwhi_redis_close(redis);
    dwhi_wh_close(w);
    dwhi_ctx_cleanup(&log);
    return r;
}

void dwhi_sync_report_free(dwhi_sync_report *r) {
    if (!r) return;
    for (size_t i = 0; i < r->n_schemas; i++) schema_report_clear(&r->schemas[i]);
    free(r->schemas);
    free(r->job_id);
    free(r->team_id);
    free(r->source_id);
    free(r->source);
    free(r->warehouse);
    free(r->state);
    free(r->state_namespace);
    free(r->message);
    json_object_put(r->http);
    free(r);
}

const char *dwh_sync_failure_name(dwh_sync_failure f) {
    switch (f) {
    case DWH_SYNC_OK: return NULL;
    case DWH_SYNC_FAIL_SOURCE: return "source";
    case DWH_SYNC_FAIL_CONFIG: return "config";
    case DWH_SYNC_FAIL_DATA: return "data";
    case DWH_SYNC_FAIL_STATE: return "state";
    case DWH_SYNC_FAIL_WAREHOUSE: return "warehouse";
    case DWH_SYNC_FAIL_INTERRUPTED: return "interrupted";
    case DWH_SYNC_FAIL_PLUGIN: return "plugin";
    case DWH_SYNC_FAIL_RUNNING: return "running";
    }
    return "?";
}

static json_object *str_or_null(const char *s) { return s ? json_object_new_string(s) : NULL; }

/* A stored watermark (JSON text) as a JSON value. */
static json_object *value_of(const char *text) {
    if (!text) return NULL;
    json_object *v = json_tokener_parse(text);
    return v ? v : json_object_new_string(text);
}

json_object *dwhi_sync_report_json(const dwhi_sync_report *r) {
    json_object *o = json_object_new_object();
    json_object_object_add(o, "ok", json_object_new_boolean(r->failure == DWH_SYNC_OK));
    json_object_object_add(o, "source", str_or_null(r->source));
    json_object_object_add(o, "source_id", str_or_null(r->source_id));
    json_object_object_add(o, "team_id", str_or_null(r->team_id));
    json_object_object_add(o, "job_id", str_or_null(r->job_id));
    json_object_object_add(o, "warehouse", str_or_null(r->warehouse));
    json_object_object_add(o, "state", str_or_null(r->state));
    json_object_object_add(o, "state_namespace", str_or_null(r->state_namespace));
    json_object_object_add(o, "seconds", json_object_new_double(r->seconds));
    json_object_object_add(o, "failure", str_or_null(dwh_sync_failure_name(r->failure)));
    json_object_object_add(o, "error", str_or_null(r->message));
    json_object *arr = json_object_new_array();
    uint64_t total = 0;
    for (size_t i = 0; i < r->n_schemas; i++) {
        const dwhi_sync_schema_report *s = &r->schemas[i];
        json_object *e = json_object_new_object();
        json_object_object_add(e, "schema", str_or_null(s->schema));
        json_object_object_add(e, "table", str_or_null(s->table));
        json_object_object_add(e, "mode", str_or_null(s->mode));
        json_object_object_add(e, "incremental_field", str_or_null(s->incremental_field));
        json_object_object_add(e, "incremental_field_defaulted", json_object_new_boolean(s->field_defaulted));
        json_object_object_add(e, "resumed", json_object_new_boolean(s->resumed));
        json_object_object_add(e, "resumable", json_object_new_boolean(s->resumable));
        json_object_object_add(e, "rows", json_object_new_int64((int64_t)s->rows));
        json_object_object_add(e, "batches", json_object_new_int64((int64_t)s->batches));
        json_object_object_add(e, "skipped_replayed_rows", json_object_new_int64((int64_t)s->skipped));
        json_object_object_add(e, "table_rows", s->table_rows >= 0 ? json_object_new_int64(s->table_rows) : NULL);
        json_object_object_add(e, "last_value", value_of(s->last_value));
        json_object_object_add(e, "earliest_value", value_of(s->earliest_value));
        json_object_object_add(e, "seconds", json_object_new_double(s->seconds));
        json_object_object_add(e, "ok", json_object_new_boolean(s->ran && s->failure == DWH_SYNC_OK));
        json_object_object_add(e, "status", json_object_new_string(dwhi_sync_schema_status(s)));
        json_object_object_add(e, "failure", str_or_null(dwh_sync_failure_name(s->failure)));
        json_object_object_add(e, "error", str_or_null(s->message));
        json_object *wh = NULL;
        if (s->webhooks) {
            wh = json_object_new_object();
            json_object_object_add(wh, "status", json_object_new_string(s->webhooks));
            json_object_object_add(wh, "payloads", json_object_new_int64((int64_t)s->webhook_payloads));
            json_object_object_add(wh, "rows", json_object_new_int64((int64_t)s->webhook_rows));
            json_object_object_add(wh, "pending", s->webhook_pending >= 0 ? json_object_new_int64(s->webhook_pending) : NULL);
            json_object_object_add(wh, "stale", json_object_new_int64(s->webhook_stale));
        }
        json_object_object_add(e, "webhooks", wh);
        json_object_array_add(arr, e);
        total += s->rows;
    }
    json_object_object_add(o, "schemas", arr);
    json_object_object_add(o, "rows", json_object_new_int64((int64_t)total));
    json_object_object_add(o, "http", r->http ? json_object_get(r->http) : NULL);
    return o;
}
