/* gen_config_emit.c -- typed config generator (see gen_config_emit.h).
 *
 * One recursive walk over the form writes three streams at once: type
 * definitions (children before parents), binder statements and release
 * statements, so that the names chosen for nested types are the ones the
 * binder uses. */
#include "gen_config_emit.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_fields.h"
#include "config/config_validate.h"

typedef struct gen {
    const char *name;
    char *lname, *uname;
    FILE *types, *bind, *rel;
    char *types_buf, *bind_buf, *rel_buf;
    size_t types_len, bind_len, rel_len;
    char **ids; /* every global identifier emitted (uniqueness) */
    size_t n_ids, cap_ids;
    int need_int, need_bool, need_strings, need_json, need_present, need_bad, need_oauth, need_ssh;
    int oom;
} gen;

static const char *const c_keywords[] = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
    "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
    "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "bool",
    "true", "false", "_Bool", "_Complex", "_Imaginary", "api", "ctx", "cfg", NULL};

/* A C identifier from arbitrary text: [A-Za-z0-9_], not starting with a
 * digit, not a keyword (nor the binder's parameter names).  malloc'd. */
static char *ident(const char *s, int upper) {
    size_t n = strlen(s ? s : "");
    char *out = malloc(n + 3);
    if (!out) return NULL;
    size_t j = 0;
    if (n == 0 || isdigit((unsigned char)s[0])) out[j++] = '_';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char o = isalnum(c) ? (char)c : '_';
        out[j++] = upper ? (char)toupper((unsigned char)o) : o;
    }
    out[j] = 0;
    for (const char *const *k = c_keywords; *k; k++)
        if (!strcmp(out, *k)) {
            out[j++] = '_';
            out[j] = 0;
            break;
        }
    return out;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...) {
    va_list ap;
    va_start(ap, f);
    char *s = NULL;
    if (vasprintf(&s, f, ap) < 0) s = NULL;
    va_end(ap);
    return s;
}

/* Registers `want` (taken) as a global identifier, suffixing _2, _3... when
 * it collides.  Returns the unique name (owned by g). */
static const char *unique(gen *g, char *want) {
    if (!want) {
        g->oom = 1;
        return "oom";
    }
    char *name = want;
    for (int k = 2;; k++) {
        int clash = 0;
        for (size_t i = 0; i < g->n_ids && !clash; i++) clash = !strcmp(g->ids[i], name);
        if (!clash) break;
        if (name != want) free(name);
        name = fmt("%s_%d", want, k);
        if (!name) {
            free(want);
            g->oom = 1;
            return "oom";
        }
    }
    if (name != want) free(want);
    if (g->n_ids == g->cap_ids) {
        size_t nc = g->cap_ids ? g->cap_ids * 2 : 32;
        char **nv = realloc(g->ids, nc * sizeof *nv);
        if (!nv) {
            free(name);
            g->oom = 1;
            return "oom";
        }
        g->ids = nv;
        g->cap_ids = nc;
    }
    g->ids[g->n_ids++] = name;
    return name;
}

/* A C string literal body for text (escapes quotes, backslashes, control
 * characters).  malloc'd. */
static char *cstr(const char *s) {
    size_t n = strlen(s ? s : "");
    char *out = malloc(n * 4 + 1);
    if (!out) return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            out[j++] = '\\';
            out[j++] = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            j += (size_t)sprintf(out + j, "\\%03o", c);
        } else {
            out[j++] = (char)c;
        }
    }
    out[j] = 0;
    return out;
}

/* Text safe inside a comment: one line, no comment terminator. */
static char *comment_text(const char *s) {
    size_t n = strlen(s ? s : "");
    if (n > 100) n = 100;
    char *out = malloc(n + 1);
    if (!out) return NULL;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        out[i] = (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
        if (i > 0 && out[i - 1] == '*' && out[i] == '/') out[i] = '|';
        if (i > 0 && out[i - 1] == '/' && out[i] == '*') out[i] = '|';
    }
    out[n] = 0;
    return out;
}

