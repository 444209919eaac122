/*
 * conformance_reads.c -- the checks that read a schema: read:,
 * full_refresh:, incremental: and resume: (conformance.h lists what each
 * asserts).  They compare what conformance_rows.h keeps of each read, and
 * when a read stopped at the row cap they compare prefixes: rows past the
 * shorter read are never counted as missing, and row counts only differ
 * meaningfully when neither read was capped.
 */
#include <stdlib.h>
#include <string.h>

#include "conformance_int.h"

/* "; read capped at N rows: checks ran on that prefix" when capped, else "". */
static const char *cap_note(const dwhi_conf_ctx *c, int capped, char *buf, size_t len) {
    if (!capped) return "";
    snprintf(buf, len, "; read capped at %zu rows: checks ran on that prefix", c->opt->max_rows);
    return buf;
}

/* Adds the last check's cap mark (the --json "capped_at"). */
static void mark(dwhi_conf_ctx *c, int capped) {
    if (capped) dwhi_conf_mark_capped(c->r, c->opt->max_rows);
}

static int has_pks(json_object *schema) {
    json_object *pks = NULL;
    return json_object_object_get_ex(schema, "primary_keys", &pks) && pks &&
           json_object_is_type(pks, json_type_array) && json_object_array_length(pks) > 0;
}

/* Non-zero when row `pos` of the index has a key and is its first row
 * (later rows with that key are duplicates, read:'s finding). */
static int first_of_key(const dwhi_conf_index *ix, size_t pos, const char **key) {
    const dwhi_conf_rows *store = NULL;
    const dwhi_conf_row *row = dwhi_conf_index_row(ix, pos, &store);
    if (!row || row->bad_why) return 0;
    size_t at = 0;
    *key = store->keys + row->key_off;
    return dwhi_conf_index_find(ix, *key, &at) && at == pos;
}

static void check_read(dwhi_conf_ctx *c, json_object *schema, const char *name, dwhi_conf_run *x) {
    char check[300], note[120];
    snprintf(check, sizeof check, "read:%s", name);
    if (x->res.code != DW_OK) {
        dwhi_conf_add(c->r, check, DWHI_CONF_FAIL, "the run failed (%s): %s", dwhi_status_name(x->res.code),
                     x->res.message ? x->res.message : "");
        return;
    }
    size_t n = x->rows.n;
    if (n == 0) {
        dwhi_conf_add(c->r, check, DWHI_CONF_FAIL,
                     "the read returned no rows: point the config at data for every schema, or choose schemas "
                     "with --schema");
        return;
    }
    const char *capped = cap_note(c, x->capped, note, sizeof note);
    json_object *inc = NULL, *part = NULL, *pkeys = NULL;
    json_object_object_get_ex(schema, "incremental_fields", &inc);
    if (json_object_object_get_ex(schema, "partition", &part) && part) json_object_object_get_ex(part, "keys", &pkeys);
    if (has_pks(schema)) {
        dwhi_conf_index ix;
        dwhi_conf_span all = {&x->rows, 0, n};
        if (dwhi_conf_index_build(&ix, &all, 1) != 0) {
            dwhi_conf_index_free(&ix);
            dwhi_conf_add(c->r, check, DWHI_CONF_FAIL, "out of memory indexing %zu rows by primary key%s", n, capped);
            mark(c, x->capped);
            return;
        }
        size_t bad = ix.bad, dups = ix.dups;
        if (bad || dups)
            dwhi_conf_add(c->r, check, DWHI_CONF_FAIL, "%zu of %zu rows have a missing, null or non-scalar primary key, "
                         "%zu repeat one (%s)%s", bad, n, dups, ix.sample, capped);
        dwhi_conf_index_free(&ix);
        if (bad || dups) {
            mark(c, x->capped);
            return;
        }
    }
    for (size_t i = 0; inc && i < json_object_array_length(inc); i++) {
        const char *f = dwhi_conf_sget(json_object_array_get_idx(inc, i), "field");
        const dwhi_conf_field_stats *st = dwhi_conf_rows_field(&x->rows, f);
        size_t without = st ? st->unusable : n;
        if (without) {
            dwhi_conf_add(c->r, check, DWHI_CONF_FAIL, "incremental field '%s' is missing or null in %zu of %zu rows%s",
                         f ? f : "?", without, n, capped);
            mark(c, x->capped);
            return;
        }
    }
    for (size_t i = 0; pkeys && i < json_object_array_length(pkeys); i++) {
        const char *f = json_object_get_string(json_object_array_get_idx(pkeys, i));
        const dwhi_conf_field_stats *st = dwhi_conf_rows_field(&x->rows, f);
        size_t without = st ? st->missing : n;
        if (without) {
            dwhi_conf_add(c->r, check, DWHI_CONF_FAIL, "partition key '%s' is missing in %zu of %zu rows%s", f, without,
                         n, capped);
            mark(c, x->capped);
            return;
        }
    }
    /* A host resumes, and a UI offers resuming, only for sources that say
     * they can: saving state without saying so is a descriptor bug. */
    if (x->n_states && !(c->src->capabilities & DW_CAP_RESUMABLE)) {
        dwhi_conf_add(c->r, check, DWHI_CONF_FAIL,
                     "the read saved resume state %zu time(s) but the descriptor does not declare "
                     "DW_CAP_RESUMABLE: add it to .capabilities (or save no state)%s",
                     x->n_states, capped);
        mark(c, x->capped);
        return;
    }
    dwhi_conf_add(c->r, check, DWHI_CONF_PASS, "%zu rows, %zu state saves; %s%s", n, x->n_states,
                 has_pks(schema) ? "primary keys present, scalar, non-null and unique" : "no primary key declared",
                 capped);
    mark(c, x->capped);
}

