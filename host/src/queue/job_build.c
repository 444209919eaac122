/* job_build.c -- the job document of a queued sync (see job_build.h). */
#include "job_build.h"

#include <stdlib.h>
#include <string.h>

#include "base/isotime.h"
#include "ops/ops.h"

static void add(json_object *o, const char *k, const char *v) {
    if (v) json_object_object_add(o, k, json_object_new_string(v));
}

json_object *dwhi_job_build(const dwhi_job_spec *s, char **err) {
    *err = NULL;
    if (!s->source || !*s->source) {
        *err = strdup("the job needs a source name");
        return NULL;
    }
    if (s->mode && strcmp(s->mode, "incremental") && strcmp(s->mode, "full") && strcmp(s->mode, "append")) {
        *err = strdup("the mode must be incremental, full or append");
        return NULL;
    }
    if (s->config && !json_object_is_type(s->config, json_type_object)) {
        *err = strdup("the config must be a JSON object");
        return NULL;
    }
    json_object *o = json_object_new_object();
    if (!o) return NULL;
    char id[37], at[40];
    dwhi_uuid4(id);
    dwhi_isotime_now(at, sizeof at);
    add(o, "job_id", id);
    add(o, "source", s->source);
    add(o, "source_id", s->source_id ? s->source_id : s->source);
    add(o, "team_id", s->team_id ? s->team_id : "local");
    add(o, "mode", s->mode);
    if (s->n_schemas) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < s->n_schemas; i++) json_object_array_add(a, json_object_new_string(s->schemas[i]));
        json_object_object_add(o, "schemas", a);
    }
    json_object_object_add(o, "config", s->config ? json_object_get(s->config) : json_object_new_object());
    add(o, "config_file", s->config_file);
    add(o, "enqueued_at", at);
    return o;
}
