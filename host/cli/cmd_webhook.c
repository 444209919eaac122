/* cmd_webhook.c -- `dwhost webhook`: push one payload into a source's
 * webhook inbox (the next sync applies it), or drop one (see webhook.h and
 * docs/concepts/webhooks.md). */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_common.h"
#include "cli_config.h"
#include "cli_log.h"
#include "cli_webhook_lifecycle.h"
#include "base/file_read.h"

static int exit_for(dwh_webhook_outcome o) {
    switch (o) {
    case DWH_WEBHOOK_STORED:
    case DWH_WEBHOOK_IGNORED:
    case DWH_WEBHOOK_DROPPED: return DWHI_EXIT_OK;
    case DWH_WEBHOOK_REFUSED:
    case DWH_WEBHOOK_UNSUPPORTED:
    case DWH_WEBHOOK_FAIL_CONFIG:
    case DWH_WEBHOOK_NOT_FOUND: return DWHI_EXIT_CONFIG;
    case DWH_WEBHOOK_FAIL_WAREHOUSE: return DWHI_EXIT_WAREHOUSE;
    case DWH_WEBHOOK_FAIL_PLUGIN: return DWHI_EXIT_PLUGIN;
    case DWH_WEBHOOK_BAD_SIGNATURE: return DWHI_EXIT_CREDENTIALS;
    }
    return DWHI_EXIT_FAILURE;
}

/* Reads the payload, at most `limit` bytes: returns 0 with *text
 * (malloc'd) and *len, or prints one line and returns the exit code. */
static int read_payload(const char *path, size_t limit, char **text, size_t *len) {
    const char *shown = strcmp(path, "-") ? path : "from stdin";
    int err = 0;
    switch (dwhi_read_whole_file(path, limit, text, len, &err)) {
    case DWHI_READ_OK: return 0;
    case DWHI_READ_OPEN:
    case DWHI_READ_IS_DIR:
        fprintf(stderr, "dwhost: webhook: cannot read payload %s: %s; give a JSON file or '-'\n", shown,
                err ? strerror(err) : "it is a directory");
        return DWHI_EXIT_CONFIG;
    case DWHI_READ_IO:
        fprintf(stderr, "dwhost: webhook: cannot read payload %s: %s\n", shown, strerror(err));
        return DWHI_EXIT_CONFIG;
    case DWHI_READ_TOO_BIG:
        fprintf(stderr, "dwhost: webhook: payload %s is larger than the limit of %zu bytes (1 MiB); nothing was "
                        "stored\n", shown, limit);
        return DWHI_EXIT_CONFIG;
    case DWHI_READ_NOMEM: break;
    }
    fprintf(stderr, "dwhost: webhook: out of memory reading the payload\n");
    return DWHI_EXIT_FAILURE;
}

static struct {
    dwh_webhook_options o;
    const char *config, *payload, *drop;
    int64_t drop_id;
    int json, allow_internal;
    const char *url;
    dwhi_cli_list words; /* create|delete|info <source> */
} A;

static int opt_namespace(const char *cmd, const dwhi_cli_opt *opt, const char *v) {
    if (!*v) {
        dwhi_cli_usage_error(cmd, "--%s wants a name, got an empty one", opt->long_name);
        return -1;
    }
    *(const char **)opt->target = v;
    return 0;
}

static int opt_drop(const char *cmd, const dwhi_cli_opt *opt, const char *v) {
    char *end;
    errno = 0;
    long long id = strtoll(v, &end, 10);
    if (errno || end == v || *end || id <= 0) {
        dwhi_cli_usage_error(cmd, "--drop wants an inbox id (a positive integer), got '%s'", v);
        return -1;
    }
    A.drop = v;
    A.drop_id = id;
    return 0;
}

