/*
 * rest_run.c -- the generic endpoint iterator (see rest.h): incremental
 * phases, resume state, fan-out from a parent endpoint.
 *
 * Incremental phases (the reference's semantics):
 *   ascending (DW_SORT_ASC): one walk, filtered by the chosen field's
 *     server-side param at incremental_last_value (none on a first run).
 *   descending (DW_SORT_DESC, e.g. Stripe, newest first):
 *     "older": rows before incremental_earliest_value (the param's
 *       "[lt]" form: created[gte] -> created[lt]) -- finishes a backfill
 *       an earlier run did not complete;
 *     "newer": rows after incremental_last_value, stopping at the first row
 *       whose field is <= it (the listing is newest first);
 *     neither value: one unfiltered walk.
 * The state staged after each page is
 *   {"v":1,"endpoint":NAME,"origin":O,"scope":S,"phase":N,"phase_name":..,
 *    "filter":VALUE|null,"pos":{..next page..},"parent":{"pos":{..},"index":I,"key":K}}
 * with "filter" the value the phase started with, so a resumed offset walk
 * keeps the same filter even when the watermark moved meanwhile.  "origin"
 * is the base URL's origin and "scope" the client's resume_scope (1.6): a
 * state saved for another of either is not resumed.
 *
 * The origin rule (1.6): a next page or a resumed page on another origin
 * than the base URL's (and not a trusted one) is refused with DW_ERR_SSRF;
 * the rows of the page that linked there are emitted, but no position past
 * it is saved, so a rerun reads that page again rather than the link.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "rows/batcher.h"
#include "core/ctx.h"
#include "core/emit.h"
#include "transport/http_session.h"
#include "url/http_url.h"
#include "core/plugin_json.h"
#include "base/json_path.h"
#include "core/log.h"
#include "rest.h"
#include "rest_page.h"
#include "rest_validate.h"
#include "rows/rowref.h"
#include "core/rows.h"
#include "base/sized_copy.h"

#define MAX_PHASES 2

typedef struct phase {
    const char *name;  /* "all", "older", "newer" */
    char *param;       /* query param name, NULL: no filter */
    char *value;       /* formatted filter value */
    int stop_at_last;  /* descending "newer": stop at rows <= last */
} phase;

typedef struct run {
    dw_ctx *ctx;
    dw_rest_client client;
    dw_endpoint ep;
    const dw_endpoint *ep_plugin; /* the plugin's own pointer, handed to its row hook */
    char *origin;            /* the base URL's origin; owned */
    dw_endpoint parent;
    int fanout;
    dw_run_inputs in;
    phase phases[MAX_PHASES];
    int n_phases;
    const char *inc_field;   /* field compared for stop_at_last */
    double last_num;
    int last_is_num;
    const char *last_text;
    json_object *last_json;  /* parsed incremental_last_value */
    json_object *resume;     /* saved state to resume from, or NULL */
    int cur_phase;
    /* Fan-out position, for the state. */
    const rest_pos *parent_pos;
    int64_t parent_index;
    const char *parent_key;
    unsigned auto_logged;    /* AUTO paginator kinds logged at INFO (rest_auto.h) */
    int row_text;            /* the sink wants each row's text (JSON lines) */
} run;

/* ---- small helpers ----------------------------------------------------- */

/* A listing's page store: rows named in the sink's key dictionary, so the
 * sink takes their cells as they are.  Free with dwhi_batcher_free. */
static dwhi_batcher *listing_store(run *r) {
    dwhi_batcher *ops = dwhi_emit_page_store(r->ctx);
    return ops ? dwhi_batcher_new(SIZE_MAX / 4, SIZE_MAX / 4, dwhi_batcher_keys(ops)) : NULL;
}

/* The text of a scalar at `path` in a row, malloc'd (NULL: absent, null,
 * an object or an array). */
static char *row_scalar_text(const dwhi_rowref *row, const char *path) {
    json_object *v = dwhi_rowref_path(row, path, NULL);
    const char *t = v && !json_object_is_type(v, json_type_object) && !json_object_is_type(v, json_type_array)
                        ? json_object_get_string(v)
                        : NULL;
    char *out = t ? strdup(t) : NULL;
    json_object_put(v);
    return out;
}

static const char *ep_name(const dw_endpoint *e) { return e->name ? e->name : "?"; }

static dw_status save_json(run *r, json_object *state) {
    dw_ctx *ctx = r->ctx;
    dw_status st = dwhi_state_save(ctx, json_object_to_json_string_ext(state, JSON_C_TO_STRING_PLAIN));
    json_object_put(state);
    return st;
}

/* Stages the resume point: `pos` is the next page of the current listing
 * (NULL: the listing is finished). */
