/*
 * read_csv.c -- CSV files (RFC 4180: a header row, fields quoted with '"'
 * when they hold commas, quotes or line breaks, "" for a quote) through
 * libcsv in strict mode.
 *
 * Values: every cell is a string, exactly as written (spaces kept), except
 * an empty unquoted cell, which is null; a quoted empty cell ("") is the
 * empty string.  Numbers stay strings: the file does not say whether
 * "007" is a number, so the warehouse decides.
 *
 * Offsets: the parser is fed one line at a time (a chunk ends at each CR
 * or LF), so when a record ends the byte just fed is its terminator and
 * the reader's offset is the exact resume point.
 */
#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"

typedef struct csv_reader {
    dw_ctx *ctx;
    files_run *run;
    const char *name; /* file name for messages */
    /* The record being assembled. */
    char **cells;     /* NULL entries: null cells */
    size_t n, cap;
    size_t record_bytes;
    int record_done;
    int bad_cell;     /* a cell held a NUL byte */
    /* The header. */
    char **header;
    size_t n_header;
    int inc_col;      /* column of the incremental field, -1: none */
    long line;        /* current line (1-based) */
    long record_line; /* line where the current record started */
} csv_reader;

static void on_cell(void *s, size_t len, void *data) {
    csv_reader *r = data;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        char **c = realloc(r->cells, cap * sizeof *c);
        if (!c) {
            r->bad_cell = ENOMEM;
            return;
        }
        r->cells = c;
        r->cap = cap;
    }
    char *copy = NULL;
    if (s) {
        if (memchr(s, 0, len)) r->bad_cell = 1;
        copy = malloc(len + 1);
        if (!copy) {
            r->bad_cell = ENOMEM;
            return;
        }
        memcpy(copy, s, len);
        copy[len] = 0;
    }
    r->cells[r->n++] = copy;
}

static void on_record(int c, void *data) {
    (void)c;
    ((csv_reader *)data)->record_done = 1;
}

static void clear_record(csv_reader *r) {
    for (size_t i = 0; i < r->n; i++) free(r->cells[i]);
    r->n = 0;
    r->record_bytes = 0;
    r->record_done = 0;
}

/* libcsv trims spaces around unquoted fields by default; RFC 4180 keeps
 * them, and so do we. */
static int never_space(unsigned char c) {
    (void)c;
    return 0;
}

/* Takes the current record as the header: unnamed columns become
 * column_<n>, repeated names get _2, _3... */
static dw_status take_header(csv_reader *r) {
    r->header = calloc(r->n + 1, sizeof *r->header);
    if (!r->header) return files_api->fail(r->ctx, DW_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < r->n; i++) {
        char *name = NULL;
        if (!r->cells[i] || !r->cells[i][0]) {
            if (asprintf(&name, "column_%zu", i + 1) < 0) name = NULL;
        } else {
            name = strdup(r->cells[i]);
        }
        for (int k = 2; name; k++) {
            size_t j = 0;
            while (j < i && strcmp(r->header[j], name) != 0) j++;
            if (j == i) break;
            char *renamed = NULL;
            const char *orig = r->cells[i] && r->cells[i][0] ? r->cells[i] : "column";
            if (asprintf(&renamed, "%s_%d", orig, k) < 0) renamed = NULL;
            free(name);
            name = renamed;
        }
        if (!name) return files_api->fail(r->ctx, DW_ERR_NOMEM, "out of memory");
        r->header[i] = name;
    }
    r->n_header = r->n;
    r->inc_col = -1;
    const char *field = files_run_field(r->run);
    if (field) {
        for (size_t i = 0; i < r->n_header; i++)
            if (!strcmp(r->header[i], field)) r->inc_col = (int)i;
        if (r->inc_col < 0)
            return files_api->fail(r->ctx, DW_ERR_CONFIG, "incremental field '%s' is not a column of %s", field,
                                   r->name);
    }
    return DW_OK;
}

static dw_status emit_record(csv_reader *r, off_t end) {
    if (r->n != r->n_header)
        return files_api->fail(r->ctx, DW_ERR_BAD_DATA,
                               "%s line %ld: %zu fields, but the header has %zu (quote fields that contain commas)",
                               r->name, r->record_line, r->n, r->n_header);
    int emitted = 0;
    if (!files_run_skip(r->run, r->inc_col >= 0 ? r->cells[r->inc_col] : NULL, 1)) {
        dw_row *row = files_api->row_new(r->ctx);
        if (!row) return files_api->fail(r->ctx, DW_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < r->n; i++) {
            if (r->cells[i])
                files_api->row_set_string(row, r->header[i], r->cells[i]);
            else
                files_api->row_set_null(row, r->header[i]);
        }
        dw_status st = files_api->row_emit(row);
        if (st != DW_OK) return files_api->fail(r->ctx, st, "%s line %ld", r->name, r->record_line);
        emitted = 1;
    }
    return files_record_end(r->run, end, emitted);
}

