/* host.c -- the embedding API's host and registry section (dwhost.h): a
 * dwh_host is a registry plus the directories it scans. */
#include <stdlib.h>

#include "dwhost.h"
#include "registry.h"

struct dwh_host {
    dwh_registry *registry;
    char **dirs; /* NULL-terminated */
};

dwh_host *dwh_host_new(const dwh_host_options *opts) {
    dwh_host_options none = {0};
    if (!opts) opts = &none;
    dwh_host *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->registry = dwh_registry_new();
    h->dirs = dwh_plugin_dirs_ex(opts->plugin_dirs, opts->n_plugin_dirs, opts->flags);
    if (!h->registry || !h->dirs) {
        dwh_host_free(h);
        return NULL;
    }
    dwh_registry_scan(h->registry, (const char *const *)h->dirs, dwh_dirs_count(h->dirs));
    return h;
}

void dwh_host_free(dwh_host *h) {
    if (!h) return;
    dwh_registry_free(h->registry);
    dwh_dirs_free(h->dirs);
    free(h);
}

const char *const *dwh_host_plugin_dirs(const dwh_host *h) { return (const char *const *)h->dirs; }

size_t dwh_host_rescan(dwh_host *h) { return dwh_registry_rescan(h->registry); }

int dwh_host_add_plugin_file(dwh_host *h, const char *path, char **error) {
    return dwh_registry_add_file(h->registry, path, error);
}

dwh_plugin *dwh_host_find(dwh_host *h, const char *name) { return dwh_registry_find(h->registry, name); }

dwh_plugin **dwh_host_list(dwh_host *h, size_t *n) { return dwh_registry_list(h->registry, n); }

dwh_rejection *dwh_host_rejections(dwh_host *h, size_t *n) { return dwh_registry_rejections(h->registry, n); }
