/*
 * conformance.c -- runs the connector acceptance checks (conformance.h)
 * through the same operation layer every command uses (ops.h), with a
 * sink that keeps the rows and the staged states of each run in memory.
 * The suite reads every row of every chosen schema several times: point
 * it at test data (a fake server, a test account), or choose schemas.
 */
#include <stdlib.h>
#include <string.h>

#include "config_report.h"
#include "config_secrets.h"
#include "config_validate.h"
#include "conformance.h"
#include "json_path.h"
#include "ops.h"

/* ------------------------------------------------------------- the sink */

typedef struct conf_sink {
    json_object *rows;   /* every emitted row, in order */
    json_object *states; /* [{"after": rows so far, "state": text}] */
    const char *resume;  /* handed to state_load; NULL: none */
} conf_sink;

static dw_status sink_row(void *ud, dw_ctx *ctx, json_object *row) {
    (void)ctx;
    conf_sink *s = ud;
    return json_object_array_add(s->rows, json_object_get(row)) == 0 ? DW_OK : DW_ERR_NOMEM;
}

static dw_status sink_state(void *ud, dw_ctx *ctx, const char *state) {
    (void)ctx;
    conf_sink *s = ud;
    json_object *e = json_object_new_object();
    json_object_object_add(e, "after", json_object_new_int64((int64_t)json_object_array_length(s->rows)));
    json_object_object_add(e, "state", json_object_new_string(state));
    return json_object_array_add(s->states, e) == 0 ? DW_OK : DW_ERR_NOMEM;
}

static const char *sink_load(void *ud, dw_ctx *ctx) {
    (void)ctx;
    return ((conf_sink *)ud)->resume;
}

/* ---------------------------------------------------------- the context */

typedef struct conf {
    dwh_plugin *p;
    const dw_source *src;
    const dwh_conf_options *opt;
    dwh_conf_report *r;
    json_object *config; /* validated */
    dwh_secrets *secrets;
    dwh_op_flags flags;
    dwh_identity id;
    size_t leaks;
    char leak_where[160];
} conf;

/* Ends a capture: notes where a secret leaked; forwards the (scrubbed)
 * output when verbose. */
static void capture_done(conf *c, dwh_conf_capture *cap, const char *what) {
    size_t len = 0;
    char *out = dwh_conf_capture_end(cap, &len);
    if (!out) return;
    if (dwh_conf_has_secret(c->secrets, out)) {
        if (!c->leaks) snprintf(c->leak_where, sizeof c->leak_where, "the output of %s", what);
        c->leaks++;
    }
    if (c->opt->verbose && len) {
        char *clean = dwh_secrets_scrub(c->secrets, out);
        if (clean) fputs(clean, stderr);
        free(clean);
    }
    free(out);
}

static void note_text(conf *c, const char *text, const char *what) {
    if (text && dwh_conf_has_secret(c->secrets, text)) {
        if (!c->leaks) snprintf(c->leak_where, sizeof c->leak_where, "%s", what);
        c->leaks++;
    }
}

static dwh_op_result do_check(conf *c, json_object *config, const char *schema, json_object **warnings) {
    dwh_conf_capture cap;
    int captured = dwh_conf_capture_begin(&cap) == 0;
    dwh_op_result res = dwh_op_check(c->p, config, c->secrets, &c->id, &c->flags, schema, warnings);
    if (captured) capture_done(c, &cap, "check_credentials");
    note_text(c, res.message, "the credential check's message");
    return res;
}

typedef struct conf_run {
    dwh_op_result res;
    json_object *rows;
    json_object *states;
} conf_run;

static void run_free(conf_run *x) {
    dwh_op_result_free(&x->res);
    json_object_put(x->rows);
    json_object_put(x->states);
    memset(x, 0, sizeof *x);
}

