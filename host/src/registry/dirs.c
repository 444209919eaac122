/* dirs.c -- the plugin search path: --plugin-dir entries, then
 * DWHOST_PLUGIN_PATH, then the installed default (default_dir.c). */
#include <stdlib.h>
#include <string.h>

#include "registry_int.h"
#include "base/array_grow.h"

typedef struct dirlist {
    char **v;
    size_t n, cap;
    int oom;
} dirlist;

static void add(dirlist *l, const char *d, size_t len) {
    if (l->oom || len == 0) return;
    for (size_t i = 0; i < l->n; i++)
        if (strlen(l->v[i]) == len && !strncmp(l->v[i], d, len)) return;
    if (dwhi_array_grow((void **)&l->v, &l->cap, l->n + 2, sizeof *l->v, 8) != 0) { /* + the NULL ending it */
        l->oom = 1;
        return;
    }
    char *copy = strndup(d, len);
    if (!copy) {
        l->oom = 1;
        return;
    }
    l->v[l->n++] = copy;
    l->v[l->n] = NULL;
}

char **dwhi_plugin_dirs_ex(const char *const *cli_dirs, size_t n_cli, unsigned flags) {
    dirlist l = {0};
    for (size_t i = 0; i < n_cli; i++)
        if (cli_dirs[i]) add(&l, cli_dirs[i], strlen(cli_dirs[i]));
    const char *env = (flags & DWH_HOST_NO_ENV_PATH) ? NULL : getenv("DWHOST_PLUGIN_PATH");
    while (env && *env) {
        const char *colon = strchr(env, ':');
        size_t len = colon ? (size_t)(colon - env) : strlen(env);
        add(&l, env, len);
        env = colon ? colon + 1 : NULL;
    }
    if (!(flags & DWH_HOST_NO_DEFAULT_DIR)) {
        char *def = dwhi_default_plugin_dir();
        if (def) add(&l, def, strlen(def));
        else l.oom = 1;
        free(def);
    }
    if (!l.oom && !l.v) {
        l.v = calloc(1, sizeof *l.v);
        if (!l.v) return NULL;
    }
    if (l.oom) {
        for (size_t i = 0; i < l.n; i++) free(l.v[i]);
        free(l.v);
        return NULL;
    }
    return l.v;
}

char **dwhi_plugin_dirs(const char *const *cli_dirs, size_t n_cli) {
    const char *no_default = getenv("DWHOST_NO_DEFAULT_PLUGIN_DIR");
    unsigned flags = (no_default && !strcmp(no_default, "1")) ? DWH_HOST_NO_DEFAULT_DIR : 0;
    return dwhi_plugin_dirs_ex(cli_dirs, n_cli, flags);
}

void dwhi_dirs_free(char **dirs) {
    if (!dirs) return;
    for (char **d = dirs; *d; d++) free(*d);
    free(dirs);
}

size_t dwhi_dirs_count(char *const *dirs) {
    size_t n = 0;
    while (dirs && dirs[n]) n++;
    return n;
}

