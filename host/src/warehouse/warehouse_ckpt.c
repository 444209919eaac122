/* warehouse_ckpt.c -- the WAL folded into the file on a thread of its own
 * (see warehouse_ckpt_int.h).
 *
 * Why: in WAL mode every page is written twice, to the WAL at commit and
 * into the file at a checkpoint.  SQLite's automatic checkpoint runs
 * inside the COMMIT that crosses the threshold, so the sync's writer stops
 * for it and the parsing thread soon waits for the writer.  Here a
 * second connection copies the WAL while the writer goes on (a PASSIVE
 * checkpoint never blocks a writer); the writer itself only checkpoints
 * what little is left once the WAL is twice the threshold, right after a
 * commit (waiting for a copy of the thread's under way), so that the WAL is
 * fully copied and the next transaction starts it over from its beginning:
 * the WAL stays bounded. */
#include "warehouse_ckpt_int.h"

#include <pthread.h>
#include <stdlib.h>

struct dwhi_wh_ckpt {
    sqlite3 *writer; /* borrowed */
    sqlite3 *db;     /* the thread's own connection */
    int autocheckpoint;
    int pages;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;   /* wakes the thread */
    pthread_cond_t idle; /* the thread's copy has ended */
    int want, stop;
    int copying;         /* the thread is in a checkpoint */
    long copied; /* frames the thread has copied (under mu) */
};

static int wal_hook(void *ud, sqlite3 *db, const char *name, int frames) {
    dwhi_wh_ckpt *c = ud;
    if (frames >= 2 * c->pages) {
        /* The thread lags: the writer waits for its copy to end, then
         * copies the rest itself, so that the WAL is whole in the file and
         * the next transaction starts it over (a PASSIVE checkpoint beside
         * the thread's would only find the checkpoint lock taken, and the
         * WAL would grow without bound while commits are quick). */
        pthread_mutex_lock(&c->mu);
        while (c->copying) pthread_cond_wait(&c->idle, &c->mu);
        c->want = 0;
        (void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_unlock(&c->mu);
    } else if (frames >= c->pages) {
        pthread_mutex_lock(&c->mu);
        c->want = 1;
        pthread_cond_signal(&c->cv);
        pthread_mutex_unlock(&c->mu);
    }
    return SQLITE_OK;
}

static void *run(void *ud) {
    dwhi_wh_ckpt *c = ud;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->want && !c->stop) pthread_cond_wait(&c->cv, &c->mu);
        if (c->stop) break;
        c->want = 0;
        c->copying = 1;
        pthread_mutex_unlock(&c->mu);
        int copied = 0;
        if (sqlite3_wal_checkpoint_v2(c->db, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, &copied) != SQLITE_OK)
            copied = 0;
        pthread_mutex_lock(&c->mu);
        if (copied > 0) c->copied += copied;
        c->copying = 0;
        pthread_cond_broadcast(&c->idle);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

dwhi_wh_ckpt *dwhi_wh_ckpt_start(sqlite3 *writer, const char *path, int pages, int autocheckpoint_pages) {
    dwhi_wh_ckpt *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->writer = writer;
    c->autocheckpoint = autocheckpoint_pages;
    c->pages = pages > 0 ? pages : DWHI_WH_CKPT_PAGES;
    if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        sqlite3_close(c->db);
        free(c);
        return NULL;
    }
    /* closing must not take the whole file's lock (see warehouse_sqlite.c) */
    sqlite3_db_config(c->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
    /* A connection learns that the file is in WAL mode when it first
     * reads it; until then sqlite3_wal_checkpoint_v2() does nothing and
     * says so only through its -1 frame counts. */
    sqlite3_exec(c->db, "PRAGMA schema_version", NULL, NULL, NULL);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    pthread_cond_init(&c->idle, NULL);
    if (pthread_create(&c->thread, NULL, run, c) != 0) {
        pthread_mutex_destroy(&c->mu);
        pthread_cond_destroy(&c->cv);
        pthread_cond_destroy(&c->idle);
        sqlite3_close(c->db);
        free(c);
        return NULL;
    }
    sqlite3_wal_hook(writer, wal_hook, c);
    return c;
}

long dwhi_wh_ckpt_copied(dwhi_wh_ckpt *c) {
    if (!c) return 0;
    pthread_mutex_lock(&c->mu);
    long n = c->copied;
    pthread_mutex_unlock(&c->mu);
    return n;
}

void dwhi_wh_ckpt_stop(dwhi_wh_ckpt *c) {
    if (!c) return;
    /* the writer's own automatic checkpoint again (this also removes the hook) */
    sqlite3_wal_autocheckpoint(c->writer, c->autocheckpoint);
    pthread_mutex_lock(&c->mu);
    c->stop = 1;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    pthread_cond_destroy(&c->idle);
    sqlite3_close(c->db);
    free(c);
}
