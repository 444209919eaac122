/* cli_webhook_lifecycle.c -- `dwhost webhook create|delete|info` (see
 * cli_webhook_lifecycle.h). */
#include "cli_webhook_lifecycle.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_common.h"
#include "cli_config.h"
#include "cli_exit.h"
#include "cli_signal.h"

static const struct {
    const char *verb, *action;
} verbs[] = {{"create", "create_webhook"}, {"delete", "delete_webhook"}, {"info", "webhook_info"}};

int dwhi_cli_webhook_is_verb(const char *word) {
    for (size_t i = 0; word && i < sizeof verbs / sizeof verbs[0]; i++)
        if (!strcmp(word, verbs[i].verb)) return 1;
    return 0;
}

/* Writes `text` to `path` in place of what it holds: a new file beside
 * it (mode 0600: it holds a secret) renamed over it.  0, or -1 with errno. */
static int replace_file(const char *path, const char *text) {
    char *dir_copy = strdup(path), *tmp = NULL;
    if (!dir_copy || asprintf(&tmp, "%s/.dwhost-secret-XXXXXX", dirname(dir_copy)) < 0) tmp = NULL;
    free(dir_copy);
    if (!tmp) return -1;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        free(tmp);
        return -1;
    }
    size_t len = strlen(text), off = 0;
    int rc = fchmod(fd, 0600);
    while (rc == 0 && off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) rc = -1;
        else off += (size_t)w;
    }
    if (rc == 0) rc = fsync(fd);
    int e = errno;
    if (close(fd) != 0 && rc == 0) rc = -1, e = errno;
    if (rc == 0 && rename(tmp, path) != 0) rc = -1, e = errno;
    if (rc != 0) unlink(tmp);
    free(tmp);
    errno = e;
    return rc;
}

/* Stores each member of `inputs` (the action's extra_inputs, values in
 * clear) into the config file `path` (raw: its parsed text): a member the
 * config reads from {"$file": F} goes into F, any other into the config
 * file itself.  Returns 0, or -1 after printing why (nothing half-written:
 * every file is replaced whole).  *where (malloc'd) names what was written. */
