/*
 * job_build.h -- the job document a queued sync carries (docs/cli/enqueue.md):
 *   {"job_id", "source", "source_id", "team_id", "mode", "schemas",
 *    "config", "config_file", "enqueued_at"}
 * built the same way by `dwhost enqueue` and `dwhost serve --queue`.
 */
#ifndef DWHI_JOB_BUILD_H
#define DWHI_JOB_BUILD_H

#include <json-c/json.h>
#include <stddef.h>

typedef struct dwhi_job_spec {
    const char *source;             /* required */
    const char *source_id, *team_id; /* NULL: the source name, "local" */
    const char *mode;               /* NULL, "incremental", "full" or "append" */
    json_object *config;            /* the config as written (references unresolved); borrowed */
    const char *config_file;        /* where it was read, or NULL */
    const char *const *schemas;     /* borrowed */
    size_t n_schemas;
} dwhi_job_spec;

/* A new job with a fresh job id (caller puts), or NULL with a malloc'd
 * one-line *err naming what is wrong. */
json_object *dwhi_job_build(const dwhi_job_spec *s, char **err);

#endif
