/*
 * batcher.h -- buffers emitted rows into batches and keeps resume points
 * aligned with them.
 *
 * Rows arrive one at a time; a plugin's state save marks a resume point
 * between two rows.  A batch is cut when the buffer holds max_rows rows or
 * max_bytes (estimated) bytes, and it always ends at the last resume point
 * it contains, carrying that point's state: the rows committed with a state
 * are exactly the rows emitted before the save, so a resumed run neither
 * repeats nor skips a row.  When the buffer is full and holds no resume
 * point (a page larger than a batch, a plugin that never saves state), the
 * whole buffer is cut without a state; the pipeline then records how many
 * rows it committed past the last resume point (see sync.c).
 */
#ifndef DWH_BATCHER_H
#define DWH_BATCHER_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#define DWH_BATCH_DEFAULT_ROWS 5000u
#define DWH_BATCH_DEFAULT_BYTES ((size_t)200 * 1024 * 1024)

typedef struct dwh_batcher dwh_batcher;

/* A cut batch.  `rows` are owned references (released by
 * dwh_batch_release); `state` is the resume point the batch ends at
 * (malloc'd, owned) or NULL when it ends at no resume point. */
typedef struct dwh_batch {
    json_object **rows;
    size_t n;
    size_t bytes;
    char *state;
} dwh_batch;

/* Zero limits take the defaults.  Free with dwh_batcher_free(). */
dwh_batcher *dwh_batcher_new(size_t max_rows, size_t max_bytes);
void dwh_batcher_free(dwh_batcher *b);

/* Appends a row (takes a new reference on it) of about `bytes` bytes.
 * Returns 0, -1 on OOM. */
int dwh_batcher_add_row(dwh_batcher *b, json_object *row, size_t bytes);
/* Marks a resume point after the rows added so far; `state` is copied.
 * A later mark at the same position replaces it.  Returns 0, -1 on OOM. */
int dwh_batcher_mark(dwh_batcher *b, const char *state);
/* Non-zero when the buffer reached a limit. */
int dwh_batcher_full(const dwh_batcher *b);
size_t dwh_batcher_rows(const dwh_batcher *b);
/* Non-zero when a resume point is buffered. */
int dwh_batcher_has_mark(const dwh_batcher *b);

typedef enum dwh_cut {
    DWH_CUT_FULL,      /* a limit was reached: up to the last mark, else everything */
    DWH_CUT_TO_MARK,   /* up to the last mark only (nothing if none): stopping early */
    DWH_CUT_ALL        /* everything, ending at the last mark if it is at the end */
} dwh_cut;

/* Moves the batch `how` selects out of the buffer into *out (zeroed when
 * nothing qualifies).  Rows after the cut stay buffered. */
int dwh_batcher_cut(dwh_batcher *b, dwh_cut how, dwh_batch *out);
/* Releases the rows and the state of a cut batch. */
void dwh_batch_release(dwh_batch *batch);

/* Estimated in-memory data size of a row: key and string bytes, 8 per
 * scalar, recursively (bounded depth).  Used for the byte limit. */
size_t dwh_row_size_estimate(json_object *row);

#endif