static int store_inputs(const char *source, const char *path, json_object *raw, const char *base_dir,
                        json_object *inputs, char **where) {
    *where = NULL;
    if (!strcmp(path, "-")) {
        fprintf(stderr, "dwhost: webhook create %s: the config came from stdin, so the new secret cannot be stored; "
                        "give --config FILE\n", source);
        return -1;
    }
    int config_changed = 0;
    json_object_object_foreach(inputs, key, val) {
        json_object *cur = json_object_object_get(raw, key), *ref = NULL;
        const char *text = json_object_get_string(val);
        if (!text) continue;
        if (cur && json_object_object_get_ex(cur, "$env", &ref)) {
            fprintf(stderr, "dwhost: webhook create %s: the config reads %s from $env %s, where the new secret "
                            "cannot be stored; use {\"$file\": PATH} or leave the member out\n",
                    source, key, json_object_get_string(ref));
            return -1;
        }
        char *w = NULL;
        if (cur && json_object_object_get_ex(cur, "$file", &ref)) {
            const char *f = json_object_get_string(ref);
            char *full = NULL;
            if (f[0] == '/' || !base_dir) full = strdup(f);
            else if (asprintf(&full, "%s/%s", base_dir, f) < 0) full = NULL;
            if (!full || replace_file(full, text) != 0) {
                fprintf(stderr, "dwhost: webhook create %s: cannot write %s's file %s: %s\n", source, key,
                        full ? full : f, strerror(errno));
                free(full);
                return -1;
            }
            if (asprintf(&w, "%s%s%s ($file of %s)", *where ? *where : "", *where ? ", " : "", full, key) < 0) w = NULL;
            free(full);
        } else {
            json_object_object_add(raw, key, json_object_new_string(text));
            config_changed = 1;
            if (asprintf(&w, "%s%s%s (%s)", *where ? *where : "", *where ? ", " : "", path, key) < 0) w = NULL;
        }
        free(*where);
        *where = w;
    }
    if (config_changed) {
        const char *t = json_object_to_json_string_ext(raw, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
        char *with_nl = NULL;
        if (!t || asprintf(&with_nl, "%s\n", t) < 0) with_nl = NULL;
        int rc = with_nl ? replace_file(path, with_nl) : -1;
        if (with_nl) explicit_bzero(with_nl, strlen(with_nl));
        free(with_nl);
        if (rc != 0) {
            fprintf(stderr, "dwhost: webhook create %s: cannot rewrite the config %s: %s\n", source, path,
                    strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* What one lifecycle action answered (dwh_call's outputs). */
typedef struct call_result {
    dw_status status, cause;
    dwh_call_outcome outcome;
    char *result, *result_raw, *error; /* result_raw holds the secrets in clear */
} call_result;

static void call_result_clear(call_result *r) {
    free(r->result);
    dwh_free_secret(r->result_raw);
    free(r->error);
    memset(r, 0, sizeof *r);
}

static int allow_internal;

/* Calls `action` with url=URL on `config` (the file's text, its relative
 * references from `base_dir`); *r is the outcome (clear it).  -1 when the
 * arguments were refused (the line is printed) or out of memory. */
static int call(dwh_plugin *p, const char *action, const char *config, const char *base_dir, const char *url,
                call_result *r) {
    memset(r, 0, sizeof *r);
    char *word = NULL;
    if (asprintf(&word, "url=%s", url) < 0) return -1;
    const char *words[] = {word};
    dwh_call_options o = {.args = words, .n_args = 1, .base_dir = base_dir, .allow_internal_hosts = allow_internal,
                          .cancel = dwhi_cli_cancel, .outcome = &r->outcome, .cause = &r->cause,
                          .result_raw = &r->result_raw};
    r->status = dwh_call(p, action, config, &o, &r->result, &r->error);
    free(word);
    if (r->outcome == DWH_CALL_BAD_ARGUMENTS) {
        fprintf(stderr, "dwhost: webhook: %s\n", r->error ? r->error : "out of memory");
        return -1;
    }
    return 0;
}

/* The config file's text as written (not validated), to store the new
 * secret into: an object (put it), or NULL. */
static json_object *parse_raw(const char *text) {
    /* deeper than any config validation accepts, so the text that passed parses */
    json_tokener *tok = json_tokener_new_ex(64);
    json_object *raw = tok ? json_tokener_parse_ex(tok, text, (int)strlen(text) + 1) : NULL;
    json_tokener_free(tok);
    if (json_object_is_type(raw, json_type_object)) return raw;
    json_object_put(raw);
    return NULL;
}

static int run(dwh_plugin *p, const char *verb, const char *action, const char *config_path, const char *url,
               int json) {
    const char *source = dwh_plugin_name(p);
    if (!dwhi_cli_has_action(p, action)) {
        fprintf(stderr, "dwhost: webhook %s %s: %s does not manage its webhooks (no '%s' action); set the webhook "
                        "up in the provider's dashboard (docs/connectors/%s.md)\n",
                verb, source, source, action, source);
        return DWHI_EXIT_PLUGIN;
    }
    char *config = NULL, *base_dir = NULL;
    json_object *raw = NULL;
    int rc = dwhi_cli_config_checked(p, config_path, &config, &base_dir, NULL, NULL);
    /* the text as written too: the secret goes back into it */
    if (rc == DWHI_EXIT_OK && !strcmp(verb, "create") && strcmp(config_path, "-") != 0 && !(raw = parse_raw(config)))
        rc = DWHI_EXIT_CONFIG;
    call_result r = {0};
    if (rc == DWHI_EXIT_OK && call(p, action, config, base_dir, url, &r) != 0) rc = DWHI_EXIT_USAGE;
    else if (rc == DWHI_EXIT_OK && r.status != DW_OK) {
        fprintf(stderr, "dwhost: webhook %s %s: %s\n", verb, source, r.error ? r.error : "out of memory");
        rc = r.outcome == DWH_CALL_CRASHED ? DWHI_EXIT_PLUGIN_CRASHED : dwhi_cli_exit_for(r.cause);
    } else if (rc == DWHI_EXIT_OK) {
        json_object *res = json_tokener_parse(r.result), *res_raw = json_tokener_parse(r.result_raw);
        json_object *inputs = NULL, *id = NULL;
        char *where = NULL;
        if (res) json_object_object_get_ex(res, "id", &id);
        if (!strcmp(verb, "create") && res_raw && json_object_object_get_ex(res_raw, "extra_inputs", &inputs) &&
            json_object_is_type(inputs, json_type_object) &&
            store_inputs(source, config_path, raw, base_dir, inputs, &where) != 0) {
            /* the endpoint would be useless without its secret: take it back */
            call_result u = {0};
            /* a plugin without the action answers DW_ERR_NOT_FOUND: not undone */
            int undone = call(p, "delete_webhook", config, base_dir, url, &u) == 0 && u.status == DW_OK;
            fprintf(stderr, "dwhost: webhook create %s: %s\n", source,
                    undone ? "the webhook was deleted again; fix the config and run the command again"
                           : "the webhook was created but could not be deleted again: delete it with 'dwhost webhook "
                             "delete' once the config is fixed");
            call_result_clear(&u);
            rc = DWHI_EXIT_CONFIG;
        } else if (json) {
            json_object *doc = json_object_new_object();
            json_object_object_add(doc, "source", json_object_new_string(source));
            json_object_object_add(doc, "command", json_object_new_string(verb));
            json_object_object_add(doc, "url", json_object_new_string(url));
            json_object_object_add(doc, "result", json_object_get(res));
            json_object_object_add(doc, "stored", where ? json_object_new_string(where) : NULL);
            dwhi_cli_print_json(stdout, doc, 1);
            json_object_put(doc);
        } else if (!strcmp(verb, "create")) {
            printf("ok: %s: webhook %s created for %s%s%s\n", source, id ? json_object_get_string(id) : "?", url,
                   where ? "; its secret is stored in " : "", where ? where : "");
        } else if (!strcmp(verb, "delete")) {
            printf("ok: %s: webhook %s for %s deleted\n", source, id ? json_object_get_string(id) : "?", url);
        } else {
            json_object *exists = NULL, *status = NULL, *events = NULL;
            json_object_object_get_ex(res, "exists", &exists);
            json_object_object_get_ex(res, "status", &status);
            json_object_object_get_ex(res, "enabled_events", &events);
            if (json_object_get_boolean(exists))
                printf("%s: webhook %s posts to %s (%s, %zu event types)\n", source,
                       id ? json_object_get_string(id) : "?", url, status ? json_object_get_string(status) : "?",
                       events ? json_object_array_length(events) : (size_t)0);
            else
                printf("%s: no webhook posts to %s\n", source, url);
        }
        free(where);
        json_object_put(res);
        json_object_put(res_raw); /* held the secret: json-c frees it; the text is zeroed by call_result_clear */
    }
    call_result_clear(&r);
    dwh_free_secret(config);
    json_object_put(raw);
    free(base_dir);
    return rc;
}

int dwhi_cli_webhook_lifecycle(const char *verb, const char *source, const char *config_path, const char *url,
                               int json, int allow_internal_hosts) {
    allow_internal = allow_internal_hosts;
    if (!config_path) return dwhi_cli_usage_error("webhook", "webhook %s needs --config FILE", verb);
    if (!url) return dwhi_cli_usage_error("webhook", "webhook %s needs --url URL (where the provider posts events)", verb);
    const char *action = NULL;
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (!strcmp(verb, verbs[i].verb)) action = verbs[i].action;
    dwhi_cli_plugins pl = {0};
    int rc = dwhi_cli_plugins_open(&pl);
    dwh_plugin *p = rc ? NULL : dwhi_cli_find_source(&pl, source, &rc);
    if (p) {
        rc = run(p, verb, action, config_path, url, json);
        dwh_plugin_unref(p);
    }
    dwhi_cli_plugins_close(&pl);
    return rc;
}
