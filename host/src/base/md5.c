/* md5.c -- MD5 through OpenSSL's EVP API (see md5.h). */
#include "md5.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

int dwhi_md5_init(dwhi_md5_ctx *m) {
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    m->evp = c;
    m->failed = !c || EVP_DigestInit_ex(c, EVP_md5(), NULL) != 1;
    return m->failed ? -1 : 0;
}

void dwhi_md5_update(dwhi_md5_ctx *m, const void *data, size_t len) {
    if (m->failed || len == 0) return;
    if (EVP_DigestUpdate(m->evp, data, len) != 1) m->failed = 1;
}

int dwhi_md5_final(dwhi_md5_ctx *m, unsigned char out[16]) {
    unsigned int n = 0;
    int ok = !m->failed && EVP_DigestFinal_ex(m->evp, out, &n) == 1 && n == 16;
    EVP_MD_CTX_free(m->evp);
    m->evp = NULL;
    if (!ok) memset(out, 0, 16);
    return ok ? 0 : -1;
}

int dwhi_md5(const void *data, size_t len, unsigned char out[16]) {
    unsigned int n = 0;
    if (EVP_Digest(data, len, out, &n, EVP_md5(), NULL) == 1 && n == 16) return 0;
    memset(out, 0, 16);
    return -1;
}

int dwhi_md5_hex(const void *data, size_t len, char hex[33]) {
    unsigned char d[16];
    int rc = dwhi_md5(data, len, d);
    for (int i = 0; i < 16; i++) snprintf(hex + 2 * i, 3, "%02x", d[i]);
    return rc;
}
