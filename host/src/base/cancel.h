/*
 * cancel.h -- the cancellation flag behind dwhost.h's dwh_cancel.
 *
 * One lock-free atomic int: a signal handler or any thread sets it, the
 * operations holding it poll it at their safe points (between pages, in
 * retry waits, before a batch).  A plain `volatile int` is neither atomic
 * nor ordered across threads; this is both, and stays async-signal-safe
 * because atomic_int is lock-free on every platform dwhost builds for
 * (checked below).
 */
#ifndef DWHI_CANCEL_H
#define DWHI_CANCEL_H

#include <stdatomic.h>

#if ATOMIC_INT_LOCK_FREE != 2
#error "dwh_cancel needs a lock-free atomic int (it is set from signal handlers)"
#endif

struct dwh_cancel {
    atomic_int requested;
};

/* Non-zero once `c` (may be NULL: never) was requested. */
static inline int dwhi_cancel_requested(const struct dwh_cancel *c) {
    return c && atomic_load_explicit((atomic_int *)&c->requested, memory_order_acquire);
}

/* Requests cancellation; async-signal-safe. */
static inline void dwhi_cancel_set(struct dwh_cancel *c) {
    if (c) atomic_store_explicit(&c->requested, 1, memory_order_release);
}

#endif
