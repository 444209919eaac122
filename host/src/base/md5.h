/*
 * md5.h -- MD5 digest (RFC 1321), for partition keys and stable column-name
 * suffixes.  Not for security: partitioning must match the reference
 * framework, which buckets rows by md5 of their key values.  The digest is
 * OpenSSL's (libcrypto EVP API); this header only keeps the host's callers
 * independent of it.
 */
#ifndef DWHI_MD5_H
#define DWHI_MD5_H

#include <stddef.h>

typedef struct dwhi_md5_ctx {
    void *evp; /* EVP_MD_CTX, owned: made by init, freed by final */
    int failed;
} dwhi_md5_ctx;

/* Starts a digest.  Returns 0, or -1 when libcrypto cannot make one (out
 * of memory, MD5 disabled); dwhi_md5_final() then fails too. */
int dwhi_md5_init(dwhi_md5_ctx *m);
void dwhi_md5_update(dwhi_md5_ctx *m, const void *data, size_t len);
/* Writes the 16-byte digest into out and frees the context (always call
 * it after init).  Returns 0, or -1 (out zeroed) when any step failed. */
int dwhi_md5_final(dwhi_md5_ctx *m, unsigned char out[16]);
/* One-shot digest of `len` bytes.  Returns 0 or -1 (out zeroed). */
int dwhi_md5(const void *data, size_t len, unsigned char out[16]);
/* One-shot lowercase hex digest; `hex` receives 33 bytes (NUL-terminated).
 * Returns 0 or -1 (hex is then 32 zeros). */
int dwhi_md5_hex(const void *data, size_t len, char hex[33]);

#endif
