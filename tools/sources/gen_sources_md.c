/*
 * gen_sources_md.c -- dwhost-gen-sources-md: writes SOURCES.md, the
 * inventory of bundled sources, from the built plugins themselves (their
 * descriptors: name, communication method, primary library, release) and
 * the transport audit's verdict on each .so (tools/plugin-audit).
 *
 *   dwhost-gen-sources-md --plugin-dir DIR --audit AUDIT_BIN (--output FILE | --check FILE)
 *
 * --check compares with FILE and exits 1 with one line naming the command
 * that regenerates it when they differ.  Exit 2: usage, a plugin rejected,
 * or the audit could not run.  Run it through tools/gen-sources-md.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwp_buf.h"
#include "dwhost.h"
#include "registry/registry.h"

static const char *comm_name(uint32_t m) {
    switch (m) {
    case DW_COMM_HTTP: return "HTTP";
    case DW_COMM_VENDOR_SDK: return "Vendor SDK";
    case DW_COMM_GRPC: return "gRPC";
    case DW_COMM_DB_PROTOCOL: return "DB protocol";
    case DW_COMM_WEBHOOK: return "Webhook";
    case DW_COMM_LOCAL_FILES: return "Local files";
    default: return "?";
    }
}

/* The audit's verdict for one file: "tracked", "untracked" or NULL. */
static char *audit_verdict(const char *audit, const char *path) {
    char *cmd = NULL;
    if (asprintf(&cmd, "'%s' --json '%s' 2>/dev/null", audit, path) < 0) return NULL;
    FILE *p = popen(cmd, "r");
    free(cmd);
    if (!p) return NULL;
    dwp_buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0) dwp_buf_add(&b, chunk, n);
    pclose(p);
    json_object *doc = b.data ? json_tokener_parse(b.data) : NULL;
    dwp_buf_free(&b);
    json_object *files = NULL, *v = NULL;
    char *out = NULL;
    if (doc && json_object_object_get_ex(doc, "files", &files) && json_object_array_length(files) == 1 &&
        json_object_object_get_ex(json_object_array_get_idx(files, 0), "verdict", &v))
        out = strdup(json_object_get_string(v));
    json_object_put(doc);
    return out;
}

static int row(dwp_buf *b, const dw_source *s, const char *verdict) {
    const char *comm = comm_name(s->comm_method);
    const char *tracked;
    if (s->comm_method == DW_COMM_VENDOR_SDK)
        tracked = "⚠️ vendor SDK";
    else if (s->comm_method != DW_COMM_HTTP)
        tracked = "➖ not HTTP";
    else if (verdict && !strcmp(verdict, "tracked"))
        tracked = "✅ tracked";
    else
        tracked = "❌ bypasses the transport (see tools/plugin-audit)";
    return dwp_buf_printf(b, "| %s | %s%s | %s | %s |\n", s->name, comm,
                          (s->capabilities & DW_CAP_WEBHOOK) && s->comm_method != DW_COMM_WEBHOOK ? " + webhook" : "",
                          s->primary_library && *s->primary_library ? s->primary_library : "-", tracked);
}

