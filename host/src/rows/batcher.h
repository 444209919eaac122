/*
 * batcher.h -- buffers emitted rows into batches and keeps resume points
 * aligned with them.
 *
 * Rows are encoded when they arrive, so the plugin's JSON objects are
 * released at once: each row becomes typed cells (key id, type, value) in
 * one arena, keys interned in a dictionary (dwhi_keydict) shared by every
 * batch of a run.  Nested objects and arrays are stored as compact JSON
 * text.  A row may carry extra texts the pipeline computed while the JSON
 * was at hand: its partition key, its primary-key tuple, its incremental
 * field value (see dwhi_row_extras).  This keeps memory small and flat
 * (about the size of the data) and makes writing a batch a walk over
 * arrays.
 *
 * A plugin's state save marks a resume point between two rows.  A batch is
 * cut when the buffer is full (max_rows rows or max_bytes bytes) and always
 * ends at the last resume point it contains, carrying that point's state:
 * the rows committed with a state are exactly the rows emitted before the
 * save, so a resumed run neither repeats nor skips a row.  When the buffer
 * is full and holds no resume point (a page larger than a batch, a plugin
 * that never saves state), the whole buffer is cut without a state; the
 * pipeline then records how many rows it committed past the last resume
 * point (see sync_commit.c).
 */
#ifndef DWHI_BATCHER_H
#define DWHI_BATCHER_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "watermark.h"

#define DWHI_BATCH_DEFAULT_ROWS 5000u
#define DWHI_BATCH_DEFAULT_BYTES ((size_t)200 * 1024 * 1024)

/* ---- interned keys ----------------------------------------------------- */

typedef struct dwhi_keydict dwhi_keydict;

dwhi_keydict *dwhi_keydict_new(void);
void dwhi_keydict_free(dwhi_keydict *d);
/* The id of `key` (added when new); -1 on OOM. */
int32_t dwhi_keydict_intern(dwhi_keydict *d, const char *key, size_t len);
/* The id of `key` when the dictionary has it, else -1 (nothing added). */
int32_t dwhi_keydict_find(const dwhi_keydict *d, const char *key, size_t len);
/* A copy of d that names keys as d does now (the key texts are shared
 * with d, which must outlive it): for another thread to read while d
 * grows.  Only dwhi_keydict_name and _count work on it.  Free with
 * dwhi_keydict_free.  NULL on OOM. */
dwhi_keydict *dwhi_keydict_snapshot(const dwhi_keydict *d);
/* The key of an id (owned by the dictionary), and how many there are. */
const char *dwhi_keydict_name(const dwhi_keydict *d, uint32_t id);
uint32_t dwhi_keydict_count(const dwhi_keydict *d);

/* ---- rows ------------------------------------------------------------- */

typedef enum dwhi_cell_type {
    DWHI_CELL_NULL = 0,
    DWHI_CELL_INT,    /* v.i */
    DWHI_CELL_REAL,   /* v.d */
    DWHI_CELL_BOOL,   /* v.i: 0 or 1 */
    DWHI_CELL_TEXT,   /* v.s: a string */
    DWHI_CELL_BIGINT, /* v.s: the digits of an integer beyond int64 */
    DWHI_CELL_JSON    /* v.s: an object or array as compact JSON */
} dwhi_cell_type;

typedef struct dwhi_span {
    uint32_t off, len; /* into the batch's arena; len UINT32_MAX: none */
} dwhi_span;

typedef struct dwhi_cell {
    uint32_t key;  /* dwhi_keydict id */
    uint32_t type; /* dwhi_cell_type */
    union {
        int64_t i;
        double d;
        dwhi_span s;
    } v;
} dwhi_cell;

/* One buffered row: its cells, and the extras the pipeline attached. */
typedef struct dwhi_brow {
    uint32_t first, n_cells; /* cells[first .. first + n_cells) */
    dwhi_span partition;      /* partition key text */
    dwhi_span pk;             /* primary-key tuple as JSON text (merge) */
    dwhi_span wm_text;        /* the incremental field's value as JSON text */
    dwhi_span json;           /* the whole row as JSON text (JSON-lines output) */
    int has_wm;
    dwhi_wm_value wm;         /* the incremental field's value, parsed */
} dwhi_brow;

/* What the pipeline attaches to a row; every text is copied, NULL: none. */
typedef struct dwhi_row_extras {
    const char *partition;
    const char *pk;
    size_t pk_len;
    const char *wm_text;
    size_t wm_len;
    const dwhi_wm_value *wm;
    const char *json;        /* set: store this text instead of cells */
    size_t json_len;
} dwhi_row_extras;

