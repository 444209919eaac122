/* sync_webhook.c -- draining a schema's webhook inbox into the warehouse
 * at the start of its sync (see sync_internal.h and docs/concepts/webhooks.md).
 *
 * Each payload goes through the plugin's webhook_transform into the same
 * batching sink as pulled rows.  After a payload's rows a resume point
 * holding its inbox id is marked, so a batch always ends after a whole
 * payload and sync_commit_batch writes that id as the schema's cursor in
 * the batch's own transaction: a crash leaves the cursor exactly at the
 * payloads whose rows are committed.  (A payload larger than a batch is
 * committed in parts; a crash between them re-applies it on the next run,
 * which a merge makes harmless: the same rows overwrite themselves.)
 * Payloads leave the inbox only after that commit (dwhi_wh_inbox_gc). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cancel.h"
#include "core/log.h"
#include "ops/ops.h"
#include "sync_int.h"
#include "warehouse/webhook_inbox.h"
#include "sync_writer.h"

/* Commits what is buffered (`how`: everything, or up to the last whole
 * payload).  Returns 0 or -1. */
static int commit_buffered(sync_job *j, dwhi_cut how) {
    dwhi_batch b;
    if (dwhi_batcher_cut(j->batcher, how, &b) < 0)
        return sync_fail(j, DWH_SYNC_FAIL_WAREHOUSE, "out of memory cutting a batch");
    int rc = sync_commit_batch(j, &b);
    dwhi_batcher_release(j->batcher);
    return rc;
}

/* Why the drain does not apply (static), or NULL when it does. */
static const char *skip_reason(const sync_job *j, int synced) {
    if (j->plan->mode != DWHI_WRITE_MERGE) return "off";
    if (j->o->reset || j->o->full_refresh) return "skipped";
    if (!synced && !j->prior_complete) return "waiting";
    return NULL;
}

static void count_pending(sync_job *j, int64_t cursor) {
    char *err = NULL;
    j->webhook_pending = dwhi_wh_inbox_pending(j->w, &j->key, cursor, &err);
    if (j->webhook_pending < 0) {
        dwhi_log(&j->log, DW_LOG_WARN, "sync.webhook", "%s", err ? err : "counting the webhook inbox failed");
        free(err);
    }
}

/* Applies one payload.  Returns 0, or -1 with the job failed. */
static int apply(sync_job *j, dwhi_row_sink *sink, int64_t id, const char *payload, size_t len) {
    dwhi_identity ident = {j->team_id, j->source_id, NULL, j->job_id};
    dwhi_op_flags flags = {.cancel = j->o->cancel, .allow_internal_hosts = j->o->allow_internal_hosts};
    dwhi_op_result res = dwhi_op_webhook(j->plugin, j->config, j->secrets, &ident, &flags, j->plan->schema, payload,
                                       len, sink);
    int rc = 0;
    if (j->failure != DWH_SYNC_OK) {
        rc = -1; /* the sink failed (a commit): already recorded */
    } else if (res.code != DW_OK) {
        /* keep the whole payloads before this one; this one stays */
        commit_buffered(j, DWHI_CUT_TO_MARK);
        j->source_code = res.cause;
        if (res.code == DW_ERR_CANCELLED)
            rc = sync_fail(j, DWH_SYNC_FAIL_INTERRUPTED,
                           "interrupted while applying webhook payloads of %s; %llu are committed; rerun to resume",
                           j->plan->schema, (unsigned long long)j->webhook_payloads);
        else
            rc = sync_fail(j, DWH_SYNC_FAIL_SOURCE,
                           "schema '%s': webhook payload %lld (inbox id) failed: %s; it stays in the inbox and the "
                           "payloads after it wait: fix the plugin or its config, or drop the payload with "
                           "'dwhost webhook %s --drop %lld' and sync again",
                           j->plan->schema, (long long)id, res.message ? res.message : dwhi_status_name(res.code),
                           dwh_plugin_name(j->plugin), (long long)id);
    } else {
        j->webhook_payloads++;
        j->webhook_rows += res.rows_emitted;
        char mark[24];
        snprintf(mark, sizeof mark, "%lld", (long long)id);
        if (dwhi_batcher_mark(j->batcher, mark) < 0)
            rc = sync_fail(j, DWH_SYNC_FAIL_WAREHOUSE, "out of memory marking a webhook payload");
        else
            rc = sync_flush_full(j);
    }
    dwhi_op_result_free(&res);
    return rc;
}

