/* warehouse_pg_table.c -- a run's target table in a PostgreSQL warehouse:
 * columns and their types, COPY, merge/replace/append, the full-refresh
 * swap (see warehouse_pg_int.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/isotime.h"
#include "base/md5.h"
#include "base/scalar.h"
#include "base/text.h"
#include "warehouse_pg_int.h"

#define COL_SYNCED_AT "_dw_synced_at"
#define COL_PARTITION "_dw_partition_key"
#define BATCH_TABLE "pg_temp._dw_batch"

/* What a column holds, from narrowest; TSTZ and DATE: a key the schema
 * says holds times (dwhi_wh_table_time_keys); OTHER: a type a user gave it
 * (values are sent as text and PostgreSQL converts them).  kind_sql is
 * what format_type() names, so a loaded column gets its kind back. */
typedef enum col_kind { K_BOOL, K_BIGINT, K_DOUBLE, K_NUMERIC, K_TEXT, K_JSONB, K_TSTZ, K_DATE, K_OTHER } col_kind;

static const char *const kind_sql[] = {"boolean", "bigint", "double precision", "numeric", "text", "jsonb",
                                       "timestamp with time zone", "date", "text"};

/* A key the schema says holds times, and the kind of its column. */
typedef struct pg_time_key {
    char *key;
    col_kind kind; /* K_TSTZ or K_DATE */
} pg_time_key;

typedef struct pg_col {
    char *name; /* SQL column name */
    char *key;  /* the JSON key it holds; NULL for _dw_ columns */
    col_kind kind;
} pg_col;

typedef struct pg_table {
    dwhi_warehouse *w; /* first: dwhi_wh_table_base */
    char *table;       /* the final table's name */
    char *target;      /* the table written: `table` or its staging table */
    char *qtarget;     /* schema-qualified, quoted */
    dwhi_write_mode mode;
    char **pk;
    size_t n_pk;
    unsigned generation;
    int loaded, exists, index_ok, keep_last, direct;
    pg_col *cols;
    size_t n_cols, cap_cols;
    int32_t *key_col; /* batch key id -> column; -1 none yet */
    size_t n_key_col;
    uint64_t repeated;
    pg_time_key *time_keys;
    size_t n_time_keys;
} pg_table;

#define T(t) ((pg_table *)(t))

static int oom(pg_table *t, char **err, const char *doing) {
    t->w->last = DWHI_WH_NOMEM;
    if (asprintf(err, "out of memory %s (table %s)", doing, t->table) < 0) *err = NULL;
    return -1;
}

static void forget_layout(pg_table *t) {
    for (size_t i = 0; i < t->n_cols; i++) {
        free(t->cols[i].name);
        free(t->cols[i].key);
    }
    t->n_cols = 0;
    free(t->key_col);
    t->key_col = NULL;
    t->n_key_col = 0;
    t->loaded = t->exists = t->index_ok = 0;
}

static int remember(pg_table *t, const char *name, const char *key, col_kind kind) {
    if (t->n_cols == t->cap_cols) {
        size_t cap = t->cap_cols ? t->cap_cols * 2 : 16;
        pg_col *c = realloc(t->cols, cap * sizeof *c);
        if (!c) return -1;
        t->cols = c;
        t->cap_cols = cap;
    }
    char *n = strdup(name), *k = key ? strdup(key) : NULL;
    if (!n || (key && !k)) {
        free(n);
        free(k);
        return -1;
    }
    t->cols[t->n_cols] = (pg_col){n, k, kind};
    return (int)t->n_cols++;
}

static int find_key(const pg_table *t, const char *key) {
    for (size_t i = 0; i < t->n_cols; i++)
        if (t->cols[i].key && !strcmp(t->cols[i].key, key)) return (int)i;
    return -1;
}

static col_kind kind_of_type(const char *type) {
    for (int k = K_BOOL; k <= K_DATE; k++)
        if (!strcmp(type, kind_sql[k])) return (col_kind)k;
    return K_OTHER;
}

/* The target's columns (once per transaction generation). */
static int load_layout(pg_table *t, char **err) {
    if (t->loaded && t->generation == t->w->generation) return 0;
    forget_layout(t);
    t->generation = t->w->generation;
    int e = dwhi_pg_table_exists(t->w, t->target, err);
    if (e < 0) return -1;
    t->exists = e;
    if (e) {
        const char *p[1] = {t->qtarget};
        PGresult *r = dwhi_pg_query(t->w,
                                    "SELECT a.attname, format_type(a.atttypid, NULL),"
                                    " col_description(a.attrelid, a.attnum) FROM pg_catalog.pg_attribute a"
                                    " WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped"
                                    " ORDER BY a.attnum",
                                    1, p, err, "reading the columns of the table");
        if (!r) return -1;
        for (int i = 0; i < PQntuples(r); i++) {
            const char *name = PQgetvalue(r, i, 0);
            const char *key = PQgetisnull(r, i, 2) ? name : PQgetvalue(r, i, 2);
            if (!strcmp(name, COL_SYNCED_AT) || !strcmp(name, COL_PARTITION)) key = NULL;
            if (remember(t, name, key, kind_of_type(PQgetvalue(r, i, 1))) < 0) {
                PQclear(r);
                return oom(t, err, "reading the columns");
            }
        }
        PQclear(r);
    }
    t->loaded = 1;
    return 0;
}

