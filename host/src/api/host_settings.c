/* host_settings.c -- a dwh_host's log destination and transport settings
 * (see host_settings.h). */
#include "host_settings.h"

#include <stdlib.h>

#include "core/ctx.h"
#include "registry/registry.h"

dwhi_host_settings *dwhi_host_settings_new(void) {
    dwhi_host_settings *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    atomic_init(&s->refs, 1);
    s->log = dwhi_log_dest_new();
    if (!s->log) {
        free(s);
        return NULL;
    }
    return s;
}

void dwhi_host_settings_retain(void *v) {
    dwhi_host_settings *s = v;
    if (s) atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
}

void dwhi_host_settings_release(void *v) {
    dwhi_host_settings *s = v;
    if (!s || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1) return;
    dwhi_log_dest_free(s->log);
    free(s->ca_bundle);
    free(s);
}

dwhi_host_settings *dwhi_host_settings_of(const dwh_plugin *p) { return dwhi_plugin_owner(p); }

void dwhi_api_scope_enter(const dwhi_host_settings *s, dwhi_api_scope *saved) {
    saved->log = dwhi_log_scope(s ? s->log : NULL);
    saved->http = dwhi_ctx_scope_http(s && s->has_http ? &s->http : NULL);
}

void dwhi_api_scope_leave(const dwhi_api_scope *saved) {
    dwhi_log_scope(saved->log);
    dwhi_ctx_scope_http(saved->http);
}