static const dwhi_cli_opt options[] = {
    DWHI_OPT_STRING(0, "config", "FILE", "the source's config (JSON; '-' reads stdin), as for sync", &A.config),
    DWHI_OPT_STRING(0, "payload", "FILE", "the payload (JSON); '-' or no --payload reads stdin", &A.payload),
    DWHI_OPT_STRING(0, "warehouse", "PATH|URL",
                   "the SQLite warehouse file (default ./warehouse.db), or a PostgreSQL database (postgresql://...)",
                   &A.o.warehouse_path),
    DWHI_OPT_STRING(0, "signature-header", "'NAME: VALUE'",
                   "the request's signature header (e.g. 'Stripe-Signature: t=...,v1=...'; '' for a request without "
                   "one): the payload is stored only when it verifies with the config's signing secret (exit 5 "
                   "otherwise)",
                   &A.o.signature_header),
    DWHI_OPT_STRING(0, "team-id", "T", "team of the job (default: local), as for the syncs that apply the payloads",
                   &A.o.team_id),
    DWHI_OPT_STRING(0, "source-id", "S",
                   "source id (default: the source name), as for the syncs that apply the payloads", &A.o.source_id),
    DWHI_OPT_CALLBACK(0, "state-namespace", "NS",
                     "state namespace (default: none), as for the syncs that apply the payloads",
                     &A.o.state_namespace, opt_namespace),
    DWHI_OPT_CALLBACK(0, "drop", "ID",
                     "remove payload ID from the inbox (one whose transform keeps failing a sync); needs no --config",
                     &A.drop, opt_drop),
    DWHI_OPT_STRING(0, "url", "URL",
                   "create|delete|info: the URL the provider posts events to (the webhook's identity)", &A.url,
                   .flags = DWHI_OPT_NONEMPTY, .missing = "a URL"),
    DWHI_OPT_FLAG(0, "allow-internal", "create|delete|info: let the plugin reach loopback and private addresses",
                 &A.allow_internal),
    DWHI_OPT_FLAG(0, "json", "print the result as one JSON document", &A.json),
    DWHI_CLI_OPT_PLUGIN_DIR,
    DWHI_CLI_OPTS_LOG,
    DWHI_OPT_HELP(),
    DWHI_OPT_END(),
};

