/*
 * dwhost.h -- embed the dwhost plugin host (libdwhost).
 *
 * A service creates one dwh_host, points it at plugin directories, and
 * runs operations (describe, check, read, sync) on sources by name.
 * Plugins can be added, replaced and retired while operations run: each
 * operation holds a reference on the plugin it runs.
 *
 * Results: every function that can fail for a reason returns a dw_status
 * (DW_OK on success; the codes of dwsdk.h) and takes `char **error` last:
 * on failure *error (when error is not NULL) receives one malloc'd line
 * saying what failed and what to do, which the caller frees with free();
 * on success it is set to NULL.  Results come back through out-parameters
 * whose ownership the comment states; a finer reason, where there is one,
 * comes through its own out-parameter (dwh_sync_failure,
 * dwh_webhook_outcome).  Constructors (dwh_host_new, dwh_cancel_new)
 * return NULL only when out of memory; accessors return what they look up.
 *
 * Ownership: functions returning `char *` return malloc'd text the caller
 * frees with free(), or with dwh_free_secret() where the comment says the
 * text holds secrets in clear; handles are freed with their *_free
 * function; every pointer argument is borrowed for the call unless its
 * comment says otherwise.
 *
 * NULL handles: every function given NULL for a required dwh_host or
 * dwh_plugin (say, an unchecked dwh_host_find() result for an unknown
 * source) fails -- NULL or 0 for pointer and count results,
 * DW_ERR_NOT_FOUND (or DW_ERR_CONFIG where the comment says) for dw_status
 * results -- and fills its report/error out-parameters saying so.  It
 * never answers "valid" or success.  The *_free/unref functions accept
 * NULL and do nothing.
 *
 * Threads: one dwh_host and the plugin references it hands out may be used
 * from many threads at once: lookups, rescans, config functions and
 * operations (check, list schemas, read, sync, conformance) on the same or
 * different plugins.  An operation runs the plugin's code, and calls the
 * caller's callbacks, on the thread that called it; whether a plugin copes
 * with concurrent operations is up to the plugin.  Logging and transport
 * settings belong to a dwh_host (dwh_host_set_log_sink,
 * dwh_host_set_transport), so two hosts in one process keep their own;
 * the one process-wide setting is the crash guard (signal handlers are the
 * process's).  Other exceptions are noted at the function (one dwh_sync
 * per thread at a time; dwh_conformance redirects the process's stdout
 * and stderr while it runs).
 *
 * Option structs (dwh_host_options, dwh_read_options,
 * dwh_conformance_options, dwh_sync_options, dwh_webhook_options,
 * dwh_transport_options, dwh_check_options) only
 * grow at the end.  The functions taking them are macros that pass
 * sizeof the struct as your dwhost.h declares it to the *_sized entry
 * point, so a program built against an older dwhost.h keeps working with
 * a newer libdwhost (the members it does not know read as zero: their
 * defaults), and one built against a newer dwhost.h is told, not ignored,
 * when it sets a member this libdwhost does not have (the call fails as
 * for an invalid option; dwh_host_new logs it and ignores the member).
 * Callers that cannot use the macros (function pointers, other languages'
 * FFI) call the *_sized function with their struct's size.  Structs libdwhost fills for you (dwh_rejection arrays,
 * dwh_transport_counters) are frozen: they never grow; dwh_sync_progress
 * may grow (read the members you know).
 *
 * Logging: a host writes its log lines (and its plugins' api->log lines),
 * scrubbed of secrets, to stderr as text at INFO and above until the
 * embedder calls dwh_host_set_log_sink() (section "== logging ==").
 *
 * Versions: 0.2 changed the results to this convention, moved logging and
 * transport settings onto the host and cancellation onto dwh_cancel
 * (CHANGELOG.md); the library's soname carries the minor while the major
 * is 0 (libdwhost.so.0.2), so a program built for 0.1 never loads it.
 */
#ifndef DWHOST_H
#define DWHOST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dwsdk.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Marks the functions libdwhost.so exports (everything else is hidden). */
#if defined(__GNUC__)
#define DWH_API __attribute__((visibility("default")))
#else
#define DWH_API
#endif

/* == version ============================================================ */

/* The libdwhost release this header belongs to.  DWH_VERSION_NUM encodes
 * it as 0xMMmmpp: major in bits 16-23, minor in bits 8-15, patch in bits
 * 0-7 (0.1.0 is 0x000100, 0.12.3 would be 0x000C03), so releases compare
 * as numbers:  #if DWH_VERSION_NUM >= 0x000100.  The build refuses a
 * header whose numbers differ from the project's version. */
#define DWH_VERSION_MAJOR 0
#define DWH_VERSION_MINOR 2
#define DWH_VERSION_PATCH 0
#define DWH_VERSION "0.2.0"
#define DWH_VERSION_NUM ((DWH_VERSION_MAJOR << 16) | (DWH_VERSION_MINOR << 8) | DWH_VERSION_PATCH)

/* The version of the libdwhost actually linked (which may be newer than
 * the header a program was compiled with), as "MAJOR.MINOR.PATCH".
 * Returns a static string: never free it; valid for the life of the
 * process.  Thread-safe. */
DWH_API const char *dwh_version(void);

/* The same release as DWH_VERSION_NUM encodes it (0xMMmmpp). */
DWH_API unsigned dwh_version_num(void);

/* == host and registry ================================================== */

/*
 * A dwh_host owns a plugin registry: the libsource_<name>.so files found in
 * its plugin directories, checked and normalised.  Lookups return counted
 * references (dwh_plugin), so dwh_host_rescan() can add, replace and
 * retire plugins while operations run: a retired plugin stays loaded until
 * its last reference is dropped.  Listing never runs plugin code; a
 * plugin's init runs once, on its first use (dwh_plugin_activate).
 * dwh_host_rescan/find/list/rejections may be called from any thread.
 */
typedef struct dwh_host dwh_host;
typedef struct dwh_plugin dwh_plugin;

/* Why a file was not loaded (docs/concepts/plugins.md, the table of
 * reasons). */
typedef enum dwh_reject_reason {
    DWH_REJECT_NONE = 0,
    DWH_REJECT_NOT_LOADABLE,  /* dlopen failed (not ELF, truncated, missing deps) */
    DWH_REJECT_NO_ENTRY,      /* no dwhost_source symbol */
    DWH_REJECT_BAD_MAGIC,
    DWH_REJECT_ABI_MAJOR,     /* built for another major */
    DWH_REJECT_ABI_MINOR,     /* built for a newer minor than this host */
    DWH_REJECT_STRUCT_SIZE,   /* struct sizes impossible for its version */
    DWH_REJECT_METADATA,      /* required metadata missing or invalid */
    DWH_REJECT_NAME_MISMATCH, /* name differs from libsource_<name>.so */
    DWH_REJECT_FIELDS,        /* invalid config field tree */
    DWH_REJECT_INIT,          /* init() failed (only on activation) */
    DWH_REJECT_SHADOWED,      /* same name already loaded from an earlier dir */
    DWH_REJECT_DIR_MISSING,   /* a directory given in dwh_host_options.plugin_dirs
                                 does not exist or is not a directory; `path`
                                 is the directory (checked at every scan) */
    DWH_REJECT_ACTIONS,       /* invalid action declarations (ABI 1.8: a name,
                                 an argument type or default, the function) */
    DWH_REJECT_UNTRUSTED,     /* (0.2) the file, or a directory holding it, is
                                 writable by group or others, or owned by a
                                 user other than the running user or root */
    DWH_REJECT_PIN_MISMATCH,  /* (0.2) its sha256 differs from its pin */
    DWH_REJECT_UNPINNED       /* (0.2) a pin file is in use and does not name
                                 it (or the pin file is unreadable or malformed) */
} dwh_reject_reason;

/* A file that was not loaded.  `message` is one line without the path,
 * saying what is wrong and what to do; print it as "<path>: <message>".
 * `shadowed_by` is set for DWH_REJECT_SHADOWED only.  Frozen: never
 * grows (arrays of it are indexed with your sizeof). */
typedef struct dwh_rejection {
    char *path;
    dwh_reject_reason reason;
    char *message;
    char *shadowed_by;
} dwh_rejection;

/* Stable machine name of a reason ("not_loadable", "abi_major", ...);
 * static string. */
DWH_API const char *dwh_reject_reason_name(dwh_reject_reason reason);

/* Options for dwh_host_new; a zeroed struct (or NULL) means: no extra
 * directories, then DWHOST_PLUGIN_PATH, then the installed default. */
