/* registry.c -- the set of loaded plugins: scanning directories in
 * priority order, shadowing, rescans that keep unchanged plugins and
 * retire the rest, lookup by name and name-ordered snapshots.
 *
 * Two locks: `scan_lock` serialises scans (loading files is slow), `lock`
 * guards the published state and is held only to copy or swap it, so
 * lookups never wait for a scan to load files. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/array_grow.h"
#include "log/log_line.h"
#include "registry_int.h"

struct dwhi_registry {
    pthread_mutex_t lock;
    pthread_mutex_t scan_lock;
    dwh_plugin **plugins; /* name order; the registry holds one reference each */
    size_t n;
    dwh_rejection *rej;
    size_t n_rej;
    char **dirs; /* of the last scan */
    size_t n_dirs;
    char **extra; /* files added with dwhi_registry_add_file, in order */
    size_t n_extra;
    char *pins_path; /* dwhi_registry_set_pins; read at every scan */
    /* dwhi_registry_set_owner: each plugin loaded from now on holds one
     * `retain` of `owner`. */
    void *owner;
    void (*owner_retain)(void *owner);
    void (*owner_release)(void *owner);
};

dwhi_registry *dwhi_registry_new(void) {
    dwhi_registry *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    pthread_mutex_init(&r->lock, NULL);
    pthread_mutex_init(&r->scan_lock, NULL);
    return r;
}

static void free_strv(char **v, size_t n) {
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

void dwhi_registry_set_owner(dwhi_registry *r, void *owner, void (*retain)(void *owner),
                            void (*release)(void *owner)) {
    r->owner = owner;
    r->owner_retain = retain;
    r->owner_release = release;
}

void *dwhi_plugin_owner(const dwh_plugin *p) { return p ? p->owner : NULL; }

void dwhi_registry_free(dwhi_registry *r) {
    if (!r) return;
    dwh_plugin_list_free(r->plugins, r->n);
    dwh_rejections_free(r->rej, r->n_rej);
    free_strv(r->dirs, r->n_dirs);
    free_strv(r->extra, r->n_extra);
    free(r->pins_path);
    pthread_mutex_destroy(&r->lock);
    pthread_mutex_destroy(&r->scan_lock);
    free(r);
}

/* ---- growable arrays used while scanning --------------------------------- */

typedef struct scan_state {
    dwh_plugin **plugins;
    size_t n, cap;
    dwh_rejection *rej;
    size_t n_rej, cap_rej;
    dwh_plugin **old; /* the previous contents, for reuse */
    size_t n_old;
    const dwhi_registry *r;
    dwhi_pins *pins;  /* the pin file as read for this scan, or NULL */
    char *pins_error; /* set when the pin file could not be read: every file is refused */
} scan_state;

static int grow(void **v, size_t *cap, size_t need, size_t elem) { return dwhi_array_grow(v, cap, need, elem, 16); }

static void push_plugin(scan_state *s, dwh_plugin *p) {
    if (grow((void **)&s->plugins, &s->cap, s->n + 1, sizeof *s->plugins) != 0) {
        dwh_plugin_unref(p);
        return;
    }
    s->plugins[s->n++] = p;
}

/* Takes ownership of rej's strings. */
static void push_rejection(scan_state *s, dwh_rejection *rej) {
    dwhi_log_line(NULL, DW_LOG_DEBUG, "plugin.rejected", "%s: %s", rej->path ? rej->path : "?",
            rej->message ? rej->message : "?");
    if (grow((void **)&s->rej, &s->cap_rej, s->n_rej + 1, sizeof *s->rej) != 0) {
        dwhi_rejection_clear(rej);
        return;
    }
    s->rej[s->n_rej++] = *rej;
    memset(rej, 0, sizeof *rej);
}

static dwh_plugin *loaded_named(scan_state *s, const char *name) {
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->plugins[i]->name, name)) return s->plugins[i];
    return NULL;
}

