/* The embedded SQLite warehouse: write modes, schema evolution, quoting,
 * the atomic full-refresh swap, the state table, and clear errors for a
 * locked, read-only or full database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "warehouse/run_history.h"
#include "warehouse/warehouse_sqlite.h"

static char dir[256];
static char path[300];

static int setup(void **s) {
    (void)s;
    snprintf(dir, sizeof dir, "/tmp/dwh-wh-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/warehouse.db", dir);
    return 0;
}

static int teardown(void **s) {
    (void)s;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static dwhi_warehouse *open_wh(void) {
    char *err = NULL;
    dwhi_warehouse *w = dwhi_wh_open(path, NULL, &err);
    if (!w) fail_msg("open: %s", err);
    return w;
}

/* Encodes a JSON array of rows into a batch, as the pipeline does. */
static dwhi_keydict *keys;

static dwhi_batcher *batch_of(const char *json, dwhi_batch *out) {
    if (!keys) keys = dwhi_keydict_new();
    dwhi_batcher *b = dwhi_batcher_new(0, 0, keys);
    json_object *arr = json_tokener_parse(json);
    assert_non_null(arr);
    for (size_t i = 0; i < json_object_array_length(arr); i++)
        assert_int_equal(dwhi_batcher_add_row(b, json_object_array_get_idx(arr, i), NULL), 0);
    json_object_put(arr); /* the batcher keeps nothing of the JSON */
    assert_int_equal(dwhi_batcher_cut(b, DWHI_CUT_ALL, out), 0);
    return b;
}

/* Writes a JSON array of rows in one transaction. */
static int write_rows(dwhi_warehouse *w, dwhi_wh_table *t, const char *json, char **err) {
    dwhi_batch batch;
    dwhi_batcher *b = batch_of(json, &batch);
    dwhi_wh_rows r = {.batch = &batch, .synced_at = "2024-01-01T00:00:00.000Z"};
    int rc = dwhi_wh_begin(w, err);
    if (rc == 0) rc = dwhi_wh_write(t, &r, err);
    if (rc == 0) rc = dwhi_wh_commit(w, err);
    else dwhi_wh_rollback(w);
    dwhi_batcher_free(b);
    return rc;
}

static void must_write(dwhi_warehouse *w, dwhi_wh_table *t, const char *json) {
    char *err = NULL;
    if (write_rows(w, t, json, &err) != 0) fail_msg("write: %s", err);
}

/* The query's rows as "a|b;c|d" text (NULL as "-"). */
static char *query(sqlite3 *db, const char *sql) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db));
    char *out = calloc(1, 1);
    size_t len = 0;
    int row = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            const char *v = (const char *)sqlite3_column_text(st, c);
            const char *sep = c ? "|" : row ? ";" : "";
            size_t need = strlen(sep) + strlen(v ? v : "-");
            out = realloc(out, len + need + 1);
            len += (size_t)sprintf(out + len, "%s%s", sep, v ? v : "-");
        }
        row++;
    }
    sqlite3_finalize(st);
    return out;
}

static void expect(sqlite3 *db, const char *sql, const char *want) {
    char *got = query(db, sql);
    if (strcmp(got, want)) fail_msg("%s\n  got:  %s\n  want: %s", sql, got, want);
    free(got);
}

static void table_names(void **s) {
    (void)s;
    char *n = dwhi_wh_table_name("", "files", "Customers.csv");
    assert_string_equal(n, "files_customers_csv");
    free(n);
    n = dwhi_wh_table_name("raw_", "stripe", "charges");
    assert_string_equal(n, "raw_stripe_charges");
    free(n);
}

static void merge_updates_and_inserts(void **s) {
    (void)s;
    dwhi_warehouse *w = open_wh();
    const char *pk[] = {"id", NULL};
    char *err = NULL;
    dwhi_wh_table *t = dwhi_wh_table_open(w, "src_customers", DWHI_WRITE_MERGE, pk, 0, &err);
    assert_non_null(t);
    must_write(w, t, "[{\"id\":1,\"name\":\"ann\"},{\"id\":2,\"name\":\"bob\"}]");
    must_write(w, t, "[{\"id\":2,\"name\":\"bobby\",\"tier\":\"gold\"},{\"id\":3,\"name\":\"cy\"}]");
    expect(dwhi_wh_db(w), "SELECT id, name, tier FROM src_customers ORDER BY id", "1|ann|-;2|bobby|gold;3|cy|-");
    /* the key index exists and is unique */
    expect(dwhi_wh_db(w), "SELECT \"unique\" FROM pragma_index_list('src_customers') WHERE name = '_dw_pk_src_customers'", "1");
    /* a matched row is replaced: keys it lacks become NULL */
    must_write(w, t, "[{\"id\":2,\"name\":\"b\"}]");
    expect(dwhi_wh_db(w), "SELECT id, name, tier FROM src_customers WHERE id = 2", "2|b|-");
    dwhi_wh_table_close(t);

    /* composite keys */
    const char *pk2[] = {"org", "n", NULL};
    t = dwhi_wh_table_open(w, "src_pairs", DWHI_WRITE_MERGE, pk2, 0, &err);
    must_write(w, t, "[{\"org\":\"a\",\"n\":1,\"v\":1},{\"org\":\"b\",\"n\":1,\"v\":2}]");
    must_write(w, t, "[{\"org\":\"a\",\"n\":1,\"v\":10},{\"org\":\"a\",\"n\":2,\"v\":3}]");
    expect(dwhi_wh_db(w), "SELECT org, n, v FROM src_pairs ORDER BY org, n", "a|1|10;a|2|3;b|1|2");
    dwhi_wh_table_close(t);
    dwhi_wh_close(w);
}

