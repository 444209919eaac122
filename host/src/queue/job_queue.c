/*
 * job_queue.c -- sync jobs on a Redis stream (see job_queue.h), over the
 * connection state/state_redis.h keeps (URL, password, errors, reconnects).
 * Every change that touches more than one key or checks before it writes
 * is one Lua script, so it is atomic on the server.
 */
#include "job_queue.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/isotime.h"
#include "base/text.h"
#include "ops/ops.h"
#include "state/state_redis.h"

struct dwhi_queue {
    dwhi_redis *r;
    char cursor[48]; /* XAUTOCLAIM's position in the pending entries */
};

dwhi_queue *dwhi_queue_open(const char *url, dwhi_secrets *secrets, char **err) {
    dwhi_queue *q = calloc(1, sizeof *q);
    if (!q) {
        *err = strdup("out of memory");
        return NULL;
    }
    strcpy(q->cursor, "0-0");
    if (!(q->r = dwhi_redis_open_for("--queue", url, 0, 0, secrets, err))) {
        free(q);
        return NULL;
    }
    return q;
}

void dwhi_queue_close(dwhi_queue *q) {
    if (!q) return;
    dwhi_redis_close(q->r);
    free(q);
}

const char *dwhi_queue_where(const dwhi_queue *q) { return dwhi_redis_where(q->r); }

static redisReply *cmd(dwhi_queue *q, const char *doing, int argc, const char **argv, char **err) {
    return dwhi_redis_command(q->r, doing, argc, argv, err);
}

/* The "job" and "attempt" fields of an entry's flat field list. */
static void entry_fields(const redisReply *fields, dwhi_queue_job *j) {
    for (size_t i = 0; fields && fields->type == REDIS_REPLY_ARRAY && i + 1 < fields->elements; i += 2) {
        const redisReply *k = fields->element[i], *v = fields->element[i + 1];
        if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING) continue;
        if (!strcmp(k->str, "job") && !j->text) j->text = strndup(v->str, v->len);
        else if (!strcmp(k->str, "attempt")) j->attempt = strtol(v->str, NULL, 10);
    }
}

static const char *field(const redisReply *fields, const char *name) {
    for (size_t i = 0; fields && fields->type == REDIS_REPLY_ARRAY && i + 1 < fields->elements; i += 2)
        if (fields->element[i]->type == REDIS_REPLY_STRING && !strcmp(fields->element[i]->str, name) &&
            fields->element[i + 1]->type == REDIS_REPLY_STRING)
            return fields->element[i + 1]->str;
    return NULL;
}

int dwhi_queue_add(dwhi_queue *q, json_object *job, char **entry, char **err) {
    *entry = NULL;
    const char *argv[] = {"XADD", DWHI_QUEUE_STREAM, "*", "job",
                          json_object_to_json_string_ext(job, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
                          "attempt", "1"};
    redisReply *rep = cmd(q, "adding the job (XADD)", 7, argv, err);
    if (!rep) return -1;
    int rc = rep->type == REDIS_REPLY_STRING && (*entry = strndup(rep->str, rep->len)) ? 0 : -1;
    if (rc) *err = dwhi_strf("Redis at %s answered XADD without an entry id", dwhi_queue_where(q));
    freeReplyObject(rep);
    return rc;
}

int dwhi_queue_group(dwhi_queue *q, char **err) {
    /* from 0: jobs added before the first worker ever started are taken too */
    const char *argv[] = {"XGROUP", "CREATE", DWHI_QUEUE_STREAM, DWHI_QUEUE_GROUP, "0", "MKSTREAM"};
    redisReply *rep = cmd(q, "creating the consumer group (XGROUP CREATE)", 6, argv, err);
    if (rep) {
        freeReplyObject(rep);
        return 0;
    }
    if (*err && strstr(*err, "BUSYGROUP")) { /* another worker made it */
        free(*err);
        *err = NULL;
        return 0;
    }
    return -1;
}

void dwhi_queue_job_clear(dwhi_queue_job *j) {
    free(j->entry);
    free(j->text);
    json_object_put(j->job);
    memset(j, 0, sizeof *j);
}

/* How often the entry was delivered (XPENDING of that one entry): 1 for a
 * first read, one more for each takeover. */
static long deliveries(dwhi_queue *q, const char *entry, char **err) {
    const char *argv[] = {"XPENDING", DWHI_QUEUE_STREAM, DWHI_QUEUE_GROUP, entry, entry, "1"};
    redisReply *rep = cmd(q, "reading the job's deliveries (XPENDING)", 6, argv, err);
    if (!rep) return -1;
    long n = 1;
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 1 && rep->element[0]->type == REDIS_REPLY_ARRAY &&
        rep->element[0]->elements >= 4 && rep->element[0]->element[3]->type == REDIS_REPLY_INTEGER)
        n = (long)rep->element[0]->element[3]->integer;
    freeReplyObject(rep);
    return n;
}