static const char *kind_name(const dw_field *f) {
    switch (f->kind) {
    case DW_FIELD_INPUT:
        switch (f->input_type) {
        case DW_INPUT_EMAIL: return "email input";
        case DW_INPUT_SEARCH: return "search input";
        case DW_INPUT_URL: return "url input";
        case DW_INPUT_PASSWORD: return "password input";
        case DW_INPUT_TIME: return "time input";
        case DW_INPUT_NUMBER: return "number input";
        case DW_INPUT_TEXTAREA: return "textarea input";
        default: return "text input";
        }
    case DW_FIELD_SWITCH_GROUP: return "switch group";
    case DW_FIELD_SELECT: return f->multiple ? "multiple select" : "select";
    case DW_FIELD_OAUTH: return "OAuth";
    case DW_FIELD_OAUTH_ACCOUNT: return f->multiple ? "OAuth accounts" : "OAuth account";
    case DW_FIELD_FILE_UPLOAD: return "file upload";
    case DW_FIELD_SSH_TUNNEL: return "SSH tunnel";
    default: return "field";
    }
}

static void member_comment(FILE *out, int ind, const dw_field *f, const char *path) {
    char *label = comment_text(f->label ? f->label : f->name);
    char *p = comment_text(path);
    fprintf(out, "%*s/* %s: %s (%s%s%s) */\n", ind, "", p ? p : "", label ? label : "", kind_name(f),
            f->required ? ", required" : "", dwhi_field_is_secret(f) ? ", secret" : "");
    free(label);
    free(p);
}

/* Whether a value is always present after validation (required or with a
 * default): such members need no has_ flag. */
static int always_present(const dw_field *f) { return f->required || (f->default_value && *f->default_value); }

static void level(gen *g, const dw_field *fields, uint32_t n, const char *tprefix, const char *jprefix,
                  const char *cprefix, FILE *sdef, int ind);

/* Binds an int or bool member.  `has` names the member's has_ flag (or
 * NULL); `def` (or NULL) is the default to apply when the value is absent,
 * as C text: the binder then works on unvalidated configs too (a host that
 * skipped validation, a test), not only on validated ones. */
static void bind_scalar(gen *g, const char *fn, const char *path, const char *member, const char *has,
                        const char *def) {
    if (!def) {
        fprintf(g->bind, "if (%s(api, ctx, \"%s\", &%s, %s) < 0) return gc_bad(api, ctx, \"%s\");\n", fn, path,
                member, has ? has : "NULL", path);
        return;
    }
    fprintf(g->bind, "{\nint has = 0;\nif (%s(api, ctx, \"%s\", &%s, &has) < 0) return gc_bad(api, ctx, \"%s\");\n", fn,
            path, member, path);
    fprintf(g->bind, "if (!has) %s = %s;\n", member, def);
    if (has) fprintf(g->bind, "%s = 1;\n", has + 1); /* has is "&member": the flag is set either way */
    fprintf(g->bind, "}\n");
}

/* A default_value as a C integer literal (NULL when absent or unusable). */
static char *int_default(const char *text) {
    int64_t v;
    if (!text || dwhi_parse_int_text(text, strlen(text), &v) != 0) return NULL;
    if (v == INT64_MIN) return strdup("INT64_MIN");
    return fmt("%lldLL", (long long)v);
}

/* Emits `typedef struct <tname> {...} <tname>;` for a switch group. */
static void group_type(gen *g, const dw_field *f, const char *tname, const char *path, const char *note,
                       const char *cmember) {
    char *body = NULL;
    size_t len = 0;
    FILE *sdef = open_memstream(&body, &len);
    if (!sdef) {
        g->oom = 1;
        return;
    }
    fprintf(sdef, "    int enabled;\n");
    char *jp = fmt("%s.", path), *cp = fmt("%s.", cmember);
    char *en_path = fmt("%s.enabled", path), *en_member = fmt("%s.enabled", cmember);
    bind_scalar(g, "gc_bool", en_path ? en_path : "", en_member ? en_member : "", NULL, f->default_on ? "1" : NULL);
    free(en_path);
    free(en_member);
    g->need_bool = g->need_bad = 1;
    fprintf(g->bind, "    if (%s.enabled) {\n", cmember);
    level(g, f->fields, f->n_fields, tname, jp ? jp : "", cp ? cp : "", sdef, 4);
    fprintf(g->bind, "    }\n");
    free(jp);
    free(cp);
    fclose(sdef);
    fprintf(g->types, "/* %s (switch group): fields are set only when enabled. */\ntypedef struct %s {\n%s} %s;\n\n",
            note, tname, body ? body : "", tname);
    free(body);
}

