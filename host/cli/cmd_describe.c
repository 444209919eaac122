/* cmd_describe.c -- `dwhost describe <source>`: metadata, the config form
 * and, where the plugin can list them without credentials, its schemas. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_common.h"
#include "cli_config.h"
#include "cli_exit.h"
#include "base/source_names.h"
#include "base/text.h"

static struct {
    const char *config, *options_field;
    int json, no_schemas, allow_internal;
} A;

static const dwhi_cli_opt options[] = {
    DWHI_OPT_STRING(0, "config", "FILE",
                   "list the schemas this config gives (validated as by check; \"-\" reads standard input)",
                   &A.config, .flags = DWHI_OPT_NONEMPTY, .missing = "a file"),
    DWHI_CLI_OPT_PLUGIN_DIR,
    DWHI_OPT_FLAG(0, "json",
                 "print the form document of docs/form-json.md plus \"path\", \"schemas\" (docs/schemas.md, or "
                 "null) and \"schemas_error\"",
                 &A.json),
    DWHI_OPT_FLAG(0, "no-schemas", "do not ask the plugin for schemas (runs no plugin code)", &A.no_schemas),
    DWHI_OPT_STRING(0, "options", "FIELD",
                   "list the choices of FIELD (a field with \"options_action\") given the rest of --config FILE, one "
                   "\"value<TAB>label\" line each (with --json: the action's JSON array)",
                   &A.options_field, .flags = DWHI_OPT_NONEMPTY, .missing = "a field name"),
    DWHI_OPT_FLAG(0, "allow-internal", "with --options: let the plugin reach loopback and private addresses",
                 &A.allow_internal),
    DWHI_OPT_HELP(),
    DWHI_OPT_END(),
};

static const char *or_dash(const char *s) { return s && s[0] ? s : "-"; }

static void print_fields(json_object *fields, int depth);

/* Widths of the name and description columns, so long names (like
 * incremental_field_type) keep the tree aligned. */
static int name_w = 20, desc_w = 20;

/* Prints `text` with every line after the first indented to `col`: a
 * multi-line caption stays inside its column instead of breaking the tree. */
static void print_indented(const char *text, int col) {
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        int n = nl ? (int)(nl - p) : (int)strlen(p);
        printf("%.*s", n, p);
        if (!nl) break;
        p = nl + 1;
        while (*p == '\n') p++; /* blank lines add nothing in a terminal */
        if (*p) printf("\n%*s", col, "");
    }
}

static void describe_field(json_object *f, char *desc, size_t cap) {
    json_object *v;
#define S(k) (json_object_object_get_ex(f, k, &v) && v ? json_object_get_string(v) : NULL)
#define B(k) (json_object_object_get_ex(f, k, &v) && json_object_get_boolean(v))
    const char *kind = S("kind");
    int n = snprintf(desc, cap, "%s", kind ? kind : "?");
    const char *it = S("input_type");
    if (it) n += snprintf(desc + n, cap - (size_t)n, " %s", it);
    const char *type = S("type"); /* ssh tunnel keys */
    if (!kind && type) n = snprintf(desc, cap, "%s", type);
    if (B("required")) n += snprintf(desc + n, cap - (size_t)n, ", required");
    if (B("secret")) n += snprintf(desc + n, cap - (size_t)n, ", secret");
    if (B("multiple")) n += snprintf(desc + n, cap - (size_t)n, ", multiple");
    json_object *def = NULL;
    if (json_object_object_get_ex(f, "default", &def) && def && (size_t)n < cap) {
        if (json_object_is_type(def, json_type_boolean))
            n += snprintf(desc + n, cap - (size_t)n, ", default %s", json_object_get_boolean(def) ? "on" : "off");
        else
            n += snprintf(desc + n, cap - (size_t)n, ", default %s", json_object_get_string(def));
    }
    const char *only = S("only_for_auth");
    if (only && (size_t)n < cap) snprintf(desc + n, cap - (size_t)n, ", with auth_type %s", only);
#undef S
#undef B
}