/* A column whose values change type keeps each value as the source sent
 * it: no affinity turns "007" into 7 or 7 into "7" (STRICT, ANY). */
static void values_keep_their_types(void **s) {
    (void)s;
    dwhi_warehouse *w = open_wh();
    char *err = NULL;
    dwhi_wh_table *t = dwhi_wh_table_open(w, "src_mixed", DWHI_WRITE_APPEND, NULL, 0, &err);
    must_write(w, t, "[{\"n\":1,\"code\":\"007\",\"x\":1.5}]");
    must_write(w, t, "[{\"n\":2,\"code\":7,\"x\":\"2.50\"},{\"n\":3,\"code\":\"1e3\",\"x\":3}]");
    must_write(w, t, "[{\"n\":4,\"code\":2.0,\"x\":\" 4\",\"late\":\"0010\"},{\"n\":5,\"late\":10}]");
    expect(dwhi_wh_db(w), "SELECT n, code, typeof(code), x, typeof(x), late, typeof(late) FROM src_mixed ORDER BY n",
           "1|007|text|1.5|real|-|null;2|7|integer|2.50|text|-|null;3|1e3|text|3|integer|-|null;"
           "4|2.0|real| 4|text|0010|text;5|-|null|-|null|10|integer");
    dwhi_wh_table_close(t);

    /* a table made by an older dwhost (typed columns, not STRICT): columns
     * added to it have no type, so no affinity either */
    assert_int_equal(sqlite3_exec(dwhi_wh_db(w),
                                  "CREATE TABLE src_old (id INTEGER, _dw_synced_at TEXT, _dw_partition_key TEXT)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    t = dwhi_wh_table_open(w, "src_old", DWHI_WRITE_APPEND, NULL, 0, &err);
    must_write(w, t, "[{\"id\":1,\"zip\":\"00501\"},{\"id\":2,\"zip\":501}]");
    expect(dwhi_wh_db(w), "SELECT zip, typeof(zip) FROM src_old ORDER BY id", "00501|text;501|integer");
    expect(dwhi_wh_db(w), "SELECT type FROM pragma_table_info('src_old') WHERE name = 'zip'", "");
    dwhi_wh_table_close(t);
    dwhi_wh_close(w);
}

/* Merge: a key written twice in one run fails, whichever batches hold it;
 * a key written by an earlier run is updated. */
static void merge_duplicate_keys_in_a_run(void **s) {
    (void)s;
    dwhi_warehouse *w = open_wh();
    const char *pk[] = {"id", NULL};
    char *err = NULL;
    dwhi_wh_table *t = dwhi_wh_table_open(w, "src_dups", DWHI_WRITE_MERGE, pk, 0, &err);
    dwhi_batch batch;
    /* an earlier run */
    dwhi_batcher *b = batch_of("[{\"id\":1,\"v\":\"old\"}]", &batch);
    dwhi_wh_rows r = {.batch = &batch, .synced_at = "2024-01-01T00:00:00.000Z", .run_started = "2024-01-01T00:00:00.000Z"};
    assert_int_equal(dwhi_wh_begin(w, &err), 0);
    assert_int_equal(dwhi_wh_write(t, &r, &err), 0);
    assert_int_equal(dwhi_wh_commit(w, &err), 0);
    dwhi_batcher_free(b);
    /* this run: batch 1 updates id 1 (written before the run) and writes 2 */
    b = batch_of("[{\"id\":1,\"v\":\"new\"},{\"id\":2,\"v\":\"a\"}]", &batch);
    r = (dwhi_wh_rows){.batch = &batch, .synced_at = "2024-02-01T00:00:00.000Z", .run_started = "2024-02-01T00:00:00.000Z"};
    assert_int_equal(dwhi_wh_begin(w, &err), 0);
    assert_int_equal(dwhi_wh_write(t, &r, &err), 0);
    assert_int_equal(dwhi_wh_commit(w, &err), 0);
    dwhi_batcher_free(b);
    /* batch 2 of the same run repeats id 2: refused, nothing of it kept */
    b = batch_of("[{\"id\":3,\"v\":\"c\"},{\"id\":2,\"v\":\"b\"}]", &batch);
    r = (dwhi_wh_rows){.batch = &batch, .synced_at = "2024-02-01T00:00:01.000Z", .run_started = "2024-02-01T00:00:00.000Z"};
    assert_int_equal(dwhi_wh_begin(w, &err), 0);
    assert_int_equal(dwhi_wh_write(t, &r, &err), -1);
    assert_int_equal(dwhi_wh_last_error(w), DWHI_WH_DATA);
    assert_non_null(strstr(err, "table src_dups: primary key (id) value"));
    assert_non_null(strstr(err, "appears more than once in this run"));
    free(err);
    dwhi_wh_rollback(w);
    dwhi_batcher_free(b);
    expect(dwhi_wh_db(w), "SELECT id, v FROM src_dups ORDER BY id", "1|new;2|a");
    dwhi_wh_table_close(t);
    dwhi_wh_close(w);
}

/* has_duplicate_primary_keys: the table keeps the last row of a key. */
static void keep_last_row_per_key(void **s) {
    (void)s;
    dwhi_warehouse *w = open_wh();
    const char *pk[] = {"id", NULL};
    char *err = NULL;
    /* merge: batch 2 of the run overwrites batch 1's row; skipped rows are not written */
    dwhi_wh_table *t = dwhi_wh_table_open(w, "src_keep", DWHI_WRITE_MERGE, pk, 0, &err);
    dwhi_wh_table_keep_last(t, 1);
    dwhi_batch batch;
    dwhi_batcher *b = batch_of("[{\"id\":1,\"v\":\"a\"},{\"id\":2,\"v\":\"b\"}]", &batch);
    dwhi_wh_rows r = {.batch = &batch, .synced_at = "2024-02-01T00:00:00.000Z", .run_started = "2024-02-01T00:00:00.000Z"};
    assert_int_equal(dwhi_wh_begin(w, &err), 0);
    assert_int_equal(dwhi_wh_write(t, &r, &err), 0);
    assert_int_equal(dwhi_wh_commit(w, &err), 0);
    dwhi_batcher_free(b);
    b = batch_of("[{\"id\":2,\"v\":\"skipped\"},{\"id\":3,\"v\":\"c\"},{\"id\":2,\"v\":\"b2\"}]", &batch);
    const uint8_t skip[] = {1, 0, 0};
    r = (dwhi_wh_rows){.batch = &batch, .synced_at = "2024-02-01T00:00:01.000Z",
                      .run_started = "2024-02-01T00:00:00.000Z", .skip = skip};
    assert_int_equal(dwhi_wh_begin(w, &err), 0);
    assert_int_equal(dwhi_wh_write(t, &r, &err), 0);
    assert_int_equal(dwhi_wh_commit(w, &err), 0);
    dwhi_batcher_free(b);
    expect(dwhi_wh_db(w), "SELECT id, v FROM src_keep ORDER BY id", "1|a;2|b2;3|c");
    assert_int_equal(dwhi_wh_table_repeated(t), 1);
    dwhi_wh_table_close(t);

    /* full refresh: only the last staged row of each key is swapped in;
     * rows without the key are all kept */
    t = dwhi_wh_table_open(w, "src_keepf", DWHI_WRITE_REPLACE, pk, 0, &err);
    dwhi_wh_table_keep_last(t, 1);
    must_write(w, t, "[{\"id\":1,\"v\":\"a\"},{\"id\":2,\"v\":\"b\"},{\"v\":\"nokey1\"}]");
    must_write(w, t, "[{\"id\":2,\"v\":\"b2\"},{\"v\":\"nokey2\"},{\"id\":1,\"v\":\"a2\"},{\"id\":2,\"v\":\"b3\"}]");
    assert_int_equal(dwhi_wh_begin(w, &err), 0);
    assert_int_equal(dwhi_wh_finish(t, &err), 0);
    assert_int_equal(dwhi_wh_commit(w, &err), 0);
    expect(dwhi_wh_db(w), "SELECT coalesce(id, '-'), v FROM src_keepf ORDER BY rowid", "-|nokey1;-|nokey2;1|a2;2|b3");
    assert_int_equal(dwhi_wh_table_repeated(t), 3);
    dwhi_wh_table_close(t);

    /* without the flag a full refresh keeps every row */
    t = dwhi_wh_table_open(w, "src_keepf", DWHI_WRITE_REPLACE, pk, 0, &err);
    must_write(w, t, "[{\"id\":1,\"v\":\"a\"},{\"id\":1,\"v\":\"a2\"}]");
    assert_int_equal(dwhi_wh_begin(w, &err), 0);
    assert_int_equal(dwhi_wh_finish(t, &err), 0);
    assert_int_equal(dwhi_wh_commit(w, &err), 0);
    expect(dwhi_wh_db(w), "SELECT count(*) FROM src_keepf", "2");
    dwhi_wh_table_close(t);
    dwhi_wh_close(w);
}

static void schema_evolution_and_types(void **s) {
    (void)s;
    dwhi_warehouse *w = open_wh();
    char *err = NULL;
    dwhi_wh_table *t = dwhi_wh_table_open(w, "src_ev", DWHI_WRITE_APPEND, NULL, 0, &err);
    must_write(w, t,
               "[{\"i\":1,\"f\":1.5,\"s\":\"x\",\"b\":true,\"o\":{\"a\":[1,{\"b\":null}],\"u\":\"\\u00e9/\"},"
               "\"arr\":[1,2],\"nul\":null}]");
    expect(dwhi_wh_db(w), "SELECT name, type FROM pragma_table_info('src_ev') ORDER BY cid",
           "i|ANY;f|ANY;s|ANY;b|ANY;o|ANY;arr|ANY;_dw_synced_at|TEXT;_dw_partition_key|TEXT");
    expect(dwhi_wh_db(w), "SELECT typeof(i), typeof(f), typeof(s), typeof(b), typeof(o) FROM src_ev",
           "integer|real|text|integer|text");
    /* nested values are JSON, readable with SQLite's JSON functions */
    expect(dwhi_wh_db(w), "SELECT o, json_extract(o, '$.a[1].b'), json_extract(arr, '$[1]'), b FROM src_ev",
           "{\"a\":[1,{\"b\":null}],\"u\":\"é/\"}|-|2|1");
    /* a later batch brings new columns; the only-null one appears once it has a value */
    must_write(w, t, "[{\"i\":2,\"new_col\":\"n\",\"nul\":7}]");
    expect(dwhi_wh_db(w), "SELECT i, s, new_col, nul FROM src_ev ORDER BY i", "1|x|-|-;2|-|n|7");
    expect(dwhi_wh_db(w), "SELECT _dw_synced_at FROM src_ev LIMIT 1", "2024-01-01T00:00:00.000Z");
    /* integers beyond int64 keep every digit in a column they create */
    must_write(w, t, "[{\"i\":3,\"big\":18446744073709551615}]");
    expect(dwhi_wh_db(w), "SELECT big, typeof(big) FROM src_ev WHERE i = 3", "18446744073709551615|text");
    dwhi_wh_table_close(t);
    dwhi_wh_close(w);
}

static void hostile_column_names(void **s) {
    (void)s;
    dwhi_warehouse *w = open_wh();
    char *err = NULL;
    dwhi_wh_table *t = dwhi_wh_table_open(w, "src_weird", DWHI_WRITE_APPEND, NULL, 0, &err);
    must_write(w, t,
               "[{\"id\":1,\"ID\":2,\"a\\\"b\":3,\"x); DROP TABLE src_weird; --\":4,\"_dw_synced_at\":\"mine\","
               "\"\":5,\"with space\":6}]");
    /* every value landed in its own column */
    expect(dwhi_wh_db(w), "SELECT count(*) FROM pragma_table_info('src_weird')", "9");
    expect(dwhi_wh_db(w), "SELECT id, \"a\"\"b\", \"x); DROP TABLE src_weird; --\", \"with space\" FROM src_weird",
           "1|3|4|6");
    char *cols = query(dwhi_wh_db(w), "SELECT group_concat(name, ',') FROM pragma_table_info('src_weird')");
    assert_non_null(strstr(cols, "ID__"));          /* id/ID clash -> stable suffix */
    assert_non_null(strstr(cols, "_dw_synced_at__")); /* a data key never overwrites ours */
    free(cols);
    dwhi_wh_table_close(t);
    dwhi_wh_close(w);

    /* reopened: the same keys map to the same columns, no new ones */
    w = open_wh();
    t = dwhi_wh_table_open(w, "src_weird", DWHI_WRITE_APPEND, NULL, 0, &err);
    must_write(w, t, "[{\"ID\":20,\"_dw_synced_at\":\"again\",\"\":50}]");
    expect(dwhi_wh_db(w), "SELECT count(*) FROM pragma_table_info('src_weird')", "9");
    expect(dwhi_wh_db(w), "SELECT count(*) FROM src_weird WHERE _dw_synced_at = '2024-01-01T00:00:00.000Z'", "2");
    dwhi_wh_table_close(t);
    dwhi_wh_close(w);
}

static void full_refresh_swaps_atomically(void **s) {
    (void)s;
    dwhi_warehouse *w = open_wh();
    char *err = NULL;
    dwhi_wh_table *t = dwhi_wh_table_open(w, "src_full", DWHI_WRITE_REPLACE, NULL, 0, &err);
    must_write(w, t, "[{\"id\":1},{\"id\":2}]");
    assert_int_equal(dwhi_wh_begin(w, &err), 0);
    assert_int_equal(dwhi_wh_finish(t, &err), 0);
    assert_int_equal(dwhi_wh_commit(w, &err), 0);
    dwhi_wh_table_close(t);
    /* a view over the table survives refreshes */
    assert_int_equal(sqlite3_exec(dwhi_wh_db(w), "CREATE VIEW v_full AS SELECT id FROM src_full", 0, 0, 0), 0);

    sqlite3 *reader;
    assert_int_equal(sqlite3_open(path, &reader), SQLITE_OK);
    t = dwhi_wh_table_open(w, "src_full", DWHI_WRITE_REPLACE, NULL, 0, &err);
    must_write(w, t, "[{\"id\":10,\"extra\":\"x\"}]");
    /* during the refresh readers see the old table */
    expect(reader, "SELECT group_concat(id) FROM src_full", "1,2");
    assert_true(dwhi_wh_staging_exists(w, "src_full"));
    dwhi_wh_table_close(t);

    /* a resumed refresh continues into the same staging table */
    t = dwhi_wh_table_open(w, "src_full", DWHI_WRITE_REPLACE, NULL, 1, &err);
    must_write(w, t, "[{\"id\":11}]");
    assert_int_equal(dwhi_wh_begin(w, &err), 0);
    assert_int_equal(dwhi_wh_finish(t, &err), 0);
    /* a reader in the middle of the swap transaction still sees the old table */
    expect(reader, "SELECT group_concat(id) FROM src_full", "1,2");
    assert_int_equal(dwhi_wh_commit(w, &err), 0);
    expect(reader, "SELECT group_concat(id) FROM src_full ORDER BY id", "10,11");
    expect(reader, "SELECT group_concat(id) FROM v_full", "10,11");
    assert_false(dwhi_wh_staging_exists(w, "src_full"));
    dwhi_wh_table_close(t);

    /* a fresh refresh drops a leftover staging table first */
    t = dwhi_wh_table_open(w, "src_full", DWHI_WRITE_REPLACE, NULL, 0, &err);
    must_write(w, t, "[{\"id\":99}]");
    dwhi_wh_table_close(t);
    t = dwhi_wh_table_open(w, "src_full", DWHI_WRITE_REPLACE, NULL, 0, &err);
    must_write(w, t, "[{\"id\":5}]");
    assert_int_equal(dwhi_wh_begin(w, &err), 0);
    assert_int_equal(dwhi_wh_finish(t, &err), 0);
    assert_int_equal(dwhi_wh_commit(w, &err), 0);
    expect(reader, "SELECT group_concat(id) FROM src_full", "5");
    dwhi_wh_table_close(t);

    /* a refresh with no rows empties the table */
    t = dwhi_wh_table_open(w, "src_full", DWHI_WRITE_REPLACE, NULL, 0, &err);
    assert_int_equal(dwhi_wh_begin(w, &err), 0);
    assert_int_equal(dwhi_wh_finish(t, &err), 0);
    assert_int_equal(dwhi_wh_commit(w, &err), 0);
    expect(reader, "SELECT count(*) FROM src_full", "0");
    dwhi_wh_table_close(t);
    sqlite3_close(reader);
    dwhi_wh_close(w);
}

/* A first sync's full refresh writes the table in place: readers see its
 * rows as they land; finish() swaps nothing, still keeps the last row per
 * key, and gives a source without rows its (empty) table.  A leftover
 * staging table is dropped. */
static void first_full_refresh_writes_in_place(void **s) {
    (void)s;
    dwhi_warehouse *w = open_wh();
    const char *pk[] = {"id", NULL};
    char *err = NULL;
    dwhi_wh_table *t = dwhi_wh_table_open(w, "src_first", DWHI_WRITE_REPLACE, NULL, DWHI_TARGET_NEW_STAGING, &err);
    must_write(w, t, "[{\"id\":99}]"); /* an earlier staged run that died */
    dwhi_wh_table_close(t);
    assert_true(dwhi_wh_staging_exists(w, "src_first"));
    t = dwhi_wh_table_open(w, "src_first", DWHI_WRITE_REPLACE, pk, DWHI_TARGET_DIRECT, &err);
    assert_non_null(t);
    assert_false(dwhi_wh_staging_exists(w, "src_first"));
    dwhi_wh_table_keep_last(t, 1);
    must_write(w, t, "[{\"id\":1,\"v\":\"a\"},{\"id\":2,\"v\":\"b\"}]");
    expect(dwhi_wh_db(w), "SELECT group_concat(id) FROM src_first", "1,2"); /* visible before the end */
    must_write(w, t, "[{\"id\":1,\"v\":\"a2\"}]");
    assert_int_equal(dwhi_wh_begin(w, &err), 0);
    assert_int_equal(dwhi_wh_finish(t, &err), 0);
    assert_int_equal(dwhi_wh_commit(w, &err), 0);
    expect(dwhi_wh_db(w), "SELECT id, v FROM src_first ORDER BY id", "1|a2;2|b");
    assert_false(dwhi_wh_staging_exists(w, "src_first"));
    dwhi_wh_table_close(t);
    /* no rows at all: the table still exists afterwards */
    t = dwhi_wh_table_open(w, "src_none", DWHI_WRITE_REPLACE, NULL, DWHI_TARGET_DIRECT, &err);
    assert_int_equal(dwhi_wh_begin(w, &err), 0);
    assert_int_equal(dwhi_wh_finish(t, &err), 0);
    assert_int_equal(dwhi_wh_commit(w, &err), 0);
    expect(dwhi_wh_db(w), "SELECT count(*) FROM src_none", "0");
    dwhi_wh_table_close(t);
    dwhi_wh_close(w);
}

static void append_and_mode_changes(void **s) {
    (void)s;
    dwhi_warehouse *w = open_wh();
    char *err = NULL;
    const char *pk[] = {"id", NULL};
    dwhi_wh_table *t = dwhi_wh_table_open(w, "src_app", DWHI_WRITE_MERGE, pk, 0, &err);
    must_write(w, t, "[{\"id\":1,\"v\":1}]");
    dwhi_wh_table_close(t);
    /* append may repeat keys: the merge index is dropped */
    t = dwhi_wh_table_open(w, "src_app", DWHI_WRITE_APPEND, NULL, 0, &err);
    must_write(w, t, "[{\"id\":1,\"v\":2},{\"id\":1,\"v\":3}]");
    expect(dwhi_wh_db(w), "SELECT count(*) FROM src_app", "3");
    dwhi_wh_table_close(t);
    /* merging into a table with repeated keys is refused, clearly */
    t = dwhi_wh_table_open(w, "src_app", DWHI_WRITE_MERGE, pk, 0, &err);
    assert_int_equal(write_rows(w, t, "[{\"id\":2,\"v\":1}]", &err), -1);
    assert_int_equal(dwhi_wh_last_error(w), DWHI_WH_DATA);
    assert_non_null(strstr(err, "same primary key (id)"));
    assert_non_null(strstr(err, "--full-refresh"));
    free(err);
    expect(dwhi_wh_db(w), "SELECT count(*) FROM src_app", "3"); /* nothing of the batch kept */
    dwhi_wh_table_close(t);
    dwhi_wh_close(w);
}

static void state_commits_with_the_batch(void **s) {
    (void)s;
    dwhi_warehouse *w = open_wh();
    char *err = NULL;
    dwhi_state_key k = {"team1", "files", "customers", NULL};
    dwhi_state_record r = {0}, got = {0};
    assert_int_equal(dwhi_wh_state_get(w, &k, &got, &err), 0);
    assert_int_equal(got.seq, 0);
    r.seq = 1;
    dwhi_state_set(&r.resume, "{\"page\":3}");
    dwhi_state_set(&r.write_mode, "incremental");
    dwhi_state_set(&r.last_value, "\"2024-01-01\"");
    r.rows_past_resume = 7;

    dwhi_wh_table *t = dwhi_wh_table_open(w, "src_st", DWHI_WRITE_APPEND, NULL, 0, &err);
    dwhi_batch batch;
    dwhi_batcher *bt = batch_of("[{\"id\":1}]", &batch);
    dwhi_wh_rows rows = {.batch = &batch};
    /* rolled back: neither the row nor the state exist */
    assert_int_equal(dwhi_wh_begin(w, &err), 0);
    assert_int_equal(dwhi_wh_write(t, &rows, &err), 0);
    assert_int_equal(dwhi_wh_state_put(w, &k, &r, &err), 0);
    dwhi_wh_rollback(w);
    assert_int_equal(dwhi_wh_count(w, "src_st"), 0);
    assert_int_equal(dwhi_wh_state_get(w, &k, &got, &err), 0);
    assert_int_equal(got.seq, 0);
    /* committed: both */
    assert_int_equal(dwhi_wh_begin(w, &err), 0);
    assert_int_equal(dwhi_wh_write(t, &rows, &err), 0);
    assert_int_equal(dwhi_wh_state_put(w, &k, &r, &err), 0);
    assert_int_equal(dwhi_wh_commit(w, &err), 0);
    assert_int_equal(dwhi_wh_count(w, "src_st"), 1);
    assert_int_equal(dwhi_wh_state_get(w, &k, &got, &err), 0);
    assert_int_equal(got.seq, 1);
    assert_string_equal(got.resume, "{\"page\":3}");
    assert_string_equal(got.write_mode, "incremental");
    assert_string_equal(got.last_value, "\"2024-01-01\"");
    assert_int_equal(got.rows_past_resume, 7);
    assert_string_equal(got.warehouse_id, dwhi_wh_id(w));
    /* another schema is another job */
    dwhi_state_key k2 = {"team1", "files", "orders", NULL};
    dwhi_state_record other = {0};
    assert_int_equal(dwhi_wh_state_get(w, &k2, &other, &err), 0);
    assert_int_equal(other.seq, 0);
    dwhi_batcher_free(bt);
    dwhi_wh_table_close(t);
    dwhi_state_record_clear(&r);
    dwhi_state_record_clear(&got);
    dwhi_wh_close(w);
}

static void locked_database_is_named(void **s) {
    (void)s;
    dwhi_warehouse *w0 = open_wh(); /* creates the file */
    dwhi_wh_close(w0);
    sqlite3 *other;
    assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", 0, 0, 0), SQLITE_OK);
    char *err = NULL;
    dwhi_wh_options o = {.busy_timeout_ms = 200};
    dwhi_warehouse *w = dwhi_wh_open(path, &o, &err);
    assert_non_null(w);
    assert_int_equal(dwhi_wh_begin(w, &err), -1);
    assert_int_equal(dwhi_wh_last_error(w), DWHI_WH_LOCKED);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "locked by another writer"));
    free(err);
    sqlite3_exec(other, "ROLLBACK", 0, 0, 0);
    sqlite3_close(other);
    assert_int_equal(dwhi_wh_begin(w, &err), 0);
    dwhi_wh_rollback(w);
    dwhi_wh_close(w);
}

