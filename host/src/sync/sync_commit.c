/* sync_commit.c -- committing batches with their state (see
 * sync_internal.h and state.h for the protocol). */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_hooks.h"
#include "base/isotime.h"
#include "core/log.h"
#include "sync_int.h"
#include "base/text.h"
#include "rows/watermark.h"
#include "warehouse/webhook_inbox.h"

int sync_fail_take(sync_job *j, dwh_sync_failure kind, char *msg) {
    /* the producer and the writer thread (sync_writer.h) both record */
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&mu);
    if (j->failure == DWH_SYNC_OK) {
        j->failure = kind;
        j->message = msg ? msg : strdup("out of memory");
        msg = NULL;
    }
    pthread_mutex_unlock(&mu);
    free(msg);
    return -1;
}

int sync_fail(sync_job *j, dwh_sync_failure kind, const char *fmt, ...) {
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0) msg = NULL;
    va_end(ap);
    return sync_fail_take(j, kind, msg);
}

double sync_elapsed(const sync_job *j) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - j->started.tv_sec) + (double)(now.tv_nsec - j->started.tv_nsec) / 1e9;
}

/* Merge needs every row's key unique in the batch (the reference fails
 * such a sync too: ON CONFLICT would otherwise keep an arbitrary one of
 * the duplicates).  Missing and null keys were refused when the row
 * arrived (sync_schema.c). */
static int check_keys(sync_job *j, const dwhi_batch *b) {
    const dwhi_sync_plan *p = j->plan;
    size_t r;
    int found = dwhi_batch_first_repeat(b, &r);
    if (found < 0) return sync_fail(j, DWH_SYNC_FAIL_WAREHOUSE, "out of memory checking primary keys");
    if (!found) return 0;
    dwhi_span k = b->rows[r].pk;
    const char *text = b->arena + k.off;
    char *names = dwhi_text_join((const char *const *)p->primary_keys, p->n_pk);
    int rc = sync_fail(j, DWH_SYNC_FAIL_DATA,
                       "schema '%s': primary key (%s) value %.*s%s appears more than once in one batch; an "
                       "incremental sync needs unique keys: fix the source's keys or sync with --mode "
                       "full or --mode append",
                       p->schema, names ? names : "?", k.len > 120 ? 120 : (int)k.len, text,
                       k.len > 120 ? "..." : "");
    free(names);
    return rc;
}

/* A span as a new string (NULL: none). */
static char *span_dup(const dwhi_batch *b, dwhi_span s) {
    return s.len == UINT32_MAX ? NULL : strndup(b->arena + s.off, s.len);
}

/* Replaces *field with a malloc'd value (taken). */
static void take(char **field, char *value) {
    free(*field);
    *field = value;
}

/* The watermarks after this batch (see docs/concepts/incremental-and-full-refresh.md#incremental-syncs-and-watermarks):
 *   ascending:  last_value = running max, every batch
 *   descending: earliest_value = running min, every batch; the max is kept
 *               as pending_last_value every batch (so a crash cannot lose
 *               it) and becomes last_value when the run completes
 *   full refresh: the run's min/max are pending until the swap. */
static void advance_watermarks(sync_job *j, dwhi_state_record *r, const dwhi_batch *b) {
    const dwhi_sync_plan *p = j->plan;
    /* Pushed rows say nothing about how far the pull got: a new object
     * pushed must not move last_value past objects not yet pulled. */
    if (!p->incremental_field || b->n == 0 || j->draining) return;
    uint32_t t = p->field_type;
    size_t lo = SIZE_MAX, hi = SIZE_MAX, missing = 0;
    for (size_t i = 0; i < b->n; i++) {
        const dwhi_brow *row = &b->rows[i];
        if (!row->has_wm) {
            missing++;
            continue;
        }
        if (lo == SIZE_MAX || dwhi_wm_cmp(t, &row->wm, &b->rows[lo].wm) < 0) lo = i;
        if (hi == SIZE_MAX || dwhi_wm_cmp(t, &row->wm, &b->rows[hi].wm) > 0) hi = i;
    }
    if (missing)
        dwhi_log(&j->log, DW_LOG_DEBUG, "sync.watermark", "%zu rows of the batch have no usable '%s' value", missing,
                p->incremental_field);
    if (lo == SIZE_MAX) return;
    char *bmin = span_dup(b, b->rows[lo].wm_text), *bmax = span_dup(b, b->rows[hi].wm_text);
    if (p->mode == DWHI_WRITE_REPLACE) {
        take(&r->pending_last_value, dwhi_wm_text_max(t, r->pending_last_value, bmax));
        take(&r->pending_earliest_value, dwhi_wm_text_min(t, r->pending_earliest_value, bmin));
    } else if (p->desc) {
        take(&r->earliest_value, dwhi_wm_text_min(t, r->earliest_value, bmin));
        take(&r->pending_last_value, dwhi_wm_text_max(t, r->pending_last_value, bmax));
    } else {
        take(&r->last_value, dwhi_wm_text_max(t, r->last_value, bmax));
    }
    free(bmin);
    free(bmax);
}