#define DWH_HOST_NO_ENV_PATH 0x1u    /* ignore DWHOST_PLUGIN_PATH */
#define DWH_HOST_NO_DEFAULT_DIR 0x2u /* skip the installed default directory */
/* (0.2) dwh_host_new does not scan: configure the host's logging and
 * transport first (the scan's lines go to its destination), then call
 * dwh_host_rescan() for the first scan. */
#define DWH_HOST_DEFER_SCAN 0x4u
typedef struct dwh_host_options {
    const char *const *plugin_dirs; /* searched first, in order; copied */
    size_t n_plugin_dirs;
    unsigned flags;                 /* DWH_HOST_* */
    /* (0.2) A pin file ("NAME SHA256HEX" per line, '#' comments;
     * docs/concepts/plugins.md "Pins"), read again at every scan; copied.
     * NULL: DWHOST_PLUGIN_PINS when set (unless DWH_HOST_NO_ENV_PATH), else
     * no pins.  With a pin file, a plugin it does not name is rejected
     * (DWH_REJECT_UNPINNED), one whose sha256 differs too
     * (DWH_REJECT_PIN_MISMATCH); an unreadable or malformed pin file
     * rejects every plugin (fail closed). */
    const char *plugin_pins;
} dwh_host_options;

/* Creates a host and scans its plugin directories once.  `opts` is
 * borrowed (may be NULL).  Returns NULL only on OOM.  A directory of
 * opts->plugin_dirs that does not exist is not an error here (it may be
 * created later; dwh_host_rescan() looks again) but is reported by
 * dwh_host_rejections() as DWH_REJECT_DIR_MISSING; missing
 * DWHOST_PLUGIN_PATH entries and a missing default directory are skipped
 * silently, as the CLI does.  The default directory is found at run time:
 * <libdir>/dwhost/plugins next to the libdwhost.so in use (or
 * <prefix>/lib/dwhost/plugins for a program in <prefix>/bin linking the
 * static library), when that directory exists, else the directory
 * configured at build time.  Free with dwh_host_free(). */
/* dwh_host_new with the size of *opts as the caller's dwhost.h has it
 * (see "Option structs" above). */
DWH_API dwh_host *dwh_host_new_sized(const dwh_host_options *opts, size_t opts_size);
#define dwh_host_new(opts) dwh_host_new_sized((opts), sizeof(dwh_host_options))
/* Frees the host and drops its references on plugins; references the
 * caller still holds stay valid until dwh_plugin_unref(). */
DWH_API void dwh_host_free(dwh_host *h);
/* The directories searched, in priority order: NULL-terminated, owned by
 * the host, valid until dwh_host_free(). */
DWH_API const char *const *dwh_host_plugin_dirs(const dwh_host *h);
/* Scans the directories again: new files are loaded, unchanged ones
 * (same path, inode, size, mtime) kept, removed or replaced ones retired
 * (their holders keep using them).  Safe while operations run.  Returns
 * the number of plugins loaded. */
DWH_API size_t dwh_host_rescan(dwh_host *h);
/* Loads one file in addition to the directories (it takes priority over
 * them and is kept across rescans).  Returns DW_OK when it loaded,
 * DW_ERR_UNSUPPORTED when it was rejected (the reason in *error, as
 * dwh_host_rejections() lists it), DW_ERR_CONFIG for a NULL host or path. */
DWH_API dw_status dwh_host_add_plugin_file(dwh_host *h, const char *path, char **error);
/* Looks a source up by name.  Returns a new reference (release with
 * dwh_plugin_unref) or NULL. */
DWH_API dwh_plugin *dwh_host_find(dwh_host *h, const char *name);
/* Snapshot of the loaded plugins in name order: a malloc'd array of *n
 * new references; release with dwh_plugin_list_free(). */
DWH_API dwh_plugin **dwh_host_list(dwh_host *h, size_t *n);
DWH_API void dwh_plugin_list_free(dwh_plugin **list, size_t n);
/* Copy of the files the last scan rejected or shadowed, in scan order,
 * preceded by the missing plugin_dirs (DWH_REJECT_DIR_MISSING): a malloc'd
 * array of *n entries (NULL and *n = 0 when there are none); release with
 * dwh_rejections_free(). */
DWH_API dwh_rejection *dwh_host_rejections(dwh_host *h, size_t *n);
DWH_API void dwh_rejections_free(dwh_rejection *list, size_t n);
/* (0.2) Reads the pin file at `path` as a host would
 * (dwh_host_options.plugin_pins) and says whether it is usable: DW_OK, or
 * DW_ERR_CONFIG with *error (may be NULL; one malloc'd line naming the
 * file and the line at fault, free() it).  A host given a pin file that
 * is not usable rejects every plugin; check it first to say why once. */
DWH_API dw_status dwh_plugin_pins_check(const char *path, char **error);

/* Plugin accessors.  Strings are owned by the plugin and valid while the
 * caller holds a reference. */
DWH_API const char *dwh_plugin_name(const dwh_plugin *p);
DWH_API const char *dwh_plugin_path(const dwh_plugin *p);
/* (0.2) The sha256 of the file as loaded (64 lowercase hex digits),
 * computed over the open file the loader mapped.  Owned by the plugin,
 * valid while the caller holds a reference; NULL for a NULL plugin. */
DWH_API const char *dwh_plugin_sha256(const dwh_plugin *p);
/* The normalised descriptor: host-sized (members the plugin's SDK lacked
 * are zero), field/option arrays with host stride.  Owned by the plugin. */
DWH_API const dw_source *dwh_plugin_source(const dwh_plugin *p);
/* The ABI the plugin was built with (0.0 for a NULL plugin). */
DWH_API void dwh_plugin_abi(const dwh_plugin *p, unsigned *major, unsigned *minor);
/* Runs the plugin's init once (thread-safe; later calls return the first
 * result).  Returns DW_OK, the status init returned (the reason in
 * *error), or DW_ERR_NOT_FOUND for a NULL plugin. */
DWH_API dw_status dwh_plugin_activate(dwh_plugin *p, char **error);
/* Adds a reference; returns p. */
DWH_API dwh_plugin *dwh_plugin_ref(dwh_plugin *p);
/* Drops a reference (p may be NULL); the last one calls fini() and
 * unloads the file. */
DWH_API void dwh_plugin_unref(dwh_plugin *p);
/* The plugin's form as the JSON document of docs/form-json.md: malloc'd
 * text the caller frees, NULL on OOM. */
DWH_API char *dwh_plugin_form_json(const dwh_plugin *p);

/*
 * Plugin crash containment (docs/concepts/plugins.md#when-a-plugin-crashes).  The host
 * marks every call into plugin code (loading, init, fini, list_schemas,
 * check_credentials, run, webhook_transform) per thread.  With the guard
 * installed, a fatal signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT,
 * SIGSYS) inside such a call writes one line to stderr with write(2),
 *   dwhost: plugin 'NAME' (PATH) crashed with SIGSEGV (...) in run(schema 'S'); ...
 * and ends the process at once with _exit(exit_code): nothing is flushed
 * or committed after the crash, so the warehouse keeps exactly its last
 * committed batch.  A fatal signal outside plugin code, or sent by another
 * process, goes to the action installed before (a core dump by default),
 * so host bugs stay debuggable.  The handler runs on an alternate signal
 * stack (the host gives each thread one when it first calls a plugin,
 * unless the thread has one), so a plugin overflowing its stack is caught.
 * A plugin that calls exit() or writes to stdout cannot be contained this
 * way: tools/plugin-audit flags both.
 */
/* Installs the handler for the six signals (idempotent; a later call only
 * changes exit_code; the dwhost CLI uses 11).  Signal handlers belong to
 * the process, so this is the one process-wide setting: call it once at
 * start, from the main thread, before starting threads.  Returns DW_OK;
 * DW_ERR when sigaction failed (nothing is installed); DW_ERR_UNSUPPORTED
 * without installing when the environment sets DWHOST_NO_CRASH_GUARD=1
 * (to let a crashing plugin dump core for a backtrace).  Embedders with
 * their own fatal-signal handlers can skip it and call
 * dwh_crash_guard_describe() from theirs. */
DWH_API dw_status dwh_crash_guard_install(int exit_code, char **error);
/* The same for a plugin that calls exit() (or whose thread returns into
 * it): while the calling thread runs plugin code, exit() prints the one
 * line (the plugin, its file, the status, the operation) and ends the
 * process with _exit(exit_code) -- no atexit handlers, no stdio flush,
 * nothing half-done committed; an exit() outside plugin code is left
 * alone.  Process-wide (on_exit); idempotent, a later call only changes
 * exit_code.  Returns DW_OK, or DW_ERR with one malloc'd *error (may be
 * NULL; caller frees) when it could not be registered. */