static void full_disk_loses_nothing(void **s) {
    (void)s;
    dwhi_warehouse *w = open_wh();
    char *err = NULL;
    dwhi_wh_table *t = dwhi_wh_table_open(w, "src_big", DWHI_WRITE_APPEND, NULL, 0, &err);
    must_write(w, t, "[{\"id\":1,\"pad\":\"first batch\"}]");
    dwhi_wh_table_close(t);
    sqlite3_int64 pages = 0;
    sqlite3_stmt *st;
    sqlite3_prepare_v2(dwhi_wh_db(w), "PRAGMA page_count", -1, &st, NULL);
    if (sqlite3_step(st) == SQLITE_ROW) pages = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    dwhi_wh_close(w);

    /* the file may not grow past its size + 2 pages */
    dwhi_wh_options o = {.max_page_count = pages + 2};
    w = dwhi_wh_open(path, &o, &err);
    assert_non_null(w);
    t = dwhi_wh_table_open(w, "src_big", DWHI_WRITE_APPEND, NULL, 0, &err);
    json_object *arr = json_object_new_array();
    char pad[2000];
    memset(pad, 'x', sizeof pad - 1);
    pad[sizeof pad - 1] = 0;
    for (int i = 0; i < 200; i++) {
        json_object *r = json_object_new_object();
        json_object_object_add(r, "id", json_object_new_int(100 + i));
        json_object_object_add(r, "pad", json_object_new_string(pad));
        json_object_array_add(arr, r);
    }
    const char *json = json_object_to_json_string(arr);
    assert_int_equal(write_rows(w, t, json, &err), -1);
    json_object_put(arr);
    assert_int_equal(dwhi_wh_last_error(w), DWHI_WH_FULL);
    assert_non_null(strstr(err, "disk is full"));
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "rerun to resume"));
    free(err);
    dwhi_wh_table_close(t);
    dwhi_wh_close(w);
    /* the first batch is intact and the file is usable */
    w = open_wh();
    expect(dwhi_wh_db(w), "SELECT id, pad FROM src_big", "1|first batch");
    expect(dwhi_wh_db(w), "PRAGMA integrity_check", "ok");
    dwhi_wh_close(w);
}

