/*
 * json_rows.h -- a JSON body parsed as it arrives, straight into encoded
 * rows: the hot path of every page of rows (the REST toolkit's pages,
 * emit_json, emit_page).
 *
 * yajl lexes the text (fed in chunks as the transport receives them, so a
 * page is never held twice); the callbacks write each row's top-level
 * members as typed cells into a dwhi_batcher used as the page's row store,
 * and nested objects and arrays as compact JSON text, without building a
 * tree.  The values a paginator needs from outside the rows (a next URL,
 * a cursor, has_more, a total) are captured by path on the way.
 *
 * It accepts and refuses what dwhi_json_parse_strict (json_strict.h) does
 * and stores the same cells, with two deliberate differences where that
 * parse follows json-c rather than RFC 8259: a raw control character
 * inside a string and a number such as "1." are refused here.  Text a
 * repeated key makes differ: a row's repeated top-level key keeps its
 * first place and its last value, as json-c does; a key repeated inside a
 * nested object is kept as sent.  A row holding an invalid \u surrogate
 * escape is re-read with json-c (U+FFFD, as json-c does).  fuzz-rows
 * (tests/runtime/fuzz_rows.c) holds the two parses to these rules.
 */
#ifndef DWHI_JSON_ROWS_H
#define DWHI_JSON_ROWS_H

#include <stddef.h>

#include "batcher.h"

#define DWHI_JSON_ROWS_MAX_CAPTURES 32

typedef struct dwhi_json_rows dwhi_json_rows;

typedef struct dwhi_json_rows_spec {
    /* Dotted path of the rows (an endpoint's data_selector): an array of
     * objects, one object (one row) or null (no rows).  NULL or "": the
     * body itself.  With rows_pointer set, a JSON Pointer (RFC 6901: "",
     * "/data", "/a~1b") naming object members only. */
    const char *rows_path;
    int rows_pointer;
    /* Dotted paths whose values the caller wants as JSON text (the next
     * URL, cursor, has_more, total...), NULL-terminated, at most
     * DWHI_JSON_ROWS_MAX_CAPTURES.  Borrowed until the parser is freed. */
    const char *const *captures;
    /* Non-zero: also keep each row's compact JSON text (its json span),
     * as json-c prints the same object: for JSON-lines output. */
    int row_text;
} dwhi_json_rows_spec;

typedef enum dwhi_rows_kind {
    DWHI_ROWS_ABSENT = 0, /* nothing at rows_path */
    DWHI_ROWS_NULL,       /* null: no rows */
    DWHI_ROWS_ARRAY,      /* an array of objects */
    DWHI_ROWS_OBJECT      /* a single object: one row */
} dwhi_rows_kind;

typedef enum dwhi_json_rows_err {
    DWHI_JSON_ROWS_OK = 0,
    DWHI_JSON_ROWS_ERR_JSON,       /* not (strict) JSON; see the message */
    DWHI_JSON_ROWS_ERR_NOT_ROWS,   /* the value at rows_path is a string, number or boolean */
    DWHI_JSON_ROWS_ERR_NOT_OBJECT, /* an element of the rows array is not an object */
    DWHI_JSON_ROWS_ERR_NOMEM
} dwhi_json_rows_err;

/* 1 when the streaming parse can serve `spec`: its paths name object
 * members only ("a.b", not "a[0].b"; a pointer without a component that
 * could be an array index, "/0" or "/-"); the DOM parse serves the rest. */
int dwhi_json_rows_supported(const dwhi_json_rows_spec *spec);

/* A parser writing the rows it reads into `store` (borrowed; its key
 * dictionary names the cells).  Rows are appended to what store holds.
 * NULL on OOM or an unsupported spec.  Free with dwhi_json_rows_free(). */
dwhi_json_rows *dwhi_json_rows_new(const dwhi_json_rows_spec *spec, dwhi_batcher *store);
void dwhi_json_rows_free(dwhi_json_rows *p);

/* Starts a new text with the same spec and store (rows already in the
 * store stay). */
void dwhi_json_rows_reset(dwhi_json_rows *p);

/* Feeds the next `len` bytes of the text (borrowed for the call).
 * Returns 0, or -1 with the error set (see dwhi_json_rows_error); the
 * rows of the text read so far stay in the store (the caller drops what
 * it must, e.g. with dwhi_batcher_clear). */
int dwhi_json_rows_feed(dwhi_json_rows *p, const char *data, size_t len);
/* Ends the text.  0, or -1 with the error set. */
int dwhi_json_rows_finish(dwhi_json_rows *p);

/* The error (DWHI_JSON_ROWS_OK before one) and its one-line message, owned
 * by p ("invalid JSON at byte 12: ...", "nested deeper than 64 levels").
 * *row is the index of the row an ERR_NOT_OBJECT is about (may be NULL). */
dwhi_json_rows_err dwhi_json_rows_error(const dwhi_json_rows *p, const char **message, size_t *row);

/* After an ERR_NOT_ROWS or ERR_NOT_OBJECT: what the value was ("a
 * string", "a number", "a boolean", "null", "an array"); static. */
const char *dwhi_json_rows_error_type(const dwhi_json_rows *p);

/* After finish: what stood at rows_path, and how many rows were stored. */
dwhi_rows_kind dwhi_json_rows_kind(const dwhi_json_rows *p);
size_t dwhi_json_rows_count(const dwhi_json_rows *p);
/* After finish: the compact JSON text of the value at captures[i] (owned
 * by p, NUL-terminated), or NULL when the text had none there. */
const char *dwhi_json_rows_capture(const dwhi_json_rows *p, size_t i, size_t *len);

#endif
