/* warehouse_sqlite.c -- the warehouse connection: opening, errors,
 * transactions, naming (see warehouse_sqlite.h). */
#include "run_history.h"
#include "warehouse_ckpt_int.h"
#include "warehouse_int.h"
#include "webhook_inbox.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define WAREHOUSE_FORMAT "1"

static dwhi_wh_error classify(int rc) {
    switch (rc & 0xff) {
    case SQLITE_OK: return DWHI_WH_OK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return DWHI_WH_LOCKED;
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_AUTH: return DWHI_WH_READONLY;
    case SQLITE_FULL: return DWHI_WH_FULL;
    case SQLITE_IOERR: return DWHI_WH_IO;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return DWHI_WH_CORRUPT;
    case SQLITE_NOMEM: return DWHI_WH_NOMEM;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE: return DWHI_WH_DATA;
    default: return DWHI_WH_OTHER;
    }
}

int dwhi_wh_fail(dwhi_warehouse *w, int rc, char **err, const char *doing, ...) {
    char *what = NULL;
    va_list ap;
    va_start(ap, doing);
    if (vasprintf(&what, doing, ap) < 0) what = NULL;
    va_end(ap);
    dwhi_wh_error kind = classify(rc);
    w->last = kind;
    const char *path = w->path;
    const char *sqlmsg = w->db ? sqlite3_errmsg(w->db) : sqlite3_errstr(rc);
    int sys = w->db ? sqlite3_system_errno(w->db) : 0;
    /* ENOSPC or EDQUOT surface as I/O errors from fsync and friends. */
    if (kind == DWHI_WH_IO && (sys == ENOSPC || sys == EDQUOT)) kind = w->last = DWHI_WH_FULL;
    const char *d = what ? what : "writing";
    int n = -1;
    switch (kind) {
    case DWHI_WH_LOCKED:
        n = asprintf(err,
                     "warehouse %s is locked by another writer (another dwhost sync?) and stayed locked for "
                     "%d s while %s; wait for it to finish or use another --warehouse",
                     path, w->busy_timeout_ms / 1000, d);
        break;
    case DWHI_WH_READONLY:
        n = asprintf(err,
                     "warehouse %s cannot be written (%s) while %s; make the file and its directory writable "
                     "or choose another --warehouse",
                     path, sys ? strerror(sys) : "read-only file, directory or filesystem", d);
        break;
    case DWHI_WH_FULL:
        /* The commits before this one may be only in the WAL: fold them
         * into the file if the disk still allows it, else say that the
         * -wal file must travel with the database.  (Every caller rolls
         * back on an error; this one must first, to checkpoint.) */
        if (w->db) dwhi_wh_rollback(w);
        if (w->db && dwhi_wh_checkpoint(w) == 0)
            n = asprintf(err,
                         "warehouse %s: the disk is full while %s; nothing of this batch was committed, and every "
                         "earlier commit is in %s itself (its WAL was folded in); free space (or move %s to a bigger "
                         "disk) and rerun to resume",
                         path, d, path, path);
        else
            n = asprintf(err,
                         "warehouse %s: the disk is full while %s; nothing of this batch was committed; the batches "
                         "committed before it may be only in %s-wal, so keep that file next to %s (move or copy "
                         "both together, never %s alone); free space (or move both to a bigger disk) and rerun to "
                         "resume: the rerun folds %s-wal into %s",
                         path, d, path, path, path, path, path);
        break;
    case DWHI_WH_IO:
        n = asprintf(err, "warehouse %s: I/O error (%s) while %s; check the disk, then rerun to resume", path,
                     sys ? strerror(sys) : sqlmsg, d);
        break;
    case DWHI_WH_CORRUPT:
        n = asprintf(err,
                     "warehouse %s is not a SQLite database or is damaged (%s); move it away or choose "
                     "another --warehouse",
                     path, sqlmsg);
        break;
    case DWHI_WH_NOMEM: n = asprintf(err, "warehouse %s: out of memory while %s", path, d); break;
    default: n = asprintf(err, "warehouse %s: %s while %s", path, sqlmsg, d); break;
    }
    if (n < 0) *err = NULL;
    free(what);
    return -1;
}