/* Fills *j from one [id, fields] element. */
static int fill_job(dwhi_queue *q, const redisReply *e, dwhi_queue_job *j, char **err) {
    if (e->type != REDIS_REPLY_ARRAY || e->elements < 2 || e->element[0]->type != REDIS_REPLY_STRING) return 0;
    j->entry = strndup(e->element[0]->str, e->element[0]->len);
    j->attempt = 1;
    entry_fields(e->element[1], j);
    if (j->attempt < 1) j->attempt = 1;
    j->job = j->text ? json_tokener_parse(j->text) : NULL;
    if (j->job && !json_object_is_type(j->job, json_type_object)) {
        json_object_put(j->job);
        j->job = NULL;
    }
    long d = deliveries(q, j->entry, err);
    if (d < 0) return -1;
    j->attempt += d - 1;
    return 1;
}

int dwhi_queue_take(dwhi_queue *q, const char *consumer, long long lease_ms, int block_ms, dwhi_queue_job *j,
                    char **err) {
    memset(j, 0, sizeof *j);
    *err = NULL;
    char idle[24];
    snprintf(idle, sizeof idle, "%lld", lease_ms);
    /* a dead worker's job first: it has waited longest */
    const char *claim[] = {"XAUTOCLAIM", DWHI_QUEUE_STREAM, DWHI_QUEUE_GROUP, consumer, idle, q->cursor, "COUNT", "1"};
    redisReply *rep = cmd(q, "taking over jobs of silent workers (XAUTOCLAIM)", 8, claim, err);
    if (!rep) return -1;
    int got = 0;
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements >= 2) {
        const redisReply *next = rep->element[0], *list = rep->element[1];
        if (next->type == REDIS_REPLY_STRING) snprintf(q->cursor, sizeof q->cursor, "%s", next->str);
        if (list->type == REDIS_REPLY_ARRAY && list->elements >= 1) got = fill_job(q, list->element[0], j, err);
    }
    freeReplyObject(rep);
    if (got) {
        if (got > 0) j->reclaimed = 1;
        else dwhi_queue_job_clear(j);
        return got;
    }
    /* BLOCK 0 would wait for ever: without a wait the word is left out */
    char block[16];
    snprintf(block, sizeof block, "%d", block_ms > DWHI_QUEUE_BLOCK_MAX_MS ? DWHI_QUEUE_BLOCK_MAX_MS : block_ms);
    const char *read[] = {"XREADGROUP", "GROUP", DWHI_QUEUE_GROUP, consumer, "COUNT", "1", "BLOCK", block,
                          "STREAMS", DWHI_QUEUE_STREAM, ">"};
    const char *now[] = {"XREADGROUP", "GROUP", DWHI_QUEUE_GROUP, consumer, "COUNT", "1", "STREAMS", DWHI_QUEUE_STREAM, ">"};
    if (!(rep = block_ms > 0 ? cmd(q, "waiting for a job (XREADGROUP BLOCK)", 11, read, err)
                             : cmd(q, "reading a job (XREADGROUP)", 9, now, err)))
        return -1;
    /* [[stream, [[id, fields]]]] or nil */
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 1 && rep->element[0]->type == REDIS_REPLY_ARRAY &&
        rep->element[0]->elements == 2 && rep->element[0]->element[1]->type == REDIS_REPLY_ARRAY &&
        rep->element[0]->element[1]->elements >= 1)
        got = fill_job(q, rep->element[0]->element[1]->element[0], j, err);
    freeReplyObject(rep);
    if (got < 0) dwhi_queue_job_clear(j);
    return got;
}

