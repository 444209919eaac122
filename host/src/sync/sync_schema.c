/* sync_schema.c -- one schema: load and reconcile the job's state, decide
 * whether to resume, run the plugin into the batching sink, commit (see
 * sync.h for the resume semantics). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/isotime.h"
#include "core/log.h"
#include "partition.h"
#include "ops/ops.h"
#include "rows/rowref.h"
#include "sync_int.h"
#include "sync_writer.h"
#include "rows/watermark.h"

/* ---- state ------------------------------------------------------------ */

/* Reads the warehouse's and Redis's records and keeps the one to start
 * from in j->rec (state.h explains why the warehouse's wins). */
static int load_state(sync_job *j) {
    dwhi_state_record wh = {0}, mirror = {0};
    char *err = NULL;
    int rc = 0;
    if (j->w && dwhi_wh_state_get(j->w, &j->key, &wh, &err) < 0) {
        rc = sync_fail_take(j, DWH_SYNC_FAIL_WAREHOUSE, err);
        goto out;
    }
    /* --reset discards what a damaged record holds; otherwise it must
     * not reach the plugin or the watermarks */
    if (wh.seq && !j->o->reset && dwhi_state_record_check(&wh, &err) < 0) {
        rc = sync_fail(j, DWH_SYNC_FAIL_STATE,
                       "warehouse %s: the saved state of %s/%s is damaged (%s); rerun with --reset to start over "
                       "(the next run then reads the source from the beginning)",
                       dwhi_wh_shown(j->w), j->source_id, j->plan->schema, err ? err : "unreadable");
        free(err);
        goto out;
    }
    if (j->redis) {
        char *text = NULL;
        if (dwhi_redis_get(j->redis, j->redis_key, &text, &err) < 0) {
            rc = sync_fail_take(j, DWH_SYNC_FAIL_STATE, err);
            goto out;
        }
        if (text && dwhi_state_record_from_json(text, &mirror, &err) < 0) {
            if (!j->w && !j->o->reset) {
                rc = sync_fail(j, DWH_SYNC_FAIL_STATE, "Redis at %s: key %s: %s; rerun with --reset (or delete the key) to start over",
                               dwhi_redis_where(j->redis), j->redis_key, err ? err : "unreadable");
                free(err);
                free(text);
                goto out;
            }
            dwhi_log(&j->log, DW_LOG_WARN, "sync.state", "ignoring the Redis state at %s: %s", j->redis_key,
                    err ? err : "unreadable");
            free(err);
            mirror.seq = 1; /* present but unusable: repair it */
        }
        free(text);
    }
    char *note = NULL;
    int repair = 0;
    const dwhi_state_record *chosen =
        j->redis ? dwhi_state_reconcile(&wh, &mirror, j->w != NULL, j->w ? dwhi_wh_id(j->w) : NULL, &note, &repair)
                 : &wh;
    if (note) {
        dwhi_log(&j->log, DW_LOG_WARN, "sync.state.reconcile", "%s", note);
        free(note);
    }
    int64_t base = wh.seq > mirror.seq ? wh.seq : mirror.seq;
    if (dwhi_state_record_copy(&j->rec, chosen) < 0) {
        rc = sync_fail(j, DWH_SYNC_FAIL_STATE, "out of memory reading the sync state");
        goto out;
    }
    if (repair && j->redis) {
        if (chosen->seq == 0) {
            if (dwhi_redis_del(j->redis, j->redis_key, &err) < 0) rc = sync_fail_take(j, DWH_SYNC_FAIL_STATE, err);
        } else {
            json_object *o = dwhi_state_record_to_json(chosen);
            if (o && dwhi_redis_put(j->redis, j->redis_key, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), &err) < 0)
                rc = sync_fail_take(j, DWH_SYNC_FAIL_STATE, err);
            json_object_put(o);
        }
    }
    /* sequences only grow, whichever copy they were last seen in */
    j->rec.seq = base;
out:
    dwhi_state_record_clear(&wh);
    dwhi_state_record_clear(&mirror);
    return rc;
}

static void clear_run(dwhi_state_record *r) {
    dwhi_state_set(&r->resume, NULL);
    dwhi_state_set(&r->write_mode, NULL);
    dwhi_state_set(&r->run_last_value, NULL);
    dwhi_state_set(&r->run_earliest_value, NULL);
    r->rows_past_resume = r->run_rows = r->run_batches = 0;
}