static void select_type(gen *g, const dw_field *f, const char *tname, const char *path, const char *note,
                        const char *cmember) {
    int has_sub = dwhi_select_has_subfields(f);
    char *upper = ident(tname, 1);
    /* enum */
    const char **consts = calloc(f->n_options + 1, sizeof *consts);
    if (!upper || !consts) {
        g->oom = 1;
        free(upper);
        free(consts);
        return;
    }
    const char *unset = unique(g, fmt("%s_UNSET", upper));
    fprintf(g->types, "typedef enum %s_option {\n    %s = 0, /* no option chosen */\n", tname, unset);
    for (uint32_t i = 0; i < f->n_options; i++) {
        char *ov = ident(f->options[i].value && *f->options[i].value ? f->options[i].value : "EMPTY", 1);
        consts[i] = unique(g, fmt("%s_%s", upper, ov ? ov : "X"));
        char *c = cstr(f->options[i].value);
        char *cc = comment_text(c);
        fprintf(g->types, "    %s = %u, /* \"%s\" */\n", consts[i], i + 1, cc ? cc : "");
        free(cc);
        free(c);
        free(ov);
    }
    fprintf(g->types, "} %s_option;\n\n", tname);

    /* per-option sub-structs, and their binder statements */
    char *body = NULL;
    size_t len = 0;
    FILE *sdef = open_memstream(&body, &len);
    if (!sdef) {
        g->oom = 1;
        free(upper);
        free(consts);
        return;
    }
    fprintf(sdef, "    %s_option selection;\n    const char *value; /* the chosen option's value; NULL when none */\n",
            tname);
    char *vp = has_sub ? fmt("%s.selection", path) : strdup(path);
    fprintf(g->bind, "    %s.value = api->config_string(ctx, \"%s\");\n", cmember, vp ? vp : "");
    if (f->default_value && *f->default_value) {
        char *dv = cstr(f->default_value);
        fprintf(g->bind, "if (!%s.value) %s.value = \"%s\";\n", cmember, cmember, dv ? dv : "");
        free(dv);
    }
    fprintf(g->bind, "    if (%s.value) {\n", cmember);
    for (uint32_t i = 0; i < f->n_options; i++) {
        char *c = cstr(f->options[i].value);
        fprintf(g->bind, "        %sif (!strcmp(%s.value, \"%s\")) %s.selection = %s;\n", i ? "else " : "", cmember,
                c ? c : "", cmember, consts[i]);
        free(c);
    }
    fprintf(g->bind, "        %sreturn gc_bad(api, ctx, \"%s\");\n    }\n", f->n_options ? "else " : "", vp ? vp : "");
    g->need_bad = 1;
    for (uint32_t i = 0; has_sub && i < f->n_options; i++) {
        const dw_select_option *o = &f->options[i];
        if (!o->n_fields || !o->fields) continue;
        char *om = ident(o->value && *o->value ? o->value : "empty", 0);
        const char *otype = unique(g, fmt("%s_%s", tname, om ? om : "x"));
        char *obody = NULL;
        size_t olen = 0;
        FILE *odef = open_memstream(&obody, &olen);
        char *jp = fmt("%s.", path), *cp = fmt("%s.%s.", cmember, om ? om : "x");
        fprintf(g->bind, "    if (%s.selection == %s) {\n", cmember, consts[i]);
        if (odef) {
            level(g, o->fields, o->n_fields, otype, jp ? jp : "", cp ? cp : "", odef, 4);
            fclose(odef);
        } else {
            g->oom = 1;
        }
        fprintf(g->bind, "    }\n");
        char *c = cstr(o->value);
        char *oc = comment_text(c);
        fprintf(g->types, "/* %s when \"%s\" is chosen. */\ntypedef struct %s {\n%s} %s;\n\n", note, oc ? oc : "", otype,
                obody ? obody : "", otype);
        fprintf(sdef, "    %s %s; /* set when selection == %s */\n", otype, om ? om : "x", consts[i]);
        free(c);
        free(oc);
        free(obody);
        free(jp);
        free(cp);
        free(om);
    }
    fclose(sdef);
    fprintf(g->types, "/* %s (select). */\ntypedef struct %s {\n%s} %s;\n\n", note, tname, body ? body : "", tname);
    free(body);
    free(vp);
    free(upper);
    free(consts);
}

