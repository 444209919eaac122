/* loader.c -- opens one libsource_<name>.so and runs the checks, in the
 * documented order, each with its own message.  A rejected file is
 * unloaded before returning. */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crash/plugin_guard.h"
#include "registry_int.h"

char *dwhi_elf_truncation(int fd, off_t file_size);

int dwhi_file_id_equal(const dwhi_file_id *a, const dwhi_file_id *b) {
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
           a->mtime.tv_nsec == b->mtime.tv_nsec;
}

/*
 * Which name to dlopen a file under.  glibc returns an already loaded
 * object when the name matches, so a file replaced at the same path while
 * the old version is still in use would silently give the old code.  We
 * remember which file (dev, inode) each path was loaded from; when the
 * path is taken by another version, the new one is opened as
 * /proc/self/fd/N (N stays open, and so unique, while it is mapped).
 * Otherwise the real path is used, so $ORIGIN and error messages work.
 */
typedef struct path_use {
    char *path;
    dev_t dev;
    ino_t ino;
    unsigned count;
} path_use;
static path_use *uses;
static size_t n_uses;
static pthread_mutex_t uses_lock = PTHREAD_MUTEX_INITIALIZER;

/* Returns 1 (already in use by this file) or 2 (first use) when `path`
 * may be dlopened by name for file (dev, ino) and records the use
 * (release with path_release); 0 when the name is taken by another
 * version; -1 on OOM. */
static int path_acquire(const char *path, dev_t dev, ino_t ino) {
    int rc = 1;
    pthread_mutex_lock(&uses_lock);
    size_t i;
    for (i = 0; i < n_uses; i++)
        if (!strcmp(uses[i].path, path)) break;
    if (i < n_uses) {
        if (uses[i].dev == dev && uses[i].ino == ino) uses[i].count++;
        else rc = 0;
    } else {
        path_use *grown = realloc(uses, (n_uses + 1) * sizeof *uses);
        char *copy = strdup(path);
        if (!grown || !copy) {
            free(copy);
            if (grown) uses = grown;
            rc = -1;
        } else {
            uses = grown;
            uses[n_uses++] = (path_use){copy, dev, ino, 1};
            rc = 2;
        }
    }
    pthread_mutex_unlock(&uses_lock);
    return rc;
}

static void path_release(const char *path, dev_t dev, ino_t ino) {
    pthread_mutex_lock(&uses_lock);
    for (size_t i = 0; i < n_uses; i++) {
        if (strcmp(uses[i].path, path) != 0 || uses[i].dev != dev || uses[i].ino != ino) continue;
        if (--uses[i].count == 0) {
            free(uses[i].path);
            uses[i] = uses[--n_uses];
            if (n_uses == 0) {
                free(uses);
                uses = NULL;
            }
        }
        break;
    }
    pthread_mutex_unlock(&uses_lock);
}

/* dlerror() text without the name we opened, which the caller prints. */
static char *clean_dlerror(const char *opened_as) {
    const char *e = dlerror();
    if (!e) e = "unknown dlopen error";
    size_t n = strlen(opened_as);
    if (!strncmp(e, opened_as, n) && !strncmp(e + n, ": ", 2)) e += n + 2;
    return strdup(e);
}

/* Closes what a half-loaded plugin holds (before it has a refcount). */
static void unload(dwh_plugin *p) {
    if (p->handle) {
        /* dlclose runs the plugin's destructors */
        dwhi_guard g;
        dwhi_guard_enter(&g, p->name, p->path, "unload", NULL);
        dlclose(p->handle);
        dwhi_guard_leave(&g);
    }
    if (p->fd >= 0) close(p->fd);
    if (p->by_path) path_release(p->path, p->id.dev, p->id.ino);
    free(p->path);
    free(p->name);
    free(p);
}

void dwhi_loader_close(dwh_plugin *p) { unload(p); }

static dwh_plugin *reject(dwh_plugin *p, dwh_rejection *rej, const char *path, dwh_reject_reason reason,
                          char *message) {
    dwhi_rejection_set(rej, path, reason, message);
    if (p) unload(p);
    return NULL;
}

static char *version_hint_major(unsigned major, unsigned minor) {
    return dwhi_strf("built for plugin ABI %u.%u, this host speaks ABI %d.%d (majors differ); "
                    "rebuild the plugin against the host's dwsdk.h",
                    major, minor, DW_ABI_MAJOR, DW_ABI_MINOR);
}