/* Feeds the file to libcsv from `offset`.  header_only: stop after the
 * first record (used to learn the header before resuming mid-file). */
static dw_status parse(csv_reader *r, const char *path, off_t offset, int header_only) {
    freader f;
    if (freader_open(&f, path, offset) != 0)
        return files_api->fail(r->ctx, errno == EACCES ? DW_ERR_FORBIDDEN : DW_ERR_NOT_FOUND, "cannot open %s: %s",
                               r->name, strerror(errno));
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL) != 0) {
        freader_close(&f);
        return files_api->fail(r->ctx, DW_ERR_NOMEM, "out of memory");
    }
    csv_set_space_func(&p, never_space);
    dw_status st = DW_OK;
    int first = offset == 0;
    for (;;) {
        ssize_t avail = freader_fill(&f, first ? 3 : 1);
        if (avail < 0) {
            st = files_api->fail(r->ctx, DW_ERR, "cannot read %s: %s", r->name, strerror(f.err));
            break;
        }
        if (avail == 0) break;
        const char *s = f.buf + f.pos;
        if (first && avail >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) { /* UTF-8 byte order mark */
            f.pos += 3;
            first = 0;
            continue;
        }
        first = 0;
        size_t n = 0;
        while (n < (size_t)avail && s[n] != '\n' && s[n] != '\r') n++;
        if (n < (size_t)avail) n++; /* include the terminator */
        if (p.pstate == 0 && r->n == 0) r->record_line = r->line;
        size_t used = csv_parse(&p, s, n, on_cell, on_record, r);
        if (used != n || r->bad_cell) {
            if (r->bad_cell == ENOMEM || csv_error(&p) == CSV_ENOMEM)
                st = files_api->fail(r->ctx, DW_ERR_NOMEM, "out of memory reading %s", r->name);
            else if (r->bad_cell)
                st = files_api->fail(r->ctx, DW_ERR_BAD_DATA, "%s line %ld: a field contains a NUL byte (binary data?)",
                                     r->name, r->record_line);
            else
                st = files_api->fail(r->ctx, DW_ERR_BAD_DATA,
                                     "%s line %ld: malformed CSV quoting (a quote inside an unquoted field, or text "
                                     "after a closing quote; write a quote inside a quoted field as \"\")",
                                     r->name, r->record_line);
            break;
        }
        f.pos += n;
        if (n && s[n - 1] == '\n') r->line++;
        else if (n && s[n - 1] == '\r' && f.pos < f.len && f.buf[f.pos] != '\n') r->line++; /* lone CR */
        r->record_bytes += n;
        if (r->record_bytes > FILES_MAX_LINE_BYTES) {
            st = files_api->fail(r->ctx, DW_ERR_BAD_DATA, "%s line %ld: a record is larger than %u MiB", r->name,
                                 r->record_line, FILES_MAX_LINE_BYTES >> 20);
            break;
        }
        if (!r->record_done) continue;
        st = r->header ? emit_record(r, freader_offset(&f)) : take_header(r);
        clear_record(r);
        if (st != DW_OK || (header_only && r->header)) break;
    }
    if (st == DW_OK && !(header_only && r->header)) {
        if (csv_fini(&p, on_cell, on_record, r) != 0) {
            st = files_api->fail(r->ctx, DW_ERR_BAD_DATA, "%s: the quoted field starting on line %ld never closes",
                                 r->name, r->record_line);
        } else if (r->record_done) {
            st = r->header ? emit_record(r, freader_offset(&f)) : take_header(r);
            clear_record(r);
        }
    }
    clear_record(r);
    csv_free(&p);
    freader_close(&f);
    return st;
}

dw_status files_read_csv(dw_ctx *ctx, files_run *run, const char *path, off_t offset) {
    csv_reader r = {.ctx = ctx, .run = run, .name = files_run_file(run), .line = 1, .record_line = 1, .inc_col = -1};
    dw_status st = DW_OK;
    if (offset > 0) {
        /* Resuming mid-file: learn the header first. */
        st = parse(&r, path, 0, 1);
        if (st == DW_OK && !r.header)
            st = files_api->fail(ctx, DW_ERR_STATE, "%s has no header row any more; rerun with --reset", r.name);
        /* Line numbers in messages stay true after a resume. */
        long lines = freader_count_lines(path, offset);
        r.line = r.record_line = lines < 0 ? 0 : lines + 1;
    }
    if (st == DW_OK) st = parse(&r, path, offset, 0);
    for (size_t i = 0; i < r.n_header; i++) free(r.header[i]);
    free(r.header);
    free(r.cells);
    return st;
}