static void print_field(json_object *f, int depth) {
    json_object *v;
#define S(k) (json_object_object_get_ex(f, k, &v) && v ? json_object_get_string(v) : NULL)
    char desc[256];
    describe_field(f, desc, sizeof desc);
    const char *label = S("label"), *caption = S("caption");
    int col = printf("%*s%-*s %-*s %s%s", depth * 2, "", name_w - depth * 2, or_dash(S("name")), desc_w, desc,
                     or_dash(label), caption ? " -- " : "");
    if (caption) print_indented(caption, col > 0 ? col : 0);
    printf("\n");
    json_object *sub = NULL, *opts = NULL;
    if (json_object_object_get_ex(f, "options", &opts) && json_object_is_type(opts, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(opts); i++) {
            json_object *o = json_object_array_get_idx(opts, i), *ov = NULL, *ol = NULL, *of = NULL;
            json_object_object_get_ex(o, "value", &ov);
            if (!json_object_is_type(ov, json_type_string) && !json_object_is_type(o, json_type_object)) {
                printf("%*soption %s\n", (depth + 1) * 2, "", json_object_get_string(o)); /* ssh auth_type */
                continue;
            }
            json_object_object_get_ex(o, "label", &ol);
            json_object_object_get_ex(o, "fields", &of);
            printf("%*soption %s (%s)%s\n", (depth + 1) * 2, "", or_dash(json_object_get_string(ov)),
                   or_dash(ol ? json_object_get_string(ol) : NULL),
                   of && json_object_array_length(of) ? ":" : "");
            if (of) print_fields(of, depth + 2);
        }
    }
    if (json_object_object_get_ex(f, "fields", &sub) && sub) print_fields(sub, depth + 1);
#undef S
}

/* The description column of a field (kind, flags, default), as printed. */
static void describe_field(json_object *f, char *desc, size_t cap);

static void measure(json_object *fields, int depth) {
    for (size_t i = 0; i < json_object_array_length(fields); i++) {
        json_object *f = json_object_array_get_idx(fields, i), *v = NULL, *opts = NULL;
        const char *name = json_object_object_get_ex(f, "name", &v) && v ? json_object_get_string(v) : "-";
        if (depth * 2 + (int)strlen(name) > name_w) name_w = depth * 2 + (int)strlen(name);
        char desc[256];
        describe_field(f, desc, sizeof desc);
        if ((int)strlen(desc) > desc_w) desc_w = (int)strlen(desc);
        if (json_object_object_get_ex(f, "options", &opts) && json_object_is_type(opts, json_type_array))
            for (size_t k = 0; k < json_object_array_length(opts); k++) {
                json_object *of = NULL;
                if (json_object_object_get_ex(json_object_array_get_idx(opts, k), "fields", &of) && of)
                    measure(of, depth + 2);
            }
        if (json_object_object_get_ex(f, "fields", &v) && v) measure(v, depth + 1);
    }
}

static void print_fields(json_object *fields, int depth) {
    for (size_t i = 0; i < json_object_array_length(fields); i++) print_field(json_object_array_get_idx(fields, i), depth);
}