/* A script on the stream (and `key2`) whose integer reply is returned. */
static int script(dwhi_queue *q, const char *doing, const char *lua, const char *key2, int nargs, const char **args,
                  char **err) {
    const char *argv[12] = {"EVAL", lua, key2 ? "2" : "1", DWHI_QUEUE_STREAM};
    int argc = 4;
    if (key2) argv[argc++] = key2;
    for (int i = 0; i < nargs && argc < 12; i++) argv[argc++] = args[i];
    redisReply *rep = cmd(q, doing, argc, argv, err);
    if (!rep) return -1;
    int rc = rep->type == REDIS_REPLY_INTEGER ? (int)rep->integer : 0;
    freeReplyObject(rep);
    return rc;
}

/* The entry (ARGV[3]) is still pending with this consumer (ARGV[2]). */
#define OURS                                                                                                           \
    "local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1) "                                       \
    "if #p ~= 1 or p[1][2] ~= ARGV[2] then return 0 end "
#define ACK_DEL "redis.call('XACK', KEYS[1], ARGV[1], ARGV[3]) redis.call('XDEL', KEYS[1], ARGV[3]) "

int dwhi_queue_keep(dwhi_queue *q, const char *consumer, const char *entry, char **err) {
    const char *args[] = {DWHI_QUEUE_GROUP, consumer, entry};
    return script(q, "keeping the job (XCLAIM)",
                  OURS "redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID') return 1", NULL, 3,
                  args, err);
}

int dwhi_queue_done(dwhi_queue *q, const char *consumer, const dwhi_queue_job *j, char **err) {
    const char *args[] = {DWHI_QUEUE_GROUP, consumer, j->entry};
    return script(q, "acknowledging the job (XACK)", OURS ACK_DEL "return 1", NULL, 3, args, err);
}

int dwhi_queue_again(dwhi_queue *q, const char *consumer, const dwhi_queue_job *j, long attempt, char **err) {
    char n[24];
    snprintf(n, sizeof n, "%ld", attempt);
    const char *args[] = {DWHI_QUEUE_GROUP, consumer, j->entry, j->text ? j->text : "", n};
    return script(q, "queueing the job again (XADD)",
                  OURS ACK_DEL "redis.call('XADD', KEYS[1], '*', 'job', ARGV[4], 'attempt', ARGV[5]) return 1", NULL,
                  5, args, err);
}

int dwhi_queue_dead(dwhi_queue *q, const char *consumer, const dwhi_queue_job *j, const char *error, char **err) {
    char n[24], at[40];
    snprintf(n, sizeof n, "%ld", j->attempt);
    dwhi_isotime_now(at, sizeof at);
    const char *args[] = {DWHI_QUEUE_GROUP, consumer, j->entry, j->text ? j->text : "", n, error ? error : "", at};
    return script(q, "moving the job to the dead-letter stream (XADD " DWHI_QUEUE_DEAD ")",
                  OURS ACK_DEL
                  "redis.call('XADD', KEYS[2], '*', 'job', ARGV[4], 'attempts', ARGV[5], 'error', ARGV[6], "
                  "'failed_at', ARGV[7]) return 1",
                  DWHI_QUEUE_DEAD, 7, args, err);
}

/* ---- back from the dead-letter stream ------------------------------------- */

/* KEYS[1] the job stream, KEYS[2] the dead-letter stream; ARGV[1] the dead
 * entry, ARGV[2] the job's new text.  The new entry id, or 0 when the dead
 * entry is gone (another requeue moved it). */
#define REQUEUE                                                                                                        \
    "if #redis.call('XRANGE', KEYS[2], ARGV[1], ARGV[1]) ~= 1 then return 0 end "                                    \
    "redis.call('XDEL', KEYS[2], ARGV[1]) "                                                                            \
    "return redis.call('XADD', KEYS[1], '*', 'job', ARGV[2], 'attempt', '1')"

/* Moves one dead entry (`e`: [id, fields]) if it matches `id` (NULL: any).
 * Returns 1 moved, 0 not this one (or moved meanwhile), -1 with *err. */
