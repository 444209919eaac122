/* warehouse_table.c -- a run's target table: column layout, schema
 * evolution, merge/replace/append writes (see warehouse_sqlite.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/md5.h"
#include "base/text.h"
#include "warehouse_int.h"

#define COL_SYNCED_AT "_dw_synced_at"
#define COL_PARTITION "_dw_partition_key"

typedef struct wh_col {
    char *name; /* SQL column name */
    char *key;  /* the JSON key it holds; NULL for _dw_ columns */
} wh_col;

struct dwhi_wh_table {
    dwhi_warehouse *w;
    char *table;   /* the final table */
    char *target;  /* the table written: `table`, or its staging table */
    char *qtarget; /* quoted */
    dwhi_write_mode mode;
    char **pk;     /* JSON keys */
    size_t n_pk;
    unsigned generation; /* w->generation the layout below belongs to */
    int loaded, exists, index_ok;
    int strict;            /* a STRICT table (made by this version): data columns are ANY */
    wh_col *cols;
    size_t n_cols, cap_cols;
    json_object *by_key;   /* JSON key -> column index */
    json_object *by_lname; /* ASCII-lowercased SQL name -> column index */
    int32_t *key_col;      /* batch key id -> column index; -1: not resolved yet */
    size_t n_key_col;
    int synced_idx, part_idx;
    sqlite3_stmt *insert;  /* for the current column set */
    int run_param;         /* merge: index of :run_started in insert, else 0 */
    int keep_last;         /* keys may repeat in a run: the last row wins */
    int direct;            /* replace writing into `table` itself (DWHI_TARGET_DIRECT) */
    uint64_t repeated;     /* rows of this run replaced by a later row of their key */
};

static void lower_ascii(char *s) {
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z') *s = (char)(*s - 'A' + 'a');
}

static int map_get(json_object *map, const char *k) {
    json_object *v;
    return json_object_object_get_ex(map, k, &v) ? json_object_get_int(v) : -1;
}

static void forget_layout(dwhi_wh_table *t) {
    for (size_t i = 0; i < t->n_cols; i++) {
        free(t->cols[i].name);
        free(t->cols[i].key);
    }
    t->n_cols = 0;
    json_object_put(t->by_key);
    json_object_put(t->by_lname);
    t->by_key = t->by_lname = NULL;
    free(t->key_col);
    t->key_col = NULL;
    t->n_key_col = 0;
    sqlite3_finalize(t->insert);
    t->insert = NULL;
    t->loaded = t->exists = t->index_ok = t->strict = 0;
    t->synced_idx = t->part_idx = -1;
}

/* The stable name of a key that cannot be its own column name. */
static char *suffixed_name(const char *key) {
    char hex[33], *out = NULL;
    if (dwhi_md5_hex(key, strlen(key), hex) < 0) return NULL;
    return asprintf(&out, "%s__%.8s", key, hex) < 0 ? NULL : out;
}

/* Which JSON key an existing column holds (inverse of suffixed_name). */
static char *key_of_column(const char *name) {
    if (!strcmp(name, COL_SYNCED_AT) || !strcmp(name, COL_PARTITION)) return NULL;
    size_t n = strlen(name);
    if (n >= 10 && name[n - 10] == '_' && name[n - 9] == '_') {
        char *prefix = strndup(name, n - 10);
        if (prefix) {
            char hex[33];
            if (dwhi_md5_hex(prefix, n - 10, hex) == 0 && !strncmp(hex, name + n - 8, 8)) return prefix;
            free(prefix);
        }
    }
    return strdup(name);
}

static int remember(dwhi_wh_table *t, const char *name, char *key /* taken */) {
    if (t->n_cols == t->cap_cols) {
        size_t cap = t->cap_cols ? t->cap_cols * 2 : 16;
        wh_col *c = realloc(t->cols, cap * sizeof *c);
        if (!c) {
            free(key);
            return -1;
        }
        t->cols = c;
        t->cap_cols = cap;
    }
    char *nm = strdup(name), *lname = strdup(name);
    if (!nm || !lname) {
        free(nm);
        free(lname);
        free(key);
        return -1;
    }
    lower_ascii(lname);
    int idx = (int)t->n_cols++;
    t->cols[idx] = (wh_col){nm, key};
    json_object_object_add(t->by_lname, lname, json_object_new_int(idx));
    free(lname);
    if (key) json_object_object_add(t->by_key, key, json_object_new_int(idx));
    if (!strcmp(name, COL_SYNCED_AT)) t->synced_idx = idx;
    if (!strcmp(name, COL_PARTITION)) t->part_idx = idx;
    return idx;
}

