/* webhook_ingest.c -- checking a pushed payload against the plugin and
 * storing it in the inbox; removing one (see webhook.h). */
#include "webhook.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/emit.h"
#include "ops/ops.h"
#include "base/text.h"
#include "warehouse/warehouse_sqlite.h"
#include "warehouse/webhook_inbox.h"
#include "webhook_signature.h"

#define DEFAULT_TEAM "local" /* as sync.c: the payloads must reach the same jobs */

const char *dwh_webhook_outcome_name(dwh_webhook_outcome o) {
    switch (o) {
    case DWH_WEBHOOK_STORED: return "stored";
    case DWH_WEBHOOK_IGNORED: return "ignored";
    case DWH_WEBHOOK_REFUSED: return "refused";
    case DWH_WEBHOOK_UNSUPPORTED: return "unsupported";
    case DWH_WEBHOOK_FAIL_CONFIG: return "config";
    case DWH_WEBHOOK_FAIL_WAREHOUSE: return "warehouse";
    case DWH_WEBHOOK_FAIL_PLUGIN: return "plugin";
    case DWH_WEBHOOK_NOT_FOUND: return "not_found";
    case DWH_WEBHOOK_DROPPED: return "dropped";
    case DWH_WEBHOOK_BAD_SIGNATURE: return "bad_signature";
    }
    return "?";
}

void dwhi_webhook_result_free(dwhi_webhook_result *r) {
    if (!r) return;
    free(r->message);
    free(r->event_type);
    json_object_put(r->schemas);
    free(r->team_id);
    free(r->source_id);
    free(r->state_namespace);
    memset(r, 0, sizeof *r);
}

/* Records the outcome and a one-line message (scrubbed when `secrets`). */
static void outcome(dwhi_webhook_result *r, dwh_webhook_outcome o, dwhi_secrets *secrets, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void outcome(dwhi_webhook_result *r, dwh_webhook_outcome o, dwhi_secrets *secrets, const char *fmt, ...) {
    r->outcome = o;
    char *raw = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&raw, fmt, ap) < 0) raw = NULL;
    va_end(ap);
    char *clean = raw && secrets ? dwhi_secrets_scrub(secrets, raw) : NULL;
    free(r->message);
    r->message = dwhi_text_one_line(clean ? clean : raw ? raw : "out of memory", DWHI_ERROR_MAX_BYTES);
    free(clean);
    free(raw);
}

/* Fills the job identity (sync's defaults).  Returns 0, -1 on OOM or a
 * namespace sync would refuse (after outcome()). */
static int identity(dwhi_webhook_result *r, dwh_plugin *p, const dwh_webhook_options *o) {
    const char *ns = o && o->state_namespace && *o->state_namespace ? o->state_namespace : NULL;
    r->team_id = strdup(o && o->team_id && *o->team_id ? o->team_id : DEFAULT_TEAM);
    r->source_id = strdup(o && o->source_id && *o->source_id ? o->source_id : dwh_plugin_name(p));
    r->state_namespace = ns ? strdup(ns) : NULL;
    if (!r->team_id || !r->source_id || (ns && !r->state_namespace)) {
        outcome(r, DWH_WEBHOOK_FAIL_CONFIG, NULL, "out of memory");
        return -1;
    }
    if (ns) {
        /* the same rule as sync's --state-namespace */
        int bad = strlen(ns) > 128;
        for (const unsigned char *c = (const unsigned char *)ns; *c && !bad; c++) bad = *c < 0x20 || *c == 0x7f;
        if (bad) {
            outcome(r, DWH_WEBHOOK_FAIL_CONFIG, NULL,
                    "the state namespace must be at most 128 printable bytes, as for 'dwhost sync'");
            return -1;
        }
    }
    return 0;
}

static dwhi_warehouse *open_warehouse(dwhi_webhook_result *r, const dwh_webhook_options *o) {
    char *err = NULL;
    dwhi_warehouse *w = dwhi_wh_open(o && o->warehouse_path && *o->warehouse_path ? o->warehouse_path
                                                                                : DWHI_WAREHOUSE_DEFAULT_PATH,
                                   NULL, &err);
    if (!w) outcome(r, DWH_WEBHOOK_FAIL_WAREHOUSE, NULL, "%s", err ? err : "the warehouse could not be opened");
    free(err);
    return w;
}

