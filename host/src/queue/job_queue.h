/*
 * job_queue.h -- sync jobs on a Redis stream (docs/concepts/workers.md).
 *
 * Keys (all under the prefix "dwhost:"):
 *   dwhost:jobs             the stream of queued jobs; an entry's fields are
 *                           "job" (the job as JSON text) and "attempt" (1 for
 *                           a new job, one more for each retry)
 *   group "dwhost-workers"  the one consumer group every worker reads through
 *                           (XREADGROUP); an entry it delivered and nobody
 *                           acknowledged yet is a running job (XPENDING)
 *   dwhost:jobs:dead        the dead-letter stream: a job that failed its
 *                           last attempt, with "attempts" and "error"
 *   dwhost:slots:KIND:NAME  the runs under way of one team, source or
 *                           source id (a sorted set: member = entry id,
 *                           score = when the run's claim lapses, ms)
 *
 * An entry is acknowledged and deleted from the stream in the same script
 * as its follow-up (a retry or a dead letter is added), so a job is never
 * lost nor doubled between two workers.  A worker that dies leaves its
 * entries pending; another takes them over once they are idle past the
 * lease timeout (XAUTOCLAIM), which a live worker prevents by touching its
 * entries (dwhi_queue_keep).
 */
#ifndef DWHI_JOB_QUEUE_H
#define DWHI_JOB_QUEUE_H

#include <json-c/json.h>
#include <stddef.h>

#include "log/secrets.h"

#define DWHI_QUEUE_STREAM "dwhost:jobs"
#define DWHI_QUEUE_DEAD "dwhost:jobs:dead"
#define DWHI_QUEUE_GROUP "dwhost-workers"

typedef struct dwhi_queue dwhi_queue;

/* Connects to the queue's Redis (redis://HOST[:PORT][/DB], a password as
 * for --state, added to `secrets` when not NULL).  Returns NULL with a
 * malloc'd one-line *err naming the server (never the password). */
dwhi_queue *dwhi_queue_open(const char *url, dwhi_secrets *secrets, char **err);
void dwhi_queue_close(dwhi_queue *q);
/* "host:port/db", owned by q. */
const char *dwhi_queue_where(const dwhi_queue *q);

/* XADD of a new job (`job` borrowed, written as JSON text, attempt 1).
 * Returns 0 with the entry id in *entry (malloc'd, caller frees), or -1
 * with a malloc'd *err. */
int dwhi_queue_add(dwhi_queue *q, json_object *job, char **entry, char **err);

/* Creates the consumer group (with the stream) unless it exists. */
int dwhi_queue_group(dwhi_queue *q, char **err);

/* One job taken by `consumer`. */
typedef struct dwhi_queue_job {
    char *entry;          /* the stream entry id */
    char *text;           /* the job's JSON text */
    json_object *job;     /* parsed, or NULL when the entry holds no JSON object */
    long attempt;         /* this attempt's number (1 for the first run) */
    int reclaimed;        /* taken over from a worker that went silent */
} dwhi_queue_job;
void dwhi_queue_job_clear(dwhi_queue_job *j);

/* Takes the next job: first an entry idle for `lease_ms` or more in
 * another consumer's hands (a dead worker's), else a new one, waiting up
 * to `block_ms` for one to be added (XREADGROUP ... BLOCK; 0: not at all;
 * at most DWHI_QUEUE_BLOCK_MAX_MS, below the connection's 3 s timeout).
 * The wait is on the socket: a signal does not cut it short, so keep it
 * short enough for the caller's other work.  Returns 1 with *j filled
 * (clear with dwhi_queue_job_clear), 0 when there is none, -1 with a
 * malloc'd *err. */
#define DWHI_QUEUE_BLOCK_MAX_MS 2000
int dwhi_queue_take(dwhi_queue *q, const char *consumer, long long lease_ms, int block_ms, dwhi_queue_job *j,
                    char **err);

/* Resets the idle time of `entry` if `consumer` still has it.  Returns 1
 * kept, 0 when another worker took it over, -1 with *err. */
int dwhi_queue_keep(dwhi_queue *q, const char *consumer, const char *entry, char **err);

/* The end of an attempt by `consumer`, each one atomic (a script):
 * acknowledged and deleted, and
 *   done:  nothing more
 *   again: added again at the end of the stream with `attempt` (the same
 *          number when the attempt does not count: a stop, a limit)
 *   dead:  added to the dead-letter stream with the attempts made and the
 *          last error (one line; the caller scrubs it).
 * Return 1, 0 when `consumer` no longer has the entry (another worker took
 * it over and runs it: nothing is changed), or -1 with a malloc'd *err
 * (the entry stays pending). */
int dwhi_queue_done(dwhi_queue *q, const char *consumer, const dwhi_queue_job *j, char **err);
int dwhi_queue_again(dwhi_queue *q, const char *consumer, const dwhi_queue_job *j, long attempt, char **err);
int dwhi_queue_dead(dwhi_queue *q, const char *consumer, const dwhi_queue_job *j, const char *error, char **err);

/* Moves jobs of the dead-letter stream back to the job stream, oldest
 * first: the one whose job id or dead-letter entry id is `id`, or every
 * one when `id` is NULL.  Each goes back as a new job at attempt 1: a new
 * "job_id", "requeued_from" (the old one) and "requeued_at"; the rest of
 * its document (source, config as written, ...) as it was.  Each move is
 * one script (the dead entry deleted, the job added), so a job moves once
 * however many run this at the same time.  `fn` (may be NULL) is called
 * for each with the old and new job ids and the new entry id (borrowed
 * for the call).  An entry that holds no job document stays and counts
 * in *skipped.  Returns how many moved (0: no such job), or -1 with a
 * malloc'd *err (those moved before stay moved). */
long dwhi_queue_requeue(dwhi_queue *q, const char *id,
                        void (*fn)(void *arg, const char *old_id, const char *new_id, const char *entry), void *arg,
                        size_t *skipped, char **err);

/* Run slots: `n` keys ("team:T", "source:S", "sid:T/ID"; at most 4) with
 * their limits (<= 0: none).  take: 1 when every key had room (the member
 * `entry` is then in each until `ttl_ms` from now), 0 when one is full
 * (*full: its key, malloc'd), -1 with *err.  renew: pushes the lapse
 * out.  release: removes the member.  Claims of dead workers lapse. */
int dwhi_queue_slots_take(dwhi_queue *q, const char *entry, const char *const *keys, const long *limits, size_t n,
                          long long ttl_ms, char **full, char **err);
int dwhi_queue_slots_renew(dwhi_queue *q, const char *entry, const char *const *keys, size_t n, long long ttl_ms,
                           char **err);
int dwhi_queue_slots_release(dwhi_queue *q, const char *entry, const char *const *keys, size_t n, char **err);

/* What `dwhost jobs` shows: {"queue", "queued": [{"entry", "job",
 * "attempt"}], "running": [{"entry", "job", "attempt", "consumer",
 * "idle_ms", "deliveries"}], "failed": [{"entry", "job", "attempts",
 * "error", "failed_at"}]}, at most `max` of each, oldest first.  Returns
 * 0 with *doc (caller puts), or -1 with *err. */
int dwhi_queue_list(dwhi_queue *q, size_t max, json_object **doc, char **err);

#endif