static void unwritable_paths_are_named(void **s) {
    (void)s;
    char *err = NULL;
    char p[600];
    snprintf(p, sizeof p, "%s/missing/warehouse.db", dir);
    assert_null(dwhi_wh_open(p, NULL, &err));
    assert_non_null(strstr(err, "does not exist"));
    free(err);
    assert_null(dwhi_wh_open(dir, NULL, &err));
    assert_non_null(strstr(err, "is a directory"));
    free(err);
    /* a read-only directory: root ignores permissions, so root mounts a
     * read-only tmpfs instead */
    char ro[400];
    snprintf(ro, sizeof ro, "%s/ro", dir);
    mkdir(ro, 0755);
    int mounted = 0;
    if (geteuid() == 0) {
        if (mount("tmpfs", ro, "tmpfs", MS_RDONLY, "size=64k") != 0) skip();
        mounted = 1;
    } else {
        chmod(ro, 0555);
    }
    snprintf(p, sizeof p, "%s/warehouse.db", ro);
    dwhi_warehouse *w = dwhi_wh_open(p, NULL, &err);
    if (mounted) umount(ro);
    assert_null(w);
    assert_non_null(strstr(err, "cannot be written"));
    assert_non_null(strstr(err, p));
    free(err);
}

/* The run history keeps the newest DWHI_RUNS_KEPT runs of each (team,
 * source id, namespace), with their schemas, and nothing of the rest. */
