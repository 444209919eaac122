/*
 * rt_helpers.h -- shared by the runtime tests: a sink that collects rows
 * and state in memory, and loading a plugin from the build tree.
 */
#ifndef RT_HELPERS_H
#define RT_HELPERS_H

#include <json-c/json.h>
#include <stdint.h>

#include "base/cancel.h"
#include "core/ctx.h"
#include "ops/ops.h"
#include "registry/registry.h"

typedef struct rt_sink {
    dwhi_row_sink sink;      /* hand &s->sink to ops */
    json_object *rows;      /* every accepted row (array, owned) */
    char *saved;            /* the last saved state (owned) */
    json_object *saves;     /* every saved state, parsed (array, owned) */
    const char *load;       /* what state_load returns (borrowed; NULL: none) */
    long cancel_after;      /* > 0: sets *cancel after that many rows */
    struct dwh_cancel *cancel;
    long refuse_after;      /* > 0: refuses (DW_ERR_SINK) row number refuse_after + 1 */
    long refuse_saves;      /* non-zero: state saves fail with DW_ERR_SINK */
} rt_sink;

void rt_sink_init(rt_sink *s);
void rt_sink_free(rt_sink *s);
/* Row i (borrowed) and its member `key` as a string (borrowed, NULL if absent). */
json_object *rt_row(rt_sink *s, size_t i);
const char *rt_row_str(rt_sink *s, size_t i, const char *key);
/* The first row whose "step" equals `step`, or NULL. */
json_object *rt_step(rt_sink *s, const char *step);
size_t rt_nrows(rt_sink *s);

/* Scans <build>/test-plugins and <build>/plugins once; returns a new
 * reference to the plugin named `name` (fails the test when missing). */
dwh_plugin *rt_plugin(const char *name);
/* Releases the registry built by rt_plugin (call once at the end). */
void rt_plugins_free(void);

/* Parses JSON text into a new object (fails the test when invalid). */
json_object *rt_json(const char *text);

/* Runs `schema` of `p` with `config` (JSON text, may be NULL) into `s`. */
dwhi_op_result rt_run(dwh_plugin *p, const char *config, const char *schema, rt_sink *s,
                     const dw_run_inputs *extra);

#endif