/* A row sink that only counts: the check before storing writes nothing. */
static dw_status count_row(void *ud, dw_ctx *ctx, json_object *row) {
    (void)ctx;
    (void)row;
    (*(uint64_t *)ud)++;
    return DW_OK;
}

/* "charges <- charge.*, customers <- customer.*" from the descriptor
 * (malloc'd; NULL on OOM). */
static char *resource_map_text(const dw_source *src) {
    char *s = strdup("");
    for (uint32_t i = 0; s && i < src->n_webhook_resources; i++) {
        const dw_webhook_resource *res = &src->webhook_resources[i];
        char *next = NULL;
        if (asprintf(&next, "%s%s%s <- %s", s, i ? ", " : "", res->schema ? res->schema : "?",
                     res->event_type ? res->event_type : "?") < 0)
            next = NULL;
        free(s);
        s = next;
    }
    return s;
}

/* Non-zero when schema `name` appears before index `i` of the map. */
static int seen_before(const dw_source *src, uint32_t i, const char *name) {
    for (uint32_t k = 0; k < i; k++)
        if (src->webhook_resources[k].schema && !strcmp(src->webhook_resources[k].schema, name)) return 1;
    return 0;
}

char *dwhi_webhook_unsupported(dwh_plugin *p) {
    const dw_source *src = dwh_plugin_source(p);
    if ((src->capabilities & DW_CAP_WEBHOOK) && src->webhook_transform && src->n_webhook_resources) return NULL;
    char *msg = NULL;
    if (asprintf(&msg,
                 "source '%s' does not take webhooks (it declares no DW_CAP_WEBHOOK%s); nothing was stored: sync "
                 "it with 'dwhost sync %s' instead",
                 dwh_plugin_name(p), src->capabilities & DW_CAP_WEBHOOK ? " transform or resource map" : "",
                 dwh_plugin_name(p)) < 0)
        msg = NULL;
    return msg;
}

/* With opts->signature_header: 0 when the request's signature verifies
 * under the plugin's scheme with the signing secret of `config`;
 * otherwise -1 after outcome() (BAD_SIGNATURE, or FAIL_CONFIG when the
 * config holds no secret).  The secret and the signature never appear in
 * the message. */
static int check_signature(dwhi_webhook_result *r, const dw_source *src, const char *name, json_object *config,
                           const char *header, const char *payload, size_t len, int64_t *timestamp) {
    const char *want = dwhi_webhook_signature_header(src->webhook_signature);
    if (!want) {
        outcome(r, DWH_WEBHOOK_BAD_SIGNATURE, NULL,
                "source '%s' declares no webhook signature scheme, so its requests cannot be verified; nothing was "
                "stored (push it without a signature check only when the request was verified otherwise)", name);
        return -1;
    }
    json_object *sv = src->webhook_secret_field ? json_object_object_get(config, src->webhook_secret_field) : NULL;
    const char *secret = sv && json_object_is_type(sv, json_type_string) ? json_object_get_string(sv) : NULL;
    if (!secret || !*secret) {
        outcome(r, DWH_WEBHOOK_FAIL_CONFIG, NULL,
                "the config of %s has no signing secret in '%s' to verify the %s header with; set it (dwhost webhook "
                "create stores it); nothing was stored", name,
                src->webhook_secret_field ? src->webhook_secret_field : "(no field named)", want);
        return -1;
    }
    size_t name_len = 0;
    const char *value = NULL;
    if (!*header || dwhi_webhook_header_split(header, &name_len, &value) != 0 || !*value) {
        outcome(r, DWH_WEBHOOK_BAD_SIGNATURE, NULL, "the request has no %s header (source '%s' signs its webhooks); "
                "nothing was stored", want, name);
        return -1;
    }
    if (name_len != strlen(want) || strncasecmp(header, want, name_len) != 0) {
        outcome(r, DWH_WEBHOOK_BAD_SIGNATURE, NULL, "source '%s' signs its webhooks with the %s header, not %.*s; "
                "nothing was stored", name, want, (int)(name_len > 64 ? 64 : name_len), header);
        return -1;
    }
    char *err = NULL;
    if (dwhi_webhook_verify(src->webhook_signature, secret, value, payload, len, (int64_t)time(NULL), timestamp,
                            &err) != 0) {
        outcome(r, DWH_WEBHOOK_BAD_SIGNATURE, NULL, "bad webhook signature for %s: %s; nothing was stored", name,
                err ? err : "out of memory");
        free(err);
        return -1;
    }
    return 0;
}