/* Writes the record to Redis (when configured). */
static int mirror(sync_job *j, const dwhi_state_record *r) {
    if (!j->redis) return 0;
    json_object *o = dwhi_state_record_to_json(r);
    if (!o) return sync_fail(j, DWH_SYNC_FAIL_STATE, "out of memory writing the sync state");
    char *err = NULL;
    int rc = dwhi_redis_put(j->redis, j->redis_key, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), &err);
    json_object_put(o);
    if (rc < 0) return sync_fail_take(j, DWH_SYNC_FAIL_STATE, err);
    return 0;
}

static int fill_common(sync_job *j, dwhi_state_record *r) {
    char now[40];
    dwhi_isotime_now(now, sizeof now);
    r->seq++;
    if (dwhi_state_set(&r->job_id, j->job_id) || dwhi_state_set(&r->updated_at, now) ||
        dwhi_state_set(&r->incremental_field, j->plan->incremental_field) ||
        dwhi_state_set(&r->warehouse_id, j->w ? dwhi_wh_id(j->w) : NULL))
        return sync_fail(j, DWH_SYNC_FAIL_STATE, "out of memory updating the sync state");
    return 0;
}

/* Inside the commit transaction (or before the Redis write without a
 * warehouse): this run must still hold the job (sync_lease.h). */
static int check_lease(sync_job *j) {
    char *err = NULL;
    int wh_error = 0;
    int rc = sync_lease_check(j->lease, j->lease_index, &err, &wh_error);
    if (rc == 0) return 0;
    return sync_fail_take(j, rc > 0 ? DWH_SYNC_FAIL_RUNNING : wh_error ? DWH_SYNC_FAIL_WAREHOUSE : DWH_SYNC_FAIL_STATE,
                          err);
}

/* Writes rows to the JSON-lines output, each as {"schema":..,"row":..}
 * (docs/cli/sync.md); flushes. */
static int write_jsonl(sync_job *j, const dwhi_batch *b) {
    FILE *out = j->o->jsonl_out;
    for (size_t i = 0; i < b->n; i++) {
        dwhi_span s = b->rows[i].json;
        if (s.len == UINT32_MAX) continue;
        fprintf(out, "{\"schema\":%s,\"row\":", j->schema_json);
        fwrite(b->arena + s.off, 1, s.len, out);
        fputs("}\n", out);
    }
    if (fflush(out) != 0 || ferror(out))
        return sync_fail(j, DWH_SYNC_FAIL_WAREHOUSE, "writing rows to the output failed (%s); the rows of this batch "
                         "were not recorded as synced", strerror(errno));
    return 0;
}

