/*
 * conformance_rows.h -- what the conformance suite keeps of a read's rows
 * (conformance_rows.c): not the rows, but per row what the checks compare
 * -- the primary-key tuple text and a 128-bit digest of the row's compact
 * JSON text -- plus running counts and extremes of the fields the checks
 * look at.  About 40 bytes per row instead of the row's json-c objects
 * (kilobytes), so a read of millions of rows fits in memory.
 *
 * A key index (dwhi_conf_index) over one or more row ranges finds rows by
 * primary key, the way the checks compare reads.
 */
#ifndef DWHI_CONFORMANCE_ROWS_H
#define DWHI_CONFORMANCE_ROWS_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

/* Why a row has no usable primary key (0: it has one). */
enum { DWHI_CONF_PK_OK = 0, DWHI_CONF_PK_MISSING, DWHI_CONF_PK_NULL, DWHI_CONF_PK_NOT_SCALAR };

/* One row as the checks see it. */
typedef struct dwhi_conf_row {
    size_t key_off;         /* into the store's key arena: the key tuple, NUL-terminated */
    uint32_t key_len;       /* without the NUL; 0 when bad_why is set or no key is declared */
    uint16_t bad_which;     /* index of the primary key that is missing/null/not scalar */
    uint8_t bad_why;        /* DWHI_CONF_PK_* */
    unsigned char digest[16]; /* MD5 of the row's compact JSON text (comparison only) */
} dwhi_conf_row;

/* Running facts about one field (a dotted path) over the rows added. */
typedef struct dwhi_conf_field_stats {
    char *path;             /* owned copy */
    size_t missing;         /* rows where the path does not exist */
    size_t unusable;        /* rows where it is missing, null, an object or an array */
    json_object *max, *min; /* owned copies of the extreme scalar values (dwhi_conf_value_cmp); NULL: none */
    json_object *older_than;/* borrowed threshold, NULL: not counted */
    size_t older;           /* rows whose value is below older_than */
    char older_sample[200]; /* "<value> < <threshold>" of the first such row */
} dwhi_conf_field_stats;

/* The rows of one read.  Zero it, dwhi_conf_rows_init, add rows, then read
 * the members; release with dwhi_conf_rows_free. */
typedef struct dwhi_conf_rows {
    dwhi_conf_row *rows;
    size_t n, cap;
    char *keys;             /* the key arena */
    size_t keys_len, keys_cap;
    json_object *pks;       /* borrowed: the schema's primary_keys array (NULL/empty: none) */
    dwhi_conf_field_stats *fields;
    size_t n_fields;
} dwhi_conf_rows;

/* Starts an empty store; `pks` (borrowed, may be NULL) must outlive it. */
void dwhi_conf_rows_init(dwhi_conf_rows *r, json_object *pks);

/* Keeps counts (and extremes) of `path` (copied) over the rows added from
 * now on; `older_than` (borrowed, may be NULL) also counts values below
 * it.  Returns the field's stats (owned by the store; valid until the
 * next watch call or free), NULL when out of memory. */
dwhi_conf_field_stats *dwhi_conf_rows_watch(dwhi_conf_rows *r, const char *path, json_object *older_than);

/* The stats of a watched path (borrowed from the store), NULL if not watched. */
const dwhi_conf_field_stats *dwhi_conf_rows_field(const dwhi_conf_rows *r, const char *path);

/* Adds `row` (borrowed) whose compact JSON text is `text` (`len` bytes,
 * borrowed).  Returns 0, -1 when out of memory (the store is unchanged). */
int dwhi_conf_rows_add(dwhi_conf_rows *r, json_object *row, const char *text, size_t len);

/* The key tuple text of row i (borrowed from the store): key values as
 * compact JSON, each followed by \x1f.  "" when the row has none. */
const char *dwhi_conf_row_key(const dwhi_conf_rows *r, size_t i);

/* Frees what the store owns and zeroes it. */
void dwhi_conf_rows_free(dwhi_conf_rows *r);

/* A range [from, to) of a store: the key index reads rows through these. */
typedef struct dwhi_conf_span {
    const dwhi_conf_rows *rows; /* borrowed */
    size_t from, to;
} dwhi_conf_span;

/* Finds rows by key tuple over a sequence of spans (positions count from
 * 0 across the spans, in order).  The first row with a key is indexed;
 * later rows with the same key are duplicates. */
typedef struct dwhi_conf_index {
    dwhi_conf_span spans[2];
    size_t n_spans;
    uint32_t *slots;        /* position + 1; 0: empty */
    size_t mask;
    size_t bad, dups;       /* rows without a usable key; rows repeating one */
    char sample[256];       /* the first bad row, else the first repeat, described */
} dwhi_conf_index;

/* Builds the index over `n_spans` (1 or 2) spans, borrowed: the stores
 * must outlive the index and not change.  Returns 0; -1 when out of
 * memory or there are more rows than it can count (the index is then
 * empty; free it all the same). */
int dwhi_conf_index_build(dwhi_conf_index *ix, const dwhi_conf_span *spans, size_t n_spans);

/* The row indexed under `key` (a key tuple text as dwhi_conf_row_key
 * gives) or NULL; *pos (may be NULL) receives its position. */
const dwhi_conf_row *dwhi_conf_index_find(const dwhi_conf_index *ix, const char *key, size_t *pos);

/* The row at position `pos` across the spans and its store (borrowed). */
const dwhi_conf_row *dwhi_conf_index_row(const dwhi_conf_index *ix, size_t pos, const dwhi_conf_rows **store);

void dwhi_conf_index_free(dwhi_conf_index *ix);

/* A key tuple for messages: values joined with ", ", written into buf
 * (`len` bytes, cut to fit); returns buf. */
const char *dwhi_conf_key_display(const char *key, char *buf, size_t len);

#endif