/* One run of `schema`.  `field` NULL: full refresh. */
static conf_run do_run(conf *c, const char *schema, const char *field, uint32_t ftype, const char *last,
                       const char *earliest, const char *resume) {
    conf_run x;
    memset(&x, 0, sizeof x);
    conf_sink s = {.rows = json_object_new_array(), .states = json_object_new_array(), .resume = resume};
    dwh_row_sink sink = {.ud = &s, .row = sink_row, .state_save = sink_state, .state_load = sink_load};
    dw_run_inputs in = {.struct_size = sizeof in, .schema_name = schema, .use_incremental = field != NULL,
                        .incremental_field = field, .incremental_field_type = ftype,
                        .incremental_last_value = last, .incremental_earliest_value = earliest};
    dwh_conf_capture cap;
    int captured = dwh_conf_capture_begin(&cap) == 0;
    x.res = dwh_op_run(c->p, c->config, c->secrets, &c->id, &c->flags, &in, &sink);
    if (captured) capture_done(c, &cap, "run");
    note_text(c, x.res.message, "a run's error message");
    x.rows = s.rows;
    x.states = s.states;
    /* Rows land in the warehouse: a secret there is a leak too. */
    size_t n = json_object_array_length(x.rows);
    for (size_t i = 0; i < n && !c->leaks; i++)
        note_text(c, json_object_to_json_string_ext(json_object_array_get_idx(x.rows, i), JSON_C_TO_STRING_PLAIN),
                  "a row");
    return x;
}

/* ------------------------------------------------------------ row checks */

static const char *sget(json_object *o, const char *k) {
    json_object *v = NULL;
    return json_object_object_get_ex(o, k, &v) && v ? json_object_get_string(v) : NULL;
}

static int is_scalar(json_object *v) {
    return v && !json_object_is_type(v, json_type_object) && !json_object_is_type(v, json_type_array) &&
           !json_object_is_type(v, json_type_null);
}

/* The primary key tuple of `row` as text, or NULL (and *why) when a key is
 * missing, null or not a scalar.  Caller frees. */
static char *pk_text(json_object *row, json_object *pks, const char **why, const char **which) {
    size_t n = json_object_array_length(pks);
    size_t cap = 64, len = 0;
    char *out = malloc(cap);
    if (!out) return NULL;
    out[0] = 0;
    for (size_t i = 0; i < n; i++) {
        const char *k = json_object_get_string(json_object_array_get_idx(pks, i));
        json_object *v = dwh_json_path(row, k);
        if (!is_scalar(v)) {
            *why = !dwh_json_path_exists(row, k) ? "missing" : !v || json_object_is_type(v, json_type_null) ? "null"
                                                                                                            : "not a scalar";
            *which = k;
            free(out);
            return NULL;
        }
        const char *t = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
        size_t tl = strlen(t);
        if (len + tl + 2 > cap) {
            while (len + tl + 2 > cap) cap *= 2;
            char *o = realloc(out, cap);
            if (!o) {
                free(out);
                return NULL;
            }
            out = o;
        }
        memcpy(out + len, t, tl);
        len += tl;
        out[len++] = '\x1f';
        out[len] = 0;
    }
    return out;
}

/* A key tuple for messages: fields joined with ", ", no trailing mark. */
static const char *key_display(const char *key, char *buf, size_t len) {
    size_t n = 0;
    for (const char *p = key; *p && n + 3 < len; p++) {
        if (*p == '\x1f') {
            if (p[1]) buf[n++] = ',', buf[n++] = ' ';
        } else {
            buf[n++] = *p;
        }
    }
    buf[n] = 0;
    return buf;
}

/* Maps primary key tuple -> row text; counts bad rows.  Returns a new
 * object (caller puts) or NULL when the schema has no primary key. */
static json_object *index_rows(json_object *rows, json_object *pks, size_t *bad, size_t *dups, char *sample,
                               size_t sample_len) {
    *bad = *dups = 0;
    if (!pks || json_object_array_length(pks) == 0) return NULL;
    json_object *idx = json_object_new_object();
    size_t n = json_object_array_length(rows);
    for (size_t i = 0; i < n; i++) {
        json_object *row = json_object_array_get_idx(rows, i);
        const char *why = NULL, *which = NULL;
        char *key = pk_text(row, pks, &why, &which);
        if (!key) {
            if (!*bad && why) snprintf(sample, sample_len, "row %zu: primary key '%s' is %s", i + 1, which, why);
            (*bad)++;
            continue;
        }
        if (json_object_object_get_ex(idx, key, NULL)) {
            char shown[96];
            if (!*dups && !*bad)
                snprintf(sample, sample_len, "row %zu repeats the primary key %s", i + 1,
                         key_display(key, shown, sizeof shown));
            (*dups)++;
        } else {
            json_object_object_add(idx, key,
                                   json_object_new_string(json_object_to_json_string_ext(row, JSON_C_TO_STRING_PLAIN)));
        }
        free(key);
    }
    return idx;
}