/* The column name of a new key: the key itself unless it is empty, starts
 * with _dw_ or is too long for PostgreSQL; then its first bytes (whole
 * UTF-8 characters), "__" and 8 hex digits of its MD5. */
static char *column_name(const char *key, int *suffixed) {
    size_t n = strlen(key);
    *suffixed = !n || !strncmp(key, "_dw_", 4) || n > DWHI_PG_NAME_MAX;
    if (!*suffixed) return strdup(key);
    char hex[33], *out = NULL;
    if (dwhi_md5_hex(key, n, hex) < 0) return NULL;
    size_t keep = n > DWHI_PG_NAME_MAX - 10 ? DWHI_PG_NAME_MAX - 10 : n;
    while (keep > 0 && ((unsigned char)key[keep] & 0xC0) == 0x80) keep--; /* not inside a character */
    return asprintf(&out, "%.*s__%.8s", (int)keep, key, hex) < 0 ? NULL : out;
}

/* 0001-01-01 and 10000-01-01 UTC: PostgreSQL reads no year 0 (1 BC) and
 * dwhost writes none beyond 9999. */
#define FIRST_SEC INT64_C(-62135596800)
#define END_SEC INT64_C(253402300800)

/* When text `s` is a value a column of `kind` (K_TSTZ, K_DATE) holds
 * exactly, writes the text COPY sends for it into `out` (>= 40 bytes) and
 * returns its length; else -1.  The judge is dwhi_isotime_parse (no
 * other parser); on top of it a timestamptz keeps microseconds (a finer
 * fraction would be cut) and no leap second (PostgreSQL turns :60 into
 * the next minute), a date is a date alone (YYYY-MM-DD: a time would be
 * dropped).  A timestamptz is sent as UTC with its offset spelled out
 * ("YYYY-MM-DD HH:MM:SS.ffffff+00"), so the session's settings do not
 * matter. */
static int time_text(col_kind kind, const char *s, size_t n, char *out) {
    int64_t sec;
    int32_t ns;
    if (dwhi_isotime_parse(s, n, &sec, &ns) < 0 || sec < FIRST_SEC || sec >= END_SEC) return -1;
    if (kind == K_DATE) {
        if (n != 10) return -1;
        memcpy(out, s, n);
        return (int)n;
    }
    if (ns % 1000 || (n >= 19 && s[16] == ':' && s[17] == '6' && s[18] == '0')) return -1;
    char day[32];
    if (dwhi_isotime_format(sec, "%Y-%m-%d %H:%M:%S", day, sizeof day) < 0) return -1;
    return snprintf(out, 40, "%s.%06d+00", day, (int)(ns / 1000));
}

/* K_TSTZ or K_DATE when the schema says `key` holds times, else -1. */
static int time_kind(const pg_table *t, const char *key) {
    for (size_t i = 0; i < t->n_time_keys; i++)
        if (!strcmp(t->time_keys[i].key, key)) return (int)t->time_keys[i].kind;
    return -1;
}

static int is_time(col_kind kind, const dwhi_cell *cell, const char *arena) {
    char buf[40];
    return cell->type == DWHI_CELL_TEXT && time_text(kind, arena + cell->v.s.off, cell->v.s.len, buf) >= 0;
}

static col_kind kind_of_cell(uint32_t type) {
    switch (type) {
    case DWHI_CELL_BOOL: return K_BOOL;
    case DWHI_CELL_INT: return K_BIGINT;
    case DWHI_CELL_REAL: return K_DOUBLE;
    case DWHI_CELL_BIGINT: return K_NUMERIC;
    case DWHI_CELL_JSON: return K_JSONB;
    default: return K_TEXT;
    }
}

/* The kind of a new column for `key` whose first value is `cell` (a null
 * one too): a time key's while the value is a time, else the cell's. */
static col_kind kind_for(const pg_table *t, const char *key, const dwhi_cell *cell, const char *arena) {
    int tk = time_kind(t, key);
    if (tk >= 0 && (cell->type == DWHI_CELL_NULL || is_time((col_kind)tk, cell, arena))) return (col_kind)tk;
    return kind_of_cell(cell->type);
}

/* Whether a column of `kind` takes the cell as it is. */
static int fits(col_kind kind, const dwhi_cell *cell, const char *arena) {
    uint32_t type = cell->type;
    switch (kind) {
    case K_BOOL: return type == DWHI_CELL_BOOL;
    case K_BIGINT: return type == DWHI_CELL_INT;
    case K_DOUBLE: return type == DWHI_CELL_INT || type == DWHI_CELL_REAL;
    case K_NUMERIC: return type == DWHI_CELL_INT || type == DWHI_CELL_REAL || type == DWHI_CELL_BIGINT;
    case K_JSONB: return type == DWHI_CELL_JSON;
    case K_TSTZ:
    case K_DATE: return is_time(kind, cell, arena);
    default: return 1;
    }
}

/* The narrowest type holding both what the column held and the cell (a
 * time column: text, whatever the cell). */