/* Reads the target's columns (once per transaction generation). */
static int load_layout(dwhi_wh_table *t, char **err) {
    if (t->loaded && t->generation == t->w->generation) return 0;
    forget_layout(t);
    t->by_key = json_object_new_object();
    t->by_lname = json_object_new_object();
    if (!t->by_key || !t->by_lname) return dwhi_wh_fail(t->w, SQLITE_NOMEM, err, "reading table %s", t->target);
    t->generation = t->w->generation;
    t->exists = dwhi_wh_object_exists(t->w, "table", t->target);
    if (t->exists) {
        sqlite3_stmt *ts = NULL;
        if (sqlite3_prepare_v2(t->w->db, "SELECT strict FROM pragma_table_list WHERE schema = 'main' AND name = ?1", -1,
                               &ts, NULL) == SQLITE_OK) {
            sqlite3_bind_text(ts, 1, t->target, -1, SQLITE_STATIC);
            if (sqlite3_step(ts) == SQLITE_ROW) t->strict = sqlite3_column_int(ts, 0);
        }
        sqlite3_finalize(ts);
        char *sql = sqlite3_mprintf("PRAGMA table_info(%s)", t->qtarget);
        sqlite3_stmt *st = NULL;
        int rc = sql ? sqlite3_prepare_v2(t->w->db, sql, -1, &st, NULL) : SQLITE_NOMEM;
        sqlite3_free(sql);
        if (rc) return dwhi_wh_fail(t->w, rc, err, "reading the columns of table %s", t->target);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            const char *name = (const char *)sqlite3_column_text(st, 1);
            if (remember(t, name, key_of_column(name)) < 0) {
                sqlite3_finalize(st);
                return dwhi_wh_fail(t->w, SQLITE_NOMEM, err, "reading table %s", t->target);
            }
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) return dwhi_wh_fail(t->w, rc, err, "reading the columns of table %s", t->target);
    }
    t->loaded = 1;
    return 0;
}

/* The column name a new key gets: itself, unless that collides (SQLite
 * names are case-insensitive) with a column holding another key or a _dw_
 * column, or is empty. */
static char *new_column_name(dwhi_wh_table *t, const char *key) {
    char *lname = strdup(key);
    if (!lname) return NULL;
    lower_ascii(lname);
    int clash = !*key || !strncmp(lname, "_dw_", 4) || map_get(t->by_lname, lname) >= 0;
    free(lname);
    return clash ? suffixed_name(key) : strdup(key);
}

/* The declared type of a data column.  Values must come back exactly as
 * the source sent them -- the string "007" stays a string, a number stays
 * a number -- whatever the column saw first, so no column has a type
 * affinity: ANY in a STRICT table (what this version creates), no type
 * (BLOB affinity) when adding to an older, non-STRICT table, where ANY
 * would mean NUMERIC affinity. */
static const char *sql_type(const dwhi_wh_table *t) { return t->strict ? " ANY" : ""; }

/* Adds a column for `key` (typed by `sample`) to an existing target.
 * Returns its index or -1 with *err. */
static int add_column(dwhi_wh_table *t, const char *key, uint32_t cell_type, char **err) {
    char *name = new_column_name(t, key);
    char *q = name ? dwhi_wh_quote(name) : NULL;
    (void)cell_type; /* no affinity: see sql_type() */
    char *sql = q ? sqlite3_mprintf("ALTER TABLE %s ADD COLUMN %s%s", t->qtarget, q, sql_type(t)) : NULL;
    free(q);
    if (!sql) {
        free(name);
        return dwhi_wh_fail(t->w, SQLITE_NOMEM, err, "adding a column to %s", t->target);
    }
    int rc = sqlite3_exec(t->w->db, sql, NULL, NULL, NULL);
    sqlite3_free(sql);
    if (rc) {
        dwhi_wh_fail(t->w, rc, err, "adding column %s to table %s", name, t->target);
        free(name);
        return -1;
    }
    char *k = strdup(key);
    int idx = k ? remember(t, name, k) : -1;
    free(name);
    if (idx < 0) return dwhi_wh_fail(t->w, SQLITE_NOMEM, err, "adding a column to %s", t->target);
    sqlite3_finalize(t->insert);
    t->insert = NULL;
    return idx;
}