int dwhi_wh_exec(dwhi_warehouse *w, const char *sql, char **err, const char *doing) {
    int rc = sqlite3_exec(w->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK) return dwhi_wh_fail(w, rc, err, "%s", doing);
    return 0;
}

char *dwhi_wh_quote(const char *ident) {
    size_t n = 3;
    for (const char *p = ident; *p; p++) n += *p == '"' ? 2 : 1;
    char *q = malloc(n);
    if (!q) return NULL;
    char *o = q;
    *o++ = '"';
    for (const char *p = ident; *p; p++) {
        if (*p == '"') *o++ = '"';
        *o++ = *p;
    }
    *o++ = '"';
    *o = 0;
    return q;
}

int dwhi_wh_object_exists(dwhi_warehouse *w, const char *type, const char *name) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(w->db, "SELECT 1 FROM sqlite_master WHERE type = ?1 AND name = ?2", -1, &st, NULL))
        return 0;
    sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    int found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

char *dwhi_wh_staging_name(const char *table) {
    char *s = NULL;
    return asprintf(&s, "_dw_staging_%s", table) < 0 ? NULL : s;
}

char *dwhi_wh_table_name(const char *prefix, const char *source, const char *schema) {
    char *raw = NULL;
    if (asprintf(&raw, "%s%s_%s", prefix ? prefix : "", source ? source : "", schema ? schema : "") < 0)
        return NULL;
    for (char *p = raw; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 'A' && c <= 'Z') *p = (char)(c - 'A' + 'a');
        else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) *p = '_';
    }
    return raw;
}

/* Refuses, before SQLite silently opens read-only or fails obscurely, a
 * path that cannot be written: a directory, a read-only file, or a
 * missing or read-only parent directory (WAL needs to create files next
 * to the database). */
static int check_path(dwhi_warehouse *w, char **err) {
    struct stat st;
    char *copy = strdup(w->path);
    if (!copy) return dwhi_wh_fail(w, SQLITE_NOMEM, err, "opening");
    const char *dir = dirname(copy);
    int rc = 0;
    if (stat(w->path, &st) == 0 && S_ISDIR(st.st_mode)) {
        w->last = DWHI_WH_OTHER;
        rc = asprintf(err, "warehouse %s is a directory; give a file path with --warehouse", w->path) < 0 ? -2 : -1;
    } else if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        w->last = DWHI_WH_READONLY;
        rc = asprintf(err, "warehouse %s: directory %s does not exist; create it or choose another --warehouse",
                      w->path, dir) < 0 ? -2 : -1;
    } else if (access(dir, W_OK) != 0) {
        w->last = DWHI_WH_READONLY;
        rc = asprintf(err,
                      "warehouse %s cannot be written: directory %s is not writable (%s); make it writable or "
                      "choose another --warehouse",
                      w->path, dir, strerror(errno)) < 0 ? -2 : -1;
    } else if (access(w->path, F_OK) == 0 && access(w->path, W_OK) != 0) {
        w->last = DWHI_WH_READONLY;
        rc = asprintf(err, "warehouse %s cannot be written (%s); make it writable or choose another --warehouse",
                      w->path, strerror(errno)) < 0 ? -2 : -1;
    }
    free(copy);
    if (rc == -2) *err = NULL;
    return rc < 0 ? -1 : 0;
}

static int random_id(char out[33]) {
    unsigned char b[16];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) return -1;
    for (int i = 0; i < 16; i++) sprintf(out + 2 * i, "%02x", b[i]);
    return 0;
}