static col_kind widen(col_kind kind, uint32_t type) {
    if (kind == K_BIGINT && type == DWHI_CELL_REAL) return K_DOUBLE;
    if ((kind == K_BIGINT || kind == K_DOUBLE) && type == DWHI_CELL_BIGINT) return K_NUMERIC;
    return K_TEXT;
}

static int run_ddl(pg_table *t, char *sql /* freed */, char **err, const char *doing) {
    if (!sql) return oom(t, err, doing);
    int rc = dwhi_pg_exec(t->w, sql, 0, NULL, err, doing);
    free(sql);
    return rc;
}

/* Records, as the comment of column `name`, the key it holds (a name that
 * is not the key itself: column_name). */
static int comment_key(pg_table *t, const char *name, const char *key, char **err) {
    char *q = dwhi_pg_ident(name), *esc = PQescapeLiteral(t->w->pg->conn, key, strlen(key)), *sql = NULL;
    if (!q || !esc || asprintf(&sql, "COMMENT ON COLUMN %s.%s IS %s", t->qtarget, q, esc) < 0) sql = NULL;
    free(q);
    PQfreemem(esc);
    return run_ddl(t, sql, err, "naming the key of a column");
}

/* Adds a column of `kind` for `key`; returns its index. */
static int add_column(pg_table *t, const char *key, col_kind kind, char **err) {
    int suffixed = 0;
    char *name = column_name(key, &suffixed), *q = name ? dwhi_pg_ident(name) : NULL, *sql = NULL;
    if (q && asprintf(&sql, "ALTER TABLE %s ADD COLUMN %s %s", t->qtarget, q, kind_sql[kind]) < 0) sql = NULL;
    int rc = run_ddl(t, sql, err, "adding a column");
    if (rc == 0 && suffixed) rc = comment_key(t, name, key, err);
    int idx = rc == 0 ? remember(t, name, key, kind) : -1;
    if (rc == 0 && idx < 0) oom(t, err, "adding a column");
    free(name);
    free(q);
    return idx;
}

/* Changes column `i` to the type that holds both its values and the cell
 * (USING col::text: a time column's values become PostgreSQL's text of
 * them, "2024-01-02 10:00:00+00" in the session's UTC). */
static int widen_column(pg_table *t, int i, uint32_t type, char **err) {
    col_kind to = widen(t->cols[i].kind, type);
    char *q = dwhi_pg_ident(t->cols[i].name), *sql = NULL;
    if (q && asprintf(&sql, "ALTER TABLE %s ALTER COLUMN %s TYPE %s USING %s::%s", t->qtarget, q, kind_sql[to], q,
                      kind_sql[to]) < 0)
        sql = NULL;
    free(q);
    if (run_ddl(t, sql, err, "widening the type of a column") < 0) return -1;
    t->cols[i].kind = to;
    return 0;
}

/* Creates the target with the batch's columns (first-seen order, typed
 * by their first value: kind_for), then the _dw_ columns. */
static int create_target(pg_table *t, const dwhi_batch *b, char **err) {
    char *sql = NULL;
    if (asprintf(&sql, "CREATE TABLE %s (", t->qtarget) < 0) return oom(t, err, "creating the table");
    for (size_t r = 0; sql && r < b->n; r++) {
        const dwhi_brow *row = &b->rows[r];
        for (uint32_t c = 0; sql && c < row->n_cells; c++) {
            const dwhi_cell *cell = &b->cells[row->first + c];
            const char *key = dwhi_keydict_name(b->keys, cell->key);
            if (find_key(t, key) >= 0) continue;
            int suffixed;
            char *name = column_name(key, &suffixed), *q = name ? dwhi_pg_ident(name) : NULL, *next = NULL;
            col_kind kind = kind_for(t, key, cell, b->arena);
            if (!q || remember(t, name, key, kind) < 0 ||
                asprintf(&next, "%s%s %s, ", sql, q, kind_sql[kind]) < 0)
                next = NULL;
            free(sql);
            sql = next;
            free(name);
            free(q);
        }
    }
    char *full = NULL;
    if (sql && asprintf(&full, "%s" COL_SYNCED_AT " timestamptz, " COL_PARTITION " text)", sql) < 0) full = NULL;
    free(sql);
    if (run_ddl(t, full, err, "creating the table") < 0) return -1;
    for (size_t i = 0; i < t->n_cols; i++)
        if (strcmp(t->cols[i].name, t->cols[i].key) && comment_key(t, t->cols[i].name, t->cols[i].key, err) < 0)
            return -1;
    if (remember(t, COL_SYNCED_AT, NULL, K_OTHER) < 0 || remember(t, COL_PARTITION, NULL, K_TEXT) < 0)
        return oom(t, err, "creating the table");
    t->exists = 1;
    return 0;
}

/* The column of batch key `id`, -1 when the table has none yet. */
static int column_of(pg_table *t, const dwhi_batch *b, uint32_t id) {
    if (id >= t->n_key_col) {
        size_t n = dwhi_keydict_count(b->keys);
        int32_t *kc = realloc(t->key_col, n * sizeof *kc);
        if (!kc) return -3;
        for (size_t i = t->n_key_col; i < n; i++) kc[i] = -2;
        t->key_col = kc;
        t->n_key_col = n;
    }
    if (t->key_col[id] < 0) t->key_col[id] = find_key(t, dwhi_keydict_name(b->keys, id));
    return t->key_col[id];
}

