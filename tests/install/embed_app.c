/* embed_app.c -- a tiny program embedding dwhost, built out of tree
 * against an installed dwhost (pkg-config dwhost / find_package(dwhost)).
 *   embed_app DATA_DIR [PLUGIN_DIR]
 * Without PLUGIN_DIR it relies on the installed default plugin directory.
 * Reads the files source's "customers" schema from DATA_DIR and prints
 * "files <plugin path>: <n> rows"; exits 3 when no files plugin is found,
 * 1 when the read fails. */
#include <stdio.h>
#include <stdlib.h>

#include <dwhost.h>

static int count_row(void *user, const char *row_json, size_t len) {
    (void)row_json, (void)len;
    ++*(long *)user;
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: embed_app DATA_DIR [PLUGIN_DIR]\n");
        return 2;
    }
    const char *dirs[] = {argc > 2 ? argv[2] : NULL};
    dwh_host_options o = {.plugin_dirs = dirs, .n_plugin_dirs = argc > 2 ? 1 : 0, .flags = DWH_HOST_NO_ENV_PATH};
    dwh_host *h = dwh_host_new(&o);
    dwh_host_set_log_sink(h, NULL, NULL, DW_LOG_WARN);
    dwh_plugin *p = dwh_host_find(h, "files");
    if (!p) {
        const char *const *searched = dwh_host_plugin_dirs(h);
        fprintf(stderr, "embed_app: no files plugin (searched: %s)\n", searched && searched[0] ? searched[0] : "-");
        dwh_host_free(h);
        return 3;
    }
    char config[4096];
    snprintf(config, sizeof config, "{\"directory\": \"%s\"}", argv[1]);
    long rows = 0;
    dwh_read_options ro = {.schema = "customers", .row = count_row, .user = &rows};
    char *err = NULL;
    dw_status st = dwh_read(p, config, NULL, &ro, NULL, NULL, &err);
    if (st != DW_OK) fprintf(stderr, "embed_app: %s\n", err ? err : "read failed");
    else printf("files %s: %ld rows\n", dwh_plugin_path(p), rows);
    free(err);
    dwh_plugin_unref(p);
    dwh_host_free(h);
    return st == DW_OK ? 0 : 1;
}