static void file_type(gen *g, const dw_field *f, const char *tname, const char *path, const char *note,
                      const char *cmember) {
    char *body = NULL;
    size_t len = 0;
    FILE *sdef = open_memstream(&body, &len);
    if (!sdef) {
        g->oom = 1;
        return;
    }
    fprintf(sdef, "    int present;\n    char *json; /* the whole object as JSON text (freed by release) */\n");
    fprintf(g->bind, "    %s.present = gc_present(api, ctx, \"%s\");\n", cmember, path);
    fprintf(g->bind, "    if (%s.present) %s.json = gc_json(api, ctx, \"%s\");\n", cmember, cmember, path);
    fprintf(g->rel, "    if (%s.json) api->free(%s.json);\n", cmember, cmember);
    g->need_present = g->need_json = 1;
    if (!dwhi_file_keys_any(f)) {
        for (const char *const *k = f->file_keys; *k; k++) {
            char *m = ident(*k, 0), *ck = cstr(*k), *kc = comment_text(ck);
            fprintf(sdef, "    const char *%s; /* \"%s\" (scalars only) */\n", m ? m : "x", kc ? kc : "");
            free(kc);
            fprintf(g->bind, "    %s.%s = api->config_string(ctx, \"%s.%s\");\n", cmember, m ? m : "x", path, ck ? ck : "");
            free(m);
            free(ck);
        }
    }
    fclose(sdef);
    fprintf(g->types, "/* %s (file upload). */\ntypedef struct %s {\n%s} %s;\n\n", note, tname, body ? body : "", tname);
    free(body);
}

static void strings_member(gen *g, FILE *sdef, int ind, const char *m, const char *path, const char *cmember,
                           const char *cprefix) {
    fprintf(sdef, "%*sconst char **%s; /* freed by release */\n%*ssize_t n_%s;\n", ind, "", m, ind, "", m);
    fprintf(g->bind,
            "    {\n        int r = gc_strings(api, ctx, \"%s\", &%s, &%sn_%s);\n"
            "        if (r == -1) return api->fail(ctx, DW_ERR_NOMEM, \"out of memory binding %s\");\n"
            "        if (r < 0) return gc_bad(api, ctx, \"%s\");\n    }\n",
            path, cmember, cprefix, m, path, path);
    fprintf(g->rel, "    free((void *)%s);\n", cmember);
    g->need_strings = g->need_bad = 1;
}