/* Every key of the batch has a column of a type that takes its values. */
static int settle_columns(pg_table *t, const dwhi_batch *b, const uint8_t *skip, char **err) {
    for (size_t r = 0; r < b->n; r++) {
        if (skip && skip[r]) continue;
        const dwhi_brow *row = &b->rows[r];
        for (uint32_t c = 0; c < row->n_cells; c++) {
            const dwhi_cell *cell = &b->cells[row->first + c];
            if (cell->type == DWHI_CELL_NULL) continue;
            int idx = column_of(t, b, cell->key);
            if (idx == -3) return oom(t, err, "writing a batch");
            if (idx < 0) {
                const char *key = dwhi_keydict_name(b->keys, cell->key);
                if ((idx = add_column(t, key, kind_for(t, key, cell, b->arena), err)) < 0) return -1;
                t->key_col[cell->key] = idx;
            } else if (!fits(t->cols[idx].kind, cell, b->arena) && widen_column(t, idx, cell->type, err) < 0) {
                return -1;
            }
        }
    }
    return 0;
}

/* "a", "b" of the key columns (prefix: "x." before each), malloc'd. */
static char *key_list(pg_table *t, const char *prefix, const char *sep, const char *other) {
    char *out = strdup("");
    for (size_t i = 0; out && i < t->n_pk; i++) {
        int idx = find_key(t, t->pk[i]);
        char *q = idx >= 0 ? dwhi_pg_ident(t->cols[idx].name) : NULL, *next = NULL;
        if (!q) {
            free(out);
            return NULL;
        }
        if (other ? asprintf(&next, "%s%s%s%s = %s%s", out, i ? sep : "", prefix, q, other, q) < 0
                  : asprintf(&next, "%s%s%s%s", out, i ? sep : "", prefix, q) < 0)
            next = NULL;
        free(q);
        free(out);
        out = next;
    }
    return out;
}

/* Merge (and a full refresh that keeps the last row of a key): the key
 * columns exist and carry the UNIQUE index ON CONFLICT needs (made again
 * when the keys changed). */
static int ensure_pk_index(pg_table *t, char **err) {
    if (t->index_ok) return 0;
    for (size_t i = 0; i < t->n_pk; i++)
        if (find_key(t, t->pk[i]) < 0 && add_column(t, t->pk[i], K_TEXT, err) < 0) return -1;
    char *index = dwhi_pg_index_name(t->target), *qindex = index ? dwhi_pg_ident(index) : NULL;
    char *qualified = qindex ? dwhi_pg_qualified(t->w, index) : NULL, *cols = key_list(t, "", ", ", NULL);
    int rc = qindex && qualified && cols ? 0 : oom(t, err, "indexing the keys");
    /* is there one on exactly these columns? */
    int exists = 0, same = 0;
    if (rc == 0) {
        const char *p[1] = {qualified};
        PGresult *r = dwhi_pg_query(t->w,
                                    "SELECT a.attname FROM pg_catalog.pg_index i, unnest(i.indkey) WITH ORDINALITY"
                                    " k(attnum, n), pg_catalog.pg_attribute a WHERE i.indexrelid = to_regclass($1)"
                                    " AND a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.n",
                                    1, p, err, "reading the key index");
        if (!r) rc = -1;
        else {
            exists = PQntuples(r) > 0;
            same = PQntuples(r) == (int)t->n_pk;
            for (int i = 0; same && i < PQntuples(r); i++)
                same = !strcmp(PQgetvalue(r, i, 0), t->cols[find_key(t, t->pk[i])].name);
            PQclear(r);
        }
    }
    if (rc == 0 && exists && !same) {
        char *drop = NULL;
        if (asprintf(&drop, "DROP INDEX %s", qualified) < 0) drop = NULL;
        rc = run_ddl(t, drop, err, "replacing the key index");
    }
    if (rc == 0 && !same) {
        char *sql = NULL;
        if (asprintf(&sql, "CREATE UNIQUE INDEX %s ON %s (%s)", qindex, t->qtarget, cols) < 0) sql = NULL;
        PGresult *cr = sql ? PQexec(t->w->pg->conn, sql) : NULL;
        free(sql);
        if (!cr) rc = oom(t, err, "indexing the keys");
        else if (PQresultStatus(cr) != PGRES_COMMAND_OK) {
            const char *state = PQresultErrorField(cr, PG_DIAG_SQLSTATE);
            if (state && !strcmp(state, "23505")) {
                t->w->last = DWHI_WH_DATA;
                char *keys = dwhi_text_join((const char *const *)t->pk, t->n_pk);
                if (asprintf(err,
                             "warehouse %s: table %s holds several rows with the same primary key (%s), written by "
                             "a full refresh or an append; an incremental sync needs unique keys: rebuild the table "
                             "with --full-refresh or keep syncing it with --mode append",
                             t->w->shown, t->table, keys ? keys : "?") < 0)
                    *err = NULL;
                free(keys);
            } else {
                dwhi_pg_fail(t->w, cr, err, "creating the key index of table %s", t->target);
            }
            rc = -1;
        }
        PQclear(cr);
    }
    free(index);
    free(qindex);
    free(qualified);
    free(cols);
    if (rc < 0) return -1;
    t->index_ok = 1;
    return 0;
}