static dw_status save_state(run *r, int phase_idx, const rest_pos *pos) {
    json_object *s = json_object_new_object();
    if (!s) return dwhi_ctx_fail(r->ctx, DW_ERR_NOMEM, "out of memory saving state");
    const phase *ph = phase_idx < r->n_phases ? &r->phases[phase_idx] : NULL;
    json_object_object_add(s, "v", json_object_new_int(1));
    json_object_object_add(s, "endpoint", json_object_new_string(ep_name(&r->ep)));
    json_object_object_add(s, "origin", json_object_new_string(r->origin));
    if (r->client.resume_scope) json_object_object_add(s, "scope", json_object_new_string(r->client.resume_scope));
    json_object_object_add(s, "phase", json_object_new_int(phase_idx));
    if (ph) {
        json_object_object_add(s, "phase_name", json_object_new_string(ph->name));
        json_object_object_add(s, "filter", ph->value ? json_object_new_string(ph->value) : NULL);
    }
    if (pos) json_object_object_add(s, "pos", rest_pos_to_json(pos));
    if (r->fanout && r->parent_pos) {
        json_object *p = json_object_new_object();
        json_object_object_add(p, "pos", rest_pos_to_json(r->parent_pos));
        json_object_object_add(p, "index", json_object_new_int64(r->parent_index));
        if (r->parent_key) json_object_object_add(p, "key", json_object_new_string(r->parent_key));
        json_object_object_add(s, "parent", p);
    }
    return save_json(r, s);
}

/* Scalar as text for keys and log lines; NULL for objects/arrays/null. */
static const char *scalar_text(json_object *v) {
    if (!v || json_object_is_type(v, json_type_object) || json_object_is_type(v, json_type_array)) return NULL;
    return json_object_get_string(v);
}

static int value_num(json_object *v, double *out) {
    if (!v) return 0;
    if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)) {
        *out = json_object_get_double(v);
        return 1;
    }
    if (json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        char *end;
        double d = strtod(s, &end);
        if (end != s && !*end) {
            *out = d;
            return 1;
        }
        return dwhi_iso8601_parse(s, out) == 0;
    }
    return 0;
}

static int before_last(run *r, json_object *v);

/* Descending "newer" phase: the row is at or before the last watermark. */
static int row_at_or_before_last(run *r, const dwhi_rowref *row) {
    json_object *v = dwhi_rowref_path(row, r->inc_field, NULL);
    if (!v) return 0;
    int at = before_last(r, v);
    json_object_put(v);
    return at;
}

static int before_last(run *r, json_object *v) {
    double d;
    if (r->last_is_num && value_num(v, &d)) return d <= r->last_num;
    const char *s = scalar_text(v);
    return s && r->last_text && strcmp(s, r->last_text) <= 0;
}

/* ---- incremental phases ------------------------------------------------ */

/* created[gte] -> created[lt]; created_gte -> created_lt; else NULL. */
static char *lt_param(const char *param) {
    const char *br = strrchr(param, '[');
    if (br && param[strlen(param) - 1] == ']') {
        char *out = NULL;
        if (asprintf(&out, "%.*s[lt]", (int)(br - param), param) < 0) return NULL;
        return out;
    }
    static const char *const sfx[] = {"_gte", "_gt", "__gte", "__gt", NULL};
    size_t n = strlen(param);
    for (int i = 0; sfx[i]; i++) {
        size_t k = strlen(sfx[i]);
        if (n > k && !strcmp(param + n - k, sfx[i])) {
            char *out = NULL;
            if (asprintf(&out, "%.*s%s", (int)(n - k), param, sfx[i][1] == '_' ? "__lt" : "_lt") < 0) return NULL;
            return out;
        }
    }
    return NULL;
}

/* The endpoint's inclusive upper-bound filter of the chosen field (1.6), or NULL. */
static const dw_incremental_param *until_param(const run *r) {
    for (uint32_t i = 0; r->ep.incremental_until_params && i < r->ep.n_incremental_until_params; i++) {
        const dw_incremental_param *p = &r->ep.incremental_until_params[i];
        if (p->field && p->param && !strcmp(p->field, r->inc_field)) return p;
    }
    return NULL;
}

/* A watermark one second earlier, formatted for `format` ("unix" or
 * "iso8601"); malloc'd, NULL when it cannot be read or the format is
 * neither. */
static char *one_second_before(const char *json_scalar, const char *format) {
    char *secs_text = dwhi_incremental_format(json_scalar, "unix");
    if (!secs_text) return NULL;
    long long secs = strtoll(secs_text, NULL, 10) - 1;
    free(secs_text);
    char *out = NULL;
    if (format && !strcasecmp(format, "unix")) {
        if (asprintf(&out, "%lld", secs) < 0) out = NULL;
    } else if (format && !strcasecmp(format, "iso8601")) {
        time_t t = (time_t)secs;
        struct tm tm;
        char buf[32];
        if (gmtime_r(&t, &tm) && strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm)) out = strdup(buf);
    }
    return out;
}

