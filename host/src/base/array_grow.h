/*
 * array_grow.h -- one growth rule for the host's arrays that grow by
 * doubling (rows, cells, arenas, plugin lists).
 */
#ifndef DWHI_ARRAY_GROW_H
#define DWHI_ARRAY_GROW_H

#include <stddef.h>

/* Makes the malloc'd array *p (capacity *cap elements of `elem` bytes,
 * NULL with 0) hold at least `need` elements: realloc'd to `first` elements
 * or, past that, the next doubling of *cap.  The caller keeps owning *p
 * (free() it).  0, or -1 when memory runs out or the size would overflow
 * (*p and *cap unchanged). */
int dwhi_array_grow(void **p, size_t *cap, size_t need, size_t elem, size_t first);

#endif