/* ---- COPY */

typedef struct copybuf {
    char *s;
    size_t n, cap;
    int failed;
} copybuf;

static void put(copybuf *c, const char *s, size_t n) {
    if (c->failed) return;
    if (c->n + n > c->cap) {
        size_t cap = c->cap ? c->cap : 65536;
        while (cap < c->n + n) cap *= 2;
        char *p = realloc(c->s, cap);
        if (!p) {
            c->failed = 1;
            return;
        }
        c->s = p;
        c->cap = cap;
    }
    memcpy(c->s + c->n, s, n);
    c->n += n;
}

/* Text for COPY's text format: backslash, tab, newline and CR escaped. */
static void put_text(copybuf *c, const char *s, size_t n) {
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        const char *esc = NULL;
        switch (s[i]) {
        case '\\': esc = "\\\\"; break;
        case '\t': esc = "\\t"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        default: continue;
        }
        put(c, s + from, i - from);
        put(c, esc, 2);
        from = i + 1;
    }
    put(c, s + from, n - from);
}

/* One cell as the text its column reads. */
static void put_cell(copybuf *c, const dwhi_cell *cell, col_kind kind, const char *arena) {
    char num[64];
    switch (cell->type) {
    case DWHI_CELL_BOOL:
        if (kind == K_BOOL) put(c, cell->v.i ? "t" : "f", 1);
        else put(c, cell->v.i ? "true" : "false", cell->v.i ? 4 : 5);
        break;
    case DWHI_CELL_INT: put(c, num, (size_t)snprintf(num, sizeof num, "%" PRId64, cell->v.i)); break;
    case DWHI_CELL_REAL: {
        dwhi_scalar s = {.type = DWHI_S_REAL, .d = cell->v.d};
        size_t n = dwhi_scalar_json(&s, num, sizeof num);
        put(c, num, n < sizeof num ? n : strlen(num));
        break;
    }
    case DWHI_CELL_TEXT:
        if (kind == K_TSTZ || kind == K_DATE) {
            char t[40];
            int n = time_text(kind, arena + cell->v.s.off, cell->v.s.len, t);
            if (n >= 0) { /* settle_columns widened the column for any other value */
                put(c, t, (size_t)n);
                break;
            }
        }
        put_text(c, arena + cell->v.s.off, cell->v.s.len);
        break;
    case DWHI_CELL_BIGINT:
    case DWHI_CELL_JSON: put_text(c, arena + cell->v.s.off, cell->v.s.len); break;
    default: put(c, "\\N", 2); break;
    }
}

/* COPYs the batch's rows (every column of the layout, \N where a row has
 * no value) into `into`. */
static int copy_rows(pg_table *t, const char *into, const dwhi_wh_rows *rows, char **err) {
    const dwhi_batch *b = rows->batch;
    char *cols = strdup("");
    for (size_t i = 0; cols && i < t->n_cols; i++) {
        char *q = dwhi_pg_ident(t->cols[i].name), *next = NULL;
        if (!q || asprintf(&next, "%s%s%s", cols, i ? ", " : "", q) < 0) next = NULL;
        free(q);
        free(cols);
        cols = next;
    }
    char *sql = NULL;
    if (!cols || asprintf(&sql, "COPY %s (%s) FROM STDIN", into, cols) < 0) sql = NULL;
    free(cols);
    if (!sql) return oom(t, err, "writing a batch");
    PGconn *conn = t->w->pg->conn;
    PGresult *r = PQexec(conn, sql);
    free(sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        dwhi_pg_fail(t->w, r, err, "writing a batch to table %s", t->target);
        PQclear(r);
        return -1;
    }
    PQclear(r);
    const dwhi_cell **by_col = calloc(t->n_cols ? t->n_cols : 1, sizeof *by_col);
    copybuf c = {0};
    int sent = 0;
    for (size_t ri = 0; by_col && ri < b->n && !c.failed && sent == 0; ri++) {
        if (rows->skip && rows->skip[ri]) continue; /* a later row of the batch has its key */
        const dwhi_brow *row = &b->rows[ri];
        memset(by_col, 0, t->n_cols * sizeof *by_col);
        for (uint32_t k = 0; k < row->n_cells; k++) {
            const dwhi_cell *cell = &b->cells[row->first + k];
            int idx = column_of(t, b, cell->key);
            if (idx >= 0) by_col[idx] = cell;
        }
        for (size_t i = 0; i < t->n_cols; i++) {
            if (i) put(&c, "\t", 1);
            const char *name = t->cols[i].name;
            if (by_col[i]) {
                put_cell(&c, by_col[i], t->cols[i].kind, b->arena);
            } else if (!t->cols[i].key && !strcmp(name, COL_SYNCED_AT) && rows->synced_at) {
                put_text(&c, rows->synced_at, strlen(rows->synced_at));
            } else if (!t->cols[i].key && !strcmp(name, COL_PARTITION) && dwhi_batch_text(b, row->partition)) {
                put_text(&c, dwhi_batch_text(b, row->partition), row->partition.len);
            } else {
                put(&c, "\\N", 2);
            }
        }
        put(&c, "\n", 1);
        if (c.n >= 1 << 20) {
            if (!c.failed && PQputCopyData(conn, c.s, (int)c.n) != 1) sent = -1;
            c.n = 0;
        }
    }
    int failed = !by_col || c.failed;
    if (!failed && sent == 0 && c.n && PQputCopyData(conn, c.s, (int)c.n) != 1) sent = -1;
    free(c.s);
    free(by_col);
    /* a failed build still ends the COPY, so the connection stays usable */
    PQputCopyEnd(conn, failed ? "dwhost: out of memory" : NULL);
    int rc = 0;
    while ((r = PQgetResult(conn))) {
        if (rc == 0 && PQresultStatus(r) != PGRES_COMMAND_OK) {
            if (failed) oom(t, err, "writing a batch");
            else dwhi_pg_fail(t->w, r, err, "writing a batch to table %s", t->target);
            rc = -1;
        }
        PQclear(r);
    }
    if (rc == 0 && (failed || sent < 0)) {
        if (failed) oom(t, err, "writing a batch");
        else dwhi_pg_fail(t->w, NULL, err, "writing a batch to table %s", t->target);
        rc = -1;
    }
    return rc;
}

