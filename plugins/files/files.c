/*
 * files.c -- one run of a files schema: its files in name order, rows in
 * pages, the resume state after each page, and the client-side
 * incremental filter.
 *
 * State: {"file": <base name>, "offset": <byte just past the last record
 * of the page>, "rows": <rows emitted so far by this job>}, saved after
 * every page_rows records and at the end of every file.  A resumed run
 * skips the files before "file" and starts that one at "offset", so it
 * neither misses nor repeats a row.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"

struct files_run {
    dw_ctx *ctx;
    const char *file;  /* the file being read (base name) */
    const char *field; /* incremental field, NULL: no filter */
    uint32_t type;     /* dw_value_type of the field */
    int have_mark;     /* 0: keep every row (first run, or an unusable watermark) */
    files_value mark;  /* the last watermark, parsed by type */
    int64_t page_rows;
    int64_t in_page;   /* records since the last save */
    int64_t rows;      /* rows emitted by this job (resumed runs included) */
    off_t last_offset; /* end of the last record */
};

const char *files_run_field(const files_run *run) { return run->field; }
const char *files_run_file(const files_run *run) { return run->file; }

int files_run_skip(files_run *run, const char *value, int is_string) {
    if (!run->field || !run->have_mark || !value) return 0; /* rows without the field are kept */
    files_value v;
    if (files_value_parse(run->type, value, is_string, &v) != 0) return 0; /* never drop what we cannot order */
    return files_value_cmp(run->type, &v, &run->mark) < 0;
}

static dw_status save_state(files_run *run, off_t offset) {
    json_object *o = json_object_new_object();
    if (!o) return files_api->fail(run->ctx, DW_ERR_NOMEM, "out of memory");
    json_object_object_add(o, "file", json_object_new_string(run->file));
    json_object_object_add(o, "offset", json_object_new_int64((int64_t)offset));
    json_object_object_add(o, "rows", json_object_new_int64(run->rows));
    dw_status st = files_api->state_save(run->ctx, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    run->in_page = 0;
    return st;
}

dw_status files_record_end(files_run *run, off_t offset, int emitted) {
    run->rows += emitted ? 1 : 0;
    run->last_offset = offset;
    if (++run->in_page < run->page_rows) return DW_OK;
    if (files_api->cancelled(run->ctx))
        return files_api->fail(run->ctx, DW_ERR_CANCELLED, "stopped in %s at byte %lld", run->file,
                               (long long)offset);
    return save_state(run, offset);
}

/* The saved position, when this run resumes. */
typedef struct resume_point {
    char *file;
    off_t offset;
    int64_t rows;
} resume_point;

static dw_status load_resume(dw_ctx *ctx, resume_point *rp) {
    memset(rp, 0, sizeof *rp);
    if (!files_api->state_can_resume(ctx)) return DW_OK;
    const char *text = files_api->state_load(ctx);
    json_object *o = text ? json_tokener_parse(text) : NULL;
    json_object *file = NULL, *offset = NULL, *rows = NULL;
    int ok = json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, "file", &file) &&
             json_object_is_type(file, json_type_string) && json_object_object_get_ex(o, "offset", &offset) &&
             json_object_is_type(offset, json_type_int) && json_object_get_int64(offset) >= 0;
    if (ok) {
        rp->file = strdup(json_object_get_string(file));
        rp->offset = (off_t)json_object_get_int64(offset);
        if (json_object_object_get_ex(o, "rows", &rows) && json_object_is_type(rows, json_type_int))
            rp->rows = json_object_get_int64(rows);
    }
    json_object_put(o);
    if (!ok) return files_api->fail(ctx, DW_ERR_STATE, "the saved state is not a files position: %s; rerun with --reset",
                                    text ? text : "(none)");
    if (!rp->file) return files_api->fail(ctx, DW_ERR_NOMEM, "out of memory");
    return DW_OK;
}

static const char *type_name(uint32_t type) {
    switch (type) {
    case DW_TYPE_INTEGER: return "integer";
    case DW_TYPE_NUMERIC: return "numeric";
    case DW_TYPE_DATE: return "date";
    case DW_TYPE_TIMESTAMP: return "timestamp";
    default: return "datetime";
    }
}

/* The watermark (JSON scalar text from the host), parsed by the field's
 * type.  One that does not parse for the type (the type was changed since
 * it was stored) filters nothing: every row is read again and merged. */
static dw_status load_mark(dw_ctx *ctx, files_run *run, const char *json) {
    if (!json) return DW_OK;
    json_object *v = json_tokener_parse(json);
    if (!json_object_is_type(v, json_type_string) && !json_object_is_type(v, json_type_int) &&
        !json_object_is_type(v, json_type_double)) {
        json_object_put(v);
        return files_api->fail(ctx, DW_ERR_STATE, "the incremental watermark %s is not a string or a number", json);
    }
    int is_string = json_object_is_type(v, json_type_string);
    run->have_mark = files_value_parse(run->type, json_object_get_string(v), is_string, &run->mark) == 0;
    json_object_put(v);
    if (!run->have_mark)
        files_api->log(ctx, DW_LOG_WARN,
                       "the last incremental value %s is not a %s value; reading every row of the schema again "
                       "(rows are merged on the primary key)",
                       json, type_name(run->type));
    return DW_OK;
}

/* Whether `offset` (> 0) is just past a record, as every saved position
 * is: after a line's LF in JSON Lines, after a CR or LF in CSV, after an
 * element's '}' in a JSON array.  Anything else means the file changed
 * since the state was saved.  -1 when the byte cannot be read. */
