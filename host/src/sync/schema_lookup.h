/*
 * schema_lookup.h -- "is NAME one of this source's schemas?", asked the
 * same way by sync, read and check so an unknown --schema gets one wording
 * and one exit code everywhere (docs/cli/exit-codes.md: 4).
 */
#ifndef DWHI_SCHEMA_LOOKUP_H
#define DWHI_SCHEMA_LOOKUP_H

#include <json-c/json.h>

#include "ops/ops.h"
#include "registry/registry.h"
#include "log/secrets.h"

/* Lists p's schemas with `config` (validated; borrowed) and looks for
 * `name`.  Returns 1 when it is one; 0 when it is not, with a malloc'd
 * *err "the source has no schema 'NAME'; choose from: a, b" (caller
 * frees); -1 when the schemas could not be listed (*err NULL): the caller
 * lets the plugin decide, as before.  `secrets`, `flags` may be NULL. */
int dwhi_schema_lookup(dwh_plugin *p, json_object *config, dwhi_secrets *secrets, const dwhi_op_flags *flags,
                      const char *name, char **err);

/* dwhi_schema_lookup, and when `field` is not NULL also "does schema NAME
 * advertise the incremental field FIELD?" (read's --incremental-field),
 * worded as sync words it: 0 with a malloc'd *err "schema 'orders' has no
 * incremental field 'x'; choose one of: a, b" or "schema 'orders'
 * advertises no incremental fields, so it cannot use 'x'". */
int dwhi_schema_lookup_field(dwh_plugin *p, json_object *config, dwhi_secrets *secrets, const dwhi_op_flags *flags,
                            const char *name, const char *field, char **err);

/* dwhi_schema_lookup_field for a caller that must not go on unchecked
 * (read): when the schemas cannot be listed it returns -1 with a malloc'd
 * *err "cannot check schema 'NAME': listing the schemas failed (STATUS):
 * MESSAGE" (caller frees) and *list_status the status list_schemas
 * returned, so the caller fails as the listing would have. */
int dwhi_schema_lookup_strict(dwh_plugin *p, json_object *config, dwhi_secrets *secrets, const dwhi_op_flags *flags,
                             const char *name, const char *field, char **err, dw_status *list_status);

#endif
