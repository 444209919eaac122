/* sync_lease.c -- a run's job leases and their heartbeat (see
 * sync_lease.h and lease.h). */
#include "sync_lease.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"

struct sync_lease_set {
    sync_lease_args a;
    dwhi_lease_owner me;
    char *me_json;       /* the Redis value */
    char **redis_keys;   /* per job; NULL without Redis */
    atomic_int *lost;    /* per job: the heartbeat saw another owner */
    int held;            /* the leases were taken (release them) */
    /* heartbeat */
    pthread_t thread;
    int thread_running;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    dwhi_warehouse *hb_w;
    dwhi_redis *hb_redis;
};

static char *lease_redis_key(const dwhi_state_key *k) {
    char *state = dwhi_state_redis_key(k), *out = NULL;
    const char *prefix = "dwhost:resumable:";
    if (state && !strncmp(state, prefix, strlen(prefix)) &&
        asprintf(&out, "dwhost:lease:%s", state + strlen(prefix)) < 0)
        out = NULL;
    free(state);
    return out;
}

static const char *job_name(const dwhi_state_key *k, char *buf, size_t cap) {
    snprintf(buf, cap, "%s/%s", k->source_id ? k->source_id : "", k->schema ? k->schema : "");
    return buf;
}

static int is_me(const dwhi_lease_owner *me, const dwhi_lease_owner *o) {
    return o->job_id && !strcmp(o->job_id, me->job_id) && o->host && !strcmp(o->host, me->host) && o->pid == me->pid;
}

static char *held_message(const dwhi_state_key *k, const dwhi_lease_owner *o) {
    char name[512], *msg = NULL;
    if (asprintf(&msg,
                 "%s is already running (job %s, pid %lld on %s, since %s); wait for it or, if it died, rerun "
                 "with --break-lease",
                 job_name(k, name, sizeof name), o->job_id ? o->job_id : "?", o->pid, o->host ? o->host : "?",
                 o->started_at && *o->started_at ? o->started_at : "?") < 0)
        msg = NULL;
    return msg ? msg : strdup("the job is already running");
}

/* Why a held lease may be taken over (NULL: it may not). */
static const char *takeover_reason(const sync_lease_set *s, const dwhi_lease_owner *o, int check_heartbeat) {
    if (s->a.break_lease) return "--break-lease";
    if (dwhi_lease_owner_dead(o)) return "its process is gone";
    if (check_heartbeat && dwhi_lease_now_ms() - o->heartbeat_ms > s->a.timeout_ms) return "its heartbeat stopped";
    return NULL;
}

static void log_takeover(const sync_lease_set *s, const dwhi_state_key *k, const dwhi_lease_owner *o,
                         const char *reason, const char *where) {
    char name[512];
    dwhi_log(s->a.log, DW_LOG_WARN, "sync.lease.takeover",
            "taking over %s from job %s (pid %lld on %s, since %s) in the %s: %s", job_name(k, name, sizeof name),
            o->job_id ? o->job_id : "?", o->pid, o->host ? o->host : "?", o->started_at ? o->started_at : "?", where,
            reason);
}

/* The warehouse leases, in one transaction: all or none. */
static int take_warehouse(sync_lease_set *s, char **err, int *running, int *wh_error) {
    dwhi_warehouse *w = s->a.w;
    if (dwhi_wh_begin(w, err) < 0) {
        *wh_error = 1;
        return -1;
    }
    for (size_t i = 0; i < s->a.n_keys; i++) {
        dwhi_lease_owner o = {0};
        if (dwhi_wh_lease_get(w, &s->a.keys[i], &o, err) < 0) {
            *wh_error = 1;
            goto fail;
        }
        if (o.job_id && !is_me(&s->me, &o)) {
            const char *why = takeover_reason(s, &o, 1);
            if (!why) {
                *running = 1;
                *err = held_message(&s->a.keys[i], &o);
                dwhi_lease_owner_clear(&o);
                goto fail;
            }
            log_takeover(s, &s->a.keys[i], &o, why, "warehouse");
        }
        dwhi_lease_owner_clear(&o);
        if (dwhi_wh_lease_put(w, &s->a.keys[i], &s->me, err) < 0) {
            *wh_error = 1;
            goto fail;
        }
    }
    if (dwhi_wh_commit(w, err) < 0) {
        *wh_error = 1;
        return -1;
    }
    return 0;
fail:
    dwhi_wh_rollback(w);
    return -1;
}

