/* state_redis.c -- Redis state copy through hiredis (see state_redis.h). */
#include "state_redis.h"

#include "base/text.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

struct dwhi_redis {
    redisContext *c;
    char *host;
    int port;
    int db;
    char *user;
    char *password;
    char where[300];
    int ttl_s;
    int timeout_ms;
    const char *option; /* the option that named the server: "--state" or "--queue" (static) */
};

static int parse_url(dwhi_redis *r, const char *url, char **err) {
    const char *p = url;
    if (strncmp(p, "redis://", 8) != 0) goto bad;
    p += 8;
    const char *at = strrchr(p, '@');
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        if (colon) {
            if (colon > p) r->user = strndup(p, (size_t)(colon - p));
            r->password = strndup(colon + 1, (size_t)(at - colon - 1));
        } else {
            r->password = strndup(p, (size_t)(at - p));
        }
        p = at + 1;
    }
    size_t hl = strcspn(p, ":/");
    if (hl == 0) goto bad;
    r->host = strndup(p, hl);
    p += hl;
    r->port = 6379;
    if (*p == ':') {
        char *end;
        long port = strtol(p + 1, &end, 10);
        if (end == p + 1 || port < 1 || port > 65535) goto bad;
        r->port = (int)port;
        p = end;
    }
    if (*p == '/') {
        p++;
        if (*p) {
            char *end;
            long db = strtol(p, &end, 10);
            if (end == p || *end || db < 0 || db > 1000000) goto bad;
            r->db = (int)db;
            p = end;
        }
    }
    if (*p) goto bad;
    if (!r->host) goto bad;
    snprintf(r->where, sizeof r->where, "%s:%d/%d", r->host, r->port, r->db);
    return 0;
bad:
    /* never echo the URL: it may hold a password.  The form is spelled so
     * that the URL scrubber does not take it for a URL with a password. */
    *err = dwhi_strf("%s: expected redis://HOST[:PORT][/DB], with USER:PASSWORD@ or :PASSWORD@ before HOST "
                     "when Redis needs a password, e.g. redis://127.0.0.1:6379/0", r->option);
    return -1;
}

/* One line for a failed exchange: what kind of failure and what to do. */
static void conn_error(dwhi_redis *r, const char *doing, char **err) {
    int e = r->c ? r->c->err : REDIS_ERR_OTHER;
    const char *msg = r->c ? r->c->errstr : "cannot allocate a connection";
    int n;
    int timed_out = e == REDIS_ERR_IO && (strstr(msg, "timed out") || strstr(msg, "Resource temporarily unavailable"));
    /* the job queue's callers say themselves what happens next (a worker
     * retries, enqueue fails): no word about resuming a sync */
    if (strcmp(r->option, "--state") != 0 && timed_out)
        n = asprintf(err, "Redis at %s did not answer within %d ms while %s", r->where, r->timeout_ms, doing);
    else if (strcmp(r->option, "--state") != 0)
        n = asprintf(err, "Redis at %s is unreachable (%s) while %s", r->where, msg, doing);
    /* hiredis 0.14 reports a timeout as an I/O error with EAGAIN's text */
    else if (timed_out)
        n = asprintf(err,
                     "Redis at %s did not answer within %d ms while %s; nothing was committed; check the server "
                     "(or raise --state-timeout) and rerun to resume",
                     r->where, r->timeout_ms, doing);
    else
        n = asprintf(err,
                     "Redis at %s is unreachable (%s) while %s; nothing was committed; start it or fix --state, "
                     "then rerun to resume",
                     r->where, msg, doing);
    if (n < 0) *err = NULL;
    /* the connection is unusable after an I/O error or timeout */
    if (r->c) redisFree(r->c);
    r->c = NULL;
}

static void reply_error(dwhi_redis *r, const redisReply *rep, const char *doing, char **err) {
    int n;
    if (!strncmp(rep->str, "READONLY", 8) && strcmp(r->option, "--state") != 0)
        n = asprintf(err, "Redis at %s is read-only (%s) while %s; point %s at the primary", r->where, rep->str,
                     doing, r->option);
    else if (!strncmp(rep->str, "READONLY", 8))
        n = asprintf(err,
                     "Redis at %s is read-only (%s) while %s; nothing was committed; point --state at the primary, "
                     "then rerun to resume",
                     r->where, rep->str, doing);
    else if (!strncmp(rep->str, "NOAUTH", 6) || !strncmp(rep->str, "WRONGPASS", 9))
        n = asprintf(err, "Redis at %s refused the credentials (%s) while %s; fix the password in %s", r->where,
                     rep->str, doing, r->option);
    else
        n = asprintf(err, "Redis at %s refused %s: %s", r->where, doing, rep->str);
    if (n < 0) *err = NULL;
}

