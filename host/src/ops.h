/*
 * ops.h -- running one plugin operation (list schemas, check credentials,
 * run a schema) with a fresh dw_ctx.  Every command and the embedding API
 * go through these, so activation, identity, secrets, error mapping and
 * cleanup happen in one place.  Implemented in ops.c.
 */
#ifndef DWH_OPS_H
#define DWH_OPS_H

#include <json-c/json.h>

#include "ctx.h"
#include "registry.h"
#include "secrets.h"

/* Identity of an operation; every member borrowed, any may be NULL
 * (job_id NULL: one is generated for runs). */
typedef struct dwh_identity {
    const char *team_id;
    const char *source_id;
    const char *schema_id;
    const char *job_id;
} dwh_identity;

/* Result of an operation: code and a one-line, scrubbed message (malloc'd,
 * caller frees with free(); NULL when code == DW_OK and nothing to say). */
typedef struct dwh_op_result {
    dw_status code;
    char *message;
} dwh_op_result;

/* Calls list_schemas.  `config` may be NULL (describe without credentials;
 * the plugin may answer DW_ERR_NEEDS_CONFIG).  On DW_OK *schemas is a new
 * JSON array (caller puts it) of schema objects as documented in
 * docs/schemas.md.  Activates the plugin first. */
dwh_op_result dwh_op_list_schemas(dwh_plugin *p, json_object *config, dwh_secrets *secrets,
                                  const dwh_identity *id, json_object **schemas);

/* Calls check_credentials (schema may be NULL).  *warnings (may be NULL)
 * receives a new JSON array of warning strings logged by the plugin. */
dwh_op_result dwh_op_check(dwh_plugin *p, json_object *config, dwh_secrets *secrets,
                           const dwh_identity *id, const char *schema);

/* Calls run() for one schema, sending rows and state to `sink` (borrowed).
 * `inputs` is copied into a host-sized dw_run_inputs.  `cancel` (may be
 * NULL) is polled by api->cancelled. */
dwh_op_result dwh_op_run(dwh_plugin *p, json_object *config, dwh_secrets *secrets,
                         const dwh_identity *id, const dw_run_inputs *inputs, dwh_row_sink *sink,
                         volatile int *cancel);

#endif
