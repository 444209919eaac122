/*
 * sync_lease.h -- one running sync per job (lease.h): a run takes the
 * leases of all its jobs (schemas) before it syncs anything, renews them
 * from a heartbeat thread (its own warehouse and Redis connections) and
 * re-checks them inside every commit transaction; it releases them when it
 * ends.  Used by sync.c and sync_commit.c only.
 */
#ifndef DWHI_SYNC_LEASE_H
#define DWHI_SYNC_LEASE_H

#include <stddef.h>

#include "core/ctx.h"
#include "state/lease.h"
#include "state/state.h"
#include "state/state_redis.h"
#include "warehouse/warehouse_sqlite.h"

typedef struct sync_lease_set sync_lease_set;

typedef struct sync_lease_args {
    dwhi_warehouse *w;          /* the run's connection; NULL: no warehouse lease */
    dwhi_wh_options wo;         /* to open the heartbeat's own connection (copied) */
    dwhi_redis *redis;          /* NULL: no Redis lease */
    const char *redis_url;     /* for the heartbeat's own connection */
    int redis_timeout_ms;
    const dwhi_state_key *keys; /* one per job (schema); borrowed, must outlive the set */
    size_t n_keys;
    const char *job_id;
    long long timeout_ms;      /* a lease not renewed for this long is taken over */
    int break_lease;           /* take the leases whoever holds them */
    const dw_ctx *log;         /* takeovers are logged here */
} sync_lease_args;

/* Takes every lease.  Returns the set (release it with sync_lease_release)
 * or NULL with a malloc'd one-line *err and *running set when another live
 * run holds one (nothing was taken), clear when the warehouse or Redis
 * failed (*wh_error: it was the warehouse). */
sync_lease_set *sync_lease_acquire(const sync_lease_args *a, char **err, int *running, int *wh_error);

/* Inside job i's commit transaction (warehouse) or before its Redis state
 * write: renews the lease and checks this run still holds it.  Returns 0;
 * 1 with *err when the lease was lost (another run took it over: commit
 * nothing); -1 with *err when the warehouse (*wh_error) or Redis failed. */
int sync_lease_check(sync_lease_set *s, size_t i, char **err, int *wh_error);

/* Stops the heartbeat and releases the leases still held.  NULL allowed. */
void sync_lease_release(sync_lease_set *s);

#endif