static redisReply *command(dwhi_redis *r, const char *doing, char **err, int argc, const char **argv,
                           const size_t *lens);

static int connect_now(dwhi_redis *r, char **err) {
    struct timeval tv = {r->timeout_ms / 1000, (r->timeout_ms % 1000) * 1000};
    r->c = redisConnectWithTimeout(r->host, r->port, tv);
    if (!r->c || r->c->err) {
        conn_error(r, "connecting", err);
        return -1;
    }
    redisSetTimeout(r->c, tv);
    if (r->password) {
        const char *argv[3] = {"AUTH", r->user ? r->user : r->password, r->password};
        int argc = r->user ? 3 : 2;
        redisReply *rep = command(r, "AUTH", err, argc, argv, NULL);
        if (!rep) return -1;
        freeReplyObject(rep);
    }
    if (r->db) {
        char db[16];
        snprintf(db, sizeof db, "%d", r->db);
        const char *argv[2] = {"SELECT", db};
        redisReply *rep = command(r, "selecting the database", err, 2, argv, NULL);
        if (!rep) return -1;
        freeReplyObject(rep);
    }
    return 0;
}

/* Sends a command on a live connection.  Returns the reply, or NULL with
 * *err (I/O failure, timeout or an error reply). */
static redisReply *command(dwhi_redis *r, const char *doing, char **err, int argc, const char **argv,
                           const size_t *lens) {
    if (!r->c && connect_now(r, err) < 0) return NULL;
    redisReply *rep = redisCommandArgv(r->c, argc, argv, lens);
    if (!rep) {
        conn_error(r, doing, err);
        return NULL;
    }
    if (rep->type == REDIS_REPLY_ERROR) {
        reply_error(r, rep, doing, err);
        freeReplyObject(rep);
        return NULL;
    }
    return rep;
}

dwhi_redis *dwhi_redis_open(const char *url, int ttl_s, int timeout_ms, dwhi_secrets *secrets, char **err) {
    return dwhi_redis_open_for("--state", url, ttl_s, timeout_ms, secrets, err);
}

dwhi_redis *dwhi_redis_open_for(const char *option, const char *url, int ttl_s, int timeout_ms, dwhi_secrets *secrets,
                                char **err) {
    *err = NULL;
    dwhi_redis *r = calloc(1, sizeof *r);
    if (!r) {
        *err = strdup("out of memory");
        return NULL;
    }
    r->option = option;
    r->ttl_s = ttl_s > 0 ? ttl_s : DWHI_REDIS_DEFAULT_TTL_S;
    r->timeout_ms = timeout_ms > 0 ? timeout_ms : DWHI_REDIS_DEFAULT_TIMEOUT_MS;
    if (parse_url(r, url ? url : "", err) < 0) goto fail;
    if (r->password && secrets) dwhi_secrets_add(secrets, r->password);
    if (connect_now(r, err) < 0) goto fail;
    /* PING proves the server answers (a half-open socket would not). */
    const char *argv[1] = {"PING"};
    redisReply *rep = command(r, "pinging", err, 1, argv, NULL);
    if (!rep) goto fail;
    freeReplyObject(rep);
    return r;
fail:
    dwhi_redis_close(r);
    return NULL;
}

void dwhi_redis_close(dwhi_redis *r) {
    if (!r) return;
    if (r->c) redisFree(r->c);
    free(r->host);
    free(r->user);
    if (r->password) memset(r->password, 0, strlen(r->password));
    free(r->password);
    free(r);
}

const char *dwhi_redis_where(const dwhi_redis *r) { return r->where; }

struct redisReply *dwhi_redis_command(dwhi_redis *r, const char *doing, int argc, const char **argv, char **err) {
    *err = NULL;
    return command(r, doing, err, argc, argv, NULL);
}
int dwhi_redis_ttl(const dwhi_redis *r) { return r->ttl_s; }