DWH_API dw_status dwh_exit_guard_install(int exit_code, char **error);
/* For an embedder's own handler: when the calling thread is inside a
 * plugin call, writes the one-line report (newline-terminated, NUL-
 * terminated, cut to fit) for fatal signal `sig` at `fault_addr`
 * (siginfo's si_addr; may be NULL) into buf and returns its length;
 * returns 0 outside plugin code.  Async-signal-safe; buf is the caller's
 * (2 KiB is always enough). */
DWH_API size_t dwh_crash_guard_describe(int sig, const void *fault_addr, char *buf, size_t size);

/* == watching a process that runs plugins ================================ */

/*
 * For a supervisor that runs plugins in a worker process and must tell a
 * hung plugin from a slow one (dwhost serve's workers, dwhost sync
 * --isolate): a counter of signs of life, and the worker's memory limit.
 */
/* A counter that grows each time an operation of this process shows life:
 * a plugin emitted a row, made an HTTP transfer or asked whether it is
 * cancelled.  Compare two readings: unchanged means no plugin called the
 * host in between.  Thread-safe; never fails. */
DWH_API unsigned long dwh_activity(void);
/* Sets this process's address-space limit (RLIMIT_AS) to `mib` MiB and
 * remembers it, so the crash or exit() line of a plugin whose allocations
 * failed at the limit says so.  Returns DW_OK; DW_ERR_UNSUPPORTED in an
 * AddressSanitizer build (its shadow memory cannot live under RLIMIT_AS);
 * DW_ERR when setrlimit failed.  On failure *error (may be NULL) gets one
 * malloc'd line the caller frees. */
DWH_API dw_status dwh_memory_limit_set(uint64_t mib, char **error);

/* == cancellation ======================================================= */

/*
 * A dwh_cancel stops the operations given it (dwh_read_options.cancel,
 * dwh_sync_options.cancel) at their next safe point: between pages, in a
 * retry or rate-limit wait, before the next batch.  What was committed
 * stays committed, and the operation returns DW_ERR_CANCELLED
 * (DWH_SYNC_FAIL_INTERRUPTED for dwh_sync).  One flag may serve several
 * operations at once.
 */
typedef struct dwh_cancel dwh_cancel;

/* A new flag, not requested.  NULL on OOM.  Free it with dwh_cancel_free()
 * once every operation given it has returned. */
DWH_API dwh_cancel *dwh_cancel_new(void);
DWH_API void dwh_cancel_free(dwh_cancel *c);
/* Requests cancellation (c NULL: nothing).  Thread-safe and
 * async-signal-safe (one lock-free atomic store): call it from a SIGINT
 * handler or any thread. */
DWH_API void dwh_cancel_request(dwh_cancel *c);
/* Non-zero once requested (0 for NULL). */
DWH_API int dwh_cancel_requested(const dwh_cancel *c);
/* Clears the request, to reuse the flag for a later operation. */
DWH_API void dwh_cancel_reset(dwh_cancel *c);

/* == config ============================================================= */

/*
 * A source's config is JSON text whose keys are the fields of its form
 * (docs/concepts/config-and-secrets.md).  Secret values may be given as {"$env": "NAME"}
 * or {"$file": "PATH"}; validation resolves them.  Every JSON text these
 * functions return for display has secrets masked; only *validated (what
 * operations take) holds them in clear: release it with dwh_free_secret().
 */

/* Wipes `text` (a NUL-terminated string libdwhost returned) with
 * explicit_bzero, then frees it; NULL does nothing.  Use it for outputs
 * that hold secrets in clear (dwh_config_validate_text's *validated); it is
 * also correct, just slower, for any other returned string. */
DWH_API void dwh_free_secret(char *text);

/* Validates `config_json` against p's form without running plugin code:
 * every error with its JSON path, defaults applied, references resolved
 * (relative {"$file"} paths start at `base_dir`; NULL: the working
 * directory).  Returns DW_OK and sets *validated (malloc'd JSON text
 * holding the secrets in clear, resolved references included: release it
 * with dwh_free_secret(); may be NULL to only validate) when the config is
 * valid; DW_ERR_CONFIG (*error: every problem on one line),
 * DW_ERR_NOT_FOUND for a NULL plugin (one error at path "(plugin)"), or
 * DW_ERR_NOMEM.  *report (may be NULL) receives malloc'd JSON
 * {"errors": [{"path", "expected", "got", "message"}], "warnings": [...]}
 * in every case, never showing a secret; free() it.  Handing *validated
 * out logs the masked config at debug level (event config.loaded, as an
 * operation does when it loads one); only validating logs nothing. */
DWH_API dw_status dwh_config_validate_text(dwh_plugin *p, const char *config_json, const char *base_dir,
                                           char **validated, char **report, char **error);

/* `config_json` with every secret value, and every value under a key the
 * form does not know, replaced by "***": malloc'd text the caller frees;
 * NULL when config_json is not JSON or p is NULL. */
DWH_API char *dwh_config_mask_text(dwh_plugin *p, const char *config_json);

/* The dotted paths of the form's secret keys ("auth.api_key",
 * "ssh_tunnel.password", ...) as a JSON array: malloc'd text the caller
 * frees; NULL when p is NULL (or on OOM). */
DWH_API char *dwh_config_secret_paths_json(dwh_plugin *p);

/* `dwhost check` as a function: validates `config_json`, then runs the
 * plugin's credential check for `schema` (NULL: at source creation, where a
 * valid token lacking a permission passes with a warning).  Runs the
 * plugin's init first if it has not run.  Returns:
 *   DW_OK               the credentials were accepted (a 403 without a
 *                       schema included, with a warning in the document);
 *   DW_ERR_CONFIG       the config is invalid or not JSON (no plugin code ran);
 *   DW_ERR_AUTH         credentials rejected (401) (when the plugin's
 *                       non-retryable map matched, the status stays the
 *                       plugin's own code; the message is the map's text);
 *   DW_ERR_FORBIDDEN    a permission `schema` needs is missing (with a schema);
 *   DW_ERR_UNREACHABLE, DW_ERR_TIMEOUT  the remote could not be reached;
 *   DW_ERR_SSRF         the address is loopback/private and
 *                       allow_internal is 0;
 *   DW_ERR_UNSUPPORTED  the plugin's init failed;
 *   DW_ERR_NOT_FOUND    p is NULL, or the plugin reported a missing thing
 *                       (an unknown schema, a missing directory);
 *   DW_ERR_CANCELLED, DW_ERR_RATE_LIMITED, DW_ERR_HTTP, DW_ERR_BAD_DATA,
 *   DW_ERR_NOMEM, DW_ERR  whatever else the plugin or transport reported.
 * Treat any status other than DW_OK as "not accepted".  *result_json (may
 * be NULL) receives the malloc'd document of `dwhost check --json`
 * (secrets masked; free() it); its "outcome" word groups the statuses.
 * `allow_internal` lets the plugin reach loopback and private addresses.
 * *error receives the document's one-line message when the status is not
 * DW_OK. */
DWH_API dw_status dwh_check(dwh_plugin *p, const char *config_json, const char *base_dir, const char *schema,
                            int allow_internal, char **result_json, char **error);

/* Options of dwh_check_with; zero-initialise, then set what differs.
 * Members are only ever appended.  Strings are borrowed for the call. */
typedef struct dwh_check_options {
    const char *schema;           /* check the permissions this schema needs; NULL: at source creation */
    const char *base_dir;         /* relative {"$file"} references of config_json; NULL: the working directory */
    int allow_internal_hosts;     /* let the plugin reach loopback/private addresses */
    dwh_cancel *cancel;           /* NULL: not cancellable (dwh_cancel_new); a cancelled check is DW_ERR_CANCELLED */
    /* Non-NULL: the config is read from this file (as dwh_config_read_file reads it; "-" is standard
     * input) instead of config_json, and its relative {"$file"} references start at the file's
     * directory.  A file that cannot be read, or is not JSON, is an invalid config (DW_ERR_CONFIG)
     * whose problem the document's "config" report names at path "(file)". */
    const char *config_file;
} dwh_check_options;

/* dwh_check with options (NULL: the defaults): the same statuses, the same
 * document in *result_json (may be NULL; malloc'd, free() it) and the same
 * *error (may be NULL; one malloc'd line, free() it; NULL on DW_OK).  The
 * document's "outcome" is "unknown_schema" (status DW_ERR_CONFIG) when
 * opts->schema is not one the source lists, and a check stopped through
 * opts->cancel is DW_ERR_CANCELLED ("interrupted").  (Called through the
 * dwh_check_with macro, which passes the size of *opts as the caller's
 * dwhost.h has it; a member this libdwhost does not have, set, fails with
 * DW_ERR_CONFIG and no document.) */
