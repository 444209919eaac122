/*
 * watermark.h -- incremental watermarks: the minimum and maximum of the
 * user's incremental field over the rows of a batch or a run.
 *
 * Values are compared by the field's advertised type: integer, numeric and
 * timestamp (epoch seconds) as numbers; datetime and date as instants
 * (ISO-8601 text, or epoch seconds).  A watermark is stored and handed to
 * the plugin as the JSON text of the value the plugin emitted (a number,
 * or a quoted string), so the plugin gets back exactly what it wrote.
 */
#ifndef DWHI_WATERMARK_H
#define DWHI_WATERMARK_H

#include <json-c/json.h>
#include <stdint.h>

#include "base/scalar.h"

typedef struct dwhi_wm_value {
    long double num; /* numeric types */
    int64_t sec;     /* time types */
    int32_t nsec;
} dwhi_wm_value;

/* Parses `v` for a field of dw_value_type `type`.  Numbers may be JSON
 * numbers or numeric strings; times ISO-8601 strings or epoch seconds.
 * Returns 0, or -1 (null, wrong kind, unparsable). */
int dwhi_wm_parse(const dwhi_scalar *v, uint32_t type, dwhi_wm_value *out);
/* <0, 0, >0 as a is before, equal to, after b (both parsed with `type`). */
int dwhi_wm_cmp(uint32_t type, const dwhi_wm_value *a, const dwhi_wm_value *b);

/* The extent of a field over some rows.  Holds references on the rows'
 * min/max values until dwhi_wm_extent_free(). */
typedef struct dwhi_wm_extent {
    uint32_t type;
    int have;                 /* at least one value seen */
    dwhi_wm_value min, max;
    json_object *min_obj;     /* owned references */
    json_object *max_obj;
    uint64_t skipped;         /* rows whose value was missing, null or unparsable */
} dwhi_wm_extent;

void dwhi_wm_extent_init(dwhi_wm_extent *e, uint32_t type);
void dwhi_wm_extent_free(dwhi_wm_extent *e);
/* Looks `field` up in `row` (borrowed) and widens the extent. */
void dwhi_wm_observe(dwhi_wm_extent *e, json_object *row, const char *field);
/* Widens the extent by a stored watermark (JSON text; NULL ignored).
 * Returns 0, or -1 when the text does not parse for the type. */
int dwhi_wm_observe_text(dwhi_wm_extent *e, const char *json_text);
/* The JSON text of the min/max, malloc'd (caller frees); NULL when no
 * value was seen. */
char *dwhi_wm_min_text(const dwhi_wm_extent *e);
char *dwhi_wm_max_text(const dwhi_wm_extent *e);

/* The later (or earlier) of two stored watermarks of `type`, as a new
 * malloc'd string; NULL when both are NULL.  A text that does not parse
 * loses to one that does. */
char *dwhi_wm_text_max(uint32_t type, const char *a, const char *b);
char *dwhi_wm_text_min(uint32_t type, const char *a, const char *b);

#endif
