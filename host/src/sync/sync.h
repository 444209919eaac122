/*
 * sync.h -- `dwhost sync`: runs a source's schemas into the warehouse (or
 * as JSON lines), batch by batch, resumably.  Used by the embedding API
 * (api/host_sync.c: dwh_sync, dwh_sync_plugin, which `dwhost sync` calls)
 * and by host/serve's workers.
 *
 * One schema at a time:
 *   plan       write mode, incremental field, keys, partitioning (sync_plan.c)
 *   state      load the job's record (warehouse, Redis), reconcile, decide
 *              whether this run resumes an interrupted one (sync_schema.c)
 *   run        dwhi_op_run() with a sink that batches rows (batcher.c)
 *   commit     each batch with its state in one warehouse transaction
 *              (sync_commit.c), the full-refresh swap at the end
 *
 * Resume semantics (docs/concepts/state-and-resume.md): progress is recorded per job
 * (team, source id, schema); a run whose previous run of the same mode was
 * interrupted resumes it: the plugin gets its saved state and the
 * watermarks the interrupted run started with, rows it re-emits that were
 * already committed are skipped, a full refresh continues into its staging
 * table.  --full-refresh resumes an interrupted full refresh (any other
 * interrupted run it starts over); --restart-refresh and --reset start over.
 */
#ifndef DWHI_SYNC_H
#define DWHI_SYNC_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dwhost.h"
#include "registry/registry.h"
#include "log/secrets.h"
#include "warehouse/warehouse_sqlite.h"

/* dwh_sync_failure, dwh_sync_progress and dwh_sync_options are public:
 * see dwhost.h "== sync ==". */

/* What happened to one schema. */
typedef struct dwhi_sync_schema_report {
    char *schema;
    char *table;              /* NULL with --output jsonl */
    char *mode;               /* "incremental", "full", "append" */
    char *incremental_field;  /* NULL when none */
    int field_defaulted;      /* the field was not given: the first advertised was used */
    int resumed;              /* continued an interrupted run */
    uint64_t rows;            /* committed by this run */
    uint64_t batches;
    uint64_t skipped;         /* re-emitted rows skipped on resume */
    int64_t table_rows;       /* rows in the table afterwards (-1: unknown) */
    char *last_value;         /* watermarks afterwards (JSON text) */
    char *earliest_value;
    double seconds;
    dwh_sync_failure failure;
    dw_status source_code;    /* FAIL_SOURCE: the plugin's status (cause) */
    char *message;            /* one line when failed */
    int ran;                  /* 0: not run (an earlier failure stopped the run, or it was interrupted) */
    int resumable;            /* failed with an unfinished run saved: the next sync in the same mode
                               * (without --reset/--restart-refresh) resumes it */
    /* Webhooks (docs/concepts/webhooks.md); webhooks NULL: not a webhook schema.
     * Static: "applied", "waiting" (initial sync not complete), "skipped"
     * (--reset/--full-refresh), "off" (not merge mode). */
    const char *webhooks;
    uint64_t webhook_payloads;  /* inbox payloads applied by this run */
    uint64_t webhook_rows;      /* rows they produced (included in rows) */
    int64_t webhook_pending;    /* payloads still waiting for the schema (-1: unknown) */
    int64_t webhook_stale;      /* payloads passed over: older than this run's full read */
} dwhi_sync_schema_report;

/* "ok", "failed", "interrupted" or "not run" (static). */
const char *dwhi_sync_schema_status(const dwhi_sync_schema_report *s);

typedef struct dwhi_sync_report {
    char *job_id;
    char *team_id;
    char *source_id;
    char *source;             /* the plugin's name */
    char *warehouse;          /* path; NULL with --output jsonl */
    char *state;              /* "warehouse" or "redis://host:port/db" */
    char *state_namespace;    /* NULL: none */
    dwhi_sync_schema_report *schemas;
    size_t n_schemas;
    double seconds;
    dwh_sync_failure failure; /* the first failure, OK when every schema synced */
    dw_status source_code;
    char *message;            /* one line when failed */
    json_object *http;        /* transport counters (object) or NULL */
} dwhi_sync_report;

/* Syncs `p` with `config` (validated by the caller; borrowed) and
 * `secrets` (borrowed, may be NULL).  Always returns a report (NULL only
 * on OOM) the caller frees with dwhi_sync_report_free().  Schemas run
 * independently: a failing schema does not stop the others (an interrupt
 * does); the report lists every selected schema with its status, and its
 * failure is the first schema's failure. */
dwhi_sync_report *dwhi_sync_run(dwh_plugin *p, json_object *config, dwhi_secrets *secrets,
                              const dwh_sync_options *opts);
void dwhi_sync_report_free(dwhi_sync_report *r);

/* The report as JSON (what `dwhost sync --json` prints); caller puts it. */
json_object *dwhi_sync_report_json(const dwhi_sync_report *r);

#endif
