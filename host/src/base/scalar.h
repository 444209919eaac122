/*
 * scalar.h -- one JSON value the pipeline reads out of a row (a key, a
 * partition key, a watermark), whichever way the row came: a json-c value
 * or a cell of the streaming parse (rowref.h).  Its JSON text and Python
 * str() are written from here, once for both.
 */
#ifndef DWHI_SCALAR_H
#define DWHI_SCALAR_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

typedef enum dwhi_scalar_type {
    DWHI_S_NULL = 0, /* absent or null */
    DWHI_S_BOOL,     /* i: 0 or 1 */
    DWHI_S_INT,      /* i */
    DWHI_S_BIGINT,   /* s: the digits of an integer beyond int64 (fits uint64) */
    DWHI_S_REAL,     /* d; s: the number as the source wrote it, or NULL */
    DWHI_S_STRING,   /* s, len: the string (may hold NUL bytes) */
    DWHI_S_JSON      /* s, len: an object or array as compact JSON */
} dwhi_scalar_type;

/* One value.  Texts are borrowed from the row (or the json-c object). */
typedef struct dwhi_scalar {
    dwhi_scalar_type type;
    int64_t i;
    double d;
    const char *s;
    size_t len;
} dwhi_scalar;

/* A json-c value as a scalar (NULL: null).  Texts borrowed from v (an
 * object's or array's text from json-c's print buffer of v). */
void dwhi_scalar_of_json(json_object *v, dwhi_scalar *out);
/* The JSON text of a scalar into buf (cap bytes), as json-c prints the
 * same value (a string quoted and escaped; a double as written, else its
 * shortest round-trip digits).  Returns the length it needs, as snprintf
 * (the text is complete only when that is < cap). */
size_t dwhi_scalar_json(const dwhi_scalar *v, char *buf, size_t cap);

/* Writes s (n bytes) as a JSON string, quoted and escaped as json-c
 * escapes (control characters, '"' and '\\'; '/' and non-ASCII as they
 * are) into out, which has room for 6 * n + 2 bytes.  Returns the length
 * (no NUL is written). */
size_t dwhi_json_quote(const char *s, size_t n, char *out);

/* Python's str() of a scalar, as the reference hashes partition keys:
 * strings raw, integers decimal, floats as repr(), True/False, None;
 * objects and arrays as compact JSON.  Returns the length it needs, as
 * snprintf. */
size_t dwhi_scalar_python_str(const dwhi_scalar *v, char *buf, size_t cap);

#endif
