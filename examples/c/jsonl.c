/* jsonl.c -> libsource_jsonl_c.so: the example connector in C.
 *
 * Every NAME.jsonl file of a folder is a schema NAME; each line is one row
 * (a JSON object with an "id").  Rows go to the host a page at a time
 * (page_rows lines) and the resume state {"line": N} is saved after each
 * page, so a stopped sync continues at the next page.  The same connector
 * is in examples/cpp and examples/rust.  Built from the installed SDK only
 * (examples/README.md). */
#define _GNU_SOURCE /* scandir, alphasort, getline */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dwsdk.h>

#ifndef JSONL_NAME
#define JSONL_NAME "jsonl_c"
#endif

static const dw_host_api *api;

static dw_status init(const dw_host_api *a, void **data) {
    (void)data;
    api = a;
    return DW_OK;
}

/* A file name NAME.jsonl with a usable schema name: its length, else 0. */
static size_t schema_name_len(const char *file) {
    size_t n = strlen(file);
    if (n <= 6 || strcmp(file + n - 6, ".jsonl") != 0) return 0;
    for (size_t i = 0; i < n - 6; i++)
        if (!(file[i] == '_' || file[i] == '-' || (file[i] >= 'a' && file[i] <= 'z') ||
              (file[i] >= 'A' && file[i] <= 'Z') || (file[i] >= '0' && file[i] <= '9')))
            return 0;
    return n - 6;
}

static int is_schema_file(const struct dirent *e) { return schema_name_len(e->d_name) > 0; }

static dw_status list_schemas(dw_ctx *ctx) {
    const char *dir = api->config_string(ctx, "path");
    if (!dir) return DW_ERR_NEEDS_CONFIG; /* the schemas are the files of the folder */
    struct dirent **names;
    int n = scandir(dir, &names, is_schema_file, alphasort);
    if (n < 0) return api->fail(ctx, DW_ERR_CONFIG, "cannot list the folder %s: %s", dir, strerror(errno));
    static const char *const pk[] = {"id", NULL};
    dw_status st = DW_OK;
    for (int i = 0; i < n; i++) {
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)schema_name_len(names[i]->d_name), names[i]->d_name);
        dw_schema s = {.struct_size = sizeof s, .name = name, .primary_keys = pk, .should_sync_default = 1,
                       .row_count = -1};
        if (st == DW_OK) st = api->schema_add(ctx, &s);
        free(names[i]);
    }
    free(names);
    return st;
}

static dw_status check(dw_ctx *ctx, const char *schema) {
    const char *dir = api->config_string(ctx, "path");
    char file[4096];
    if (schema) snprintf(file, sizeof file, "%s/%s.jsonl", dir, schema);
    const char *what = schema ? file : dir;
    FILE *f = schema ? fopen(file, "r") : NULL;
    DIR *d = schema ? NULL : opendir(dir);
    if (!f && !d)
        return api->fail(ctx, DW_ERR_CONFIG, "cannot read %s: %s; set path to a readable folder", what,
                         strerror(errno));
    if (f) fclose(f);
    if (d) closedir(d);
    api->log(ctx, DW_LOG_INFO, "%s is readable", what);
    return DW_OK;
}

/* The line to start from: the saved state's, or 0. */
static int64_t resume_line(dw_ctx *ctx, const dw_run_inputs *in) {
    const char *saved = !in->reset_pipeline && api->state_can_resume(ctx) ? api->state_load(ctx) : NULL;
    dw_json *state = saved ? api->json_parse(ctx, saved, strlen(saved)) : NULL;
    const char *line = state ? api->json_string(api->json_get(state, "line")) : NULL;
    int64_t n = line ? strtoll(line, NULL, 10) : 0;
    api->json_free(state);
    return n > 0 ? n : 0;
}

/* Emits the page (rows joined in a JSON array) and saves where it ends. */
static dw_status flush(dw_ctx *ctx, char *page, size_t *len, int64_t next_line) {
    if (*len == 0) return DW_OK;
    page[0] = '[';
    page[*len] = ']';
    dw_status st = api->emit_page(ctx, page, *len + 1, "");
    *len = 0;
    if (st != DW_OK) return st;
    char state[64];
    snprintf(state, sizeof state, "{\"line\":%" PRId64 "}", next_line);
    return api->state_save(ctx, state);
}

static dw_status run(dw_ctx *ctx, const dw_run_inputs *in) {
    const char *dir = api->config_string(ctx, "path");
    int64_t page_rows = 100;
    if (api->config_int(ctx, "page_rows", &page_rows) < 0 || page_rows < 1 || page_rows > 100000)
        return api->fail(ctx, DW_ERR_CONFIG, "page_rows must be a number from 1 to 100000");
    char file[4096];
    snprintf(file, sizeof file, "%s/%s.jsonl", dir, in->schema_name);
    FILE *f = fopen(file, "r");
    if (!f) return api->fail(ctx, DW_ERR_NOT_FOUND, "cannot open %s: %s", file, strerror(errno));
    int64_t start = resume_line(ctx, in), lineno = 0, rows = 0;
    char *line = NULL, *page = NULL;
    size_t cap = 0, len = 0, page_cap = 0;
    ssize_t n;
    dw_status st = DW_OK;
    while (st == DW_OK && (n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
        if (lineno <= start || n == 0) continue;
        if (len + (size_t)n + 2 > page_cap) { /* '[' or ',' before the row, ']' after */
            page_cap = (len + (size_t)n + 2) * 2;
            char *p = realloc(page, page_cap);
            if (!p) { st = api->fail(ctx, DW_ERR_NOMEM, "out of memory reading %s", file); break; }
            page = p;
        }
        page[len] = ',';
        memcpy(page + len + 1, line, (size_t)n);
        len += (size_t)n + 1;
        if (++rows % page_rows == 0) st = flush(ctx, page, &len, lineno);
    }
    if (st == DW_OK && ferror(f)) st = api->fail(ctx, DW_ERR, "cannot read %s: %s", file, strerror(errno));
    if (st == DW_OK) st = flush(ctx, page, &len, lineno);
    free(line);
    free(page);
    fclose(f);
    return st;
}

static const dw_field fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "path", .label = "Folder", .input_type = DW_INPUT_TEXT, .required = 1,
     .placeholder = "/srv/exports", .caption = "Every NAME.jsonl file in it is a schema NAME."},
    {.kind = DW_FIELD_INPUT, .name = "page_rows", .label = "Rows per page", .input_type = DW_INPUT_NUMBER,
     .default_value = "100", .caption = "Rows between two saved resume points."},
};

DW_DESCRIPTOR = {
    DW_SOURCE_HEADER,
    .name = JSONL_NAME,
    .label = "JSON Lines (C example)",
    .caption = "Every NAME.jsonl file of a folder is a schema; each line is a row with an id.",
    .docs_url = "https://jsonlines.org/",
    .icon_path = "/static/services/jsonl.svg",
    .category = "Files",
    .comm_method = DW_COMM_LOCAL_FILES,
    .version = "1.0.0",
    .capabilities = DW_CAP_RESUMABLE,
    .fields = fields,
    .n_fields = DW_COUNT(fields),
    .init = init,
    .list_schemas = list_schemas,
    .check_credentials = check,
    .run = run,
};