/* Creates the target (STRICT) with the columns of the batch (first-seen
 * order, ANY; nulls are not stored, so they make none), then the _dw_
 * columns. */
static int create_target(dwhi_wh_table *t, const dwhi_batch *b, char **err) {
    uint32_t nk = dwhi_keydict_count(b->keys);
    char *seen = calloc(nk ? nk : 1, 1);
    char *sql = sqlite3_mprintf("CREATE TABLE %s (", t->qtarget);
    int ok = seen && sql;
    for (size_t r = 0; ok && r < b->n; r++) {
        const dwhi_brow *row = &b->rows[r];
        for (uint32_t c = 0; ok && c < row->n_cells; c++) {
            const dwhi_cell *cell = &b->cells[row->first + c];
            if (seen[cell->key]) continue;
            seen[cell->key] = 1;
            const char *k = dwhi_keydict_name(b->keys, cell->key);
            char *name = new_column_name(t, k);
            char *q = name ? dwhi_wh_quote(name) : NULL;
            char *key = strdup(k);
            if (!q || !key || remember(t, name, key) < 0) {
                ok = 0;
            } else {
                char *next = sqlite3_mprintf("%s%s ANY, ", sql, q);
                sqlite3_free(sql);
                sql = next;
                if (!sql) ok = 0;
            }
            free(name);
            free(q);
        }
    }
    free(seen);
    char *full = ok ? sqlite3_mprintf("%s" COL_SYNCED_AT " TEXT, " COL_PARTITION " TEXT) STRICT", sql) : NULL;
    sqlite3_free(sql);
    if (!full) return dwhi_wh_fail(t->w, SQLITE_NOMEM, err, "creating table %s", t->target);
    int rc = sqlite3_exec(t->w->db, full, NULL, NULL, NULL);
    sqlite3_free(full);
    if (rc) return dwhi_wh_fail(t->w, rc, err, "creating table %s", t->target);
    if (remember(t, COL_SYNCED_AT, NULL) < 0 || remember(t, COL_PARTITION, NULL) < 0)
        return dwhi_wh_fail(t->w, SQLITE_NOMEM, err, "creating table %s", t->target);
    t->exists = t->strict = 1;
    return 0;
}

/* The type of key `name` in the first row of the batch that has it. */
static uint32_t sample_type(const dwhi_batch *b, const char *name) {
    for (size_t r = 0; r < b->n; r++)
        for (uint32_t c = 0; c < b->rows[r].n_cells; c++) {
            const dwhi_cell *cell = &b->cells[b->rows[r].first + c];
            if (!strcmp(dwhi_keydict_name(b->keys, cell->key), name)) return cell->type;
        }
    return DWHI_CELL_TEXT;
}

/* Merge: the key columns exist and carry the UNIQUE index ON CONFLICT
 * needs (rebuilt when the keys changed). */