static dw_status plan_phases(run *r) {
    dw_ctx *ctx = r->ctx;
    const dw_run_inputs *in = &r->in;
    if (!in->use_incremental) {
        r->phases[r->n_phases++] = (phase){.name = "all"};
        return DW_OK;
    }
    if (!in->incremental_field || !*in->incremental_field)
        return dwhi_ctx_fail(ctx, DW_ERR_CONFIG,
                            "endpoint %s: incremental sync requested but no incremental field chosen; pick one "
                            "in the schema settings",
                            ep_name(&r->ep));
    const dw_incremental_param *ip = NULL;
    for (uint32_t i = 0; r->ep.incremental_params && i < r->ep.n_incremental_params; i++)
        if (r->ep.incremental_params[i].field && !strcmp(r->ep.incremental_params[i].field, in->incremental_field))
            ip = &r->ep.incremental_params[i];
    if (!ip || !ip->param) {
        /* Never fall back to another field: the user chose this one. */
        char opts[512] = "";
        size_t o = 0;
        for (uint32_t i = 0; r->ep.incremental_params && i < r->ep.n_incremental_params; i++)
            if (r->ep.incremental_params[i].field && o < sizeof opts - 1)
                o += (size_t)snprintf(opts + o, sizeof opts - o, "%s%s", o ? ", " : "",
                                      r->ep.incremental_params[i].field);
        return dwhi_ctx_fail(ctx, DW_ERR_CONFIG,
                            "endpoint %s cannot filter on incremental field '%s' server-side; choose one of: %s",
                            ep_name(&r->ep), in->incremental_field, o ? opts : "(none: use full refresh)");
    }
    r->inc_field = in->incremental_field;
    const char *last = in->incremental_last_value, *earliest = in->incremental_earliest_value;
    char *lastv = last ? dwhi_incremental_format(last, ip->format) : NULL;
    if (last && !lastv)
        return dwhi_ctx_fail(ctx, DW_ERR_CONFIG, "endpoint %s: incremental value %s cannot be used as %s for '%s'",
                            ep_name(&r->ep), last, ip->format ? ip->format : "text", ip->param);
    if (last) {
        r->last_json = json_tokener_parse(last);
        r->last_is_num = value_num(r->last_json, &r->last_num);
        r->last_text = r->last_json ? scalar_text(r->last_json) : last;
    }
    if (r->ep.sort_mode == DW_SORT_DESC) {
        const dw_incremental_param *up = until_param(r);
        if (earliest && up) {
            /* An inclusive upper bound (1.6): one second before the oldest
             * row already synced. */
            char *ev = one_second_before(earliest, up->format);
            if (!ev) {
                free(lastv);
                return dwhi_ctx_fail(ctx, DW_ERR_CONFIG, "endpoint %s: earliest value %s cannot be used as %s for '%s'",
                                    ep_name(&r->ep), earliest, up->format ? up->format : "text", up->param);
            }
            r->phases[r->n_phases++] = (phase){.name = "older", .param = strdup(up->param), .value = ev};
        } else if (earliest) {
            char *ev = dwhi_incremental_format(earliest, ip->format);
            char *lp = lt_param(ip->param);
            if (!ev) {
                free(lastv);
                free(lp);
                return dwhi_ctx_fail(ctx, DW_ERR_CONFIG, "endpoint %s: earliest value %s cannot be used as %s",
                                    ep_name(&r->ep), earliest, ip->format ? ip->format : "text");
            }
            if (!lp) {
                dwhi_log(ctx, DW_LOG_INFO, "rest.incremental",
                        "endpoint %s: '%s' has no upper-bound form; scanning all rows for those older than %s",
                        ep_name(&r->ep), ip->param, ev);
                free(ev);
                ev = NULL;
            }
            r->phases[r->n_phases++] = (phase){.name = "older", .param = lp, .value = ev};
        }
        if (lastv) {
            r->phases[r->n_phases++] = (phase){.name = "newer", .param = strdup(ip->param), .value = lastv,
                                               .stop_at_last = 1};
            lastv = NULL;
        }
        if (r->n_phases == 0) r->phases[r->n_phases++] = (phase){.name = "all"};
    } else {
        if (lastv)
            r->phases[r->n_phases++] = (phase){.name = "all", .param = strdup(ip->param), .value = lastv};
        else
            r->phases[r->n_phases++] = (phase){.name = "all"};
        lastv = NULL;
    }
    free(lastv);
    return DW_OK;
}

/* ---- path placeholders --------------------------------------------------- */

/* Fills {name} placeholders: `resolve_param` from `resolve_value`, any other
 * from the top-level config value of that name.  Values are URL-escaped. */