static void level(gen *g, const dw_field *fields, uint32_t n, const char *tprefix, const char *jprefix,
                  const char *cprefix, FILE *sdef, int ind) {
    for (uint32_t i = 0; fields && i < n; i++) {
        const dw_field *f = &fields[i];
        if (!f->name || !*f->name) continue;
        char *m = ident(f->name, 0);
        char *rawpath = fmt("%s%s", jprefix, f->name);
        char *path = cstr(rawpath);
        char *cmember = fmt("%s%s", cprefix, m ? m : "x");
        char *note = comment_text(rawpath);
        if (!m || !rawpath || !path || !cmember || !note) {
            free(note);
            g->oom = 1;
            free(m);
            free(rawpath);
            free(path);
            free(cmember);
            return;
        }
        member_comment(sdef, ind, f, rawpath);
        switch (f->kind) {
        case DW_FIELD_INPUT:
            if (f->input_type == DW_INPUT_NUMBER) {
                int has = !always_present(f);
                fprintf(sdef, "%*sint64_t %s;\n", ind, "", m);
                if (has) fprintf(sdef, "%*sint has_%s;\n", ind, "", m);
                char *hp = has ? fmt("&%shas_%s", cprefix, m) : NULL;
                char *def = int_default(f->default_value);
                bind_scalar(g, "gc_int", path, cmember, hp, def);
                free(hp);
                free(def);
                g->need_int = g->need_bad = 1;
            } else {
                fprintf(sdef, "%*sconst char *%s;\n", ind, "", m);
                fprintf(g->bind, "    %s = api->config_string(ctx, \"%s\");\n", cmember, path);
                if (f->default_value && *f->default_value) {
                    char *dv = cstr(f->default_value);
                    fprintf(g->bind, "if (!%s) %s = \"%s\";\n", cmember, cmember, dv ? dv : "");
                    free(dv);
                }
            }
            break;
        case DW_FIELD_SWITCH_GROUP: {
            const char *t = unique(g, fmt("%s_%s", tprefix, m));
            fprintf(sdef, "%*s%s %s;\n", ind, "", t, m);
            group_type(g, f, t, path, note, cmember);
            break;
        }
        case DW_FIELD_SELECT:
            if (f->multiple) {
                strings_member(g, sdef, ind, m, path, cmember, cprefix);
            } else if (f->converter == DW_CONVERT_STR_TO_INT || f->converter == DW_CONVERT_STR_TO_OPTIONAL_INT ||
                       f->converter == DW_CONVERT_STR_TO_BOOL) {
                int is_bool = f->converter == DW_CONVERT_STR_TO_BOOL;
                int has = f->converter == DW_CONVERT_STR_TO_OPTIONAL_INT || !always_present(f);
                fprintf(sdef, "%*s%s %s;\n", ind, "", is_bool ? "int" : "int64_t", m);
                if (has) fprintf(sdef, "%*sint has_%s;\n", ind, "", m);
                char *hp = has ? fmt("&%shas_%s", cprefix, m) : NULL;
                char *def = NULL;
                if (f->default_value && *f->default_value) {
                    if (is_bool) {
                        const char *d = f->default_value;
                        def = strdup(!strcasecmp(d, "true") || !strcasecmp(d, "yes") || !strcmp(d, "1") ? "1" : "0");
                    } else {
                        def = int_default(f->default_value);
                    }
                }
                bind_scalar(g, is_bool ? "gc_bool" : "gc_int", path, cmember, hp, def);
                free(hp);
                free(def);
                if (is_bool) g->need_bool = 1;
                else g->need_int = 1;
                g->need_bad = 1;
            } else {
                const char *t = unique(g, fmt("%s_%s", tprefix, m));
                fprintf(sdef, "%*s%s %s;\n", ind, "", t, m);
                select_type(g, f, t, path, note, cmember);
            }
            break;
        case DW_FIELD_OAUTH: {
            fprintf(sdef, "%*s%s_oauth_token %s;\n", ind, "", g->lname, m);
            size_t nk;
            const dwhi_oauth_key *k = dwhi_oauth_keys(&nk);
            for (size_t j = 0; j < nk; j++)
                fprintf(g->bind, "    %s.%s = api->config_string(ctx, \"%s.%s\");\n", cmember, k[j].name, path, k[j].name);
            g->need_oauth = 1;
            break;
        }
        case DW_FIELD_OAUTH_ACCOUNT:
            if (f->multiple) {
                strings_member(g, sdef, ind, m, path, cmember, cprefix);
            } else {
                fprintf(sdef, "%*sconst char *%s;\n", ind, "", m);
                fprintf(g->bind, "    %s = api->config_string(ctx, \"%s\");\n", cmember, path);
            }
            break;
        case DW_FIELD_FILE_UPLOAD: {
            const char *t = unique(g, fmt("%s_%s", tprefix, m));
            fprintf(sdef, "%*s%s %s;\n", ind, "", t, m);
            file_type(g, f, t, path, note, cmember);
            break;
        }
        case DW_FIELD_SSH_TUNNEL: {
            fprintf(sdef, "%*s%s_ssh_tunnel %s;\n", ind, "", g->lname, m);
            fprintf(g->bind,
                    "    if (gc_bool(api, ctx, \"%s.enabled\", &%s.enabled, NULL) < 0) return gc_bad(api, ctx, \"%s.enabled\");\n"
                    "    if (%s.enabled) {\n",
                    path, cmember, path, cmember);
            char *port_path = fmt("%s.port", path), *port_member = fmt("%s.port", cmember);
            bind_scalar(g, "gc_int", port_path ? port_path : "", port_member ? port_member : "", NULL, "22");
            free(port_path);
            free(port_member);
            size_t nk;
            const dwhi_ssh_key *k = dwhi_ssh_keys(&nk);
            for (size_t j = 0; j < nk; j++) {
                if (k[j].type == DWHI_SSH_BOOL || k[j].type == DWHI_SSH_PORT) continue;
                fprintf(g->bind, "        %s.%s = api->config_string(ctx, \"%s.%s\");\n", cmember, k[j].name, path,
                            k[j].name);
            }
            fprintf(g->bind, "    }\n");
            g->need_ssh = g->need_bool = g->need_int = g->need_bad = 1;
            break;
        }
        default:
            fprintf(sdef, "%*s/* (unknown field kind %u: not bound) */\n", ind, "", f->kind);
            break;
        }
        free(m);
        free(rawpath);
        free(path);
        free(cmember);
        free(note);
    }
}

