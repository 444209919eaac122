/* sync_writer.c -- a run's batches committed on a thread of their own (see
 * sync_writer.h). */
#include "sync_writer.h"

#include "base/array_grow.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct sync_writer {
    sync_job *j;
    pthread_t thread;
    int running;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int has_work; /* a batch waits or is being committed */
    int stop;
    int failed;   /* a commit failed: the job's failure says why */
    /* the batch handed over, in the writer's own memory */
    dwhi_batch b;
    dwhi_batch_mem mem;
    char *state;
    dwhi_keydict *keys; /* names as they were when the batch was cut */
};

static void *writer_main(void *ud) {
    sync_writer *w = ud;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->has_work && !w->stop) pthread_cond_wait(&w->cv, &w->mu);
        if (!w->has_work) break;
        pthread_mutex_unlock(&w->mu);
        int rc = sync_commit_batch(w->j, &w->b);
        pthread_mutex_lock(&w->mu);
        if (rc < 0) w->failed = 1;
        w->has_work = 0;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

sync_writer *sync_writer_start(sync_job *j) {
    sync_writer *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->j = j;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        free(w);
        return NULL;
    }
    w->running = 1;
    return w;
}

/* Moves b into the writer's memory (the writer is idle): by trading
 * arrays with the batcher when b is all it holds, else by copying. */
static int take(sync_writer *w, dwhi_batcher *src, const dwhi_batch *b) {
    dwhi_batch_mem *m = &w->mem;
    int traded = 0;
    if (!src || !(traded = dwhi_batcher_trade(src, m))) {
        if (dwhi_array_grow((void **)&m->rows, &m->cap_rows, b->n, sizeof *m->rows, 64) < 0 ||
            dwhi_array_grow((void **)&m->cells, &m->cap_cells, b->n_cells, sizeof *m->cells, 64) < 0 ||
            dwhi_array_grow((void **)&m->arena, &m->cap_arena, b->arena_len + 1, 1, 64) < 0)
            return -1;
    }
    char *state = b->state ? strdup(b->state) : NULL;
    dwhi_keydict *keys = dwhi_keydict_snapshot(b->keys);
    if ((b->state && !state) || !keys) {
        free(state);
        dwhi_keydict_free(keys);
        return -1;
    }
    if (!traded) {
        if (b->n) memcpy(m->rows, b->rows, b->n * sizeof *m->rows);
        if (b->n_cells) memcpy(m->cells, b->cells, b->n_cells * sizeof *m->cells);
        if (b->arena_len) memcpy(m->arena, b->arena, b->arena_len);
    }
    free(w->state);
    dwhi_keydict_free(w->keys);
    w->state = state;
    w->keys = keys;
    w->b = *b;
    w->b.rows = m->rows;
    w->b.cells = m->cells;
    w->b.arena = m->arena;
    w->b.keys = w->keys;
    w->b.state = w->state;
    return 0;
}

int sync_writer_put(sync_writer *w, dwhi_batcher *src, const dwhi_batch *b) {
    pthread_mutex_lock(&w->mu);
    while (w->has_work) pthread_cond_wait(&w->cv, &w->mu);
    int rc = -1;
    if (w->failed) {
        rc = -1;
    } else if (take(w, src, b) < 0) {
        w->failed = 1;
        pthread_mutex_unlock(&w->mu);
        return sync_fail(w->j, DWH_SYNC_FAIL_WAREHOUSE, "out of memory handing a batch to the writer");
    } else {
        w->has_work = 1;
        pthread_cond_broadcast(&w->cv);
        rc = 0;
    }
    pthread_mutex_unlock(&w->mu);
    return rc;
}

int sync_writer_drain(sync_writer *w) {
    if (!w) return 0;
    pthread_mutex_lock(&w->mu);
    while (w->has_work) pthread_cond_wait(&w->cv, &w->mu);
    int rc = w->failed ? -1 : 0;
    pthread_mutex_unlock(&w->mu);
    return rc;
}

void sync_writer_stop(sync_writer *w) {
    if (!w) return;
    if (w->running) {
        pthread_mutex_lock(&w->mu);
        w->stop = 1;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->thread, NULL);
    }
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w->mem.rows);
    free(w->mem.cells);
    free(w->mem.arena);
    free(w->state);
    dwhi_keydict_free(w->keys);
    free(w);
}

/* Cuts and commits while the buffer is full (at its last resume point, or
 * wholesale when it holds none). */
int sync_flush_full(sync_job *j) {
    while (dwhi_batcher_full(j->batcher)) {
        dwhi_batch b;
        if (dwhi_batcher_cut(j->batcher, DWHI_CUT_FULL, &b) < 0)
            return sync_fail(j, DWH_SYNC_FAIL_WAREHOUSE, "out of memory cutting a batch");
        int rc = j->writer ? sync_writer_put(j->writer, j->batcher, &b) : sync_commit_batch(j, &b);
        dwhi_batcher_release(j->batcher);
        if (rc < 0) return -1;
    }
    return 0;
}
