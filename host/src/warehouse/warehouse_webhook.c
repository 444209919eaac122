/* warehouse_webhook.c -- the webhook inbox, its targets and the per-job
 * consumption cursors in the SQLite warehouse (see webhook_inbox.h). */
#include <stdlib.h>
#include <string.h>

#include "base/isotime.h"
#include "warehouse_int.h"
#include "webhook_inbox.h"

static const char *nz(const char *s) { return s ? s : ""; }

/* Prepares `sql` and binds the job's team (?1), source id (?2), schema
 * (?3) and namespace (?4) -- those up to the statement's highest
 * parameter; one it does not use is bound harmlessly.  NULL after *err. */
static sqlite3_stmt *prepare(dwhi_warehouse *w, const char *sql, const dwhi_state_key *k, char **err,
                             const char *doing) {
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(w->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        dwhi_wh_fail(w, rc, err, "%s", doing);
        return NULL;
    }
    int n = sqlite3_bind_parameter_count(st);
    sqlite3_bind_text(st, 1, nz(k->team_id), -1, SQLITE_STATIC);
    if (n >= 2) sqlite3_bind_text(st, 2, nz(k->source_id), -1, SQLITE_STATIC);
    if (n >= 3) sqlite3_bind_text(st, 3, nz(k->schema), -1, SQLITE_STATIC);
    if (n >= 4) sqlite3_bind_text(st, 4, nz(k->ns), -1, SQLITE_STATIC);
    return st;
}

/* Steps a statement that returns no rows and finalizes it. */
static int run_done(dwhi_warehouse *w, sqlite3_stmt *st, char **err, const char *doing) {
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return dwhi_wh_fail(w, rc, err, "%s", doing);
    return 0;
}

int dwhi_whsq_inbox_add(dwhi_warehouse *w, const dwhi_state_key *k, const char *payload, size_t len,
                     const char *const *schemas, size_t n, const dwhi_wh_replay *replay, int64_t *id, char **err) {
    *err = NULL;
    *id = 0;
    static const char doing[] = "storing the webhook payload";
    char now[40];
    dwhi_isotime_now(now, sizeof now);
    if (dwhi_wh_begin(w, err) < 0) return -1;
    sqlite3_stmt *st;
    if (replay) { /* the request seen before: nothing stored */
        st = prepare(w, "DELETE FROM _dw_webhook_seen WHERE team_id = ?1 AND source_id = ?2 AND expires < ?5", k,
                     err, doing);
        if (!st) goto fail;
        sqlite3_bind_int64(st, 5, replay->now);
        if (run_done(w, st, err, doing) < 0) goto fail;
        st = prepare(w, "INSERT OR IGNORE INTO _dw_webhook_seen (team_id, source_id, key, expires)"
                        " VALUES (?1, ?2, ?5, ?6)", k, err, doing);
        if (!st) goto fail;
        sqlite3_bind_text(st, 5, replay->key, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, replay->expires);
        if (run_done(w, st, err, doing) < 0) goto fail;
        if (sqlite3_changes(w->db) == 0) {
            dwhi_wh_rollback(w);
            return -2;
        }
    }
    st = prepare(w,
                               "INSERT INTO _dw_webhook_inbox (team_id, source_id, namespace, received_at, payload)"
                               " VALUES (?1, ?2, ?4, ?5, ?6)",
                               k, err, doing);
    if (!st) goto fail;
    sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, payload, (int)len, SQLITE_STATIC);
    if (run_done(w, st, err, doing) < 0) goto fail;
    int64_t new_id = sqlite3_last_insert_rowid(w->db);
    for (size_t i = 0; i < n; i++) {
        st = NULL;
        int rc = sqlite3_prepare_v2(w->db, "INSERT INTO _dw_webhook_target (inbox_id, schema_name) VALUES (?1, ?2)",
                                    -1, &st, NULL);
        if (rc != SQLITE_OK) {
            dwhi_wh_fail(w, rc, err, "%s", doing);
            goto fail;
        }
        sqlite3_bind_int64(st, 1, new_id);
        sqlite3_bind_text(st, 2, schemas[i], -1, SQLITE_STATIC);
        if (run_done(w, st, err, doing) < 0) goto fail;
    }
    if (dwhi_wh_commit(w, err) < 0) return -1;
    *id = new_id;
    return 0;
fail:
    dwhi_wh_rollback(w);
    return -1;
}