static void run_history_is_bounded(void **s) {
    (void)s;
    dwhi_warehouse *w = open_wh();
    char *err = NULL;
    int64_t id = 0, first_other = 0;
    for (int i = 0; i < DWHI_RUNS_KEPT + 3; i++) {
        char job[32];
        snprintf(job, sizeof job, "job-%d", i);
        dwhi_run_start run = {job, "t", "pager", "src", NULL, "[\"dwhost\",\"sync\"]", "/"};
        assert_int_equal(dwhi_wh_run_begin(w, &run, &id, &err), 0);
        dwhi_run_schema sc = {.schema = "items", .table = "pager_items", .mode = "full", .status = "ok", .rows = i};
        assert_int_equal(dwhi_wh_run_schemas_put(w, id, &sc, 1, &err), 0);
        assert_int_equal(dwhi_wh_run_end(w, id, "ok", NULL, NULL, i, &err), 0);
        if (i == 0) { /* another source id's runs are not counted with these */
            dwhi_run_start other = {"other-1", "t", "pager", "src2", NULL, NULL, NULL};
            assert_int_equal(dwhi_wh_run_begin(w, &other, &first_other, &err), 0);
            assert_int_equal(dwhi_wh_run_end(w, first_other, "failed", "source", "down", 0, &err), 0);
        }
    }
    expect(dwhi_wh_db(w), "SELECT count(*), min(job_id = 'job-3') FROM _dw_runs WHERE source_id = 'src'"
                         " AND run_id = (SELECT min(run_id) FROM _dw_runs WHERE source_id = 'src')", "1|1");
    expect(dwhi_wh_db(w), "SELECT count(*) FROM _dw_runs WHERE source_id = 'src'", "1000");
    expect(dwhi_wh_db(w), "SELECT count(*) FROM _dw_run_schemas", "1000");
    expect(dwhi_wh_db(w), "SELECT job_id, outcome, failure, error, host IS NOT NULL, command FROM _dw_runs"
                         " WHERE source_id = 'src2'", "other-1|failed|source|down|1|-");
    expect(dwhi_wh_db(w), "SELECT outcome, rows, command, cwd FROM _dw_runs ORDER BY run_id DESC LIMIT 1",
           "ok|1002|[\"dwhost\",\"sync\"]|/");
    dwhi_wh_close(w);
}

