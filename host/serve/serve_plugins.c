/*
 * serve_plugins.c -- the service's view of its plugins (see serve.h):
 * the listing `dwhost list-plugins --json` gives, kept current by inotify
 * on the directories it searched.  A libsource_*.so closed after writing,
 * renamed in, renamed away or deleted makes the service list again (in a
 * child: loading a plugin runs its constructors, which never run in the
 * service), log one line per file that changed (added, replaced, removed,
 * rejected with its reason, shadowed) and record the event for
 * GET /v1/plugins.
 *
 * Runs need nothing from here: each worker loads the plugin file as it is
 * when the run starts, so a replaced plugin serves the next run while a run
 * in flight keeps the file it mapped, and a removed one takes no new run.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "base/isotime.h"
#include "serve.h"

/* Events kept for GET /v1/plugins, newest last. */
#define KEEP_EVENTS 200

struct dwhi_serve_plugins {
    dwhi_serve *s;
    int fd;                 /* inotify */
    pthread_mutex_t lock;   /* guards listing and events */
    json_object *listing;   /* the last `list-plugins --json` document */
    json_object *events;    /* array */
    char *error;            /* why the last listing failed, or NULL */
    char **dirs;            /* watched directories, by watch descriptor */
    int *wds;
    size_t n_dirs;
};

static int is_plugin_file(const char *name) {
    size_t n = strlen(name);
    return n > 13 && !strncmp(name, "libsource_", 10) && !strcmp(name + n - 3, ".so");
}

/* Lists the plugins in a child.  Returns the document, or NULL with a
 * malloc'd *err (a plugin whose constructors crash kills the child). */
static json_object *list_now(dwhi_serve *s, char **err) {
    static const char *const args[] = {"list-plugins", "--json", NULL};
    dwhi_serve_output o;
    if (dwhi_serve_exec(s, args, NULL, &o, err) != 0) return NULL;
    json_object *doc = o.out[0] ? json_tokener_parse(o.out) : NULL;
    if (!doc || !json_object_is_type(doc, json_type_object)) {
        json_object_put(doc);
        doc = NULL;
        const char *line = o.last_line && !strncmp(o.last_line, "dwhost: ", 8) ? o.last_line + 8 : o.last_line;
        if (asprintf(err, "listing the plugins failed: %s",
                     o.timed_out ? "it did not finish within the heartbeat timeout (a plugin's constructor hangs?)"
                     : line      ? line
                                 : "no answer") < 0)
            *err = NULL;
    }
    dwhi_serve_output_free(&o);
    return doc;
}

/* The entry of `list` (an array member of a listing) whose "path" is path. */
static json_object *find_path(json_object *listing, const char *list, const char *path) {
    json_object *a = listing ? json_object_object_get(listing, list) : NULL;
    for (size_t i = 0; a && i < json_object_array_length(a); i++) {
        json_object *e = json_object_array_get_idx(a, i);
        const char *p = json_object_get_string(json_object_object_get(e, "path"));
        if (p && !strcmp(p, path)) return e;
    }
    return NULL;
}

static const char *member(json_object *o, const char *k) {
    return o ? json_object_get_string(json_object_object_get(o, k)) : NULL;
}

/* One line and one event for a file whose state went from `before` to the
 * new listing's.  Caller holds the lock. */
static void note(dwhi_serve_plugins *sp, const char *path, json_object *before, json_object *after_listing) {
    json_object *was = find_path(before, "plugins", path);
    json_object *now = find_path(after_listing, "plugins", path);
    json_object *rej = find_path(after_listing, "rejected", path);
    json_object *shadow = find_path(after_listing, "shadowed", path);
    const char *event, *name = member(now ? now : was, "name"), *version = member(now, "version"), *reason = NULL;
    if (now) {
        event = was ? "replaced" : "added";
        if (was)
            dwhi_serve_log("plugin '%s' replaced: %s, version %s (was %s); runs in flight keep the file they loaded, new "
                           "runs use this one", name, path, version ? version : "?", member(was, "version"));
        else
            dwhi_serve_log("plugin '%s' %s added: %s", name, version ? version : "?", path);
    } else if (rej) {
        event = "rejected";
        reason = member(rej, "message");
        dwhi_serve_log("plugin file %s rejected: %s%s", path, reason ? reason : "?",
                       was ? " (the version it replaced is no longer listed either)" : "");
    } else if (shadow) {
        event = "shadowed";
        reason = member(shadow, "message");
        dwhi_serve_log("plugin file %s is shadowed: %s", path, reason ? reason : "?");
    } else if (was) {
        event = "removed";
        dwhi_serve_log("plugin '%s' removed (%s): it takes no new runs; runs in flight finish", name, path);
    } else {
        return; /* a file that came and went between two listings */
    }
    char at[40];
    dwhi_isotime_now(at, sizeof at);
    json_object *e = json_object_new_object();
    json_object_object_add(e, "at", json_object_new_string(at));
    json_object_object_add(e, "event", json_object_new_string(event));
    json_object_object_add(e, "path", json_object_new_string(path));
    json_object_object_add(e, "name", name ? json_object_new_string(name) : NULL);
    json_object_object_add(e, "version", version ? json_object_new_string(version) : NULL);
    json_object_object_add(e, "reason", reason ? json_object_new_string(reason) : NULL);
    json_object_array_add(sp->events, e);
    if (json_object_array_length(sp->events) > KEEP_EVENTS) json_object_array_del_idx(sp->events, 0, 1);
}