/* Considers one candidate file. */
static void consider(scan_state *s, const char *path) {
    dwh_rejection rej = {0};
    char *name = dwhi_plugin_name_from_path(path);
    if (!name) {
        dwhi_rejection_set(&rej, path, DWH_REJECT_NAME_MISMATCH,
                          strdup("the file name is not libsource_<name>.so; rename it after its source"));
        push_rejection(s, &rej);
        return;
    }
    dwh_plugin *winner = loaded_named(s, name);
    if (winner) {
        dwhi_rejection_set(&rej, path, DWH_REJECT_SHADOWED,
                          dwhi_strf("shadowed by %s (both provide source '%s'; the first directory wins); remove "
                                   "one or reorder the plugin directories",
                                   winner->path, name));
        rej.shadowed_by = strdup(winner->path);
        push_rejection(s, &rej);
        free(name);
        return;
    }
    if (s->pins_error) {
        dwhi_rejection_set(&rej, path, DWH_REJECT_UNPINNED, dwhi_strf("unpinned: %s", s->pins_error));
        push_rejection(s, &rej);
        free(name);
        return;
    }
    struct stat st;
    if (stat(path, &st) == 0) {
        dwhi_file_id id = {st.st_dev, st.st_ino, st.st_size, st.st_mtim};
        for (size_t i = 0; i < s->n_old; i++) {
            dwh_plugin *o = s->old[i];
            if (!strcmp(o->path, path) && dwhi_file_id_equal(&o->id, &id)) {
                /* Unchanged content, but its mode, owner, directory or
                 * pin may have changed since (chmod keeps the mtime). */
                dwh_reject_reason reason = DWH_REJECT_UNTRUSTED;
                char *why = dwhi_trust_stat("the file", path, &st);
                if (!why) why = dwhi_trust_dirs(path);
                if (!why && s->pins) why = dwhi_pins_verdict(s->pins, name, o->sha256, &reason);
                if (why) {
                    dwhi_rejection_set(&rej, path, reason, why);
                    push_rejection(s, &rej);
                } else {
                    push_plugin(s, dwh_plugin_ref(o));
                }
                free(name);
                return;
            }
        }
    }
    dwh_plugin *p = dwhi_loader_open(path, name, s->pins, &rej);
    if (p && s->r && s->r->owner_retain) {
        s->r->owner_retain(s->r->owner);
        p->owner = s->r->owner;
        p->owner_release = s->r->owner_release;
    }
    if (p) {
        dwhi_log_line(NULL, DW_LOG_DEBUG, "plugin.loaded", "%s: loaded source '%s'", path, name);
        push_plugin(s, p);
    } else {
        push_rejection(s, &rej);
    }
    free(name);
}