int dwhi_whsq_inbox_next(dwhi_warehouse *w, const dwhi_state_key *k, int64_t after, int64_t *id, char **payload,
                      size_t *len, char **err) {
    *err = NULL;
    *payload = NULL;
    *len = 0;
    static const char doing[] = "reading the webhook inbox";
    sqlite3_stmt *st = prepare(w,
                               "SELECT i.id, i.payload FROM _dw_webhook_target t JOIN _dw_webhook_inbox i"
                               " ON i.id = t.inbox_id WHERE i.team_id = ?1 AND i.source_id = ?2"
                               " AND t.schema_name = ?3 AND i.namespace = ?4 AND t.inbox_id > ?5"
                               " ORDER BY t.inbox_id LIMIT 1",
                               k, err, doing);
    if (!st) return -1;
    sqlite3_bind_int64(st, 5, after);
    int rc = sqlite3_step(st);
    int found = 0;
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        const char *text = (const char *)sqlite3_column_text(st, 1);
        int n = sqlite3_column_bytes(st, 1);
        if (!text || !(*payload = malloc((size_t)n + 1))) {
            sqlite3_finalize(st);
            return dwhi_wh_fail(w, SQLITE_NOMEM, err, "%s", doing);
        }
        memcpy(*payload, text, (size_t)n);
        (*payload)[n] = 0;
        *len = (size_t)n;
        found = 1;
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return dwhi_wh_fail(w, rc, err, "%s", doing);
    return found;
}

int64_t dwhi_whsq_inbox_pending(dwhi_warehouse *w, const dwhi_state_key *k, int64_t after, char **err) {
    *err = NULL;
    static const char doing[] = "counting the webhook inbox";
    sqlite3_stmt *st = prepare(w,
                               "SELECT count(*) FROM _dw_webhook_target t JOIN _dw_webhook_inbox i"
                               " ON i.id = t.inbox_id WHERE i.team_id = ?1 AND i.source_id = ?2"
                               " AND t.schema_name = ?3 AND i.namespace = ?4 AND t.inbox_id > ?5",
                               k, err, doing);
    if (!st) return -1;
    sqlite3_bind_int64(st, 5, after);
    int rc = sqlite3_step(st);
    int64_t n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW) return dwhi_wh_fail(w, rc, err, "%s", doing);
    return n;
}

int dwhi_whsq_webhook_cursor_get(dwhi_warehouse *w, const dwhi_state_key *k, int64_t *last_id, int *synced,
                              char **err) {
    *err = NULL;
    *last_id = 0;
    *synced = 0;
    static const char doing[] = "reading the webhook cursor";
    sqlite3_stmt *st = prepare(w,
                               "SELECT last_id, synced FROM _dw_webhook_cursor WHERE team_id = ?1"
                               " AND source_id = ?2 AND schema_name = ?3 AND namespace = ?4",
                               k, err, doing);
    if (!st) return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *last_id = sqlite3_column_int64(st, 0);
        *synced = sqlite3_column_int(st, 1) != 0;
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return dwhi_wh_fail(w, rc, err, "%s", doing);
    return 0;
}

/* Upserts the cursor row, setting one column with `set`. */
static int cursor_upsert(dwhi_warehouse *w, const dwhi_state_key *k, const char *sql, int64_t value, char **err,
                         const char *doing) {
    *err = NULL;
    char now[40];
    dwhi_isotime_now(now, sizeof now);
    sqlite3_stmt *st = prepare(w, sql, k, err, doing);
    if (!st) return -1;
    sqlite3_bind_int64(st, 5, value);
    sqlite3_bind_text(st, 6, now, -1, SQLITE_STATIC);
    return run_done(w, st, err, doing);
}

int dwhi_whsq_webhook_cursor_put(dwhi_warehouse *w, const dwhi_state_key *k, int64_t last_id, char **err) {
    return cursor_upsert(w, k,
                         "INSERT INTO _dw_webhook_cursor (team_id, source_id, schema_name, namespace, last_id,"
                         " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                         " ON CONFLICT (team_id, source_id, schema_name, namespace)"
                         " DO UPDATE SET last_id = excluded.last_id, updated_at = excluded.updated_at",
                         last_id, err, "writing the webhook cursor");
}

int dwhi_whsq_webhook_mark_synced(dwhi_warehouse *w, const dwhi_state_key *k, char **err) {
    return cursor_upsert(w, k,
                         "INSERT INTO _dw_webhook_cursor (team_id, source_id, schema_name, namespace, synced,"
                         " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                         " ON CONFLICT (team_id, source_id, schema_name, namespace)"
                         " DO UPDATE SET synced = excluded.synced, updated_at = excluded.updated_at",
                         1, err, "writing the webhook cursor");
}

