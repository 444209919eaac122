/* plugin.c -- a loaded plugin: accessors and reference counting.  The
 * last reference runs fini() (when init succeeded) and unloads the file. */
#include <stdio.h>
#include <stdlib.h>

#include "crash/plugin_guard.h"
#include "registry_int.h"

const char *dwh_plugin_name(const dwh_plugin *p) { return p ? p->name : NULL; }
const char *dwh_plugin_path(const dwh_plugin *p) { return p ? p->path : NULL; }
const char *dwh_plugin_sha256(const dwh_plugin *p) { return p ? p->sha256 : NULL; }
const dw_source *dwh_plugin_source(const dwh_plugin *p) { return p ? &p->src : NULL; }

void *dwhi_plugin_data(const dwh_plugin *p) {
    /* Written once by init() under p->lock, before the activation that
     * every operation waits for: no lock needed to read it. */
    return p && p->activation == 1 ? p->plugin_data : NULL;
}

void dwh_plugin_abi(const dwh_plugin *p, unsigned *major, unsigned *minor) {
    if (major) *major = p ? p->abi_major : 0;
    if (minor) *minor = p ? p->abi_minor : 0;
}

dwh_plugin *dwh_plugin_ref(dwh_plugin *p) {
    if (p) atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
    return p;
}

void dwh_plugin_unref(dwh_plugin *p) {
    if (!p) return;
    if (atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) == 1) dwhi_plugin_destroy(p);
}

void dwhi_plugin_destroy(dwh_plugin *p) {
    /* fini and the destructors are plugin code: what the host printed
     * before must survive a crash in them (crash_handler.h ends the
     * process without flushing stdio). */
    fflush(stdout);
    if (p->activation == 1 && p->src.fini) {
        dwhi_guard g;
        dwhi_guard_enter(&g, p->name, p->path, "fini", NULL);
        p->src.fini(p->plugin_data);
        dwhi_guard_leave(&g);
    }
    dwhi_normalized_free(&p->src);
    free(p->init_error);
    if (p->owner_release) p->owner_release(p->owner);
    pthread_mutex_destroy(&p->lock);
    dwhi_loader_close(p);
}

void dwh_plugin_list_free(dwh_plugin **list, size_t n) {
    if (!list) return;
    for (size_t i = 0; i < n; i++) dwh_plugin_unref(list[i]);
    free(list);
}
