/*
 * source.c -- the files source: a local directory of CSV, JSON Lines and
 * JSON array files.  The descriptor, the config form, the schemas and the
 * credential check (is the directory there and readable?).  Reading is in
 * files.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"

const dw_host_api *files_api;

static dw_status files_init(const dw_host_api *api, void **plugin_data) {
    (void)plugin_data;
    if (!DW_API_HAS(api, state_save)) return DW_ERR_UNSUPPORTED; /* resumable: needs ABI 1.1 */
    files_api = api;
    return DW_OK;
}

static dw_status files_list_schemas(dw_ctx *ctx) {
    files_opts o;
    files_tables t;
    dw_status st = files_opts_load(ctx, &o);
    if (st == DW_OK) st = files_tables_load(ctx, &o, &t);
    if (st != DW_OK) {
        files_opts_free(&o);
        return st;
    }
    dw_incremental_field inc = {o.incremental_field, o.incremental_field, o.incremental_type};
    for (size_t i = 0; st == DW_OK && i < t.n; i++) {
        const files_table *tb = &t.items[i];
        char desc[512];
        if (tb->pattern)
            snprintf(desc, sizeof desc, "Files matching %s in %s (%zu now)", tb->pattern, o.directory, tb->n_files);
        else
            snprintf(desc, sizeof desc, "%s in %s (%s)", tb->files[0], o.directory, files_format_of(tb->files[0])->label);
        dw_schema s = {
            .struct_size = sizeof s,
            .name = tb->name,
            .label = tb->label,
            .description = desc,
            .supports_incremental = o.incremental_field != NULL,
            .supports_append = 1,
            .should_sync_default = 1,
            .incremental_fields = o.incremental_field ? &inc : NULL,
            .n_incremental_fields = o.incremental_field ? 1 : 0,
            .primary_keys = (const char *const *)o.primary_keys,
            .sort_mode = DW_SORT_ASC,
            .row_count = -1,
            .has_duplicate_primary_keys = o.keys_may_repeat,
        };
        st = files_api->schema_add(ctx, &s);
    }
    files_tables_free(&t);
    files_opts_free(&o);
    return st;
}

static dw_status files_check(dw_ctx *ctx, const char *schema) {
    files_opts o;
    files_tables t;
    dw_status st = files_opts_load(ctx, &o);
    if (st == DW_ERR_NEEDS_CONFIG) st = DW_ERR_CONFIG; /* a check always has a config */
    if (st == DW_OK) st = files_tables_load(ctx, &o, &t);
    if (st != DW_OK) {
        files_opts_free(&o);
        return st;
    }
    if (schema) {
        const files_table *tb = files_tables_find(&t, schema);
        if (!tb) {
            char *names = files_tables_names(&t);
            st = files_api->fail(ctx, DW_ERR_NOT_FOUND, "schema '%s' does not exist in '%s'; its schemas are: %s",
                                 schema, o.directory, names && names[0] ? names : "(none)");
            free(names);
        }
        /* Every file of the schema must open. */
        for (size_t i = 0; st == DW_OK && i < tb->n_files; i++) {
            char *path = NULL;
            if (asprintf(&path, "%s/%s", o.directory, tb->files[i]) < 0) {
                st = files_api->fail(ctx, DW_ERR_NOMEM, "out of memory");
                break;
            }
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                st = files_api->fail(ctx, errno == EACCES ? DW_ERR_FORBIDDEN : DW_ERR_NOT_FOUND,
                                     "file '%s' in '%s' cannot be read: %s", tb->files[i], o.directory,
                                     strerror(errno));
            else
                close(fd);
            free(path);
        }
        if (st == DW_OK)
            files_api->log(ctx, DW_LOG_INFO, "the %zu file%s of schema '%s' in the folder %s %s readable",
                           tb->n_files, tb->n_files == 1 ? "" : "s", schema, o.directory,
                           tb->n_files == 1 ? "is" : "are");
    } else if (t.n == 0) {
        files_api->log(ctx, DW_LOG_WARN, "directory '%s' holds no %s files yet", o.directory,
                       o.n_tables ? "matching" : files_known_patterns);
    }
    /* What `dwhost check` prints: a folder has no credentials to accept. */
    if (st == DW_OK && !schema)
        files_api->log(ctx, DW_LOG_INFO, "the folder %s is readable (%zu schema%s)", o.directory, t.n,
                       t.n == 1 ? "" : "s");
    files_tables_free(&t);
    files_opts_free(&o);
    return st;
}



