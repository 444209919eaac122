/* schema_lookup.c -- see schema_lookup.h. */
#include "schema_lookup.h"

#include "sync_plan.h"

int dwh_schema_lookup(dwh_plugin *p, json_object *config, dwh_secrets *secrets, const dwh_op_flags *flags,
                      const char *name, char **err) {
    *err = NULL;
    json_object *schemas = NULL;
    dwh_op_result r = dwh_op_list_schemas(p, config, secrets, NULL, flags, &schemas);
    int ok = r.code == DW_OK && schemas && json_object_is_type(schemas, json_type_array);
    dwh_op_result_free(&r);
    if (!ok) {
        json_object_put(schemas);
        return -1;
    }
    const char *names[1] = {name};
    json_object *found = dwh_sync_select(schemas, names, 1, err); /* the same wording as sync */
    json_object_put(schemas);
    if (found) {
        json_object_put(found);
        return 1;
    }
    return *err ? 0 : -1;
}