/* Decides, from the record, whether this run continues an interrupted
 * one, and prepares what the plugin is handed. */
static int decide_resume(sync_job *j) {
    const dwhi_sync_plan *p = j->plan;
    dwhi_state_record *r = &j->rec;
    const char *mode = dwhi_write_mode_name(p->mode);
    /* --full-refresh continues a full refresh that was interrupted (it is
     * the refresh asked for); --restart-refresh and --reset never resume */
    int interrupted_full = r->write_mode && (!strcmp(r->write_mode, DWHI_WRITE_MODE_FIRST_FULL) ||
                                             !strcmp(r->write_mode, dwhi_write_mode_name(DWHI_WRITE_REPLACE)));
    if (j->o->reset || j->o->restart_refresh || (j->o->full_refresh && !interrupted_full)) {
        if (r->write_mode || r->resume)
            dwhi_log(&j->log, DW_LOG_INFO, "sync.reset", "starting over: the saved progress of job %s is discarded",
                    r->job_id ? r->job_id : "?");
        clear_run(r);
        dwhi_state_set(&r->pending_earliest_value, NULL);
        if (j->o->reset) {
            dwhi_state_set(&r->last_value, NULL);
            dwhi_state_set(&r->earliest_value, NULL);
            dwhi_state_set(&r->pending_last_value, NULL);
        } else if (p->mode == DWHI_WRITE_REPLACE) {
            dwhi_state_set(&r->pending_last_value, NULL);
        }
    }
    if (r->incremental_field && p->incremental_field && strcmp(r->incremental_field, p->incremental_field)) {
        dwhi_log(&j->log, DW_LOG_WARN, "sync.watermark",
                "the incremental field changed from '%s' to '%s': its watermarks do not apply; starting without one",
                r->incremental_field, p->incremental_field);
        dwhi_state_set(&r->last_value, NULL);
        dwhi_state_set(&r->earliest_value, NULL);
        dwhi_state_set(&r->pending_last_value, NULL);
        dwhi_state_set(&r->pending_earliest_value, NULL);
        dwhi_state_set(&r->run_last_value, NULL);
        dwhi_state_set(&r->run_earliest_value, NULL);
    }
    if (r->write_mode) {
        int first_full = !strcmp(r->write_mode, DWHI_WRITE_MODE_FIRST_FULL);
        int same = !strcmp(r->write_mode, mode) || (first_full && p->mode == DWHI_WRITE_REPLACE);
        /* a staged refresh continues into its staging table, a first one
         * into the table itself: either must still be there */
        int target_ok = p->mode != DWHI_WRITE_REPLACE || !j->w ||
                        (first_full ? dwhi_wh_table_exists(j->w, j->table) : dwhi_wh_staging_exists(j->w, j->table));
        if (same && target_ok) {
            j->resuming = 1;
            j->direct = first_full;
        } else {
            dwhi_log(&j->log, DW_LOG_WARN, "sync.resume",
                    "the previous run (job %s, mode %s) was interrupted; %s, so this run starts over",
                    r->job_id ? r->job_id : "?", r->write_mode,
                    !same ? "this run uses another mode"
                          : first_full ? "its table is gone" : "its staging table is gone");
            if (first_full || !strcmp(r->write_mode, "full") || p->mode == DWHI_WRITE_REPLACE) {
                dwhi_state_set(&r->pending_last_value, NULL);
                dwhi_state_set(&r->pending_earliest_value, NULL);
            }
            clear_run(r);
        }
    }
    if (j->resuming) {
        /* The plugin continues from its saved point with the inputs the
         * interrupted run had, so it re-emits exactly what followed. */
        if (r->resume && !(j->resume_json = strdup(r->resume))) return sync_fail(j, DWH_SYNC_FAIL_STATE, "out of memory");
        j->replay_skip = p->mode == DWHI_WRITE_MERGE ? 0 : (uint64_t)r->rows_past_resume;
        dwhi_log(&j->log, DW_LOG_INFO, "sync.resume",
                "resuming job %s: %lld rows in %lld batches were committed%s%s",
                r->job_id ? r->job_id : "?", (long long)r->run_rows, (long long)r->run_batches,
                r->resume ? ", continuing from the saved state" : ", the source starts over",
                j->replay_skip ? "; re-emitted rows already committed are skipped" : "");
    } else if (p->use_incremental) {
        if (dwhi_state_set(&r->run_last_value, r->last_value) || dwhi_state_set(&r->run_earliest_value, r->earliest_value))
            return sync_fail(j, DWH_SYNC_FAIL_STATE, "out of memory");
    }
    return 0;
}