static int take_redis(sync_lease_set *s, size_t i, char **err, int *running) {
    for (int attempt = 0; attempt < 5; attempt++) {
        char *holder = NULL;
        int rc = dwhi_redis_lease_take(s->a.redis, s->redis_keys[i], s->me_json, s->a.timeout_ms, &holder, err);
        if (rc != 0) return rc < 0 ? -1 : 0;
        dwhi_lease_owner o = {0};
        int parsed = dwhi_lease_owner_parse(holder, &o) == 0;
        /* expiry (PX) already retires an owner whose heartbeat stopped */
        const char *why = !parsed ? "the lease value is unreadable" : takeover_reason(s, &o, 0);
        if (!why) {
            *running = 1;
            *err = held_message(&s->a.keys[i], &o);
            dwhi_lease_owner_clear(&o);
            free(holder);
            return -1;
        }
        log_takeover(s, &s->a.keys[i], &o, why, "Redis");
        dwhi_lease_owner_clear(&o);
        rc = dwhi_redis_lease_swap(s->a.redis, s->redis_keys[i], holder, s->me_json, s->a.timeout_ms, err);
        free(holder);
        if (rc != 0) return rc < 0 ? -1 : 0;
        /* it changed meanwhile: look again */
    }
    *err = strdup("the job lease in Redis keeps changing hands; is another sync of this job starting? rerun later");
    *running = 1;
    return -1;
}

