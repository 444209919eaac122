/* cmd_list_plugins.c -- `dwhost list-plugins`: every plugin found, then
 * the files that were rejected or shadowed, with their reasons. */
#include <stdlib.h>
#include <string.h>

#include "cli_common.h"
#include "base/plugin_file.h"
#include "base/source_names.h"

static struct {
    int json, activate;
} A;

static const dwhi_cli_opt options[] = {
    DWHI_CLI_OPT_PLUGIN_DIR,
    DWHI_OPT_FLAG(0, "json", "print one JSON document {\"plugins\", \"rejected\", \"shadowed\", \"dirs\"}", &A.json),
    DWHI_OPT_FLAG(0, "activate", "also run each plugin's init; a failing init is listed as rejected", &A.activate),
    DWHI_OPT_HELP(),
    DWHI_OPT_END(),
};

static void caps_text(uint32_t caps, char *buf, size_t len) {
    buf[0] = '\0';
    for (int i = 0; i < DWHI_N_CAPABILITIES; i++) {
        if (!(caps & dwhi_capability_names[i].flag)) continue;
        if (buf[0]) strncat(buf, ",", len - strlen(buf) - 1);
        strncat(buf, dwhi_capability_names[i].name, len - strlen(buf) - 1);
    }
    if (!buf[0]) snprintf(buf, len, "-");
}

static json_object *plugin_json(const dwh_plugin *p) {
    const dw_source *s = dwh_plugin_source(p);
    unsigned major, minor;
    dwh_plugin_abi(p, &major, &minor);
    char abi[32];
    snprintf(abi, sizeof abi, "%u.%u", major, minor);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(dwh_plugin_name(p)));
    json_object_object_add(o, "label", s->label ? json_object_new_string(s->label) : NULL);
    json_object_object_add(o, "version", json_object_new_string(s->version));
    json_object_object_add(o, "abi", json_object_new_string(abi));
    json_object_object_add(o, "release_status", json_object_new_string(dwhi_release_status_name(s->release_status)));
    json_object_object_add(o, "unreleased", json_object_new_boolean(s->unreleased != 0));
    json_object_object_add(o, "capabilities", dwhi_capabilities_json(s->capabilities));
    json_object_object_add(o, "sha256", json_object_new_string(dwh_plugin_sha256(p)));
    json_object_object_add(o, "path", json_object_new_string(dwh_plugin_path(p)));
    return o;
}

static void print_table(dwh_plugin **list, size_t n) {
    const char *head[6] = {"NAME", "VERSION", "ABI", "RELEASE", "CAPABILITIES", "PATH"};
    size_t w[5];
    for (int c = 0; c < 5; c++) w[c] = strlen(head[c]);
    char (*abi)[32] = calloc(n ? n : 1, sizeof *abi);
    char (*caps)[64] = calloc(n ? n : 1, sizeof *caps);
    if (!abi || !caps) {
        free(abi);
        free(caps);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const dw_source *s = dwh_plugin_source(list[i]);
        unsigned major, minor;
        dwh_plugin_abi(list[i], &major, &minor);
        snprintf(abi[i], sizeof abi[i], "%u.%u", major, minor);
        caps_text(s->capabilities, caps[i], sizeof caps[i]);
        size_t len[5] = {strlen(dwh_plugin_name(list[i])), strlen(s->version), strlen(abi[i]),
                         strlen(dwhi_release_status_name(s->release_status)), strlen(caps[i])};
        for (int c = 0; c < 5; c++)
            if (len[c] > w[c]) w[c] = len[c];
    }
    /* SHA256 is always 64 hex digits: no width to compute. */
    printf("%-*s  %-*s  %-*s  %-*s  %-*s  %-64s  %s\n", (int)w[0], head[0], (int)w[1], head[1], (int)w[2],
           head[2], (int)w[3], head[3], (int)w[4], head[4], "SHA256", head[5]);
    for (size_t i = 0; i < n; i++) {
        const dw_source *s = dwh_plugin_source(list[i]);
        printf("%-*s  %-*s  %-*s  %-*s  %-*s  %-64s  %s\n", (int)w[0], dwh_plugin_name(list[i]), (int)w[1],
               s->version, (int)w[2], abi[i], (int)w[3], dwhi_release_status_name(s->release_status), (int)w[4],
               caps[i], dwh_plugin_sha256(list[i]), dwh_plugin_path(list[i]));
    }
    free(abi);
    free(caps);
}

