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
 * commit, so that the WAL is fully copied and the next transaction starts
 * it over from its beginning: the WAL stays bounded. */
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
    pthread_cond_t cv;
    int want, stop;
};

static int wal_hook(void *ud, sqlite3 *db, const char *name, int frames) {
    dwhi_wh_ckpt *c = ud;
    if (frames >= 2 * c->pages) {
        /* after the thread's copies, the rest; busy (the thread is
         * copying): the next commit tries again */
        (void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
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
        pthread_mutex_unlock(&c->mu);
        (void)sqlite3_wal_checkpoint_v2(c->db, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_lock(&c->mu);
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
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    if (pthread_create(&c->thread, NULL, run, c) != 0) {
        pthread_mutex_destroy(&c->mu);
        pthread_cond_destroy(&c->cv);
        sqlite3_close(c->db);
        free(c);
        return NULL;
    }
    sqlite3_wal_hook(writer, wal_hook, c);
    return c;
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
    sqlite3_close(c->db);
    free(c);
}
