/* sync_history.c -- what a sync records of itself in the warehouse's run
 * history (run_history.h): its start, its schemas as they start and end,
 * and how it ended.  Messages and the command line are scrubbed of the
 * run's secrets first.  The history is a record, not the data: a write
 * that fails is logged (WARN) and the sync goes on. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "warehouse/run_history.h"
#include "sync_int.h"

static void warn(dw_ctx *log, char *err) {
    dwhi_log(log, DW_LOG_WARN, "sync.history", "the run history could not be written: %s",
            err ? err : "out of memory");
    free(err);
}

/* The command words as a JSON array text, each scrubbed (malloc'd; NULL:
 * none or OOM). */
static char *command_json(const dwh_sync_options *o, dwhi_secrets *secrets) {
    if (!o->command || !o->n_command) return NULL;
    json_object *arr = json_object_new_array();
    for (size_t i = 0; arr && i < o->n_command; i++) {
        char *w = dwhi_secrets_scrub(secrets, o->command[i] ? o->command[i] : "");
        json_object_array_add(arr, w ? json_object_new_string(w) : NULL);
        free(w);
    }
    const char *t = arr ? json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
                        : NULL;
    char *out = t ? strdup(t) : NULL;
    json_object_put(arr);
    return out;
}

int64_t sync_history_begin(dwhi_warehouse *w, const dwhi_sync_report *r, const dwh_sync_options *o,
                           dwhi_secrets *secrets, dw_ctx *log) {
    char cwd[PATH_MAX];
    char *command = command_json(o, secrets);
    dwhi_run_start run = {r->job_id, r->team_id, r->source, r->source_id, r->state_namespace, command,
                         getcwd(cwd, sizeof cwd) ? cwd : NULL};
    int64_t id = 0;
    char *err = NULL;
    if (dwhi_wh_run_begin(w, &run, &id, &err) < 0) warn(log, err);
    free(command);
    return id;
}

/* The history row of schema report `s` with `status` (NULL: its own). */
static void fill(dwhi_run_schema *h, const dwhi_sync_schema_report *s, const char *status, dwhi_secrets *secrets) {
    *h = (dwhi_run_schema){.schema = s->schema, .table = s->table, .mode = s->mode,
                          .status = status ? status : dwhi_sync_schema_status(s), .rows = (int64_t)s->rows,
                          .resumed = s->resumed, .failure = dwh_sync_failure_name(s->failure),
                          .error = s->message ? dwhi_secrets_scrub(secrets, s->message) : NULL};
}

void sync_history_schemas(dwhi_warehouse *w, int64_t run_id, const dwhi_sync_report *r, dwhi_secrets *secrets,
                          dw_ctx *log) {
    if (!w || !run_id || !r->n_schemas) return;
    dwhi_run_schema *rows = calloc(r->n_schemas, sizeof *rows);
    char *err = NULL;
    if (!rows) {
        warn(log, NULL);
        return;
    }
    for (size_t i = 0; i < r->n_schemas; i++) fill(&rows[i], &r->schemas[i], NULL, secrets);
    if (dwhi_wh_run_schemas_put(w, run_id, rows, r->n_schemas, &err) < 0) warn(log, err);
    for (size_t i = 0; i < r->n_schemas; i++) free((char *)rows[i].error);
    free(rows);
}

void sync_history_schema(dwhi_warehouse *w, int64_t run_id, const dwhi_sync_schema_report *s, const char *status,
                         dwhi_secrets *secrets, dw_ctx *log) {
    if (!w || !run_id) return;
    dwhi_run_schema row;
    fill(&row, s, status, secrets);
    char *err = NULL;
    if (dwhi_wh_run_schemas_put(w, run_id, &row, 1, &err) < 0) warn(log, err);
    free((char *)row.error);
}

void sync_history_end(dwhi_warehouse *w, int64_t run_id, const dwhi_sync_report *r, dwhi_secrets *secrets,
                      dw_ctx *log) {
    if (!w || !run_id) return;
    uint64_t rows = 0;
    for (size_t i = 0; i < r->n_schemas; i++) rows += r->schemas[i].rows;
    const char *outcome = r->failure == DWH_SYNC_OK                ? "ok"
                          : r->failure == DWH_SYNC_FAIL_INTERRUPTED ? "interrupted"
                                                                    : "failed";
    char *error = r->message && r->failure != DWH_SYNC_OK ? dwhi_secrets_scrub(secrets, r->message) : NULL;
    char *err = NULL;
    if (dwhi_wh_run_end(w, run_id, outcome, dwh_sync_failure_name(r->failure), error, (int64_t)rows, &err) < 0)
        warn(log, err);
    free(error);
}