/* With background checkpoints the WAL is copied into the file while
 * commits go on, stays bounded (it starts over once fully copied), and
 * every committed row is in the file after the close. */
static void background_checkpoint_bounds_the_wal(void **s) {
    (void)s;
    char *err = NULL;
    dwhi_wh_options o = {.background_checkpoint = 1, .checkpoint_pages = 16};
    dwhi_warehouse *w = dwhi_wh_open(path, &o, &err);
    if (!w) fail_msg("open: %s", err);
    dwhi_wh_table *t = dwhi_wh_table_open(w, "src_bg", DWHI_WRITE_APPEND, NULL, 0, &err);
    assert_non_null(t);
    char wal[320];
    snprintf(wal, sizeof wal, "%s-wal", path);
    static char json[64 * 1024];
    off_t max_wal = 0;
    for (int batch = 0; batch < 200; batch++) {
        /* 20 rows of 2 KB: a few 16 KiB pages a commit */
        size_t n = (size_t)snprintf(json, sizeof json, "[");
        for (int r = 0; r < 20; r++)
            n += (size_t)snprintf(json + n, sizeof json - n, "%s{\"id\":%d,\"body\":\"%02000d\"}", r ? "," : "",
                                  batch * 20 + r, batch);
        snprintf(json + n, sizeof json - n, "]");
        must_write(w, t, json);
        struct stat st;
        if (stat(wal, &st) == 0 && st.st_size > max_wal) max_wal = st.st_size;
    }
    /* 200 commits wrote about 8 MB; the WAL never held more than a few
     * times the 16-page threshold (the thread may lag a commit or two) */
    assert_true(max_wal > 0);
    /* and the thread did the copying, not only the writer's fallback at
     * twice the threshold (its connection once never saw the WAL and
     * copied nothing) */
    if (dwhi_wh_background_copied(w) < 16) fail_msg("the thread copied %ld frames", dwhi_wh_background_copied(w));
    if (max_wal > 64 * 16384 + 32768) fail_msg("the WAL grew to %lld bytes", (long long)max_wal);
    dwhi_wh_table_close(t);
    dwhi_wh_close(w);
    struct stat st;
    assert_true(stat(wal, &st) != 0 || st.st_size == 0);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    expect(db, "SELECT count(*), count(DISTINCT id), sum(length(body)) FROM src_bg", "4000|4000|8000000");
    sqlite3_close(db);
}