DWH_API dw_status dwh_check_with_sized(dwh_plugin *p, const char *config_json, const dwh_check_options *opts,
                                       size_t opts_size, char **result_json, char **error);
#define dwh_check_with(p, config_json, opts, result_json, error) \
    dwh_check_with_sized((p), (config_json), (opts), sizeof(dwh_check_options), (result_json), (error))

/* Reads a config file the way the dwhost commands read --config FILE:
 * `path` ("-" is standard input), at most 16 MiB, one JSON value with
 * nothing after it.  Validates nothing and runs no plugin code (pass the
 * text to dwh_config_validate_text or an operation).  Returns DW_OK with
 * *config_json (required) the file's text, malloc'd, which may hold
 * secrets in clear: release it with dwh_free_secret(); and *base_dir (may
 * be NULL) the file's directory, where its relative {"$file"} references
 * start (malloc'd, free() it; NULL for standard input).  Returns
 * DW_ERR_CONFIG when the file is missing, unreadable, too large, a
 * directory or not JSON: *config_json and *base_dir are NULL, *report (may
 * be NULL) receives the config report {"errors": [{"path": "(file)",
 * "expected", "got", "message"}], "warnings": []} as dwh_config_validate_text
 * returns it (malloc'd, free() it; NULL on success), and *error (may be
 * NULL) the one line "invalid config: config error at (file): expected
 * ..., got ..." (malloc'd, free() it).  DW_ERR_NOMEM when out of memory. */
DWH_API dw_status dwh_config_read_file(const char *path, char **config_json, char **base_dir, char **report,
                                       char **error);

/* == operations ========================================================= */

/*
 * List a source's schemas, read one schema row by row, run the conformance
 * suite: `dwhost describe`, `dwhost read` and `dwhost conformance` as
 * functions (dwh_sync, below, writes into a warehouse).  Each validates
 * `config_json` against the plugin's form before any plugin code runs,
 * runs the plugin's init once if needed, and scrubs the config's secrets
 * from every message, log line and document it returns.  Plugin code and
 * the caller's callbacks run on the calling thread, before the function
 * returns.  `error` out-parameters receive one malloc'd line (free() it),
 * NULL on success.
 */

/* The source's schemas as the JSON array of docs/schemas.md
 * ([{"name", "primary_keys", "incremental_fields", ...}]): malloc'd text
 * in *schemas_json (free() it; NULL on failure).  `config_json` NULL asks
 * without a config (what `describe` shows); a source that needs one
 * answers DW_ERR_NEEDS_CONFIG.  `base_dir` anchors relative {"$file"}
 * references (NULL: the working directory).  Returns DW_OK,
 * DW_ERR_CONFIG (invalid config; *error lists every problem),
 * DW_ERR_NEEDS_CONFIG, DW_ERR_UNSUPPORTED (init failed), DW_ERR_NOT_FOUND
 * (p is NULL), or what the plugin reported. */
DWH_API dw_status dwh_list_schemas(dwh_plugin *p, const char *config_json, const char *base_dir,
                                   int allow_internal, char **schemas_json, char **error);

/* (0.2) Is `schema` one of p's schemas with `config_json` -- and, when
 * `incremental_field` is not NULL, does it advertise that incremental
 * field?  Asked as `dwhost sync` and `dwhost read` ask it before they run,
 * so a caller can refuse a job with the same line.  Lists the schemas
 * (plugin code runs: it may make a request).  Returns DW_OK when it is;
 * DW_ERR_CONFIG when the config is invalid or the schema or field is not
 * one (*error: "the source has no schema 'x'; choose from: a, b", "schema
 * 'orders' has no incremental field 'x'; choose one of: a, b");
 * DW_ERR_UNSUPPORTED when init failed; DW_ERR_NOT_FOUND when p is NULL;
 * else the status listing the schemas failed with (*error: "cannot check
 * schema 'x': listing the schemas failed (STATUS): ...").  *error (may be
 * NULL) receives one malloc'd line, free() it; NULL on DW_OK. */
DWH_API dw_status dwh_schema_check(dwh_plugin *p, const char *config_json, const char *base_dir, const char *schema,
                                   const char *incremental_field, int allow_internal, char **error);

/* Called for every row, in order: `row_json` is one compact JSON object
 * (UTF-8, no newline), borrowed for the call only (copy what you keep).
 * Return 0 to go on, non-zero to stop the read: the plugin is asked to
 * stop and dwh_read returns DW_OK with *stopped set.  Rows delivered
 * after the last state are not covered by any saved state. */
typedef int (*dwh_row_fn)(void *user, const char *row_json, size_t len);
/* Called when the source saves resume state, after every row it covers
 * was delivered to the row callback: `state_json` (a JSON object, no
 * secrets by the SDK's rules) is borrowed for the call.  Persist it and
 * pass it back as state_in to resume after a crash or a stop.  Return 0 to
 * accept it; non-zero fails the read with DW_ERR_STATE (your store failed). */
typedef int (*dwh_state_fn)(void *user, const char *state_json);

/* Zero-initialise, then set what differs.  Members are only ever
 * appended.  Strings are borrowed for the call. */
typedef struct dwh_read_options {
    const char *schema;              /* required: the schema to read */
    dwh_row_fn row;                  /* required */
    dwh_state_fn state;              /* NULL: saved states are only kept for *state_out */
    void *user;                      /* passed to row and state */
    const char *state_in;            /* resume from this state (JSON object text); NULL: from the start */
    const char *incremental_field;   /* read incrementally on this field (one the schema advertises) */
    const char *last_value;          /* its watermark, as JSON scalar text ("42", "\"2024-05-01\""); may be NULL */
    const char *earliest_value;      /* lower watermark of descending sources; may be NULL */
    int allow_internal_hosts;        /* let the source reach loopback/private addresses */
    dwh_cancel *cancel;              /* NULL: not cancellable (dwh_cancel_new) */
    const char *team_id, *source_id, *job_id; /* identity in log lines; NULL: defaults (job: a new UUID) */
    /* (0.2) Non-NULL: receives the status the plugin itself failed with --
     * what dwh_read returns, except that when the plugin's non-retryable
     * map matched dwh_read returns DW_ERR_NON_RETRYABLE and *cause is the
     * status behind it (DW_ERR_UNREACHABLE, DW_ERR_AUTH, ...); DW_OK on
     * success.  (`dwhost read` chooses its exit code from it.) */
    dw_status *cause;
} dwh_read_options;

/* Reads `opts->schema` of p with `config_json`, handing each row to
 * opts->row.  Returns:
 *   DW_OK               every row was delivered, or opts->row stopped the
 *                       read (*stopped, may be NULL, set to 1);
 *   DW_ERR_CONFIG       invalid config or options (no plugin code ran);
 *   DW_ERR_STATE        state_in is not a JSON object, the source refused
 *                       it (e.g. it no longer matches the data: start over
 *                       without it), or opts->state failed;
 *   DW_ERR_CANCELLED    opts->cancel was requested; rows delivered so far are
 *                       complete and *state_out holds the last resume point;
 *   DW_ERR_NON_RETRYABLE  the plugin's non-retryable map matched (retrying
 *                       will not help; *error is the map's text);
 *   DW_ERR_UNSUPPORTED  the plugin's init failed;
 *   DW_ERR_NOT_FOUND    p is NULL, the schema is unknown, or the plugin
 *                       reported a missing thing;
 *   else what the plugin or transport reported (DW_ERR_AUTH,
 *   DW_ERR_UNREACHABLE, DW_ERR_SSRF, DW_ERR_RATE_LIMITED, ...).
 * *state_out (may be NULL) receives the last state the source saved during
 * this read, malloc'd (free() it), or NULL when it saved none -- whatever
 * the result, so a failed read can be resumed.  *error as above. */
/* (Called through the dwh_read macro, which passes the size of *opts as
 * the caller's dwhost.h has it; a member this libdwhost does not have,
 * set, fails with DW_ERR_CONFIG.) */
DWH_API dw_status dwh_read_sized(dwh_plugin *p, const char *config_json, const char *base_dir,
                                 const dwh_read_options *opts, size_t opts_size, int *stopped, char **state_out,
                                 char **error);
#define dwh_read(p, config_json, base_dir, opts, stopped, state_out, error) \
    dwh_read_sized((p), (config_json), (base_dir), (opts), sizeof(dwh_read_options), (stopped), (state_out), (error))

