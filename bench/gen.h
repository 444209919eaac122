/* gen.h -- the benchmark's rows: deterministic JSON objects of about 200
 * bytes, shared by the bench plugin and the baseline so both parse exactly
 * the same text. */
#ifndef DWHI_BENCH_GEN_H
#define DWHI_BENCH_GEN_H

#include <stddef.h>
#include <stdint.h>

/* Writes rows [first, first + n) as one JSON array into buf (cap bytes);
 * returns the length, or 0 when buf is too small (about 256 bytes a row). */
size_t bench_gen_page(int64_t first, int64_t n, char *buf, size_t cap);

#endif
