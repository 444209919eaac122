/*
 * rowref.h -- one row as the pipeline reads it, whichever way it came:
 * a json-c object (the row builder, emit_value, a webhook transform's
 * rows) or typed cells the streaming parse wrote (json_rows.c), with the
 * columns a row hook or a fan-out parent added.  Partition keys, primary
 * keys and watermarks are read through it, one value at a time, as a
 * dwhi_scalar (scalar.h): one implementation for both kinds of row.
 */
#ifndef DWHI_ROWREF_H
#define DWHI_ROWREF_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "batcher.h"
#include "base/scalar.h"

/* A row: `obj` when it is a json-c object, else `cells` and `extra`
 * (NULL or a json-c object of columns a row hook or a fan-out parent added,
 * which win over cells of the same key; a null member sets the column to
 * null, which a table stores as absent).
 * Borrowed. */
typedef struct dwhi_rowref {
    json_object *obj;
    const dwhi_rowv *cells;
    json_object *extra;
} dwhi_rowref;

/* The value of top-level member `key`: 1 when present and not null, 0
 * otherwise (out->type DWHI_S_NULL). */
int dwhi_rowref_get(const dwhi_rowref *r, const char *key, dwhi_scalar *out);

/* The value at `path` (dotted, as json_path.h: "user.id", "a[0].b") as a
 * new json-c value the caller puts; NULL when absent or null (*exists
 * tells them apart; may be NULL).  A nested value is read from its text. */
json_object *dwhi_rowref_path(const dwhi_rowref *r, const char *path, int *exists);

/* The row as compact JSON text (an object; cells in their order, then the
 * members of `extra`, which replace cells of their key), malloc'd: the
 * caller frees.
 * NULL on OOM. */
char *dwhi_rowref_json(const dwhi_rowref *r);
/* The same, cut to at most `max` bytes with "..." after a cut: for error
 * messages.  malloc'd; NULL on OOM. */
char *dwhi_rowref_excerpt(const dwhi_rowref *r, size_t max);

/* A cell (of a row whose texts live in `arena`) as a scalar. */
void dwhi_scalar_of_cell(const dwhi_cell *c, const char *arena, dwhi_scalar *out);

#endif
