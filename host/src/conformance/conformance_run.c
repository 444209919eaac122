/*
 * conformance_run.c -- one read of a schema for the conformance suite,
 * through the same operation layer every command uses (ops.h), with a
 * sink that keeps only what the checks compare (conformance_rows.h) and
 * the saved states, scans each row for secrets as it arrives, and stops
 * the read cleanly at the row cap.
 */
#include <stdlib.h>
#include <string.h>

#include "base/cancel.h"
#include "conformance_int.h"

typedef struct conf_sink {
    dwhi_conf_ctx *c;
    dwhi_conf_run *x;
    const char *resume;  /* handed to state_load; NULL: none */
    size_t cap;          /* opt->max_rows; 0: none */
    struct dwh_cancel cancel; /* the operation's cancel flag: set to stop at the cap */
    int row_leak;        /* a row held a secret */
} conf_sink;

static dw_status sink_row(void *ud, dw_ctx *ctx, json_object *row) {
    (void)ctx;
    conf_sink *s = ud;
    const char *text = json_object_to_json_string_ext(row, JSON_C_TO_STRING_PLAIN);
    if (!text) return DW_ERR_NOMEM;
    /* Rows land in the warehouse: a secret there is a leak too.  Only the
     * first leak is described, so scanning stops once one is known. */
    if (!s->c->leaks && !s->row_leak && dwhi_conf_has_secret(s->c->secrets, text)) s->row_leak = 1;
    if (dwhi_conf_rows_add(&s->x->rows, row, text, strlen(text)) != 0) return DW_ERR_NOMEM;
    /* A plugin that saves no state for another cap's worth of rows is
     * stopped here: memory stays bounded whatever it does. */
    if (s->cap && s->x->rows.n >= 2 * s->cap) dwhi_cancel_set(&s->cancel);
    return DW_OK;
}

static dw_status sink_state(void *ud, dw_ctx *ctx, const char *state) {
    (void)ctx;
    conf_sink *s = ud;
    dwhi_conf_run *x = s->x;
    dwhi_conf_state *st = realloc(x->states, (x->n_states + 1) * sizeof *st);
    if (!st) return DW_ERR_NOMEM;
    x->states = st;
    st[x->n_states].after = x->rows.n;
    st[x->n_states].state = strdup(state);
    if (!st[x->n_states].state) return DW_ERR_NOMEM;
    x->n_states++;
    /* Every row before this save is covered by it: stop here, a clean
     * prefix the resume check can use too. */
    if (s->cap && x->rows.n >= s->cap) dwhi_cancel_set(&s->cancel);
    return DW_OK;
}

static const char *sink_load(void *ud, dw_ctx *ctx) {
    (void)ctx;
    return ((conf_sink *)ud)->resume;
}

void dwhi_conf_capture_done(dwhi_conf_ctx *c, dwhi_conf_capture *cap, const char *what) {
    size_t len = 0;
    char *out = dwhi_conf_capture_end(cap, &len);
    if (!out) return;
    if (dwhi_conf_has_secret(c->secrets, out)) {
        if (!c->leaks) snprintf(c->leak_where, sizeof c->leak_where, "the output of %s", what);
        c->leaks++;
    }
    if (c->opt->verbose && len) {
        char *clean = dwhi_secrets_scrub(c->secrets, out);
        if (clean) fputs(clean, stderr);
        free(clean);
    }
    free(out);
}

void dwhi_conf_note_text(dwhi_conf_ctx *c, const char *text, const char *what) {
    if (text && dwhi_conf_has_secret(c->secrets, text)) {
        if (!c->leaks) snprintf(c->leak_where, sizeof c->leak_where, "%s", what);
        c->leaks++;
    }
}

const char *dwhi_conf_sget(json_object *o, const char *k) {
    json_object *v = NULL;
    return json_object_object_get_ex(o, k, &v) && v ? json_object_get_string(v) : NULL;
}