/* A cut batch.  Everything points into the batcher and stays valid until
 * dwhi_batcher_release() (which must be called before the next add/cut). */
typedef struct dwhi_batch {
    const dwhi_brow *rows;
    size_t n;
    const dwhi_cell *cells;
    const char *arena;
    const dwhi_keydict *keys;
    size_t bytes;
    const char *state; /* the resume point the batch ends at, or NULL */
    size_t n_cells;    /* cells[0 .. n_cells) and arena[0 .. arena_len) are the batch's */
    size_t arena_len;
} dwhi_batch;

/* Text of a span of the batch (not NUL-terminated); NULL when none. */
static inline const char *dwhi_batch_text(const dwhi_batch *b, dwhi_span s) {
    return s.len == UINT32_MAX ? NULL : b->arena + s.off;
}

/* Marks the rows of `b` whose primary key (brow.pk) comes again later in
 * the batch: skip[r] = 1 for every row but the LAST of each key, 0
 * otherwise (rows without a key are never marked).  `skip` is the
 * caller's array of b->n bytes.  Returns how many rows were marked, or
 * SIZE_MAX when out of memory (skip is then all 0). */
size_t dwhi_batch_mark_repeats(const dwhi_batch *b, uint8_t *skip);

/* The first row of `b` whose primary key an earlier row of the batch
 * already had (*row, its index).  Returns 1 when there is one, 0 when
 * every key is unique (*row = SIZE_MAX), -1 when out of memory. */
int dwhi_batch_first_repeat(const dwhi_batch *b, size_t *row);

/* ---- the buffer -------------------------------------------------------- */

typedef struct dwhi_batcher dwhi_batcher;

/* Zero limits take the defaults.  `keys` is borrowed (shared by every
 * batch of a run) and must outlive the batcher.  Free with
 * dwhi_batcher_free(). */
dwhi_batcher *dwhi_batcher_new(size_t max_rows, size_t max_bytes, dwhi_keydict *keys);
void dwhi_batcher_free(dwhi_batcher *b);
/* The key dictionary b was made with (borrowed). */
dwhi_keydict *dwhi_batcher_keys(const dwhi_batcher *b);

/* Encodes `row` (a JSON object, borrowed: nothing of it is kept) with
 * `x` (may be NULL).  Returns 0, -1 on OOM or a row too large to encode. */
int dwhi_batcher_add_row(dwhi_batcher *b, json_object *row, const dwhi_row_extras *x);
/* Marks a resume point after the rows added so far; `state` is copied.
 * A later mark at the same position replaces it.  Returns 0, -1 on OOM. */
int dwhi_batcher_mark(dwhi_batcher *b, const char *state);
/* Non-zero when the buffer reached a limit. */
int dwhi_batcher_full(const dwhi_batcher *b);
size_t dwhi_batcher_rows(const dwhi_batcher *b);
/* Bytes the buffer holds (arena, cells, rows). */
size_t dwhi_batcher_bytes(const dwhi_batcher *b);
/* Non-zero when a resume point is buffered. */
int dwhi_batcher_has_mark(const dwhi_batcher *b);

/* ---- building a row in place (json_rows.c, the streaming parse) ------ */

/* Opens a row at the end of the buffer; cells and texts added until
 * dwhi_batcher_row_end() belong to it.  One row is open at a time; no
 * add_row/mark/cut while it is.  Returns 0, -1 on OOM. */
int dwhi_batcher_row_begin(dwhi_batcher *b);
/* The open row's cell for `key` (a dwhi_keydict id): a new cell, or the
 * row's earlier cell of the same key, which keeps its place and takes the
 * later value (what json-c does with a repeated key).  The pointer is
 * valid until the next cell or text is added.  NULL on OOM. */
dwhi_cell *dwhi_batcher_row_cell(dwhi_batcher *b, uint32_t key);
/* Copies `len` bytes into the arena; *out is their span.  0, -1 on OOM
 * or when the arena would pass 4 GiB. */
int dwhi_batcher_text(dwhi_batcher *b, const char *s, size_t len, dwhi_span *out);
/* Room for `len` more bytes at the end of the arena, to be written by the
 * caller and kept with dwhi_batcher_text_commit(); valid until the next
 * call on b.  NULL on OOM.  dwhi_batcher_arena_len() is where they start. */