/* Options of dwh_conformance; zero-initialise.  Strings borrowed. */
typedef struct dwh_conformance_options {
    const char *const *schemas;  /* only these schemas; NULL/0: all */
    size_t n_schemas;
    int structural;              /* only descriptor, form, config, schemas: no credentials, no reads */
    int allow_internal_hosts;
    /* Rows kept per read (`--max-rows`): each read stops at the first
     * state save after this many rows and the checks run on that prefix.
     * 0 (also for programs built before it existed): 100000; negative:
     * no cap (every row; memory grows with the data, ~40 bytes a row). */
    long long max_rows;
    /* (0.2) Non-zero: what the plugin writes and logs while a check runs
     * (captured for the `secrets` check) is copied, scrubbed, to the
     * process's stderr (`dwhost conformance --verbose`). */
    int verbose;
} dwh_conformance_options;

/* `dwhost conformance` as a function: runs the acceptance checks
 * (docs/cli/conformance.md) on p with `config_json` (anchored at base_dir).
 * *report_json (may be NULL) receives the `--json` document
 * {"source", "version", "path", "checks": [{"name", "status" ("pass",
 * "fail" or "skip"), "detail"}], "passed", "failed", "skipped", "ok"}
 * (the plugin's name, version and file; null when unknown), in the
 * checks' order, malloc'd (free() it); a check whose reads stopped at the
 * row cap also has "capped_at": the cap.  Returns DW_OK when every
 * check passed or was skipped; DW_ERR when one failed (*error: how many
 * and which); DW_ERR_CONFIG when the suite could not run (config not JSON
 * or invalid, an unknown option: *error is the last check's reason);
 * DW_ERR_NOT_FOUND for a NULL plugin.
 * For CI and tooling, not for a busy service: the `secrets` check
 * redirects the process's file descriptors 1 and 2 while it runs (so
 * other threads' output is captured too), and it reads each chosen
 * schema several times (up to opts->max_rows rows per read). */
/* (Called through the dwh_conformance macro, which passes the size of
 * *opts as the caller's dwhost.h has it; a member this libdwhost does not
 * have, set, fails with DW_ERR_CONFIG.) */
DWH_API dw_status dwh_conformance_sized(dwh_plugin *p, const char *config_json, const char *base_dir,
                                        const dwh_conformance_options *opts, size_t opts_size, char **report_json,
                                        char **error);
#define dwh_conformance(p, config_json, base_dir, opts, report_json, error)                                \
    dwh_conformance_sized((p), (config_json), (base_dir), (opts), sizeof(dwh_conformance_options), (report_json), \
                          (error))

/* == logging ============================================================ */

/*
 * Every log line of libdwhost and of the plugins it runs (api->log) is
 * scrubbed of the operation's secrets, then written to the destination of
 * the dwh_host the operation runs for (operations on a dwh_plugin use the
 * host it was found in, even after dwh_host_free).  Default: stderr, text
 * format ("LEVEL source/schema: msg"), INFO and above -- so nothing is
 * lost in a program that never configures logging.  A service that owns
 * its stderr calls dwh_host_set_log_sink() right after dwh_host_new();
 * after that the host's operations write nothing to stderr or stdout,
 * except the one-line crash report of dwh_crash_guard_install()'s handler
 * and what dwh_conformance captures.  Two hosts in one process log to two
 * places.  (Lines of the scan inside dwh_host_new itself go to stderr.)
 */
#define DWH_LOG_OFF 1000 /* a min_level above every level: drop every line */
#define DWH_LOG_FORMAT_TEXT 0
#define DWH_LOG_FORMAT_JSON 1

/* Receives one line (no trailing newline), already filtered by level and
 * scrubbed: borrowed for the call.  Calls are serialised (never two at
 * once) and made on the thread that logged, under libdwhost's log lock:
 * keep it short, and do not call libdwhost from it (it may deadlock). */
typedef void (*dwh_log_fn)(int level, const char *line, void *user);

/* Sends every line of h's operations at `min_level` (DW_LOG_DEBUG ..
 * DW_LOG_ERROR, or DWH_LOG_OFF) or above to `fn`, in JSON format: one
 * object per line with "ts", "level", "event", "msg" and the operation's
 * identity ("team_id", "source_type", "source_id", "schema", "schema_id",
 * "job_id") plus event fields.  fn NULL sends lines back to stderr, as
 * text, at min_level (DWH_LOG_OFF: nowhere).  `user` is passed back to fn.
 * Safe to call while operations run (lines logged concurrently go to the
 * old or the new destination).  h NULL does nothing. */
DWH_API void dwh_host_set_log_sink(dwh_host *h, dwh_log_fn fn, void *user, int min_level);
/* Switches the format of h's destination: DWH_LOG_FORMAT_TEXT or
 * DWH_LOG_FORMAT_JSON (call after dwh_host_set_log_sink, which sets JSON).
 * Returns DW_OK, or DW_ERR_CONFIG for an unknown format or a NULL host
 * (nothing changes). */
DWH_API dw_status dwh_host_set_log_format(dwh_host *h, int format, char **error);
/* (0.2) Sends h's lines at `min_level` (DW_LOG_DEBUG .. DW_LOG_ERROR, or
 * DWH_LOG_OFF) or above to the stream `out` (borrowed: keep it open while
 * h or a plugin found in it is in use; NULL: stderr) in `format`
 * (DWH_LOG_FORMAT_TEXT or DWH_LOG_FORMAT_JSON), as `dwhost --log-file`
 * writes them.  `flags` DWH_LOG_TEXT_IDENTITY: text lines that name a job
 * end with " [team=T source_id=S job=J]" (JSON lines always carry it).
 * Replaces a sink.  Returns DW_OK, or DW_ERR_CONFIG for an unknown format
 * or a NULL host (nothing changes). */
#define DWH_LOG_TEXT_IDENTITY 0x1u
DWH_API dw_status dwh_host_set_log_stream(dwh_host *h, FILE *out, int format, int min_level, unsigned flags,
                                          char **error);
/* (0.2) Writes one line of the embedder's own (`event` a dotted name such
 * as "app.start", `msg` the text; both borrowed) to h's destination at
 * `level`, formatted as the host's lines are.  Nothing is scrubbed: pass
 * no secret.  h NULL: the process's default destination (stderr). */
DWH_API void dwh_host_log(dwh_host *h, int level, const char *event, const char *msg);
/* (0.2) The level a name gives: "debug", "info", "warn" (or "warning"),
 * "error", in any case, as DW_LOG_DEBUG .. DW_LOG_ERROR; -1 for another
 * name or NULL (what `--log-level` and DWHOST_LOG_LEVEL accept). */
DWH_API int dwh_log_level_from_name(const char *name);

/* == sync =============================================================== */

/*
 * Sync a source's schemas into the embedded SQLite warehouse (or stream
 * them as JSON lines), batch by batch, resumably: docs/cli/sync.md.
 * Each batch commits together with the job's resume state; calling again
 * with the same team, source id and schema after a crash resumes without
 * losing or duplicating rows.  Identity, modes and state backends are the
 * CLI's.  One sync at a time per thread (HTTP counters are per thread).
 */

/* The warehouse file an operation uses when given none (relative: in the
 * working directory). */
#define DWH_WAREHOUSE_DEFAULT_PATH "warehouse.db"

/* Why a sync (or one of its schemas) failed. */
typedef enum dwh_sync_failure {
    DWH_SYNC_OK = 0,
    DWH_SYNC_FAIL_SOURCE,      /* the plugin failed (credentials, unreachable, ...) */
    DWH_SYNC_FAIL_CONFIG,      /* invalid config, unknown schema, field or mode */
    DWH_SYNC_FAIL_DATA,        /* rows unusable for the mode (null/duplicate keys) */
    DWH_SYNC_FAIL_STATE,       /* the state backend (Redis) failed */
    DWH_SYNC_FAIL_WAREHOUSE,   /* the warehouse could not be written */
    DWH_SYNC_FAIL_INTERRUPTED, /* opts->cancel was requested; committed progress is kept */
    DWH_SYNC_FAIL_PLUGIN,      /* no such source, or it was rejected */
    DWH_SYNC_FAIL_RUNNING      /* another live run holds the job (docs/concepts/state-and-resume.md#one-run-per-job) */
} dwh_sync_failure;

/* Progress, reported after every committed batch and when a schema starts
 * and ends.  Everything is borrowed for the call. */
typedef struct dwh_sync_progress {
    const char *schema;
    const char *table;
    uint64_t rows;     /* committed by this run */
    uint64_t batches;
    uint64_t skipped;  /* re-emitted rows skipped on resume */
    double seconds;    /* since the schema started */
    int done;
    size_t index;      /* 1-based position of the schema in this run */
    size_t count;      /* schemas in this run */
} dwh_sync_progress;

