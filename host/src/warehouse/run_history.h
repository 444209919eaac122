/*
 * run_history.h -- the warehouse's record of every sync run (docs/concepts/
 * run-history.md), failed and killed ones included, for `dwhost status` and
 * `dwhost status --history`:
 *   _dw_runs          one row per run: job id, team, source (the plugin),
 *                     source id, namespace, start and end (ISO-8601 UTC),
 *                     outcome ("running" until it ends, then "ok",
 *                     "failed" or "interrupted"), failure kind, the one-line
 *                     error (secrets scrubbed), rows, the process (host,
 *                     pid, its start time: a "running" row whose process is
 *                     gone was killed or crashed), the command that started
 *                     it (a JSON array of words, scrubbed; NULL for
 *                     embedders that give none) and its working directory
 *   _dw_run_schemas   one row per schema of a run: table, mode, status
 *                     ("not run", "running", "ok", "failed",
 *                     "interrupted"), rows, resumed, failure, error.
 * A run writes its row when it starts and when it ends, and a schema's row
 * when it starts and ends, each in a short transaction of its own outside
 * the batches' (the history never holds up a commit).  The newest
 * DWHI_RUNS_KEPT runs of each (team, source id, namespace) are kept.
 */
#ifndef DWHI_RUN_HISTORY_H
#define DWHI_RUN_HISTORY_H

#include <stdint.h>

#include "warehouse_sqlite.h"

#define DWHI_RUNS_KEPT 1000

#define DWHI_WH_RUNS_TABLES_SQL                                                                            \
    "CREATE TABLE IF NOT EXISTS _dw_runs ("                                                               \
    " run_id INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL, team_id TEXT NOT NULL,"              \
    " source TEXT NOT NULL, source_id TEXT NOT NULL, namespace TEXT NOT NULL DEFAULT '',"                  \
    " started_at TEXT NOT NULL, ended_at TEXT, outcome TEXT NOT NULL, failure TEXT, error TEXT,"          \
    " rows INTEGER NOT NULL DEFAULT 0, host TEXT NOT NULL, pid INTEGER NOT NULL,"                         \
    " pid_start INTEGER NOT NULL DEFAULT 0, command TEXT, cwd TEXT);"                                     \
    "CREATE INDEX IF NOT EXISTS _dw_runs_job ON _dw_runs (team_id, source_id, namespace, run_id);"      \
    "CREATE TABLE IF NOT EXISTS _dw_run_schemas ("                                                        \
    " run_id INTEGER NOT NULL, schema_name TEXT NOT NULL, table_name TEXT, mode TEXT,"                    \
    " status TEXT NOT NULL, rows INTEGER NOT NULL DEFAULT 0, resumed INTEGER NOT NULL DEFAULT 0,"         \
    " failure TEXT, error TEXT, PRIMARY KEY (run_id, schema_name));"

/* A run as it starts.  Everything borrowed; `ns` "" or NULL: none;
 * `command` JSON array text or NULL; `cwd` may be NULL. */
typedef struct dwhi_run_start {
    const char *job_id, *team_id, *source, *source_id, *ns, *command, *cwd;
} dwhi_run_start;

/* One schema of a run.  Borrowed; NULL members are stored as NULL. */
typedef struct dwhi_run_schema {
    const char *schema, *table, *mode;
    const char *status; /* "not run", "running", "ok", "failed", "interrupted" */
    int64_t rows;
    int resumed;
    const char *failure, *error;
} dwhi_run_schema;

/* Records a starting run (outcome "running", this process as its owner);
 * *run_id receives its id.  Returns 0, or -1 with a malloc'd *err. */
int dwhi_wh_run_begin(dwhi_warehouse *w, const dwhi_run_start *run, int64_t *run_id, char **err);
/* Inserts or replaces the rows of `n` schemas of run `run_id`, in one
 * transaction.  Returns 0, or -1 with a malloc'd *err. */
int dwhi_wh_run_schemas_put(dwhi_warehouse *w, int64_t run_id, const dwhi_run_schema *s, size_t n, char **err);
/* Records how run `run_id` ended (`outcome` "ok", "failed" or
 * "interrupted"; `failure` and `error` NULL on success; `rows` committed
 * in all) and drops the runs of its (team, source id, namespace) older
 * than the newest DWHI_RUNS_KEPT.  Returns 0, or -1 with a malloc'd *err. */
int dwhi_wh_run_end(dwhi_warehouse *w, int64_t run_id, const char *outcome, const char *failure, const char *error,
                   int64_t rows, char **err);

#endif