static dw_status fill_path(run *r, const char *tmpl, const char *resolve_param, const char *resolve_value,
                           char **out) {
    *out = NULL;
    size_t cap = strlen(tmpl) + 64, len = 0;
    char *buf = malloc(cap);
    if (!buf) return dwhi_ctx_fail(r->ctx, DW_ERR_NOMEM, "out of memory");
    for (const char *p = tmpl; *p;) {
        const char *val = NULL;
        char name[128];
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        size_t piece;
        char *esc = NULL;
        if (close && (size_t)(close - p - 1) < sizeof name) {
            memcpy(name, p + 1, (size_t)(close - p - 1));
            name[close - p - 1] = 0;
            if (resolve_param && !strcmp(name, resolve_param)) {
                val = resolve_value;
            } else if (r->ctx->config) {
                json_object *v = NULL;
                if (json_object_object_get_ex(r->ctx->config, name, &v)) val = scalar_text(v);
            }
            if (!val) {
                free(buf);
                return dwhi_ctx_fail(r->ctx, DW_ERR_CONFIG,
                                    "endpoint %s: path '%s' has placeholder {%s} that neither the parent row nor "
                                    "the config fills",
                                    ep_name(&r->ep), tmpl, name);
            }
            esc = dwhi_url_escape(val);
            if (!esc) {
                free(buf);
                return dwhi_ctx_fail(r->ctx, DW_ERR_NOMEM, "out of memory");
            }
            val = esc;
            piece = strlen(esc);
        } else {
            val = p;
            piece = 1;
        }
        if (len + piece + 1 > cap) {
            while (len + piece + 1 > cap) cap *= 2;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                free(esc);
                return dwhi_ctx_fail(r->ctx, DW_ERR_NOMEM, "out of memory");
            }
            buf = nb;
        }
        memcpy(buf + len, val, piece);
        len += piece;
        p = close && esc ? close + 1 : p + 1;
        free(esc);
    }
    buf[len] = 0;
    *out = buf;
    return DW_OK;
}

/* ---- one listing ----------------------------------------------------------- */

static void log_page_cap(run *r, const rest_listing *l, const dwhi_rowref *parent_row) {
    json_object *f = json_object_new_object();
    json_object_object_add(f, "resource", json_object_new_string(ep_name(&r->ep)));
    json_object_object_add(f, "pages", json_object_new_int64(l->pos.pages));
    json_object_object_add(f, "cap", json_object_new_int64(l->max_pages));
    char msg[512];
    if (parent_row) {
        json_object_object_add(f, "parent_resource", json_object_new_string(ep_name(&r->parent)));
        json_object_object_add(f, "parent_field", json_object_new_string(r->ep.resolve_field));
        json_object_object_add(f, "parent_value", json_object_new_string(r->parent_key ? r->parent_key : ""));
        json_object *id = dwhi_rowref_path(parent_row, "id", NULL);
        if (scalar_text(id)) json_object_object_add(f, "parent_id", json_object_get(id));
        json_object_put(id);
        snprintf(msg, sizeof msg,
                 "endpoint %s: stopped after %lld pages for parent %s %s=%s (page cap); later rows are not synced",
                 ep_name(&r->ep), (long long)l->pos.pages, ep_name(&r->parent), r->ep.resolve_field,
                 r->parent_key ? r->parent_key : "");
    } else {
        snprintf(msg, sizeof msg, "endpoint %s: stopped after %lld pages (page cap); later rows are not synced",
                 ep_name(&r->ep), (long long)l->pos.pages);
    }
    dwhi_log_fields(r->ctx, DW_LOG_WARN, "rest.page_cap", msg, f);
}

/* Copies include_from_parent fields into a child row's extra columns
 * (*extra made when needed; the caller puts it). */
static dw_status add_parent_fields(run *r, json_object **extra, const dwhi_rowref *prow) {
    for (const char *const *e = r->ep.include_from_parent; e && *e; e++) {
        char field[256], key[320];
        const char *colon = strchr(*e, ':');
        size_t flen = colon ? (size_t)(colon - *e) : strlen(*e);
        if (flen == 0 || flen >= sizeof field) continue;
        memcpy(field, *e, flen);
        field[flen] = 0;
        if (colon && colon[1])
            snprintf(key, sizeof key, "%s", colon + 1);
        else {
            snprintf(key, sizeof key, "_%s_%s", ep_name(&r->parent), field);
            for (char *c = key; *c; c++)
                if (*c == '.') *c = '_';
        }
        int exists = 0;
        json_object *v = dwhi_rowref_path(prow, field, &exists);
        if (!v && !exists)
            return dwhi_ctx_fail(r->ctx, DW_ERR_BAD_DATA,
                                "endpoint %s: parent %s row has no field '%s' (include_from_parent)",
                                ep_name(&r->ep), ep_name(&r->parent), field);
        if (!*extra && !(*extra = json_object_new_object())) {
            json_object_put(v);
            return dwhi_ctx_fail(r->ctx, DW_ERR_NOMEM, "out of memory");
        }
        json_object_object_add(*extra, key, v);
    }
    return DW_OK;
}

/* Records the refusal of `url` (`what`: a next page, a saved page) on
 * another origin: one line naming both origins and what to do (`then`);
 * exit 6 (DW_ERR_SSRF). */