/* The first key (as text) of the batch that the target already holds --
 * among rows stamped at or after `since` when given -- and how many. */
static int64_t existing_keys(pg_table *t, const char *since, char **first, char **err) {
    *first = NULL;
    char *on = key_list(t, "b.", " AND ", "t."), *shown = key_list(t, "b.", " || ', ' || ", NULL), *sql = NULL;
    if (on && shown &&
        asprintf(&sql, "SELECT (%s)::text, count(*) OVER () FROM " BATCH_TABLE " b JOIN %s t ON %s%s LIMIT 1",
                 shown, t->qtarget, on, since ? " WHERE t." COL_SYNCED_AT " >= $1::timestamptz" : "") < 0)
        sql = NULL;
    free(on);
    free(shown);
    if (!sql) return oom(t, err, "writing a batch");
    const char *p[1] = {since};
    PGresult *r = dwhi_pg_query(t->w, sql, since ? 1 : 0, since ? p : NULL, err, "matching the batch's keys");
    free(sql);
    if (!r) return -1;
    int64_t n = 0;
    if (PQntuples(r) == 1) {
        n = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
        *first = strdup(PQgetisnull(r, 0, 0) ? "null" : PQgetvalue(r, 0, 0));
    }
    PQclear(r);
    return n;
}

/* INSERT the batch table into the target; a row whose key is there
 * replaces it (every other column takes the new row's value). */
static int upsert(pg_table *t, char **err) {
    char *cols = strdup(""), *set = strdup("");
    int any = 0;
    for (size_t i = 0; cols && set && i < t->n_cols; i++) {
        char *q = dwhi_pg_ident(t->cols[i].name), *nc = NULL, *ns = NULL;
        int is_pk = 0;
        for (size_t k = 0; k < t->n_pk; k++)
            if (t->cols[i].key && !strcmp(t->cols[i].key, t->pk[k])) is_pk = 1;
        if (!q || asprintf(&nc, "%s%s%s", cols, i ? ", " : "", q) < 0) nc = NULL;
        if (!is_pk) {
            if (q && asprintf(&ns, "%s%s%s = EXCLUDED.%s", set, any ? ", " : "", q, q) < 0) ns = NULL;
            any = 1;
        } else {
            ns = strdup(set);
        }
        free(q);
        free(cols);
        free(set);
        cols = nc;
        set = ns;
    }
    char *target = key_list(t, "", ", ", NULL), *sql = NULL;
    if (cols && set && target &&
        asprintf(&sql, "INSERT INTO %s (%s) SELECT %s FROM " BATCH_TABLE " ON CONFLICT (%s) DO %s%s", t->qtarget, cols,
                 cols, target, any ? "UPDATE SET " : "NOTHING", any ? set : "") < 0)
        sql = NULL;
    free(cols);
    free(set);
    free(target);
    if (!sql) return oom(t, err, "writing a batch");
    PGresult *r = dwhi_pg_query(t->w, sql, 0, NULL, err, "merging a batch into the table");
    free(sql);
    PQclear(r);
    return r ? 0 : -1;
}

/* Merge: the row's key was already written by an earlier batch of this
 * run (the wording of the SQLite warehouse). */
static int duplicate_in_run(pg_table *t, const char *key, char **err) {
    t->w->last = DWHI_WH_DATA;
    char *names = dwhi_text_join((const char *const *)t->pk, t->n_pk);
    if (asprintf(err,
                 "table %s: primary key (%s) value %.120s appears more than once in this run (an earlier batch of it "
                 "already wrote that key); an incremental sync needs unique keys: fix the source's keys or sync "
                 "with --mode full or --mode append",
                 t->table, names ? names : "?", key) < 0)
        *err = NULL;
    free(names);
    return -1;
}

