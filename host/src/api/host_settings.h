/*
 * host_settings.h -- what belongs to a dwh_host rather than to the process
 * (dwhost.h): its log destination and its transport settings.
 *
 * The settings are counted: the host holds one reference and every plugin
 * loaded through it another (registry owner hooks), so an operation on a
 * plugin reference that outlives its host still logs and connects as that
 * host said.  Each embedding-API call scopes its thread to the settings of
 * the host (or plugin) it runs for; the operations it starts copy them
 * into their dw_ctx (core/ctx.h), so threads they start follow too.
 */
#ifndef DWHI_HOST_SETTINGS_H
#define DWHI_HOST_SETTINGS_H

#include <stdatomic.h>

#include "dwhost.h"
#include "log/log_line.h"
#include "transport/http_session.h"

typedef struct dwhi_host_settings {
    atomic_uint refs;
    dwhi_log_dest *log;
    /* Transport defaults; `has_http` 0: the process defaults.  ca_bundle
     * is owned (http.ca_bundle points at it). */
    int has_http;
    dwhi_http_options http;
    char *ca_bundle;
} dwhi_host_settings;

/* New settings (stderr text logging at INFO, the process transport
 * defaults) with one reference; NULL on OOM. */
dwhi_host_settings *dwhi_host_settings_new(void);
/* Reference counting; `s` is a void * so the registry can hold it
 * (dwhi_registry_set_owner).  NULL does nothing. */
void dwhi_host_settings_retain(void *s);
void dwhi_host_settings_release(void *s);
/* The settings of the host p was loaded through (borrowed while the
 * caller holds p), or NULL. */
dwhi_host_settings *dwhi_host_settings_of(const dwh_plugin *p);

/* The calling thread's scope, saved by enter and restored by leave. */
typedef struct dwhi_api_scope {
    dwhi_log_dest *log;
    const struct dwhi_http_options *http;
} dwhi_api_scope;
/* Scopes the calling thread to `s` (NULL: the process settings) until
 * dwhi_api_scope_leave(saved). */
void dwhi_api_scope_enter(const dwhi_host_settings *s, dwhi_api_scope *saved);
void dwhi_api_scope_leave(const dwhi_api_scope *saved);

#endif
