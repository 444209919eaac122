/*
 * registry.h -- discovery, loading and lookup of source plugins.
 *
 * A plugin is found as <dir>/libsource_<name>.so, opened, judged for trust
 * (trust.c: file and directories writable by their owner only, owned by
 * the running user or root) and against the pin file when there is one
 * (pins.c: sha256 read through the same fd), then dlopen()ed with
 * RTLD_NOW|RTLD_LOCAL and its `dwhost_source` descriptor checked, in this
 * order: loadable, entry point, magic, ABI major, ABI minor, struct sizes,
 * metadata, name = file name, field tree.  Every pointer in the descriptor
 * is checked to lie inside the plugin's mapped image before it is read, so
 * a malformed plugin is rejected, never followed.  Accepted plugins are
 * normalised: the host keeps its own copy of the descriptor sized to the
 * host's structs, with field and option arrays re-strided, so the rest of
 * the host never reads plugin memory through plugin-sized structs.
 *
 * Plugins are reference counted: a lookup returns a reference that keeps
 * the .so mapped until dwh_plugin_unref(), so a rescan can add, replace or
 * retire plugins while runs are in flight.  Each file is mapped under a
 * name of its own, so a file replaced at the same path loads as a new
 * plugin while the old one is still in use.  `init` runs on first use
 * (dwh_plugin_activate), never while listing.
 *
 * The public half (dwh_plugin accessors, dwh_rejection, reasons) is in
 * dwhost.h; this header adds the registry itself.  All functions are
 * thread-safe.
 */
#ifndef DWHI_REGISTRY_H
#define DWHI_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "dwhost.h"
#include "dwsdk.h"
#include "base/plugin_file.h"

typedef struct dwhi_registry dwhi_registry;

/* Creates an empty registry; free with dwhi_registry_free() (which drops
 * the registry's references; plugins held elsewhere stay valid). */
dwhi_registry *dwhi_registry_new(void);
void dwhi_registry_free(dwhi_registry *r);
/* dwhost.h's dwh_plugin_activate with the error borrowed: runs p's init
 * once with `api` (the function table, ops/plugin_api_table.h: passed in
 * so the registry stays below the operations).  *error (may be NULL) is
 * owned by p, valid while the caller holds p. */
dw_status dwhi_plugin_activate(dwh_plugin *p, const dw_host_api *api, const char **error);
/* Attaches `owner` to every plugin the registry loads from now on: each
 * calls retain(owner) when loaded and release(owner) when its last
 * reference goes, so what the owner keeps there (the settings of the
 * dwh_host the plugin came from) outlives the registry while a plugin
 * reference does.  Call before the first scan. */
void dwhi_registry_set_owner(dwhi_registry *r, void *owner, void (*retain)(void *owner),
                            void (*release)(void *owner));
/* The owner attached when p was loaded, borrowed; NULL when none. */
void *dwhi_plugin_owner(const dwh_plugin *p);

/* Uses the pin file at `path` (copied; NULL: none) from the next scan on:
 * it is read at every scan; a plugin it does not name, or whose sha256
 * differs from its pin, is rejected; when it cannot be read or is
 * malformed, every plugin is rejected (DWH_REJECT_UNPINNED, the error
 * in the message).  Returns 0, or -1 on OOM. */
int dwhi_registry_set_pins(dwhi_registry *r, const char *path);
/* Reads the pin file at `path` to check it.  Returns 0, or -1 with
 * *error a malloc'd line naming the file, the line and the fix. */
int dwhi_pins_check(const char *path, char **error);

/* Scans `dirs` (n entries, in priority order; copied and remembered for
 * dwhi_registry_rescan) and replaces the registry's contents with what
 * they hold: new files are loaded, unchanged ones (same path, inode, size,
 * mtime) are kept, removed or replaced ones are retired (still usable by
 * holders of a reference).  A name found in two directories loads from
 * the first; the later file is recorded as shadowed (not loaded).  A
 * missing directory is skipped.  Returns the number of plugins loaded. */
size_t dwhi_registry_scan(dwhi_registry *r, const char *const *dirs, size_t n);
/* Scans the directories of the last scan again. */
size_t dwhi_registry_rescan(dwhi_registry *r);
/* Adds one file ahead of the directories (kept across rescans) and
 * rescans.  Returns 0 when it loaded, -1 when rejected; *error (may be
 * NULL) receives a malloc'd copy of the reason the caller frees. */
int dwhi_registry_add_file(dwhi_registry *r, const char *path, char **error);

/* Looks a plugin up by name; returns a new reference or NULL. */
dwh_plugin *dwhi_registry_find(dwhi_registry *r, const char *name);
/* Snapshot of loaded plugins in name order: returns a malloc'd array of
 * references (*n entries; NULL and *n = 0 when empty); release with
 * dwh_plugin_list_free(). */
dwh_plugin **dwhi_registry_list(dwhi_registry *r, size_t *n);
/* Copy of the files rejected or shadowed by the last scan, in scan order;
 * release with dwh_rejections_free(). */
dwh_rejection *dwhi_registry_rejections(dwhi_registry *r, size_t *n);

/* The directory list: each of `cli_dirs`, then DWHOST_PLUGIN_PATH (colon
 * separated; empty entries skipped), then the installed default
 * (DWHOST_DEFAULT_PLUGIN_DIR) unless DWHOST_NO_DEFAULT_PLUGIN_DIR=1 is set
 * in the environment.  Duplicates keep their first position.  Returns a
 * malloc'd NULL-terminated array of malloc'd strings (NULL on OOM); free
 * with dwhi_dirs_free(). */
char **dwhi_plugin_dirs(const char *const *cli_dirs, size_t n_cli);
/* Same, with DWH_HOST_NO_ENV_PATH / DWH_HOST_NO_DEFAULT_DIR flags (the
 * environment switch above is not consulted). */
char **dwhi_plugin_dirs_ex(const char *const *cli_dirs, size_t n_cli, unsigned flags);
/* The file the build writes into the root of a build tree, beside the
 * dwhost it builds there; never installed (default_dir.c). */
#define DWHI_BUILD_TREE_MARKER "dwhost-build-tree.txt"

/* The default plugin directory: <build>/plugins for a program in the root
 * of a build tree (DWHI_BUILD_TREE_MARKER beside it), else the installed
 * one derived at run time from where libdwhost.so or the executable
 * lives, falling back to the configured one (default_dir.c).  Malloc'd;
 * NULL on OOM. */
char *dwhi_default_plugin_dir(void);
void dwhi_dirs_free(char **dirs);
size_t dwhi_dirs_count(char *const *dirs);

/* What the plugin's init() stored in *plugin_data (NULL before a
 * successful activation or when it stored nothing); owned by the plugin,
 * freed by its fini().  Backs api->plugin_data (ABI 1.3). */
void *dwhi_plugin_data(const dwh_plugin *p);

/* dwhi_plugin_name_from_path: base/plugin_file.h */

#endif