static int ensure_pk_index(dwhi_wh_table *t, const dwhi_batch *sample, char **err) {
    if (t->index_ok) return 0;
    char **names = calloc(t->n_pk, sizeof *names);
    if (!names) return dwhi_wh_fail(t->w, SQLITE_NOMEM, err, "indexing table %s", t->target);
    for (size_t i = 0; i < t->n_pk; i++) {
        int idx = map_get(t->by_key, t->pk[i]);
        if (idx < 0) {
            idx = add_column(t, t->pk[i], sample_type(sample, t->pk[i]), err);
            if (idx < 0) {
                free(names);
                return -1;
            }
        }
        names[i] = t->cols[idx].name;
    }
    char *index = NULL, *qindex = NULL;
    int rc = asprintf(&index, "_dw_pk_%s", t->table) < 0 ? -1 : 0;
    if (!rc) qindex = dwhi_wh_quote(index);
    /* Does the index exist on exactly these columns? */
    int same = 0;
    if (qindex && dwhi_wh_object_exists(t->w, "index", index)) {
        char *sql = sqlite3_mprintf("PRAGMA index_info(%s)", qindex);
        sqlite3_stmt *st = NULL;
        same = 1;
        size_t n = 0;
        if (sql && sqlite3_prepare_v2(t->w->db, sql, -1, &st, NULL) == SQLITE_OK) {
            while (sqlite3_step(st) == SQLITE_ROW) {
                const char *c = (const char *)sqlite3_column_text(st, 2);
                if (n >= t->n_pk || !c || sqlite3_stricmp(c, names[n])) same = 0;
                n++;
            }
        }
        if (n != t->n_pk) same = 0;
        sqlite3_finalize(st);
        sqlite3_free(sql);
        if (!same) {
            char *drop = sqlite3_mprintf("DROP INDEX %s", qindex);
            rc = drop ? sqlite3_exec(t->w->db, drop, NULL, NULL, NULL) : SQLITE_NOMEM;
            sqlite3_free(drop);
            if (rc) {
                free(names);
                free(index);
                free(qindex);
                return dwhi_wh_fail(t->w, rc, err, "replacing the key index of table %s", t->target);
            }
        }
    }
    if (!same && qindex) {
        char *cols = sqlite3_mprintf("%s", "");
        for (size_t i = 0; cols && i < t->n_pk; i++) {
            char *q = dwhi_wh_quote(names[i]);
            char *next = q ? sqlite3_mprintf("%s%s%s", cols, i ? ", " : "", q) : NULL;
            free(q);
            sqlite3_free(cols);
            cols = next;
        }
        char *sql = cols ? sqlite3_mprintf("CREATE UNIQUE INDEX %s ON %s (%s)", qindex, t->qtarget, cols) : NULL;
        sqlite3_free(cols);
        rc = sql ? sqlite3_exec(t->w->db, sql, NULL, NULL, NULL) : SQLITE_NOMEM;
        sqlite3_free(sql);
        if ((rc & 0xff) == SQLITE_CONSTRAINT) {
            t->w->last = DWHI_WH_DATA;
            char *keys = dwhi_text_join((const char *const *)t->pk, t->n_pk);
            if (asprintf(err,
                         "warehouse %s: table %s holds several rows with the same primary key (%s), written by a "
                         "full refresh or an append; an incremental sync needs unique keys: rebuild the table "
                         "with --full-refresh or keep syncing it with --mode append",
                         t->w->path, t->table, keys ? keys : "?") < 0)
                *err = NULL;
            free(keys);
            rc = -1;
        } else if (rc) {
            dwhi_wh_fail(t->w, rc, err, "creating the key index of table %s", t->target);
            rc = -1;
        }
    }
    free(names);
    free(index);
    free(qindex);
    if (rc) return -1;
    t->index_ok = 1;
    return 0;
}

