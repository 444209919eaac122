/* activate.c -- runs a plugin's init() once, on first use, handing it the
 * host's function table.  Listing never gets here. */
#include <stdlib.h>

#include "base/source_names.h"
#include "log/log_line.h"
#include "crash/plugin_guard.h"
#include "registry_int.h"

dw_status dwhi_plugin_activate(dwh_plugin *p, const dw_host_api *api, const char **error) {
    if (error) *error = NULL;
    if (!p) {
        if (error) *error = "no plugin (NULL handle: was the source found?)";
        return DW_ERR_NOT_FOUND;
    }
    pthread_mutex_lock(&p->lock);
    if (p->activation == 0) {
        dw_status st = DW_OK;
        if (p->src.init) {
            dwhi_guard g;
            dwhi_guard_enter(&g, p->name, p->path, "init", NULL);
            st = p->src.init(api, &p->plugin_data);
            dwhi_guard_leave(&g);
        }
        p->init_status = st;
        p->activation = st == DW_OK ? 1 : -1;
        if (st != DW_OK) {
            p->init_error = dwhi_strf("init failed: it returned status '%s' (%d); see the plugin's log lines for why",
                                     dwhi_status_name(st), (int)st);
            dwhi_log_line(NULL, DW_LOG_DEBUG, "plugin.init_failed", "%s: %s", p->path,
                    p->init_error ? p->init_error : "init failed");
        } else {
            dwhi_log_line(NULL, DW_LOG_DEBUG, "plugin.activated", "%s: initialised", p->path);
        }
    }
    dw_status st = p->init_status;
    if (st != DW_OK && error) *error = p->init_error ? p->init_error : "init failed";
    pthread_mutex_unlock(&p->lock);
    return st;
}
