/* host.c -- the embedding API's host and registry section (dwhost.h): a
 * dwh_host is a registry plus the directories it scans.  Every entry point
 * accepts a NULL host and fails (dwhost.h "NULL handles"). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api_options.h"
#include "dwhost.h"
#include "host_settings.h"
#include "ops/plugin_api_table.h"
#include "log/log_line.h"
#include "registry/registry.h"

struct dwh_host {
    dwhi_registry *registry;
    dwhi_host_settings *settings; /* one reference; each plugin holds another */
    char **dirs;      /* NULL-terminated: everything searched */
    char **explicit_dirs; /* NULL-terminated copy of opts->plugin_dirs */
    /* DWH_REJECT_DIR_MISSING entries of the last scan, under lock. */
    pthread_mutex_t lock;
    dwh_rejection *missing;
    size_t n_missing;
    int scanned; /* DWH_HOST_DEFER_SCAN: 0 until the first dwh_host_rescan */
};

static char **copy_strv(const char *const *v, size_t n) {
    char **out = calloc(n + 1, sizeof *out);
    for (size_t i = 0, k = 0; out && i < n; i++) {
        if (!v[i]) continue;
        if (!(out[k++] = strdup(v[i]))) {
            dwhi_dirs_free(out);
            return NULL;
        }
    }
    return out;
}

/* Records which explicit directories are missing now (before each scan). */
static void check_dirs(dwh_host *h) {
    size_t n = dwhi_dirs_count(h->explicit_dirs), k = 0;
    dwh_rejection *list = n ? calloc(n, sizeof *list) : NULL;
    for (size_t i = 0; list && i < n; i++) {
        const char *d = h->explicit_dirs[i];
        struct stat st;
        const char *why = NULL;
        if (stat(d, &st) != 0) why = errno == ENOENT ? "does not exist" : strerror(errno);
        else if (!S_ISDIR(st.st_mode)) why = "is not a directory";
        if (!why) continue;
        char *msg = NULL;
        if (asprintf(&msg, "plugin directory %s; create it or fix the path (dwh_host_rescan() looks again)", why) < 0)
            msg = NULL;
        list[k].path = strdup(d);
        list[k].reason = DWH_REJECT_DIR_MISSING;
        list[k].message = msg;
        if (!list[k].path || !list[k].message) {
            free(list[k].path);
            free(list[k].message);
            memset(&list[k], 0, sizeof list[k]);
            continue;
        }
        k++;
    }
    pthread_mutex_lock(&h->lock);
    dwh_rejections_free(h->missing, h->n_missing);
    h->missing = list;
    h->n_missing = list ? k : 0;
    pthread_mutex_unlock(&h->lock);
}

dwh_host *dwh_host_new_sized(const dwh_host_options *caller_opts, size_t opts_size) {
    dwh_host_options copy;
    dwhi_options_copy_or_warn(&copy, sizeof copy, caller_opts, opts_size, "dwh_host_options", "host.options");
    const dwh_host_options *opts = &copy;
    dwh_host *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    pthread_mutex_init(&h->lock, NULL);
    h->registry = dwhi_registry_new();
    h->settings = dwhi_host_settings_new();
    if (h->registry && h->settings)
        dwhi_registry_set_owner(h->registry, h->settings, dwhi_host_settings_retain, dwhi_host_settings_release);
    h->dirs = dwhi_plugin_dirs_ex(opts->plugin_dirs, opts->n_plugin_dirs, opts->flags);
    h->explicit_dirs = copy_strv(opts->plugin_dirs, opts->plugin_dirs ? opts->n_plugin_dirs : 0);
    if (!h->registry || !h->settings || !h->dirs || !h->explicit_dirs) {
        dwh_host_free(h);
        return NULL;
    }
    const char *pins = opts->plugin_pins;
    if (!pins && !(opts->flags & DWH_HOST_NO_ENV_PATH)) pins = getenv("DWHOST_PLUGIN_PINS");
    if (pins && *pins && dwhi_registry_set_pins(h->registry, pins) != 0) {
        dwh_host_free(h);
        return NULL;
    }
    if (!(opts->flags & DWH_HOST_DEFER_SCAN)) dwh_host_rescan(h);
    return h;
}