/* Counts rows where `field` is missing (null too when `nonnull`). */
static size_t rows_without(json_object *rows, const char *field, int nonnull) {
    size_t bad = 0, n = json_object_array_length(rows);
    for (size_t i = 0; i < n; i++) {
        json_object *row = json_object_array_get_idx(rows, i);
        if (!dwh_json_path_exists(row, field)) bad++;
        else if (nonnull && !is_scalar(dwh_json_path(row, field))) bad++;
    }
    return bad;
}

static void check_read(conf *c, json_object *schema, const char *name, conf_run *x) {
    char check[300];
    snprintf(check, sizeof check, "read:%s", name);
    if (x->res.code != DW_OK) {
        dwh_conf_add(c->r, check, DWH_CONF_FAIL, "the run failed (%s): %s", dwh_status_name(x->res.code),
                     x->res.message ? x->res.message : "");
        return;
    }
    size_t n = json_object_array_length(x->rows);
    if (n == 0) {
        dwh_conf_add(c->r, check, DWH_CONF_FAIL,
                     "the read returned no rows: point the config at data for every schema, or choose schemas "
                     "with --schema");
        return;
    }
    json_object *pks = NULL, *inc = NULL, *part = NULL, *pkeys = NULL;
    json_object_object_get_ex(schema, "primary_keys", &pks);
    json_object_object_get_ex(schema, "incremental_fields", &inc);
    if (json_object_object_get_ex(schema, "partition", &part) && part) json_object_object_get_ex(part, "keys", &pkeys);
    char sample[256] = "";
    size_t bad = 0, dups = 0;
    json_object *idx = index_rows(x->rows, pks, &bad, &dups, sample, sizeof sample);
    json_object_put(idx);
    if (bad || dups) {
        dwh_conf_add(c->r, check, DWH_CONF_FAIL, "%zu of %zu rows have a missing, null or non-scalar primary key, "
                     "%zu repeat one (%s)", bad, n, dups, sample);
        return;
    }
    for (size_t i = 0; inc && i < json_object_array_length(inc); i++) {
        const char *f = sget(json_object_array_get_idx(inc, i), "field");
        size_t without = f ? rows_without(x->rows, f, 1) : n;
        if (without) {
            dwh_conf_add(c->r, check, DWH_CONF_FAIL,
                         "incremental field '%s' is missing or null in %zu of %zu rows", f ? f : "?", without, n);
            return;
        }
    }
    for (size_t i = 0; pkeys && i < json_object_array_length(pkeys); i++) {
        const char *f = json_object_get_string(json_object_array_get_idx(pkeys, i));
        size_t without = rows_without(x->rows, f, 0);
        if (without) {
            dwh_conf_add(c->r, check, DWH_CONF_FAIL, "partition key '%s' is missing in %zu of %zu rows", f, without,
                         n);
            return;
        }
    }
    size_t npk = pks ? json_object_array_length(pks) : 0;
    dwh_conf_add(c->r, check, DWH_CONF_PASS, "%zu rows, %zu state saves; %s", n,
                 json_object_array_length(x->states),
                 npk ? "primary keys present, scalar, non-null and unique" : "no primary key declared");
}