int dwhi_whpg_write(dwhi_wh_table *tt, const dwhi_wh_rows *rows, char **err) {
    pg_table *t = T(tt);
    *err = NULL;
    const dwhi_batch *b = rows->batch;
    if (load_layout(t, err) < 0) return -1;
    if (b->n == 0) return 0;
    if (!t->exists && create_target(t, b, err) < 0) return -1;
    if (settle_columns(t, b, rows->skip, err) < 0) return -1;
    int keyed = t->mode == DWHI_WRITE_MERGE || (t->mode == DWHI_WRITE_REPLACE && t->keep_last && t->n_pk);
    if (!keyed) return copy_rows(t, t->qtarget, rows, err);
    if (ensure_pk_index(t, err) < 0) return -1;
    char *drop = NULL;
    if (asprintf(&drop, "DROP TABLE IF EXISTS " BATCH_TABLE "; CREATE TEMP TABLE _dw_batch (LIKE %s) ON COMMIT DROP",
                 t->qtarget) < 0)
        drop = NULL;
    if (run_ddl(t, drop, err, "staging a batch") < 0) return -1;
    if (copy_rows(t, BATCH_TABLE, rows, err) < 0) return -1;
    /* rows of keys this run already wrote: an error for a merge (the source
     * repeats keys it promised unique), the last row wins otherwise */
    const char *since = t->mode == DWHI_WRITE_MERGE ? rows->run_started : NULL;
    if (t->mode == DWHI_WRITE_MERGE && !since) return upsert(t, err); /* no run to tell apart */
    char *first = NULL;
    int64_t n = existing_keys(t, since, &first, err);
    if (n < 0) return -1;
    if (n > 0 && t->mode == DWHI_WRITE_MERGE && !t->keep_last) {
        duplicate_in_run(t, first ? first : "?", err);
        free(first);
        return -1;
    }
    free(first);
    if (t->keep_last || t->mode == DWHI_WRITE_REPLACE) t->repeated += (uint64_t)n;
    return upsert(t, err);
}

/* ---- opening, the swap */

static char *staging_name(const char *table) {
    char *s = NULL;
    return asprintf(&s, "_dw_staging_%s", table) < 0 ? NULL : s;
}

dwhi_wh_table *dwhi_whpg_table_open(dwhi_warehouse *w, const char *table, dwhi_write_mode mode,
                                   const char *const *primary_keys, dwhi_wh_target target, char **err) {
    *err = NULL;
    if (strlen(table) + 12 > DWHI_PG_NAME_MAX) {
        w->last = DWHI_WH_OTHER;
        if (asprintf(err,
                     "table %s: the name is longer than PostgreSQL allows with the prefix of its staging table "
                     "(%d bytes in all); choose a shorter --table-prefix",
                     table, DWHI_PG_NAME_MAX - 12) < 0)
            *err = NULL;
        return NULL;
    }
    pg_table *t = calloc(1, sizeof *t);
    if (!t) goto oom;
    t->w = w;
    t->mode = mode;
    if (!(t->table = strdup(table))) goto oom;
    t->direct = mode == DWHI_WRITE_REPLACE && target == DWHI_TARGET_DIRECT;
    t->target = mode == DWHI_WRITE_REPLACE && !t->direct ? staging_name(table) : strdup(table);
    if (!t->target || !(t->qtarget = dwhi_pg_qualified(w, t->target))) goto oom;
    for (const char *const *p = primary_keys; p && *p; p++) t->n_pk++;
    if (!(t->pk = calloc(t->n_pk + 1, sizeof *t->pk))) goto oom;
    for (size_t i = 0; i < t->n_pk; i++)
        if (!(t->pk[i] = strdup(primary_keys[i]))) goto oom;
    if (mode == DWHI_WRITE_MERGE && t->n_pk == 0) {
        if (asprintf(err, "table %s: an incremental (merge) write needs primary keys", table) < 0) *err = NULL;
        dwhi_whpg_table_close((dwhi_wh_table *)t);
        return NULL;
    }
    int rc = 0;
    if (mode == DWHI_WRITE_REPLACE && target != DWHI_TARGET_CONTINUE_STAGING) {
        rc = dwhi_whpg_staging_drop(w, table, err);
    } else if (mode == DWHI_WRITE_APPEND) {
        /* an append may repeat keys: a key index left by an incremental
         * sync would refuse them (a merge makes it again) */
        char *ix = dwhi_pg_index_name(table), *q = ix ? dwhi_pg_qualified(w, ix) : NULL, *sql = NULL;
        if (q && asprintf(&sql, "DROP INDEX IF EXISTS %s", q) < 0) sql = NULL;
        rc = sql ? dwhi_pg_exec(w, sql, 0, NULL, err, "dropping the key index for an append") : -1;
        if (!sql) *err = strdup("out of memory opening a warehouse table");
        free(ix);
        free(q);
        free(sql);
    }
    if (rc < 0) {
        dwhi_whpg_table_close((dwhi_wh_table *)t);
        return NULL;
    }
    return (dwhi_wh_table *)t;
oom:
    dwhi_whpg_table_close((dwhi_wh_table *)t);
    *err = strdup("out of memory opening a warehouse table");
    return NULL;
}

void dwhi_whpg_table_close(dwhi_wh_table *tt) {
    pg_table *t = T(tt);
    if (!t) return;
    forget_layout(t);
    free(t->cols);
    for (size_t i = 0; i < t->n_time_keys; i++) free(t->time_keys[i].key);
    free(t->time_keys);
    for (size_t i = 0; t->pk && i < t->n_pk; i++) free(t->pk[i]);
    free(t->pk);
    free(t->table);
    free(t->target);
    free(t->qtarget);
    free(t);
}