static int run(const dwhi_cli_invocation *inv) {
    dwhi_cli_plugins pl = {0};
    int json = A.json, activate = A.activate;
    int rc = dwhi_cli_plugins_open(&pl);
    if (rc != DWHI_EXIT_OK) {
        dwhi_cli_plugins_close(&pl);
        return rc;
    }
    size_t n = 0, n_rej = 0;
    dwh_plugin **list = dwh_host_list(pl.host, &n);
    dwh_rejection *rej = dwh_host_rejections(pl.host, &n_rej);
    if (activate) {
        /* A plugin whose init fails moves from the list to the rejected. */
        size_t kept = 0;
        for (size_t i = 0; i < n; i++) {
            char *err = NULL;
            if (dwh_plugin_activate(list[i], &err) == DW_OK) {
                list[kept++] = list[i];
                continue;
            }
            dwh_rejection *grown = realloc(rej, (n_rej + 1) * sizeof *rej);
            if (grown) {
                rej = grown;
                rej[n_rej] = (dwh_rejection){strdup(dwh_plugin_path(list[i])), DWH_REJECT_INIT,
                                             err ? err : strdup("init failed"), NULL};
                err = NULL;
                n_rej++;
            }
            free(err);
            dwh_plugin_unref(list[i]);
        }
        n = kept;
    }
    size_t n_rejected = 0, n_shadowed = 0;
    for (size_t i = 0; i < n_rej; i++) {
        if (rej[i].reason == DWH_REJECT_SHADOWED) n_shadowed++;
        else n_rejected++;
    }

    if (json) {
        json_object *doc = json_object_new_object();
        json_object *plugins = json_object_new_array(), *rejected = json_object_new_array(),
                    *shadowed = json_object_new_array(), *dirs = json_object_new_array();
        for (size_t i = 0; i < n; i++) json_object_array_add(plugins, plugin_json(list[i]));
        for (size_t i = 0; i < n_rej; i++) {
            json_object *o = json_object_new_object();
            json_object_object_add(o, "path", json_object_new_string(rej[i].path));
            if (rej[i].reason == DWH_REJECT_SHADOWED) {
                char *name = dwhi_plugin_name_from_path(rej[i].path);
                json_object_object_add(o, "name", name ? json_object_new_string(name) : NULL);
                free(name);
                json_object_object_add(o, "shadowed_by", json_object_new_string(rej[i].shadowed_by));
                json_object_object_add(o, "message", json_object_new_string(rej[i].message));
                json_object_array_add(shadowed, o);
            } else {
                json_object_object_add(o, "reason", json_object_new_string(dwh_reject_reason_name(rej[i].reason)));
                json_object_object_add(o, "message", json_object_new_string(rej[i].message));
                json_object_array_add(rejected, o);
            }
        }
        const char *const *searched = dwh_host_plugin_dirs(pl.host);
        for (size_t i = 0; searched && searched[i]; i++)
            json_object_array_add(dirs, json_object_new_string(searched[i]));
        json_object_object_add(doc, "plugins", plugins);
        json_object_object_add(doc, "rejected", rejected);
        json_object_object_add(doc, "shadowed", shadowed);
        json_object_object_add(doc, "dirs", dirs);
        dwhi_cli_print_json(stdout, doc, 1);
        json_object_put(doc);
    } else {
        if (n) {
            print_table(list, n);
        } else {
            char *dirs = dwhi_cli_dirs_text(&pl);
            printf("no plugins found (searched: %s)\n", dirs ? dirs : "?");
            free(dirs);
        }
        if (n_rejected) {
            printf("\nrejected (%zu):\n", n_rejected);
            for (size_t i = 0; i < n_rej; i++)
                if (rej[i].reason != DWH_REJECT_SHADOWED) printf("  %s: %s\n", rej[i].path, rej[i].message);
        }
        if (n_shadowed) {
            printf("\nshadowed (%zu):\n", n_shadowed);
            for (size_t i = 0; i < n_rej; i++)
                if (rej[i].reason == DWH_REJECT_SHADOWED) printf("  %s: %s\n", rej[i].path, rej[i].message);
        }
    }
    if (n_rejected)
        fprintf(stderr, "dwhost: %zu plugin file%s rejected; see the reasons %s\n", n_rejected,
                n_rejected == 1 ? " was" : "s were", json ? "in \"rejected\"" : "above");
    if (!n && !n_rejected) {
        /* An installation that finds nothing is broken, not empty. */
        char *dirs = dwhi_cli_dirs_text(&pl);
        fprintf(stderr,
                "dwhost: list-plugins: no plugins found in %s; put libsource_<name>.so files there, "
                "or pass --plugin-dir DIR or set DWHOST_PLUGIN_PATH\n",
                dirs ? dirs : "the plugin directories");
        free(dirs);
    }
    dwh_rejections_free(rej, n_rej);
    dwh_plugin_list_free(list, n);
    dwhi_cli_plugins_close(&pl);
    fflush(stdout);
    return n_rejected || !n ? DWHI_EXIT_PLUGIN : DWHI_EXIT_OK;
}

DWHI_CLI_COMMAND(list_plugins, .name = "list-plugins",
                .summary = "list the source plugins found, rejected and shadowed", .run = run, .options = options,
                .synopsis = "list-plugins [--plugin-dir DIR]... [--plugin-pins FILE] [--json] [--activate]",
                .description = "Lists the source plugins (libsource_<name>.so) found in the plugin directories: a "
                               "table NAME, VERSION, ABI, RELEASE, CAPABILITIES, SHA256 (of the file loaded), PATH, then the files that were "
                               "rejected (with the reason and what to do) and the files shadowed by a plugin of "
                               "the same name in an earlier directory.  Listing runs no plugin code.",
                .exit_status = "0 every file loaded (shadowed files included), 3 some files were rejected or no "
                               "plugin was found at all, 2 usage error, 9 interrupted.")