int main(int argc, char **argv) {
    const char *dir = NULL, *audit = NULL, *output = NULL, *check = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--plugin-dir")) dir = argv[i + 1];
        else if (!strcmp(argv[i], "--audit")) audit = argv[i + 1];
        else if (!strcmp(argv[i], "--output")) output = argv[i + 1];
        else if (!strcmp(argv[i], "--check")) check = argv[i + 1];
        else break;
    }
    if (!dir || !audit || (!output == !check)) {
        fprintf(stderr, "usage: dwhost-gen-sources-md --plugin-dir DIR --audit AUDIT_BIN (--output FILE | --check FILE)\n");
        return 2;
    }
    dwhi_registry *reg = dwhi_registry_new();
    const char *dirs[] = {dir};
    dwhi_registry_scan(reg, dirs, 1);
    size_t nrej = 0;
    dwh_rejection *rej = dwhi_registry_rejections(reg, &nrej);
    if (nrej) {
        fprintf(stderr, "gen-sources-md: %s was not loaded: %s\n", rej[0].path, rej[0].message);
        dwh_rejections_free(rej, nrej);
        dwhi_registry_free(reg);
        return 2;
    }
    dwh_rejections_free(rej, nrej);
    size_t n = 0;
    dwh_plugin **list = dwhi_registry_list(reg, &n); /* name order: alphabetical */
    dwp_buf impl = {0}, scaf = {0};
    size_t n_impl = 0, n_scaf = 0;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const dw_source *s = dwh_plugin_source(list[i]);
        char *verdict = NULL;
        if (s->comm_method == DW_COMM_HTTP && !(verdict = audit_verdict(audit, dwh_plugin_path(list[i])))) {
            fprintf(stderr, "gen-sources-md: %s --json %s gave no verdict\n", audit, dwh_plugin_path(list[i]));
            rc = 2;
        }
        /* Unreleased sources are scaffolds still being written. */
        if (!rc) {
            row(s->unreleased ? &scaf : &impl, s, verdict);
            if (s->unreleased) n_scaf++;
            else n_impl++;
        }
        free(verdict);
    }
    dwh_plugin_list_free(list, n);
    dwhi_registry_free(reg);
    if (rc) return rc;

    dwp_buf md = {0};
    static const char head[] = "| Source | Comm method | Primary library | Tracked transport |\n|---|---|---|---|\n";
    dwp_buf_str(&md, "# Sources\n\n"
                     "Every bundled source, read from the built plugins (`dw_source`: name, `comm_method`,\n"
                     "`primary_library`, `unreleased`) and the verdict of `tools/plugin-audit` on each\n"
                     "`libsource_<name>.so`. Generated by `tools/gen-sources-md`; do not edit by hand (CI\n"
                     "fails when this file is stale).\n\n"
                     "Tracked transport: ✅ every request goes through the host's tracked transport;\n"
                     "⚠️ a vendor SDK without a seam for it; ➖ not HTTP.\n\n");
    dwp_buf_printf(&md, "## Implemented (%zu)\n\n", n_impl);
    if (n_impl) {
        dwp_buf_str(&md, head);
        dwp_buf_add(&md, impl.data, impl.len);
    } else {
        dwp_buf_str(&md, "None.\n");
    }
    dwp_buf_printf(&md, "\n## Scaffolded (%zu)\n\nCreated with `tools/new-source`, not released yet (`unreleased`).\n\n", n_scaf);
    if (n_scaf) {
        dwp_buf_str(&md, head);
        dwp_buf_add(&md, scaf.data, scaf.len);
    } else {
        dwp_buf_str(&md, "None.\n");
    }
    dwp_buf_free(&impl);
    dwp_buf_free(&scaf);
    if (md.oom) return 2;

    if (output) {
        FILE *f = fopen(output, "w");
        if (!f || fwrite(md.data, 1, md.len, f) != md.len || fclose(f) != 0) {
            fprintf(stderr, "gen-sources-md: cannot write %s\n", output);
            rc = 2;
        }
    } else {
        FILE *f = fopen(check, "r");
        dwp_buf cur = {0};
        char chunk[4096];
        size_t k;
        while (f && (k = fread(chunk, 1, sizeof chunk, f)) > 0) dwp_buf_add(&cur, chunk, k);
        if (f) fclose(f);
        if (!cur.data || cur.len != md.len || memcmp(cur.data, md.data, md.len) != 0) {
            fprintf(stderr, "gen-sources-md: %s is stale (the built plugins say otherwise); regenerate it with "
                            "tools/gen-sources-md and commit it\n", check);
            rc = 1;
        }
        dwp_buf_free(&cur);
    }
    dwp_buf_free(&md);
    return rc;
}
