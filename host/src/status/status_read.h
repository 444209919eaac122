/*
 * status_read.h -- shared by job_status.c (the jobs) and run_list.c (the
 * run history): opening a warehouse to look at it, and telling a run that
 * still runs from one whose process is gone.  Not for other modules.
 */
#ifndef DWH_STATUS_READ_H
#define DWH_STATUS_READ_H

#include <sqlite3.h>
#include <stdint.h>

/* Opens the warehouse at `path` read-only: looking never creates,
 * migrates, checkpoints or write-locks it.  Returns the connection
 * (sqlite3_close it), or NULL with a malloc'd *err naming the path (no
 * such file; cannot be opened). */
sqlite3 *dwh_status_open(const char *path, char **err);

/* The stored outcome of a run ("running", "ok", "failed", "interrupted")
 * as it stands now: a "running" run whose process is gone is "crashed"
 * (killed, a plugin crash, a power cut: it could not record its end).
 * Its process is gone when it ran on this host and its pid no longer runs
 * (or belongs to a later process); from another host, when no lease of
 * its job id was renewed within `lease_timeout_ms` and it started longer
 * ago than that.  Static text. */
const char *dwh_status_run_outcome(sqlite3 *db, const char *stored, const char *job_id, const char *host,
                                   int64_t pid, int64_t pid_start, const char *started_at, int64_t lease_timeout_ms,
                                   int64_t now_ms);

#endif
