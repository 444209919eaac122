/* trust.c -- who may have written a plugin: the file and the directories
 * holding it must be writable by their owner only, and owned by the
 * running user or root.  Otherwise anyone else who can write there could
 * put code into this process. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry_int.h"

char *dwhi_trust_stat(const char *what, const char *path, const struct stat *st) {
    if (st->st_mode & (S_IWGRP | S_IWOTH))
        return dwhi_strf("untrusted: %s %s is writable by %s (mode %04o); run 'chmod go-w %s'", what, path,
                         (st->st_mode & S_IWGRP) && (st->st_mode & S_IWOTH) ? "group and others"
                         : (st->st_mode & S_IWGRP)                         ? "group"
                                                                           : "others",
                         (unsigned)(st->st_mode & 07777), path);
    uid_t me = geteuid();
    if (st->st_uid != me && st->st_uid != 0)
        return dwhi_strf("untrusted: %s %s is owned by uid %u, not by the running user (uid %u) or root; "
                         "run 'chown %u %s' or install it as root",
                         what, path, (unsigned)st->st_uid, (unsigned)me, (unsigned)me, path);
    return NULL;
}

/* Checks the directory holding `file` (a path name; not resolved). */
static char *check_parent(const char *file) {
    char *copy = strdup(file);
    if (!copy) return strdup("untrusted: out of memory checking its directory");
    const char *dir = dirname(copy);
    struct stat st;
    char *why = NULL;
    if (stat(dir, &st) != 0)
        why = dwhi_strf("untrusted: cannot check its directory %s: %s", dir, strerror(errno));
    else why = dwhi_trust_stat("its directory", dir, &st);
    free(copy);
    return why;
}

char *dwhi_trust_dirs(const char *path) {
    char *why = check_parent(path);
    if (why) return why;
    struct stat lst;
    if (lstat(path, &lst) != 0 || !S_ISLNK(lst.st_mode)) return NULL;
    /* A symlinked plugin: the file loaded is the target (its mode and owner
     * come from the open fd), so the directory holding the target must be
     * trusted too. */
    char real[PATH_MAX];
    if (!realpath(path, real))
        return dwhi_strf("untrusted: cannot resolve the symlink: %s", strerror(errno));
    return check_parent(real);
}