static int prepare_insert(dwhi_wh_table *t, char **err) {
    if (t->insert) return 0;
    char *cols = sqlite3_mprintf("%s", ""), *vals = sqlite3_mprintf("%s", "");
    for (size_t i = 0; cols && vals && i < t->n_cols; i++) {
        char *q = dwhi_wh_quote(t->cols[i].name);
        char *nc = q ? sqlite3_mprintf("%s%s%s", cols, i ? ", " : "", q) : NULL;
        char *nv = sqlite3_mprintf("%s%s?%d", vals, i ? ", " : "", (int)i + 1);
        free(q);
        sqlite3_free(cols);
        sqlite3_free(vals);
        cols = nc;
        vals = nv;
    }
    char *sql = cols && vals ? sqlite3_mprintf("INSERT INTO %s (%s) VALUES (%s)", t->qtarget, cols, vals) : NULL;
    sqlite3_free(cols);
    sqlite3_free(vals);
    if (sql && t->mode == DWHI_WRITE_MERGE) {
        /* ON CONFLICT target: the key columns; every other column takes the
         * new row's value (a matched row is replaced, absent keys -> NULL). */
        char *target = sqlite3_mprintf("%s", ""), *set = sqlite3_mprintf("%s", "");
        for (size_t i = 0; target && i < t->n_pk; i++) {
            char *q = dwhi_wh_quote(t->cols[map_get(t->by_key, t->pk[i])].name);
            char *next = q ? sqlite3_mprintf("%s%s%s", target, i ? ", " : "", q) : NULL;
            free(q);
            sqlite3_free(target);
            target = next;
        }
        int any = 0;
        for (size_t i = 0; set && i < t->n_cols; i++) {
            int is_pk = 0;
            for (size_t k = 0; k < t->n_pk; k++)
                if (t->cols[i].key && !strcmp(t->cols[i].key, t->pk[k])) is_pk = 1;
            if (is_pk) continue;
            char *q = dwhi_wh_quote(t->cols[i].name);
            char *next = q ? sqlite3_mprintf("%s%s%s = excluded.%s", set, any ? ", " : "", q, q) : NULL;
            free(q);
            sqlite3_free(set);
            set = next;
            any = 1;
        }
        /* A row this run already wrote (stamped at or after the run's
         * start) is not overwritten: the step changes nothing, and
         * dwhi_wh_write reports the duplicate key (docs/concepts/incremental-and-full-refresh.md#write-modes). */
        char *full = target && set ? sqlite3_mprintf("%s ON CONFLICT (%s) DO %s%s%s%s%s", sql, target,
                                                     any ? "UPDATE SET " : "NOTHING", any ? set : "",
                                                     any ? " WHERE " : "", any ? t->qtarget : "",
                                                     any ? "." COL_SYNCED_AT " IS NULL OR :run_started IS NULL OR " : "")
                                   : NULL;
        if (full && any) {
            char *next = sqlite3_mprintf("%s%s." COL_SYNCED_AT " < :run_started", full, t->qtarget);
            sqlite3_free(full);
            full = next;
        }
        sqlite3_free(target);
        sqlite3_free(set);
        sqlite3_free(sql);
        sql = full;
    }
    if (!sql) return dwhi_wh_fail(t->w, SQLITE_NOMEM, err, "preparing writes to %s", t->target);
    int rc = sqlite3_prepare_v3(t->w->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &t->insert, NULL);
    sqlite3_free(sql);
    if (rc) return dwhi_wh_fail(t->w, rc, err, "preparing writes to table %s", t->target);
    /* looked up once per statement, not per row */
    t->run_param = t->mode == DWHI_WRITE_MERGE ? sqlite3_bind_parameter_index(t->insert, ":run_started") : 0;
    return 0;
}

static void bind_cell(sqlite3_stmt *st, int param, const dwhi_cell *c, const char *arena) {
    switch (c->type) {
    case DWHI_CELL_BOOL:
    case DWHI_CELL_INT: sqlite3_bind_int64(st, param, c->v.i); break;
    case DWHI_CELL_REAL: sqlite3_bind_double(st, param, c->v.d); break;
    case DWHI_CELL_TEXT:
    case DWHI_CELL_BIGINT:
    case DWHI_CELL_JSON:
        /* nested values are already compact JSON (never a language repr):
         * json_extract() and friends read them back */
        sqlite3_bind_text(st, param, arena + c->v.s.off, (int)c->v.s.len, SQLITE_STATIC);
        break;
    default: break; /* NULL: cleared */
    }
}

/* The column of batch key `id` (resolved once per key and layout), -1
 * when the table has none yet, -3 on OOM. */
static int column_of(dwhi_wh_table *t, const dwhi_batch *b, uint32_t id) {
    if (id >= t->n_key_col) {
        size_t n = dwhi_keydict_count(b->keys);
        int32_t *kc = realloc(t->key_col, n * sizeof *kc);
        if (!kc) return -3;
        for (size_t i = t->n_key_col; i < n; i++) kc[i] = -2;
        t->key_col = kc;
        t->n_key_col = n;
    }
    if (t->key_col[id] == -2 || t->key_col[id] == -1) t->key_col[id] = map_get(t->by_key, dwhi_keydict_name(b->keys, id));
    return t->key_col[id];
}

/* Merge: the row's key was already written by an earlier batch of this
 * run (same wording as the in-batch check in sync_commit.c). */
