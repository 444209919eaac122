/*
 * md5.h -- MD5 digest (RFC 1321), for partition keys and stable column-name
 * suffixes.  Not for security: partitioning must match the reference
 * framework, which buckets rows by md5 of their key values.  None of the
 * host's dependencies (json-c, SQLite, libcurl, hiredis) export MD5.
 */
#ifndef DWH_MD5_H
#define DWH_MD5_H

#include <stddef.h>
#include <stdint.h>

typedef struct dwh_md5_ctx {
    uint32_t a, b, c, d;
    uint64_t len;        /* bytes fed so far */
    unsigned char buf[64];
} dwh_md5_ctx;

void dwh_md5_init(dwh_md5_ctx *m);
void dwh_md5_update(dwh_md5_ctx *m, const void *data, size_t len);
/* Writes the 16-byte digest into out. */
void dwh_md5_final(dwh_md5_ctx *m, unsigned char out[16]);
/* One-shot digest of `len` bytes. */
void dwh_md5(const void *data, size_t len, unsigned char out[16]);
/* One-shot lowercase hex digest; `hex` receives 33 bytes (NUL-terminated). */
void dwh_md5_hex(const void *data, size_t len, char hex[33]);

#endif