dwhi_serve_plugins *dwhi_serve_plugins_start(dwhi_serve *s, char **err) {
    dwhi_serve_plugins *sp = calloc(1, sizeof *sp);
    if (!sp) {
        *err = strdup("out of memory");
        return NULL;
    }
    sp->s = s;
    sp->fd = -1;
    pthread_mutex_init(&sp->lock, NULL);
    sp->events = json_object_new_array();
    sp->listing = list_now(s, err);
    if (!sp->listing) {
        dwhi_serve_plugins_free(sp);
        return NULL;
    }
    sp->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (sp->fd < 0) {
        if (asprintf(err, "inotify: %s", strerror(errno)) < 0) *err = NULL;
        dwhi_serve_plugins_free(sp);
        return NULL;
    }
    json_object *dirs = json_object_object_get(sp->listing, "dirs");
    size_t n = dirs ? json_object_array_length(dirs) : 0;
    sp->dirs = calloc(n ? n : 1, sizeof *sp->dirs);
    sp->wds = calloc(n ? n : 1, sizeof *sp->wds);
    for (size_t i = 0; sp->dirs && sp->wds && i < n; i++) {
        const char *d = json_object_get_string(json_object_array_get_idx(dirs, i));
        int wd = d ? inotify_add_watch(sp->fd, d, IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE) : -1;
        if (wd < 0) {
            dwhi_serve_log("not watching the plugin directory %s: %s; restart the service to see its changes",
                           d ? d : "?", strerror(errno));
            continue;
        }
        sp->dirs[sp->n_dirs] = strdup(d);
        sp->wds[sp->n_dirs++] = wd;
    }
    return sp;
}

int dwhi_serve_plugins_fd(const dwhi_serve_plugins *sp) { return sp ? sp->fd : -1; }

void dwhi_serve_plugins_step(dwhi_serve_plugins *sp) {
    if (!sp) return;
    /* the files named by the events waiting, each once */
    char **paths = NULL;
    size_t n_paths = 0;
    char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t len = read(sp->fd, buf, sizeof buf);
        if (len <= 0) break;
        for (char *p = buf; p < buf + len;) {
            struct inotify_event *ev = (struct inotify_event *)p;
            p += sizeof *ev + ev->len;
            if (!ev->len || !is_plugin_file(ev->name)) continue;
            const char *dir = NULL;
            for (size_t i = 0; i < sp->n_dirs; i++)
                if (sp->wds[i] == ev->wd) dir = sp->dirs[i];
            char *path = NULL;
            if (!dir || asprintf(&path, "%s/%s", dir, ev->name) < 0) continue;
            int seen = 0;
            for (size_t i = 0; i < n_paths && !seen; i++) seen = !strcmp(paths[i], path);
            char **np = seen ? NULL : realloc(paths, (n_paths + 1) * sizeof *paths);
            if (np) {
                paths = np;
                paths[n_paths++] = path;
            } else {
                free(path);
            }
        }
    }
    if (!n_paths) return;
    char *err = NULL;
    json_object *listing = list_now(sp->s, &err);
    pthread_mutex_lock(&sp->lock);
    if (!listing) {
        dwhi_serve_log("%s; /v1/plugins keeps the last listing", err ? err : "listing the plugins failed");
        free(sp->error);
        sp->error = err;
        err = NULL;
    } else {
        for (size_t i = 0; i < n_paths; i++) note(sp, paths[i], sp->listing, listing);
        json_object_put(sp->listing);
        sp->listing = listing;
        free(sp->error);
        sp->error = NULL;
    }
    pthread_mutex_unlock(&sp->lock);
    free(err);
    for (size_t i = 0; i < n_paths; i++) free(paths[i]);
    free(paths);
}

json_object *dwhi_serve_plugins_json(dwhi_serve_plugins *sp) {
    json_object *o = NULL;
    pthread_mutex_lock(&sp->lock);
    if (json_object_deep_copy(sp->listing, &o, NULL) != 0) o = json_object_new_object();
    json_object *events = NULL;
    if (json_object_deep_copy(sp->events, &events, NULL) != 0) events = json_object_new_array();
    json_object_object_add(o, "events", events);
    json_object_object_add(o, "listing_error", sp->error ? json_object_new_string(sp->error) : NULL);
    pthread_mutex_unlock(&sp->lock);
    return o;
}

void dwhi_serve_plugins_free(dwhi_serve_plugins *sp) {
    if (!sp) return;
    if (sp->fd >= 0) close(sp->fd);
    for (size_t i = 0; i < sp->n_dirs; i++) free(sp->dirs[i]);
    free(sp->dirs);
    free(sp->wds);
    json_object_put(sp->listing);
    json_object_put(sp->events);
    free(sp->error);
    pthread_mutex_destroy(&sp->lock);
    free(sp);
}