static int at_record_end(const char *path, off_t offset, files_format format) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char c;
    ssize_t n = pread(fd, &c, 1, offset - 1);
    close(fd);
    if (n != 1) return -1;
    switch (format) {
    case FILES_JSONL: return c == '\n';
    case FILES_CSV: return c == '\n' || c == '\r';
    case FILES_JSON: return c == '}';
    }
    return 0;
}

static dw_status read_file(dw_ctx *ctx, files_run *run, const files_opts *o, const files_table *t, const char *file,
                           off_t offset) {
    const files_format_info *fmt = files_format_of(file);
    if (!fmt)
        return files_api->fail(ctx, DW_ERR_CONFIG,
                               "%s matches the pattern '%s' of schema '%s' but is not a known format (%s)", file,
                               t->pattern ? t->pattern : file, t->name, files_known_patterns);
    char *path = NULL;
    if (asprintf(&path, "%s/%s", o->directory, file) < 0) return files_api->fail(ctx, DW_ERR_NOMEM, "out of memory");
    struct stat st;
    dw_status rc = DW_OK;
    if (stat(path, &st) != 0) {
        rc = files_api->fail(ctx, DW_ERR_NOT_FOUND, "%s disappeared from '%s' while reading", file, o->directory);
    } else if (offset > st.st_size) {
        rc = files_api->fail(ctx, DW_ERR_STATE,
                             "the saved position (byte %lld) is past the end of %s (%lld bytes): the file was "
                             "replaced; rerun with --reset",
                             (long long)offset, file, (long long)st.st_size);
    } else if (offset > 0 && offset == st.st_size) {
        rc = DW_OK; /* finished before the interruption */
    } else if (offset > 0 && at_record_end(path, offset, fmt->format) == 0) {
        long line = freader_count_lines(path, offset);
        rc = files_api->fail(ctx, DW_ERR_STATE,
                             "the saved position (byte %lld, line %ld of %s) is inside a record, not at the end of "
                             "one: %s changed since the state was saved; rerun with --reset to read the schema "
                             "from the start",
                             (long long)offset, line + 1, file, file);
    } else {
        run->file = file;
        run->last_offset = offset;
        switch (fmt->format) {
        case FILES_CSV: rc = files_read_csv(ctx, run, path, offset); break;
        case FILES_JSONL: rc = files_read_jsonl(ctx, run, path, offset); break;
        case FILES_JSON: rc = files_read_json_array(ctx, run, path, offset); break;
        }
        /* The end of a file is a resume point whatever the page. */
        if (rc == DW_OK) rc = save_state(run, st.st_size > run->last_offset ? st.st_size : run->last_offset);
    }
    free(path);
    return rc;
}

dw_status files_run_schema(dw_ctx *ctx, const dw_run_inputs *in) {
    files_opts o;
    files_tables tables = {0};
    resume_point rp = {0};
    files_run run = {.ctx = ctx};
    dw_status st = files_opts_load(ctx, &o);
    if (st == DW_OK) st = files_tables_load(ctx, &o, &tables);
    const files_table *t = st == DW_OK ? files_tables_find(&tables, in->schema_name) : NULL;
    if (st == DW_OK && !t) {
        char *names = files_tables_names(&tables);
        st = files_api->fail(ctx, DW_ERR_NOT_FOUND, "schema '%s' does not exist in '%s'; its schemas are: %s",
                             in->schema_name, o.directory, names && names[0] ? names : "(none)");
        free(names);
    }
    if (st == DW_OK && in->use_incremental) {
        /* The user's choice of field wins; never pick another. */
        run.field = in->incremental_field ? in->incremental_field : o.incremental_field;
        /* The host's type (the schema's advertised one) when it passes one. */
        run.type = in->incremental_field_type ? in->incremental_field_type : o.incremental_type;
        if (!run.field)
            st = files_api->fail(ctx, DW_ERR_CONFIG,
                                 "incremental sync needs a field: set 'incremental_field' in the config");
        else
            st = load_mark(ctx, &run, in->incremental_last_value);
    }
    if (st == DW_OK) st = load_resume(ctx, &rp);
    if (st == DW_OK) {
        run.page_rows = o.page_rows;
        run.rows = rp.rows;
        if (rp.file)
            files_api->log(ctx, DW_LOG_INFO, "resuming at %s byte %lld (%lld rows so far)", rp.file,
                           (long long)rp.offset, (long long)rp.rows);
        if (!t->n_files)
            files_api->log(ctx, DW_LOG_WARN, "no file in '%s' matches '%s'", o.directory,
                           t->pattern ? t->pattern : t->label);
        /* The saved file must still be there: resuming "after" a file
         * that is gone would silently skip or read the wrong rows. */
        size_t found = 0;
        while (rp.file && found < t->n_files && strcmp(t->files[found], rp.file) != 0) found++;
        if (rp.file && found == t->n_files)
            st = files_api->fail(ctx, DW_ERR_STATE,
                                 "the saved position is in %s, which is no longer a file of schema '%s' in '%s' "
                                 "(renamed or removed?); rerun with --reset to read the schema from the start",
                                 rp.file, t->name, o.directory);
        for (size_t i = 0; st == DW_OK && i < t->n_files; i++) {
            const char *file = t->files[i];
            off_t offset = 0;
            if (rp.file) {
                int cmp = strcmp(file, rp.file);
                if (cmp < 0) continue; /* read by an earlier run */
                if (cmp == 0) offset = rp.offset;
            }
            st = read_file(ctx, &run, &o, t, file, offset);
        }
    }
    free(rp.file);
    files_tables_free(&tables);
    files_opts_free(&o);
    return st;
}
