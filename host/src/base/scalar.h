/*
 * scalar.h -- one JSON value the pipeline reads out of a row (a key, a
 * partition key, a watermark), whichever way the row came: a json-c value
 * or a cell of the streaming parse (rowref.h).  Its JSON text and Python
 * str() are written from here, once for both.
 */
#ifndef DWH_SCALAR_H
#define DWH_SCALAR_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

typedef enum dwh_scalar_type {
    DWH_S_NULL = 0, /* absent or null */
    DWH_S_BOOL,     /* i: 0 or 1 */
    DWH_S_INT,      /* i */
    DWH_S_BIGINT,   /* s: the digits of an integer beyond int64 (fits uint64) */
    DWH_S_REAL,     /* d; s: the number as the source wrote it, or NULL */
    DWH_S_STRING,   /* s, len: the string (may hold NUL bytes) */
    DWH_S_JSON      /* s, len: an object or array as compact JSON */
} dwh_scalar_type;

/* One value.  Texts are borrowed from the row (or the json-c object). */
typedef struct dwh_scalar {
    dwh_scalar_type type;
    int64_t i;
    double d;
    const char *s;
    size_t len;
} dwh_scalar;

/* A json-c value as a scalar (NULL: null).  Texts borrowed from v (an
 * object's or array's text from json-c's print buffer of v). */
void dwh_scalar_of_json(json_object *v, dwh_scalar *out);
/* The JSON text of a scalar into buf (cap bytes), as json-c prints the
 * same value (a string quoted and escaped; a double as written, else its
 * shortest round-trip digits).  Returns the length it needs, as snprintf
 * (the text is complete only when that is < cap). */
size_t dwh_scalar_json(const dwh_scalar *v, char *buf, size_t cap);

/* Writes s (n bytes) as a JSON string, quoted and escaped as json-c
 * escapes (control characters, '"' and '\\'; '/' and non-ASCII as they
 * are) into out, which has room for 6 * n + 2 bytes.  Returns the length
 * (no NUL is written). */
size_t dwh_json_quote(const char *s, size_t n, char *out);

/* Python's str() of a scalar, as the reference hashes partition keys:
 * strings raw, integers decimal, floats as repr(), True/False, None;
 * objects and arrays as compact JSON.  Returns the length it needs, as
 * snprintf. */
size_t dwh_scalar_python_str(const dwh_scalar *v, char *buf, size_t cap);

#endif
