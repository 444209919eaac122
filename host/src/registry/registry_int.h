/*
 * registry_internal.h -- what the registry's files share: the plugin
 * object, the mapped-image bounds checker, the loader and normaliser.
 * Private to registry/; the rest of the host uses registry.h.
 */
#ifndef DWHI_REGISTRY_INTERNAL_H
#define DWHI_REGISTRY_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "base/text.h" /* dwhi_strf */
#include "registry.h"

/* Sizes of the 1.0 structs: the smallest a valid plugin can declare.
 * dw_source and dw_field did not grow from 1.0 to 1.7 and grew in 1.8
 * (actions, options_action); dw_select_option has not grown since 1.0
 * (tests/abi freezes these numbers).  A plugin built for 1.7 or older
 * declares exactly the 1.0 sizes of dw_source and dw_field. */
#define DWHI_SOURCE_SIZE_1_0 ((uint32_t)offsetof(dw_source, actions))
#define DWHI_FIELD_SIZE_1_0 ((uint16_t)offsetof(dw_field, options_action))
#define DWHI_OPTION_SIZE_1_0 ((uint16_t)sizeof(dw_select_option))
/* The 1.8 dw_action: the smallest action stride a plugin can declare. */
#define DWHI_ACTION_SIZE_1_8 ((uint32_t)(offsetof(dw_action, fn) + sizeof(dw_action_fn)))

/* Limits that keep a malformed descriptor from exhausting the host. */
#define DWHI_MAX_FIELD_DEPTH 8
#define DWHI_MAX_FIELDS 4096        /* in the whole tree */
#define DWHI_MAX_LIST 256           /* keywords, file_keys */
#define DWHI_MAX_ACTIONS 256
#define DWHI_MAX_ACTION_NAME 64     /* bytes of an action's or argument's name */

/* What identifies a file's version: a rescan keeps a plugin only while
 * all of these are unchanged. */
typedef struct dwhi_file_id {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
} dwhi_file_id;

int dwhi_file_id_equal(const dwhi_file_id *a, const dwhi_file_id *b);

struct dwh_plugin {
    atomic_uint refs;
    char *path;
    char *name;
    void *handle;   /* dlopen handle; closed by the last unref */
    int fd;         /* keeps the /proc/self/fd/N name unique while mapped, or -1 */
    int by_path;    /* opened under its path (a use is recorded in loader.c) */
    unsigned abi_major, abi_minor;
    dwhi_file_id id;
    char sha256[65]; /* of the file as opened (DWHI_SHA256_HEX hex digits) */
    dw_source src;  /* normalised; field/option arrays owned by the plugin */

    pthread_mutex_t lock; /* guards activation */
    int activation;       /* 0 not yet, 1 ok, -1 failed */
    dw_status init_status;
    char *init_error;
    void *plugin_data;

    /* What the registry's owner attached (dwhi_registry_set_owner): held
     * while the plugin lives, released by dwhi_plugin_destroy. */
    void *owner;
    void (*owner_release)(void *owner);
};

/* ---- image.c: bounds of a loaded object's mapped segments ------------ */
#define DWHI_IMAGE_MAX_SEGMENTS 16
typedef struct dwhi_image {
    size_t n;
    struct {
        uintptr_t start, end;
        unsigned flags; /* PF_R / PF_W / PF_X */
    } seg[DWHI_IMAGE_MAX_SEGMENTS];
} dwhi_image;

/* Fills `im` with the PT_LOAD segments of the object behind `handle`.
 * Returns 0, or -1 when the object cannot be found. */
int dwhi_image_load(dwhi_image *im, void *handle);
/* 1 when [p, p+len) lies inside one segment that has all `flags`. */
int dwhi_image_has(const dwhi_image *im, const void *p, size_t len, unsigned flags);
/* 1 when s is a NUL-terminated string inside one readable segment. */
int dwhi_image_str(const dwhi_image *im, const char *s);

/* ---- descriptor_check.c: descriptor validation ---------------------------------- */
/* Each returns NULL when valid, else a malloc'd one-line reason (without
 * the path) that says what to do.  `d` is the host-sized copy of the
 * descriptor header+metadata; arrays are still read from plugin memory
 * with the plugin's strides. */
char *dwhi_check_metadata(const dwhi_image *im, const dw_source *d);
/* Checks d->fields; an options_action must name one of d->actions
 * (checked before, by dwhi_check_actions) whose arguments all have
 * defaults. */
char *dwhi_check_fields(const dwhi_image *im, const dw_source *d);
/* Checks the 1.8 action declarations (names, one-line descriptions,
 * argument names, types and defaults, functions in the plugin's code).
 * (action_check.c) */
