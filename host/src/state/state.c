/* state.c -- the job state record, its JSON form and reconciliation
 * (see state.h). */
#include "state.h"
#include "base/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATE_FORMAT 1

int dwhi_state_set(char **field, const char *value) {
    char *copy = NULL;
    if (value && !(copy = strdup(value))) return -1;
    free(*field);
    *field = copy;
    return 0;
}

#define STR_FIELDS(X)                                                                                   \
    X(resume) X(write_mode) X(incremental_field) X(last_value) X(earliest_value) X(pending_last_value) \
    X(pending_earliest_value) X(run_last_value) X(run_earliest_value) X(job_id) X(warehouse_id) X(updated_at)

void dwhi_state_record_clear(dwhi_state_record *r) {
#define FREE_IT(f) free(r->f);
    STR_FIELDS(FREE_IT)
#undef FREE_IT
    memset(r, 0, sizeof *r);
}

int dwhi_state_record_copy(dwhi_state_record *dst, const dwhi_state_record *src) {
    if (dst == src) return 0;
    dwhi_state_record_clear(dst);
    dst->seq = src->seq;
    dst->rows_past_resume = src->rows_past_resume;
    dst->run_rows = src->run_rows;
    dst->run_batches = src->run_batches;
#define COPY_IT(f) \
    if (dwhi_state_set(&dst->f, src->f) < 0) goto oom;
    STR_FIELDS(COPY_IT)
#undef COPY_IT
    return 0;
oom:
    dwhi_state_record_clear(dst);
    return -1;
}

static void put_str(json_object *o, const char *k, const char *v) {
    json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

json_object *dwhi_state_record_to_json(const dwhi_state_record *r) {
    json_object *o = json_object_new_object();
    if (!o) return NULL;
    json_object_object_add(o, "format", json_object_new_int(STATE_FORMAT));
    json_object_object_add(o, "seq", json_object_new_int64(r->seq));
    /* The plugin's state is embedded as JSON (readable with redis-cli GET). */
    json_object *resume = r->resume ? json_tokener_parse(r->resume) : NULL;
    if (r->resume && !resume) resume = json_object_new_string(r->resume);
    json_object_object_add(o, "resume", resume);
    put_str(o, "write_mode", r->write_mode);
    put_str(o, "incremental_field", r->incremental_field);
    put_str(o, "last_value", r->last_value);
    put_str(o, "earliest_value", r->earliest_value);
    put_str(o, "pending_last_value", r->pending_last_value);
    put_str(o, "pending_earliest_value", r->pending_earliest_value);
    put_str(o, "run_last_value", r->run_last_value);
    put_str(o, "run_earliest_value", r->run_earliest_value);
    json_object_object_add(o, "rows_past_resume", json_object_new_int64(r->rows_past_resume));
    json_object_object_add(o, "run_rows", json_object_new_int64(r->run_rows));
    json_object_object_add(o, "run_batches", json_object_new_int64(r->run_batches));
    put_str(o, "job_id", r->job_id);
    put_str(o, "warehouse_id", r->warehouse_id);
    put_str(o, "updated_at", r->updated_at);
    return o;
}

static int get_str(json_object *o, const char *k, char **out) {
    json_object *v;
    if (!json_object_object_get_ex(o, k, &v) || json_object_is_type(v, json_type_null)) return 0;
    if (!json_object_is_type(v, json_type_string)) return -1;
    return dwhi_state_set(out, json_object_get_string(v));
}

static int64_t get_int(json_object *o, const char *k) {
    json_object *v;
    return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : 0;
}

static int is_json_of(const char *text, int want_object) {
    enum json_tokener_error e = json_tokener_success;
    json_object *v = json_tokener_parse_verbose(text, &e);
    int ok = e == json_tokener_success && v &&
             (want_object ? json_object_is_type(v, json_type_object)
                          : json_object_is_type(v, json_type_string) || json_object_is_type(v, json_type_int) ||
                                json_object_is_type(v, json_type_double));
    json_object_put(v);
    return ok;
}

int dwhi_state_record_check(const dwhi_state_record *r, char **why) {
    *why = NULL;
    static const char *const modes[] = {"incremental", "full", DWHI_WRITE_MODE_FIRST_FULL, "append", NULL};
    const char *bad = NULL, *val = NULL, *expected = NULL;
    if (r->write_mode) {
        int known = 0;
        for (int i = 0; modes[i]; i++) known |= !strcmp(r->write_mode, modes[i]);
        if (!known) bad = "write_mode", val = r->write_mode, expected = "incremental, full, full-first, append or null";
    }
    if (!bad && r->resume && !is_json_of(r->resume, 1))
        bad = "resume", val = r->resume, expected = "a JSON object (the source's saved position) or null";
    const struct {
        const char *name, *value;
    } wm[] = {{"last_value", r->last_value},
              {"earliest_value", r->earliest_value},
              {"pending_last_value", r->pending_last_value},
              {"pending_earliest_value", r->pending_earliest_value},
              {"run_last_value", r->run_last_value},
              {"run_earliest_value", r->run_earliest_value}};
    for (size_t i = 0; !bad && i < sizeof wm / sizeof wm[0]; i++)
        if (wm[i].value && !is_json_of(wm[i].value, 0))
            bad = wm[i].name, val = wm[i].value, expected = "a JSON number or string (a watermark) or null";
    if (!bad && (r->seq < 0 || r->rows_past_resume < 0 || r->run_rows < 0 || r->run_batches < 0))
        bad = "seq/rows_past_resume/run_rows/run_batches", val = "a negative count", expected = "counts of 0 or more";
    if (!bad) return 0;
    size_t n = strlen(val);
    if (asprintf(why, "%s is %.60s%s, expected %s", bad, val, n > 60 ? "..." : "", expected) < 0) *why = NULL;
    return -1;
}

int dwhi_state_record_from_json(const char *text, dwhi_state_record *out, char **err) {
    dwhi_state_record_clear(out);
    *err = NULL;
    json_object *o = json_tokener_parse(text);
    if (!o || !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        *err = strdup("the stored state is not a JSON object");
        return -1;
    }
    json_object *v;
    if (json_object_object_get_ex(o, "format", &v) && json_object_get_int(v) > STATE_FORMAT) {
        json_object_put(o);
        if (asprintf(err, "the stored state has format %d, newer than this host's %d; upgrade dwhost",
                     json_object_get_int(v), STATE_FORMAT) < 0)
            *err = NULL;
        return -1;
    }
    out->seq = get_int(o, "seq");
    out->rows_past_resume = get_int(o, "rows_past_resume");
    out->run_rows = get_int(o, "run_rows");
    out->run_batches = get_int(o, "run_batches");
    if (json_object_object_get_ex(o, "resume", &v) && v) {
        const char *t = json_object_is_type(v, json_type_string)
                            ? json_object_get_string(v)
                            : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (dwhi_state_set(&out->resume, t) < 0) goto bad;
    }
    if (get_str(o, "write_mode", &out->write_mode) || get_str(o, "incremental_field", &out->incremental_field) ||
        get_str(o, "last_value", &out->last_value) || get_str(o, "earliest_value", &out->earliest_value) ||
        get_str(o, "pending_last_value", &out->pending_last_value) ||
        get_str(o, "pending_earliest_value", &out->pending_earliest_value) ||
        get_str(o, "run_last_value", &out->run_last_value) ||
        get_str(o, "run_earliest_value", &out->run_earliest_value) || get_str(o, "job_id", &out->job_id) ||
        get_str(o, "warehouse_id", &out->warehouse_id) || get_str(o, "updated_at", &out->updated_at))
        goto bad;
    json_object_put(o);
    char *why = NULL;
    if (dwhi_state_record_check(out, &why) < 0) {
        dwhi_state_record_clear(out);
        if (asprintf(err, "the stored state is damaged: %s", why ? why : "?") < 0) *err = NULL;
        free(why);
        return -1;
    }
    return 0;
bad:
    json_object_put(o);
    dwhi_state_record_clear(out);
    *err = strdup("the stored state has a member of the wrong type");
    return -1;
}

/* ':', '/', '%' and control bytes are %-escaped so the parts of a key can
 * never run into each other. */
static void sb_escaped(dwhi_strbuf *b, const char *s) {
    static const char hex[] = "0123456789ABCDEF";
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == ':' || c == '/' || c == '%' || c < 0x20 || c == 0x7f) {
            dwhi_strbuf_putc(b, '%');
            dwhi_strbuf_putc(b, hex[c >> 4]);
            dwhi_strbuf_putc(b, hex[c & 15]);
        } else {
            dwhi_strbuf_putc(b, (char)c);
        }
    }
}

