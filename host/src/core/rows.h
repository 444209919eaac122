/*
 * rows.h -- the SDK's row builder (row_new ... row_emit), an alternative to
 * emitting JSON text.  A row that was handed a bad column or value is
 * "poisoned": further sets are ignored and row_emit() refuses it with a
 * message naming the column, so a plugin finds its bug at the first bad
 * value instead of after a silent conversion.
 */
#ifndef DWHI_ROWS_H
#define DWHI_ROWS_H

#include <stdint.h>

#include "ctx.h"

#define DWHI_COLUMN_MAX_BYTES 1024 /* a column name, not data */

/* A new empty row bound to ctx, owned by the plugin until dwhi_row_emit()
 * or dwhi_row_discard().  NULL when ctx is NULL or on OOM. */
dw_row *dwhi_row_new(dw_ctx *ctx);
/* Sets a column (name and value copied).  NULL row: ignored.  NULL value
 * for strings and JSON: the column is null.  Invalid UTF-8, NaN/Infinity,
 * invalid JSON or a bad column name poison the row. */
void dwhi_row_set_string(dw_row *row, const char *column, const char *value);
void dwhi_row_set_int(dw_row *row, const char *column, int64_t value);
void dwhi_row_set_double(dw_row *row, const char *column, double value);
void dwhi_row_set_bool(dw_row *row, const char *column, int value);
void dwhi_row_set_null(dw_row *row, const char *column);
void dwhi_row_set_json(dw_row *row, const char *column, const char *json);
/* Delivers the row (see emit.h) and frees it, whatever it returns. */
dw_status dwhi_row_emit(dw_row *row);
/* Frees a row without emitting it.  NULL: ignored. */
void dwhi_row_discard(dw_row *row);

/* ---- rows the host lends a plugin (the REST row hook, ABI 1.6) ---------- */

/* A new empty row owned by the HOST, lent to a plugin callback to set
 * columns on: dwhi_row_emit() refuses it (a sticky host error, the row is
 * not freed) and dwhi_row_discard() ignores it.  NULL on OOM.  The host
 * ends it with dwhi_row_lent_take() or dwhi_row_lent_free(). */
dw_row *dwhi_row_new_lent(dw_ctx *ctx);
/* Moves the columns of lent `row` into *into (replacing members of the
 * same name; JSON null stays null; *into is made, caller-owned, when NULL
 * and the row has columns) and frees the row.  When the row was
 * poisoned nothing is moved: returns -1 and, in *why (malloc'd, caller
 * frees), the problem ("column 'x': ..."); 0 on success. */
int dwhi_row_lent_take(dw_row *row, json_object **into, char **why);
/* Frees a lent row without using it.  NULL: ignored. */
void dwhi_row_lent_free(dw_row *row);

#endif