static dw_status fail_refused(run *r, const char *url, const char *what, const char *then) {
    char *safe = dwhi_url_redact(url), *there = dwhi_url_origin(url);
    dw_status st = dwhi_ctx_fail(r->ctx, DW_ERR_SSRF,
                                "endpoint %s: the %s %s is on another origin (%s) than the base URL (%s): not "
                                "requested, so the credentials stay on %s; %s",
                                ep_name(&r->ep), what, safe ? safe : "?", there ? there : "?", r->origin, r->origin,
                                then);
    free(safe);
    free(there);
    return st;
}

/* Runs the endpoint's row hook (1.6) on `row` (lent as a view of its
 * cells: plugin_json.h): *skip set when the plugin drops it, else the columns
 * it set join the row's extra columns (*extra made when needed). */
static dw_status apply_row_hook(run *r, const dw_endpoint *ep, const dwhi_rowref *row, json_object **extra_cols,
                                int *skip) {
    dw_ctx *ctx = r->ctx;
    dw_row *extra = dwhi_row_new_lent(ctx);
    if (!extra) return dwhi_ctx_fail(ctx, DW_ERR_NOMEM, "endpoint %s: out of memory for the row hook", ep_name(ep));
    int32_t sk = 0;
    dwhi_json_view view;
    const dw_json *handle = dwhi_json_view_begin(&view, row);
    dw_status st = ep->row_hook(ctx, ep == &r->ep ? r->ep_plugin : ep, handle, extra, &sk);
    dwhi_json_view_end(&view);
    if (st != DW_OK) {
        dwhi_row_lent_free(extra);
        /* The plugin should have said why with api->fail; if not, say it. */
        return ctx->error_code ? ctx->error_code
                               : dwhi_ctx_fail(ctx, st, "endpoint %s: the row hook failed (%s)", ep_name(ep),
                                              dwhi_status_name(st));
    }
    if (ctx->error_host) {
        dwhi_row_lent_free(extra); /* it tried to emit the lent row */
        return ctx->error_code;
    }
    if (sk) {
        dwhi_row_lent_free(extra);
        *skip = 1;
        return DW_OK;
    }
    char *why = NULL;
    if (dwhi_row_lent_take(extra, extra_cols, &why) != 0) {
        st = dwhi_ctx_fail_host(ctx, DW_ERR_BAD_DATA, "endpoint %s: row hook: %s", ep_name(ep), why ? why : "?");
        free(why);
    }
    return st;
}

/* Walks one listing from `start` (may be NULL: the first page), emitting
 * rows and staging state after each page.  parent_row non-NULL in fan-out. */
static dw_status walk(run *r, const dw_endpoint *ep, const char *path, const rest_pos *start,
                      const dwhi_rowref *parent_row, int save) {
    dw_ctx *ctx = r->ctx;
    phase *ph = &r->phases[r->cur_phase];
    const char *extra[3] = {ph->param, ph->value, NULL};
    rest_listing l = {.ctx = ctx, .client = &r->client, .ep = ep, .path = path,
                      .extra = ph->param && ph->value ? extra : NULL, .auto_logged = &r->auto_logged,
                      .origin = r->origin, .store = listing_store(r), .row_text = r->row_text};
    if (!l.store) return dwhi_ctx_fail(ctx, DW_ERR_NOMEM, "out of memory");
    DWHI_COPY_SIZED(l.pag, ep->paginator);
    if (!ep->paginator) l.pag.kind = DW_PAGINATE_SINGLE;
    l.max_pages = l.pag.max_pages;
    if (parent_row && ep->max_pages_per_parent > 0 && (l.max_pages == 0 || ep->max_pages_per_parent < l.max_pages))
        l.max_pages = ep->max_pages_per_parent;
    if (start && rest_pos_copy(&l.pos, start) != 0) {
        dwhi_batcher_free(l.store);
        return dwhi_ctx_fail(ctx, DW_ERR_NOMEM, "out of memory");
    }
    dw_status st = DW_OK;
    while (!l.done) {
        if (dwhi_ctx_cancelled(ctx)) {
            st = dwhi_ctx_fail_host(ctx, DW_ERR_CANCELLED, "run cancelled");
            break;
        }
        rest_page pg;
        st = rest_fetch_page(&l, &pg);
        if (st != DW_OK) break;
        rest_page_free(&pg);
        int stop = 0;
        size_t n = dwhi_batcher_rows(l.store);
        for (size_t i = 0; i < n && st == DW_OK; i++) {
            dwhi_rowv v = dwhi_batcher_row(l.store, i);
            json_object *cols = NULL; /* what a parent or the hook added */
            dwhi_rowref row = {.cells = &v};
            int skip = 0;
            if (parent_row) st = add_parent_fields(r, &cols, parent_row);
            row.extra = cols;
            if (st == DW_OK && ep->row_hook) st = apply_row_hook(r, ep, &row, &cols, &skip);
            row.extra = cols;
            if (st == DW_OK && !skip) {
                if (ph->stop_at_last && row_at_or_before_last(r, &row)) stop = 1;
                else st = dwhi_emit_cells(ctx, &row);
            }
            json_object_put(cols);
            if (stop) break;
        }
        dwhi_batcher_clear(l.store);
        if (st != DW_OK) break;
        if (stop) l.done = 1;
        if (!stop && l.refused) {
            /* The page's rows are out; the link is not followed, and no
             * position past this page is saved. */
            st = fail_refused(r, l.refused, "next page", "the rows before it are kept");
            break;
        }
        if (save) {
            /* Next page of this listing; a finished child resumes at the next
             * parent row, a finished top-level listing at the next phase. */
            if (!l.done)
                st = save_state(r, r->cur_phase, &l.pos);
            else if (parent_row) {
                r->parent_index++;
                const char *k = r->parent_key;
                r->parent_key = NULL;
                st = save_state(r, r->cur_phase, NULL);
                r->parent_index--;
                r->parent_key = k;
            } else
                st = save_state(r, r->cur_phase + 1, NULL);
            if (st != DW_OK) break;
        }
        if (l.capped) log_page_cap(r, &l, parent_row);
    }
    rest_pos_free(&l.pos);
    free(l.refused);
    dwhi_batcher_free(l.store);
    return st;
}

