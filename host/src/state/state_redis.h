/*
 * state_redis.h -- the Redis copy of job state (see state.h for the
 * protocol), through hiredis.  One connection per sync run.
 *
 * URL: redis://[[user]:password@]host[:port][/db]   (port 6379, db 0).
 * Every error is one line naming the server (never the password) and what
 * to do: unreachable, timed out, read-only (a replica), refused command.
 */
#ifndef DWHI_STATE_REDIS_H
#define DWHI_STATE_REDIS_H

#include "log/secrets.h"

#define DWHI_REDIS_DEFAULT_TTL_S (24 * 3600)
#define DWHI_REDIS_DEFAULT_TIMEOUT_MS 3000

typedef struct dwhi_redis dwhi_redis;

/* Connects (and AUTH/SELECTs).  `ttl_s` <= 0 and `timeout_ms` <= 0 take
 * the defaults; the timeout applies to connecting and to every command.
 * A password in the URL is added to `secrets` (may be NULL).  Returns NULL
 * with a malloc'd one-line *err (caller frees). */
dwhi_redis *dwhi_redis_open(const char *url, int ttl_s, int timeout_ms, dwhi_secrets *secrets, char **err);
/* The same for another user of Redis than the sync state (the job queue,
 * queue/job_queue.h): `option` (static, e.g. "--queue") is what its
 * errors name, and an unreachable server's line ends with what failed,
 * leaving what happens next to the caller. */
dwhi_redis *dwhi_redis_open_for(const char *option, const char *url, int ttl_s, int timeout_ms, dwhi_secrets *secrets,
                                char **err);
void dwhi_redis_close(dwhi_redis *r);

/* One command for the callers that speak a Redis data type of their own
 * (the job queue's streams): `argv` (argc words, borrowed) sent as is,
 * reconnecting first when the last exchange broke the connection.
 * Returns hiredis' reply (caller frees with freeReplyObject), or NULL
 * with a malloc'd one-line *err naming the server and `doing` (I/O
 * failure, timeout, or an error reply such as an unknown command). */
struct redisReply;
struct redisReply *dwhi_redis_command(dwhi_redis *r, const char *doing, int argc, const char **argv, char **err);

/* "host:port/db", owned by r. */
const char *dwhi_redis_where(const dwhi_redis *r);
int dwhi_redis_ttl(const dwhi_redis *r);

/* GET: *value is a malloc'd copy or NULL when the key does not exist.
 * Returns 0, or -1 with *err. */
int dwhi_redis_get(dwhi_redis *r, const char *key, char **value, char **err);
/* SET key value EX ttl.  Returns 0, or -1 with *err. */
int dwhi_redis_put(dwhi_redis *r, const char *key, const char *value, char **err);
/* DEL key.  Returns 0, or -1 with *err. */
int dwhi_redis_del(dwhi_redis *r, const char *key, char **err);

/* Job leases (lease.h): `value` is the owner's JSON; every change is
 * atomic on the server.
 *   take:    SET NX PX.  1 taken; 0 held by another (*holder: its value,
 *            malloc'd, caller frees)
 *   swap:    replaces `expected` (a dead owner) with `value`; 1 done, 0 the
 *            key changed meanwhile
 *   renew:   PEXPIRE if `value` still holds it; 1 held, 0 lost
 *   release: DEL if `value` holds it; 1 deleted, 0 not ours
 * All return -1 with a malloc'd *err on a Redis failure. */
int dwhi_redis_lease_take(dwhi_redis *r, const char *key, const char *value, long long ttl_ms, char **holder,
                         char **err);
int dwhi_redis_lease_swap(dwhi_redis *r, const char *key, const char *expected, const char *value, long long ttl_ms,
                         char **err);
int dwhi_redis_lease_renew(dwhi_redis *r, const char *key, const char *value, long long ttl_ms, char **err);
int dwhi_redis_lease_release(dwhi_redis *r, const char *key, const char *value, char **err);

#endif