static int duplicate_in_run(dwhi_wh_table *t, const dwhi_batch *b, const dwhi_brow *row, char **err) {
    t->w->last = DWHI_WH_DATA;
    char *names = dwhi_text_join((const char *const *)t->pk, t->n_pk);
    const char *v = dwhi_batch_text(b, row->pk);
    int vlen = v ? (row->pk.len > 120 ? 120 : (int)row->pk.len) : 1;
    if (asprintf(err,
                 "table %s: primary key (%s) value %.*s%s appears more than once in this run (an earlier batch of it "
                 "already wrote that key); an incremental sync needs unique keys: fix the source's keys or sync "
                 "with --mode full or --mode append",
                 t->table, names ? names : "?", vlen, v ? v : "?", v && row->pk.len > 120 ? "..." : "") < 0)
        *err = NULL;
    free(names);
    return -1;
}

int dwhi_whsq_write(dwhi_wh_table *t, const dwhi_wh_rows *rows, char **err) {
    const dwhi_batch *b = rows->batch;
    if (load_layout(t, err) < 0) return -1;
    if (b->n == 0) return 0;
    if (!t->exists && create_target(t, b, err) < 0) return -1;
    if (t->mode == DWHI_WRITE_MERGE && ensure_pk_index(t, b, err) < 0) return -1;
    for (size_t r = 0; r < b->n; r++) {
        const dwhi_brow *row = &b->rows[r];
        if (rows->skip && rows->skip[r]) continue; /* a later row of the batch has its key */
    again:
        if (prepare_insert(t, err) < 0) return -1;
        sqlite3_stmt *st = t->insert;
        sqlite3_clear_bindings(st);
        for (uint32_t c = 0; c < row->n_cells; c++) {
            const dwhi_cell *cell = &b->cells[row->first + c];
            int idx = column_of(t, b, cell->key);
            if (idx == -3) return dwhi_wh_fail(t->w, SQLITE_NOMEM, err, "writing a batch to table %s", t->target);
            if (idx < 0) {
                if (add_column(t, dwhi_keydict_name(b->keys, cell->key), cell->type, err) < 0) return -1;
                t->key_col[cell->key] = -1; /* resolve again */
                goto again; /* the statement changed: bind this row again */
            }
            bind_cell(st, idx + 1, cell, b->arena);
        }
        if (t->synced_idx >= 0 && rows->synced_at)
            sqlite3_bind_text(st, t->synced_idx + 1, rows->synced_at, -1, SQLITE_STATIC);
        const char *part = dwhi_batch_text(b, row->partition);
        if (t->part_idx >= 0 && part) sqlite3_bind_text(st, t->part_idx + 1, part, (int)row->partition.len, SQLITE_STATIC);
        int run_param = t->run_param;
        if (run_param && rows->run_started) sqlite3_bind_text(st, run_param, rows->run_started, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc == SQLITE_DONE && run_param && rows->run_started && sqlite3_changes(t->w->db) == 0) {
            if (!t->keep_last) return duplicate_in_run(t, b, row, err);
            /* an earlier batch of this run wrote the key: the later row
             * wins (the same statement without the run filter) */
            sqlite3_bind_null(st, run_param);
            rc = sqlite3_step(st);
            sqlite3_reset(st);
            t->repeated++;
        }
        if (rc != SQLITE_DONE) {
            if ((rc & 0xff) == SQLITE_CONSTRAINT) {
                t->w->last = DWHI_WH_DATA;
                if (asprintf(err, "warehouse %s: row %zu of the batch violates a constraint of table %s (%s)",
                             t->w->path, r + 1, t->target, sqlite3_errmsg(t->w->db)) < 0)
                    *err = NULL;
                return -1;
            }
            return dwhi_wh_fail(t->w, rc, err, "writing a batch to table %s", t->target);
        }
    }
    return 0;
}