/* Re-indents binder statements by block depth (statements are written
 * without regard to nesting): a line ending in '{' opens a block, a line
 * starting with '}' closes one.  malloc'd. */
static char *reindent(const char *text, int depth) {
    char *out = NULL;
    size_t len = 0;
    FILE *o = open_memstream(&out, &len);
    if (!o) return NULL;
    const char *p = text ? text : "";
    while (*p) {
        const char *e = strchr(p, '\n');
        if (!e) e = p + strlen(p);
        while (p < e && *p == ' ') p++;
        size_t n = (size_t)(e - p);
        if (n && *p == '}') depth--;
        if (n) fprintf(o, "%*s%.*s\n", depth * 4, "", (int)n, p);
        if (n && p[n - 1] == '{') depth++;
        p = *e ? e + 1 : e;
    }
    fclose(o);
    return out;
}

static void write_helpers(gen *g, FILE *c) {
    if (g->need_bad)
        fprintf(c,
                "/* The validated config did not have the type this file expects: the\n"
                " * plugin's form changed since the file was generated. */\n"
                "static dw_status gc_bad(const dw_host_api *api, dw_ctx *ctx, const char *path) {\n"
                "    return api->fail(ctx, DW_ERR_CONFIG,\n"
                "                     \"config value at %%s does not have the type %s_config expects; \"\n"
                "                     \"regenerate it with tools/gen-config %s\",\n"
                "                     path);\n"
                "}\n\n",
                g->lname, g->name);
    if (g->need_int)
        fprintf(c, "/* A whole number; a numeric string is accepted too (a config the host\n"
                   " * did not validate).  1 set, 0 absent, -1 another type. */\n"
                   "static int gc_int(const dw_host_api *api, dw_ctx *ctx, const char *path, int64_t *v, int *has) {\n"
                   "    int r = api->config_int(ctx, path, v);\n"
                   "    if (r < 0) {\n"
                   "        const char *s = api->config_string(ctx, path);\n"
                   "        char *end = NULL;\n"
                   "        errno = 0;\n"
                   "        long long x = s ? strtoll(s, &end, 10) : 0;\n"
                   "        while (end && isspace((unsigned char)*end)) end++;\n"
                   "        if (s && *s && end && !*end && !errno) {\n"
                   "            *v = (int64_t)x;\n"
                   "            r = 1;\n"
                   "        }\n"
                   "    }\n"
                   "    if (has) *has = r == 1;\n"
                   "    return r;\n"
                   "}\n\n");
    if (g->need_bool)
        fprintf(c, "/* A boolean; \"true\"/\"false\" strings are accepted too.  1 set, 0 absent,\n"
                   " * -1 another type. */\n"
                   "static int gc_bool(const dw_host_api *api, dw_ctx *ctx, const char *path, int *v, int *has) {\n"
                   "    int r = api->config_bool(ctx, path, v);\n"
                   "    if (r < 0) {\n"
                   "        const char *s = api->config_string(ctx, path);\n"
                   "        if (s && (!strcmp(s, \"true\") || !strcmp(s, \"false\"))) {\n"
                   "            *v = s[0] == 't';\n"
                   "            r = 1;\n"
                   "        }\n"
                   "    }\n"
                   "    if (has) *has = r == 1;\n"
                   "    return r;\n"
                   "}\n\n");
    if (g->need_strings)
        fprintf(c, "/* 0 ok, -1 out of memory, -2 an element is not a string. */\n"
                   "static int gc_strings(const dw_host_api *api, dw_ctx *ctx, const char *path, const char ***items,\n"
                   "                      size_t *n) {\n"
                   "    size_t len = api->config_array_len(ctx, path);\n"
                   "    *items = NULL;\n"
                   "    *n = 0;\n"
                   "    if (len == 0) return 0;\n"
                   "    const char **v = calloc(len, sizeof *v);\n"
                   "    size_t plen = strlen(path) + 24;\n"
                   "    char *p = malloc(plen);\n"
                   "    if (!v || !p) {\n"
                   "        free(v);\n"
                   "        free(p);\n"
                   "        return -1;\n"
                   "    }\n"
                   "    for (size_t i = 0; i < len; i++) {\n"
                   "        snprintf(p, plen, \"%%s[%%zu]\", path, i);\n"
                   "        v[i] = api->config_string(ctx, p);\n"
                   "        if (!v[i]) {\n"
                   "            free(v);\n"
                   "            free(p);\n"
                   "            return -2;\n"
                   "        }\n"
                   "    }\n"
                   "    free(p);\n"
                   "    *items = v;\n"
                   "    *n = len;\n"
                   "    return 0;\n"
                   "}\n\n");
    if (g->need_present)
        fprintf(c, "/* Non-zero when an object is present: config_int() answers -1 for a value\n"
                   " * of another type and 0 only when the path is absent. */\n"
                   "static int gc_present(const dw_host_api *api, dw_ctx *ctx, const char *path) {\n"
                   "    int64_t ignored;\n"
                   "    return api->config_int(ctx, path, &ignored) != 0;\n"
                   "}\n\n");
    if (g->need_json)
        fprintf(c, "/* A value as JSON text (free with api->free); NULL before SDK 1.2. */\n"
                   "static char *gc_json(const dw_host_api *api, dw_ctx *ctx, const char *path) {\n"
                   "    if (!DW_API_HAS(api, json_free)) return NULL;\n"
                   "    const char *all = api->config_json(ctx);\n"
                   "    dw_json *root = all ? api->json_parse(ctx, all, strlen(all)) : NULL;\n"
                   "    if (!root) return NULL;\n"
                   "    dw_json *v = api->json_get(root, path);\n"
                   "    char *text = v ? api->json_text(v) : NULL;\n"
                   "    api->json_free(root);\n"
                   "    return text;\n"
                   "}\n\n");
}

