/* rt_helpers.c -- see rt_helpers.h. */
#include "rt_helpers.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static dw_status on_row(void *ud, dw_ctx *ctx, json_object *row) {
    rt_sink *s = ud;
    if (s->refuse_after > 0 && (long)json_object_array_length(s->rows) >= s->refuse_after)
        return dwhi_ctx_fail_host(ctx, DW_ERR_SINK, "test sink is full");
    json_object_array_add(s->rows, json_object_get(row));
    if (s->cancel_after > 0 && s->cancel && (long)json_object_array_length(s->rows) >= s->cancel_after)
        dwhi_cancel_set(s->cancel);
    return DW_OK;
}

static dw_status on_save(void *ud, dw_ctx *ctx, const char *state) {
    rt_sink *s = ud;
    if (s->refuse_saves) return DW_ERR_SINK; /* without a message: the host adds one */
    free(s->saved);
    s->saved = strdup(state);
    json_object_array_add(s->saves, json_tokener_parse(state));
    return DW_OK;
}

static const char *on_load(void *ud, dw_ctx *ctx) { return ((rt_sink *)ud)->load; }

void rt_sink_init(rt_sink *s) {
    memset(s, 0, sizeof *s);
    s->sink.ud = s;
    s->sink.row = on_row;
    s->sink.state_save = on_save;
    s->sink.state_load = on_load;
    s->rows = json_object_new_array();
    s->saves = json_object_new_array();
}

void rt_sink_free(rt_sink *s) {
    json_object_put(s->rows);
    json_object_put(s->saves);
    free(s->saved);
    memset(s, 0, sizeof *s);
}

size_t rt_nrows(rt_sink *s) { return json_object_array_length(s->rows); }

json_object *rt_row(rt_sink *s, size_t i) { return json_object_array_get_idx(s->rows, i); }

const char *rt_row_str(rt_sink *s, size_t i, const char *key) {
    json_object *v = NULL;
    if (!json_object_object_get_ex(rt_row(s, i), key, &v) || !v) return NULL;
    return json_object_get_string(v);
}

json_object *rt_step(rt_sink *s, const char *step) {
    for (size_t i = 0; i < rt_nrows(s); i++) {
        const char *st = rt_row_str(s, i, "step");
        if (st && !strcmp(st, step)) return rt_row(s, i);
    }
    return NULL;
}

static dwhi_registry *reg;

dwh_plugin *rt_plugin(const char *name) {
    if (!reg) {
        reg = dwhi_registry_new();
        assert_non_null(reg);
        const char *dirs[] = {DWHOST_BUILD_DIR "/test-plugins", DWHOST_BUILD_DIR "/plugins"};
        dwhi_registry_scan(reg, dirs, 2);
    }
    dwh_plugin *p = dwhi_registry_find(reg, name);
    if (!p) fail_msg("plugin '%s' not found under %s", name, DWHOST_BUILD_DIR);
    return p;
}

void rt_plugins_free(void) {
    dwhi_registry_free(reg);
    reg = NULL;
}

json_object *rt_json(const char *text) {
    json_object *o = json_tokener_parse(text);
    if (!o) fail_msg("invalid test JSON: %s", text);
    return o;
}

dwhi_op_result rt_run(dwh_plugin *p, const char *config, const char *schema, rt_sink *s,
                     const dw_run_inputs *extra) {
    dw_run_inputs in = {0};
    if (extra) in = *extra;
    in.struct_size = sizeof in;
    in.schema_name = schema;
    json_object *cfg = config ? rt_json(config) : NULL;
    dwhi_op_flags flags = {.cancel = s->cancel};
    dwhi_op_result r = dwhi_op_run(p, cfg, NULL, NULL, &flags, &in, &s->sink);
    if (cfg) json_object_put(cfg);
    return r;
}
