/*
 * memory_limit.h -- a process's memory limit (RLIMIT_AS), and whether it
 * was reached: a plugin whose allocations fail at the limit usually
 * crashes on the NULL or gives up with exit(); its crash or exit line
 * (crash_handler.c, exit_guard.c) then says the limit was reached, so the
 * cause is named rather than its symptom.
 *
 * Used by `dwhost serve-worker` (host/serve/serve_worker.c) for
 * `dwhost serve --memory-limit`.
 */
#ifndef DWHI_MEMORY_LIMIT_H
#define DWHI_MEMORY_LIMIT_H

#include <stddef.h>
#include <stdint.h>

/* Sets RLIMIT_AS of this process to `mib` MiB and remembers it.  Returns
 * 0, or -1 with errno set (nothing changed). */
int dwhi_memory_limit_set(uint64_t mib);

/* When a limit was set and the address space peaked within 64 MiB of it
 * (VmPeak of /proc/self/status: an allocation near the limit failed),
 * appends "; it had reached its memory limit of N MiB (its allocations
 * were failing)" to the line in buf (len bytes, ending in "\n"; cap bytes
 * of room) keeping the newline, and returns the new length; otherwise
 * returns len.  Async-signal-safe. */
size_t dwhi_memory_limit_note(char *buf, size_t len, size_t cap);

#endif
