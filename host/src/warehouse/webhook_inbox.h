/*
 * webhook_inbox.h -- pushed webhook payloads in the warehouse: the inbox,
 * which schemas take each payload, and how far each schema has consumed.
 *
 *   _dw_webhook_inbox   id (AUTOINCREMENT: ids only grow, never reused),
 *                       team_id, source_id, namespace, received_at,
 *                       payload (the JSON text as pushed)
 *   _dw_webhook_target  (inbox_id, schema_name): the schemas whose
 *                       webhook_transform emitted rows for the payload
 *                       when it was pushed; a row is deleted once its
 *                       schema has consumed the payload
 *   _dw_webhook_cursor  per job (team, source id, schema, namespace): the
 *                       id of the last payload whose rows are committed
 *                       (last_id), and whether a run of the schema has
 *                       completed (synced: its initial sync is done)
 *
 * The cursor is written inside the transaction of the batch that holds
 * the payload's rows (sync_commit.c), so a crash neither loses nor
 * re-applies a payload.  Payloads leave the inbox only after that commit
 * (dwhi_wh_inbox_gc), once every schema that takes them has consumed them.
 * Every function returns -1 with a malloc'd one-line *err (caller frees)
 * on a warehouse error, naming the file and what to do.
 */
#ifndef DWHI_WEBHOOK_INBOX_H
#define DWHI_WEBHOOK_INBOX_H

#include <stddef.h>
#include <stdint.h>

#include "state/state.h"
#include "warehouse_sqlite.h"

/* Created with the other system tables when the warehouse opens. */
#define DWHI_WH_WEBHOOK_TABLES_SQL                                                                     \
    "CREATE TABLE IF NOT EXISTS _dw_webhook_inbox ("                                                  \
    " id INTEGER PRIMARY KEY AUTOINCREMENT, team_id TEXT NOT NULL, source_id TEXT NOT NULL,"          \
    " namespace TEXT NOT NULL DEFAULT '', received_at TEXT NOT NULL, payload TEXT NOT NULL);"         \
    "CREATE TABLE IF NOT EXISTS _dw_webhook_target ("                                                 \
    " inbox_id INTEGER NOT NULL, schema_name TEXT NOT NULL, PRIMARY KEY (inbox_id, schema_name));"    \
    "CREATE INDEX IF NOT EXISTS _dw_webhook_target_schema ON _dw_webhook_target (schema_name, inbox_id);" \
    "CREATE TABLE IF NOT EXISTS _dw_webhook_cursor ("                                                 \
    " team_id TEXT NOT NULL, source_id TEXT NOT NULL, schema_name TEXT NOT NULL,"                     \
    " namespace TEXT NOT NULL DEFAULT '', last_id INTEGER NOT NULL DEFAULT 0,"                        \
    " synced INTEGER NOT NULL DEFAULT 0, updated_at TEXT,"                                            \
    " PRIMARY KEY (team_id, source_id, schema_name, namespace));"                                     \
    "CREATE TABLE IF NOT EXISTS _dw_webhook_seen ("                                                   \
    " team_id TEXT NOT NULL, source_id TEXT NOT NULL, key TEXT NOT NULL, expires INTEGER NOT NULL,"   \
    " PRIMARY KEY (team_id, source_id, key));"

/* In every function `k` names the job (team, source id, namespace; the
 * schema where a schema is meant); borrowed. */

/* A signed request's replay key (webhook/: the signature's timestamp and
 * the payload's digest), kept in _dw_webhook_seen until `expires` (Unix
 * seconds: when the timestamp leaves the tolerance window, after which
 * the signature is refused as expired anyway). */
typedef struct dwhi_wh_replay {
    const char *key;  /* borrowed */
    int64_t expires;
    int64_t now;      /* Unix seconds; keys that expired before it are deleted */
} dwhi_wh_replay;

/* Stores `payload` (`len` bytes of JSON text, borrowed) for the source of
 * `k` with the `n` schemas (borrowed names) that take it, in one
 * transaction of its own.  *id receives the inbox id.  With `replay` (may
 * be NULL) the key is recorded in the same transaction; when the source
 * already has it, nothing is stored and it returns -2 (no *err). */
int dwhi_wh_inbox_add(dwhi_warehouse *w, const dwhi_state_key *k, const char *payload, size_t len,
                     const char *const *schemas, size_t n, const dwhi_wh_replay *replay, int64_t *id, char **err);

/* The first payload after inbox id `after` that schema k->schema takes.
 * Returns 1 with *id and *payload (malloc'd, NUL-terminated, caller
 * frees) and *len; 0 when there is none; -1 on error. */
int dwhi_wh_inbox_next(dwhi_warehouse *w, const dwhi_state_key *k, int64_t after, int64_t *id, char **payload,
                      size_t *len, char **err);

/* How many payloads after `after` schema k->schema takes (-1: error). */
int64_t dwhi_wh_inbox_pending(dwhi_warehouse *w, const dwhi_state_key *k, int64_t after, char **err);

/* The schema's cursor: *last_id (0: nothing consumed) and *synced
 * (non-zero once a run of the schema has completed).  Returns 0 or -1. */
int dwhi_wh_webhook_cursor_get(dwhi_warehouse *w, const dwhi_state_key *k, int64_t *last_id, int *synced,
                              char **err);
/* Inside the caller's transaction: sets last_id (keeps synced). */
int dwhi_wh_webhook_cursor_put(dwhi_warehouse *w, const dwhi_state_key *k, int64_t last_id, char **err);
/* Inside the caller's transaction: records that a run of the schema
 * completed (keeps last_id). */
int dwhi_wh_webhook_mark_synced(dwhi_warehouse *w, const dwhi_state_key *k, char **err);

/* Inside the caller's transaction: moves the schema's cursor past every
 * payload of the source received before `received_before` (ISO-8601 UTC,
 * as dwhi_isotime_now writes it).  For a run that read the whole source
 * from that moment on (a first sync, --reset, --full-refresh, a full-mode
 * schema): its rows are fresher than those payloads, which applied later
 * would overwrite them with older data.  *skipped (may be NULL) receives
 * how many payloads the cursor passed.  Returns 0 or -1. */
int dwhi_wh_webhook_skip_before(dwhi_warehouse *w, const dwhi_state_key *k, const char *received_before,
                               int64_t *skipped, char **err);

/* In a transaction of its own, after the batches that moved the schema's
 * cursor committed: forgets the payloads k->schema consumed and deletes
 * every payload of the source (team, source id, namespace) that no schema
 * still has to consume.  *deleted (may be NULL) receives how many
 * payloads left the inbox.  Returns 0 or -1. */
int dwhi_wh_inbox_gc(dwhi_warehouse *w, const dwhi_state_key *k, int64_t *deleted, char **err);

/* Deletes payload `id` of the source (team, source id, namespace) and its
 * targets in a transaction of its own.  Returns 1 when deleted, 0 when the
 * source has no such payload, -1 on error. */
int dwhi_wh_inbox_drop(dwhi_warehouse *w, const dwhi_state_key *k, int64_t id, char **err);

#endif