/* Creates the system tables and reads (or makes) the warehouse id. */
static int init_meta(dwhi_warehouse *w, char **err) {
    if (dwhi_wh_exec(w,
                    "CREATE TABLE IF NOT EXISTS _dw_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                    "CREATE TABLE IF NOT EXISTS _dw_state ("
                    " team_id TEXT NOT NULL, source_id TEXT NOT NULL, schema_name TEXT NOT NULL,"
                    " namespace TEXT NOT NULL DEFAULT '', seq INTEGER NOT NULL, resume TEXT,"
                    " write_mode TEXT, incremental_field TEXT, last_value TEXT, earliest_value TEXT,"
                    " pending_last_value TEXT, pending_earliest_value TEXT, run_last_value TEXT,"
                    " run_earliest_value TEXT, rows_past_resume INTEGER NOT NULL DEFAULT 0,"
                    " run_rows INTEGER NOT NULL DEFAULT 0, run_batches INTEGER NOT NULL DEFAULT 0,"
                    " job_id TEXT, updated_at TEXT,"
                    " PRIMARY KEY (team_id, source_id, schema_name, namespace));"
                    "CREATE TABLE IF NOT EXISTS _dw_lease ("
                    " team_id TEXT NOT NULL, source_id TEXT NOT NULL, schema_name TEXT NOT NULL,"
                    " namespace TEXT NOT NULL DEFAULT '', job_id TEXT NOT NULL, host TEXT NOT NULL,"
                    " pid INTEGER NOT NULL, pid_start INTEGER NOT NULL, started_at TEXT NOT NULL,"
                    " heartbeat_ms INTEGER NOT NULL,"
                    " PRIMARY KEY (team_id, source_id, schema_name, namespace));"
                    DWHI_WH_WEBHOOK_TABLES_SQL DWHI_WH_RUNS_TABLES_SQL,
                    err, "creating the system tables") < 0)
        return -1;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(w->db, "SELECT value FROM _dw_meta WHERE key = 'warehouse_id'", -1, &st, NULL);
    if (rc) return dwhi_wh_fail(w, rc, err, "reading the warehouse id");
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(w->id, sizeof w->id, "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        return 0;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return dwhi_wh_fail(w, rc, err, "reading the warehouse id");
    if (random_id(w->id) < 0) return dwhi_wh_fail(w, SQLITE_IOERR, err, "making the warehouse id");
    char *sql = sqlite3_mprintf("INSERT OR IGNORE INTO _dw_meta VALUES ('warehouse_id', %Q), ('format', %Q)", w->id,
                                WAREHOUSE_FORMAT);
    if (!sql) return dwhi_wh_fail(w, SQLITE_NOMEM, err, "writing the warehouse id");
    rc = dwhi_wh_exec(w, sql, err, "writing the warehouse id");
    sqlite3_free(sql);
    if (rc < 0) return -1;
    /* Another process may have won the race: read back what is stored. */
    if (sqlite3_prepare_v2(w->db, "SELECT value FROM _dw_meta WHERE key = 'warehouse_id'", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            snprintf(w->id, sizeof w->id, "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    return 0;
}

dwhi_warehouse *dwhi_whsq_open(const char *path, const dwhi_wh_options *opts, char **err) {
    *err = NULL;
    dwhi_warehouse *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path && *path ? path : DWHI_WAREHOUSE_DEFAULT_PATH)) || !(w->shown = strdup(w->path))) {
        if (w) free(w->path);
        free(w);
        *err = strdup("out of memory opening the warehouse");
        return NULL;
    }
    w->be = &dwhi_wh_sqlite_backend;
    w->busy_timeout_ms = opts && opts->busy_timeout_ms > 0 ? opts->busy_timeout_ms : 5000;
    if (check_path(w, err) < 0) goto fail;
    int rc = sqlite3_open_v2(w->path, &w->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        dwhi_wh_fail(w, rc, err, "opening");
        goto fail;
    }
    sqlite3_extended_result_codes(w->db, 1);
    sqlite3_busy_timeout(w->db, w->busy_timeout_ms);
    /* SQLite's checkpoint on closing the last connection takes an
     * exclusive lock on the file: a reader without a busy timeout (the
     * sqlite3 shell) opening meanwhile gets "database is locked".
     * dwhi_wh_close() checkpoints without it instead. */
    sqlite3_db_config(w->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
    if (sqlite3_db_readonly(w->db, "main") == 1) {
        dwhi_wh_fail(w, SQLITE_READONLY, err, "opening");
        goto fail;
    }
    /* 16 KiB pages for a new file: fewer B-tree pages and WAL frames per
     * batch, faster scans; an existing file keeps its page size. */
    if (dwhi_wh_exec(w, "PRAGMA page_size=16384", err, "opening") < 0) goto fail;
    /* journal_mode=WAL: readers keep their snapshot while a batch or a
     * full-refresh swap commits; synchronous=NORMAL: commits survive a
     * process crash (a power loss may roll back the last ones, batch and
     * state together). */
    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(w->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 0), "wal") != 0) {
        sqlite3_finalize(st);
        w->last = DWHI_WH_OTHER;
        if (asprintf(err, "warehouse %s: cannot switch to WAL mode (is it on a network filesystem?); use a local path",
                     w->path) < 0)
            *err = NULL;
        goto fail;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW) {
        dwhi_wh_fail(w, rc, err, "opening");
        goto fail;
    }
    /* cache_size: 8 MiB instead of SQLite's 2: a batch of a few thousand
     * rows dirties more pages than 2 MiB hold, and pages spilled to the WAL
     * mid-transaction were read back and written again (100k GitHub rows:
     * 17.3k -> 14.3k page reads, 44.4k -> 41.4k writes; peak RSS 40 -> 47
     * MiB, flat; 16 MiB saves a little more but lifts a 41 MB page's sync
     * over twice the page, tests/transport/test_big_page.py).
     * Checkpoint every ~40 MB of WAL instead of SQLite's 4 MB: a sync
     * commits a batch every few thousand rows, and each checkpoint syncs the
     * file; the WAL is cut back to 64 MB after one. */
    if (dwhi_wh_exec(w,
                    "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-8192;"
                    " PRAGMA wal_autocheckpoint=10000; PRAGMA journal_size_limit=67108864",
                    err, "opening") < 0)
        goto fail;
    if (opts && opts->max_page_count > 0) {
        char *sql = sqlite3_mprintf("PRAGMA max_page_count=%lld", (long long)opts->max_page_count);
        rc = dwhi_wh_exec(w, sql, err, "opening");
        sqlite3_free(sql);
        if (rc < 0) goto fail;
    }
    if (init_meta(w, err) < 0) goto fail;
    /* best effort: without the thread, SQLite checkpoints inside commits */
    if (opts && opts->background_checkpoint) w->ckpt = dwhi_wh_ckpt_start(w->db, w->path, opts->checkpoint_pages, 10000);
    return w;
fail:
    if (!*err) *err = strdup("out of memory opening the warehouse");
    dwhi_wh_close(w);
    return NULL;
}

void dwhi_whsq_close(dwhi_warehouse *w) {
    if (!w) return;
    if (w->db) {
        dwhi_wh_rollback(w);
        dwhi_wh_ckpt_stop(w->ckpt);
        if (!w->readonly) dwhi_wh_checkpoint(w);
        sqlite3_finalize(w->state_get);
        sqlite3_finalize(w->state_put);
        sqlite3_finalize(w->lease_renew);
        sqlite3_close_v2(w->db);
    }
    free(w->path);
    free(w->shown);
    free(w);
}

int dwhi_wh_checkpoint(dwhi_warehouse *w) {
    /* Best effort and short: a reader holding an old snapshot, or another
     * run's writer, makes it copy what it can and leave the WAL as it is
     * (the writer's own busy wait must stay far below other runs'). */
    sqlite3_busy_timeout(w->db, w->busy_timeout_ms < 1000 ? w->busy_timeout_ms : 1000);
    int log = -1, done = -1;
    int rc = sqlite3_wal_checkpoint_v2(w->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
    sqlite3_busy_timeout(w->db, w->busy_timeout_ms);
    return rc == SQLITE_OK && log == 0 ? 0 : -1;
}

const char *dwhi_wh_path(const dwhi_warehouse *w) { return w->path; }
const char *dwhi_wh_id(const dwhi_warehouse *w) { return w->id; }
sqlite3 *dwhi_wh_db(dwhi_warehouse *w) { return w->db; }
long dwhi_wh_background_copied(dwhi_warehouse *w) { return w->ckpt ? dwhi_wh_ckpt_copied(w->ckpt) : 0; }
dwhi_wh_error dwhi_wh_last_error(const dwhi_warehouse *w) { return w->last; }

int dwhi_whsq_in_transaction(dwhi_warehouse *w) { return !sqlite3_get_autocommit(w->db); }

int dwhi_whsq_begin(dwhi_warehouse *w, char **err) {
    return dwhi_wh_exec(w, "BEGIN IMMEDIATE", err, "starting a transaction");
}

int dwhi_whsq_commit(dwhi_warehouse *w, char **err) {
    int rc = sqlite3_exec(w->db, "COMMIT", NULL, NULL, NULL);
    if (rc == SQLITE_OK) return 0;
    dwhi_wh_fail(w, rc, err, "committing");
    dwhi_wh_rollback(w);
    return -1;
}

void dwhi_whsq_rollback(dwhi_warehouse *w) {
    /* SQLite may already have rolled back by itself (SQLITE_FULL...). */
    if (!sqlite3_get_autocommit(w->db)) sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
    w->generation++;
}

int dwhi_whsq_table_exists(dwhi_warehouse *w, const char *table) { return dwhi_wh_object_exists(w, "table", table); }

int64_t dwhi_whsq_count(dwhi_warehouse *w, const char *table) {
    if (!dwhi_wh_object_exists(w, "table", table)) return 0;
    char *q = dwhi_wh_quote(table);
    char *sql = q ? sqlite3_mprintf("SELECT count(*) FROM %s", q) : NULL;
    free(q);
    if (!sql) return -1;
    sqlite3_stmt *st = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(w->db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return n;
}

const dwhi_wh_backend dwhi_wh_sqlite_backend = {
    .name = "sqlite",
    .close = dwhi_whsq_close,
    .begin = dwhi_whsq_begin,
    .commit = dwhi_whsq_commit,
    .rollback = dwhi_whsq_rollback,
    .in_transaction = dwhi_whsq_in_transaction,
    .table_exists = dwhi_whsq_table_exists,
    .count = dwhi_whsq_count,
    .staging_exists = dwhi_whsq_staging_exists,
    .staging_drop = dwhi_whsq_staging_drop,
    .table_open = dwhi_whsq_table_open,
    .table_close = dwhi_whsq_table_close,
    .table_keep_last = dwhi_whsq_table_keep_last,
    .table_repeated = dwhi_whsq_table_repeated,
    .write = dwhi_whsq_write,
    .finish = dwhi_whsq_finish,
    .state_get = dwhi_whsq_state_get,
    .state_put = dwhi_whsq_state_put,
    .state_delete = dwhi_whsq_state_delete,
    .lease_get = dwhi_whsq_lease_get,
    .lease_put = dwhi_whsq_lease_put,
    .lease_renew = dwhi_whsq_lease_renew,
    .lease_release = dwhi_whsq_lease_release,
    .run_begin = dwhi_whsq_run_begin,
    .run_schemas_put = dwhi_whsq_run_schemas_put,
    .run_end = dwhi_whsq_run_end,
    .inbox_add = dwhi_whsq_inbox_add,
    .inbox_next = dwhi_whsq_inbox_next,
    .inbox_pending = dwhi_whsq_inbox_pending,
    .webhook_cursor_get = dwhi_whsq_webhook_cursor_get,
    .webhook_cursor_put = dwhi_whsq_webhook_cursor_put,
    .webhook_mark_synced = dwhi_whsq_webhook_mark_synced,
    .webhook_skip_before = dwhi_whsq_webhook_skip_before,
    .inbox_gc = dwhi_whsq_inbox_gc,
    .inbox_drop = dwhi_whsq_inbox_drop,
    .read_states = dwhi_whsq_read_states,
    .read_stateless_jobs = dwhi_whsq_read_stateless_jobs,
    .read_leases = dwhi_whsq_read_leases,
    .lease_fresh = dwhi_whsq_lease_fresh,
    .read_webhooks_pending = dwhi_whsq_read_webhooks_pending,
    .read_runs = dwhi_whsq_read_runs,
    .read_run_schemas = dwhi_whsq_read_run_schemas,
    .read_last_run = dwhi_whsq_read_last_run,
};
