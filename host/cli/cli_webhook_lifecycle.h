/*
 * cli_webhook_lifecycle.h -- `dwhost webhook create|delete|info <source>
 * --config FILE --url URL`: the plugin's webhook lifecycle actions
 * (create_webhook, delete_webhook, webhook_info; ABI 1.8), and the secret
 * a created webhook comes with stored into the source's config.
 */
#ifndef DWHI_CLI_WEBHOOK_LIFECYCLE_H
#define DWHI_CLI_WEBHOOK_LIFECYCLE_H

/* 1 when `word` is one of the verbs (create, delete, info). */
int dwhi_cli_webhook_is_verb(const char *word);

/* Runs `verb` on `source` (borrowed); prints the outcome (one line, or one
 * JSON document with `json`) and returns the exit code. */
int dwhi_cli_webhook_lifecycle(const char *verb, const char *source, const char *config_path, const char *url,
                               int json, int allow_internal_hosts);

#endif
