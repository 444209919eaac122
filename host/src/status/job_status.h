/*
 * job_status.h -- what a warehouse knows of its sync jobs, for operators
 * (`dwhost status`) and embedders (dwh_status_json): one entry per job
 * with its state (state.h), whether a live run holds it now (its lease),
 * what a rerun would continue from, how its last run went (the run
 * history, run_history.h), and the runs themselves.  Reads through
 * warehouse/warehouse_read.h on a dwhi_wh_open_readonly() connection: it
 * never creates, migrates or write-locks anything, so it is safe while
 * syncs run.
 */
#ifndef DWHI_JOB_STATUS_H
#define DWHI_JOB_STATUS_H

#include <json-c/json.h>
#include <stdint.h>

#include "warehouse/warehouse_sqlite.h"

/* The jobs of the warehouse at `path` -- those with a state row, a live
 * lease, or a run in the history (also one that never committed) -- as a
 * JSON array of
 * {"team_id", "source_id", "schema", "namespace", "status" ("running",
 *  "failed", "interrupted" or "idle"), "write_mode", "incremental_field",
 *  "last_value", "earliest_value", "run_rows", "run_batches",
 *  "last_job_id", "updated_at", "lease" ({"job_id", "host", "pid",
 *  "started_at", "heartbeat_age_ms"} or null), "webhooks_pending" (payloads
 *  the job has yet to apply; null when the warehouse keeps no webhooks),
 *  "last_run" ({"run_id", "job_id", "started_at", "ended_at", "outcome"
 *  (the schema's: "ok", "failed", "interrupted", "not run", "running",
 *  "crashed"), "run_outcome" (the whole run's), "failure", "error",
 *  "rows", "mode", "resumed", "command", "cwd"} or null: no run recorded),
 *  "rerun" (for a failed or interrupted job whose last run's command is
 *  recorded: {"resume": command text, "restart": the command that starts
 *  its full refresh over, or null}; else null)},
 * ordered by source id and schema.  Columns of the state row are null for
 * a job that never committed.  A lease counts as live when its owner may still run (same host:
 * the pid is alive) and its heartbeat is younger than `lease_timeout_ms`
 * (<= 0: DWHI_LEASE_DEFAULT_TIMEOUT_MS, the sync's default).  Returns a new array (caller puts),
 * or NULL with *err (malloc'd, caller frees): no such file, not a dwhost
 * warehouse, unreadable; *why (when not NULL) as dwhi_wh_open_readonly
 * tells it (DWHI_WH_ABSENT: no warehouse there yet), DWHI_WH_OTHER for a
 * failed read. */
json_object *dwhi_job_status(const char *path, int64_t lease_timeout_ms, dwhi_wh_error *why, char **err);

/* The runs the warehouse's history records (run_history.h), newest
 * first, at most `limit` (<= 0: all), as a JSON array of
 * {"run_id", "job_id", "team_id", "source", "source_id", "namespace",
 *  "started_at", "ended_at", "seconds", "outcome" ("ok", "failed",
 *  "interrupted", "running", or "crashed": its process is gone without
 *  recording an end), "failure", "error", "rows", "host", "pid", "command"
 *  (array of words or null), "cwd", "schemas": [{"schema", "table", "mode",
 *  "status", "rows", "resumed", "failure", "error"}]}.  `lease_timeout_ms`
 * as for dwhi_job_status.  A warehouse older than the history gives [].
 * Returns a new array (caller puts), or NULL with *err (malloc'd). */
json_object *dwhi_run_history(const char *path, int limit, int64_t lease_timeout_ms, dwhi_wh_error *why,
                              char **err);
/* {"warehouse": path, "runs": dwhi_run_history(path, limit, 0)}: what
 * `dwhost status --history --json` prints and dwh_status_history_json
 * returns.  A new object (caller puts), or NULL with *err. */
json_object *dwhi_run_history_doc(const char *path, int limit, dwhi_wh_error *why, char **err);

/* The document `dwhost status --json` prints and dwh_status_json returns:
 * {"warehouse": path, "jobs": dwhi_job_status(path, 0)}.  A new object
 * (caller puts), or NULL with *err as above. */
json_object *dwhi_job_status_doc(const char *path, dwhi_wh_error *why, char **err);

#endif