static void check_full_refresh(conf *c, json_object *schema, const char *name, conf_run *first) {
    char check[300];
    snprintf(check, sizeof check, "full_refresh:%s", name);
    conf_run second = do_run(c, name, NULL, 0, NULL, NULL, NULL);
    if (second.res.code != DW_OK) {
        dwh_conf_add(c->r, check, DWH_CONF_FAIL, "the second read failed (%s): %s",
                     dwh_status_name(second.res.code), second.res.message ? second.res.message : "");
        run_free(&second);
        return;
    }
    json_object *pks = NULL;
    json_object_object_get_ex(schema, "primary_keys", &pks);
    size_t n1 = json_object_array_length(first->rows), n2 = json_object_array_length(second.rows);
    char sample[256] = "";
    size_t bad, dups;
    json_object *a = index_rows(first->rows, pks, &bad, &dups, sample, sizeof sample);
    json_object *b = index_rows(second.rows, pks, &bad, &dups, sample, sizeof sample);
    size_t missing = 0, differ = 0;
    char diff[200] = "";
    if (a && b) {
        json_object_object_foreach(a, k, v) {
            json_object *w = NULL;
            if (!json_object_object_get_ex(b, k, &w)) {
                char shown[64];
                if (!missing && !differ)
                    snprintf(diff, sizeof diff, "key %s is missing from the second read", key_display(k, shown, sizeof shown));
                missing++;
            } else if (strcmp(json_object_get_string(v), json_object_get_string(w)) != 0) {
                char shown[64];
                if (!missing && !differ) snprintf(diff, sizeof diff, "row %s differs", key_display(k, shown, sizeof shown));
                differ++;
            }
        }
    } else {
        /* No primary key: compare the rows in order. */
        for (size_t i = 0; i < n1 && i < n2; i++)
            if (strcmp(json_object_to_json_string_ext(json_object_array_get_idx(first->rows, i), JSON_C_TO_STRING_PLAIN),
                       json_object_to_json_string_ext(json_object_array_get_idx(second.rows, i),
                                                      JSON_C_TO_STRING_PLAIN)) != 0) {
                if (!differ) snprintf(diff, sizeof diff, "row %zu differs", i + 1);
                differ++;
            }
    }
    if (n1 != n2 || missing || differ)
        dwh_conf_add(c->r, check, DWH_CONF_FAIL, "two full reads disagree: %zu vs %zu rows, %zu missing, %zu differ (%s)",
                     n1, n2, missing, differ, *diff ? diff : "row counts differ");
    else
        dwh_conf_add(c->r, check, DWH_CONF_PASS, "two full reads gave the same %zu rows", n1);
    json_object_put(a);
    json_object_put(b);
    run_free(&second);
}