static int cmd_webhook(const dwhi_cli_invocation *inv) {
    if (A.words.n || dwhi_cli_webhook_is_verb(inv->operand)) {
        /* webhook create|delete|info <source> */
        int rc;
        if (!dwhi_cli_webhook_is_verb(inv->operand))
            rc = dwhi_cli_usage_error("webhook", "give one source name (got '%s' and '%s')", inv->operand,
                                      A.words.v[0]);
        else if (A.words.n != 1)
            rc = dwhi_cli_usage_error("webhook", "webhook %s takes one source name, e.g. dwhost webhook %s stripe "
                                                 "--config stripe.json --url URL", inv->operand, inv->operand);
        else if (A.payload || A.drop)
            rc = dwhi_cli_usage_error("webhook", "webhook %s takes no --payload or --drop", inv->operand);
        else
            rc = dwhi_cli_webhook_lifecycle(inv->operand, A.words.v[0], A.config, A.url, A.json, A.allow_internal);
        free(A.words.v);
        return rc;
    }
    if (A.url) return dwhi_cli_usage_error("webhook", "--url is for webhook create|delete|info");
    dwhi_cli_plugins pl = {0};
    dwh_webhook_options o = A.o;
    const char *source = inv->operand, *config_path = A.config, *payload_path = A.payload, *drop = A.drop;
    int json = A.json, rc = DWHI_EXIT_OK;
    int64_t drop_id = A.drop_id;
    dwh_plugin *p = NULL;
    char *config = NULL, *config_report = NULL, *payload = NULL, *result = NULL, *error = NULL;
    size_t len = 0;
    dwh_webhook_outcome outcome = DWH_WEBHOOK_FAIL_CONFIG;
    if (drop && payload_path) {
        rc = dwhi_cli_usage_error("webhook", "--drop removes a stored payload; it takes no --payload");
        goto out;
    }
    if (!drop && !config_path) {
        rc = dwhi_cli_usage_error("webhook", "--config FILE is required (the payload is checked with the source's "
                                            "config)");
        goto out;
    }
    if (!drop && config_path && !strcmp(config_path, "-") && (!payload_path || !strcmp(payload_path, "-"))) {
        rc = dwhi_cli_usage_error("webhook", "the config and the payload cannot both come from stdin; give "
                                            "--payload FILE or --config FILE");
        goto out;
    }
    if ((rc = dwhi_cli_plugins_open(&pl)) != DWHI_EXIT_OK) goto out;
    if (!(p = dwhi_cli_find_source(&pl, source, &rc))) goto out;
    if (drop) {
        dwh_webhook_drop_plugin(p, &o, drop_id, &outcome, &result, &error);
    } else if (dwh_webhook_supported(p, NULL) != DW_OK) {
        /* named as such whatever the config: the library answers before it reads one */
        dwh_webhook_push_plugin(p, NULL, NULL, &o, NULL, 0, &outcome, &result, &error);
    } else {
        rc = dwhi_cli_config_validated(p, config_path, &config, json ? &config_report : NULL);
        if (rc != DWHI_EXIT_OK) {
            if (json && config_report) {
                json_object *doc = json_object_new_object();
                json_object_object_add(doc, "ok", json_object_new_boolean(0));
                json_object_object_add(doc, "outcome", json_object_new_string("config"));
                json_object_object_add(doc, "config", json_tokener_parse(config_report));
                json_object_object_add(doc, "exit_code", json_object_new_int(rc));
                dwhi_cli_print_json(stdout, doc, 1);
                json_object_put(doc);
            }
            goto out;
        }
        if ((rc = read_payload(payload_path ? payload_path : "-", DWH_WEBHOOK_MAX_BYTES, &payload, &len)) != 0)
            goto out;
        dwh_webhook_push_plugin(p, config, NULL, &o, payload, len, &outcome, &result, &error);
    }
    rc = exit_for(outcome);
    json_object *doc = result ? json_tokener_parse(result) : NULL;
    if (!doc) {
        fprintf(stderr, "dwhost: webhook: %s\n", error ? error : "out of memory");
        rc = DWHI_EXIT_FAILURE;
        goto out;
    }
    if (json) { /* json-c's pretty layout without spaces, as this document always had */
        json_object_object_add(doc, "exit_code", json_object_new_int(rc));
        printf("%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
    }
    int64_t inbox_id = json_object_get_int64(json_object_object_get(doc, "inbox_id"));
    const char *message = json_object_get_string(json_object_object_get(doc, "message"));
    if (outcome == DWH_WEBHOOK_STORED) {
        if (!json) {
            json_object *schemas = json_object_object_get(doc, "schemas");
            printf("stored payload %" PRId64 " for %s (schemas:", inbox_id, dwh_plugin_name(p));
            for (size_t i = 0; i < json_object_array_length(schemas); i++)
                printf("%s %s", i ? "," : "", json_object_get_string(json_object_array_get_idx(schemas, i)));
            printf("); the next 'dwhost sync %s' applies it\n", dwh_plugin_name(p));
        }
    } else if (outcome == DWH_WEBHOOK_DROPPED) {
        if (!json) printf("dropped payload %" PRId64 " from the inbox of %s\n", inbox_id, dwh_plugin_name(p));
    } else if (outcome == DWH_WEBHOOK_IGNORED) {
        if (!json) printf("ignored: %s\n", message ? message : "no schema takes the payload");
    } else {
        fprintf(stderr, "dwhost: webhook: %s\n", message ? message : "failed");
    }
    json_object_put(doc);
out:
    free(result);
    free(error);
    free(payload);
    dwh_free_secret(config);
    free(config_report);
    dwh_plugin_unref(p);
    dwhi_cli_plugins_close(&pl);
    return rc;
}

DWHI_CLI_COMMAND(
    webhook, .name = "webhook", .summary = "store a pushed webhook payload for the next sync, or drop one",
    .run = cmd_webhook, .options = options, .operand = "source", .more_operands = &A.words,
    .operand_missing = "which source? e.g. dwhost webhook stripe --config stripe.json --payload event.json",
    .synopsis = "webhook <source> --config FILE [--payload FILE|-] [options]\nwebhook <source> --drop ID [options]\n"
                "webhook create|delete|info <source> --config FILE --url URL [--json]",
    .description =
        "Stores one pushed payload (e.g. a Stripe event) in the warehouse's webhook inbox and prints its inbox id.  "
        "The next 'dwhost sync' of a schema that takes it applies it before pulling (incremental mode, once the "
        "schema's initial sync has completed).  Before storing, the plugin transforms the payload for each of its "
        "webhook schemas without writing anything: a payload it rejects is refused now, one no schema takes is "
        "ignored (exit 0, nothing stored).  With --signature-header the provider's signature is verified first "
        "(Stripe-Signature, X-Hub-Signature-256, as the plugin declares): a missing, malformed, expired or "
        "wrong one stores nothing (exit 5).\n\n"
        "webhook create|delete|info manage the provider's side through the plugin's actions (create_webhook, "
        "delete_webhook, webhook_info; Stripe's webhook endpoints API): create registers URL with the events of "
        "the source's webhook resources and stores the signing secret the provider returns in the config (in FILE, "
        "or in the file of a {\"$file\": PATH} reference; never printed); delete removes the webhook that posts to "
        "URL; info shows it.  A source whose plugin has no such action is set up by hand.",
    .exit_status = "0 stored, ignored (no schema takes it) or dropped; 2 usage; 3 plugin not found; 4 invalid "
                   "config, a payload refused (not JSON, over 1 MiB, rejected by the plugin), a source without "
                   "webhooks, or no such payload to drop; 5 --signature-header: the signature is missing, malformed, expired or wrong (nothing stored); 8 warehouse not writable; 9 interrupted; 11 the plugin "
                   "crashed.  create|delete|info: 0 done (info: whether or not one exists), 1 the provider refused, "
                   "1 delete: no webhook posts to URL, 2 usage, 3 the plugin manages no webhooks, 4 invalid config, the "
                   "secret could not be stored (the webhook is deleted again) or a webhook for URL exists already, 5 "
                   "credentials, 6 unreachable, 11 the action crashed.")