/* The run's start stamp must follow every row an earlier run of the job
 * wrote (the record's updated_at is its last commit's stamp), even within
 * the same millisecond or after the clock stepped back: a merge tells this
 * run's rows from earlier ones by it (dwhi_wh_rows.run_started). */
static void bump_run_start(sync_job *j) {
    const char *last = j->rec.updated_at;
    int64_t sec;
    int32_t nsec;
    if (!last || strcmp(j->run_started, last) > 0 || dwhi_isotime_parse(last, strlen(last), &sec, &nsec) < 0) return;
    int64_t ms = (int64_t)nsec / 1000000 + 1;
    char base[32];
    if (dwhi_isotime_format(sec + ms / 1000, "%Y-%m-%dT%H:%M:%S", base, sizeof base) < 0) return;
    snprintf(j->run_started, sizeof j->run_started, "%s.%03dZ", base, (int)(ms % 1000));
}

/* ---- the sink --------------------------------------------------------- */

static dw_status sink_fail(sync_job *j, dw_ctx *ctx) {
    dw_status st = j->failure == DWH_SYNC_FAIL_STATE ? DW_ERR_STATE : DW_ERR_SINK;
    return dwhi_ctx_fail_host(ctx, st, "%s", j->message ? j->message : "the sync failed");
}

/* What the pipeline needs of a row besides its cells, computed while the
 * row is at hand: the JSON-lines text (`obj` rows; the streaming parse
 * wrote cell rows' text already), the partition key, the primary-key
 * tuple (merge: missing or null keys fail here), the incremental value.
 * Texts go to `texts` (the caller's, cap bytes each) or, for a long one,
 * a malloc'd copy in *heap that the caller frees. */
static int encode_extras(sync_job *j, const dwhi_rowref *row, dwhi_row_extras *x, char *part, size_t part_cap,
                         dwhi_wm_value *wm, char (*texts)[2][256], char **heap) {
    const dwhi_sync_plan *p = j->plan;
    const int flags = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
    if (!j->w && row->obj) {
        x->json = json_object_to_json_string_length(row->obj, flags, &x->json_len);
        if (!x->json) return sync_fail(j, DWH_SYNC_FAIL_WAREHOUSE, "out of memory serialising a row");
    }
    if (p->partition.mode != DW_PARTITION_NONE) {
        int r = dwhi_partition_value(&p->partition, row, part, part_cap);
        if (r == 1) x->partition = part;
    }
    /* the key tuple: merge needs it; a full refresh of a source that may
     * repeat keys uses it to keep the last row per key */
    int want_pk = j->w && p->n_pk && (p->mode == DWHI_WRITE_MERGE || (p->mode == DWHI_WRITE_REPLACE && p->keys_may_repeat));
    if (want_pk) {
        char *t = (*texts)[0];
        size_t cap = sizeof (*texts)[0], n = 0;
        if (p->n_pk > 1) t[n++] = '[';
        for (size_t k = 0; k < p->n_pk; k++) {
            dwhi_scalar v;
            if (!dwhi_rowref_get(row, p->primary_keys[k], &v)) {
                if (p->mode != DWHI_WRITE_MERGE) return 0; /* full refresh: a row without a key is kept as it is */
                char *shown = dwhi_rowref_excerpt(row, 120);
                sync_fail(j, DWH_SYNC_FAIL_DATA,
                          "schema '%s': a row has no value for primary key '%s' (row: %s); an incremental "
                          "sync needs the key on every row: fix the source or sync with --mode full",
                          p->schema, p->primary_keys[k], shown ? shown : "?");
                free(shown);
                return -1;
            }
            if (k) t[n < cap ? n : cap - 1] = ',', n++;
            n += dwhi_scalar_json(&v, n < cap ? t + n : NULL, n < cap ? cap - n : 0);
        }
        if (p->n_pk > 1) {
            if (n < cap) t[n] = ']';
            n++;
        }
        if (n >= cap) { /* a long key: build it again on the heap */
            if (!(*heap = malloc(n + 1))) return sync_fail(j, DWH_SYNC_FAIL_WAREHOUSE, "out of memory");
            t = *heap;
            cap = n + 1;
            n = 0;
            if (p->n_pk > 1) t[n++] = '[';
            for (size_t k = 0; k < p->n_pk; k++) {
                dwhi_scalar v;
                dwhi_rowref_get(row, p->primary_keys[k], &v);
                if (k) t[n++] = ',';
                n += dwhi_scalar_json(&v, t + n, cap - n);
            }
            if (p->n_pk > 1) t[n++] = ']';
        }
        x->pk = t;
        x->pk_len = n;
    }
    if (p->incremental_field) {
        dwhi_scalar v;
        if (dwhi_rowref_get(row, p->incremental_field, &v) && dwhi_wm_parse(&v, p->field_type, wm) == 0) {
            size_t n = dwhi_scalar_json(&v, (*texts)[1], sizeof (*texts)[1]);
            if (n < sizeof (*texts)[1]) {
                x->wm = wm;
                x->wm_text = (*texts)[1];
                x->wm_len = n;
            }
        }
    }
    return 0;
}