/* ---- fan-out ----------------------------------------------------------------- */

static dw_status fanout(run *r, const rest_pos *resume_parent, int64_t resume_index, const char *resume_key,
                        const rest_pos *resume_child) {
    dw_ctx *ctx = r->ctx;
    char *ppath = NULL;
    dw_status st = fill_path(r, r->parent.path ? r->parent.path : "", NULL, NULL, &ppath);
    if (st != DW_OK) return st;
    rest_listing pl = {.ctx = ctx, .client = &r->client, .ep = &r->parent, .path = ppath,
                       .auto_logged = &r->auto_logged, .origin = r->origin, .store = listing_store(r)};
    if (!pl.store) {
        free(ppath);
        return dwhi_ctx_fail(ctx, DW_ERR_NOMEM, "out of memory");
    }
    DWHI_COPY_SIZED(pl.pag, r->parent.paginator);
    if (!r->parent.paginator) pl.pag.kind = DW_PAGINATE_SINGLE;
    pl.max_pages = pl.pag.max_pages;
    if (resume_parent && rest_pos_copy(&pl.pos, resume_parent) != 0) {
        free(ppath);
        dwhi_batcher_free(pl.store);
        return dwhi_ctx_fail(ctx, DW_ERR_NOMEM, "out of memory");
    }
    int64_t first_index = resume_parent ? resume_index : 0;
    int first_page = 1;
    while (!pl.done && st == DW_OK) {
        rest_pos page_pos;
        if (rest_pos_copy(&page_pos, &pl.pos) != 0) {
            st = dwhi_ctx_fail(ctx, DW_ERR_NOMEM, "out of memory");
            break;
        }
        rest_page pg;
        st = rest_fetch_page(&pl, &pg);
        if (st != DW_OK) {
            rest_pos_free(&page_pos);
            break;
        }
        rest_page_free(&pg);
        size_t n = dwhi_batcher_rows(pl.store);
        size_t from = 0;
        if (first_page && first_index > 0) {
            from = (size_t)first_index;
            /* The parent page may have shifted since the state was saved:
             * find the saved key rather than trust the index blindly. */
            dwhi_rowv fv = from < n ? dwhi_batcher_row(pl.store, from) : (dwhi_rowv){0};
            dwhi_rowref fr = {.cells = &fv};
            char *at = from < n ? row_scalar_text(&fr, r->ep.resolve_field) : NULL;
            if (resume_key && (!at || strcmp(at, resume_key))) {
                size_t k;
                for (k = 0; k < n; k++) {
                    dwhi_rowv kv = dwhi_batcher_row(pl.store, k);
                    dwhi_rowref kr = {.cells = &kv};
                    char *v = row_scalar_text(&kr, r->ep.resolve_field);
                    int hit = v && !strcmp(v, resume_key);
                    free(v);
                    if (hit) break;
                }
                from = k < n ? k : 0;
            }
            free(at);
        }
        r->parent_pos = &page_pos;
        for (size_t i = from; i < n && st == DW_OK; i++) {
            dwhi_rowv pv = dwhi_batcher_row(pl.store, i);
            dwhi_rowref prow = {.cells = &pv};
            char *key = row_scalar_text(&prow, r->ep.resolve_field);
            if (!key) {
                st = dwhi_ctx_fail(ctx, DW_ERR_BAD_DATA,
                                  "endpoint %s: parent %s row %zu has no field '%s' to fill {%s}", ep_name(&r->ep),
                                  ep_name(&r->parent), i, r->ep.resolve_field, r->ep.resolve_param);
                break;
            }
            char *cpath = NULL;
            st = fill_path(r, r->ep.path, r->ep.resolve_param, key, &cpath);
            if (st != DW_OK) {
                free(key);
                break;
            }
            r->parent_index = (int64_t)i;
            r->parent_key = key;
            const rest_pos *child_start = NULL;
            if (first_page && resume_child && (int64_t)i == first_index && resume_key && !strcmp(key, resume_key))
                child_start = resume_child;
            st = walk(r, &r->ep, cpath, child_start, &prow, 1);
            free(cpath);
            r->parent_key = NULL;
            free(key);
        }
        r->parent_key = NULL;
        dwhi_batcher_clear(pl.store);
        rest_pos_free(&page_pos);
        r->parent_pos = NULL;
        if (st != DW_OK) break;
        if (pl.refused) {
            st = fail_refused(r, pl.refused, "next page of parent endpoint", "the rows before it are kept");
            break;
        }
        /* Parent page done: resume at the next parent page, first row. */
        if (!pl.done) {
            r->parent_pos = &pl.pos;
            r->parent_index = 0;
            st = save_state(r, r->cur_phase, NULL);
            r->parent_pos = NULL;
        } else {
            if (pl.capped) {
                json_object *f = json_object_new_object();
                json_object_object_add(f, "resource", json_object_new_string(ep_name(&r->parent)));
                json_object_object_add(f, "pages", json_object_new_int64(pl.pos.pages));
                json_object_object_add(f, "cap", json_object_new_int64(pl.max_pages));
                dwhi_log_fields(ctx, DW_LOG_WARN, "rest.page_cap", "parent endpoint stopped at its page cap", f);
            }
            st = save_state(r, r->cur_phase + 1, NULL);
        }
        first_page = 0;
    }
    rest_pos_free(&pl.pos);
    free(pl.refused);
    free(ppath);
    dwhi_batcher_free(pl.store);
    return st;
}