int dwhi_redis_get(dwhi_redis *r, const char *key, char **value, char **err) {
    *err = NULL;
    *value = NULL;
    const char *argv[2] = {"GET", key};
    redisReply *rep = command(r, "reading the sync state", err, 2, argv, NULL);
    if (!rep) return -1;
    int rc = 0;
    if (rep->type == REDIS_REPLY_STRING) {
        if (!(*value = strndup(rep->str, rep->len))) rc = -1;
    } else if (rep->type != REDIS_REPLY_NIL) {
        if (asprintf(err, "Redis at %s: key %s does not hold a string; delete it or use another --team-id", r->where,
                     key) < 0)
            *err = NULL;
        rc = -1;
    }
    freeReplyObject(rep);
    return rc;
}

int dwhi_redis_put(dwhi_redis *r, const char *key, const char *value, char **err) {
    *err = NULL;
    char ttl[24];
    snprintf(ttl, sizeof ttl, "%d", r->ttl_s);
    const char *argv[5] = {"SET", key, value, "EX", ttl};
    redisReply *rep = command(r, "writing the sync state", err, 5, argv, NULL);
    if (!rep) return -1;
    freeReplyObject(rep);
    return 0;
}

int dwhi_redis_del(dwhi_redis *r, const char *key, char **err) {
    *err = NULL;
    const char *argv[2] = {"DEL", key};
    redisReply *rep = command(r, "deleting the sync state", err, 2, argv, NULL);
    if (!rep) return -1;
    freeReplyObject(rep);
    return 0;
}

/* ---- job leases (lease.h) ---------------------------------------------- */

int dwhi_redis_lease_take(dwhi_redis *r, const char *key, const char *value, long long ttl_ms, char **holder,
                         char **err) {
    *err = NULL;
    *holder = NULL;
    char ttl[24];
    snprintf(ttl, sizeof ttl, "%lld", ttl_ms);
    const char *argv[6] = {"SET", key, value, "NX", "PX", ttl};
    redisReply *rep = command(r, "taking the job lease", err, 6, argv, NULL);
    if (!rep) return -1;
    int taken = rep->type == REDIS_REPLY_STATUS;
    freeReplyObject(rep);
    if (taken) return 1;
    if (dwhi_redis_get(r, key, holder, err) < 0) return -1;
    if (!*holder) return dwhi_redis_lease_take(r, key, value, ttl_ms, holder, err); /* expired meanwhile */
    return 0;
}

/* Runs a compare-and-act script on KEYS[1] = key, ARGV = args; its
 * integer reply (1: done, 0: the key held another value). */
static int lease_script(dwhi_redis *r, const char *doing, const char *script, const char *key, int nargs,
                        const char **args, char **err) {
    const char *argv[8] = {"EVAL", script, "1", key};
    for (int i = 0; i < nargs && i < 4; i++) argv[4 + i] = args[i];
    redisReply *rep = command(r, doing, err, 4 + nargs, argv, NULL);
    if (!rep) return -1;
    int rc = rep->type == REDIS_REPLY_INTEGER && rep->integer == 1;
    freeReplyObject(rep);
    return rc;
}

int dwhi_redis_lease_swap(dwhi_redis *r, const char *key, const char *expected, const char *value, long long ttl_ms,
                         char **err) {
    *err = NULL;
    char ttl[24];
    snprintf(ttl, sizeof ttl, "%lld", ttl_ms);
    const char *args[3] = {expected, value, ttl};
    return lease_script(r, "taking over the job lease",
                        "if redis.call('GET', KEYS[1]) == ARGV[1] then "
                        "redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end return 0",
                        key, 3, args, err);
}

int dwhi_redis_lease_renew(dwhi_redis *r, const char *key, const char *value, long long ttl_ms, char **err) {
    *err = NULL;
    char ttl[24];
    snprintf(ttl, sizeof ttl, "%lld", ttl_ms);
    const char *args[2] = {value, ttl};
    return lease_script(r, "renewing the job lease",
                        "if redis.call('GET', KEYS[1]) == ARGV[1] then "
                        "redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end return 0",
                        key, 2, args, err);
}

int dwhi_redis_lease_release(dwhi_redis *r, const char *key, const char *value, char **err) {
    *err = NULL;
    const char *args[1] = {value};
    return lease_script(r, "releasing the job lease",
                        "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end "
                        "return 0",
                        key, 1, args, err);
}
