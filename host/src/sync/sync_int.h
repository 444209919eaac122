/*
 * sync_internal.h -- one schema's sync job, shared by sync.c (the
 * orchestrator), sync_schema.c (state, resume decision, the sink, the run)
 * and sync_commit.c (committing batches).  Not for other modules.
 */
#ifndef DWHI_SYNC_INTERNAL_H
#define DWHI_SYNC_INTERNAL_H

#include <time.h>

#include "rows/batcher.h"
#include "core/ctx.h"
#include "state/state.h"
#include "state/state_redis.h"
#include "sync.h"
#include "sync_lease.h"
#include "sync_plan.h"
#include "warehouse/warehouse_sqlite.h"

typedef struct sync_job {
    /* borrowed from the orchestrator */
    const dwh_sync_options *o;
    dwh_plugin *plugin;
    json_object *config;
    dwhi_secrets *secrets;
    dwhi_warehouse *w;          /* NULL: --output jsonl */
    dwhi_redis *redis;          /* NULL: no Redis copy */
    const char *team_id, *source_id, *job_id;
    dwhi_sync_plan *plan;
    sync_lease_set *lease;     /* NULL: no lease (jsonl without Redis) */
    size_t lease_index;        /* this job's lease in the set */
    size_t index, count;       /* 1-based position of the schema in the run, of count */

    /* owned */
    dw_ctx log;                /* identity for the host's own log lines */
    dwhi_state_key key;
    char *redis_key;
    char *table;               /* final table name (NULL in jsonl mode) */
    char *schema_json;         /* jsonl mode: the schema name as a JSON string */
    dwhi_wh_table *target;
    dwhi_state_record rec;      /* the committed record */
    int resuming;
    /* A full refresh writing into the table itself: the schema's first
     * sync (no table yet), so its rows can be queried as they land.  Its
     * state's write_mode is DWHI_WRITE_MODE_FIRST_FULL (state.h). */
    int direct;
    char *resume_json;         /* handed to the plugin (state_load) */
    uint64_t replay_skip;      /* re-emitted rows still to skip */
    dwhi_keydict *keys;         /* keys of every row of the run */
    dwhi_batcher *batcher;
    struct sync_writer *writer;/* the pull's batches committed on a thread (sync_writer.h); NULL: here */

    /* results */
    uint64_t rows, batches, skipped;
    uint64_t repeated_in_batches; /* keys_may_repeat: rows dropped for a later row of their key in the batch */
    dwh_sync_failure failure;
    dw_status source_code;
    char *message;
    /* The source failed before any request of this schema reached it (DNS,
     * refused, connect timeout): the run stops, the other schemas would
     * fail the same way after all their attempts. */
    int unreachable;
    struct timespec started;
    char run_started[40];      /* ISO-8601 UTC when the schema's run started (merge: duplicate keys in the run) */

    /* webhooks (sync_webhook.c) */
    int webhook_capable;       /* DW_CAP_WEBHOOK, a transform, a webhook schema and a warehouse */
    int prior_complete;        /* the record says the previous run completed */
    int full_read;             /* this run reads the whole source (no watermark, not resumed) */
    int64_t webhook_skipped;   /* payloads older than this full read, passed over at its end */
    int draining;              /* batches being committed hold webhook rows, not pulled ones */
    const char *webhook_status;/* static: NULL (not a webhook schema), "applied", "waiting", "skipped", "off" */
    uint64_t webhook_payloads, webhook_rows;
    int64_t webhook_pending;   /* payloads the schema still has to consume after the run (-1: unknown) */
} sync_job;

/* Records the first failure of the job (later ones are dropped) and its
 * one-line message; safe from the writer thread too.  Returns -1. */
int sync_fail(sync_job *j, dwh_sync_failure kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Takes ownership of a malloc'd message (NULL: out of memory). */
int sync_fail_take(sync_job *j, dwh_sync_failure kind, char *msg);

/* Commits a batch (rows and the resume point it ends at) with the job's
 * updated state record: one warehouse transaction (Redis written before
 * its commit), or rows to the JSON-lines output then Redis.  Returns 0 or
 * -1 after sync_fail(). */
int sync_commit_batch(sync_job *j, const dwhi_batch *b);
/* Ends a successful run: the full-refresh swap, watermarks promoted, the
 * resume state cleared -- in one transaction.  Returns 0 or -1. */
int sync_commit_final(sync_job *j);

/* Before the pull: applies the inbox payloads the schema has not consumed
 * (in id order, through webhook_transform into `sink`, the pull's batching
 * sink), committing the cursor with the batches; then garbage-collects the
 * inbox.  Does nothing unless the schema's webhooks apply (docs/
 * concepts/webhooks.md: merge mode, initial sync complete, no --reset or
 * --full-refresh).  Returns 0, or -1 with the job's failure set (a payload
 * the plugin refuses stops the schema). */
int sync_webhook_drain(sync_job *j, dwhi_row_sink *sink);

/* Runs one schema (load state, decide resume, run the plugin, commit).
 * Returns 0 or -1 with the job's failure set. */
int sync_schema_run(sync_job *j);

/* The end of a message about a stopped schema: how to resume it ("rerun
 * to resume" is false after --reset or --restart-refresh, which would
 * start over again; a full refresh can also be started over).  Static. */
const char *sync_resume_advice(const sync_job *j);

/* The run history (sync_history.c, run_history.h).  Nothing happens
 * without a warehouse or a run id; a write that fails is logged on `log`
 * and otherwise ignored.  begin returns the run id (0: not recorded);
 * schemas records every schema of the report as it stands; schema one
 * schema with `status` (NULL: its report's); end how the run ended. */
int64_t sync_history_begin(dwhi_warehouse *w, const dwhi_sync_report *r, const dwh_sync_options *o,
                           dwhi_secrets *secrets, dw_ctx *log);
void sync_history_schemas(dwhi_warehouse *w, int64_t run_id, const dwhi_sync_report *r, dwhi_secrets *secrets,
                          dw_ctx *log);
void sync_history_schema(dwhi_warehouse *w, int64_t run_id, const dwhi_sync_schema_report *s, const char *status,
                         dwhi_secrets *secrets, dw_ctx *log);
void sync_history_end(dwhi_warehouse *w, int64_t run_id, const dwhi_sync_report *r, dwhi_secrets *secrets,
                      dw_ctx *log);

/* Seconds since the job started. */
double sync_elapsed(const sync_job *j);

#endif