int gcfg_emit(const dw_source *src, const char *name, FILE *h, FILE *c, char *err, size_t err_len) {
    gen g;
    memset(&g, 0, sizeof g);
    g.name = name;
    g.lname = ident(name, 0);
    g.uname = ident(name, 1);
    g.types = open_memstream(&g.types_buf, &g.types_len);
    g.bind = open_memstream(&g.bind_buf, &g.bind_len);
    g.rel = open_memstream(&g.rel_buf, &g.rel_len);
    char *root_body = NULL;
    size_t root_len = 0;
    FILE *root = open_memstream(&root_body, &root_len);
    int rc = -1;
    if (!g.lname || !g.uname || !g.types || !g.bind || !g.rel || !root) {
        snprintf(err, err_len, "out of memory");
        goto out;
    }
    char *root_type = fmt("%s_config", g.lname);
    const char *rt = unique(&g, root_type);
    unique(&g, fmt("%s_oauth_token", g.lname));
    unique(&g, fmt("%s_ssh_tunnel", g.lname));
    level(&g, src->fields, src->n_fields, g.lname, "", "cfg->", root, 4);
    fclose(root);
    root = NULL;
    fclose(g.types);
    fclose(g.bind);
    fclose(g.rel);
    g.types = g.bind = g.rel = NULL;
    if (g.oom) {
        snprintf(err, err_len, "out of memory");
        goto out;
    }

    /* ---- header ---- */
    fprintf(h,
            "/*\n * GENERATED by tools/gen-config from %s; do not edit.\n"
            " * Regenerate after changing the plugin's fields: tools/gen-config %s\n"
            " * (or: dwhost-gen-config --plugin-dir DIR --out DIR %s).\n"
            " *\n"
            " * %s_config mirrors the plugin's config form.  Bind it at the start of an\n"
            " * operation; strings are owned by the host and valid until the operation\n"
            " * returns.  Members of a disabled switch group, an unchosen select option\n"
            " * or a disabled SSH tunnel stay zero.\n"
            " */\n",
            name, name, name, g.lname);
    fprintf(h, "#ifndef %s_CONFIG_H\n#define %s_CONFIG_H\n\n#include <stddef.h>\n#include <stdint.h>\n\n#include \"dwsdk.h\"\n\n",
            g.uname, g.uname);
    if (g.need_oauth)
        fprintf(h, "/* An OAuth field: the token and what the user granted. */\n"
                   "typedef struct %s_oauth_token {\n"
                   "    const char *access_token; /* secret */\n"
                   "    const char *refresh_token; /* secret; NULL when none */\n"
                   "    const char *token_type;\n"
                   "    const char *scope; /* space separated, as granted */\n"
                   "    const char *expires_at; /* epoch seconds or ISO-8601, as given */\n"
                   "} %s_oauth_token;\n\n",
                g.lname, g.lname);
    if (g.need_ssh)
        fprintf(h, "/* An SSH tunnel; the rest is set only when enabled. */\n"
                   "typedef struct %s_ssh_tunnel {\n"
                   "    int enabled;\n"
                   "    const char *host;\n"
                   "    int64_t port;\n"
                   "    const char *username;\n"
                   "    const char *auth_type; /* \"password\" or \"keypair\" */\n"
                   "    const char *password; /* secret; password auth */\n"
                   "    const char *private_key; /* secret; keypair auth */\n"
                   "    const char *passphrase; /* secret; keypair auth, NULL when none */\n"
                   "} %s_ssh_tunnel;\n\n",
                g.lname, g.lname);
    fputs(g.types_buf ? g.types_buf : "", h);
    fprintf(h, "/* The whole config. */\ntypedef struct %s {\n%s} %s;\n\n", rt, root_body ? root_body : "", rt);
    fprintf(h,
            "/* Fills *cfg from the operation's validated config through api->config_*.\n"
            " * Returns DW_OK, or the error it recorded with api->fail() (a config of\n"
            " * another shape: regenerate this file).  Call %s_config_release() after\n"
            " * use, also when binding failed. */\n"
            "dw_status %s_config_bind(const dw_host_api *api, dw_ctx *ctx, %s *cfg);\n\n"
            "/* Frees what binding allocated (string arrays, JSON text) and zeroes cfg. */\n"
            "void %s_config_release(const dw_host_api *api, %s *cfg);\n\n#endif\n",
            g.lname, g.lname, rt, g.lname, rt);

    /* ---- source ---- */
    fprintf(c, "/* GENERATED by tools/gen-config from %s; do not edit.  See %s_config.h. */\n", name, g.lname);
    fprintf(c, "#include \"%s_config.h\"\n\n#include <ctype.h>\n#include <errno.h>\n#include <stdio.h>\n#include <stdlib.h>\n"
               "#include <string.h>\n\n", g.lname);
    write_helpers(&g, c);
    char *body = reindent(g.bind_buf, 1);
    fprintf(c, "dw_status %s_config_bind(const dw_host_api *api, dw_ctx *ctx, %s *cfg) {\n    memset(cfg, 0, sizeof *cfg);\n%s"
               "    return DW_OK;\n}\n\n",
            g.lname, rt, body ? body : "");
    free(body);
    fprintf(c, "void %s_config_release(const dw_host_api *api, %s *cfg) {\n    (void)api;\n%s    memset(cfg, 0, sizeof *cfg);\n}\n",
            g.lname, rt, g.rel_buf ? g.rel_buf : "");
    rc = (ferror(h) || ferror(c)) ? -1 : 0;
    if (rc) snprintf(err, err_len, "could not write the generated files");
out:
    if (root) fclose(root);
    if (g.types) fclose(g.types);
    if (g.bind) fclose(g.bind);
    if (g.rel) fclose(g.rel);
    free(root_body);
    free(g.types_buf);
    free(g.bind_buf);
    free(g.rel_buf);
    for (size_t i = 0; i < g.n_ids; i++) free(g.ids[i]);
    free(g.ids);
    free(g.lname);
    free(g.uname);
    return rc;
}