/* Zero-initialise, then set what differs from the defaults.  Members are
 * only ever appended.  Strings and arrays are borrowed for the call. */
typedef struct dwh_sync_options {
    const char *warehouse_path;   /* NULL: ./warehouse.db; also a PostgreSQL database: postgresql://,
                                   * postgres:// or a libpq conninfo (docs/concepts/postgresql.md) */
    const char *table_prefix;     /* NULL: none; tables are <prefix><source>_<schema> */
    const char *state_url;        /* redis://[[user]:password@]host[:port][/db]; NULL: warehouse only */
    int state_ttl_s;              /* <= 0: 86400 */
    int state_timeout_ms;         /* <= 0: 3000 */
    int full_refresh;             /* replace the tables (resuming an interrupted full refresh) */
    int reset;                    /* forget resume state and watermarks */
    const char *mode;             /* "incremental", "full", "append"; NULL: per schema */
    const char *const *schemas;   /* NULL/0: the schemas the source syncs by default */
    size_t n_schemas;
    const char *const *incremental_fields; /* "FIELD" or "SCHEMA=FIELD" */
    size_t n_incremental_fields;
    size_t batch_rows;            /* 0: 5000 */
    size_t batch_bytes;           /* 0: 200 MiB */
    const char *team_id;          /* NULL: "local" */
    const char *source_id;        /* NULL: the source name */
    const char *job_id;           /* NULL: a new UUID */
    FILE *jsonl_out;              /* non-NULL: stream rows here instead of a warehouse */
    int allow_internal_hosts;     /* let the source reach loopback/private addresses */
    dwh_cancel *cancel;           /* NULL: not cancellable (dwh_cancel_new) */
    void (*progress)(void *ud, const dwh_sync_progress *p);
    void *progress_ud;
    int break_lease;              /* take over the jobs even if another run holds them */
    int lease_timeout_ms;         /* <= 0: 60000; a run silent this long loses its jobs */
    const char *state_namespace;  /* NULL or "": none; else a separate resume state and watermarks
                                   * per (team, source id, schema, namespace), e.g. one per
                                   * destination sharing a Redis (docs/concepts/state-and-resume.md#state-namespaces);
                                   * at most 128 bytes, no control characters */
    int restart_refresh;          /* a full refresh that starts over, discarding an interrupted one;
                                   * implies full_refresh.  full_refresh alone resumes a full
                                   * refresh that was interrupted (docs/concepts/state-and-resume.md) */
    const char *const *command;   /* how this run was started, as words (the CLI passes its command
                                   * line), or NULL; kept in the warehouse's run history (secrets
                                   * scrubbed) so `dwhost status` can name the command that resumes */
    size_t n_command;
    /* jsonl_out receives one line per row, {"schema": NAME, "row": {...}},
     * whatever the number of schemas (docs/cli/sync.md). */
} dwh_sync_options;

/* Stable word for a failure ("source", "config", "data", "state",
 * "warehouse", "interrupted", "plugin", "running"; NULL for DWH_SYNC_OK).
 * Static. */
DWH_API const char *dwh_sync_failure_name(dwh_sync_failure f);

/* Syncs source `source` of `h` with `config_json` (the user's config as
 * JSON text; validated against the source's form before any plugin code
 * runs; secrets found in it are scrubbed from every log line and message).
 * `opts` may be NULL (defaults).  Returns DW_OK, or the status of the
 * first failure: the plugin's own status for DWH_SYNC_FAIL_SOURCE
 * (DW_ERR_AUTH, DW_ERR_UNREACHABLE, ...), DW_ERR_CONFIG, DW_ERR_BAD_DATA
 * (data), DW_ERR_STATE, DW_ERR_SINK (warehouse), DW_ERR_CANCELLED
 * (interrupted), DW_ERR_NOT_FOUND (plugin), DW_ERR (running).  *failure
 * (may be NULL) receives the kind of failure, DWH_SYNC_OK on success.
 * *report_json (may be NULL) receives the report -- the document `dwhost
 * sync --json` prints -- malloc'd, caller frees.  *error (may be NULL)
 * receives one line saying what failed and what to do.  (Called through
 * the dwh_sync macro, which passes the size of *opts as the caller's
 * dwhost.h has it; a member this libdwhost does not have, set, fails with
 * DW_ERR_CONFIG / DWH_SYNC_FAIL_CONFIG.) */
DWH_API dw_status dwh_sync_sized(dwh_host *h, const char *source, const char *config_json,
                                 const dwh_sync_options *opts, size_t opts_size, dwh_sync_failure *failure,
                                 char **report_json, char **error);
#define dwh_sync(h, source, config_json, opts, failure, report_json, error)                                   \
    dwh_sync_sized((h), (source), (config_json), (opts), sizeof(dwh_sync_options), (failure), (report_json), \
                   (error))

/* dwh_sync for a plugin reference (from dwh_host_find, or a caller that
 * found the source its own way) instead of a host and a source name: the
 * same validation, run, statuses, *failure, *report_json and *error
 * (each may be NULL; malloc'd, the caller frees them).  Relative
 * {"$file"} references of `config_json` start at `base_dir` (NULL: the
 * working directory).  The caller keeps its reference to `p`.  p NULL:
 * DW_ERR_NOT_FOUND (DWH_SYNC_FAIL_PLUGIN).  The report of both functions
 * also holds "rerun": when a schema stopped with an unfinished run saved
 * and opts->command gave the words that started the run, {"resume": the
 * command that continues it, "restart": {SCHEMA: the command that starts
 * that schema's full refresh over} or null}, as shell text scrubbed of
 * the run's secrets; else null.  And "warehouse_kind": "sqlite",
 * "postgresql", or null with opts->jsonl_out.  (Through the macro, which
 * passes the size of *opts as your dwhost.h has it.) */
DWH_API dw_status dwh_sync_plugin_sized(dwh_plugin *p, const char *config_json, const char *base_dir,
                                        const dwh_sync_options *opts, size_t opts_size, dwh_sync_failure *failure,
                                        char **report_json, char **error);
#define dwh_sync_plugin(p, config_json, base_dir, opts, failure, report_json, error)                            \
    dwh_sync_plugin_sized((p), (config_json), (base_dir), (opts), sizeof(dwh_sync_options), (failure),          \
                          (report_json), (error))

/* The sync jobs the warehouse at `warehouse_path` (NULL: ./warehouse.db)
 * records, as `dwhost status --json` prints them: {"warehouse", "jobs":
 * [{"team_id", "source_id", "schema", "namespace", "status" ("running",
 * "failed", "interrupted" or "idle"), "write_mode", "incremental_field",
 * "last_value", "earliest_value", "run_rows", "run_batches",
 * "last_job_id", "updated_at", "lease", "webhooks_pending", "last_run",
 * "rerun"}]} (docs/cli/status.md).  Opens
 * the file read-only; safe while syncs run.  Returns DW_OK with the
 * document in *json (malloc'd, caller frees); DW_ERR_NOT_FOUND when there
 * is no warehouse there yet (no such file; a PostgreSQL database without
 * dwhost's tables: nothing is created); DW_ERR_UNREACHABLE when the
 * PostgreSQL server cannot be reached; DW_ERR when it is not a dwhost
 * warehouse or cannot be read (*error says which). */
DWH_API dw_status dwh_status_json(const char *warehouse_path, char **json, char **error);
/* The warehouse's run history, as `dwhost status --history --json` prints
 * it: {"warehouse", "runs": [{"run_id", "job_id", "team_id", "source",
 * "source_id", "namespace", "started_at", "ended_at", "seconds", "outcome"
 * ("ok", "failed", "interrupted", "running", "crashed"), "failure",
 * "error", "rows", "host", "pid", "command", "cwd", "schemas": [{"schema",
 * "table", "mode", "status", "rows", "resumed", "failure", "error"}]}]},
 * newest first, at most `limit` runs (<= 0: all kept;
 * docs/concepts/run-history.md).  Read-only like dwh_status_json; same ownership and errors. */
DWH_API dw_status dwh_status_history_json(const char *warehouse_path, int limit, char **json, char **error);

/* -- webhooks (docs/concepts/webhooks.md) ----------------------------------------
 *
 * A source that declares DW_CAP_WEBHOOK takes pushed payloads (a provider's
 * event, e.g. a Stripe customer.updated).  dwh_webhook_push() checks one
 * and stores it in the warehouse's inbox; the next dwh_sync() of a schema
 * that takes it applies it before pulling, in merge mode once the schema's
 * initial sync has completed, and commits "consumed up to here" with the
 * rows.  A payload leaves the inbox once every schema that takes it has
 * consumed it. */

/* The largest payload dwh_webhook_push() stores by default. */
#define DWH_WEBHOOK_MAX_BYTES ((size_t)1 << 20)