int sync_commit_batch(sync_job *j, const dwhi_batch *b) {
    if (b->n == 0 && !b->state) return 0;
    /* A source that may repeat keys (has_duplicate_primary_keys): the
     * batch's last row of a key wins, earlier ones are not written (merge
     * and full refresh; append keeps every row).  Otherwise a merge batch
     * must have unique keys. */
    uint8_t *skip = NULL;
    /* Webhook payloads (j->draining) update a key again and again: in
     * inbox order, the last one wins. */
    if (j->w && (j->plan->keys_may_repeat || j->draining) && b->n &&
        (j->plan->mode == DWHI_WRITE_MERGE || j->plan->mode == DWHI_WRITE_REPLACE)) {
        size_t marked = (skip = malloc(b->n)) ? dwhi_batch_mark_repeats(b, skip) : SIZE_MAX;
        if (marked == SIZE_MAX) {
            free(skip);
            return sync_fail(j, DWH_SYNC_FAIL_WAREHOUSE, "out of memory checking primary keys");
        }
        if (!marked) {
            free(skip);
            skip = NULL;
        }
        if (!j->draining) j->repeated_in_batches += marked;
    } else if (j->plan->mode == DWHI_WRITE_MERGE && j->w && check_keys(j, b) < 0) {
        return -1;
    }

    dwhi_state_record r = {0};
    if (dwhi_state_record_copy(&r, &j->rec) < 0) {
        free(skip);
        return sync_fail(j, DWH_SYNC_FAIL_STATE, "out of memory");
    }
    if (fill_common(j, &r) < 0) goto fail;
    int64_t webhook_cursor = -1;
    if (j->draining) {
        /* the batch ends after inbox payload b->state (sync_webhook.c);
         * the plugin's resume point is left as it is */
        if (b->state) webhook_cursor = strtoll(b->state, NULL, 10);
    } else if (b->state) {
        /* the batch ends exactly at this resume point */
        if (dwhi_state_set(&r.resume, b->state) < 0) goto oom;
        r.rows_past_resume = 0;
    } else {
        r.rows_past_resume += (int64_t)b->n; /* committed past the resume point: skipped on replay */
    }
    if (dwhi_state_set(&r.write_mode, j->direct ? DWHI_WRITE_MODE_FIRST_FULL : dwhi_write_mode_name(j->plan->mode)) < 0)
        goto oom;
    r.run_rows += (int64_t)b->n;
    if (b->n) r.run_batches++;
    advance_watermarks(j, &r, b);

    char *err = NULL;
    if (j->w) {
        char now[40];
        dwhi_isotime_now(now, sizeof now);
        if (strcmp(now, j->run_started) < 0) snprintf(now, sizeof now, "%s", j->run_started); /* clock stepped back */
        /* draining: a later payload may update a key an earlier batch of
         * the drain wrote (no "duplicate key in the run" check) */
        dwhi_wh_rows rows = {.batch = b, .synced_at = now,
                            .run_started = j->plan->mode == DWHI_WRITE_MERGE && !j->draining ? j->run_started : NULL,
                            .skip = skip};
        /* the record's time is the rows' stamp: a later run starts after it */
        if (dwhi_state_set(&r.updated_at, now) < 0) goto oom;
        if (dwhi_wh_begin(j->w, &err) < 0) {
            sync_fail_take(j, DWH_SYNC_FAIL_WAREHOUSE, err);
            goto fail;
        }
        if (check_lease(j) < 0) {
            dwhi_wh_rollback(j->w);
            goto fail;
        }
        if (dwhi_wh_write(j->target, &rows, &err) < 0 || dwhi_wh_state_put(j->w, &j->key, &r, &err) < 0 ||
            (webhook_cursor >= 0 && dwhi_wh_webhook_cursor_put(j->w, &j->key, webhook_cursor, &err) < 0)) {
            dwhi_wh_rollback(j->w);
            sync_fail_take(j, dwhi_wh_last_error(j->w) == DWHI_WH_DATA ? DWH_SYNC_FAIL_DATA : DWH_SYNC_FAIL_WAREHOUSE, err);
            goto fail;
        }
        /* Redis before the warehouse commit: a Redis failure rolls the
         * batch back; a failed commit leaves Redis one ahead, which the
         * next load overrules (state.h). */
        if (mirror(j, &r) < 0) {
            dwhi_wh_rollback(j->w);
            goto fail;
        }
        dwhi_crashpoint("before-batch-commit");
        if (dwhi_wh_commit(j->w, &err) < 0) {
            sync_fail_take(j, DWH_SYNC_FAIL_WAREHOUSE, err);
            goto fail;
        }
        dwhi_crashpoint("after-batch-commit");
    } else {
        if (check_lease(j) < 0 || write_jsonl(j, b) < 0) goto fail;
        dwhi_crashpoint("before-state-mirror");
        if (mirror(j, &r) < 0) goto fail;
        dwhi_crashpoint("after-batch-commit");
    }
    free(skip);
    dwhi_state_record_clear(&j->rec);
    j->rec = r; /* moved */
    j->rows += b->n;
    if (b->n) j->batches++;
    dwhi_log(&j->log, DW_LOG_DEBUG, "sync.batch", "committed batch %llu: %zu rows%s (seq %lld)",
            (unsigned long long)j->batches, b->n, b->state ? " and a resume point" : "", (long long)j->rec.seq);
    if (j->o->progress) {
        dwh_sync_progress pr = {j->plan->schema, j->table, j->rows, j->batches, j->skipped, sync_elapsed(j), 0,
                                j->index, j->count};
        j->o->progress(j->o->progress_ud, &pr);
    }
    return 0;
oom:
    sync_fail(j, DWH_SYNC_FAIL_STATE, "out of memory updating the sync state");
fail:
    free(skip);
    dwhi_state_record_clear(&r);
    return -1;
}