static const dw_select_option type_options[] = {
    {"Date and time (ISO 8601)", "datetime", NULL, 0},
    {"Date", "date", NULL, 0},
    {"Integer", "integer", NULL, 0},
    {"Number", "numeric", NULL, 0},
    {"Unix timestamp", "timestamp", NULL, 0},
};

/* Files are often change logs: a later line updates an earlier one's key. */
static const dw_select_option repeat_options[] = {
    {"Keep the last row of each key", "last", NULL, 0},
    {"Fail the sync", "fail", NULL, 0},
};

static const dw_field fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "directory", .label = "Directory", .required = 1,
     .input_type = DW_INPUT_TEXT, .placeholder = "/srv/exports",
     .caption = "The folder holding the files. A relative path is relative to where dwhost runs."},
    {.kind = DW_FIELD_INPUT, .name = "tables", .label = "Tables", .input_type = DW_INPUT_TEXTAREA,
     .placeholder = "orders=orders-*.jsonl\ncustomers=customers.csv",
     .caption = "One `name=pattern` per line; each line is a schema made of the matching files, read in name "
                "order. Leave empty to make every *.csv, *.jsonl, *.ndjson and *.json file its own schema, named "
                "after the file."},
    {.kind = DW_FIELD_INPUT, .name = "primary_key", .label = "Primary key", .input_type = DW_INPUT_TEXT,
     .default_value = FILES_DEFAULT_PRIMARY_KEY, .placeholder = "id",
     .caption = "Column(s) that identify a row, comma separated for a composite key."},
    {.kind = DW_FIELD_INPUT, .name = "incremental_field", .label = "Incremental field",
     .input_type = DW_INPUT_TEXT, .placeholder = "updated_at",
     .caption = "Optional. A column that grows with every change. Filtering is client-side: every sync still "
                "reads every file and skips the rows whose value is before the last synced value, compared by "
                "the type below (rows with the same value are read again and merged on the primary key)."},
    {.kind = DW_FIELD_SELECT, .name = "incremental_field_type", .label = "Incremental field type",
     .options = type_options, .n_options = DW_COUNT(type_options), .default_value = "datetime"},
    {.kind = DW_FIELD_SELECT, .name = "repeated_keys", .label = "Repeated primary keys",
     .options = repeat_options, .n_options = DW_COUNT(repeat_options), .default_value = "last",
     .caption = "When a key comes again in one sync (a change log whose later line updates a row): \"last\" keeps "
                "the last row of each key (incremental and full refresh); \"fail\" stops an incremental sync, for "
                "files whose keys must be unique."},
    {.kind = DW_FIELD_INPUT, .name = "page_rows", .label = "Rows per page", .input_type = DW_INPUT_NUMBER,
     .default_value = "1000",
     .caption = "How many rows are read between two saved resume points."},
};

static const char *const keywords[] = {"csv", "json", "jsonl", "ndjson", "local", "files", NULL};

DW_EXPORT const dw_source dwhost_source = {
    DW_SOURCE_HEADER,
    .name = "files",
    .label = "Local files",
    .caption = "Sync CSV, JSON Lines and JSON array files from a folder on this machine. CSV values arrive as "
               "text (an empty unquoted cell is null); JSON values keep their types.",
    .docs_url = "https://github.com/dwhost/dwhost#the-files-connector",
    .icon_path = "/static/services/files.svg",
    .category = "Files",
    .keywords = keywords,
    .release_status = DW_RELEASE_BETA,
    .comm_method = DW_COMM_LOCAL_FILES,
    .primary_library = "libcsv, json-c",
    .version = "1.0.0",
    .capabilities = DW_CAP_RESUMABLE,
    .fields = fields,
    .n_fields = DW_COUNT(fields),
    .init = files_init,
    .list_schemas = files_list_schemas,
    .check_credentials = files_check,
    .run = files_run_schema,
};
