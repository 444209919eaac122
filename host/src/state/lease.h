/*
 * lease.h -- who is running a sync job right now (docs/concepts/
 * state-and-resume.md, "One run per job").  A job (team, source id, schema) has at most one running sync: the
 * run holds a lease on it in the warehouse (_dw_lease) and, with --state
 * redis://, in Redis (SET NX PX).  The owner renews it (a heartbeat) while
 * it runs and re-checks it inside every batch's commit transaction, so a
 * run that lost its lease never commits.  A lease whose owner is gone --
 * its pid no longer runs on this host, or its heartbeat is older than the
 * lease timeout -- is taken over.
 */
#ifndef DWHI_LEASE_H
#define DWHI_LEASE_H

#include <json-c/json.h>
#include <stdint.h>

/* A run silent this long loses its jobs (the sync's default). */
#define DWHI_LEASE_DEFAULT_TIMEOUT_MS 60000

typedef struct dwhi_lease_owner {
    char *job_id;        /* NULL: nobody holds the lease */
    char *host;          /* gethostname() */
    long long pid;
    long long pid_start; /* the process's start time (/proc/<pid>/stat), 0 when unknown */
    char *started_at;    /* ISO-8601 UTC, when the lease was taken */
    int64_t heartbeat_ms;/* Unix ms of the last renewal */
} dwhi_lease_owner;

/* Fills *me for this process and `job_id` (copied).  Returns 0, -1 OOM. */
int dwhi_lease_owner_self(dwhi_lease_owner *me, const char *job_id);
/* Frees the strings and zeroes *o. */
void dwhi_lease_owner_clear(dwhi_lease_owner *o);

/* Non-zero when `o` certainly no longer runs: same host as this process
 * and its pid is gone (or now belongs to a later process). */
int dwhi_lease_owner_dead(const dwhi_lease_owner *o);

/* The owner as compact JSON text (Redis value), malloc'd; NULL on OOM.
 * Parse fills *o (cleared first); returns 0 or -1 when not an owner. */
char *dwhi_lease_owner_json(const dwhi_lease_owner *o);
int dwhi_lease_owner_parse(const char *text, dwhi_lease_owner *o);

/* Unix time in ms (wall clock: leases are compared across hosts). */
int64_t dwhi_lease_now_ms(void);

#endif