char *dwhi_check_actions(const dwhi_image *im, const dw_source *d);
/* Checks that every options_action of the normalised descriptor `src`
 * (host-sized, after dwhi_normalize) names one of its actions whose
 * arguments all have defaults. */
char *dwhi_check_options_actions(const dw_source *src);
/* Reads action i of the plugin's array with its stride into a
 * host-sized, zero-filled struct. */
void dwhi_read_action(dw_action *out, const dw_action *base, uint32_t i, uint32_t stride);

/* Reads element i of a plugin array with the plugin's stride into a
 * host-sized, zero-filled struct. */
void dwhi_read_field(dw_field *out, const dw_field *base, uint32_t i, uint16_t stride);
void dwhi_read_option(dw_select_option *out, const dw_select_option *base, uint32_t i, uint16_t stride);

/* ---- normalize.c ------------------------------------------------------ */
/* Copies the checked descriptor `raw` (plugin memory, plugin sizes) into
 * `out` (host sizes): members beyond struct_size are zero; field and
 * option arrays are deep-copied with host stride.  Returns 0 or -1 (OOM).
 * Free the arrays with dwhi_normalized_free(). */
int dwhi_normalize(dw_source *out, const dw_source *raw);
void dwhi_normalized_free(dw_source *src);

/* ---- trust.c: who may have written a plugin --------------------------- */
/* NULL when `st` (of a plugin file, or of a directory holding one) is
 * writable by its owner only and owned by the running user or root; else
 * a malloc'd "untrusted: ..." line naming `what` ("the file", "its
 * directory") and `path`, and the chmod/chown to run. */
char *dwhi_trust_stat(const char *what, const char *path, const struct stat *st);
/* Checks the directory holding `path` and, when `path` is a symlink, the
 * directory holding its resolved target.  NULL or a malloc'd line. */
char *dwhi_trust_dirs(const char *path);

/* ---- pins.c: the pin file and sha256 of plugin files --------------------- */
#define DWHI_SHA256_HEX 64
typedef struct dwhi_pins {
    char *path;
    struct {
        char *name;
        char sha256[DWHI_SHA256_HEX + 1]; /* lowercase */
    } *v;
    size_t n;
} dwhi_pins;
/* The sha256 of the whole file behind `fd` (read with pread, so its
 * offset is unchanged) as lowercase hex.  Returns 0, or -1 (read or
 * OpenSSL failure; out is then ""). */
int dwhi_sha256_fd(int fd, char out[DWHI_SHA256_HEX + 1]);
/* Reads a pin file.  Returns the pins (free with dwhi_pins_free), or NULL
 * with *error a malloc'd line naming the file (and line) and the fix. */
dwhi_pins *dwhi_pins_load(const char *path, char **error);
void dwhi_pins_free(dwhi_pins *p);
/* The pinned digest of `name`, or NULL when not pinned. */
const char *dwhi_pins_find(const dwhi_pins *p, const char *name);
/* NULL when `sha256` is the pin of `name`, else a malloc'd rejection line
 * and *reason (DWH_REJECT_UNPINNED or DWH_REJECT_PIN_MISMATCH). */
char *dwhi_pins_verdict(const dwhi_pins *pins, const char *name, const char *sha256, dwh_reject_reason *reason);

/* ---- loader.c ----------------------------------------------------------- */
/* Loads and checks `path`; `expected_name` is <name> from its file name.
 * Before mapping it, the open file must be trusted (trust.c) and, when
 * `pins` is not NULL, match its pin.
 * Returns a plugin with one reference, or NULL with *rej filled (caller
 * frees with dwhi_rejection_clear()). */
dwh_plugin *dwhi_loader_open(const char *path, const char *expected_name, const dwhi_pins *pins,
                             dwh_rejection *rej);
/* Unloads the file and frees the plugin struct (not the normalised
 * descriptor: see dwhi_plugin_destroy). */
void dwhi_loader_close(dwh_plugin *p);

/* ---- plugin.c ----------------------------------------------------------- */
/* Frees a plugin whose last reference is gone (fini, dlclose). */
void dwhi_plugin_destroy(dwh_plugin *p);

/* ---- rejection.c -------------------------------------------------------- */
void dwhi_rejection_clear(dwh_rejection *r);
/* Deep copy; returns 0 or -1 on OOM. */
int dwhi_rejection_copy(dwh_rejection *dst, const dwh_rejection *src);
/* Sets a rejection: copies path (and shadowed_by), takes ownership of the
 * malloc'd `message`.  A NULL message (OOM) becomes a fixed text. */
void dwhi_rejection_set(dwh_rejection *r, const char *path, dwh_reject_reason reason, char *message);

/* asprintf that returns NULL on failure. */

#endif