static int by_string(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int by_plugin_name(const void *a, const void *b) {
    return strcmp((*(dwh_plugin *const *)a)->name, (*(dwh_plugin *const *)b)->name);
}

/* Adds the libsource_*.so files of one directory, in file name order. */
static void scan_dir(scan_state *s, const char *dir) {
    DIR *d = opendir(dir);
    if (!d) {
        if (errno != ENOENT && errno != ENOTDIR)
            dwhi_log_line(NULL, DW_LOG_WARN, "plugin.dir_unreadable", "plugin directory %s: %s; skipped", dir,
                    strerror(errno));
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len <= 13 || strncmp(e->d_name, "libsource_", 10) != 0 || strcmp(e->d_name + len - 3, ".so") != 0)
            continue;
        if (grow((void **)&names, &cap, n + 1, sizeof *names) != 0) break;
        char *full = dwhi_strf("%s%s%s", dir, dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/", e->d_name);
        if (!full) break;
        names[n++] = full;
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, by_string);
    for (size_t i = 0; i < n; i++) consider(s, names[i]);
    free_strv(names, n);
}

/* Runs a scan of r->extra and r->dirs; scan_lock must be held. */
static size_t scan_locked(dwhi_registry *r) {
    scan_state s = {.r = r};
    if (r->pins_path) {
        s.pins = dwhi_pins_load(r->pins_path, &s.pins_error);
        if (s.pins_error)
            dwhi_log_line(NULL, DW_LOG_ERROR, "plugin.pins_invalid", "%s; every plugin is refused", s.pins_error);
    }
    pthread_mutex_lock(&r->lock);
    s.old = r->plugins;
    s.n_old = r->n;
    pthread_mutex_unlock(&r->lock);
    /* Only scans replace r->plugins and scans are serialised, so s.old
     * stays valid until the swap below. */

    for (size_t i = 0; i < r->n_extra; i++) consider(&s, r->extra[i]);
    struct stat *seen = calloc(r->n_dirs ? r->n_dirs : 1, sizeof *seen);
    size_t n_seen = 0;
    for (size_t i = 0; i < r->n_dirs; i++) {
        struct stat st;
        if (seen && stat(r->dirs[i], &st) == 0) {
            int dup = 0;
            for (size_t j = 0; j < n_seen; j++)
                if (seen[j].st_dev == st.st_dev && seen[j].st_ino == st.st_ino) dup = 1;
            if (dup) continue; /* the same directory under two names */
            seen[n_seen++] = st;
        }
        scan_dir(&s, r->dirs[i]);
    }
    free(seen);
    if (s.n) qsort(s.plugins, s.n, sizeof *s.plugins, by_plugin_name);

    pthread_mutex_lock(&r->lock);
    dwh_plugin **old = r->plugins;
    size_t n_old = r->n;
    dwh_rejection *old_rej = r->rej;
    size_t n_old_rej = r->n_rej;
    r->plugins = s.plugins;
    r->n = s.n;
    r->rej = s.rej;
    r->n_rej = s.n_rej;
    pthread_mutex_unlock(&r->lock);
    /* Retire: plugins no longer listed go when their last holder lets go. */
    dwh_plugin_list_free(old, n_old);
    dwh_rejections_free(old_rej, n_old_rej);
    dwhi_pins_free(s.pins);
    free(s.pins_error);
    return s.n;
}

int dwhi_registry_set_pins(dwhi_registry *r, const char *path) {
    char *copy = path ? strdup(path) : NULL;
    if (path && !copy) return -1;
    pthread_mutex_lock(&r->scan_lock);
    free(r->pins_path);
    r->pins_path = copy;
    pthread_mutex_unlock(&r->scan_lock);
    return 0;
}

size_t dwhi_registry_scan(dwhi_registry *r, const char *const *dirs, size_t n) {
    pthread_mutex_lock(&r->scan_lock);
    char **copy = calloc(n ? n : 1, sizeof *copy);
    size_t nc = 0;
    for (size_t i = 0; copy && i < n; i++)
        if (dirs[i] && (copy[nc] = strdup(dirs[i])) != NULL) nc++;
    free_strv(r->dirs, r->n_dirs);
    r->dirs = copy;
    r->n_dirs = copy ? nc : 0;
    size_t loaded = scan_locked(r);
    pthread_mutex_unlock(&r->scan_lock);
    return loaded;
}

size_t dwhi_registry_rescan(dwhi_registry *r) {
    pthread_mutex_lock(&r->scan_lock);
    size_t loaded = scan_locked(r);
    pthread_mutex_unlock(&r->scan_lock);
    return loaded;
}

int dwhi_registry_add_file(dwhi_registry *r, const char *path, char **error) {
    if (error) *error = NULL;
    pthread_mutex_lock(&r->scan_lock);
    int known = 0;
    for (size_t i = 0; i < r->n_extra; i++)
        if (!strcmp(r->extra[i], path)) known = 1;
    if (!known) {
        char **v = realloc(r->extra, (r->n_extra + 1) * sizeof *v);
        char *copy = strdup(path);
        if (!v || !copy) {
            free(copy);
            if (v) r->extra = v;
            pthread_mutex_unlock(&r->scan_lock);
            if (error) *error = strdup("out of memory");
            return -1;
        }
        r->extra = v;
        r->extra[r->n_extra++] = copy;
    }
    scan_locked(r);
    int rc = -1;
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->plugins[i]->path, path)) rc = 0;
    for (size_t i = 0; rc != 0 && i < r->n_rej; i++)
        if (!strcmp(r->rej[i].path, path) && error) *error = strdup(r->rej[i].message);
    pthread_mutex_unlock(&r->lock);
    pthread_mutex_unlock(&r->scan_lock);
    return rc;
}

dwh_plugin *dwhi_registry_find(dwhi_registry *r, const char *name) {
    if (!name) return NULL;
    dwh_plugin *found = NULL;
    pthread_mutex_lock(&r->lock);
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(r->plugins[mid]->name, name);
        if (c == 0) {
            found = dwh_plugin_ref(r->plugins[mid]);
            break;
        }
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    pthread_mutex_unlock(&r->lock);
    return found;
}

dwh_plugin **dwhi_registry_list(dwhi_registry *r, size_t *n) {
    *n = 0;
    pthread_mutex_lock(&r->lock);
    dwh_plugin **out = r->n ? malloc(r->n * sizeof *out) : NULL;
    if (out) {
        for (size_t i = 0; i < r->n; i++) out[i] = dwh_plugin_ref(r->plugins[i]);
        *n = r->n;
    }
    pthread_mutex_unlock(&r->lock);
    return out;
}

dwh_rejection *dwhi_registry_rejections(dwhi_registry *r, size_t *n) {
    *n = 0;
    pthread_mutex_lock(&r->lock);
    dwh_rejection *out = r->n_rej ? calloc(r->n_rej, sizeof *out) : NULL;
    size_t k = 0;
    for (size_t i = 0; out && i < r->n_rej; i++)
        if (dwhi_rejection_copy(&out[k], &r->rej[i]) == 0) k++;
    pthread_mutex_unlock(&r->lock);
    *n = k;
    return out;
}