void dwh_host_free(dwh_host *h) {
    if (!h) return;
    dwhi_registry_free(h->registry);
    dwhi_host_settings_release(h->settings);
    dwhi_dirs_free(h->dirs);
    dwhi_dirs_free(h->explicit_dirs);
    dwh_rejections_free(h->missing, h->n_missing);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

const char *const *dwh_host_plugin_dirs(const dwh_host *h) { return h ? (const char *const *)h->dirs : NULL; }

size_t dwh_host_rescan(dwh_host *h) {
    if (!h) return 0;
    check_dirs(h);
    dwhi_api_scope scope;
    dwhi_api_scope_enter(h->settings, &scope);
    /* the first scan hands the registry its directories */
    size_t n = h->scanned ? dwhi_registry_rescan(h->registry)
                          : dwhi_registry_scan(h->registry, (const char *const *)h->dirs, dwhi_dirs_count(h->dirs));
    h->scanned = 1;
    dwhi_api_scope_leave(&scope);
    return n;
}

dw_status dwh_host_add_plugin_file(dwh_host *h, const char *path, char **error) {
    if (error) *error = NULL;
    if (!h || !path) {
        if (error) *error = strdup(!h ? "no host (NULL handle)" : "no plugin file given (NULL path)");
        return DW_ERR_CONFIG;
    }
    dwhi_api_scope scope;
    dwhi_api_scope_enter(h->settings, &scope);
    int rc = dwhi_registry_add_file(h->registry, path, error);
    dwhi_api_scope_leave(&scope);
    return rc == 0 ? DW_OK : DW_ERR_UNSUPPORTED;
}

/* ---- what belongs to the host: logging and transport ------------------ */

void dwh_host_set_log_sink(dwh_host *h, dwh_log_fn fn, void *user, int min_level) {
    if (h) dwhi_log_dest_set_sink(h->settings->log, fn, user, min_level);
}

dw_status dwh_host_set_log_format(dwh_host *h, int format, char **error) {
    if (error) *error = NULL;
    int internal = format == DWH_LOG_FORMAT_JSON ? DWHI_LOG_JSON : format == DWH_LOG_FORMAT_TEXT ? DWHI_LOG_TEXT : -1;
    if (!h || internal < 0 || dwhi_log_dest_set_format(h->settings->log, internal) != 0) {
        if (error)
            *error = strdup(!h ? "no host (NULL handle)"
                               : "unknown log format; use DWH_LOG_FORMAT_TEXT or DWH_LOG_FORMAT_JSON");
        return DW_ERR_CONFIG;
    }
    return DW_OK;
}

dw_status dwh_host_set_log_stream(dwh_host *h, FILE *out, int format, int min_level, unsigned flags, char **error) {
    if (error) *error = NULL;
    int internal = format == DWH_LOG_FORMAT_JSON ? DWHI_LOG_JSON : format == DWH_LOG_FORMAT_TEXT ? DWHI_LOG_TEXT : -1;
    if (!h || internal < 0) {
        if (error)
            *error = strdup(!h ? "no host (NULL handle)"
                               : "unknown log format; use DWH_LOG_FORMAT_TEXT or DWH_LOG_FORMAT_JSON");
        return DW_ERR_CONFIG;
    }
    dwhi_log_dest_set_stream(h->settings->log, out, internal, min_level, (flags & DWH_LOG_TEXT_IDENTITY) != 0);
    return DW_OK;
}

void dwh_host_log(dwh_host *h, int level, const char *event, const char *msg) {
    dwhi_log_identity who = {.dest = h ? h->settings->log : NULL};
    dwhi_log_line(&who, (dw_log_level)level, event ? event : "host", "%s", msg ? msg : "");
}

int dwh_log_level_from_name(const char *name) { return dwhi_log_level_parse(name); }

dw_status dwh_plugin_pins_check(const char *path, char **error) {
    if (error) *error = NULL;
    char *why = NULL;
    if (path && dwhi_pins_check(path, &why) == 0) return DW_OK;
    if (error) *error = why ? why : strdup("no pin file given (NULL path)");
    else free(why);
    return DW_ERR_CONFIG;
}

dw_status dwh_host_set_transport_sized(dwh_host *h, const dwh_transport_options *caller_opts, size_t opts_size,
                                       char **error) {
    if (error) *error = NULL;
    if (!h) {
        if (error) *error = strdup("no host (NULL handle)");
        return DW_ERR_CONFIG;
    }
    dwh_transport_options known;
    size_t unknown = 0;
    if (dwhi_options_copy(&known, sizeof known, caller_opts, opts_size, &unknown) < 0) {
        if (error) *error = dwhi_options_unknown_message("dwh_transport_options", unknown, sizeof known);
        return DW_ERR_CONFIG;
    }
    dwhi_host_settings *s = h->settings;
    char *ca = caller_opts && known.ca_bundle ? strdup(known.ca_bundle) : NULL;
    if (caller_opts && known.ca_bundle && !ca) {
        if (error) *error = strdup("out of memory");
        return DW_ERR_NOMEM;
    }
    free(s->ca_bundle);
    s->ca_bundle = ca;
    memset(&s->http, 0, sizeof s->http);
    s->has_http = caller_opts != NULL;
    if (caller_opts) {
        s->http.ca_bundle = ca;
        s->http.connect_timeout_ms = known.connect_timeout_ms;
        s->http.timeout_ms = known.timeout_ms;
        s->http.request_timeout_ms = known.request_timeout_ms;
        s->http.stall_timeout_ms = known.stall_timeout_ms;
    }
    return DW_OK;
}

dwh_plugin *dwh_host_find(dwh_host *h, const char *name) {
    return h && name ? dwhi_registry_find(h->registry, name) : NULL;
}

dwh_plugin **dwh_host_list(dwh_host *h, size_t *n) {
    size_t dummy;
    if (!n) n = &dummy;
    *n = 0;
    return h ? dwhi_registry_list(h->registry, n) : NULL;
}

dwh_rejection *dwh_host_rejections(dwh_host *h, size_t *n) {
    size_t dummy;
    if (!n) n = &dummy;
    *n = 0;
    if (!h) return NULL;
    size_t nr = 0;
    dwh_rejection *reg = dwhi_registry_rejections(h->registry, &nr);
    pthread_mutex_lock(&h->lock);
    size_t total = h->n_missing + nr;
    dwh_rejection *out = total ? calloc(total, sizeof *out) : NULL;
    size_t k = 0;
    for (size_t i = 0; out && i < h->n_missing; i++) {
        dwh_rejection *d = &out[k];
        d->reason = h->missing[i].reason;
        d->path = strdup(h->missing[i].path);
        d->message = strdup(h->missing[i].message);
        if (d->path && d->message) k++;
        else {
            free(d->path);
            free(d->message);
            memset(d, 0, sizeof *d);
        }
    }
    pthread_mutex_unlock(&h->lock);
    for (size_t i = 0; out && i < nr; i++) out[k++] = reg[i]; /* moved */
    if (out) free(reg);
    else dwh_rejections_free(reg, nr);
    *n = k;
    if (!k) {
        free(out);
        return NULL;
    }
    return out;
}


dw_status dwh_plugin_activate(dwh_plugin *p, char **error) {
    if (error) *error = NULL;
    const char *why = NULL;
    dwhi_api_scope scope;
    dwhi_api_scope_enter(dwhi_host_settings_of(p), &scope);
    dw_status st = dwhi_plugin_activate(p, dwhi_api_table(), &why);
    dwhi_api_scope_leave(&scope);
    if (st != DW_OK && error) *error = strdup(why ? why : "init failed");
    return st;
}
