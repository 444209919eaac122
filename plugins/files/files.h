/*
 * files.h -- internals of the files source (libsource_files.so), shared by
 *   source.c    the descriptor, config form, schemas, credential check
 *   settings.c  the catalog: which files make up which schema
 *   formats.c   the file formats read (by extension) and their defaults
 *   options.c   reading the config into files_opts
 *   files.c     a run: files in order, pages, resume state, the filter
 *   read_csv.c, read_json.c, freader.c  turning bytes into rows
 */
#ifndef FILES_H
#define FILES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dwsdk.h"

extern const dw_host_api *files_api;

/* ---- formats.c ------------------------------------------------------- */

typedef enum files_format { FILES_CSV = 1, FILES_JSONL = 2, FILES_JSON = 3 } files_format;

typedef struct files_format_info {
    const char *ext; /* ".csv" */
    files_format format;
    const char *label;
} files_format_info;

/* The format of a file name by its extension (case-insensitive), or NULL. */
const files_format_info *files_format_of(const char *filename);
/* "*.csv, *.jsonl, *.ndjson, *.json" for messages. */
extern const char files_known_patterns[];

#define FILES_DEFAULT_PRIMARY_KEY "id"
#define FILES_DEFAULT_PAGE_ROWS 1000
#define FILES_MAX_PAGE_ROWS 1000000
#define FILES_MAX_LINE_BYTES (64u << 20) /* one JSON line or CSV record */
#define FILES_MAX_KEYS 16

/* ---- options.c ------------------------------------------------------- */

typedef struct files_table_spec {
    char *name;
    char *pattern; /* fnmatch pattern for names inside the directory */
} files_table_spec;

typedef struct files_opts {
    char *directory;
    char *primary_keys[FILES_MAX_KEYS + 1]; /* NULL-terminated */
    char *incremental_field;                /* NULL: not incremental */
    uint32_t incremental_type;              /* dw_value_type */
    int64_t page_rows;
    int32_t keys_may_repeat;                /* repeated_keys "last" (the default) */
    files_table_spec *tables; /* from the "tables" textarea; NULL: one per file */
    size_t n_tables;
} files_opts;

/* Reads the config.  Returns DW_OK, DW_ERR_NEEDS_CONFIG (no directory) or
 * DW_ERR_CONFIG, having called api->fail with a message naming the field.
 * Free with files_opts_free() in every case. */
dw_status files_opts_load(dw_ctx *ctx, files_opts *o);
void files_opts_free(files_opts *o);

/* ---- settings.c (the catalog) ---------------------------------------- */

typedef struct files_table {
    char *name;
    char *label;
    char *pattern;  /* NULL: a single file found by the default scan */
    char **files;   /* sorted base names, NULL-terminated */
    size_t n_files;
} files_table;

typedef struct files_tables {
    files_table *items;
    size_t n;
} files_tables;

/* Checks the directory (NOT_FOUND / FORBIDDEN with clear messages, via
 * api->fail) and resolves the schemas.  Free with files_tables_free(). */
dw_status files_tables_load(dw_ctx *ctx, const files_opts *o, files_tables *out);
void files_tables_free(files_tables *t);
const files_table *files_tables_find(const files_tables *t, const char *name);
/* "a, b, c" of the schema names, malloc'd. */
char *files_tables_names(const files_tables *t);

/* ---- freader.c: a buffered reader that keeps absolute offsets ------ */

typedef struct freader {
    int fd;
    char *buf;
    size_t cap, pos, len; /* valid bytes are buf[pos..len) */
    off_t base;           /* file offset of buf[0] */
    int eof;
    int err;              /* errno of a failed read */
} freader;

/* Opens `path` and positions at `offset`.  Returns 0 or -1 with errno. */
int freader_open(freader *r, const char *path, off_t offset);
void freader_close(freader *r);
/* Makes at least `n` bytes available from pos unless EOF comes first;
 * returns how many are.  -1 on a read error (r->err). */
ssize_t freader_fill(freader *r, size_t n);
/* Newlines in the first `offset` bytes of `path` (line numbers after a
 * resume), -1 when it cannot be read. */
long freader_count_lines(const char *path, off_t offset);
/* Absolute offset of buf[pos]. */
static inline off_t freader_offset(const freader *r) { return r->base + (off_t)r->pos; }

/* ---- incremental.c: values of the incremental field ----------------- */

/* A value of the incremental field parsed by its dw_value_type. */
typedef struct files_value {
    long double num; /* integer, numeric, timestamp */
    int64_t sec;     /* datetime, date: UTC seconds and nanoseconds */
    int32_t nsec;
} files_value;

/* Parses `text` (borrowed; a JSON string's content when is_string, else a
 * JSON number as written) for a field of `type`, as the host's watermark
 * does.  Returns 0, or -1 when it does not parse for the type. */
int files_value_parse(uint32_t type, const char *text, int is_string, files_value *out);
/* <0, 0, >0 as a is before, equal to, after b. */
int files_value_cmp(uint32_t type, const files_value *a, const files_value *b);
/* ISO-8601 date or date-time (NUL-terminated) to UTC seconds + ns;
 * 0 or -1. */
int files_parse_isotime(const char *s, int64_t *sec, int32_t *nsec);

/* ---- files.c: a run -------------------------------------------------- */

/* What the readers report each row to.  A reader calls files_row_*()
 * once per record, then files_record_end() at the record boundary with
 * the offset just past it (the resume point). */
typedef struct files_run files_run;

/* The value of the incremental field for the row being read (borrowed;
 * NULL when the row lacks it; is_string: it is a JSON string or CSV text)
 * decides whether the row is skipped: returns non-zero when its value is
 * before the watermark.  Rows equal to the watermark are kept (a row added
 * later with the same value must not be lost; the merge on the primary key
 * rewrites the boundary row), and so are rows without a value or whose
 * value does not parse for the field's type. */
int files_run_skip(files_run *run, const char *value, int is_string);
/* The incremental field the run filters on (borrowed), NULL when it
 * does not filter. */
const char *files_run_field(const files_run *run);
/* A record was read (emitted or skipped) and ends at `offset`.  Saves the
 * resume state when a page is full.  Returns DW_OK or the error. */
dw_status files_record_end(files_run *run, off_t offset, int emitted);
/* The file and line being read, for messages. */
const char *files_run_file(const files_run *run);

dw_status files_run_schema(dw_ctx *ctx, const dw_run_inputs *in);

/* ---- read_csv.c / read_json.c ----------------------------------------- */

/* Reads `path` from `offset` (0: the beginning) and reports each row to
 * run.  Errors are recorded with api->fail naming the file and line. */
dw_status files_read_csv(dw_ctx *ctx, files_run *run, const char *path, off_t offset);
dw_status files_read_jsonl(dw_ctx *ctx, files_run *run, const char *path, off_t offset);
dw_status files_read_json_array(dw_ctx *ctx, files_run *run, const char *path, off_t offset);

#endif