/* The watermark text of a value: a JSON number or a JSON string. */
static char *watermark(json_object *v) {
    return strdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static void check_incremental(conf *c, json_object *schema, const char *name) {
    json_object *inc = NULL;
    json_object_object_get_ex(schema, "incremental_fields", &inc);
    const char *sort = sget(schema, "sort_mode");
    int desc = sort && !strcmp(sort, "desc");
    for (size_t i = 0; inc && i < json_object_array_length(inc); i++) {
        json_object *f = json_object_array_get_idx(inc, i);
        const char *field = sget(f, "field");
        const char *type = sget(f, "type");
        uint32_t ftype = !type ? 0
                         : !strcmp(type, "integer")   ? DW_TYPE_INTEGER
                         : !strcmp(type, "numeric")   ? DW_TYPE_NUMERIC
                         : !strcmp(type, "datetime")  ? DW_TYPE_DATETIME
                         : !strcmp(type, "date")      ? DW_TYPE_DATE
                                                      : DW_TYPE_TIMESTAMP;
        char check[300];
        snprintf(check, sizeof check, "incremental:%s:%s", name, field ? field : "?");
        conf_run first = do_run(c, name, field, ftype, NULL, NULL, NULL);
        if (first.res.code != DW_OK) {
            dwh_conf_add(c->r, check, DWH_CONF_FAIL, "the first incremental run failed (%s): %s",
                         dwh_status_name(first.res.code), first.res.message ? first.res.message : "");
            run_free(&first);
            continue;
        }
        json_object *max = NULL, *min = NULL;
        size_t n = json_object_array_length(first.rows);
        for (size_t k = 0; k < n; k++) {
            json_object *v = dwh_json_path(json_object_array_get_idx(first.rows, k), field);
            if (!is_scalar(v)) continue;
            if (!max || dwh_conf_value_cmp(v, max) > 0) max = v;
            if (!min || dwh_conf_value_cmp(v, min) < 0) min = v;
        }
        if (!max) {
            dwh_conf_add(c->r, check, DWH_CONF_FAIL, "the first incremental run returned %zu rows, none with a value "
                         "of '%s'", n, field);
            run_free(&first);
            continue;
        }
        /* What the host would hand the next run: ascending keeps the
         * maximum; descending the maximum and the minimum. */
        char *last = watermark(max), *earliest = desc ? watermark(min) : NULL;
        conf_run second = do_run(c, name, field, ftype, last, earliest, NULL);
        size_t older = 0, n2 = json_object_array_length(second.rows);
        char older_sample[200] = "";
        for (size_t k = 0; k < n2; k++) {
            json_object *v = dwh_json_path(json_object_array_get_idx(second.rows, k), field);
            if (is_scalar(v) && dwh_conf_value_cmp(v, max) < 0) {
                if (!older)
                    snprintf(older_sample, sizeof older_sample, "%.60s < %.60s", json_object_get_string(v),
                             json_object_get_string(max));
                older++;
            }
        }
        /* A watermark from the future: nothing is newer. */
        json_object *future = json_object_is_type(max, json_type_string)
                                  ? json_object_new_string("2999-12-31T00:00:00Z")
                                  : json_object_new_int64(32503593600LL); /* 2999-12-31 in seconds */
        char *future_text = watermark(future);
        char *future_earliest = desc ? watermark(min) : NULL;
        conf_run third = do_run(c, name, field, ftype, future_text, future_earliest, NULL);
        size_t n3 = json_object_array_length(third.rows);
        if (second.res.code != DW_OK || third.res.code != DW_OK)
            dwh_conf_add(c->r, check, DWH_CONF_FAIL, "a run from saved watermarks failed (%s): %s",
                         dwh_status_name(second.res.code != DW_OK ? second.res.code : third.res.code),
                         second.res.code != DW_OK ? second.res.message : third.res.message);
        else if (older)
            dwh_conf_add(c->r, check, DWH_CONF_FAIL,
                         "the second run (last value %s) returned %zu of %zu rows older than it (%s)", last, older,
                         n2, older_sample);
        else if (n3)
            dwh_conf_add(c->r, check, DWH_CONF_FAIL, "a run from a future watermark (%s) returned %zu rows",
                         future_text, n3);
        else
            dwh_conf_add(c->r, check, DWH_CONF_PASS,
                         "first run %zu rows; from last value %s: %zu rows, none older; from the future: none", n,
                         last, n2);
        free(last);
        free(earliest);
        free(future_text);
        free(future_earliest);
        json_object_put(future);
        run_free(&first);
        run_free(&second);
        run_free(&third);
    }
}

/* A top-level number field that sets the page size, by the names plugins
 * use for it; NULL when the form has none. */
static const char *page_size_field(const dw_source *src) {
    static const char *const names[] = {"page_rows", "page_size", "per_page", "batch_size", "limit", NULL};
    for (uint32_t i = 0; i < src->n_fields; i++) {
        const dw_field *f = &src->fields[i];
        if (f->kind != DW_FIELD_INPUT || f->input_type != DW_INPUT_NUMBER || !f->name) continue;
        for (int k = 0; names[k]; k++)
            if (!strcmp(f->name, names[k])) return f->name;
    }
    return NULL;
}

static void check_resume_of(conf *c, json_object *schema, const char *name, conf_run *full, const char *check,
                            int small_pages);

static void check_resume(conf *c, json_object *schema, const char *name, conf_run *full) {
    char check[300];
    snprintf(check, sizeof check, "resume:%s", name);
    if (!(c->src->capabilities & DW_CAP_RESUMABLE)) {
        dwh_conf_add(c->r, check, DWH_CONF_SKIP, "the plugin does not declare DW_CAP_RESUMABLE");
        return;
    }
    check_resume_of(c, schema, name, full, check, 0);
}

/* Checks resume from the middle intermediate checkpoint of `full`.  When
 * the data fits one page and the form has a page-size field, reads again
 * with pages of about a third of the rows (small_pages set) so the check
 * runs on small test data too. */
static void check_resume_of(conf *c, json_object *schema, const char *name, conf_run *full, const char *check,
                            int small_pages) {
    size_t total = json_object_array_length(full->rows);
    /* Intermediate checkpoints: saved with rows still to come. */
    size_t ns = json_object_array_length(full->states), n_mid = 0;
    for (size_t i = 0; i < ns; i++) {
        int64_t after = json_object_get_int64(json_object_object_get(json_object_array_get_idx(full->states, i), "after"));
        if (after > 0 && (size_t)after < total) n_mid++;
    }
    const char *page_field = page_size_field(c->src);
    if (n_mid == 0 && !small_pages && page_field && total >= 2 && json_object_is_type(c->config, json_type_object)) {
        json_object *orig = c->config, *small = NULL;
        if (json_object_deep_copy(orig, &small, NULL) == 0) {
            int64_t page = total >= 3 ? (int64_t)(total / 3) : 1;
            json_object_object_add(small, page_field, json_object_new_int64(page));
            c->config = small;
            conf_run again = do_run(c, name, NULL, 0, NULL, NULL, NULL);
            if (again.res.code == DW_OK && json_object_array_length(again.rows) == total)
                check_resume_of(c, schema, name, &again, check, 1);
            else
                dwh_conf_add(c->r, check, DWH_CONF_FAIL,
                             "a read with %s %lld (to get intermediate checkpoints) gave %zu rows instead of %zu%s%s",
                             page_field, (long long)page, json_object_array_length(again.rows), total,
                             again.res.message ? ": " : "", again.res.message ? again.res.message : "");
            run_free(&again);
            c->config = orig;
            json_object_put(small);
            return;
        }
    }
    if (n_mid == 0) {
        if (page_field)
            dwh_conf_add(c->r, check, DWH_CONF_SKIP,
                         "no intermediate checkpoint in a read of %zu rows (%zu state saves), even with a small %s: "
                         "use test data with more rows",
                         total, ns, page_field);
        else
            dwh_conf_add(c->r, check, DWH_CONF_SKIP,
                         "no intermediate checkpoint in a read of %zu rows (%zu state saves): the data fits one page; "
                         "point the config at more rows (or a smaller page size) to check resuming",
                         total, ns);
        return;
    }
    /* The middle intermediate checkpoint. */
    size_t want = (n_mid + 1) / 2, seen = 0;
    json_object *cp = NULL;
    for (size_t i = 0; i < ns && !cp; i++) {
        json_object *s = json_object_array_get_idx(full->states, i);
        int64_t after = json_object_get_int64(json_object_object_get(s, "after"));
        if (after > 0 && (size_t)after < total && ++seen == want) cp = s;
    }
    size_t prefix = (size_t)json_object_get_int64(json_object_object_get(cp, "after"));
    const char *state = sget(cp, "state");
    conf_run rest = do_run(c, name, NULL, 0, NULL, NULL, state);
    if (rest.res.code != DW_OK) {
        dwh_conf_add(c->r, check, DWH_CONF_FAIL, "the run resumed after row %zu failed (%s): %s", prefix,
                     dwh_status_name(rest.res.code), rest.res.message ? rest.res.message : "");
        run_free(&rest);
        return;
    }
    json_object *pks = NULL;
    json_object_object_get_ex(schema, "primary_keys", &pks);
    /* prefix + resumed rows must be the full read's rows exactly once. */
    json_object *combined = json_object_new_array();
    for (size_t i = 0; i < prefix; i++)
        json_object_array_add(combined, json_object_get(json_object_array_get_idx(full->rows, i)));
    size_t nr = json_object_array_length(rest.rows);
    for (size_t i = 0; i < nr; i++) json_object_array_add(combined, json_object_get(json_object_array_get_idx(rest.rows, i)));
    char sample[256] = "";
    size_t bad, dups, bad_all, dups_all;
    json_object *got = index_rows(combined, pks, &bad, &dups, sample, sizeof sample);
    char sample_all[256] = "";
    json_object *all = index_rows(full->rows, pks, &bad_all, &dups_all, sample_all, sizeof sample_all);
    size_t missing = 0;
    char miss[160] = "";
    if (all && got) {
        json_object_object_foreach(all, k, v) {
            (void)v;
            if (!json_object_object_get_ex(got, k, NULL)) {
                char shown[96];
                if (!missing) snprintf(miss, sizeof miss, "%s", key_display(k, shown, sizeof shown));
                missing++;
            }
        }
    }
    if (!pks || !json_object_array_length(pks))
        dwh_conf_add(c->r, check, DWH_CONF_SKIP, "no primary key to compare rows by");
    else if (missing || dups > dups_all) /* duplicates the full read had already are read:'s finding */
        dwh_conf_add(c->r, check, DWH_CONF_FAIL,
                     "resumed after row %zu of %zu (checkpoint %s): %zu rows missing (first %s), %zu read twice (%s)",
                     prefix, total, state, missing, *miss ? miss : "-", dups - dups_all, *sample ? sample : "-");
    else
        dwh_conf_add(c->r, check, DWH_CONF_PASS,
                     "resumed after row %zu of %zu from an intermediate checkpoint: %zu more rows, none missing, "
                     "none twice%s",
                     prefix, total, nr, small_pages ? " (read with a small page size)" : "");
    json_object_put(got);
    json_object_put(all);
    json_object_put(combined);
    run_free(&rest);
}

/* ----------------------------------------------------- the static part */

static int selected(const dwh_conf_options *opt, const char *name) {
    if (!opt->schemas || !opt->n_schemas) return 1;
    for (size_t i = 0; i < opt->n_schemas; i++)
        if (!strcmp(opt->schemas[i], name)) return 1;
    return 0;
}

static json_object *check_schemas(conf *c) {
    json_object *schemas = NULL;
    dwh_conf_capture cap;
    int captured = dwh_conf_capture_begin(&cap) == 0;
    dwh_op_result res = dwh_op_list_schemas(c->p, c->config, c->secrets, &c->id, &c->flags, &schemas);
    if (captured) capture_done(c, &cap, "list_schemas");
    if (res.code != DW_OK) {
        dwh_conf_add(c->r, "schemas", DWH_CONF_FAIL, "list_schemas failed (%s): %s", dwh_status_name(res.code),
                     res.message ? res.message : "");
        dwh_op_result_free(&res);
        return NULL;
    }
    dwh_op_result_free(&res);
    size_t n = json_object_array_length(schemas);
    char p[512] = "";
    size_t chosen = 0;
    for (size_t i = 0; i < n; i++) {
        json_object *s = json_object_array_get_idx(schemas, i);
        const char *name = sget(s, "name");
        json_object *pks = NULL, *inc = NULL, *flag = NULL;
        json_object_object_get_ex(s, "primary_keys", &pks);
        json_object_object_get_ex(s, "incremental_fields", &inc);
        json_object_object_get_ex(s, "supports_incremental", &flag);
        if (name && selected(c->opt, name)) chosen++;
        if (json_object_get_boolean(flag) && (!pks || !json_object_array_length(pks)) && !*p)
            snprintf(p, sizeof p, "schema '%s' is incremental but declares no primary key (merging needs one)",
                     name ? name : "?");
        if (json_object_get_boolean(flag) && (!inc || !json_object_array_length(inc)) && !*p)
            snprintf(p, sizeof p, "schema '%s' is incremental but advertises no incremental field", name ? name : "?");
    }
    for (size_t i = 0; i < c->opt->n_schemas && !*p; i++) {
        int found = 0;
        for (size_t k = 0; k < n; k++)
            if (!strcmp(sget(json_object_array_get_idx(schemas, k), "name"), c->opt->schemas[i])) found = 1;
        if (!found) snprintf(p, sizeof p, "--schema %s: the plugin has no such schema", c->opt->schemas[i]);
    }
    if (n == 0)
        dwh_conf_add(c->r, "schemas", DWH_CONF_FAIL, "list_schemas returned no schema");
    else if (*p)
        dwh_conf_add(c->r, "schemas", DWH_CONF_FAIL, "%s", p);
    else
        dwh_conf_add(c->r, "schemas", DWH_CONF_PASS, "%zu schemas (names unique), %zu chosen", n, chosen);
    if (n == 0 || *p) {
        json_object_put(schemas);
        return NULL;
    }
    return schemas;
}

static int validate_config(conf *c) {
    dwh_config_report rep;
    dwh_config_report_init(&rep);
    dwh_config_options o = {.base_dir = c->opt->config_dir, .resolved = c->secrets};
    /* Secrets of the raw config too, so even error output is scrubbed. */
    dwh_config_collect_secrets(c->src->fields, c->src->n_fields, c->opt->config, c->secrets);
    int rc = dwh_config_validate(c->src->fields, c->src->n_fields, c->opt->config, &o, &c->config, &rep);
    if (rc != 0) {
        char *first = rep.n_errors ? dwh_config_issue_line(&rep.errors[0], 0) : NULL;
        dwh_conf_add(c->r, "config", DWH_CONF_FAIL, "the config does not match the form: %zu error(s); first: %s",
                     rep.n_errors, first ? first : "?");
        free(first);
    } else {
        dwh_config_collect_secrets(c->src->fields, c->src->n_fields, c->config, c->secrets);
        dwh_conf_add(c->r, "config", DWH_CONF_PASS, "valid (%zu warning(s)); %zu secret value(s) known",
                     rep.n_warnings, dwh_secrets_count(c->secrets));
    }
    dwh_config_report_clear(&rep);
    return rc;
}

static void check_credentials(conf *c) {
    json_object *warnings = NULL;
    dwh_op_result res = do_check(c, c->config, NULL, &warnings);
    size_t nw = warnings ? json_object_array_length(warnings) : 0;
    if (res.code == DW_OK)
        dwh_conf_add(c->r, "check", DWH_CONF_PASS, "the credential check passed%s%s", nw ? "; warning: " : "",
                     nw ? json_object_get_string(json_object_array_get_idx(warnings, 0)) : "");
    else
        dwh_conf_add(c->r, "check", DWH_CONF_FAIL, "the credential check failed (%s): %s", dwh_status_name(res.code),
                     res.message ? res.message : "");
    json_object_put(warnings);
    dwh_op_result_free(&res);

    size_t replaced = 0;
    json_object *broken = dwh_conf_break_secrets(c->src, c->config, c->secrets, &replaced);
    if (!replaced) {
        dwh_conf_add(c->r, "check_broken", DWH_CONF_SKIP, "the config holds no secret value to break");
        json_object_put(broken);
        return;
    }
    res = do_check(c, broken, NULL, NULL);
    const char *m = res.message;
    if (res.code == DW_OK)
        dwh_conf_add(c->r, "check_broken", DWH_CONF_FAIL,
                     "the credential check passed with %zu secret(s) replaced by wrong values", replaced);
    else if (!m || !*m || strchr(m, '\n') || strstr(m, "without saying why"))
        dwh_conf_add(c->r, "check_broken", DWH_CONF_FAIL, "the check failed (%s) without one clear line: '%s'",
                     dwh_status_name(res.code), m ? m : "");
    else
        dwh_conf_add(c->r, "check_broken", DWH_CONF_PASS, "wrong secrets fail the check (%s): %s",
                     dwh_status_name(res.cause ? res.cause : res.code), m);
    dwh_op_result_free(&res);
    json_object_put(broken);
}

/* ------------------------------------------------------------------ run */

int dwh_conformance_run(dwh_plugin *p, const dwh_conf_options *opt, dwh_conf_report *report) {
    conf c;
    memset(&c, 0, sizeof c);
    c.p = p;
    c.src = dwh_plugin_source(p);
    c.opt = opt;
    c.r = report;
    c.secrets = dwh_secrets_new();
    c.flags.allow_internal_hosts = opt->allow_internal_hosts;
    c.id.team_id = "conformance";
    c.id.source_id = dwh_plugin_name(p);
    report->scrub = c.secrets;
    report->source = strdup(dwh_plugin_name(p));
    report->version = strdup(c.src->version ? c.src->version : "");
    report->path = strdup(dwh_plugin_path(p));

    dwh_conf_check_descriptor(c.src, report);
    dwh_conf_check_form(c.src, report);
    int fatal = validate_config(&c) != 0;
    json_object *schemas = NULL;
    if (!fatal) {
        if (!opt->structural) check_credentials(&c);
        schemas = check_schemas(&c);
    }
    size_t n = schemas && !opt->structural ? json_object_array_length(schemas) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *s = json_object_array_get_idx(schemas, i);
        const char *name = sget(s, "name");
        if (!name || !selected(opt, name)) continue;
        conf_run full = do_run(&c, name, NULL, 0, NULL, NULL, NULL);
        check_read(&c, s, name, &full);
        if (full.res.code == DW_OK && json_object_array_length(full.rows)) {
            check_full_refresh(&c, s, name, &full);
            json_object *flag = NULL;
            if (json_object_object_get_ex(s, "supports_incremental", &flag) && json_object_get_boolean(flag))
                check_incremental(&c, s, name);
            check_resume(&c, s, name, &full);
        }
        run_free(&full);
    }
    if (c.leaks)
        dwh_conf_add(report, "secrets", DWH_CONF_FAIL, "a secret value appeared %zu time(s), first in %s", c.leaks,
                     c.leak_where);
    else if (dwh_secrets_count(c.secrets) == 0)
        dwh_conf_add(report, "secrets", DWH_CONF_SKIP, "the config has no secret values to look for");
    else
        dwh_conf_add(report, "secrets", DWH_CONF_PASS,
                     "no secret value in any output, log line, message or row of the %zu checks above", report->n);
    json_object_put(schemas);
    json_object_put(c.config);
    /* The report owns the secret set (it scrubs what it prints). */
    return fatal ? -1 : report->failed ? 1 : 0;
}