static int requeue_one(dwhi_queue *q, const redisReply *e, const char *id,
                       void (*fn)(void *, const char *, const char *, const char *), void *arg, size_t *skipped,
                       char **err) {
    const char *entry = e->element[0]->str, *text = field(e->element[1], "job");
    json_object *job = text ? json_tokener_parse(text) : NULL, *v = NULL;
    const char *old = job && json_object_is_type(job, json_type_object) &&
                              json_object_object_get_ex(job, "job_id", &v) && json_object_is_type(v, json_type_string)
                          ? json_object_get_string(v)
                          : NULL;
    if (id && strcmp(id, entry) && !(old && !strcmp(id, old))) {
        json_object_put(job);
        return 0;
    }
    if (!job || !json_object_is_type(job, json_type_object)) { /* nothing a worker could run */
        json_object_put(job);
        (*skipped)++;
        return 0;
    }
    char *old_id = old ? strdup(old) : NULL, new_id[37], at[40];
    dwhi_uuid4(new_id);
    dwhi_isotime_now(at, sizeof at);
    json_object_object_add(job, "job_id", json_object_new_string(new_id));
    json_object_object_add(job, "requeued_from", old_id ? json_object_new_string(old_id) : NULL);
    json_object_object_add(job, "requeued_at", json_object_new_string(at));
    const char *argv[] = {"EVAL", REQUEUE, "2", DWHI_QUEUE_STREAM, DWHI_QUEUE_DEAD, entry,
                          json_object_to_json_string_ext(job, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)};
    redisReply *rep = cmd(q, "moving the job back to " DWHI_QUEUE_STREAM " (XADD)", 7, argv, err);
    int rc = rep ? rep->type == REDIS_REPLY_STRING : -1;
    if (rc == 1 && fn) fn(arg, old_id ? old_id : "-", new_id, rep->str);
    freeReplyObject(rep);
    json_object_put(job);
    free(old_id);
    return rc;
}

long dwhi_queue_requeue(dwhi_queue *q, const char *id,
                        void (*fn)(void *arg, const char *old_id, const char *new_id, const char *entry), void *arg,
                        size_t *skipped, char **err) {
    *err = NULL;
    *skipped = 0;
    long moved = 0;
    char from[56] = "-";
    for (;;) { /* a page at a time, after the last entry seen (moved ones are gone) */
        const char *argv[] = {"XRANGE", DWHI_QUEUE_DEAD, from, "+", "COUNT", "100"};
        redisReply *rep = cmd(q, "reading the dead-letter stream (XRANGE)", 6, argv, err);
        if (!rep) return -1;
        size_t n = rep->type == REDIS_REPLY_ARRAY ? rep->elements : 0;
        for (size_t i = 0; i < n; i++) {
            const redisReply *e = rep->element[i];
            if (e->type != REDIS_REPLY_ARRAY || e->elements < 2 || e->element[0]->type != REDIS_REPLY_STRING) continue;
            snprintf(from, sizeof from, "(%s", e->element[0]->str);
            int rc = requeue_one(q, e, id, fn, arg, skipped, err);
            if (rc < 0) {
                freeReplyObject(rep);
                return -1;
            }
            moved += rc;
            if (rc && id) { /* an id names one job */
                freeReplyObject(rep);
                return moved;
            }
        }
        freeReplyObject(rep);
        if (n < 100) return moved;
    }
}

/* ---- run slots ----------------------------------------------------------- */

#define MAX_SLOTS 4

static int slots(dwhi_queue *q, const char *doing, const char *lua, const char *entry, const char *const *keys,
                 size_t n, const char *ttl, const long *limits, char **err) {
    if (n > MAX_SLOTS) n = MAX_SLOTS;
    char nk[8], lim[MAX_SLOTS][24];
    snprintf(nk, sizeof nk, "%zu", n);
    const char *argv[3 + MAX_SLOTS + 2 + MAX_SLOTS];
    int argc = 0;
    argv[argc++] = "EVAL";
    argv[argc++] = lua;
    argv[argc++] = nk;
    for (size_t i = 0; i < n; i++) argv[argc++] = keys[i];
    argv[argc++] = entry;
    argv[argc++] = ttl ? ttl : "0";
    for (size_t i = 0; limits && i < n; i++) {
        snprintf(lim[i], sizeof lim[i], "%ld", limits[i]);
        argv[argc++] = lim[i];
    }
    redisReply *rep = cmd(q, doing, argc, argv, err);
    if (!rep) return -1;
    int rc = rep->type == REDIS_REPLY_INTEGER ? (int)rep->integer : 0;
    freeReplyObject(rep);
    return rc;
}