/* ---- entry points ---------------------------------------------------------------- */

static void run_free(run *r) {
    for (int i = 0; i < r->n_phases; i++) {
        free(r->phases[i].param);
        free(r->phases[i].value);
    }
    if (r->last_json) json_object_put(r->last_json);
    if (r->resume) json_object_put(r->resume);
    free(r->origin);
}

/* Loads the saved state if it belongs to this endpoint; else NULL. */
static json_object *load_resume(run *r) {
    dw_ctx *ctx = r->ctx;
    if (r->in.reset_pipeline || !dwhi_state_can_resume(ctx)) return NULL;
    const char *text = dwhi_state_load(ctx);
    if (!text) return NULL;
    json_object *s = json_tokener_parse(text);
    json_object *v = NULL;
    const char *why = NULL;
    json_object *o = NULL, *sc = NULL;
    if (!s || !json_object_is_type(s, json_type_object))
        why = "it is not a JSON object";
    else if (!json_object_object_get_ex(s, "endpoint", &v) || strcmp(json_object_get_string(v), ep_name(&r->ep)))
        why = "it belongs to another endpoint";
    else if (json_object_object_get_ex(s, "origin", &o) && strcmp(json_object_get_string(o), r->origin))
        why = "it was saved for another base URL";
    else if (json_object_object_get_ex(s, "scope", &sc) != (r->client.resume_scope != NULL) ||
             (sc && strcmp(json_object_get_string(sc), r->client.resume_scope)))
        why = "it was saved for another resume scope (what the source reads changed)";
    if (why) {
        dwhi_log(ctx, DW_LOG_WARN, "rest.state_ignored", "endpoint %s: saved state ignored (%s); starting over",
                ep_name(&r->ep), why);
        if (s) json_object_put(s);
        return NULL;
    }
    return s;
}

