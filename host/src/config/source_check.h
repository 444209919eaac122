/*
 * source_check.h -- validate a config, then check a source's credentials: the
 * whole of `dwhost check` and dwh_check() (dwhost.h), in one place.
 *
 * Rules (the reference's validate_credentials):
 *   - no plugin code runs on an invalid config;
 *   - without a schema (creating a source) a 403 -- valid credentials
 *     lacking a permission -- passes with a warning, whatever the plugin
 *     returned; with a schema it fails;
 *   - the plugin's non-retryable map supplies the message (ops.c).
 */
#ifndef DWHI_CHECK_H
#define DWHI_CHECK_H

#include <json-c/json.h>

#include "config_report.h"
#include "ops/ops.h"
#include "registry/registry.h"
#include "log/secrets.h"

typedef struct dwhi_check_result {
    /* DW_OK when the credentials were accepted (a 403 without a schema
     * included); otherwise the underlying cause (the plugin's code when the
     * non-retryable map matched).  DW_ERR_CONFIG with invalid_config set
     * when the config did not validate. */
    dw_status cause;
    int invalid_config;
    int unknown_schema;  /* the schema is not one the source lists (cause DW_ERR_CONFIG) */
    /* {"source", "schema", "ok", "outcome" (dwhi_outcome_name(cause), or
     * "unknown_schema"), "status", "message",
     *  "warnings", "config": {"errors", "warnings"}} -- every string
     * scrubbed.  "message" is the error, or on a pass what the plugin said
     * it verified (its last INFO log line; null when none).  Owned by the
     * result. */
    json_object *doc;
} dwhi_check_result;

/* Validates `raw_config` (borrowed; NULL means {}) against p's form
 * (relative {"$file"} references from base_dir, NULL: the working
 * directory), then calls the plugin's check_credentials for `schema` (may
 * be NULL).  Every secret found is added to `secrets` (borrowed, required).
 * `flags` may be NULL.  Release the result with dwhi_check_result_free(). */
dwhi_check_result dwhi_check_run(dwh_plugin *p, json_object *raw_config, const char *base_dir, const char *schema,
                               const dwhi_op_flags *flags, dwhi_secrets *secrets);
/* The same, reading the config from `config_path` ("-" is standard input;
 * relative references start at its directory).  A file that cannot be read
 * or parsed is an invalid config reported at "(file)". */
dwhi_check_result dwhi_check_run_file(dwh_plugin *p, const char *config_path, const char *schema,
                                    const dwhi_op_flags *flags, dwhi_secrets *secrets);
/* The result for a config that could not even be read or parsed, with
 * `rep` (borrowed) holding why. */
dwhi_check_result dwhi_check_invalid(dwh_plugin *p, const char *schema, const dwhi_config_report *rep,
                                   const dwhi_secrets *secrets);
void dwhi_check_result_free(dwhi_check_result *r);

/* Stable word for a cause in JSON documents: "ok", "invalid_config",
 * "bad_credentials", "forbidden", "unreachable", "plugin_error",
 * "interrupted", "state_error", "warehouse_error", "error". */
const char *dwhi_outcome_name(dw_status cause);

#endif
