/*
 * test_hooks.h -- the sync pipeline's test-only hooks.  They are compiled
 * into libdwhost only with the CMake option DWHOST_TEST_HOOKS (ON when the
 * test suite is built, DWHOST_TESTS; OFF in a build without tests), so a
 * production library never reads these variables; without the option each
 * hook is an inline no-op.
 *
 *   DWHOST_TEST_CRASH_AT=<point>:<n>   SIGKILL ourselves the n-th time
 *                                      (1-based) <point> is reached, so
 *                                      crash tests hit the gaps a timed
 *                                      SIGKILL only hits by luck
 * Points: before-batch-commit (batch and state staged, Redis written,
 * warehouse not committed), after-batch-commit (committed, before anything
 * else), before-state-mirror (jsonl: rows flushed, Redis not written),
 * before-swap (full refresh: last batch committed, swap not).
 *
 *   DWHOST_TEST_WAREHOUSE_MAX_PAGES=<n>  cap the warehouse file at n pages
 *                                      (a full disk where a small
 *                                      filesystem cannot be mounted)
 *   DWHOST_TEST_LEASE_TIMEOUT_MS=<ms>  the lease timeout (seconds are too
 *                                      slow for the lease tests)
 */
#ifndef DWHI_TEST_HOOKS_H
#define DWHI_TEST_HOOKS_H

#include <stdint.h>

#ifdef DWHOST_TEST_HOOKS
/* Kills the process at `point` when DWHOST_TEST_CRASH_AT names it (a getenv
 * on first use, then a string compare). */
void dwhi_crashpoint(const char *point);
/* DWHOST_TEST_WAREHOUSE_MAX_PAGES, or 0 (no cap) when unset. */
int64_t dwhi_test_warehouse_max_pages(void);
/* DWHOST_TEST_LEASE_TIMEOUT_MS when set, else `dflt`. */
int64_t dwhi_test_lease_timeout_ms(int64_t dflt);
#else
static inline void dwhi_crashpoint(const char *point) { (void)point; }
static inline int64_t dwhi_test_warehouse_max_pages(void) { return 0; }
static inline int64_t dwhi_test_lease_timeout_ms(int64_t dflt) { return dflt; }
#endif

#endif
