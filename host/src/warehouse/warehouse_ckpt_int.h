/*
 * warehouse_ckpt_int.h -- the WAL folded into the file on a thread of its own,
 * so that a sync's commits do not wait for it.  Internal to warehouse/
 * (warehouse_sqlite.c starts and stops it).
 */
#ifndef DWHI_WAREHOUSE_CKPT_INT_H
#define DWHI_WAREHOUSE_CKPT_INT_H

#include <sqlite3.h>

typedef struct dwhi_wh_ckpt dwhi_wh_ckpt;

/* Pages of WAL after which the thread copies them into the file (the
 * default; 32 MiB of 16 KiB pages). */
#define DWHI_WH_CKPT_PAGES 2000

/* Starts a checkpointer for `db` (the warehouse's writing connection, file
 * `path`): it opens a connection of its own and replaces db's automatic
 * checkpoint (sqlite3_wal_hook): the thread copies the WAL once it holds
 * `pages` pages (0: DWHI_WH_CKPT_PAGES), the writer what is left at twice
 * that, and `autocheckpoint_pages` is restored at the stop.  NULL when it cannot start (db then keeps
 * SQLite's automatic checkpoint).  Stop with dwhi_wh_ckpt_stop() before
 * closing db. */
dwhi_wh_ckpt *dwhi_wh_ckpt_start(sqlite3 *db, const char *path, int pages, int autocheckpoint_pages);
/* WAL frames the thread has copied into the file so far (a count the
 * thread adds to after each of its checkpoints; 0 for NULL). */
long dwhi_wh_ckpt_copied(dwhi_wh_ckpt *c);
/* Stops the thread, closes its connection, restores db's automatic
 * checkpoint and frees.  NULL allowed. */
void dwhi_wh_ckpt_stop(dwhi_wh_ckpt *c);

#endif
