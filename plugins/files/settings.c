/*
 * settings.c -- the files source's catalog: which files make up which
 * schema (the endpoint catalog of an API source).  Without a "tables"
 * config every file of a known format in the directory is its own schema,
 * named after its stem; with it, each name=pattern line is a schema of the
 * matching files.  Files are always read in name order.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"

/* Checks that `dir` is a readable directory; fails with a message naming
 * it and what to do. */
static dw_status check_dir(dw_ctx *ctx, const char *dir) {
    struct stat st;
    if (stat(dir, &st) != 0) {
        if (errno == EACCES)
            return files_api->fail(ctx, DW_ERR_FORBIDDEN,
                                   "directory '%s' cannot be reached (permission denied on a parent folder)", dir);
        return files_api->fail(ctx, DW_ERR_NOT_FOUND, "directory '%s' does not exist: create it or fix 'directory'",
                               dir);
    }
    if (!S_ISDIR(st.st_mode))
        return files_api->fail(ctx, DW_ERR_NOT_FOUND, "'%s' is not a directory: set 'directory' to a folder", dir);
    if (access(dir, R_OK | X_OK) != 0)
        return files_api->fail(ctx, DW_ERR_FORBIDDEN,
                               "directory '%s' is not readable (permission denied): give the user running dwhost "
                               "read and execute permission",
                               dir);
    return DW_OK;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Regular files of `dir` (hidden ones skipped), sorted; NULL-terminated. */
static dw_status list_dir(dw_ctx *ctx, const char *dir, char ***out, size_t *n_out) {
    *out = NULL;
    *n_out = 0;
    DIR *d = opendir(dir);
    if (!d)
        return files_api->fail(ctx, errno == EACCES ? DW_ERR_FORBIDDEN : DW_ERR_NOT_FOUND,
                               "cannot open directory '%s': %s", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    dw_status st = DW_OK;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char *path = NULL;
        struct stat sb;
        if (asprintf(&path, "%s/%s", dir, e->d_name) < 0) {
            st = files_api->fail(ctx, DW_ERR_NOMEM, "out of memory");
            break;
        }
        int regular = stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
        free(path);
        if (!regular) continue;
        if (n + 2 > cap) {
            cap = cap ? cap * 2 : 16;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) {
                st = files_api->fail(ctx, DW_ERR_NOMEM, "out of memory");
                break;
            }
            names = nn;
        }
        if (!(names[n] = strdup(e->d_name))) {
            st = files_api->fail(ctx, DW_ERR_NOMEM, "out of memory");
            break;
        }
        names[++n] = NULL;
    }
    closedir(d);
    if (st != DW_OK) {
        for (size_t i = 0; i < n; i++) free(names[i]);
        free(names);
        return st;
    }
    if (n) qsort(names, n, sizeof *names, by_name);
    *out = names;
    *n_out = n;
    return DW_OK;
}

static void free_names(char **names) {
    for (size_t i = 0; names && names[i]; i++) free(names[i]);
    free(names);
}

static int add_table(files_tables *t, char *name, char *label, char *pattern, char **files, size_t n_files) {
    files_table *items = realloc(t->items, (t->n + 1) * sizeof *items);
    if (!items || !name || !label || !files) {
        if (items) t->items = items;
        free(name);
        free(label);
        free(pattern);
        free_names(files);
        return -1;
    }
    t->items = items;
    t->items[t->n++] = (files_table){name, label, pattern, files, n_files};
    return 0;
}

/* The stem of a file name ("customers.csv" -> "customers"), malloc'd. */
static char *stem(const char *name) {
    const char *dot = strrchr(name, '.');
    return strndup(name, dot && dot != name ? (size_t)(dot - name) : strlen(name));
}

static dw_status default_tables(dw_ctx *ctx, char **names, size_t n, files_tables *out) {
    for (size_t i = 0; i < n; i++) {
        if (!files_format_of(names[i])) continue;
        char *s = stem(names[i]);
        if (!s) return files_api->fail(ctx, DW_ERR_NOMEM, "out of memory");
        /* Two files with one stem (orders.csv, orders.json): both keep
         * their extension in the name so neither hides the other. */
        int clash = 0;
        for (size_t j = 0; j < n && !clash; j++) {
            if (j == i || !files_format_of(names[j])) continue;
            char *o = stem(names[j]);
            clash = o && !strcmp(o, s);
            free(o);
        }
        if (clash) {
            free(s);
            s = strdup(names[i]);
            if (s)
                for (char *p = s; *p; p++)
                    if (*p == '.') *p = '_';
        }
        char **files = calloc(2, sizeof *files);
        char *f0 = strdup(names[i]);
        if (!files || !f0 || !s) {
            free(files);
            free(f0);
            free(s);
            return files_api->fail(ctx, DW_ERR_NOMEM, "out of memory");
        }
        files[0] = f0;
        if (add_table(out, s, strdup(names[i]), NULL, files, 1) != 0)
            return files_api->fail(ctx, DW_ERR_NOMEM, "out of memory");
    }
    return DW_OK;
}

static dw_status pattern_tables(dw_ctx *ctx, const files_opts *o, char **names, size_t n, files_tables *out) {
    for (size_t t = 0; t < o->n_tables; t++) {
        char **files = calloc(n + 1, sizeof *files);
        size_t k = 0;
        if (!files) return files_api->fail(ctx, DW_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
            if (fnmatch(o->tables[t].pattern, names[i], FNM_PERIOD) != 0) continue;
            if (!(files[k++] = strdup(names[i]))) {
                free_names(files);
                return files_api->fail(ctx, DW_ERR_NOMEM, "out of memory");
            }
        }
        if (add_table(out, strdup(o->tables[t].name), strdup(o->tables[t].pattern), strdup(o->tables[t].pattern),
                      files, k) != 0)
            return files_api->fail(ctx, DW_ERR_NOMEM, "out of memory");
    }
    return DW_OK;
}

dw_status files_tables_load(dw_ctx *ctx, const files_opts *o, files_tables *out) {
    memset(out, 0, sizeof *out);
    dw_status st = check_dir(ctx, o->directory);
    if (st != DW_OK) return st;
    char **names = NULL;
    size_t n = 0;
    st = list_dir(ctx, o->directory, &names, &n);
    if (st != DW_OK) return st;
    st = o->n_tables ? pattern_tables(ctx, o, names, n, out) : default_tables(ctx, names, n, out);
    free_names(names);
    return st;
}

void files_tables_free(files_tables *t) {
    for (size_t i = 0; i < t->n; i++) {
        free(t->items[i].name);
        free(t->items[i].label);
        free(t->items[i].pattern);
        free_names(t->items[i].files);
    }
    free(t->items);
    memset(t, 0, sizeof *t);
}

const files_table *files_tables_find(const files_tables *t, const char *name) {
    for (size_t i = 0; name && i < t->n; i++)
        if (!strcmp(t->items[i].name, name)) return &t->items[i];
    return NULL;
}

char *files_tables_names(const files_tables *t) {
    size_t len = 1;
    for (size_t i = 0; i < t->n; i++) len += strlen(t->items[i].name) + 2;
    char *s = malloc(len);
    if (!s) return NULL;
    s[0] = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (i) strcat(s, ", ");
        strcat(s, t->items[i].name);
    }
    return s;
}
