/*
 * crashpoint.h -- a test-only hook that kills the process at an exact
 * point of the sync pipeline, so crash tests can hit the gaps a timed
 * SIGKILL only hits by luck.
 *
 *   DWHOST_TEST_CRASH_AT=<point>:<n>   SIGKILL ourselves the n-th time
 *                                      (1-based) <point> is reached
 * Points: before-batch-commit (batch and state staged, Redis written,
 * warehouse not committed), after-batch-commit (committed, before anything
 * else), before-state-mirror (jsonl: rows flushed, Redis not written),
 * before-swap (full refresh: last batch committed, swap not).
 * Unset (always, outside tests): a getenv on first use, then nothing.
 */
#ifndef DWH_CRASHPOINT_H
#define DWH_CRASHPOINT_H

void dwh_crashpoint(const char *point);

#endif