static dw_status flush_full(sync_job *j, dw_ctx *ctx) {
    return sync_flush_full(j) < 0 ? sink_fail(j, ctx) : DW_OK;
}

/* A batch is cut when a row arrives to a full buffer or a resume point is
 * marked in one: a page that ends exactly at the limit goes whole, with its
 * state, and no batch exceeds the limit. */
static dw_status sink_row(void *ud, dw_ctx *ctx, json_object *row) {
    sync_job *j = ud;
    if (j->replay_skip > 0) {
        j->replay_skip--;
        j->skipped++;
        return DW_OK;
    }
    dw_status st = flush_full(j, ctx);
    if (st != DW_OK) return st;
    dwhi_row_extras x = {0};
    char part[64];
    dwhi_wm_value wm;
    char texts[2][256]; /* key and watermark texts */
    char *heap = NULL;
    dwhi_rowref ref = {.obj = row};
    if (encode_extras(j, &ref, &x, part, sizeof part, &wm, &texts, &heap) < 0) {
        free(heap);
        return sink_fail(j, ctx);
    }
    int rc = dwhi_batcher_add_row(j->batcher, row, &x);
    free(heap);
    if (rc < 0) {
        sync_fail(j, DWH_SYNC_FAIL_WAREHOUSE, "out of memory buffering rows");
        return sink_fail(j, ctx);
    }
    return DW_OK;
}

/* A row of cells from the streaming parse (rowref.h): its cells copied
 * into the batch as they are (same key dictionary), no json-c object. */
static dw_status sink_row_cells(void *ud, dw_ctx *ctx, const dwhi_rowref *row) {
    sync_job *j = ud;
    if (j->replay_skip > 0) {
        j->replay_skip--;
        j->skipped++;
        return DW_OK;
    }
    dw_status st = flush_full(j, ctx);
    if (st != DW_OK) return st;
    dwhi_row_extras x = {0};
    char part[64];
    dwhi_wm_value wm;
    char texts[2][256];
    char *heap = NULL, *text = NULL;
    if (encode_extras(j, row, &x, part, sizeof part, &wm, &texts, &heap) < 0) {
        free(heap);
        return sink_fail(j, ctx);
    }
    if (!j->w) { /* JSON lines: the row's text, with what a hook or parent added */
        if (row->extra && json_object_object_length(row->extra)) {
            text = dwhi_rowref_json(row);
            x.json = text;
            x.json_len = text ? strlen(text) : 0;
        } else {
            x.json = row->cells->json;
            x.json_len = row->cells->json_len;
        }
        if (!x.json) {
            free(heap);
            sync_fail(j, DWH_SYNC_FAIL_WAREHOUSE, "out of memory serialising a row");
            return sink_fail(j, ctx);
        }
    }
    int rc = dwhi_batcher_add_rowv(j->batcher, row->cells, row->extra, &x);
    free(heap);
    free(text);
    if (rc < 0) {
        sync_fail(j, DWH_SYNC_FAIL_WAREHOUSE, "out of memory buffering rows");
        return sink_fail(j, ctx);
    }
    return DW_OK;
}

static dw_status sink_state_save(void *ud, dw_ctx *ctx, const char *state_json) {
    sync_job *j = ud;
    if (j->replay_skip > 0) {
        /* The source reached a new resume point before re-emitting every
         * row the interrupted run committed past the old one: it is not
         * replaying identically.  Stop skipping (duplicates beat losses). */
        dwhi_log(ctx, DW_LOG_WARN, "sync.resume",
                "the source saved a new resume point with %llu already-committed rows not yet re-emitted; "
                "it does not replay identically, so no more rows are skipped",
                (unsigned long long)j->replay_skip);
        j->replay_skip = 0;
    }
    if (dwhi_batcher_mark(j->batcher, state_json) < 0) {
        sync_fail(j, DWH_SYNC_FAIL_STATE, "out of memory keeping the resume state");
        return sink_fail(j, ctx);
    }
    return flush_full(j, ctx);
}