static void check_full_refresh(dwhi_conf_ctx *c, json_object *schema, const char *name, dwhi_conf_run *first) {
    char check[300], note[120];
    snprintf(check, sizeof check, "full_refresh:%s", name);
    dwhi_conf_read rd = {.schema = schema, .name = name};
    dwhi_conf_run second = dwhi_conf_do_run(c, &rd);
    if (second.res.code != DW_OK) {
        dwhi_conf_add(c->r, check, DWHI_CONF_FAIL, "the second read failed (%s): %s",
                     dwhi_status_name(second.res.code), second.res.message ? second.res.message : "");
        dwhi_conf_run_free(&second);
        return;
    }
    int capped = first->capped || second.capped;
    const char *cn = cap_note(c, capped, note, sizeof note);
    size_t n1 = first->rows.n, n2 = second.rows.n;
    size_t missing = 0, differ = 0;
    char diff[200] = "";
    int oom = 0;
    if (has_pks(schema)) {
        dwhi_conf_index a, b;
        dwhi_conf_span sa = {&first->rows, 0, n1}, sb = {&second.rows, 0, n2};
        oom = dwhi_conf_index_build(&a, &sa, 1) != 0;
        oom = dwhi_conf_index_build(&b, &sb, 1) != 0 || oom;
        if (!oom) {
            for (size_t pos = 0; pos < n1; pos++) {
                const char *k = NULL;
                if (!first_of_key(&a, pos, &k)) continue;
                const dwhi_conf_row *row = dwhi_conf_index_row(&a, pos, NULL);
                const dwhi_conf_row *w = dwhi_conf_index_find(&b, k, NULL);
                char shown[64];
                if (!w) {
                    /* A capped second read may just not have got there. */
                    if (second.capped) continue;
                    if (!missing && !differ)
                        snprintf(diff, sizeof diff, "key %s is missing from the second read",
                                 dwhi_conf_key_display(k, shown, sizeof shown));
                    missing++;
                } else if (memcmp(row->digest, w->digest, sizeof row->digest) != 0) {
                    if (!missing && !differ)
                        snprintf(diff, sizeof diff, "row %s differs", dwhi_conf_key_display(k, shown, sizeof shown));
                    differ++;
                }
            }
        }
        dwhi_conf_index_free(&a);
        dwhi_conf_index_free(&b);
    } else {
        /* No primary key: compare the rows in order. */
        for (size_t i = 0; i < n1 && i < n2; i++)
            if (memcmp(first->rows.rows[i].digest, second.rows.rows[i].digest, 16) != 0) {
                if (!differ) snprintf(diff, sizeof diff, "row %zu differs", i + 1);
                differ++;
            }
    }
    /* Capped reads stop at a save after the cap, which may fall on
     * different rows: their counts say nothing. */
    int count_differs = !capped && n1 != n2;
    if (oom)
        dwhi_conf_add(c->r, check, DWHI_CONF_FAIL, "out of memory comparing two reads of %zu and %zu rows%s", n1, n2, cn);
    else if (count_differs || missing || differ)
        dwhi_conf_add(c->r, check, DWHI_CONF_FAIL,
                     "two full reads disagree: %zu vs %zu rows, %zu missing, %zu differ (%s)%s", n1, n2, missing,
                     differ, *diff ? diff : "row counts differ", cn);
    else if (!capped)
        dwhi_conf_add(c->r, check, DWHI_CONF_PASS, "two full reads gave the same %zu rows", n1);
    else
        dwhi_conf_add(c->r, check, DWHI_CONF_PASS, "two full reads (%zu and %zu rows) agree on every row they share%s",
                     n1, n2, cn);
    mark(c, capped);
    dwhi_conf_run_free(&second);
}