dwh_plugin *dwhi_loader_open(const char *path, const char *expected_name, const dwhi_pins *pins,
                             dwh_rejection *rej) {
    dwh_plugin *p = calloc(1, sizeof *p);
    if (!p) return reject(NULL, rej, path, DWH_REJECT_NOT_LOADABLE, NULL);
    p->fd = -1;
    p->path = strdup(path);
    p->name = strdup(expected_name);
    if (!p->path || !p->name) return reject(p, rej, path, DWH_REJECT_NOT_LOADABLE, NULL);

    /* 1. loadable */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        struct stat lst;
        char target[PATH_MAX];
        ssize_t tn = -1;
        /* A dangling symlink (a plugin uninstalled under its link): say so,
         * not "No such file or directory; check the permissions". */
        if (err == ENOENT && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode) &&
            (tn = readlink(path, target, sizeof target - 1)) >= 0) {
            target[tn] = 0;
            return reject(p, rej, path, DWH_REJECT_NOT_LOADABLE,
                          dwhi_strf("not loadable: broken symlink to %s; reinstall the plugin or remove the link",
                                   target));
        }
        return reject(p, rej, path, DWH_REJECT_NOT_LOADABLE,
                      dwhi_strf("not loadable: cannot open: %s; check the file's permissions", strerror(err)));
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return reject(p, rej, path, DWH_REJECT_NOT_LOADABLE,
                      strdup("not loadable: not a regular file; remove it from the plugin directory"));
    }
    p->id = (dwhi_file_id){st.st_dev, st.st_ino, st.st_size, st.st_mtim};
    /* 0. trust and pin, judged on the open file (fstat, and sha256 read
     * through the same fd) before any of its code is mapped. */
    char *why0 = dwhi_trust_stat("the file", path, &st);
    if (!why0) why0 = dwhi_trust_dirs(path);
    if (why0) {
        close(fd);
        return reject(p, rej, path, DWH_REJECT_UNTRUSTED, why0);
    }
    if (dwhi_sha256_fd(fd, p->sha256) != 0) {
        int err = errno;
        close(fd);
        return reject(p, rej, path, DWH_REJECT_NOT_LOADABLE,
                      dwhi_strf("not loadable: cannot read it: %s; check the file", strerror(err)));
    }
    if (pins) {
        dwh_reject_reason pin_reason = DWH_REJECT_NONE;
        why0 = dwhi_pins_verdict(pins, expected_name, p->sha256, &pin_reason);
        if (why0) {
            close(fd);
            return reject(p, rej, path, pin_reason, why0);
        }
    }
    char *trunc = dwhi_elf_truncation(fd, st.st_size);
    if (trunc) {
        close(fd);
        return reject(p, rej, path, DWH_REJECT_NOT_LOADABLE, trunc);
    }
    char opened_as[64];
    const char *name = path;
    int by_path = path_acquire(path, st.st_dev, st.st_ino);
    if (by_path < 0) {
        close(fd);
        return reject(p, rej, path, DWH_REJECT_NOT_LOADABLE, NULL);
    }
    if (by_path == 2) {
        /* First use of the name by us.  An object under this name that we did not record (one dlclose
         * could not unload, or the application's own): do not trust the
         * name. */
        void *stale = dlopen(path, RTLD_LAZY | RTLD_NOLOAD);
        if (stale) {
            dlclose(stale);
            path_release(path, st.st_dev, st.st_ino);
            by_path = 0;
        }
    }
    if (by_path) {
        p->by_path = 1;
        close(fd); /* the use record, not the fd, now marks the path */
    } else {
        p->fd = fd;
        snprintf(opened_as, sizeof opened_as, "/proc/self/fd/%d", fd);
        name = opened_as;
    }
    /* dlopen runs the plugin's constructors: plugin code, guarded. */
    dwhi_guard g;
    dwhi_guard_enter(&g, p->name, p->path, "load", NULL);
    p->handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    dwhi_guard_leave(&g);
    if (!p->handle) {
        char *e = clean_dlerror(name);
        /* A symbol nothing defines: built without -Wl,--no-undefined, which
         * would have named it at link time (Rust, C++ and C alike). */
        char *msg = e && strstr(e, "undefined symbol")
                        ? dwhi_strf("not loadable: %s; link the plugin with every library it uses and build it with "
                                    "-Wl,--no-undefined so the linker names what is missing",
                                    e)
                        : dwhi_strf("not loadable: %s; rebuild it as a shared object for this platform", e ? e : "?");
        free(e);
        return reject(p, rej, path, DWH_REJECT_NOT_LOADABLE, msg);
    }

    /* 2. entry point */
    dlerror();
    const dw_source *raw = dlsym(p->handle, DW_ENTRY_SYMBOL);
    if (!raw)
        return reject(p, rej, path, DWH_REJECT_NO_ENTRY,
                      strdup("no '" DW_ENTRY_SYMBOL "' entry point; export the descriptor as "
                             "'DW_EXPORT const dw_source " DW_ENTRY_SYMBOL " = { DW_SOURCE_HEADER, ... }'"));
    dwhi_image im;
    if (dwhi_image_load(&im, p->handle) != 0 || !dwhi_image_has(&im, raw, sizeof raw->magic, PF_R))
        return reject(p, rej, path, DWH_REJECT_NO_ENTRY,
                      strdup("the '" DW_ENTRY_SYMBOL "' symbol it resolves is not defined in this file; "
                             "define the descriptor in the plugin itself"));

    /* 3. magic */
    uint32_t magic;
    memcpy(&magic, &raw->magic, sizeof magic);
    if (magic != DW_MAGIC)
        return reject(p, rej, path, DWH_REJECT_BAD_MAGIC,
                      dwhi_strf("bad magic 0x%08x in " DW_ENTRY_SYMBOL " (expected 0x%08x); start the descriptor "
                               "with DW_SOURCE_HEADER",
                               magic, DW_MAGIC));

    /* 4-5. ABI version (the header is 16 bytes) */
    const size_t header = offsetof(dw_source, name);
    if (!dwhi_image_has(&im, raw, header, PF_R))
        return reject(p, rej, path, DWH_REJECT_STRUCT_SIZE,
                      strdup("the descriptor is shorter than its 16-byte header; start it with DW_SOURCE_HEADER"));
    dw_source hdr;
    memset(&hdr, 0, sizeof hdr);
    memcpy(&hdr, raw, header);
    p->abi_major = hdr.abi_major;
    p->abi_minor = hdr.abi_minor;
    if (hdr.abi_major != DW_ABI_MAJOR)
        return reject(p, rej, path, DWH_REJECT_ABI_MAJOR, version_hint_major(hdr.abi_major, hdr.abi_minor));
    if (hdr.abi_minor > DW_ABI_MINOR)
        return reject(p, rej, path, DWH_REJECT_ABI_MINOR,
                      dwhi_strf("built for plugin ABI %u.%u, newer than this host's %d.%d; upgrade dwhost or "
                               "build the plugin against an older SDK",
                               hdr.abi_major, hdr.abi_minor, DW_ABI_MAJOR, DW_ABI_MINOR));

    /* 6. struct sizes (a plugin built for 1.7 or older has the 1.0 sizes
     * of dw_source and dw_field: anything longer is not a descriptor of
     * its version, and 1.8 members must not be read from it) */
    size_t source_max = hdr.abi_minor < 8 ? DWHI_SOURCE_SIZE_1_0 : sizeof(dw_source);
    size_t field_max = hdr.abi_minor < 8 ? DWHI_FIELD_SIZE_1_0 : sizeof(dw_field);
    if (hdr.struct_size < DWHI_SOURCE_SIZE_1_0 || hdr.struct_size > source_max ||
        hdr.field_size < DWHI_FIELD_SIZE_1_0 || hdr.field_size > field_max ||
        hdr.option_size < DWHI_OPTION_SIZE_1_0 || hdr.option_size > sizeof(dw_select_option))
        return reject(p, rej, path, DWH_REJECT_STRUCT_SIZE,
                      dwhi_strf("impossible struct sizes for ABI %u.%u: struct_size %u (expected %u..%zu), "
                               "field_size %u (expected %u..%zu), option_size %u (expected %u..%zu); "
                               "fill the header with DW_SOURCE_HEADER",
                               hdr.abi_major, hdr.abi_minor, hdr.struct_size, DWHI_SOURCE_SIZE_1_0, source_max,
                               hdr.field_size, DWHI_FIELD_SIZE_1_0, field_max, hdr.option_size,
                               DWHI_OPTION_SIZE_1_0, sizeof(dw_select_option)));
    Dl_info info;
    const ElfW(Sym) *sym = NULL;
    size_t sym_size = 0;
    if (dladdr1(raw, &info, (void **)&sym, RTLD_DL_SYMENT) && sym) sym_size = sym->st_size;
    if ((sym_size && sym_size < hdr.struct_size) || !dwhi_image_has(&im, raw, hdr.struct_size, PF_R))
        return reject(p, rej, path, DWH_REJECT_STRUCT_SIZE,
                      dwhi_strf("struct_size says %u bytes but the exported " DW_ENTRY_SYMBOL " has %zu; "
                               "declare it as a dw_source and fill the header with DW_SOURCE_HEADER",
                               hdr.struct_size, sym_size));
    dw_source d;
    memset(&d, 0, sizeof d);
    memcpy(&d, raw, hdr.struct_size);

    /* 7. metadata */
    char *why = dwhi_check_metadata(&im, &d);
    if (why) return reject(p, rej, path, DWH_REJECT_METADATA, why);

    /* 8. name = file name */
    if (strcmp(d.name, expected_name) != 0)
        return reject(p, rej, path, DWH_REJECT_NAME_MISMATCH,
                      dwhi_strf("source name '%s' does not match the file name (expected libsource_%s.so); rename "
                               "the file or the source",
                               d.name, d.name));

    /* 9. field tree */
    why = dwhi_check_fields(&im, &d);
    if (why) return reject(p, rej, path, DWH_REJECT_FIELDS, why);

    /* 10. actions (1.8) */
    why = dwhi_check_actions(&im, &d);
    if (why) return reject(p, rej, path, DWH_REJECT_ACTIONS, why);

    if (dwhi_normalize(&p->src, raw) != 0) {
        dwhi_normalized_free(&p->src);
        return reject(p, rej, path, DWH_REJECT_NOT_LOADABLE, NULL);
    }
    /* 11. the fields' options actions name declared actions (on the copy:
     * both trees are checked by now) */
    why = dwhi_check_options_actions(&p->src);
    if (why) {
        dwhi_normalized_free(&p->src);
        return reject(p, rej, path, DWH_REJECT_FIELDS, why);
    }
    atomic_init(&p->refs, 1);
    pthread_mutex_init(&p->lock, NULL);
    return p;
}