void dwhi_webhook_push_run(dwh_plugin *p, json_object *config, dwhi_secrets *secrets, const dwh_webhook_options *o,
                          const char *payload, size_t len, dwhi_webhook_result *out) {
    memset(out, 0, sizeof *out);
    const dw_source *src = dwh_plugin_source(p);
    const char *name = dwh_plugin_name(p);
    if (identity(out, p, o) < 0) return;
    char *unsupported = dwhi_webhook_unsupported(p);
    if (unsupported) {
        outcome(out, DWH_WEBHOOK_UNSUPPORTED, NULL, "%s", unsupported);
        free(unsupported);
        return;
    }
    size_t limit = o && o->max_bytes ? o->max_bytes : DWH_WEBHOOK_MAX_BYTES;
    if (len > limit) {
        outcome(out, DWH_WEBHOOK_REFUSED, NULL,
                "the payload is %zu bytes, over the limit of %zu bytes; nothing was stored", len, limit);
        return;
    }
    /* the signature before anything else looks at the payload */
    int64_t signed_at = 0;
    if (o && o->signature_header &&
        check_signature(out, src, name, config, o->signature_header, payload, len, &signed_at) != 0)
        return;
    /* a verified request is stored once: its replay key goes into the
     * warehouse with it, and a second delivery of the same key is refused */
    char replay_key[128];
    int64_t now = (int64_t)time(NULL);
    dwhi_wh_replay replay = {replay_key, signed_at + DWHI_STRIPE_TOLERANCE_S, now};
    int has_replay = o && o->signature_header &&
                     dwhi_webhook_replay_key(src->webhook_signature, signed_at, payload, len, replay_key,
                                             sizeof replay_key) == 0;
    json_object *doc = NULL;
    char perr[256];
    if (dwhi_json_parse_strict(payload, len, &doc, perr, sizeof perr) < 0) {
        outcome(out, DWH_WEBHOOK_REFUSED, NULL, "the payload is not valid JSON (%s); nothing was stored", perr);
        return;
    }
    json_object *type = NULL;
    if (json_object_is_type(doc, json_type_object) && json_object_object_get_ex(doc, "type", &type) &&
        json_object_is_type(type, json_type_string))
        out->event_type = strdup(json_object_get_string(type));
    json_object_put(doc);

    /* Which schemas take it: each transform runs into a counting sink. */
    out->schemas = json_object_new_array();
    if (!out->schemas) {
        outcome(out, DWH_WEBHOOK_FAIL_CONFIG, NULL, "out of memory");
        return;
    }
    dwhi_identity id = {out->team_id, out->source_id, NULL, NULL};
    for (uint32_t i = 0; i < src->n_webhook_resources; i++) {
        const char *schema = src->webhook_resources[i].schema;
        if (!schema || seen_before(src, i, schema)) continue;
        uint64_t rows = 0;
        dwhi_row_sink sink = {.ud = &rows, .row = count_row};
        dwhi_op_result res = dwhi_op_webhook(p, config, secrets, &id, NULL, schema, payload, len, &sink);
        if (res.code != DW_OK) {
            out->cause = res.cause;
            outcome(out, DWH_WEBHOOK_REFUSED, secrets,
                    "source '%s' refused the payload%s%s%s for schema '%s': %s; nothing was stored", name,
                    out->event_type ? " (event type '" : "", out->event_type ? out->event_type : "",
                    out->event_type ? "')" : "", schema, res.message ? res.message : dwhi_status_name(res.code));
            dwhi_op_result_free(&res);
            return;
        }
        dwhi_op_result_free(&res);
        if (rows) json_object_array_add(out->schemas, json_object_new_string(schema));
    }
    size_t n = json_object_array_length(out->schemas);
    if (n == 0) {
        char *map = resource_map_text(src);
        outcome(out, DWH_WEBHOOK_IGNORED, secrets,
                "no schema of %s takes %s%s%s (its webhook schemas: %s); nothing was stored", name,
                out->event_type ? "event type '" : "this payload", out->event_type ? out->event_type : "",
                out->event_type ? "'" : "", map ? map : "?");
        free(map);
        return;
    }
    const char **names = calloc(n, sizeof *names);
    if (!names) {
        outcome(out, DWH_WEBHOOK_FAIL_CONFIG, NULL, "out of memory");
        return;
    }
    for (size_t i = 0; i < n; i++) names[i] = json_object_get_string(json_object_array_get_idx(out->schemas, i));
    dwhi_warehouse *w = open_warehouse(out, o);
    if (w) {
        char *err = NULL;
        dwhi_state_key k = {out->team_id, out->source_id, NULL, out->state_namespace};
        int rc = dwhi_wh_inbox_add(w, &k, payload, len, names, n, has_replay ? &replay : NULL, &out->inbox_id, &err);
        if (rc == -2)
            outcome(out, DWH_WEBHOOK_BAD_SIGNATURE, NULL,
                    "this %s (t=%lld) was already accepted with this payload: a replayed request; nothing was stored",
                    dwhi_webhook_signature_header(src->webhook_signature), (long long)signed_at);
        else if (rc < 0)
            outcome(out, DWH_WEBHOOK_FAIL_WAREHOUSE, NULL, "%s", err ? err : "storing the payload failed");
        else
            out->outcome = DWH_WEBHOOK_STORED;
        free(err);
        dwhi_wh_close(w);
    }
    free(names);
}

