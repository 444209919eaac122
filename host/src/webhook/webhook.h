/*
 * webhook.h -- pushing a webhook payload into a source's inbox, and
 * removing one (docs/concepts/webhooks.md).  Used by host/cli/cmd_webhook.c and
 * the embedding API (dwhi_webhook_* in dwhost.h, host_webhook.c).  The
 * inbox tables are webhook_inbox.h; applying payloads in a sync is
 * sync_webhook.c.
 */
#ifndef DWHI_WEBHOOK_H
#define DWHI_WEBHOOK_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "dwhost.h"
#include "registry/registry.h"
#include "log/secrets.h"

/* What a push or a drop did. */
typedef struct dwhi_webhook_result {
    dwh_webhook_outcome outcome;
    dw_status cause;       /* REFUSED by the plugin: the status it gave; else DW_OK */
    int64_t inbox_id;      /* STORED: the new id; drop: the id asked for */
    char *message;         /* one scrubbed line; NULL only for STORED and DROPPED; malloc'd */
    char *event_type;      /* the payload's top-level "type" when it is a string, else NULL; malloc'd */
    json_object *schemas;  /* STORED: array of the schema names that take the payload (owned) */
    char *team_id, *source_id, *state_namespace; /* the job identity used (malloc'd; namespace may be NULL) */
} dwhi_webhook_result;

/* Frees what `r` holds (not r itself) and zeroes it. */
void dwhi_webhook_result_free(dwhi_webhook_result *r);

/* NULL when plugin `p` takes webhooks (DW_CAP_WEBHOOK, a transform and a
 * resource map); otherwise one line saying so and what to do instead
 * (malloc'd, caller frees).  Checked before the config, so a source
 * without webhooks is named as such whatever its config. */
char *dwhi_webhook_unsupported(dwh_plugin *p);

/* Checks `payload` (`len` bytes, borrowed) for plugin `p` with `config`
 * (validated by the caller; borrowed) and `secrets` (borrowed, may be
 * NULL) and stores it in the inbox (see dwh_webhook_push in dwhost.h).
 * `o` may be NULL.  Fills *out (caller frees with dwhi_webhook_result_free). */
void dwhi_webhook_push_run(dwh_plugin *p, json_object *config, dwhi_secrets *secrets, const dwh_webhook_options *o,
                          const char *payload, size_t len, dwhi_webhook_result *out);

/* Removes payload `id` of `p`'s inbox (job identity from `o`, may be
 * NULL).  Fills *out (caller frees): DROPPED, NOT_FOUND or a failure. */
void dwhi_webhook_drop_run(dwh_plugin *p, const dwh_webhook_options *o, int64_t id, dwhi_webhook_result *out);

/* The result as the JSON document `dwhost webhook --json` prints; caller
 * puts it. */
json_object *dwhi_webhook_result_json(const dwhi_webhook_result *r, const char *source);

#endif
