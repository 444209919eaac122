/*
 * sync_plan.h -- what a sync does with each schema, decided from the
 * schema's advertised capabilities (docs/schemas.md) and the user's
 * options, before any plugin code runs:
 *   - which schemas (the named ones, else those synced by default)
 *   - the write mode: --full-refresh or --mode, else incremental when the
 *     schema supports it and has primary keys, else full
 *   - the incremental field: the user's choice, which must be advertised
 *     (never silently another); without a choice the first advertised one,
 *     and the plan says so
 *   - primary keys and partitioning.
 */
#ifndef DWHI_SYNC_PLAN_H
#define DWHI_SYNC_PLAN_H

#include <json-c/json.h>
#include <stdint.h>

#include "partition.h"
#include "sync.h"
#include "warehouse/warehouse_sqlite.h"

typedef struct dwhi_sync_plan {
    const char *schema;            /* borrowed from the schema object */
    dwhi_write_mode mode;
    const char *incremental_field; /* borrowed; NULL: no watermark */
    uint32_t field_type;           /* dw_value_type */
    int field_defaulted;           /* chosen for the user: log it */
    int use_incremental;           /* hand watermarks to the plugin */
    int desc;                      /* the source emits newest first */
    const char **primary_keys;     /* owned array (NULL-terminated) of borrowed strings */
    size_t n_pk;
    int keys_may_repeat;           /* has_duplicate_primary_keys: keep the last row per key */
    int supports_webhooks;         /* the schema takes pushed payloads (docs/concepts/webhooks.md) */
    dwhi_partition partition;       /* owned */
    /* every advertised incremental field of type datetime or date, whatever
     * the mode: the warehouse types their columns (dwhi_wh_table_time_keys) */
    dwhi_wh_time_key *time_keys;   /* owned array of borrowed strings */
    size_t n_time_keys;
} dwhi_sync_plan;

/* Picks the schemas to sync from `schemas` (the list_schemas array,
 * borrowed): `names` in the given order, or every should_sync_default one
 * (every schema when none is marked).  Returns a new array of borrowed
 * references (caller puts it), or NULL with a malloc'd *err naming an
 * unknown schema and the choices. */
json_object *dwhi_sync_select(json_object *schemas, const char *const *names, size_t n_names, char **err);

/* Fills *plan for `schema` (borrowed; must outlive the plan); free it
 * with dwhi_sync_plan_free (also after a failure).  Returns 0,
 * or -1 with a malloc'd one-line *err (a config failure). */
int dwhi_sync_plan_make(json_object *schema, const dwh_sync_options *o, dwhi_sync_plan *plan, char **err);
void dwhi_sync_plan_free(dwhi_sync_plan *plan);

/* dw_value_type of a docs/schemas.md type name, 0 when unknown. */
uint32_t dwhi_value_type_parse(const char *name);

#endif