dwhi_op_result dwhi_conf_do_check(dwhi_conf_ctx *c, json_object *config, const char *schema, json_object **warnings) {
    dwhi_conf_capture cap;
    int captured = dwhi_conf_capture_begin(&cap) == 0;
    dwhi_op_result res = dwhi_op_check(c->p, config, c->secrets, &c->id, &c->flags, schema, warnings);
    if (captured) dwhi_conf_capture_done(c, &cap, "check_credentials");
    dwhi_conf_note_text(c, res.message, "the credential check's message");
    return res;
}

void dwhi_conf_run_free(dwhi_conf_run *x) {
    dwhi_op_result_free(&x->res);
    dwhi_conf_rows_free(&x->rows);
    for (size_t i = 0; i < x->n_states; i++) free(x->states[i].state);
    free(x->states);
    memset(x, 0, sizeof *x);
}

/* Keeps counts of the schema's incremental fields and partition keys (and
 * of values below rd->older_than in rd->field). */
static int watch_fields(dwhi_conf_rows *rows, const dwhi_conf_read *rd) {
    json_object *inc = NULL, *part = NULL, *pkeys = NULL;
    json_object_object_get_ex(rd->schema, "incremental_fields", &inc);
    if (json_object_object_get_ex(rd->schema, "partition", &part) && part)
        json_object_object_get_ex(part, "keys", &pkeys);
    for (size_t i = 0; inc && i < json_object_array_length(inc); i++) {
        const char *f = dwhi_conf_sget(json_object_array_get_idx(inc, i), "field");
        if (f && !dwhi_conf_rows_field(rows, f) &&
            !dwhi_conf_rows_watch(rows, f, rd->field && !strcmp(rd->field, f) ? rd->older_than : NULL))
            return -1;
    }
    for (size_t i = 0; pkeys && i < json_object_array_length(pkeys); i++) {
        const char *f = json_object_get_string(json_object_array_get_idx(pkeys, i));
        if (f && !dwhi_conf_rows_field(rows, f) && !dwhi_conf_rows_watch(rows, f, NULL)) return -1;
    }
    if (rd->field && !dwhi_conf_rows_field(rows, rd->field) && !dwhi_conf_rows_watch(rows, rd->field, rd->older_than))
        return -1;
    return 0;
}

dwhi_conf_run dwhi_conf_do_run(dwhi_conf_ctx *c, const dwhi_conf_read *rd) {
    dwhi_conf_run x;
    memset(&x, 0, sizeof x);
    json_object *pks = NULL;
    json_object_object_get_ex(rd->schema, "primary_keys", &pks);
    dwhi_conf_rows_init(&x.rows, pks);
    if (watch_fields(&x.rows, rd) != 0) {
        x.res.code = x.res.cause = DW_ERR_NOMEM;
        x.res.message = strdup("out of memory");
        return x;
    }
    conf_sink s = {.c = c, .x = &x, .resume = rd->resume, .cap = c->opt->max_rows};
    dwhi_row_sink sink = {.ud = &s, .row = sink_row, .state_save = sink_state, .state_load = sink_load};
    dw_run_inputs in = {.struct_size = sizeof in, .schema_name = rd->name, .use_incremental = rd->field != NULL,
                        .incremental_field = rd->field, .incremental_field_type = rd->ftype,
                        .incremental_last_value = rd->last, .incremental_earliest_value = rd->earliest};
    dwhi_op_flags flags = c->flags;
    flags.cancel = &s.cancel;
    dwhi_conf_capture cap;
    int captured = dwhi_conf_capture_begin(&cap) == 0;
    x.res = dwhi_op_run(c->p, c->config, c->secrets, &c->id, &flags, &in, &sink);
    if (captured) dwhi_conf_capture_done(c, &cap, "run");
    /* Stopped at the cap: a complete read of a prefix, not a failure.  A
     * plugin that finished anyway read everything. */
    if (dwhi_cancel_requested(&s.cancel) && x.res.code == DW_ERR_CANCELLED) {
        free(x.res.message);
        x.res.message = NULL;
        x.res.code = x.res.cause = DW_OK;
        x.capped = 1;
    }
    dwhi_conf_note_text(c, x.res.message, "a run's error message");
    if (s.row_leak && !c->leaks) {
        snprintf(c->leak_where, sizeof c->leak_where, "a row");
        c->leaks++;
    }
    return x;
}
