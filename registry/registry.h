/*
 * registry.h -- discovery, loading and lookup of source plugins.
 *
 * A plugin is found as <dir>/libsource_<name>.so, dlopen()ed with
 * RTLD_NOW|RTLD_LOCAL and its `dwhost_source` descriptor checked (magic,
 * ABI, sizes, metadata, field tree).  Accepted plugins are normalised: the
 * host keeps its own copy of the descriptor sized to the host's structs,
 * with field and option arrays re-strided, so the rest of the host never
 * reads plugin memory through plugin-sized structs.
 *
 * Plugins are reference counted: a lookup returns a reference that keeps
 * the .so mapped until dwh_plugin_unref(), so a rescan can add, replace or
 * retire plugins while runs are in flight.  `init` runs on first use
 * (dwh_plugin_activate), never while listing.
 */
#ifndef DWH_REGISTRY_H
#define DWH_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "dwsdk.h"

typedef struct dwh_plugin dwh_plugin;
typedef struct dwh_registry dwh_registry;

/* Why a file was not loaded. */
typedef enum dwh_reject_reason {
    DWH_REJECT_NONE = 0,
    DWH_REJECT_NOT_LOADABLE,     /* dlopen failed (not ELF, truncated, missing deps) */
    DWH_REJECT_NO_ENTRY,         /* no dwhost_source symbol */
    DWH_REJECT_BAD_MAGIC,
    DWH_REJECT_ABI_MAJOR,        /* built for another major */
    DWH_REJECT_ABI_MINOR,        /* built for a newer minor than this host */
    DWH_REJECT_STRUCT_SIZE,      /* struct sizes impossible for its version */
    DWH_REJECT_METADATA,         /* required metadata missing */
    DWH_REJECT_NAME_MISMATCH,    /* name differs from libsource_<name>.so */
    DWH_REJECT_FIELDS,           /* invalid field tree */
    DWH_REJECT_INIT,             /* init() failed */
    DWH_REJECT_SHADOWED          /* same name already loaded from an earlier dir */
} dwh_reject_reason;

/* A file that was not loaded: path and a one-line reason naming what to do.
 * Owned by the registry. */
typedef struct dwh_rejection {
    char *path;
    dwh_reject_reason reason;
    char *message;
    char *shadowed_by; /* SHADOWED: path of the plugin that won */
} dwh_rejection;

/* Accessors (the struct is private to registry.c). */
const char *dwh_plugin_name(const dwh_plugin *p);
const char *dwh_plugin_path(const dwh_plugin *p);
/* The normalised descriptor: host-sized, members beyond the plugin's
 * struct_size are zero, field/option arrays have host stride.  Owned by the
 * plugin; valid while a reference is held. */
const dw_source *dwh_plugin_source(const dwh_plugin *p);
/* ABI the plugin was built with. */
void dwh_plugin_abi(const dwh_plugin *p, unsigned *major, unsigned *minor);

/* Runs init() once (thread-safe).  Returns DW_OK, or the failure with a
 * one-line message in *error (owned by the plugin). */
dw_status dwh_plugin_activate(dwh_plugin *p, const char **error);

dwh_plugin *dwh_plugin_ref(dwh_plugin *p);
/* Drops a reference; the last one calls fini() and dlclose(). */
void dwh_plugin_unref(dwh_plugin *p);

/* Creates an empty registry; free with dwh_registry_free(). */
dwh_registry *dwh_registry_new(void);
void dwh_registry_free(dwh_registry *r);

/* Scans `dirs` (n entries, in priority order) and replaces the registry's
 * contents with what they hold: new files are loaded, unchanged ones
 * (same path, size, mtime) are kept, removed ones are retired (still usable
 * by holders of a reference).  Returns the number of plugins loaded. */
size_t dwh_registry_scan(dwh_registry *r, const char *const *dirs, size_t n);
/* Loads a single file (used by scan; also lets a host add one plugin). */
int dwh_registry_add_file(dwh_registry *r, const char *path);

/* Looks a plugin up by name; returns a new reference or NULL. */
dwh_plugin *dwh_registry_find(dwh_registry *r, const char *name);
/* Snapshot of loaded plugins in name order: returns a malloc'd array of
 * references (*n entries); release with dwh_registry_list_free(). */
dwh_plugin **dwh_registry_list(dwh_registry *r, size_t *n);
void dwh_registry_list_free(dwh_plugin **list, size_t n);
/* Files rejected or shadowed by the last scan, in scan order; owned by the
 * registry until the next scan. */
const dwh_rejection *dwh_registry_rejections(dwh_registry *r, size_t *n);

/* The default directory list: each of `cli_dirs`, then DWHOST_PLUGIN_PATH
 * (colon separated), then the installed default.  Returns a malloc'd
 * NULL-terminated array of malloc'd strings; free with dwh_dirs_free(). */
char **dwh_plugin_dirs(const char *const *cli_dirs, size_t n_cli);
void dwh_dirs_free(char **dirs);

#endif