static void print_text(json_object *doc, const char *path, json_object *schemas, const char *schemas_note) {
    json_object *v;
#define S(k) (json_object_object_get_ex(doc, k, &v) && v ? json_object_get_string(v) : NULL)
    printf("%s %s -- %s\n", S("name"), or_dash(S("version")), or_dash(S("label")));
    printf("  path:          %s\n", path);
    printf("  abi:           %s\n", S("abi"));
    printf("  caption:       %s\n", or_dash(S("caption")));
    printf("  docs:          %s\n", or_dash(S("docs_url")));
    printf("  icon:          %s\n", or_dash(S("icon_path")));
    printf("  category:      %s\n", or_dash(S("category")));
    json_object *kw = NULL, *caps = NULL, *errs = NULL;
    json_object_object_get_ex(doc, "keywords", &kw);
    printf("  keywords:      ");
    for (size_t i = 0; i < json_object_array_length(kw); i++)
        printf("%s%s", i ? ", " : "", json_object_get_string(json_object_array_get_idx(kw, i)));
    printf("%s\n", json_object_array_length(kw) ? "" : "-");
    json_object *unrel = NULL;
    json_object_object_get_ex(doc, "unreleased", &unrel);
    const char *flag = S("feature_flag");
    printf("  release:       %s%s%s%s\n", S("release_status"), json_object_get_boolean(unrel) ? ", unreleased" : "",
           flag ? ", feature flag " : "", flag ? flag : "");
    printf("  comm method:   %s\n", S("comm_method"));
    json_object_object_get_ex(doc, "capabilities", &caps);
    printf("  capabilities:  ");
    for (size_t i = 0; i < json_object_array_length(caps); i++)
        printf("%s%s", i ? ", " : "", json_object_get_string(json_object_array_get_idx(caps, i)));
    printf("%s\n", json_object_array_length(caps) ? "" : "-");
    json_object_object_get_ex(doc, "non_retryable_errors", &errs);
    for (size_t i = 0; i < json_object_array_length(errs); i++) {
        json_object *e = json_object_array_get_idx(errs, i), *sub = NULL, *msg = NULL;
        json_object_object_get_ex(e, "substring", &sub);
        json_object_object_get_ex(e, "message", &msg);
        printf("  %s\"%s\" -> %s\n", i ? "               " : "non-retryable: ", json_object_get_string(sub),
               or_dash(msg ? json_object_get_string(msg) : NULL));
    }
#undef S
    json_object *fields = NULL;
    json_object_object_get_ex(doc, "fields", &fields);
    printf("\nconfig:\n");
    measure(fields, 1);
    if (json_object_array_length(fields)) print_fields(fields, 1);
    else printf("  (no fields)\n");
    json_object *acts = json_object_object_get(doc, "actions");
    if (acts && json_object_array_length(acts)) {
        printf("\nactions (dwhost call %s ACTION NAME=VALUE...):\n", json_object_get_string(json_object_object_get(doc, "name")));
        for (size_t i = 0; i < json_object_array_length(acts); i++) {
            json_object *a = json_object_array_get_idx(acts, i), *args = json_object_object_get(a, "args");
            printf("  %s(", json_object_get_string(json_object_object_get(a, "name")));
            for (size_t k = 0; k < json_object_array_length(args); k++) {
                json_object *g = json_object_array_get_idx(args, k), *def = json_object_object_get(g, "default");
                printf("%s%s %s", k ? ", " : "", json_object_get_string(json_object_object_get(g, "type")),
                       json_object_get_string(json_object_object_get(g, "name")));
                if (!json_object_get_boolean(json_object_object_get(g, "required")))
                    printf(" = %s", def ? json_object_to_json_string_ext(def, JSON_C_TO_STRING_PLAIN) : "null");
            }
            printf(")  %s\n", json_object_get_string(json_object_object_get(a, "description")));
        }
    }
    if (!schemas) {
        printf("\n%s\n", schemas_note);
        return;
    }
    printf("\nschemas:\n");
    if (!json_object_array_length(schemas)) printf("  (none)\n");
    for (size_t i = 0; i < json_object_array_length(schemas); i++) {
        json_object *s = json_object_array_get_idx(schemas, i), *name = NULL, *label = NULL, *pk = NULL,
                    *inc = NULL, *incf = NULL;
        json_object_object_get_ex(s, "name", &name);
        json_object_object_get_ex(s, "label", &label);
        json_object_object_get_ex(s, "primary_keys", &pk);
        json_object_object_get_ex(s, "supports_incremental", &inc);
        json_object_object_get_ex(s, "incremental_fields", &incf);
        printf("  %-24s %-24s primary key: ", json_object_get_string(name), or_dash(json_object_get_string(label)));
        for (size_t k = 0; k < json_object_array_length(pk); k++)
            printf("%s%s", k ? "," : "", json_object_get_string(json_object_array_get_idx(pk, k)));
        printf("%s", json_object_array_length(pk) ? "" : "-");
        if (json_object_get_boolean(inc)) {
            printf("  incremental: ");
            for (size_t k = 0; k < json_object_array_length(incf); k++) {
                json_object *f = NULL;
                json_object_object_get_ex(json_object_array_get_idx(incf, k), "field", &f);
                printf("%s%s", k ? "," : "", json_object_get_string(f));
            }
        }
        printf("\n");
    }
}