int dwhi_whsq_webhook_skip_before(dwhi_warehouse *w, const dwhi_state_key *k, const char *received_before,
                               int64_t *skipped, char **err) {
    *err = NULL;
    if (skipped) *skipped = 0;
    static const char doing[] = "skipping webhook payloads older than a full read";
    int64_t last = 0;
    int synced = 0;
    if (dwhi_wh_webhook_cursor_get(w, k, &last, &synced, err) < 0) return -1;
    sqlite3_stmt *st = prepare(w,
                               "SELECT coalesce(max(id), 0), count(*) FROM _dw_webhook_inbox i WHERE team_id = ?1"
                               " AND source_id = ?2 AND namespace = ?4 AND id > ?5 AND received_at < ?6"
                               " AND EXISTS (SELECT 1 FROM _dw_webhook_target t WHERE t.inbox_id = i.id"
                               " AND t.schema_name = ?3)",
                               k, err, doing);
    if (!st) return -1;
    sqlite3_bind_int64(st, 5, last);
    sqlite3_bind_text(st, 6, received_before, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int64_t upto = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0, n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW) return dwhi_wh_fail(w, rc, err, "%s", doing);
    if (upto <= last) return 0;
    if (skipped) *skipped = n;
    return dwhi_wh_webhook_cursor_put(w, k, upto, err);
}

int dwhi_whsq_inbox_gc(dwhi_warehouse *w, const dwhi_state_key *k, int64_t *deleted, char **err) {
    *err = NULL;
    if (deleted) *deleted = 0;
    static const char doing[] = "deleting consumed webhook payloads";
    int64_t last = 0;
    int synced = 0;
    if (dwhi_wh_webhook_cursor_get(w, k, &last, &synced, err) < 0) return -1;
    if (dwhi_wh_begin(w, err) < 0) return -1;
    sqlite3_stmt *st = prepare(w,
                               "DELETE FROM _dw_webhook_target WHERE schema_name = ?3 AND inbox_id <= ?5"
                               " AND inbox_id IN (SELECT id FROM _dw_webhook_inbox WHERE team_id = ?1"
                               " AND source_id = ?2 AND namespace = ?4)",
                               k, err, doing);
    if (!st) goto fail;
    sqlite3_bind_int64(st, 5, last);
    if (run_done(w, st, err, doing) < 0) goto fail;
    st = prepare(w,
                 "DELETE FROM _dw_webhook_inbox WHERE team_id = ?1 AND source_id = ?2 AND namespace = ?4"
                 " AND NOT EXISTS (SELECT 1 FROM _dw_webhook_target t WHERE t.inbox_id = _dw_webhook_inbox.id)",
                 k, err, doing);
    if (!st) goto fail;
    if (run_done(w, st, err, doing) < 0) goto fail;
    int64_t n = sqlite3_changes(w->db);
    if (dwhi_wh_commit(w, err) < 0) return -1;
    if (deleted) *deleted = n;
    return 0;
fail:
    dwhi_wh_rollback(w);
    return -1;
}

int dwhi_whsq_inbox_drop(dwhi_warehouse *w, const dwhi_state_key *k, int64_t id, char **err) {
    *err = NULL;
    static const char doing[] = "deleting the webhook payload";
    if (dwhi_wh_begin(w, err) < 0) return -1;
    sqlite3_stmt *st = prepare(w,
                               "DELETE FROM _dw_webhook_inbox WHERE team_id = ?1 AND source_id = ?2"
                               " AND namespace = ?4 AND id = ?5",
                               k, err, doing);
    if (!st) goto fail;
    sqlite3_bind_int64(st, 5, id);
    if (run_done(w, st, err, doing) < 0) goto fail;
    int found = sqlite3_changes(w->db) > 0;
    if (found) {
        sqlite3_stmt *t = NULL;
        int rc = sqlite3_prepare_v2(w->db, "DELETE FROM _dw_webhook_target WHERE inbox_id = ?1", -1, &t, NULL);
        if (rc != SQLITE_OK) {
            dwhi_wh_fail(w, rc, err, "%s", doing);
            goto fail;
        }
        sqlite3_bind_int64(t, 1, id);
        if (run_done(w, t, err, doing) < 0) goto fail;
    }
    if (dwhi_wh_commit(w, err) < 0) return -1;
    return found;
fail:
    dwhi_wh_rollback(w);
    return -1;
}