dwhi_wh_table *dwhi_whsq_table_open(dwhi_warehouse *w, const char *table, dwhi_write_mode mode,
                                 const char *const *primary_keys, dwhi_wh_target target, char **err) {
    *err = NULL;
    dwhi_wh_table *t = calloc(1, sizeof *t);
    if (!t) goto oom;
    t->w = w;
    t->mode = mode;
    t->synced_idx = t->part_idx = -1;
    if (!(t->table = strdup(table))) goto oom;
    t->direct = mode == DWHI_WRITE_REPLACE && target == DWHI_TARGET_DIRECT;
    t->target = mode == DWHI_WRITE_REPLACE && !t->direct ? dwhi_wh_staging_name(table) : strdup(table);
    if (!t->target || !(t->qtarget = dwhi_wh_quote(t->target))) goto oom;
    for (const char *const *p = primary_keys; p && *p; p++) t->n_pk++;
    t->pk = calloc(t->n_pk + 1, sizeof *t->pk);
    if (!t->pk) goto oom;
    for (size_t i = 0; i < t->n_pk; i++)
        if (!(t->pk[i] = strdup(primary_keys[i]))) goto oom;
    if (mode == DWHI_WRITE_MERGE && t->n_pk == 0) {
        if (asprintf(err, "table %s: an incremental (merge) write needs primary keys", table) < 0) *err = NULL;
        dwhi_wh_table_close(t);
        return NULL;
    }
    const char *drop = NULL;
    char *sql = NULL;
    if (mode == DWHI_WRITE_REPLACE && target != DWHI_TARGET_CONTINUE_STAGING) {
        if (dwhi_wh_staging_drop(w, table, err) < 0) {
            dwhi_wh_table_close(t);
            return NULL;
        }
    } else if (mode == DWHI_WRITE_APPEND) {
        /* An append may repeat keys: a key index left by an earlier
         * incremental sync would refuse them.  Merge rebuilds it. */
        char *ix = NULL, *qix = NULL;
        if (asprintf(&ix, "_dw_pk_%s", table) >= 0 && (qix = dwhi_wh_quote(ix)))
            sql = sqlite3_mprintf("DROP INDEX IF EXISTS %s", qix);
        free(ix);
        free(qix);
        drop = "dropping the key index for an append";
    }
    if (drop) {
        int rc = sql ? dwhi_wh_exec(w, sql, err, drop) : dwhi_wh_fail(w, SQLITE_NOMEM, err, "%s", drop);
        sqlite3_free(sql);
        if (rc < 0) {
            dwhi_wh_table_close(t);
            return NULL;
        }
    }
    return t;
oom:
    dwhi_wh_table_close(t);
    *err = strdup("out of memory opening a warehouse table");
    return NULL;
}

void dwhi_whsq_table_close(dwhi_wh_table *t) {
    if (!t) return;
    forget_layout(t);
    free(t->cols);
    for (size_t i = 0; t->pk && i < t->n_pk; i++) free(t->pk[i]);
    free(t->pk);
    free(t->table);
    free(t->target);
    free(t->qtarget);
    free(t);
}

int dwhi_whsq_staging_drop(dwhi_warehouse *w, const char *table, char **err) {
    *err = NULL;
    char *staging = dwhi_wh_staging_name(table), *qstaging = staging ? dwhi_wh_quote(staging) : NULL;
    char *sql = qstaging ? sqlite3_mprintf("DROP TABLE IF EXISTS %s", qstaging) : NULL;
    int rc = sql ? dwhi_wh_exec(w, sql, err, "dropping the staging table of an interrupted full refresh")
                 : dwhi_wh_fail(w, SQLITE_NOMEM, err, "dropping a staging table");
    sqlite3_free(sql);
    free(staging);
    free(qstaging);
    return rc;
}

int dwhi_whsq_staging_exists(dwhi_warehouse *w, const char *table) {
    char *s = dwhi_wh_staging_name(table);
    int e = s && dwhi_wh_object_exists(w, "table", s);
    free(s);
    return e;
}

void dwhi_whsq_table_keep_last(dwhi_wh_table *t, int on) {
    t->keep_last = on != 0;
}

uint64_t dwhi_whsq_table_repeated(const dwhi_wh_table *t) {
    return t->repeated;
}

/* Full refresh of a source that may repeat keys: before the swap, drop
 * every staged row that a later one of its key follows.  Rowids grow with
 * each insert into the staging table -- or the table a first sync writes
 * in place -- (nothing deletes from it before this), so the largest rowid
 * of a key is the last row delivered.  Rows
 * with a NULL key column are kept. */