typedef enum dwh_webhook_outcome {
    DWH_WEBHOOK_STORED = 0,     /* in the inbox; *inbox_id is its id */
    DWH_WEBHOOK_IGNORED,        /* valid, but no webhook schema of the source takes it: nothing stored */
    DWH_WEBHOOK_REFUSED,        /* not JSON, too large, or the plugin's webhook_transform rejected it */
    DWH_WEBHOOK_UNSUPPORTED,    /* the source takes no webhooks (no DW_CAP_WEBHOOK) */
    DWH_WEBHOOK_FAIL_CONFIG,    /* invalid config or options */
    DWH_WEBHOOK_FAIL_WAREHOUSE, /* the warehouse could not be opened or written */
    DWH_WEBHOOK_FAIL_PLUGIN,    /* no such source loaded */
    DWH_WEBHOOK_NOT_FOUND,      /* dwh_webhook_drop: the source has no payload of that id */
    DWH_WEBHOOK_DROPPED,        /* dwh_webhook_drop: removed */
    DWH_WEBHOOK_BAD_SIGNATURE   /* dwh_webhook_options.signature_header given, and the signature is missing,
                                 * malformed, expired or does not match (or the source declares no
                                 * signature scheme): nothing stored */
} dwh_webhook_outcome;

/* Stable word for an outcome ("stored", "ignored", "refused",
 * "unsupported", "config", "warehouse", "plugin", "not_found",
 * "dropped", "bad_signature").  Static. */
DWH_API const char *dwh_webhook_outcome_name(dwh_webhook_outcome o);

/* Zero-initialise, then set what differs.  Members are only ever
 * appended.  Strings are borrowed for the call.  Team, source id and
 * namespace must be the ones the syncs use (same defaults as
 * dwh_sync_options), or the payloads are never applied. */
typedef struct dwh_webhook_options {
    const char *warehouse_path;   /* NULL: ./warehouse.db; also a PostgreSQL database: postgresql://,
                                   * postgres:// or a libpq conninfo (docs/concepts/postgresql.md) */
    const char *team_id;          /* NULL: "local" */
    const char *source_id;        /* NULL: the source name */
    const char *state_namespace;  /* NULL or "": none */
    size_t max_bytes;             /* 0: DWH_WEBHOOK_MAX_BYTES */
    /* The request's signature header as "Name: value" (e.g. "Stripe-Signature: t=...,v1=..."), or "" for a
     * request that carried none.  Non-NULL: the payload is stored only when the signature verifies under
     * the scheme the plugin declares (ABI 1.9 dw_source.webhook_signature) with the signing secret from
     * the config field it names; otherwise DWH_WEBHOOK_BAD_SIGNATURE (also for a source that declares no
     * scheme).  NULL: not checked (the caller verified the request itself). */
    const char *signature_header;
} dwh_webhook_options;

/* Pushes one payload (`len` bytes of JSON text, borrowed) for source
 * `source` of `h`, with `config_json` (the user's config as JSON text,
 * validated like dwh_sync's).  Before storing, the plugin's
 * webhook_transform runs for each of the source's webhook schemas without
 * writing anything: a payload it rejects is refused now, one no schema
 * takes is ignored.  `opts` may be NULL.  Returns DW_OK for STORED and
 * IGNORED (*outcome, may be NULL, says which), else the failure's status:
 * DW_ERR_BAD_DATA (refused), DW_ERR_UNSUPPORTED, DW_ERR_CONFIG, DW_ERR_SINK
 * (warehouse), DW_ERR_NOT_FOUND (no such source), DW_ERR_AUTH (bad
 * signature: opts->signature_header).  *inbox_id (may be
 * NULL) receives the id on DWH_WEBHOOK_STORED, else 0.  *error (may be
 * NULL) receives one scrubbed line (malloc'd, caller frees) for every
 * outcome but STORED -- for IGNORED, with DW_OK, a note naming the event
 * type and the schemas there are. */
DWH_API dw_status dwh_webhook_push_sized(dwh_host *h, const char *source, const char *config_json,
                                         const dwh_webhook_options *opts, size_t opts_size, const char *payload,
                                         size_t len, dwh_webhook_outcome *outcome, int64_t *inbox_id,
                                         char **error);
/* (A macro passing sizeof your dwh_webhook_options, see "Option structs";
 * a member this libdwhost does not have, set, fails with DW_ERR_CONFIG.) */
#define dwh_webhook_push(h, source, config_json, opts, payload, len, outcome, inbox_id, error)                \
    dwh_webhook_push_sized((h), (source), (config_json), (opts), sizeof(dwh_webhook_options), (payload), (len), \
                           (outcome), (inbox_id), (error))

/* Removes payload `inbox_id` of the source (team, source id, namespace of
 * `opts`, which may be NULL) from the inbox, e.g. one whose transform
 * keeps failing a sync.  Returns DW_OK (DWH_WEBHOOK_DROPPED),
 * DW_ERR_NOT_FOUND (DWH_WEBHOOK_NOT_FOUND: no payload of that id, or no
 * such source) or a failure as dwh_webhook_push; *outcome (may be NULL)
 * receives the outcome; *error (may be NULL) one line (malloc'd, caller
 * frees) for every outcome but DROPPED. */
DWH_API dw_status dwh_webhook_drop_sized(dwh_host *h, const char *source, const dwh_webhook_options *opts,
                                         size_t opts_size, int64_t inbox_id, dwh_webhook_outcome *outcome,
                                         char **error);
#define dwh_webhook_drop(h, source, opts, inbox_id, outcome, error) \
    dwh_webhook_drop_sized((h), (source), (opts), sizeof(dwh_webhook_options), (inbox_id), (outcome), (error))

/* Whether plugin p takes pushed payloads (DW_CAP_WEBHOOK, a
 * webhook_transform and a webhook resource map).  Returns DW_OK, or
 * DW_ERR_UNSUPPORTED with one malloc'd line in *error (may be NULL; free()
 * it) saying so and what to do instead; DW_ERR_NOT_FOUND for a NULL p.
 * Runs no plugin code.  dwh_webhook_push and dwh_webhook_push_plugin
 * answer DWH_WEBHOOK_UNSUPPORTED with that line before they look at the
 * config or the payload. */
DWH_API dw_status dwh_webhook_supported(dwh_plugin *p, char **error);

/* dwh_webhook_push for a plugin reference (from dwh_host_find) instead of
 * a host and a source name, with the whole result as a document: the same
 * checks, outcomes and statuses.  Relative {"$file"} references of
 * `config_json` start at `base_dir` (NULL: the working directory).
 * *outcome (may be NULL) receives the outcome; *result_json (may be NULL)
 * the document `dwhost webhook --json` prints, without its "exit_code":
 * {"ok", "outcome" (dwh_webhook_outcome_name), "source", "team_id",
 * "source_id", "state_namespace", "inbox_id" (STORED, else null),
 * "event_type" (the payload's top-level "type" string, or null),
 * "schemas" (STORED: the schemas that take it, else null), "message"
 * (null for STORED)}, scrubbed of the config's secrets, malloc'd (free()
 * it; NULL only when out of memory); *error (may be NULL) one malloc'd
 * line (free() it) for every outcome but STORED.  p NULL:
 * DW_ERR_NOT_FOUND (DWH_WEBHOOK_FAIL_PLUGIN).  (Through the macro, which
 * passes the size of *opts as your dwhost.h has it.) */
DWH_API dw_status dwh_webhook_push_plugin_sized(dwh_plugin *p, const char *config_json, const char *base_dir,
                                                const dwh_webhook_options *opts, size_t opts_size,
                                                const char *payload, size_t len, dwh_webhook_outcome *outcome,
                                                char **result_json, char **error);
#define dwh_webhook_push_plugin(p, config_json, base_dir, opts, payload, len, outcome, result_json, error)          \
    dwh_webhook_push_plugin_sized((p), (config_json), (base_dir), (opts), sizeof(dwh_webhook_options), (payload), \
                                  (len), (outcome), (result_json), (error))

/* dwh_webhook_drop for a plugin reference, with the result as the same
 * document ("inbox_id" is the id asked for; "message" null for DROPPED):
 * ownership as dwh_webhook_push_plugin. */
DWH_API dw_status dwh_webhook_drop_plugin_sized(dwh_plugin *p, const dwh_webhook_options *opts, size_t opts_size,
                                                int64_t inbox_id, dwh_webhook_outcome *outcome, char **result_json,
                                                char **error);
#define dwh_webhook_drop_plugin(p, opts, inbox_id, outcome, result_json, error)                               \
    dwh_webhook_drop_plugin_sized((p), (opts), sizeof(dwh_webhook_options), (inbox_id), (outcome), (result_json), \
                                  (error))