void dwhi_webhook_drop_run(dwh_plugin *p, const dwh_webhook_options *o, int64_t id, dwhi_webhook_result *out) {
    memset(out, 0, sizeof *out);
    out->inbox_id = id;
    if (identity(out, p, o) < 0) return;
    dwhi_warehouse *w = open_warehouse(out, o);
    if (!w) return;
    char *err = NULL;
    dwhi_state_key k = {out->team_id, out->source_id, NULL, out->state_namespace};
    int rc = dwhi_wh_inbox_drop(w, &k, id, &err);
    if (rc < 0)
        outcome(out, DWH_WEBHOOK_FAIL_WAREHOUSE, NULL, "%s", err ? err : "deleting the payload failed");
    else if (rc == 0)
        outcome(out, DWH_WEBHOOK_NOT_FOUND, NULL,
                "the inbox of %s (team %s, source id %s%s%s) in %s holds no payload %lld; check the id (and "
                "--team-id/--source-id/--state-namespace)",
                dwh_plugin_name(p), out->team_id, out->source_id, out->state_namespace ? ", namespace " : "",
                out->state_namespace ? out->state_namespace : "", dwhi_wh_shown(w), (long long)id);
    else
        out->outcome = DWH_WEBHOOK_DROPPED;
    free(err);
    dwhi_wh_close(w);
}

json_object *dwhi_webhook_result_json(const dwhi_webhook_result *r, const char *source) {
    json_object *o = json_object_new_object();
    if (!o) return NULL;
    int ok = r->outcome == DWH_WEBHOOK_STORED || r->outcome == DWH_WEBHOOK_IGNORED ||
             r->outcome == DWH_WEBHOOK_DROPPED;
    json_object_object_add(o, "ok", json_object_new_boolean(ok));
    json_object_object_add(o, "outcome", json_object_new_string(dwh_webhook_outcome_name(r->outcome)));
    json_object_object_add(o, "source", source ? json_object_new_string(source) : NULL);
    json_object_object_add(o, "team_id", r->team_id ? json_object_new_string(r->team_id) : NULL);
    json_object_object_add(o, "source_id", r->source_id ? json_object_new_string(r->source_id) : NULL);
    json_object_object_add(o, "state_namespace", r->state_namespace ? json_object_new_string(r->state_namespace) : NULL);
    json_object_object_add(o, "inbox_id", r->inbox_id ? json_object_new_int64(r->inbox_id) : NULL);
    json_object_object_add(o, "event_type", r->event_type ? json_object_new_string(r->event_type) : NULL);
    json_object_object_add(o, "schemas", r->schemas ? json_object_get(r->schemas) : NULL);
    json_object_object_add(o, "message", r->message ? json_object_new_string(r->message) : NULL);
    return o;
}