static void not_a_database(void **s) {
    (void)s;
    FILE *f = fopen(path, "w");
    fputs("this is not sqlite, just text that is long enough to look like a header.....................", f);
    fclose(f);
    char *err = NULL;
    assert_null(dwhi_wh_open(path, NULL, &err));
    assert_non_null(strstr(err, "not a SQLite database"));
    free(err);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_names),
        cmocka_unit_test_setup_teardown(merge_updates_and_inserts, setup, teardown),
        cmocka_unit_test_setup_teardown(schema_evolution_and_types, setup, teardown),
        cmocka_unit_test_setup_teardown(values_keep_their_types, setup, teardown),
        cmocka_unit_test_setup_teardown(merge_duplicate_keys_in_a_run, setup, teardown),
        cmocka_unit_test_setup_teardown(keep_last_row_per_key, setup, teardown),
        cmocka_unit_test_setup_teardown(hostile_column_names, setup, teardown),
        cmocka_unit_test_setup_teardown(full_refresh_swaps_atomically, setup, teardown),
        cmocka_unit_test_setup_teardown(first_full_refresh_writes_in_place, setup, teardown),
        cmocka_unit_test_setup_teardown(append_and_mode_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(state_commits_with_the_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(locked_database_is_named, setup, teardown),
        cmocka_unit_test_setup_teardown(full_disk_loses_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(unwritable_paths_are_named, setup, teardown),
        cmocka_unit_test_setup_teardown(not_a_database, setup, teardown),
        cmocka_unit_test_setup_teardown(run_history_is_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(background_checkpoint_bounds_the_wal, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    dwhi_keydict_free(keys);
    return rc;
}
