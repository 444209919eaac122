/* pins.c -- the pin file (NAME SHA256HEX per line, '#' comments) and the
 * sha256 of a plugin file, read through the fd the loader maps. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "base/array_grow.h"
#include "registry_int.h"

int dwhi_sha256_fd(int fd, char out[DWHI_SHA256_HEX + 1]) {
    out[0] = '\0';
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1;
    unsigned char buf[65536];
    off_t off = 0;
    while (ok) {
        ssize_t n = pread(fd, buf, sizeof buf, off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) ok = 0;
        if (n <= 0) break;
        ok = EVP_DigestUpdate(c, buf, (size_t)n) == 1;
        off += n;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    ok = ok && EVP_DigestFinal_ex(c, md, &len) == 1 && len == DWHI_SHA256_HEX / 2;
    EVP_MD_CTX_free(c);
    if (!ok) return -1;
    for (unsigned i = 0; i < len; i++) snprintf(out + 2 * i, 3, "%02x", md[i]);
    return 0;
}

void dwhi_pins_free(dwhi_pins *p) {
    if (!p) return;
    for (size_t i = 0; i < p->n; i++) free(p->v[i].name);
    free(p->v);
    free(p->path);
    free(p);
}

static char *trim(char *s) {
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
    return s;
}

dwhi_pins *dwhi_pins_load(const char *path, char **error) {
    *error = NULL;
    FILE *f = fopen(path, "re");
    if (!f) {
        *error = dwhi_strf("pin file %s: %s; give a readable file of 'NAME SHA256HEX' lines", path, strerror(errno));
        return NULL;
    }
    dwhi_pins *p = calloc(1, sizeof *p);
    size_t cap = 0;
    char *line = NULL;
    size_t linecap = 0;
    unsigned lineno = 0;
    if (!p || !(p->path = strdup(path))) goto oom;
    while (getline(&line, &linecap, f) >= 0) {
        lineno++;
        char *hash_at = strchr(line, '#');
        if (hash_at) *hash_at = '\0';
        char *s = trim(line);
        if (!*s) continue;
        char name[256], hex[256], extra[2];
        int k = sscanf(s, "%255s %255s %1s", name, hex, extra);
        size_t hl = k >= 2 ? strlen(hex) : 0;
        int hex_ok = hl == DWHI_SHA256_HEX;
        for (size_t i = 0; hex_ok && i < hl; i++) {
            if (!isxdigit((unsigned char)hex[i])) hex_ok = 0;
            hex[i] = (char)tolower((unsigned char)hex[i]);
        }
        if (k != 2 || !hex_ok) {
            *error = dwhi_strf("pin file %s line %u: expected 'NAME SHA256HEX' (a source name and 64 hex digits); "
                               "fix the line (get the digest with 'sha256sum libsource_NAME.so')",
                               path, lineno);
            goto fail;
        }
        for (size_t i = 0; i < p->n; i++)
            if (!strcmp(p->v[i].name, name)) {
                *error = dwhi_strf("pin file %s line %u: '%s' is pinned twice; keep one line per plugin", path,
                                   lineno, name);
                goto fail;
            }
        if (dwhi_array_grow((void **)&p->v, &cap, p->n + 1, sizeof *p->v, 8) != 0) goto oom;
        if (!(p->v[p->n].name = strdup(name))) goto oom;
        memcpy(p->v[p->n].sha256, hex, DWHI_SHA256_HEX + 1);
        p->n++;
    }
    if (ferror(f)) {
        *error = dwhi_strf("pin file %s: read error; check the file", path);
        goto fail;
    }
    free(line);
    fclose(f);
    return p;
oom:
    *error = strdup("out of memory reading the pin file");
fail:
    free(line);
    fclose(f);
    dwhi_pins_free(p);
    return NULL;
}

const char *dwhi_pins_find(const dwhi_pins *p, const char *name) {
    for (size_t i = 0; p && i < p->n; i++)
        if (!strcmp(p->v[i].name, name)) return p->v[i].sha256;
    return NULL;
}

char *dwhi_pins_verdict(const dwhi_pins *pins, const char *name, const char *sha256, dwh_reject_reason *reason) {
    const char *want = dwhi_pins_find(pins, name);
    if (!want) {
        *reason = DWH_REJECT_UNPINNED;
        return dwhi_strf("unpinned: the pin file %s does not name '%s'; add the line '%s %s' after checking "
                         "the file",
                         pins->path, name, name, sha256);
    }
    if (strcmp(want, sha256) != 0) {
        *reason = DWH_REJECT_PIN_MISMATCH;
        return dwhi_strf("pin mismatch: sha256 %s, but %s pins '%s' to %s; reinstall the pinned build or update "
                         "the pin",
                         sha256, pins->path, name, want);
    }
    return NULL;
}

int dwhi_pins_check(const char *path, char **error) {
    dwhi_pins *p = dwhi_pins_load(path, error);
    dwhi_pins_free(p);
    return p ? 0 : -1;
}