/* `describe SOURCE --options FIELD --config FILE`: the choices the
 * field's options action lists (dwh_field_options). */
static int print_options(dwh_plugin *p, const char *field, const char *config_path, int json) {
    const char *name = dwh_plugin_name(p);
    if (!config_path) return dwhi_cli_usage_error("describe", "--options %s needs --config FILE (the choices depend on "
                                                             "the rest of the config)", field);
    char *text = NULL, *base_dir = NULL, *error = NULL;
    int rc = DWHI_EXIT_OK;
    if (dwh_config_read_file(config_path, &text, &base_dir, NULL, &error) != DW_OK) {
        fprintf(stderr, "dwhost: describe %s: %s\n", name, error ? error : "the config could not be read");
        free(error);
        return DWHI_EXIT_CONFIG;
    }
    char *options = NULL;
    dw_status st = dwh_field_options(p, field, text, base_dir, A.allow_internal, &options, &error);
    if (st != DW_OK) {
        fprintf(stderr, "dwhost: describe %s --options %s: %s\n", name, field, error ? error : dwhi_status_name(st));
        rc = st == DW_ERR_NOT_FOUND ? DWHI_EXIT_USAGE : st == DW_ERR_CONFIG ? DWHI_EXIT_CONFIG : dwhi_cli_exit_for(st);
    } else if (json) {
        printf("%s\n", options);
    } else {
        json_object *arr = json_tokener_parse(options);
        for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
            json_object *e = json_object_array_get_idx(arr, i);
            printf("%s\t%s\n", json_object_get_string(json_object_object_get(e, "value")),
                   json_object_get_string(json_object_object_get(e, "label")));
        }
        json_object_put(arr);
    }
    free(options);
    free(error);
    free(base_dir);
    dwh_free_secret(text);
    return rc;
}

