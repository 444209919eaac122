/*
 * gen_config_main.c -- dwhost-gen-config: writes <name>_config.h/.c for
 * built plugins, from the normalised field tree the registry reads out of
 * libsource_<name>.so (no plugin code runs).
 *
 *   dwhost-gen-config [--plugin-dir DIR]... [--plugin FILE]... [--out DIR] [--check] NAME...
 *
 * --check compares instead of writing and fails naming each stale file.
 * Exit: 0 ok, 1 stale or unwritable, 2 usage, 3 plugin not found/rejected.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_config_emit.h"
#include "registry/registry.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: dwhost-gen-config [--plugin-dir DIR]... [--plugin FILE]... [--out DIR] [--check] NAME...\n\n"
            "Writes NAME_config.h and NAME_config.c (a typed config struct and its binder) into\n"
            "DIR (default: the working directory) from the fields of the built plugin\n"
            "libsource_NAME.so, found in each --plugin-dir, then DWHOST_PLUGIN_PATH, then the\n"
            "installed default; --plugin FILE loads one file first.  Files are rewritten only\n"
            "when their content changes.\n\n"
            "  --check   write nothing; exit 1 naming every file that is missing or differs\n\n"
            "exit status: 0 ok, 1 stale (--check) or not writable, 2 usage, 3 plugin not found.\n");
}

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t cap = 0;
    FILE *m = open_memstream(&buf, &cap);
    char chunk[8192];
    size_t n;
    while (m && (n = fread(chunk, 1, sizeof chunk, f)) > 0) fwrite(chunk, 1, n, m);
    fclose(f);
    if (!m) return NULL;
    fclose(m);
    *len = cap;
    return buf;
}

/* 0 same, 1 differs or missing. */
static int differs(const char *path, const char *text, size_t len) {
    size_t have_len = 0;
    char *have = slurp(path, &have_len);
    int d = !have || have_len != len || memcmp(have, text, len) != 0;
    free(have);
    return d;
}

static int write_if_changed(const char *path, const char *text, size_t len) {
    if (!differs(path, text, len)) return 0;
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "dwhost-gen-config: cannot write %s: %s\n", tmp, strerror(errno));
        remove(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        fprintf(stderr, "dwhost-gen-config: cannot replace %s: %s\n", path, strerror(errno));
        remove(tmp);
        return -1;
    }
    printf("wrote %s\n", path);
    return 0;
}

static int generate(dwhi_registry *r, const char *name, const char *out_dir, int check) {
    dwh_plugin *p = dwhi_registry_find(r, name);
    if (!p) {
        size_t n = 0;
        dwh_rejection *rej = dwhi_registry_rejections(r, &n);
        int said = 0;
        for (size_t i = 0; i < n; i++) {
            char *rn = dwhi_plugin_name_from_path(rej[i].path);
            if (rn && !strcmp(rn, name) && rej[i].reason != DWH_REJECT_SHADOWED) {
                fprintf(stderr, "dwhost-gen-config: %s: %s\n", rej[i].path, rej[i].message);
                said = 1;
            }
            free(rn);
        }
        dwh_rejections_free(rej, n);
        if (!said)
            fprintf(stderr, "dwhost-gen-config: no plugin named '%s' found; build it and pass --plugin-dir "
                            "with the directory holding libsource_%s.so\n", name, name);
        return 3;
    }
    char *hbuf = NULL, *cbuf = NULL;
    size_t hlen = 0, clen = 0;
    FILE *h = open_memstream(&hbuf, &hlen), *c = open_memstream(&cbuf, &clen);
    char err[256] = "";
    int rc = (h && c) ? gcfg_emit(dwh_plugin_source(p), name, h, c, err, sizeof err) : -1;
    if (h) fclose(h);
    if (c) fclose(c);
    dwh_plugin_unref(p);
    if (rc != 0) {
        fprintf(stderr, "dwhost-gen-config: %s: %s\n", name, err[0] ? err : "out of memory");
        free(hbuf);
        free(cbuf);
        return 1;
    }
    char hpath[4096], cpath[4096];
    snprintf(hpath, sizeof hpath, "%s/%s_config.h", out_dir, name);
    snprintf(cpath, sizeof cpath, "%s/%s_config.c", out_dir, name);
    int status = 0;
    if (check) {
        const char *paths[2] = {hpath, cpath};
        const char *texts[2] = {hbuf, cbuf};
        size_t lens[2] = {hlen, clen};
        for (int i = 0; i < 2; i++)
            if (differs(paths[i], texts[i], lens[i])) {
                fprintf(stderr, "dwhost-gen-config: %s is stale or missing; regenerate it with: tools/gen-config %s\n",
                        paths[i], name);
                status = 1;
            }
    } else if (write_if_changed(hpath, hbuf, hlen) != 0 || write_if_changed(cpath, cbuf, clen) != 0) {
        status = 1;
    }
    free(hbuf);
    free(cbuf);
    return status;
}

int main(int argc, char **argv) {
    const char **dirs = calloc((size_t)argc, sizeof *dirs);
    const char **files = calloc((size_t)argc, sizeof *files);
    const char **names = calloc((size_t)argc, sizeof *names);
    size_t nd = 0, nf = 0, nn = 0;
    const char *out_dir = ".";
    int check = 0, rc = 0;
    if (!dirs || !files || !names) return 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            goto done;
        } else if (!strcmp(a, "--check")) {
            check = 1;
        } else if (!strcmp(a, "--plugin-dir") || !strcmp(a, "--plugin") || !strcmp(a, "--out")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "dwhost-gen-config: %s needs a value; run with --help\n", a);
                rc = 2;
                goto done;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "--plugin-dir")) dirs[nd++] = v;
            else if (!strcmp(a, "--plugin")) files[nf++] = v;
            else out_dir = v;
        } else if (a[0] == '-') {
            fprintf(stderr, "dwhost-gen-config: unknown option '%s'; run with --help\n", a);
            rc = 2;
            goto done;
        } else {
            names[nn++] = a;
        }
    }
    if (nn == 0) {
        usage(stderr);
        rc = 2;
        goto done;
    }
    dwhi_registry *r = dwhi_registry_new();
    char **search = dwhi_plugin_dirs(dirs, nd);
    if (!r || !search) {
        fprintf(stderr, "dwhost-gen-config: out of memory\n");
        rc = 1;
    } else {
        dwhi_registry_scan(r, (const char *const *)search, dwhi_dirs_count(search));
        for (size_t i = 0; i < nf; i++) {
            char *err = NULL;
            if (dwhi_registry_add_file(r, files[i], &err) != 0) {
                fprintf(stderr, "dwhost-gen-config: %s: %s\n", files[i], err ? err : "rejected");
                rc = 3;
            }
            free(err);
        }
        for (size_t i = 0; i < nn && rc != 3; i++) {
            int g = generate(r, names[i], out_dir, check);
            if (g > rc) rc = g;
        }
    }
    dwhi_dirs_free(search);
    dwhi_registry_free(r);
done:
    free(dirs);
    free(files);
    free(names);
    return rc;
}