int sync_commit_final(sync_job *j) {
    dwhi_state_record r = {0};
    if (dwhi_state_record_copy(&r, &j->rec) < 0) return sync_fail(j, DWH_SYNC_FAIL_STATE, "out of memory");
    if (fill_common(j, &r) < 0) goto fail;
    uint32_t t = j->plan->field_type;
    if (j->plan->mode == DWHI_WRITE_REPLACE) {
        if (j->plan->incremental_field) {
            /* the table now holds exactly this run's rows */
            take(&r.last_value, r.pending_last_value);
            r.pending_last_value = NULL;
            take(&r.earliest_value, j->plan->desc ? r.pending_earliest_value : NULL);
            if (!j->plan->desc) free(r.pending_earliest_value);
            r.pending_earliest_value = NULL;
        }
    } else if (r.pending_last_value) {
        take(&r.last_value, dwhi_wm_text_max(t, r.last_value, r.pending_last_value));
        take(&r.pending_last_value, NULL);
    }
    take(&r.resume, NULL);
    take(&r.write_mode, NULL);
    take(&r.run_last_value, NULL);
    take(&r.run_earliest_value, NULL);
    r.rows_past_resume = r.run_rows = r.run_batches = 0;

    char *err = NULL;
    int64_t stale = 0; /* webhook payloads this full read passes over */
    if (j->w) {
        if (j->plan->mode == DWHI_WRITE_REPLACE) dwhi_crashpoint("before-swap");
        if (dwhi_wh_begin(j->w, &err) < 0) {
            sync_fail_take(j, DWH_SYNC_FAIL_WAREHOUSE, err);
            goto fail;
        }
        if (check_lease(j) < 0) {
            dwhi_wh_rollback(j->w);
            goto fail;
        }
        /* a webhook schema whose run completed takes pushed payloads from
         * the next run on; a run that read everything makes the payloads
         * received before it started stale (docs/concepts/webhooks.md) */
        if (dwhi_wh_finish(j->target, &err) < 0 || dwhi_wh_state_put(j->w, &j->key, &r, &err) < 0 ||
            (j->webhook_capable && dwhi_wh_webhook_mark_synced(j->w, &j->key, &err) < 0) ||
            (j->webhook_capable && j->full_read &&
             dwhi_wh_webhook_skip_before(j->w, &j->key, j->run_started, &stale, &err) < 0)) {
            dwhi_wh_rollback(j->w);
            sync_fail_take(j, DWH_SYNC_FAIL_WAREHOUSE, err);
            goto fail;
        }
        if (mirror(j, &r) < 0) {
            dwhi_wh_rollback(j->w);
            goto fail;
        }
        if (dwhi_wh_commit(j->w, &err) < 0) {
            sync_fail_take(j, DWH_SYNC_FAIL_WAREHOUSE, err);
            goto fail;
        }
    } else if (check_lease(j) < 0 || mirror(j, &r) < 0) {
        goto fail;
    }
    dwhi_state_record_clear(&j->rec);
    j->rec = r;
    /* committed: the payloads passed over no longer wait */
    j->webhook_skipped = stale;
    if (j->webhook_pending >= stale) j->webhook_pending -= stale;
    uint64_t repeated = j->repeated_in_batches + (j->target ? dwhi_wh_table_repeated(j->target) : 0);
    if (repeated)
        dwhi_log(&j->log, DW_LOG_INFO, "sync.keys.repeated",
                "schema '%s': %llu %s replaced by a later row with the same primary key in this run; the "
                "source declares that keys may repeat (has_duplicate_primary_keys), so the last row of each key "
                "was kept",
                j->plan->schema, (unsigned long long)repeated, repeated == 1 ? "row was" : "rows were");
    return 0;
fail:
    dwhi_state_record_clear(&r);
    return -1;
}