static const char *sink_state_load(void *ud, dw_ctx *ctx) {
    (void)ctx;
    sync_job *j = ud;
    return j->resume_json;
}

/* ---- the run ---------------------------------------------------------- */

const char *sync_resume_advice(const sync_job *j) {
    /* nothing of this run was saved: the same command starts over again, as asked */
    if ((j->o->reset || j->o->restart_refresh) && j->batches == 0) return "rerun the same command to start over";
    if (j->o->reset) return "rerun without --reset to resume (with it the rerun starts over)";
    if (j->o->restart_refresh)
        return "rerun with --full-refresh instead of --restart-refresh to resume (--restart-refresh starts over again)";
    if (j->plan->mode == DWHI_WRITE_REPLACE)
        return "rerun the same command to resume the refresh, or add --restart-refresh to start it over";
    return "rerun to resume";
}

static dwh_sync_failure source_failure(dw_status code) {
    return code == DW_ERR_CANCELLED ? DWH_SYNC_FAIL_INTERRUPTED : DWH_SYNC_FAIL_SOURCE;
}

int sync_schema_run(sync_job *j) {
    const dwhi_sync_plan *p = j->plan;
    if (p->field_defaulted)
        dwhi_log(&j->log, DW_LOG_INFO, "sync.incremental_field",
                "no --incremental-field given: using '%s', the first field the schema advertises",
                p->incremental_field);
    if (load_state(j) < 0) return -1;
    /* before decide_resume rewrites the record: did the last run finish? */
    j->prior_complete = j->rec.seq > 0 && !j->rec.write_mode;
    if (decide_resume(j) < 0) return -1;
    /* a run that reads everything (no watermark, not resumed) is fresher
     * than any webhook payload received before it started */
    j->full_read = !j->resuming && !(p->use_incremental && j->rec.run_last_value);
    bump_run_start(j);
    if (j->w) {
        char *err = NULL;
        /* a full refresh stages its rows and swaps them in, so readers
         * keep the old table until the new one is complete; with no old
         * table (a first sync) it writes in place, so rows can be queried
         * as they land (the reference shows them only for some sources) */
        if (p->mode == DWHI_WRITE_REPLACE && !j->resuming) j->direct = !dwhi_wh_table_exists(j->w, j->table);
        /* an interrupted full refresh's staging table: a run in another
         * mode cannot continue it and a later refresh would not (the
         * state no longer says it was interrupted), so it goes now */
        if (p->mode != DWHI_WRITE_REPLACE && dwhi_wh_staging_exists(j->w, j->table)) {
            dwhi_log(&j->log, DW_LOG_WARN, "sync.staging.drop",
                    "dropping _dw_staging_%s, the staging table of an interrupted full refresh: this %s run cannot "
                    "continue it (a later --full-refresh starts over)",
                    j->table, dwhi_write_mode_name(p->mode));
            if (dwhi_wh_staging_drop(j->w, j->table, &err) < 0) return sync_fail_take(j, DWH_SYNC_FAIL_WAREHOUSE, err);
        }
        dwhi_wh_target target = p->mode != DWHI_WRITE_REPLACE ? DWHI_TARGET_NEW_STAGING
                               : j->direct                   ? DWHI_TARGET_DIRECT
                               : j->resuming                 ? DWHI_TARGET_CONTINUE_STAGING
                                                             : DWHI_TARGET_NEW_STAGING;
        j->target = dwhi_wh_table_open(j->w, j->table, p->mode, p->primary_keys, target, &err);
        if (!j->target) return sync_fail_take(j, dwhi_wh_last_error(j->w) ? DWH_SYNC_FAIL_WAREHOUSE : DWH_SYNC_FAIL_CONFIG, err);
        dwhi_wh_table_keep_last(j->target, p->keys_may_repeat);
        if (dwhi_wh_table_time_keys(j->target, p->time_keys, p->n_time_keys, &err) < 0)
            return sync_fail_take(j, DWH_SYNC_FAIL_WAREHOUSE, err);
    }
    j->keys = dwhi_keydict_new();
    j->batcher = j->keys ? dwhi_batcher_new(j->o->batch_rows, j->o->batch_bytes, j->keys) : NULL;
    if (!j->batcher) return sync_fail(j, DWH_SYNC_FAIL_WAREHOUSE, "out of memory");

    dwhi_log(&j->log, DW_LOG_INFO, "sync.schema.start", "syncing %s (%s%s%s%s%s)", j->table ? j->table : "to JSON lines",
            dwhi_write_mode_name(p->mode), p->incremental_field ? ", incremental field " : "",
            p->incremental_field ? p->incremental_field : "",
            p->use_incremental && (j->resuming ? j->rec.run_last_value : j->rec.last_value) ? " after " : "",
            p->use_incremental && (j->resuming ? j->rec.run_last_value : j->rec.last_value)
                ? (j->resuming ? j->rec.run_last_value : j->rec.last_value) : "");

    dwhi_row_sink sink = {.ud = j, .row = sink_row, .state_save = sink_state_save, .state_load = sink_state_load,
                         .row_cells = sink_row_cells, .keys = j->keys, .want_text = !j->w};
    /* Pushed payloads first: the pull that follows is fresher and wins.
     * (Before the inputs are built: the drain's commits replace j->rec.) */
    if (sync_webhook_drain(j, &sink) < 0) return -1;
    if (j->webhook_payloads) bump_run_start(j); /* the pull may overwrite the keys the drain wrote */

    dw_run_inputs in = {
        .struct_size = sizeof in,
        .schema_name = p->schema,
        .source_id = j->source_id,
        .team_id = j->team_id,
        .job_id = j->job_id,
        .reset_pipeline = !j->resuming && (j->o->reset || j->o->full_refresh),
        .use_incremental = p->use_incremental,
        .incremental_field = p->use_incremental ? p->incremental_field : NULL,
        .incremental_field_type = p->use_incremental ? p->field_type : 0,
        .incremental_last_value = p->use_incremental ? j->rec.run_last_value : NULL,
        .incremental_earliest_value = p->use_incremental ? j->rec.run_earliest_value : NULL,
    };
    dwhi_identity id = {j->team_id, j->source_id, NULL, j->job_id};
    dwhi_op_flags flags = {.cancel = j->o->cancel, .allow_internal_hosts = j->o->allow_internal_hosts};
    /* the pull's full batches commit on a thread while the plugin reads on */
    j->writer = sync_writer_start(j);
    dwhi_op_result res = dwhi_op_run(j->plugin, j->config, j->secrets, &id, &flags, &in, &sink);
    sync_writer_stop(j->writer); /* every batch handed over is committed (or failed) */
    j->writer = NULL;

    int rc = 0;
    if (j->failure != DWH_SYNC_OK) {
        rc = -1; /* the sink failed: nothing more is committed */
    } else if (res.code == DW_OK) {
        dwhi_batch b;
        if (dwhi_batcher_cut(j->batcher, DWHI_CUT_ALL, &b) < 0) {
            rc = sync_fail(j, DWH_SYNC_FAIL_WAREHOUSE, "out of memory");
        } else {
            rc = sync_commit_batch(j, &b);
            dwhi_batcher_release(j->batcher);
            if (rc == 0) rc = sync_commit_final(j);
        }
    } else {
        /* Keep the whole pages: rows up to the last resume point. */
        dwhi_batch b;
        if (dwhi_batcher_cut(j->batcher, DWHI_CUT_TO_MARK, &b) == 0) {
            sync_commit_batch(j, &b);
            dwhi_batcher_release(j->batcher);
        }
        j->source_code = res.cause;
        j->unreachable = res.never_connected && (res.cause == DW_ERR_UNREACHABLE || res.cause == DW_ERR_TIMEOUT);
        if (j->failure == DWH_SYNC_OK) {
            j->failure = source_failure(res.code);
            j->message = res.message ? strdup(res.message) : strdup("the source failed");
            if (j->failure == DWH_SYNC_FAIL_INTERRUPTED) {
                free(j->message);
                if (asprintf(&j->message, "interrupted; %llu rows in %llu batches of %s are committed; %s",
                             (unsigned long long)j->rows, (unsigned long long)j->batches, p->schema,
                             sync_resume_advice(j)) < 0)
                    j->message = NULL;
            }
        }
        rc = -1;
    }
    dwhi_op_result_free(&res);
    return rc;
}