int sync_webhook_drain(sync_job *j, dwhi_row_sink *sink) {
    const dw_source *src = dwh_plugin_source(j->plugin);
    j->webhook_pending = -1;
    j->webhook_capable = j->w && (src->capabilities & DW_CAP_WEBHOOK) && src->webhook_transform &&
                         j->plan->supports_webhooks;
    if (!j->webhook_capable) return 0;
    char *err = NULL;
    int64_t cursor = 0;
    int synced = 0;
    if (dwhi_wh_webhook_cursor_get(j->w, &j->key, &cursor, &synced, &err) < 0)
        return sync_fail_take(j, DWH_SYNC_FAIL_WAREHOUSE, err);
    const char *why = skip_reason(j, synced);
    if (why) {
        j->webhook_status = why;
        count_pending(j, cursor);
        if (j->webhook_pending > 0)
            dwhi_log(&j->log, DW_LOG_INFO, "sync.webhook",
                    "%lld webhook payloads of %s are kept for a later sync: %s", (long long)j->webhook_pending,
                    j->plan->schema,
                    !strcmp(why, "off") ? "they are applied only in incremental (merge) mode"
                    : !strcmp(why, "skipped") ? "--reset/--full-refresh does not apply them"
                                              : "the schema's initial sync has not completed yet");
        return 0;
    }
    j->webhook_status = "applied";
    j->draining = 1;
    int rc = 0;
    for (;;) {
        if (dwhi_cancel_requested(j->o->cancel)) {
            if (commit_buffered(j, DWHI_CUT_ALL) == 0)
                sync_fail(j, DWH_SYNC_FAIL_INTERRUPTED,
                          "interrupted while applying webhook payloads of %s; %llu are committed; rerun to resume",
                          j->plan->schema, (unsigned long long)j->webhook_payloads);
            rc = -1;
            break;
        }
        int64_t id = 0;
        char *payload = NULL;
        size_t len = 0;
        int got = dwhi_wh_inbox_next(j->w, &j->key, cursor, &id, &payload, &len, &err);
        if (got < 0) {
            rc = sync_fail_take(j, DWH_SYNC_FAIL_WAREHOUSE, err);
            break;
        }
        if (!got) break;
        rc = apply(j, sink, id, payload, len);
        free(payload);
        if (rc < 0) break;
        cursor = id;
    }
    if (rc == 0) rc = commit_buffered(j, DWHI_CUT_ALL);
    j->draining = 0;
    /* What the committed cursor covers leaves the inbox, also when a later
     * payload stopped the drain (unless the warehouse itself failed). */
    if (j->failure != DWH_SYNC_FAIL_WAREHOUSE) {
        int64_t deleted = 0;
        if (dwhi_wh_inbox_gc(j->w, &j->key, &deleted, &err) < 0) {
            /* not lost: the next drain collects them */
            dwhi_log(&j->log, DW_LOG_WARN, "sync.webhook", "consumed payloads stay in the inbox for now: %s",
                    err ? err : "?");
            free(err);
        } else if (deleted) {
            dwhi_log(&j->log, DW_LOG_DEBUG, "sync.webhook", "%lld consumed payloads left the inbox", (long long)deleted);
        }
    }
    if (rc == 0)
        dwhi_log(&j->log, DW_LOG_INFO, "sync.webhook", "%s: applied %llu webhook payloads (%llu rows)",
                j->plan->schema, (unsigned long long)j->webhook_payloads, (unsigned long long)j->webhook_rows);
    count_pending(j, cursor);
    return rc;
}