/* The server's clock in ms: every worker's claims lapse on the same one. */
#define NOW_MS "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) "

int dwhi_queue_slots_take(dwhi_queue *q, const char *entry, const char *const *keys, const long *limits, size_t n,
                          long long ttl_ms, char **full, char **err) {
    *full = NULL;
    char ttl[24];
    snprintf(ttl, sizeof ttl, "%lld", ttl_ms);
    int rc = slots(q, "taking a run slot", NOW_MS
                   "for i, k in ipairs(KEYS) do "
                   "  redis.call('ZREMRANGEBYSCORE', k, '-inf', now) "
                   "  local lim = tonumber(ARGV[2 + i]) "
                   "  if lim > 0 and not redis.call('ZSCORE', k, ARGV[1]) and redis.call('ZCARD', k) >= lim then "
                   "    return i end "
                   "end "
                   "for i, k in ipairs(KEYS) do redis.call('ZADD', k, now + tonumber(ARGV[2]), ARGV[1]) end "
                   "return 0",
                   entry, keys, n, ttl, limits, err);
    if (rc < 0) return -1;
    if (rc == 0) return 1;
    *full = strdup(keys[rc - 1]);
    return 0;
}

int dwhi_queue_slots_renew(dwhi_queue *q, const char *entry, const char *const *keys, size_t n, long long ttl_ms,
                           char **err) {
    char ttl[24];
    snprintf(ttl, sizeof ttl, "%lld", ttl_ms);
    return slots(q, "renewing the run slots", NOW_MS
                 "for i, k in ipairs(KEYS) do redis.call('ZADD', k, 'XX', now + tonumber(ARGV[2]), ARGV[1]) end "
                 "return 0",
                 entry, keys, n, ttl, NULL, err) < 0 ? -1 : 0;
}

int dwhi_queue_slots_release(dwhi_queue *q, const char *entry, const char *const *keys, size_t n, char **err) {
    return slots(q, "releasing the run slots", "for i, k in ipairs(KEYS) do redis.call('ZREM', k, ARGV[1]) end return 0",
                 entry, keys, n, NULL, NULL, err) < 0 ? -1 : 0;
}

/* ---- the listing ------------------------------------------------------------ */

static void add_job(json_object *o, const char *text) {
    json_object *job = text ? json_tokener_parse(text) : NULL;
    json_object_object_add(o, "job", job ? job : text ? json_object_new_string(text) : NULL);
}

/* XRANGE key from to COUNT max into `out` as {"entry", "job", ...}. */
static int range(dwhi_queue *q, const char *key, const char *from, size_t max, json_object *out, int dead,
                 char **err) {
    char count[24];
    snprintf(count, sizeof count, "%zu", max);
    const char *argv[] = {"XRANGE", key, from, "+", "COUNT", count};
    redisReply *rep = cmd(q, "listing the jobs (XRANGE)", 6, argv, err);
    if (!rep) return -1;
    for (size_t i = 0; rep->type == REDIS_REPLY_ARRAY && i < rep->elements; i++) {
        const redisReply *e = rep->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 2 || e->element[0]->type != REDIS_REPLY_STRING) continue;
        json_object *o = json_object_new_object();
        json_object_object_add(o, "entry", json_object_new_string(e->element[0]->str));
        add_job(o, field(e->element[1], "job"));
        if (dead) {
            const char *a = field(e->element[1], "attempts"), *er = field(e->element[1], "error"),
                       *at = field(e->element[1], "failed_at");
            json_object_object_add(o, "attempts", json_object_new_int64(a ? strtoll(a, NULL, 10) : 0));
            json_object_object_add(o, "error", er ? json_object_new_string(er) : NULL);
            json_object_object_add(o, "failed_at", at ? json_object_new_string(at) : NULL);
        } else {
            const char *a = field(e->element[1], "attempt");
            json_object_object_add(o, "attempt", json_object_new_int64(a ? strtoll(a, NULL, 10) : 1));
        }
        json_object_array_add(out, o);
    }
    freeReplyObject(rep);
    return 0;
}