/* The watermark text of a value: a JSON number or a JSON string. */
static char *watermark(json_object *v) {
    return strdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static uint32_t field_type(const char *type) {
    return !type                        ? 0
           : !strcmp(type, "integer")  ? DW_TYPE_INTEGER
           : !strcmp(type, "numeric")  ? DW_TYPE_NUMERIC
           : !strcmp(type, "datetime") ? DW_TYPE_DATETIME
           : !strcmp(type, "date")     ? DW_TYPE_DATE
                                       : DW_TYPE_TIMESTAMP;
}

/* One incremental field: a first run, a second from its watermark (no
 * older row: exact even on capped reads, each row is checked as it
 * arrives), a third from the future (no row). */
static void check_incremental_field(dwhi_conf_ctx *c, json_object *schema, const char *name, json_object *f,
                                    int desc) {
    const char *field = dwhi_conf_sget(f, "field");
    uint32_t ftype = field_type(dwhi_conf_sget(f, "type"));
    char check[300], note[120];
    snprintf(check, sizeof check, "incremental:%s:%s", name, field ? field : "?");
    dwhi_conf_read rd = {.schema = schema, .name = name, .field = field, .ftype = ftype};
    dwhi_conf_run first = dwhi_conf_do_run(c, &rd);
    if (first.res.code != DW_OK) {
        dwhi_conf_add(c->r, check, DWHI_CONF_FAIL, "the first incremental run failed (%s): %s",
                     dwhi_status_name(first.res.code), first.res.message ? first.res.message : "");
        dwhi_conf_run_free(&first);
        return;
    }
    const dwhi_conf_field_stats *st = dwhi_conf_rows_field(&first.rows, field);
    json_object *max = st ? st->max : NULL, *min = st ? st->min : NULL;
    size_t n = first.rows.n;
    if (!max) {
        dwhi_conf_add(c->r, check, DWHI_CONF_FAIL, "the first incremental run returned %zu rows, none with a value "
                     "of '%s'%s", n, field ? field : "?", cap_note(c, first.capped, note, sizeof note));
        mark(c, first.capped);
        dwhi_conf_run_free(&first);
        return;
    }
    /* What the host would hand the next run: ascending keeps the
     * maximum; descending the maximum and the minimum. */
    char *last = watermark(max), *earliest = desc ? watermark(min) : NULL;
    rd.last = last;
    rd.earliest = earliest;
    rd.older_than = max;
    dwhi_conf_run second = dwhi_conf_do_run(c, &rd);
    const dwhi_conf_field_stats *st2 = dwhi_conf_rows_field(&second.rows, field);
    size_t older = st2 ? st2->older : 0, n2 = second.rows.n;
    /* A watermark from the future: nothing is newer. */
    json_object *future = json_object_is_type(max, json_type_string)
                              ? json_object_new_string("2999-12-31T00:00:00Z")
                              : json_object_new_int64(32503593600LL); /* 2999-12-31 in seconds */
    char *future_text = watermark(future);
    char *future_earliest = desc ? watermark(min) : NULL;
    dwhi_conf_read rd3 = {.schema = schema, .name = name, .field = field, .ftype = ftype, .last = future_text,
                         .earliest = future_earliest};
    dwhi_conf_run third = dwhi_conf_do_run(c, &rd3);
    size_t n3 = third.rows.n;
    int capped = first.capped || second.capped || third.capped;
    const char *cn = cap_note(c, capped, note, sizeof note);
    if (second.res.code != DW_OK || third.res.code != DW_OK)
        dwhi_conf_add(c->r, check, DWHI_CONF_FAIL, "a run from saved watermarks failed (%s): %s",
                     dwhi_status_name(second.res.code != DW_OK ? second.res.code : third.res.code),
                     second.res.code != DW_OK ? second.res.message : third.res.message);
    else if (older)
        dwhi_conf_add(c->r, check, DWHI_CONF_FAIL,
                     "the second run (last value %s) returned %zu of %zu rows older than it (%s)%s", last, older, n2,
                     st2->older_sample, cn);
    else if (n3)
        dwhi_conf_add(c->r, check, DWHI_CONF_FAIL, "a run from a future watermark (%s) returned %zu rows%s", future_text,
                     n3, cn);
    else
        dwhi_conf_add(c->r, check, DWHI_CONF_PASS,
                     "first run %zu rows; from last value %s: %zu rows, none older; from the future: none%s", n, last,
                     n2, cn);
    if (second.res.code == DW_OK && third.res.code == DW_OK) mark(c, capped);
    free(last);
    free(earliest);
    free(future_text);
    free(future_earliest);
    json_object_put(future);
    dwhi_conf_run_free(&first);
    dwhi_conf_run_free(&second);
    dwhi_conf_run_free(&third);
}

static void check_incremental(dwhi_conf_ctx *c, json_object *schema, const char *name) {
    json_object *inc = NULL;
    json_object_object_get_ex(schema, "incremental_fields", &inc);
    const char *sort = dwhi_conf_sget(schema, "sort_mode");
    int desc = sort && !strcmp(sort, "desc");
    for (size_t i = 0; inc && i < json_object_array_length(inc); i++)
        check_incremental_field(c, schema, name, json_object_array_get_idx(inc, i), desc);
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

/* Compares the full read with its prefix + the resumed rows.  A capped
 * resumed read is compared on the window both cover. */
static void compare_resumed(dwhi_conf_ctx *c, const char *check, dwhi_conf_run *full, size_t prefix, const char *state,
                            dwhi_conf_run *rest, int small_pages) {
    char note[120];
    size_t total = full->rows.n, nr = rest->rows.n;
    size_t window = total;
    if (rest->capped && prefix + nr < total) window = prefix + nr;
    dwhi_conf_span got_spans[2] = {{&full->rows, 0, prefix}, {&rest->rows, 0, rest->capped ? window - prefix : nr}};
    dwhi_conf_span all_span = {&full->rows, 0, window};
    dwhi_conf_index got, all;
    int oom = dwhi_conf_index_build(&got, got_spans, 2) != 0;
    oom = dwhi_conf_index_build(&all, &all_span, 1) != 0 || oom;
    size_t missing = 0;
    char miss[160] = "";
    if (!oom) {
        for (size_t pos = 0; pos < window; pos++) {
            const char *k = NULL;
            if (!first_of_key(&all, pos, &k)) continue;
            if (!dwhi_conf_index_find(&got, k, NULL)) {
                char shown[96];
                if (!missing) snprintf(miss, sizeof miss, "%s", dwhi_conf_key_display(k, shown, sizeof shown));
                missing++;
            }
        }
    }
    int capped = full->capped || rest->capped;
    const char *cn = cap_note(c, capped, note, sizeof note);
    if (oom)
        dwhi_conf_add(c->r, check, DWHI_CONF_FAIL, "out of memory comparing %zu resumed rows with a read of %zu%s", nr,
                     total, cn);
    else if (missing || got.dups > all.dups) /* duplicates the full read had already are read:'s finding */
        dwhi_conf_add(c->r, check, DWHI_CONF_FAIL,
                     "resumed after row %zu of %zu (checkpoint %s): %zu rows missing (first %s), %zu read twice (%s)%s",
                     prefix, total, state, missing, *miss ? miss : "-", got.dups - all.dups,
                     *got.sample ? got.sample : "-", cn);
    else
        dwhi_conf_add(c->r, check, DWHI_CONF_PASS,
                     "resumed after row %zu of %zu from an intermediate checkpoint: %zu more rows, none missing, "
                     "none twice%s%s",
                     prefix, total, nr, small_pages ? " (read with a small page size)" : "", cn);
    mark(c, capped);
    dwhi_conf_index_free(&got);
    dwhi_conf_index_free(&all);
}

/* Checks resume from the middle intermediate checkpoint of `full`.  When
 * the data fits one page and the form has a page-size field, reads again
 * with pages of about a third of the rows (small_pages set) so the check
 * runs on small test data too. */
static void check_resume_of(dwhi_conf_ctx *c, json_object *schema, const char *name, dwhi_conf_run *full,
                            const char *check, int small_pages) {
    size_t total = full->rows.n;
    /* Intermediate checkpoints: saved with rows still to come. */
    size_t ns = full->n_states, n_mid = 0;
    for (size_t i = 0; i < ns; i++)
        if (full->states[i].after > 0 && full->states[i].after < total) n_mid++;
    const char *page_field = page_size_field(c->src);
    if (n_mid == 0 && !small_pages && page_field && total >= 2 && json_object_is_type(c->config, json_type_object)) {
        json_object *orig = c->config, *small = NULL;
        if (json_object_deep_copy(orig, &small, NULL) == 0) {
            int64_t page = total >= 3 ? (int64_t)(total / 3) : 1;
            json_object_object_add(small, page_field, json_object_new_int64(page));
            c->config = small;
            dwhi_conf_read rd = {.schema = schema, .name = name};
            dwhi_conf_run again = dwhi_conf_do_run(c, &rd);
            /* Capped reads stop at different rows with other page sizes. */
            if (again.res.code == DW_OK && (again.rows.n == total || again.capped || full->capped))
                check_resume_of(c, schema, name, &again, check, 1);
            else
                dwhi_conf_add(c->r, check, DWHI_CONF_FAIL,
                             "a read with %s %lld (to get intermediate checkpoints) gave %zu rows instead of %zu%s%s",
                             page_field, (long long)page, again.rows.n, total, again.res.message ? ": " : "",
                             again.res.message ? again.res.message : "");
            dwhi_conf_run_free(&again);
            c->config = orig;
            json_object_put(small);
            return;
        }
    }
    if (n_mid == 0) {
        if (page_field)
            dwhi_conf_add(c->r, check, DWHI_CONF_SKIP,
                         "no intermediate checkpoint in a read of %zu rows (%zu state saves), even with a small %s: "
                         "use test data with more rows",
                         total, ns, page_field);
        else
            dwhi_conf_add(c->r, check, DWHI_CONF_SKIP,
                         "no intermediate checkpoint in a read of %zu rows (%zu state saves): the data fits one page; "
                         "point the config at more rows (or a smaller page size) to check resuming",
                         total, ns);
        return;
    }
    /* The middle intermediate checkpoint. */
    size_t want = (n_mid + 1) / 2, seen = 0;
    const dwhi_conf_state *cp = NULL;
    for (size_t i = 0; i < ns && !cp; i++)
        if (full->states[i].after > 0 && full->states[i].after < total && ++seen == want) cp = &full->states[i];
    size_t prefix = cp->after;
    dwhi_conf_read rd = {.schema = schema, .name = name, .resume = cp->state};
    dwhi_conf_run rest = dwhi_conf_do_run(c, &rd);
    if (rest.res.code != DW_OK)
        dwhi_conf_add(c->r, check, DWHI_CONF_FAIL, "the run resumed after row %zu failed (%s): %s", prefix,
                     dwhi_status_name(rest.res.code), rest.res.message ? rest.res.message : "");
    else if (!has_pks(schema))
        dwhi_conf_add(c->r, check, DWHI_CONF_SKIP, "no primary key to compare rows by");
    else
        compare_resumed(c, check, full, prefix, cp->state, &rest, small_pages);
    dwhi_conf_run_free(&rest);
}

static void check_resume(dwhi_conf_ctx *c, json_object *schema, const char *name, dwhi_conf_run *full) {
    char check[300];
    snprintf(check, sizeof check, "resume:%s", name);
    if (!(c->src->capabilities & DW_CAP_RESUMABLE)) {
        dwhi_conf_add(c->r, check, DWHI_CONF_SKIP, "the plugin does not declare DW_CAP_RESUMABLE");
        return;
    }
    check_resume_of(c, schema, name, full, check, 0);
}

void dwhi_conf_check_schema(dwhi_conf_ctx *c, json_object *schema, const char *name) {
    dwhi_conf_read rd = {.schema = schema, .name = name};
    dwhi_conf_run full = dwhi_conf_do_run(c, &rd);
    check_read(c, schema, name, &full);
    if (full.res.code == DW_OK && full.rows.n) {
        check_full_refresh(c, schema, name, &full);
        json_object *flag = NULL;
        if (json_object_object_get_ex(schema, "supports_incremental", &flag) && json_object_get_boolean(flag))
            check_incremental(c, schema, name);
        check_resume(c, schema, name, &full);
    }
    dwhi_conf_run_free(&full);
}
