/* default_dir.c -- the installed default plugin directory, found at run
 * time so an installation moved with `cmake --install --prefix P` (or
 * copied elsewhere) finds its own plugins:
 *   - code running from libdwhost.so:  <dir of libdwhost.so>/dwhost/plugins
 *   - a program in <prefix>/<bindir> linking libdwhost statically (the
 *     dwhost CLI):                     <prefix>/<libdir>/dwhost/plugins
 *   - a program in the root of a dwhost build tree (build/dwhost):
 *                                      <build>/plugins, where the build
 *     puts every plugin it builds.  The marker of a build tree is the file
 *     DWHI_BUILD_TREE_MARKER next to the executable, which the build writes
 *     and `cmake --install` never installs, so an installed dwhost never
 *     takes this path.
 * A derived directory is used only when it exists; otherwise (an unusual
 * layout) the directory configured at build time. */
#include <dlfcn.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "registry_int.h"

#ifndef DWHOST_DEFAULT_PLUGIN_DIR
#define DWHOST_DEFAULT_PLUGIN_DIR "/usr/local/lib/dwhost/plugins"
#endif
#ifndef DWHOST_INSTALL_LIBDIR
#define DWHOST_INSTALL_LIBDIR "lib"
#endif
#ifndef DWHOST_INSTALL_BINDIR
#define DWHOST_INSTALL_BINDIR "bin"
#endif

static int is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* <dir of the executable>/plugins when the executable sits in the root of
 * a dwhost build tree (the marker file is beside it). */
static char *from_build_tree(void) {
    char exe[PATH_MAX];
    if (!realpath("/proc/self/exe", exe)) return NULL;
    char *dir = dirname(exe);
    char *marker = NULL, *out = NULL;
    if (asprintf(&marker, "%s/%s", dir, DWHI_BUILD_TREE_MARKER) < 0) return NULL;
    struct stat st;
    int in_build_tree = stat(marker, &st) == 0 && S_ISREG(st.st_mode);
    free(marker);
    if (in_build_tree && asprintf(&out, "%s/plugins", dir) < 0) out = NULL;
    return out;
}

/* <dir of libdwhost.so>/dwhost/plugins when this code is in libdwhost.so. */
static char *from_library(void) {
    Dl_info info;
    if (!dladdr((void *)&dwhi_default_plugin_dir, &info) || !info.dli_fname) return NULL;
    const char *base = strrchr(info.dli_fname, '/');
    base = base ? base + 1 : info.dli_fname;
    if (strncmp(base, "libdwhost.so", strlen("libdwhost.so")) != 0) return NULL; /* linked statically */
    char real[PATH_MAX];
    if (!realpath(info.dli_fname, real)) return NULL;
    char *out = NULL;
    if (asprintf(&out, "%s/dwhost/plugins", dirname(real)) < 0) return NULL;
    return out;
}

/* <prefix>/<libdir>/dwhost/plugins for an executable in <prefix>/<bindir>. */
static char *from_executable(void) {
    if (DWHOST_INSTALL_LIBDIR[0] == '/') return NULL; /* an absolute libdir does not move */
    char exe[PATH_MAX];
    if (!realpath("/proc/self/exe", exe)) return NULL;
    char *bindir = dirname(exe); /* in place: exe now holds the directory */
    const char *want = strrchr(DWHOST_INSTALL_BINDIR, '/');
    want = want ? want + 1 : DWHOST_INSTALL_BINDIR;
    const char *have = strrchr(bindir, '/');
    if (!have || strcmp(have + 1, want) != 0) return NULL;
    char *out = NULL;
    if (asprintf(&out, "%.*s/%s/dwhost/plugins", (int)(have - bindir), bindir, DWHOST_INSTALL_LIBDIR) < 0)
        return NULL;
    return out;
}

char *dwhi_default_plugin_dir(void) {
    char *d = from_build_tree();
    if (d && !is_dir(d)) {
        free(d);
        d = NULL;
    }
    if (!d) d = from_library();
    if (!d) d = from_executable();
    if (d && is_dir(d)) return d;
    free(d);
    return strdup(DWHOST_DEFAULT_PLUGIN_DIR);
}