/* The group's last delivered id ("0-0" when there is no group yet). */
static int last_delivered(dwhi_queue *q, char out[48], char **err) {
    strcpy(out, "0-0");
    const char *ex[] = {"EXISTS", DWHI_QUEUE_STREAM};
    redisReply *rep = cmd(q, "looking for the job stream (EXISTS)", 2, ex, err);
    if (!rep) return -1;
    int exists = rep->type == REDIS_REPLY_INTEGER && rep->integer == 1;
    freeReplyObject(rep);
    if (!exists) return 0;
    const char *argv[] = {"XINFO", "GROUPS", DWHI_QUEUE_STREAM};
    if (!(rep = cmd(q, "reading the consumer group (XINFO GROUPS)", 3, argv, err))) return -1;
    for (size_t i = 0; rep->type == REDIS_REPLY_ARRAY && i < rep->elements; i++) {
        const redisReply *g = rep->element[i];
        if (g->type != REDIS_REPLY_ARRAY) continue;
        const char *name = field(g, "name"), *last = field(g, "last-delivered-id");
        if (name && last && !strcmp(name, DWHI_QUEUE_GROUP)) snprintf(out, 48, "%s", last);
    }
    freeReplyObject(rep);
    return 1;
}

int dwhi_queue_list(dwhi_queue *q, size_t max, json_object **doc, char **err) {
    *doc = NULL;
    *err = NULL;
    json_object *o = json_object_new_object(), *queued = json_object_new_array(), *running = json_object_new_array(),
                *failed = json_object_new_array();
    json_object_object_add(o, "queue", json_object_new_string(dwhi_queue_where(q)));
    json_object_object_add(o, "queued", queued);
    json_object_object_add(o, "running", running);
    json_object_object_add(o, "failed", failed);
    char last[48], from[56];
    int exists = last_delivered(q, last, err);
    if (exists < 0) goto fail;
    snprintf(from, sizeof from, "(%s", last);
    if (exists && range(q, DWHI_QUEUE_STREAM, from, max, queued, 0, err) < 0) goto fail;
    if (exists && strcmp(last, "0-0") != 0) {
        char count[24];
        snprintf(count, sizeof count, "%zu", max);
        const char *argv[] = {"XPENDING", DWHI_QUEUE_STREAM, DWHI_QUEUE_GROUP, "-", "+", count};
        redisReply *rep = cmd(q, "listing the running jobs (XPENDING)", 6, argv, err);
        if (!rep) goto fail;
        for (size_t i = 0; rep->type == REDIS_REPLY_ARRAY && i < rep->elements; i++) {
            const redisReply *p = rep->element[i];
            if (p->type != REDIS_REPLY_ARRAY || p->elements < 4) continue;
            json_object *one = json_object_new_array();
            if (range(q, DWHI_QUEUE_STREAM, p->element[0]->str, 1, one, 0, err) < 0) {
                json_object_put(one);
                freeReplyObject(rep);
                goto fail;
            }
            json_object *e = json_object_array_length(one) ? json_object_get(json_object_array_get_idx(one, 0)) : NULL;
            json_object_put(one);
            if (!e) continue; /* acknowledged meanwhile */
            json_object_object_add(e, "consumer", json_object_new_string(p->element[1]->str));
            json_object_object_add(e, "idle_ms", json_object_new_int64(p->element[2]->integer));
            json_object_object_add(e, "deliveries", json_object_new_int64(p->element[3]->integer));
            json_object_array_add(running, e);
        }
        freeReplyObject(rep);
    }
    if (range(q, DWHI_QUEUE_DEAD, "-", max, failed, 1, err) < 0) goto fail;
    *doc = o;
    return 0;
fail:
    json_object_put(o);
    return -1;
}
