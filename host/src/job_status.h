/*
 * job_status.h -- what a warehouse knows of its sync jobs, for operators
 * (`dwhost status`) and embedders (dwh_status_json): one entry per job of
 * _dw_state, whether a live run holds it now (_dw_lease), and what a rerun
 * would continue from.  Opens the file read-only: it never creates,
 * migrates or write-locks anything, so it is safe while syncs run.
 */
#ifndef DWH_JOB_STATUS_H
#define DWH_JOB_STATUS_H

#include <json-c/json.h>
#include <stdint.h>

/* The jobs of the warehouse at `path` as a JSON array of
 * {"team_id", "source_id", "schema", "namespace", "status" ("running",
 *  "interrupted" or "idle"), "write_mode", "incremental_field",
 *  "last_value", "earliest_value", "run_rows", "run_batches",
 *  "last_job_id", "updated_at", "lease" ({"job_id", "host", "pid",
 *  "started_at", "heartbeat_age_ms"} or null), "webhooks_pending" (payloads
 *  the job has yet to apply; null when the warehouse keeps no webhooks)},
 * ordered by source id and
 * schema.  A lease counts as live when its owner may still run (same host:
 * the pid is alive) and its heartbeat is younger than `lease_timeout_ms`
 * (<= 0: DWH_LEASE_DEFAULT_TIMEOUT_MS, the sync's default).  Returns a new array (caller puts),
 * or NULL with *err (malloc'd, caller frees): no such file, not a dwhost
 * warehouse, unreadable. */
json_object *dwh_job_status(const char *path, int64_t lease_timeout_ms, char **err);

/* The document `dwhost status --json` prints and dwh_status_json returns:
 * {"warehouse": path, "jobs": dwh_job_status(path, 0)}.  A new object
 * (caller puts), or NULL with *err as above. */
json_object *dwh_job_status_doc(const char *path, char **err);

#endif
