/* warehouse_state.c -- the _dw_state table: one row per job (team, source
 * id, schema, namespace), written inside the batch's transaction (see
 * state.h and warehouse_sqlite.h). */
#include <stdlib.h>
#include <string.h>

#include "warehouse_int.h"

static const char *nz(const char *s) { return s ? s : ""; }

static int bind_key(sqlite3_stmt *st, const dwhi_state_key *k) {
    sqlite3_bind_text(st, 1, nz(k->team_id), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, nz(k->source_id), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, nz(k->schema), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, nz(k->ns), -1, SQLITE_STATIC);
    return 0;
}

static int col_str(sqlite3_stmt *st, int i, char **out) {
    const char *v = (const char *)sqlite3_column_text(st, i);
    return dwhi_state_set(out, v);
}

int dwhi_whsq_state_get(dwhi_warehouse *w, const dwhi_state_key *k, dwhi_state_record *out, char **err) {
    *err = NULL;
    dwhi_state_record_clear(out);
    if (!w->state_get) {
        int rc = sqlite3_prepare_v3(
            w->db,
            "SELECT seq, resume, write_mode, incremental_field, last_value, earliest_value, pending_last_value,"
            " pending_earliest_value, run_last_value, run_earliest_value, rows_past_resume, run_rows,"
            " run_batches, job_id, updated_at FROM _dw_state"
            " WHERE team_id = ?1 AND source_id = ?2 AND schema_name = ?3 AND namespace = ?4",
            -1, SQLITE_PREPARE_PERSISTENT, &w->state_get, NULL);
        if (rc) return dwhi_wh_fail(w, rc, err, "reading the sync state");
    }
    sqlite3_stmt *st = w->state_get;
    bind_key(st, k);
    int rc = sqlite3_step(st);
    int bad = 0;
    if (rc == SQLITE_ROW) {
        out->seq = sqlite3_column_int64(st, 0);
        bad |= col_str(st, 1, &out->resume);
        bad |= col_str(st, 2, &out->write_mode);
        bad |= col_str(st, 3, &out->incremental_field);
        bad |= col_str(st, 4, &out->last_value);
        bad |= col_str(st, 5, &out->earliest_value);
        bad |= col_str(st, 6, &out->pending_last_value);
        bad |= col_str(st, 7, &out->pending_earliest_value);
        bad |= col_str(st, 8, &out->run_last_value);
        bad |= col_str(st, 9, &out->run_earliest_value);
        out->rows_past_resume = sqlite3_column_int64(st, 10);
        out->run_rows = sqlite3_column_int64(st, 11);
        out->run_batches = sqlite3_column_int64(st, 12);
        bad |= col_str(st, 13, &out->job_id);
        bad |= col_str(st, 14, &out->updated_at);
        bad |= dwhi_state_set(&out->warehouse_id, w->id);
        rc = SQLITE_DONE;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (bad) {
        dwhi_state_record_clear(out);
        return dwhi_wh_fail(w, SQLITE_NOMEM, err, "reading the sync state");
    }
    if (rc != SQLITE_DONE) return dwhi_wh_fail(w, rc, err, "reading the sync state");
    return 0;
}

static void bind_opt(sqlite3_stmt *st, int i, const char *s) {
    if (s) sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else sqlite3_bind_null(st, i);
}

int dwhi_whsq_state_put(dwhi_warehouse *w, const dwhi_state_key *k, const dwhi_state_record *r, char **err) {
    *err = NULL;
    if (!w->state_put) {
        int rc = sqlite3_prepare_v3(
            w->db,
            "INSERT OR REPLACE INTO _dw_state (team_id, source_id, schema_name, namespace, seq, resume,"
            " write_mode, incremental_field, last_value, earliest_value, pending_last_value,"
            " pending_earliest_value, run_last_value, run_earliest_value, rows_past_resume, run_rows,"
            " run_batches, job_id, updated_at)"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
            -1, SQLITE_PREPARE_PERSISTENT, &w->state_put, NULL);
        if (rc) return dwhi_wh_fail(w, rc, err, "writing the sync state");
    }
    sqlite3_stmt *st = w->state_put;
    bind_key(st, k);
    sqlite3_bind_int64(st, 5, r->seq);
    bind_opt(st, 6, r->resume);
    bind_opt(st, 7, r->write_mode);
    bind_opt(st, 8, r->incremental_field);
    bind_opt(st, 9, r->last_value);
    bind_opt(st, 10, r->earliest_value);
    bind_opt(st, 11, r->pending_last_value);
    bind_opt(st, 12, r->pending_earliest_value);
    bind_opt(st, 13, r->run_last_value);
    bind_opt(st, 14, r->run_earliest_value);
    sqlite3_bind_int64(st, 15, r->rows_past_resume);
    sqlite3_bind_int64(st, 16, r->run_rows);
    sqlite3_bind_int64(st, 17, r->run_batches);
    bind_opt(st, 18, r->job_id);
    bind_opt(st, 19, r->updated_at);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) return dwhi_wh_fail(w, rc, err, "writing the sync state");
    return 0;
}

int dwhi_whsq_state_delete(dwhi_warehouse *w, const dwhi_state_key *k, char **err) {
    *err = NULL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(w->db,
                                "DELETE FROM _dw_state WHERE team_id = ?1 AND source_id = ?2 AND schema_name = ?3"
                                " AND namespace = ?4",
                                -1, &st, NULL);
    if (rc) return dwhi_wh_fail(w, rc, err, "deleting the sync state");
    bind_key(st, k);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return dwhi_wh_fail(w, rc, err, "deleting the sync state");
    return 0;
}