static void *heartbeat(void *ud) {
    sync_lease_set *s = ud;
    long long every = s->a.timeout_ms / 4 > 0 ? s->a.timeout_ms / 4 : 1;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += every / 1000;
        until.tv_nsec += (every % 1000) * 1000000;
        if (until.tv_nsec >= 1000000000) until.tv_sec++, until.tv_nsec -= 1000000000;
        while (!s->stop && pthread_cond_timedwait(&s->cv, &s->mu, &until) == 0) {
        }
        if (s->stop) break;
        pthread_mutex_unlock(&s->mu);
        char *err = NULL;
        if (s->a.w && !s->hb_w) {
            dwhi_wh_options wo = s->a.wo;
            wo.busy_timeout_ms = 1000;
            s->hb_w = dwhi_wh_open(dwhi_wh_path(s->a.w), &wo, &err);
            free(err);
            err = NULL;
        }
        if (s->a.redis && !s->hb_redis) {
            s->hb_redis = dwhi_redis_open(s->a.redis_url, 0, s->a.redis_timeout_ms, NULL, &err);
            free(err);
            err = NULL;
        }
        /* Failures (locked, Redis down) are retried on the next beat; the
         * commits check the lease themselves. */
        for (size_t i = 0; i < s->a.n_keys; i++) {
            if (atomic_load(&s->lost[i])) continue;
            int rc = 1;
            if (s->hb_w) {
                rc = dwhi_wh_lease_renew(s->hb_w, &s->a.keys[i], s->me.job_id, dwhi_lease_now_ms(), &err);
                free(err);
                err = NULL;
            }
            if (rc != 0 && s->hb_redis) {
                rc = dwhi_redis_lease_renew(s->hb_redis, s->redis_keys[i], s->me_json, s->a.timeout_ms, &err);
                free(err);
                err = NULL;
            }
            if (rc == 0) atomic_store(&s->lost[i], 1);
        }
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static void set_free(sync_lease_set *s) {
    for (size_t i = 0; s->redis_keys && i < s->a.n_keys; i++) free(s->redis_keys[i]);
    free(s->redis_keys);
    free((void *)s->lost);
    free(s->me_json);
    dwhi_lease_owner_clear(&s->me);
    free(s);
}

sync_lease_set *sync_lease_acquire(const sync_lease_args *a, char **err, int *running, int *wh_error) {
    *err = NULL;
    *running = *wh_error = 0;
    sync_lease_set *s = calloc(1, sizeof *s);
    if (!s) goto oom;
    s->a = *a;
    if (s->a.timeout_ms <= 0) s->a.timeout_ms = DWHI_LEASE_DEFAULT_TIMEOUT_MS;
    s->lost = calloc(a->n_keys ? a->n_keys : 1, sizeof *s->lost);
    if (!s->lost || dwhi_lease_owner_self(&s->me, a->job_id) < 0 || !(s->me_json = dwhi_lease_owner_json(&s->me)))
        goto oom;
    if (a->redis) {
        if (!(s->redis_keys = calloc(a->n_keys ? a->n_keys : 1, sizeof *s->redis_keys))) goto oom;
        for (size_t i = 0; i < a->n_keys; i++)
            if (!(s->redis_keys[i] = lease_redis_key(&a->keys[i]))) goto oom;
    }
    if (a->w && take_warehouse(s, err, running, wh_error) < 0) {
        set_free(s);
        return NULL;
    }
    s->held = 1;
    for (size_t i = 0; a->redis && i < a->n_keys; i++) {
        if (take_redis(s, i, err, running) < 0) {
            /* give back what was taken */
            for (size_t k = 0; k < i; k++) {
                char *e = NULL;
                dwhi_redis_lease_release(a->redis, s->redis_keys[k], s->me_json, &e);
                free(e);
            }
            if (s->redis_keys) {
                for (size_t k = i; k < a->n_keys; k++) {
                    free(s->redis_keys[k]);
                    s->redis_keys[k] = NULL;
                }
            }
            s->a.redis = NULL;
            sync_lease_release(s);
            return NULL;
        }
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if (pthread_create(&s->thread, NULL, heartbeat, s) == 0) s->thread_running = 1;
    return s;
oom:
    if (s) set_free(s);
    *err = strdup("out of memory taking the job lease");
    return NULL;
}

int sync_lease_check(sync_lease_set *s, size_t i, char **err, int *wh_error) {
    *err = NULL;
    *wh_error = 0;
    if (!s || i >= s->a.n_keys) return 0;
    const dwhi_state_key *k = &s->a.keys[i];
    int held = !atomic_load(&s->lost[i]);
    if (held && s->a.w && dwhi_wh_in_transaction(s->a.w)) {
        int rc = dwhi_wh_lease_renew(s->a.w, k, s->me.job_id, dwhi_lease_now_ms(), err);
        if (rc < 0) {
            *wh_error = 1;
            return -1;
        }
        held = rc == 1;
    }
    if (held && s->a.redis) {
        int rc = dwhi_redis_lease_renew(s->a.redis, s->redis_keys[i], s->me_json, s->a.timeout_ms, err);
        if (rc < 0) return -1;
        held = rc == 1;
    }
    if (held) return 0;
    atomic_store(&s->lost[i], 1);
    dwhi_lease_owner o = {0};
    char *e = NULL, name[512];
    if (s->a.w && dwhi_wh_in_transaction(s->a.w)) dwhi_wh_lease_get(s->a.w, k, &o, &e);
    free(e);
    if (asprintf(err,
                 "%s: this run (job %s) lost its lease to %s%s%s%s -- it was stalled longer than the lease timeout "
                 "(%lld s); nothing of this batch was committed; the other run continues the job",
                 job_name(k, name, sizeof name), s->me.job_id, o.job_id ? "job " : "another run",
                 o.job_id ? o.job_id : "", o.host ? " on " : "", o.host ? o.host : "", s->a.timeout_ms / 1000) < 0)
        *err = NULL;
    dwhi_lease_owner_clear(&o);
    return 1;
}

void sync_lease_release(sync_lease_set *s) {
    if (!s) return;
    if (s->thread_running) {
        pthread_mutex_lock(&s->mu);
        s->stop = 1;
        pthread_cond_signal(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->thread, NULL);
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->cv);
    }
    dwhi_wh_close(s->hb_w);
    dwhi_redis_close(s->hb_redis);
    char *err = NULL;
    if (s->held && s->a.w && dwhi_wh_begin(s->a.w, &err) == 0) {
        for (size_t i = 0; i < s->a.n_keys; i++) {
            dwhi_wh_lease_release(s->a.w, &s->a.keys[i], s->me.job_id, &err);
            free(err);
            err = NULL;
        }
        dwhi_wh_commit(s->a.w, &err);
    }
    free(err);
    for (size_t i = 0; s->held && s->a.redis && i < s->a.n_keys; i++) {
        err = NULL;
        if (s->redis_keys[i]) dwhi_redis_lease_release(s->a.redis, s->redis_keys[i], s->me_json, &err);
        free(err);
    }
    set_free(s);
}