/* == transport ========================================================== */

/*
 * Every HTTP request a plugin makes goes through the host's tracked
 * transport (docs/writing-a-connector/rest-toolkit.md).  Its settings
 * belong to a dwh_host: they apply to the host's operations started after
 * the call (and to operations on plugins found in it).
 */
typedef struct dwh_transport_options {
    const char *ca_bundle;       /* PEM file of trusted CAs; NULL: DWHOST_CA_BUNDLE, else the system store */
    uint32_t connect_timeout_ms; /* 0: 10 s */
    uint32_t timeout_ms;         /* one attempt of a request; 0: 60 s */
    /* Appended after 0.1.0 (0 reads as the default): */
    uint32_t request_timeout_ms; /* one request in all, every attempt and wait included; 0: 600 s
                                  * (docs/concepts/timeouts.md) */
    uint32_t stall_timeout_ms;   /* an attempt receiving nothing this long fails; whole seconds; 0: 30 s */
} dwh_transport_options;

/* Sets h's transport settings (strings copied; opts NULL: back to the
 * defaults).  Call before starting h's operations, not while they run.
 * Returns DW_OK; DW_ERR_CONFIG for a NULL host or a member this libdwhost
 * does not have, set; DW_ERR_NOMEM.  (Called through the macro, which
 * passes the size of *opts as the caller's dwhost.h has it.) */
DWH_API dw_status dwh_host_set_transport_sized(dwh_host *h, const dwh_transport_options *opts, size_t opts_size,
                                               char **error);
#define dwh_host_set_transport(h, opts, error) \
    dwh_host_set_transport_sized((h), (opts), sizeof(dwh_transport_options), (error))

/* Request counters of a run, as printed in the sync summary.  Frozen:
 * never grows (libdwhost adds into your struct); a new counter will come
 * in a new struct. */
typedef struct dwh_transport_counters {
    uint64_t requests;           /* attempts sent (each retry and redirect counts) */
    uint64_t status_2xx, status_3xx, status_4xx, status_5xx;
    uint64_t transport_errors;   /* attempts without an HTTP status (timeout, reset, refused) */
    uint64_t retries;            /* attempts that repeated an earlier one */
    uint64_t bytes_out;          /* request headers + body */
    uint64_t bytes_in;           /* response headers + body as received (compressed) */
    uint64_t rate_limit_wait_ms; /* slept because the server said so (Retry-After, resets) */
    uint64_t backoff_wait_ms;    /* slept in exponential backoff */
    uint64_t ssrf_blocked;       /* connections refused by the SSRF guard */
} dwh_transport_counters;

/* While set, every request made on the calling thread is added into
 * `totals` (borrowed; must outlive the scope).  NULL stops.  Returns the
 * previous accumulator, so scopes nest: prev = collect(&t); run; collect(prev). */
DWH_API dwh_transport_counters *dwh_transport_counters_collect(dwh_transport_counters *totals);

/* == actions (plugin ABI 1.8) ============================================ */

/* How a dwh_call ended, finer than its status (dwh_call_options.outcome):
 * what `dwhost call` turns into its exit codes. */
typedef enum dwh_call_outcome {
    DWH_CALL_ANSWERED = 0,   /* DW_OK: the action answered */
    DWH_CALL_NO_ACTION,      /* DW_ERR_NOT_FOUND: p is NULL or has no such action */
    DWH_CALL_BAD_CONFIG,     /* DW_ERR_CONFIG: the config is invalid or not JSON; no plugin code ran */
    DWH_CALL_BAD_ARGUMENTS,  /* DW_ERR_CONFIG: an argument is unknown, given twice, missing or not of
                              * its type, or args_json is not a JSON object; no plugin code ran.  When
                              * args_json is not JSON the line is "SOURCE.ACTION: the arguments are not
                              * JSON: WHY" */
    DWH_CALL_NOT_STARTED,    /* DW_ERR_UNSUPPORTED: the plugin's init failed ("plugin 'NAME' could not
                              * start: ..."); *cause is the status init returned */
    DWH_CALL_FAILED,         /* the action (or the host under it: DW_ERR_CANCELLED, DW_ERR_NOMEM, ...)
                              * failed with the returned status */
    DWH_CALL_CRASHED         /* DW_ERR: a fatal signal in the action; the process carried on */
} dwh_call_outcome;

/* How dwh_call passes an action its arguments.  A zeroed struct (or NULL):
 * no arguments (the declared defaults), config references relative to the
 * working directory, internal hosts refused.  Members are only ever
 * appended. */
typedef struct dwh_call_options {
    /* "NAME=VALUE" texts (borrowed), VALUE converted by the argument's
     * declared type as `dwhost call` does: int64 a whole number, double a
     * number, bool true/false/1/0, string the text as is, json JSON text. */
    const char *const *args;
    size_t n_args;
    /* A JSON object {"NAME": value} (borrowed): int64 an integer, double a
     * number, bool a boolean, string a string, json any value.  NULL:
     * none.  A name given here and in args is refused. */
    const char *args_json;
    const char *base_dir;         /* relative {"$file": ...} references of the config; NULL: the working directory */
    int allow_internal_hosts;     /* let the plugin reach loopback/private addresses */
    dwh_cancel *cancel;           /* NULL: not cancellable (dwh_cancel_new) */
    /* What more the caller wants back (0.2.0, issue 12; each NULL: not wanted).  Set on every return
     * but a refused opts (a member this libdwhost does not have, set). */
    dwh_call_outcome *outcome;    /* how the call ended (see dwh_call_outcome) */
    /* The status behind a failure: the code the plugin (or host) gave when the plugin's non-retryable
     * map made the returned status DW_ERR_NON_RETRYABLE, init's status for DWH_CALL_NOT_STARTED, else
     * the returned status (DW_OK on success). */
    dw_status *cause;
    /* On DW_OK: the answer before scrubbing, with the secrets it holds in clear (the config's, and
     * those the action marked with api->secret_add, e.g. a webhook signing secret the caller must
     * store): malloc'd, release it with dwh_free_secret(); never print or log it.  NULL otherwise. */
    char **result_raw;
} dwh_call_options;

/* Calls action `action` of plugin `p` (its dw_source.actions) on
 * `config_json` (validated first, as dwh_check does; NULL: {}) with the
 * arguments of `opts` (may be NULL).  On DW_OK *result_json (may be NULL)
 * is the action's JSON answer ("null" when it gave none), malloc'd, the
 * caller frees it with free(); secrets of the config are scrubbed from it.
 * On failure *result_json is NULL and *error (may be NULL) one malloc'd
 * line the caller frees with free():
 *   DW_ERR_NOT_FOUND   p is NULL, or the plugin has no such action (the
 *                      line lists its actions);
 *   DW_ERR_CONFIG      the config is invalid, or an argument is unknown,
 *                      given twice, missing or not of its type (the line
 *                      names the argument and the expected type);
 *   DW_ERR_UNSUPPORTED the plugin's init failed;
 *   DW_ERR             the action crashed (a fatal signal in its code,
 *                      with dwh_crash_guard_install in effect): the line
 *                      says so; the process carries on;
 *   any other status   the action failed, as the plugin said.
 * opts->outcome, ->cause and ->result_raw (when set) tell these apart,
 * give the status behind a failure and the unscrubbed answer.
 * Runs the plugin's code on the calling thread. */
DWH_API dw_status dwh_call_sized(dwh_plugin *p, const char *action, const char *config_json,
                                 const dwh_call_options *opts, size_t opts_size, char **result_json, char **error);
#define dwh_call(p, action, config_json, opts, result_json, error) \
    dwh_call_sized((p), (action), (config_json), (opts), sizeof(dwh_call_options), (result_json), (error))

/* The choices of field `field` (a top-level field naming an
 * options_action, dw_field.options_action) given the rest of the config:
 * the config is validated with that field optional, then its action is
 * called with its defaults.  On DW_OK *options_json is the action's JSON
 * array of {"value": "...", "label": "..."} objects, malloc'd, the caller
 * frees it with free().  On failure *options_json is NULL and *error one
 * malloc'd line (free()): DW_ERR_NOT_FOUND when there is no such field or
 * it lists no choices, DW_ERR_CONFIG for an invalid config, DW_ERR_BAD_DATA
 * when the answer is not such an array, else as dwh_call. */
DWH_API dw_status dwh_field_options(dwh_plugin *p, const char *field, const char *config_json, const char *base_dir,
                                    int allow_internal_hosts, char **options_json, char **error);

#ifdef __cplusplus
}
#endif
#endif
