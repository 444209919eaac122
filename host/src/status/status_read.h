/*
 * status_read.h -- shared by job_status.c (the jobs) and run_list.c (the
 * run history): telling a run that still runs from one whose process is
 * gone.  Not for other modules.  Both open the warehouse with
 * dwhi_wh_open_readonly() and read it through warehouse/warehouse_read.h.
 */
#ifndef DWHI_STATUS_READ_H
#define DWHI_STATUS_READ_H

#include <stdint.h>

#include "warehouse/warehouse_sqlite.h"

/* The stored outcome of a run ("running", "ok", "failed", "interrupted")
 * as it stands now: a "running" run whose process is gone is "crashed"
 * (killed, a plugin crash, a power cut: it could not record its end).
 * Its process is gone when it ran on this host and its pid no longer runs
 * (or belongs to a later process); from another host, when no lease of
 * its job id was renewed within `lease_timeout_ms` and it started longer
 * ago than that.  `w` is a read-only warehouse (borrowed).  Static text. */
const char *dwhi_status_run_outcome(dwhi_warehouse *w, const char *stored, const char *job_id, const char *host,
                                   int64_t pid, int64_t pid_start, const char *started_at, int64_t lease_timeout_ms,
                                   int64_t now_ms);

#endif