dw_status dwhi_rest_run(dw_ctx *ctx, const dw_rest_client *client, const dw_endpoint *endpoint,
                       const dw_run_inputs *inputs) {
    if (!ctx) return DW_ERR;
    run r = {.ctx = ctx};
    /* a sink that takes json-c objects gets them from each row's text */
    r.row_text = dwhi_emit_wants_text(ctx) || (ctx->sink && !ctx->sink->row_cells);
    DWHI_COPY_SIZED(r.client, client);
    DWHI_COPY_SIZED(r.ep, endpoint);
    DWHI_COPY_SIZED(r.in, inputs);
    if (!client || !r.client.base_url)
        return dwhi_ctx_fail(ctx, DW_ERR_CONFIG, "rest_run: the client has no base_url");
    r.ep_plugin = endpoint;
    if (!endpoint || !r.ep.path)
        return dwhi_ctx_fail(ctx, DW_ERR_CONFIG, "rest_run: endpoint %s has no path", endpoint ? ep_name(&r.ep) : "?");
    if (r.ep.parent) {
        const dw_endpoint *pe = NULL;
        for (uint32_t i = 0; r.client.endpoints && i < r.client.n_endpoints; i++)
            if (r.client.endpoints[i] && r.client.endpoints[i]->name &&
                !strcmp(r.client.endpoints[i]->name, r.ep.parent))
                pe = r.client.endpoints[i];
        if (!pe || !pe->path)
            return dwhi_ctx_fail(ctx, DW_ERR_CONFIG,
                                "endpoint %s: parent endpoint '%s' is not among the client's endpoints",
                                ep_name(&r.ep), r.ep.parent);
        if (!r.ep.resolve_param || !r.ep.resolve_field)
            return dwhi_ctx_fail(ctx, DW_ERR_CONFIG, "endpoint %s: a child of '%s' needs resolve_param and resolve_field",
                                ep_name(&r.ep), r.ep.parent);
        DWHI_COPY_SIZED(r.parent, pe);
        r.fanout = 1;
    }
    dw_status st = rest_endpoint_validate(ctx, &r.ep);
    if (st == DW_OK && r.fanout) st = rest_endpoint_validate(ctx, &r.parent);
    if (st != DW_OK) return st;
    r.origin = dwhi_url_origin(r.client.base_url);
    if (!r.origin)
        return dwhi_ctx_fail(ctx, DW_ERR_CONFIG, "rest_run: the client's base_url is not an absolute http(s) URL");
    st = plan_phases(&r);
    if (st != DW_OK) {
        run_free(&r);
        return st;
    }
    /* The client's credentials are this operation's secrets before the
     * state is loaded: a saved page may refer to one (state_secrets.h). */
    dwhi_http_note_header_secrets(ctx, r.client.headers);
    r.resume = load_resume(&r);
    int start_phase = 0;
    rest_pos pos = {0}, ppos = {0};
    int have_pos = 0, have_ppos = 0;
    int64_t pindex = 0;
    const char *pkey = NULL;
    if (r.resume) {
        json_object *v;
        int ph = json_object_object_get_ex(r.resume, "phase", &v) ? json_object_get_int(v) : 0;
        const char *pname = json_object_object_get_ex(r.resume, "phase_name", &v) ? json_object_get_string(v) : NULL;
        if (ph >= r.n_phases) {
            dwhi_log(ctx, DW_LOG_INFO, "rest.resume", "endpoint %s: saved state says every page was synced",
                    ep_name(&r.ep));
            run_free(&r);
            return DW_OK;
        }
        if (ph < 0 || !pname || strcmp(pname, r.phases[ph].name)) {
            dwhi_log(ctx, DW_LOG_WARN, "rest.state_ignored",
                    "endpoint %s: saved state is for another incremental plan; starting over", ep_name(&r.ep));
        } else {
            start_phase = ph;
            /* Keep the filter the interrupted walk started with. */
            if (json_object_object_get_ex(r.resume, "filter", &v) && v && r.phases[ph].param) {
                free(r.phases[ph].value);
                r.phases[ph].value = strdup(json_object_get_string(v));
            }
            if (json_object_object_get_ex(r.resume, "pos", &v) && rest_pos_from_json(&pos, v) == 0) have_pos = 1;
            json_object *p;
            if (json_object_object_get_ex(r.resume, "parent", &p)) {
                if (json_object_object_get_ex(p, "pos", &v) && rest_pos_from_json(&ppos, v) == 0) have_ppos = 1;
                if (json_object_object_get_ex(p, "index", &v)) pindex = json_object_get_int64(v);
                if (json_object_object_get_ex(p, "key", &v)) pkey = json_object_get_string(v);
            }
            dwhi_log(ctx, DW_LOG_INFO, "rest.resume", "endpoint %s: resuming %s phase from the saved page",
                    ep_name(&r.ep), r.phases[ph].name);
            /* A saved page is followed only on the origin the credentials
             * belong to (or a trusted one), as a next page would be. */
            const char *bad = have_pos && pos.url && !dwhi_url_origin_in(pos.url, r.origin, r.client.trusted_origins)
                                  ? pos.url
                              : have_ppos && ppos.url &&
                                      !dwhi_url_origin_in(ppos.url, r.origin, r.client.trusted_origins)
                                  ? ppos.url
                                  : NULL;
            if (bad)
                st = fail_refused(&r, bad, "saved page",
                                  "the resume state is not used; start over with --reset (sync) or without "
                                  "--state-in (read)");
        }
    }
    char *path = NULL;
    if (st != DW_OK) start_phase = r.n_phases; /* a refused saved page: nothing runs */
    for (int i = start_phase; i < r.n_phases && st == DW_OK; i++) {
        r.cur_phase = i;
        int resumed = i == start_phase;
        if (r.fanout) {
            st = fanout(&r, resumed && have_ppos ? &ppos : NULL, resumed ? pindex : 0, resumed ? pkey : NULL,
                        resumed && have_pos ? &pos : NULL);
        } else {
            if (!path) st = fill_path(&r, r.ep.path, NULL, NULL, &path);
            if (st == DW_OK) st = walk(&r, &r.ep, path, resumed && have_pos ? &pos : NULL, NULL, 1);
        }
    }
    free(path);
    rest_pos_free(&pos);
    rest_pos_free(&ppos);
    run_free(&r);
    return st;
}
