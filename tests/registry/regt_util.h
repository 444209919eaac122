/* regt_util.h -- file helpers for the registry tests: temporary plugin
 * directories assembled from the test plugins built in REGT_DIR. */
#ifndef REGT_UTIL_H
#define REGT_UTIL_H

#include <stddef.h>

/* A new empty temporary directory (malloc'd path); aborts on failure. */
char *regt_tmpdir(void);
/* Removes a directory tree made by the tests and frees `dir`. */
void regt_rmdir(char *dir);
/* Copies REGT_DIR/libsource_<name>.so to <dir>/<as> (as: file name, NULL
 * = the same name) through a temporary file and rename(), so the target
 * gets a new inode as an installer would.  Returns the malloc'd path. */
char *regt_install(const char *dir, const char *name, const char *as);
/* Writes `len` bytes of `data` to <dir>/<file>; returns the malloc'd path. */
char *regt_write(const char *dir, const char *file, const void *data, size_t len);
/* Copies the first half of REGT_DIR/libsource_<name>.so to <dir>/<as>. */
char *regt_truncated(const char *dir, const char *name, const char *as);
/* Reads a whole file (malloc'd, NUL-terminated); NULL when missing. */
char *regt_read(const char *path, size_t *len);
/* Replaces every occurrence of `from` by `to` (same length) in a file. */
void regt_patch(const char *path, const char *from, const char *to);

#endif
