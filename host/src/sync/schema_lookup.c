/* schema_lookup.c -- see schema_lookup.h. */
#include "schema_lookup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/source_names.h"
#include "base/text.h"
#include "sync_plan.h"

/* 1 when `schema` advertises `field`; else 0 with *err as sync_plan.c words it. */
static int has_field(json_object *schema, const char *field, char **err) {
    json_object *fields = NULL, *v = NULL;
    const char *name = json_object_object_get_ex(schema, "name", &v) ? json_object_get_string(v) : "?";
    if (!json_object_object_get_ex(schema, "incremental_fields", &fields) ||
        !json_object_is_type(fields, json_type_array))
        fields = NULL;
    size_t n = fields ? json_object_array_length(fields) : 0;
    char *choices = strdup("");
    for (size_t i = 0; i < n && choices; i++) {
        json_object *f = NULL;
        const char *s = json_object_object_get_ex(json_object_array_get_idx(fields, i), "field", &f)
                            ? json_object_get_string(f)
                            : "?";
        if (s && !strcmp(s, field)) {
            free(choices);
            return 1;
        }
        char *next = NULL;
        if (asprintf(&next, "%s%s%s", choices, i ? ", " : "", s ? s : "?") < 0) next = NULL;
        free(choices);
        choices = next;
    }
    int rc;
    if (n == 0)
        rc = asprintf(err, "schema '%s' advertises no incremental fields, so it cannot use '%s'", name, field);
    else
        rc = asprintf(err, "schema '%s' has no incremental field '%s'; choose one of: %s", name, field,
                      choices ? choices : "?");
    if (rc < 0) *err = NULL;
    free(choices);
    return 0;
}

/* The lookup; when the listing fails and list_status is not NULL, *err
 * and *list_status say why (dwhi_schema_lookup_strict). */
static int lookup(dwh_plugin *p, json_object *config, dwhi_secrets *secrets, const dwhi_op_flags *flags,
                  const char *name, const char *field, char **err, dw_status *list_status) {
    *err = NULL;
    json_object *schemas = NULL;
    dwhi_op_result r = dwhi_op_list_schemas(p, config, secrets, NULL, flags, &schemas);
    int ok = r.code == DW_OK && schemas && json_object_is_type(schemas, json_type_array);
    if (!ok && list_status) {
        dw_status st = r.code != DW_OK ? (r.cause ? r.cause : r.code) : DW_ERR_BAD_DATA;
        *list_status = st;
        *err = dwhi_strf("cannot check schema '%s': listing the schemas failed (%s): %s", name,
                         dwhi_status_name(r.code != DW_OK ? r.code : st),
                         r.message && *r.message ? r.message : "the plugin gave no reason");
    }
    dwhi_op_result_free(&r);
    if (!ok) {
        json_object_put(schemas);
        return -1;
    }
    const char *names[1] = {name};
    json_object *found = dwhi_sync_select(schemas, names, 1, err); /* the same wording as sync */
    int rc = found ? 1 : *err ? 0 : -1;
    if (found && field && !has_field(json_object_array_get_idx(found, 0), field, err)) rc = *err ? 0 : -1;
    json_object_put(found);
    json_object_put(schemas);
    return rc;
}

int dwhi_schema_lookup_field(dwh_plugin *p, json_object *config, dwhi_secrets *secrets, const dwhi_op_flags *flags,
                            const char *name, const char *field, char **err) {
    return lookup(p, config, secrets, flags, name, field, err, NULL);
}

int dwhi_schema_lookup_strict(dwh_plugin *p, json_object *config, dwhi_secrets *secrets, const dwhi_op_flags *flags,
                             const char *name, const char *field, char **err, dw_status *list_status) {
    return lookup(p, config, secrets, flags, name, field, err, list_status);
}

int dwhi_schema_lookup(dwh_plugin *p, json_object *config, dwhi_secrets *secrets, const dwhi_op_flags *flags,
                      const char *name, char **err) {
    return dwhi_schema_lookup_field(p, config, secrets, flags, name, NULL, err);
}