static int run(const dwhi_cli_invocation *inv) {
    dwhi_cli_plugins pl = {0};
    int json = A.json, no_schemas = A.no_schemas, rc;
    const char *name = inv->operand, *config_path = A.config;
    rc = dwhi_cli_plugins_open(&pl);
    dwh_plugin *p = rc == DWHI_EXIT_OK ? dwhi_cli_find_source(&pl, name, &rc) : NULL;
    if (!p) {
        dwhi_cli_plugins_close(&pl);
        return rc;
    }
    if (A.options_field) {
        rc = print_options(p, A.options_field, config_path, json);
        dwh_plugin_unref(p);
        dwhi_cli_plugins_close(&pl);
        fflush(stdout);
        return rc;
    }
    char *form = dwh_plugin_form_json(p);
    json_object *doc = form ? json_tokener_parse(form) : NULL;
    free(form);
    if (!doc) {
        fprintf(stderr, "dwhost: describe %s: out of memory\n", name);
        dwh_plugin_unref(p);
        dwhi_cli_plugins_close(&pl);
        return DWHI_EXIT_FAILURE;
    }
    json_object *schemas = NULL;
    char *schemas_error = NULL, *unavailable = NULL, *need_config = NULL, *config = NULL, *config_report = NULL;
    const char *note = "schemas not listed (--no-schemas)";
    if (config_path && !no_schemas) {
        /* Validated exactly as check and read do; errors exit 4. */
        rc = dwhi_cli_config_validated(p, config_path, &config, json ? &config_report : NULL);
        if (rc != DWHI_EXIT_OK) {
            schemas_error = strdup("invalid_config");
            note = "schemas not listed: the config is invalid (see above)";
            no_schemas = 1;
        }
    }
    if (!no_schemas) {
        char *init_err = NULL;
        if (dwh_plugin_activate(p, &init_err) != DW_OK) {
            schemas_error = dwhi_strf("plugin could not start: %s", init_err ? init_err : "init failed");
            rc = DWHI_EXIT_PLUGIN;
            free(init_err);
        } else {
            /* The validated config (references resolved) goes back as text. */
            char *schemas_text = NULL, *list_err = NULL;
            dw_status code = dwh_list_schemas(p, config, NULL, 0, &schemas_text, &list_err);
            if (code == DW_OK && !(schemas = json_tokener_parse(schemas_text))) code = DW_ERR_NOMEM;
            free(schemas_text);
            if (code == DW_ERR_NEEDS_CONFIG && !config) {
                schemas_error = strdup("needs_config");
                need_config = dwhi_strf("schemas need a config: run 'dwhost describe %s --config FILE' to list "
                                           "them",
                                           name);
                note = need_config ? need_config : "schemas need a config: pass --config FILE";
            } else if (code == DW_ERR_CONFIG || code == DW_ERR_NEEDS_CONFIG) {
                schemas_error = list_err ? list_err : strdup(dwhi_status_name(code));
                list_err = NULL;
                rc = DWHI_EXIT_CONFIG;
            } else if (code != DW_OK) {
                schemas_error = list_err ? list_err : strdup(dwhi_status_name(code));
                list_err = NULL;
                rc = DWHI_EXIT_FAILURE;
            }
            free(list_err);
        }
        if (rc != DWHI_EXIT_OK) {
            fprintf(stderr, "dwhost: describe %s: listing schemas failed: %s\n", name,
                    schemas_error ? schemas_error : "out of memory");
            unavailable = dwhi_strf("schemas unavailable: %s", schemas_error ? schemas_error : "?");
            note = unavailable ? unavailable : "schemas unavailable";
        }
    }
    if (json) {
        json_object_object_add(doc, "path", json_object_new_string(dwh_plugin_path(p)));
        json_object_object_add(doc, "schemas", schemas ? json_object_get(schemas) : NULL);
        json_object_object_add(doc, "schemas_error", schemas_error ? json_object_new_string(schemas_error) : NULL);
        if (config_report) json_object_object_add(doc, "config", json_tokener_parse(config_report));
        dwhi_cli_print_json(stdout, doc, 1);
    } else {
        print_text(doc, dwh_plugin_path(p), schemas, note);
    }
    json_object_put(doc);
    json_object_put(schemas);
    free(schemas_error);
    free(unavailable);
    free(need_config);
    dwh_free_secret(config);
    free(config_report);
    dwh_plugin_unref(p);
    dwhi_cli_plugins_close(&pl);
    fflush(stdout);
    return rc;
}

DWHI_CLI_COMMAND(describe, .name = "describe", .summary = "show a source's metadata, config form and schemas",
                .run = run, .options = options, .operand = "source",
                .operand_missing = "which source? give its name, e.g. 'dwhost describe files'",
                .synopsis = "describe <source> [--config FILE] [--plugin-dir DIR]... [--json] [--no-schemas]\n"
                            "describe <source> --options FIELD --config FILE [--json]",
                .description = "Describes a source: its metadata, its config form (every field with its kind, "
                               "whether it is required and whether it is secret) and its schemas.  A source that "
                               "lists schemas only with a config (files, or credentials) needs --config FILE.  The "
                               "source's actions (`dwhost call`) are listed with their arguments.\n\n"
                               "--options FIELD lists the choices of a field that names an options action (GitHub's "
                               "repository: the repositories the token can read), given the rest of the config; the "
                               "field itself may be missing from it.",
                .exit_status = "0 described, 1 listing schemas failed for another reason than a missing config, 2 "
                               "usage error (also: --options names no field with an options action), 3 no such source "
                               "or the plugin could not start, 4 the --config file is invalid, 5 or 6 --options: the "
                               "credentials were rejected or the source unreachable, 9 interrupted.")