static int keep_last_staged(dwhi_wh_table *t, char **err) {
    if (!t->keep_last || !t->n_pk) return 0;
    if (load_layout(t, err) < 0) return -1;
    if (!t->exists) return 0;
    char *cols = sqlite3_mprintf("%s", ""), *notnull = sqlite3_mprintf("%s", "");
    for (size_t i = 0; cols && notnull && i < t->n_pk; i++) {
        int idx = map_get(t->by_key, t->pk[i]);
        if (idx < 0) { /* no row had this key column: nothing to match on */
            sqlite3_free(cols);
            sqlite3_free(notnull);
            return 0;
        }
        char *q = dwhi_wh_quote(t->cols[idx].name);
        char *c = q ? sqlite3_mprintf("%s%s%s", cols, i ? ", " : "", q) : NULL;
        char *n = q ? sqlite3_mprintf("%s AND %s IS NOT NULL", notnull, q) : NULL;
        free(q);
        sqlite3_free(cols);
        sqlite3_free(notnull);
        cols = c;
        notnull = n;
    }
    char *sql = cols && notnull ? sqlite3_mprintf("DELETE FROM %s WHERE rowid NOT IN (SELECT max(rowid) FROM %s GROUP BY "
                                                  "%s)%s",
                                                  t->qtarget, t->qtarget, cols, notnull)
                                : NULL;
    sqlite3_free(cols);
    sqlite3_free(notnull);
    int rc = sql ? dwhi_wh_exec(t->w, sql, err, "keeping the last row of each key") : -1;
    sqlite3_free(sql);
    if (rc < 0) {
        if (!*err) dwhi_wh_fail(t->w, SQLITE_NOMEM, err, "keeping the last row of each key in %s", t->target);
        return -1;
    }
    t->repeated += (uint64_t)sqlite3_changes(t->w->db);
    return 0;
}

int dwhi_whsq_finish(dwhi_wh_table *t, char **err) {
    if (t->mode != DWHI_WRITE_REPLACE) return 0;
    if (keep_last_staged(t, err) < 0) return -1;
    dwhi_warehouse *w = t->w;
    char *qtable = dwhi_wh_quote(t->table);
    if (!qtable) return dwhi_wh_fail(w, SQLITE_NOMEM, err, "replacing table %s", t->table);
    int rc;
    if (t->direct) {
        rc = 0; /* the rows are in place; a source without rows still gets its (empty) table */
        if (!dwhi_wh_object_exists(w, "table", t->table)) {
            char *sql =
                sqlite3_mprintf("CREATE TABLE %s (" COL_SYNCED_AT " TEXT, " COL_PARTITION " TEXT) STRICT", qtable);
            rc = sql ? dwhi_wh_exec(w, sql, err, "creating the (empty) table") : -1;
            sqlite3_free(sql);
        }
    } else if (dwhi_wh_object_exists(w, "table", t->target)) {
        /* legacy_alter_table: the rename must not rewrite (or reject) views
         * users built on the table; they keep pointing at its name. */
        char *sql = sqlite3_mprintf("DROP TABLE IF EXISTS %s; PRAGMA legacy_alter_table=ON; "
                                    "ALTER TABLE %s RENAME TO %s; PRAGMA legacy_alter_table=OFF",
                                    qtable, t->qtarget, qtable);
        rc = sql ? dwhi_wh_exec(w, sql, err, "swapping in the refreshed table") : -1;
        sqlite3_free(sql);
        sqlite3_exec(w->db, "PRAGMA legacy_alter_table=OFF", NULL, NULL, NULL);
    } else if (dwhi_wh_object_exists(w, "table", t->table)) {
        char *sql = sqlite3_mprintf("DELETE FROM %s", qtable); /* the source had no rows */
        rc = sql ? dwhi_wh_exec(w, sql, err, "emptying the refreshed table") : -1;
        sqlite3_free(sql);
    } else {
        char *sql = sqlite3_mprintf("CREATE TABLE %s (" COL_SYNCED_AT " TEXT, " COL_PARTITION " TEXT) STRICT", qtable);
        rc = sql ? dwhi_wh_exec(w, sql, err, "creating the (empty) refreshed table") : -1;
        sqlite3_free(sql);
    }
    free(qtable);
    forget_layout(t);
    if (rc < 0 && !*err) dwhi_wh_fail(w, SQLITE_NOMEM, err, "replacing table %s", t->table);
    return rc < 0 ? -1 : 0;
}
