/*
 * warehouse_int.h -- shared by warehouse_sqlite.c (connection,
 * errors, transactions), warehouse_table.c (tables, columns, writes) and
 * warehouse_state.c (the _dw_state table), warehouse_read.c (read-only
 * connections).  Not for other modules.
 */
#ifndef DWHI_WAREHOUSE_INTERNAL_H
#define DWHI_WAREHOUSE_INTERNAL_H

#include <stdarg.h>

#include "warehouse_sqlite.h"

struct dwhi_warehouse {
    sqlite3 *db;
    char *path;
    char id[33];
    int busy_timeout_ms;
    dwhi_wh_error last;
    unsigned generation; /* bumped on rollback: cached table layouts reload */
    sqlite3_stmt *state_get;
    sqlite3_stmt *state_put;
    sqlite3_stmt *lease_renew;
    struct dwhi_wh_ckpt *ckpt; /* background checkpoints (dwhi_wh_options.background_checkpoint) */
    int readonly;             /* dwhi_wh_open_readonly: closing never checkpoints */
};

/* Records the error kind of SQLite result `rc` and sets *err to one line:
 * "warehouse <path>: <what happened> while <doing>; <what to do>".
 * `doing` is printf-formatted.  Returns -1. */
int dwhi_wh_fail(dwhi_warehouse *w, int rc, char **err, const char *doing, ...)
    __attribute__((format(printf, 4, 5)));
/* Runs SQL without results; on error fails as above with `doing`. */
int dwhi_wh_exec(dwhi_warehouse *w, const char *sql, char **err, const char *doing);
/* A double-quoted SQL identifier ("" doubled), malloc'd; NULL on OOM. */
char *dwhi_wh_quote(const char *ident);
/* Non-zero when a table (or index, with type "index") of that name exists. */
int dwhi_wh_object_exists(dwhi_warehouse *w, const char *type, const char *name);
/* The staging table of `table`, malloc'd. */
char *dwhi_wh_staging_name(const char *table);

#endif