char *dwhi_state_redis_key(const dwhi_state_key *k) {
    dwhi_strbuf b = {0};
    dwhi_strbuf_puts(&b, "dwhost:resumable:");
    sb_escaped(&b, k->team_id);
    dwhi_strbuf_putc(&b, ':');
    sb_escaped(&b, k->source_id);
    dwhi_strbuf_putc(&b, '/');
    sb_escaped(&b, k->schema);
    if (k->ns && *k->ns) {
        dwhi_strbuf_putc(&b, ':');
        sb_escaped(&b, k->ns);
    }
    return dwhi_strbuf_take(&b);
}

const dwhi_state_record *dwhi_state_reconcile(const dwhi_state_record *wh, const dwhi_state_record *mirror,
                                            int have_warehouse, const char *warehouse_id, char **note,
                                            int *repair_mirror) {
    *note = NULL;
    *repair_mirror = 0;
    if (!have_warehouse) return mirror;
    if (mirror->seq == 0 && wh->seq == 0) return wh;
    int rc = 0;
    if (mirror->seq != 0 && mirror->warehouse_id && warehouse_id && strcmp(mirror->warehouse_id, warehouse_id)) {
        rc = asprintf(note,
                      "the Redis state (seq %lld) describes another warehouse (id %s, this one is %s); "
                      "using this warehouse's state",
                      (long long)mirror->seq, mirror->warehouse_id, warehouse_id);
        *repair_mirror = 1;
    } else if (mirror->seq > wh->seq) {
        rc = asprintf(note,
                      "the Redis state (seq %lld) is ahead of the warehouse's (seq %lld): the commit of that "
                      "batch did not happen; resuming from the warehouse's state",
                      (long long)mirror->seq, (long long)wh->seq);
        *repair_mirror = 1;
    } else if (mirror->seq == 0) {
        rc = asprintf(note, "Redis holds no state for this job (expired, flushed or never written); writing the "
                            "warehouse's (seq %lld)", (long long)wh->seq);
        *repair_mirror = 1;
    } else if (mirror->seq < wh->seq) {
        rc = asprintf(note,
                      "the Redis state (seq %lld) is behind the warehouse's (seq %lld), as after a crash "
                      "between the two writes or an expired key; repairing Redis",
                      (long long)mirror->seq, (long long)wh->seq);
        *repair_mirror = 1;
    }
    if (rc < 0) *note = NULL;
    return wh;
}
