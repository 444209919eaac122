/*
 * options.c -- the files source's config, read once per operation into
 * files_opts, through the typed config tools/gen-config generates from
 * the form (files_config.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "files_config.h"

static char *trimmed(const char *s, size_t n) {
    while (n && isspace((unsigned char)*s)) s++, n--;
    while (n && isspace((unsigned char)s[n - 1])) n--;
    char *out = malloc(n + 1);
    if (!out) return NULL;
    memcpy(out, s, n);
    out[n] = 0;
    return out;
}

static const char *text(const char *s) { return s && *s ? s : NULL; }

/* "name=pattern" lines; blank lines and lines starting with '#' skipped. */
static dw_status parse_tables(dw_ctx *ctx, const char *spec, files_opts *o) {
    size_t line = 0;
    for (const char *p = spec; *p;) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        line++;
        char *l = trimmed(p, n);
        p += n + (eol ? 1 : 0);
        if (!l) return files_api->fail(ctx, DW_ERR_NOMEM, "out of memory");
        if (!l[0] || l[0] == '#') {
            free(l);
            continue;
        }
        char *eq = strchr(l, '=');
        char *name = eq ? trimmed(l, (size_t)(eq - l)) : NULL;
        char *pat = eq ? trimmed(eq + 1, strlen(eq + 1)) : NULL;
        free(l);
        dw_status st = DW_OK;
        if (!name || !pat || !name[0] || !pat[0])
            st = files_api->fail(ctx, DW_ERR_CONFIG, "tables line %zu: expected name=pattern, e.g. orders=orders-*.csv",
                                 line);
        else if (strchr(pat, '/'))
            st = files_api->fail(ctx, DW_ERR_CONFIG,
                                 "tables line %zu: pattern '%s' contains '/'; patterns match file names inside "
                                 "the directory",
                                 line, pat);
        for (size_t i = 0; st == DW_OK && i < o->n_tables; i++)
            if (!strcmp(o->tables[i].name, name))
                st = files_api->fail(ctx, DW_ERR_CONFIG, "tables line %zu: schema '%s' is defined twice", line, name);
        files_table_spec *t = st == DW_OK ? realloc(o->tables, (o->n_tables + 1) * sizeof *t) : NULL;
        if (st == DW_OK && !t) st = files_api->fail(ctx, DW_ERR_NOMEM, "out of memory");
        if (st != DW_OK) {
            free(name);
            free(pat);
            return st;
        }
        o->tables = t;
        o->tables[o->n_tables].name = name;
        o->tables[o->n_tables].pattern = pat;
        o->n_tables++;
    }
    return DW_OK;
}

static dw_status parse_keys(dw_ctx *ctx, const char *spec, files_opts *o) {
    size_t n = 0;
    for (const char *p = spec;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char *k = trimmed(p, len);
        if (!k) return files_api->fail(ctx, DW_ERR_NOMEM, "out of memory");
        if (!k[0]) {
            free(k);
            return files_api->fail(ctx, DW_ERR_CONFIG, "primary_key '%s' has an empty name; use e.g. id or id,region",
                                   spec);
        }
        if (n == FILES_MAX_KEYS) {
            free(k);
            return files_api->fail(ctx, DW_ERR_CONFIG, "primary_key has more than %d columns", FILES_MAX_KEYS);
        }
        o->primary_keys[n++] = k;
        if (!comma) break;
        p = comma + 1;
    }
    return DW_OK;
}

static const struct {
    const char *name;
    uint32_t type;
} types[] = {{"integer", DW_TYPE_INTEGER}, {"numeric", DW_TYPE_NUMERIC}, {"datetime", DW_TYPE_DATETIME},
             {"date", DW_TYPE_DATE}, {"timestamp", DW_TYPE_TIMESTAMP}};

/* Copies what the operation needs out of the bound config (the bound
 * strings are the host's, valid only for this call). */
static dw_status opts_from(dw_ctx *ctx, const files_config *c, files_opts *o) {
    const char *dir = text(c->directory);
    if (!dir)
        return files_api->fail(ctx, DW_ERR_NEEDS_CONFIG,
                               "the files source needs 'directory' (the folder holding the files) in its config");
    o->directory = strdup(dir);
    if (!o->directory) return files_api->fail(ctx, DW_ERR_NOMEM, "out of memory");

    dw_status st = parse_keys(ctx, text(c->primary_key) ? c->primary_key : FILES_DEFAULT_PRIMARY_KEY, o);
    if (st != DW_OK) return st;

    const char *inc = text(c->incremental_field);
    if (inc && !(o->incremental_field = strdup(inc))) return files_api->fail(ctx, DW_ERR_NOMEM, "out of memory");
    const char *type = text(c->incremental_field_type.value);
    if (type) {
        size_t i = 0;
        while (i < sizeof types / sizeof types[0] && strcmp(types[i].name, type) != 0) i++;
        if (i == sizeof types / sizeof types[0])
            return files_api->fail(ctx, DW_ERR_CONFIG,
                                   "incremental_field_type '%s' is not one of integer, numeric, datetime, date, "
                                   "timestamp",
                                   type);
        o->incremental_type = types[i].type;
    }

    /* repeated_keys defaults to "last": a file is often a change log */
    o->keys_may_repeat = c->repeated_keys.selection != FILES_REPEATED_KEYS_FAIL;

    /* page_rows has a default, so the validated config always holds it. */
    if (c->page_rows < 1 || c->page_rows > FILES_MAX_PAGE_ROWS)
        return files_api->fail(ctx, DW_ERR_CONFIG, "page_rows is %lld; use 1 to %d", (long long)c->page_rows,
                               FILES_MAX_PAGE_ROWS);
    o->page_rows = c->page_rows;

    if (c->tables) return parse_tables(ctx, c->tables, o);
    return DW_OK;
}

dw_status files_opts_load(dw_ctx *ctx, files_opts *o) {
    memset(o, 0, sizeof *o);
    o->page_rows = FILES_DEFAULT_PAGE_ROWS;
    o->incremental_type = DW_TYPE_DATETIME;
    files_config c;
    dw_status st = files_config_bind(files_api, ctx, &c);
    if (st == DW_OK) st = opts_from(ctx, &c, o);
    files_config_release(files_api, &c);
    return st;
}

void files_opts_free(files_opts *o) {
    free(o->directory);
    for (size_t i = 0; i < FILES_MAX_KEYS && o->primary_keys[i]; i++) free(o->primary_keys[i]);
    free(o->incremental_field);
    for (size_t i = 0; i < o->n_tables; i++) {
        free(o->tables[i].name);
        free(o->tables[i].pattern);
    }
    free(o->tables);
    memset(o, 0, sizeof *o);
}
