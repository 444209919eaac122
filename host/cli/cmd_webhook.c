/* cmd_webhook.c -- `dwhost webhook`: push one payload into a source's
 * webhook inbox (the next sync applies it), or drop one (see webhook.h and
 * docs/concepts/webhooks.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_common.h"
#include "cli_config.h"
#include "cli_log.h"
#include "base/file_read.h"
#include "core/log.h"
#include "webhook/webhook.h"

static void help(FILE *out) {
    fprintf(out,
            "usage: dwhost webhook <source> --config FILE [--payload FILE|-] [options]\n"
            "       dwhost webhook <source> --drop ID [options]\n\n"
            "Stores one pushed payload (e.g. a Stripe event) in the warehouse's webhook inbox and\n"
            "prints its inbox id. The next 'dwhost sync' of a schema that takes it applies it before\n"
            "pulling (incremental mode, once the schema's initial sync has completed). Before\n"
            "storing, the plugin transforms the payload for each of its webhook schemas without\n"
            "writing anything: a payload it rejects is refused now, one no schema takes is ignored\n"
            "(exit 0, nothing stored).\n\n"
            "options:\n"
            "  --config FILE           the source's config (JSON; '-' reads stdin), as for sync\n"
            "  --payload FILE          the payload (JSON); '-' or no --payload reads stdin\n"
            "  --warehouse PATH        the SQLite warehouse file (default ./warehouse.db)\n"
            "  --team-id T             team of the job (default: local)     } the same as the\n"
            "  --source-id S           source id (default: the source name) } syncs that apply\n"
            "  --state-namespace NS    state namespace (default: none)      } the payloads\n"
            "  --drop ID               remove payload ID from the inbox (one whose transform keeps\n"
            "                          failing a sync); needs no --config\n"
            "  --json                  print the result as one JSON document\n"
            DWH_CLI_PLUGIN_DIR_HELP
            DWH_CLI_LOG_HELP
            "  -h, --help              show this help\n\n"
            "exit status: 0 stored, ignored (no schema takes it) or dropped; 2 usage; 3 plugin not\n"
            "found; 4 invalid config, a payload refused (not JSON, over 1 MiB, rejected by the\n"
            "plugin), a source without webhooks, or no such payload to drop; 8 warehouse not\n"
            "writable; 11 the plugin crashed.\n");
}

static int exit_for(dwh_webhook_outcome o) {
    switch (o) {
    case DWH_WEBHOOK_STORED:
    case DWH_WEBHOOK_IGNORED:
    case DWH_WEBHOOK_DROPPED: return DWH_EXIT_OK;
    case DWH_WEBHOOK_REFUSED:
    case DWH_WEBHOOK_UNSUPPORTED:
    case DWH_WEBHOOK_FAIL_CONFIG:
    case DWH_WEBHOOK_NOT_FOUND: return DWH_EXIT_CONFIG;
    case DWH_WEBHOOK_FAIL_WAREHOUSE: return DWH_EXIT_WAREHOUSE;
    case DWH_WEBHOOK_FAIL_PLUGIN: return DWH_EXIT_PLUGIN;
    }
    return DWH_EXIT_FAILURE;
}

/* Reads the payload, at most `limit` bytes: returns 0 with *text
 * (malloc'd) and *len, or prints one line and returns the exit code. */
static int read_payload(const char *path, size_t limit, char **text, size_t *len) {
    const char *shown = strcmp(path, "-") ? path : "from stdin";
    int err = 0;
    switch (dwh_read_whole_file(path, limit, text, len, &err)) {
    case DWH_READ_OK: return 0;
    case DWH_READ_OPEN:
    case DWH_READ_IS_DIR:
        fprintf(stderr, "dwhost: webhook: cannot read payload %s: %s; give a JSON file or '-'\n", shown,
                err ? strerror(err) : "it is a directory");
        return DWH_EXIT_CONFIG;
    case DWH_READ_IO:
        fprintf(stderr, "dwhost: webhook: cannot read payload %s: %s\n", shown, strerror(err));
        return DWH_EXIT_CONFIG;
    case DWH_READ_TOO_BIG:
        fprintf(stderr, "dwhost: webhook: payload %s is larger than the limit of %zu bytes (1 MiB); nothing was "
                        "stored\n", shown, limit);
        return DWH_EXIT_CONFIG;
    case DWH_READ_NOMEM: break;
    }
    fprintf(stderr, "dwhost: webhook: out of memory reading the payload\n");
    return DWH_EXIT_FAILURE;
}

