/*
 * partition.h -- the `_dw_partition_key` of each row, computed as the
 * reference framework does:
 *   md5       md5("|".join(str(v) for the key values)) % count
 *   numerical key // size (floor division)
 *   datetime  the key's time bucketed as month %Y-%m, week %G-w%V,
 *             day %Y-%m-%d or hour %Y-%m-%dT%H (UTC)
 * Keys are the schema's partition keys, else its primary keys.  A datetime
 * partition must be on a field that never changes (created_at, not
 * updated_at), or rows move between partitions on every sync.
 */
#ifndef DWHI_PARTITION_H
#define DWHI_PARTITION_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "dwsdk.h"
#include "rows/rowref.h"

/* Defaults when a schema asks for a mode without its parameter. */
#define DWHI_PARTITION_DEFAULT_COUNT 200u
#define DWHI_PARTITION_DEFAULT_SIZE INT64_C(1000000)

typedef struct dwhi_partition {
    uint32_t mode;   /* dw_partition_mode, resolved (NONE: no partitioning) */
    uint32_t count;  /* MD5 */
    int64_t size;    /* NUMERICAL */
    uint32_t format; /* DATETIME: dw_partition_format */
    char **keys;     /* owned, n_keys entries */
    size_t n_keys;
} dwhi_partition;

/* Resolves a schema's settings.  Mode NONE with a count means md5, with a
 * size numerical (as the reference).  `partition_keys` and `primary_keys`
 * are NULL-terminated lists (either may be NULL) and are copied.  Returns
 * 0; -1 with a malloc'd one-line *err (caller frees) when a mode needs keys
 * and there are none, or NUMERICAL/DATETIME get more than one key. */
int dwhi_partition_init(dwhi_partition *p, uint32_t mode, uint32_t count, int64_t size, uint32_t format,
                       const char *const *partition_keys, const char *const *primary_keys, char **err);
void dwhi_partition_free(dwhi_partition *p);

/* The partition value of `row` (borrowed) written into buf.  Returns 1 when
 * written, 0 when the row has none (mode NONE, or a numerical/datetime key
 * that is missing, null or unparsable), -1 when buf is too small. */
int dwhi_partition_value(const dwhi_partition *p, const dwhi_rowref *row, char *buf, size_t cap);

#endif