char *dwhi_batcher_text_reserve(dwhi_batcher *b, size_t len);
void dwhi_batcher_text_commit(dwhi_batcher *b, size_t len);
size_t dwhi_batcher_arena_len(const dwhi_batcher *b);
/* Closes the open row with `x` (may be NULL; x->json, when set, is kept
 * as the row's text beside its cells).
 * Cells left of type DWHI_CELL_NULL are dropped (a key whose last value was
 * null: absent and null are the same to a table).
 * Returns 0, -1 on OOM (the row is then dropped). */
int dwhi_batcher_row_end(dwhi_batcher *b, const dwhi_row_extras *x);
/* The cells of the open row so far (*n of them), to adjust in place;
 * valid until the next cell or text is added. */
dwhi_cell *dwhi_batcher_row_cells(dwhi_batcher *b, size_t *n);
/* Sets the text (JSON-lines output) of the last row added; copied.
 * 0, -1 on OOM. */
int dwhi_batcher_last_row_json(dwhi_batcher *b, const char *json, size_t len);
/* Drops the open row: the buffer is as it was before row_begin. */
void dwhi_batcher_row_abort(dwhi_batcher *b);
/* Drops every row, mark and cut (the keys stay): a page store reused for
 * the next page. */
void dwhi_batcher_clear(dwhi_batcher *b);
/* Drops the rows after the first `n` (n <= rows; no mark may lie past n,
 * no row open): the rows of a value a repeated key replaced. */
void dwhi_batcher_truncate(dwhi_batcher *b, size_t n);

/* ---- rows from one buffer to another ------------------------------------ */

/* A buffered row as the pipeline reads it: its cells and the arena their
 * texts live in.  Borrowed from the buffer that holds it. */
typedef struct dwhi_rowv {
    const dwhi_cell *cells;
    uint32_t n;
    const char *arena;
    const dwhi_keydict *keys;
    const char *json; /* the row's text when the buffer kept it (JSON-lines output), else NULL */
    size_t json_len;
} dwhi_rowv;

/* Row `i` of b (i < dwhi_batcher_rows(b)) as a view, valid until b changes. */
dwhi_rowv dwhi_batcher_row(const dwhi_batcher *b, size_t i);
/* The cell of `key` in v, or NULL. */
const dwhi_cell *dwhi_rowv_find(const dwhi_rowv *v, uint32_t key);
/* Appends a copy of `v` (whose keys must be b's dictionary) and then the
 * members of `extra` (NULL, or a json-c object of columns a row hook or a
 * fan-out parent added: they replace v's cells of the same key, a null
 * member removes one), with `x` (may be NULL; x->json, when set, is
 * stored instead of the cells).  Returns 0, -1 on OOM (the buffer is
 * unchanged). */
int dwhi_batcher_add_rowv(dwhi_batcher *b, const dwhi_rowv *v, json_object *extra, const dwhi_row_extras *x);

typedef enum dwhi_cut {
    DWHI_CUT_FULL,    /* a limit was reached: up to the last mark, else everything */
    DWHI_CUT_TO_MARK, /* up to the last mark only (nothing if none): stopping early */
    DWHI_CUT_ALL      /* everything, ending at the last mark if it is at the end */
} dwhi_cut;

/* Describes the batch `how` selects in *out (n == 0 and state NULL when
 * nothing qualifies).  The rows stay in the buffer until
 * dwhi_batcher_release(); rows after the cut stay buffered after it. */
int dwhi_batcher_cut(dwhi_batcher *b, dwhi_cut how, dwhi_batch *out);
/* Drops the rows of the last cut batch from the buffer. */
void dwhi_batcher_release(dwhi_batcher *b);

/* Storage a batch's rows, cells and arena can live in, owned by whoever
 * holds it (the sync writer); free each array with free(). */
typedef struct dwhi_batch_mem {
    dwhi_brow *rows;
    size_t cap_rows;
    dwhi_cell *cells;
    size_t cap_cells;
    char *arena;
    size_t cap_arena;
} dwhi_batch_mem;
/* When the outstanding cut holds every buffered row, exchanges the
 * batcher's row, cell and arena arrays with m's instead of having the
 * caller copy them: m then holds the batch (the batch's rows, cells and
 * arena are m's arrays, offsets unchanged) and the batcher m's old arrays,
 * empty once released.  1 when exchanged, 0 when the cut leaves rows
 * behind (copy instead). */
int dwhi_batcher_trade(dwhi_batcher *b, dwhi_batch_mem *m);

#endif