static int parse_id(const char *s, int64_t *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v <= 0) return -1;
    *out = v;
    return 0;
}

static int cmd_webhook(int argc, char **argv) {
    dwh_cli_plugins pl = {0};
    dwh_cli_log lg = DWH_CLI_LOG_INIT;
    dwh_webhook_options o = {0};
    const char *source = NULL, *config_path = NULL, *payload_path = NULL, *drop = NULL;
    int json = 0, rc = DWH_EXIT_OK;
    int64_t drop_id = 0;
    dwh_plugin *p = NULL;
    json_object *config = NULL, *config_report = NULL;
    dwh_secrets *secrets = NULL;
    char *payload = NULL;
    size_t len = 0;
    dwh_webhook_result res = {0};
    for (int i = 1; i < argc; i++) {
        int r = dwh_cli_plugin_dir_arg(&pl, argc, argv, &i), missing = 0;
        if (r == 0) r = dwh_cli_log_arg(&lg, argc, argv, &i);
        if (r < 0) {
            rc = DWH_EXIT_USAGE;
            goto out;
        }
        if (r > 0) continue;
        const char *a = argv[i], *v;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            help(stdout);
            goto out;
        } else if ((v = dwh_cli_opt_value(argc, argv, &i, "--config", &missing))) {
            config_path = v;
        } else if ((v = dwh_cli_opt_value(argc, argv, &i, "--payload", &missing))) {
            payload_path = v;
        } else if ((v = dwh_cli_opt_value(argc, argv, &i, "--warehouse", &missing))) {
            o.warehouse_path = v;
        } else if ((v = dwh_cli_opt_value(argc, argv, &i, "--team-id", &missing))) {
            o.team_id = v;
        } else if ((v = dwh_cli_opt_value(argc, argv, &i, "--source-id", &missing))) {
            o.source_id = v;
        } else if ((v = dwh_cli_opt_value(argc, argv, &i, "--state-namespace", &missing))) {
            if (!*v) {
                rc = dwh_cli_usage_error("webhook", "--state-namespace wants a name, got an empty one");
                goto out;
            }
            o.state_namespace = v;
        } else if ((v = dwh_cli_opt_value(argc, argv, &i, "--drop", &missing))) {
            drop = v;
            if (parse_id(v, &drop_id) < 0) {
                rc = dwh_cli_usage_error("webhook", "--drop wants an inbox id (a positive integer), got '%s'", v);
                goto out;
            }
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (missing) {
            rc = dwh_cli_usage_error("webhook", "%s needs a value", a);
            goto out;
        } else if (a[0] == '-' && a[1]) {
            rc = dwh_cli_usage_error("webhook", "unknown option '%s'", a);
            goto out;
        } else if (!source) {
            source = a;
        } else {
            rc = dwh_cli_usage_error("webhook", "unexpected argument '%s' (one source)", a);
            goto out;
        }
        if (missing) {
            rc = dwh_cli_usage_error("webhook", "%s needs a value", a);
            goto out;
        }
    }
    if (!source) {
        rc = dwh_cli_usage_error("webhook", "which source? e.g. dwhost webhook stripe --config stripe.json "
                                            "--payload event.json");
        goto out;
    }
    if (drop && payload_path) {
        rc = dwh_cli_usage_error("webhook", "--drop removes a stored payload; it takes no --payload");
        goto out;
    }
    if (!drop && !config_path) {
        rc = dwh_cli_usage_error("webhook", "--config FILE is required (the payload is checked with the source's "
                                            "config)");
        goto out;
    }
    if (!drop && config_path && !strcmp(config_path, "-") && (!payload_path || !strcmp(payload_path, "-"))) {
        rc = dwh_cli_usage_error("webhook", "the config and the payload cannot both come from stdin; give "
                                            "--payload FILE or --config FILE");
        goto out;
    }
    if (dwh_cli_log_open(&lg, "webhook") != 0) {
        rc = DWH_EXIT_USAGE;
        goto out;
    }
    if ((rc = dwh_cli_plugins_open(&pl)) != DWH_EXIT_OK) goto out;
    if (!(p = dwh_cli_find_source(&pl, source, &rc))) goto out;
    secrets = dwh_secrets_new();
    char *unsupported = drop ? NULL : dwh_webhook_unsupported(p);
    if (unsupported) {
        res.outcome = DWH_WEBHOOK_UNSUPPORTED;
        res.message = unsupported;
    } else if (drop) {
        dwh_webhook_drop_run(p, &o, drop_id, &res);
    } else {
        rc = dwh_cli_load_config(p, config_path, secrets, &config, json ? &config_report : NULL);
        if (rc != DWH_EXIT_OK) {
            if (json) {
                json_object *doc = json_object_new_object();
                json_object_object_add(doc, "ok", json_object_new_boolean(0));
                json_object_object_add(doc, "outcome", json_object_new_string("config"));
                json_object_object_add(doc, "config", config_report);
                json_object_object_add(doc, "exit_code", json_object_new_int(rc));
                config_report = NULL;
                dwh_cli_print_json(stdout, doc, 1);
                json_object_put(doc);
            }
            goto out;
        }
        if ((rc = read_payload(payload_path ? payload_path : "-", DWH_WEBHOOK_MAX_BYTES, &payload, &len)) != 0)
            goto out;
        dwh_webhook_push_run(p, config, secrets, &o, payload, len, &res);
    }
    rc = exit_for(res.outcome);
    if (json) {
        json_object *doc = dwh_webhook_result_json(&res, dwh_plugin_name(p));
        json_object_object_add(doc, "exit_code", json_object_new_int(rc));
        char *text = dwh_secrets_scrub(secrets, json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
                                                                                         JSON_C_TO_STRING_NOSLASHESCAPE));
        if (text) printf("%s\n", text);
        free(text);
        json_object_put(doc);
    }
    if (res.outcome == DWH_WEBHOOK_STORED) {
        if (!json) {
            printf("stored payload %" PRId64 " for %s (schemas:", res.inbox_id, dwh_plugin_name(p));
            for (size_t i = 0; i < json_object_array_length(res.schemas); i++)
                printf("%s %s", i ? "," : "", json_object_get_string(json_object_array_get_idx(res.schemas, i)));
            printf("); the next 'dwhost sync %s' applies it\n", dwh_plugin_name(p));
        }
    } else if (res.outcome == DWH_WEBHOOK_DROPPED) {
        if (!json) printf("dropped payload %" PRId64 " from the inbox of %s\n", res.inbox_id, dwh_plugin_name(p));
    } else if (res.outcome == DWH_WEBHOOK_IGNORED) {
        if (!json) printf("ignored: %s\n", res.message ? res.message : "no schema takes the payload");
    } else {
        fprintf(stderr, "dwhost: webhook: %s\n", res.message ? res.message : "failed");
    }
out:
    dwh_webhook_result_free(&res);
    free(payload);
    json_object_put(config);
    json_object_put(config_report);
    dwh_cli_log_close(&lg);
    dwh_secrets_free(secrets);
    dwh_plugin_unref(p);
    dwh_cli_plugins_close(&pl);
    return rc;
}

DWH_CLI_COMMAND(webhook, "webhook", "store a pushed webhook payload for the next sync, or drop one", cmd_webhook)