void dwhi_whpg_table_keep_last(dwhi_wh_table *t, int on) { T(t)->keep_last = on != 0; }
uint64_t dwhi_whpg_table_repeated(const dwhi_wh_table *t) { return ((const pg_table *)t)->repeated; }

int dwhi_whpg_table_time_keys(dwhi_wh_table *tt, const dwhi_wh_time_key *keys, size_t n, char **err) {
    pg_table *t = T(tt);
    *err = NULL;
    for (size_t i = 0; i < n; i++) {
        if (keys[i].type != DW_TYPE_DATETIME && keys[i].type != DW_TYPE_DATE) continue;
        pg_time_key *tk = realloc(t->time_keys, (t->n_time_keys + 1) * sizeof *tk);
        if (!tk) return oom(t, err, "noting the time columns");
        t->time_keys = tk;
        if (!(tk[t->n_time_keys].key = strdup(keys[i].key))) return oom(t, err, "noting the time columns");
        tk[t->n_time_keys++].kind = keys[i].type == DW_TYPE_DATE ? K_DATE : K_TSTZ;
    }
    return 0;
}

int dwhi_whpg_table_exists(dwhi_warehouse *w, const char *table) {
    char *err = NULL;
    int e = dwhi_pg_table_exists(w, table, &err);
    free(err);
    return e > 0;
}

int64_t dwhi_whpg_count(dwhi_warehouse *w, const char *table) {
    if (!dwhi_whpg_table_exists(w, table)) return 0;
    char *q = dwhi_pg_qualified(w, table), *sql = NULL, *err = NULL;
    if (q && asprintf(&sql, "SELECT count(*) FROM %s", q) < 0) sql = NULL;
    free(q);
    PGresult *r = sql ? dwhi_pg_query(w, sql, 0, NULL, &err, "counting rows") : NULL;
    free(sql);
    free(err);
    int64_t n = r ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -1;
    PQclear(r);
    return n;
}

int dwhi_whpg_staging_exists(dwhi_warehouse *w, const char *table) {
    char *s = staging_name(table);
    int e = s && dwhi_whpg_table_exists(w, s);
    free(s);
    return e;
}

int dwhi_whpg_staging_drop(dwhi_warehouse *w, const char *table, char **err) {
    *err = NULL;
    char *s = staging_name(table), *q = s ? dwhi_pg_qualified(w, s) : NULL, *sql = NULL;
    if (q && asprintf(&sql, "DROP TABLE IF EXISTS %s", q) < 0) sql = NULL;
    free(s);
    free(q);
    if (!sql) {
        *err = strdup("out of memory dropping a staging table");
        return -1;
    }
    int rc = dwhi_pg_exec(w, sql, 0, NULL, err, "dropping the staging table of an interrupted full refresh");
    free(sql);
    return rc;
}

int dwhi_whpg_finish(dwhi_wh_table *tt, char **err) {
    pg_table *t = T(tt);
    *err = NULL;
    if (t->mode != DWHI_WRITE_REPLACE) return 0;
    dwhi_warehouse *w = t->w;
    char *qtable = dwhi_pg_qualified(w, t->table), *sql = NULL;
    if (!qtable) return oom(t, err, "replacing the table");
    int table_exists = dwhi_pg_table_exists(w, t->table, err);
    int staged = t->direct ? 0 : dwhi_pg_table_exists(w, t->target, err);
    if (table_exists < 0 || staged < 0) {
        free(qtable);
        return -1;
    }
    int n = 0;
    const char *doing = "replacing the table";
    if (staged) {
        /* one transaction: readers see the old table until it commits; the
         * staging table's key index takes the table's index name */
        char *ix = dwhi_pg_index_name(t->target), *qix = ix ? dwhi_pg_qualified(w, ix) : NULL;
        char *newix = dwhi_pg_index_name(t->table), *qnewix = newix ? dwhi_pg_ident(newix) : NULL;
        char *qname = dwhi_pg_ident(t->table);
        if (qix && qnewix && qname)
            n = asprintf(&sql, "DROP TABLE IF EXISTS %s; ALTER TABLE %s RENAME TO %s; ALTER INDEX IF EXISTS %s RENAME TO %s",
                         qtable, t->qtarget, qname, qix, qnewix);
        free(ix);
        free(qix);
        free(newix);
        free(qnewix);
        free(qname);
        doing = "swapping in the refreshed table";
    } else if (table_exists && !t->direct) {
        n = asprintf(&sql, "DELETE FROM %s", qtable); /* the source had no rows */
        doing = "emptying the refreshed table";
    } else if (!table_exists) {
        n = asprintf(&sql, "CREATE TABLE %s (" COL_SYNCED_AT " timestamptz, " COL_PARTITION " text)", qtable);
        doing = "creating the (empty) table";
    }
    free(qtable);
    if (n < 0) sql = NULL;
    int rc = 0;
    if (sql) rc = dwhi_pg_exec(w, sql, 0, NULL, err, doing);
    else if (n < 0 || (!table_exists || staged)) rc = oom(t, err, "replacing the table");
    free(sql);
    forget_layout(t);
    return rc;
}
