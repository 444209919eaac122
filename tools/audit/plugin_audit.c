/*
 * plugin_audit.c -- dwhost-plugin-audit [--json] FILE.so...
 *
 * Reads each plugin's ELF dynamic symbol table and DT_NEEDED entries and
 * reports every import that would let it talk to the network (or load
 * something that can) without the host's tracked transport: libcurl,
 * sockets and name resolution, TLS libraries, run-time loading, starting
 * processes.  A plugin must make HTTP requests through api->http_request /
 * api->rest_run so that every request is attributed, retried, guarded and
 * counted.  It also reports what the host cannot contain: ending the
 * process (exit, _exit, _Exit, quick_exit) and using stdout; these fail
 * the audit but leave the transport verdict alone.
 *
 * Output: one line per finding, "FILE: imports SYMBOL (kind): what to do",
 * or "FILE: ok (tracked transport only)".  --json prints one object:
 *   {"ok": bool, "files": [{"file", "verdict": "tracked"|"untracked"|"error",
 *    "findings": [{"kind", "symbol"|"library", "advice"}], "error"}]}
 * Exit: 0 clean, 1 at least one finding, 2 usage error or a file that could
 * not be audited (not ELF, truncated, no dynamic symbol table).
 *
 * The file is parsed with <elf.h> and bounds-checked throughout: a
 * malformed file is reported, never trusted.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum { EXIT_CLEAN = 0, EXIT_FINDING = 1, EXIT_ERROR = 2 };

typedef struct rule {
    const char *name; /* exact name, or prefix when it ends with '*' */
    const char *kind;
} rule;

static const rule symbol_rules[] = {
    {"curl_*", "libcurl"},
    {"socket", "socket"},      {"socketpair", "socket"},   {"connect", "socket"},
    {"bind", "socket"},        {"listen", "socket"},       {"accept", "socket"},
    {"accept4", "socket"},     {"send", "socket"},         {"sendto", "socket"},
    {"sendmsg", "socket"},     {"sendmmsg", "socket"},     {"recv", "socket"},
    {"recvfrom", "socket"},    {"recvmsg", "socket"},      {"recvmmsg", "socket"},
    {"getaddrinfo", "dns"},    {"getnameinfo", "dns"},     {"gethostbyname", "dns"},
    {"gethostbyname2", "dns"}, {"gethostbyname_r", "dns"}, {"gethostbyname2_r", "dns"},
    {"gethostbyaddr", "dns"},  {"gethostbyaddr_r", "dns"}, {"res_query", "dns"},
    {"res_search", "dns"},     {"res_nquery", "dns"},      {"res_nsearch", "dns"},
    {"__res_query", "dns"},    {"__res_search", "dns"},
    {"SSL_*", "tls"},          {"TLS_*", "tls"},           {"OPENSSL_init_ssl", "tls"},
    {"gnutls_*", "tls"},
    {"dlopen", "dynamic_loading"}, {"dlmopen", "dynamic_loading"}, {"dlsym", "dynamic_loading"},
    {"dlvsym", "dynamic_loading"},
    {"system", "process"},     {"popen", "process"},       {"fork", "process"},
    {"vfork", "process"},      {"execve", "process"},      {"execv", "process"},
    {"execvp", "process"},     {"execl", "process"},       {"execlp", "process"},
    {"posix_spawn", "process"}, {"posix_spawnp", "process"},
    {"syscall", "raw_syscall"},
    /* Not transport, but things the host cannot contain (README "When a
     * plugin crashes"): ending the process skips the host's reporting, and
     * stdout carries `dwhost read`'s JSON lines.  abort() is not flagged:
     * assert() uses it and the host contains it. */
    {"exit", "process_exit"},  {"_exit", "process_exit"},  {"_Exit", "process_exit"},
    {"quick_exit", "process_exit"},
    {"stdout", "stdout"},
    {NULL, NULL},
};

static const rule library_rules[] = {
    {"libcurl*", "libcurl"}, {"libssl*", "tls"}, {"libgnutls*", "tls"}, {"libnss3*", "tls"},
    {"libresolv*", "dns"},   {NULL, NULL},
};

static const char *advice(const char *kind) {
    if (!strcmp(kind, "libcurl") || !strcmp(kind, "socket") || !strcmp(kind, "dns") || !strcmp(kind, "tls"))
        return "make HTTP requests through api->http_request or api->rest_run (the tracked transport), "
               "never with a network library of your own";
    if (!strcmp(kind, "dynamic_loading"))
        return "do not load libraries or look up symbols at run time: it can reach a network stack past the audit";
    if (!strcmp(kind, "process")) return "do not start processes (such as curl): use api->http_request";
    if (!strcmp(kind, "process_exit"))
        return "never end the process: return an error with api->fail so the host keeps committed work and "
               "reports it";
    if (!strcmp(kind, "stdout"))
        return "do not write to stdout (dwhost read prints rows there as JSON lines): log with api->log";
    return "do not make system calls directly: use the host's function table";
}

/* Findings of these kinds bypass the tracked transport (the verdict);
 * the others are hygiene findings that only fail the audit. */
static int is_transport_kind(const char *kind) {
    return strcmp(kind, "process_exit") != 0 && strcmp(kind, "stdout") != 0;
}

static const char *match(const rule *rules, const char *name) {
    for (const rule *r = rules; r->name; r++) {
        size_t n = strlen(r->name);
        if (r->name[n - 1] == '*') {
            if (!strncmp(name, r->name, n - 1)) return r->kind;
        } else if (!strcmp(name, r->name)) {
            return r->kind;
        }
    }
    return NULL;
}

/* ---- one file -------------------------------------------------------------- */

typedef struct audit {
    const char *path;
    json_object *findings; /* array */
    char error[256];
} audit;

static void add_finding(audit *a, const char *kind, const char *what, const char *name) {
    /* One finding per name: a symbol may appear in several versions. */
    for (size_t i = 0; i < json_object_array_length(a->findings); i++) {
        json_object *f = json_object_array_get_idx(a->findings, i), *v = NULL;
        if (json_object_object_get_ex(f, what, &v) && !strcmp(json_object_get_string(v), name)) return;
    }
    json_object *f = json_object_new_object();
    json_object_object_add(f, "kind", json_object_new_string(kind));
    json_object_object_add(f, what, json_object_new_string(name));
    json_object_object_add(f, "advice", json_object_new_string(advice(kind)));
    json_object_array_add(a->findings, f);
}

/* A NUL-terminated string at off inside [base, base+size), or NULL. */
static const char *str_at(const uint8_t *base, size_t size, uint64_t off) {
    if (off >= size) return NULL;
    const char *s = (const char *)base + off;
    if (!memchr(s, 0, size - off)) return NULL;
    return s;
}

/* Generic over ELF class: SFX is 32 or 64. */
#define DEFINE_SCAN(SFX)                                                                                       \
    static int scan##SFX(audit *a, const uint8_t *img, size_t size) {                                          \
        const Elf##SFX##_Ehdr *eh = (const Elf##SFX##_Ehdr *)img;                                            \
        if (size < sizeof *eh) return snprintf(a->error, sizeof a->error, "truncated ELF header"), -1;        \
        if (eh->e_type != ET_DYN)                                                                              \
            return snprintf(a->error, sizeof a->error, "not a shared object (ELF type %u)", eh->e_type), -1;  \
        if (eh->e_shoff == 0 || eh->e_shnum == 0 || eh->e_shentsize != sizeof(Elf##SFX##_Shdr) ||             \
            eh->e_shoff > size || (uint64_t)eh->e_shnum * sizeof(Elf##SFX##_Shdr) > size - eh->e_shoff)      \
            return snprintf(a->error, sizeof a->error, "no readable section headers (stripped or truncated)"), \
                   -1;                                                                                         \
        const Elf##SFX##_Shdr *sh = (const Elf##SFX##_Shdr *)(img + eh->e_shoff);                            \
        int have_dynsym = 0;                                                                                   \
        for (unsigned i = 0; i < eh->e_shnum; i++) {                                                           \
            const Elf##SFX##_Shdr *s = &sh[i];                                                                 \
            if (s->sh_type != SHT_DYNSYM && s->sh_type != SHT_DYNAMIC) continue;                               \
            if (s->sh_link >= eh->e_shnum) continue;                                                           \
            const Elf##SFX##_Shdr *strs = &sh[s->sh_link];                                                     \
            if (s->sh_offset > size || s->sh_size > size - s->sh_offset || strs->sh_offset > size ||           \
                strs->sh_size > size - strs->sh_offset)                                                        \
                return snprintf(a->error, sizeof a->error, "section %u lies outside the file", i), -1;        \
            const uint8_t *strtab = img + strs->sh_offset;                                                     \
            size_t strsz = strs->sh_size;                                                                      \
            if (s->sh_type == SHT_DYNSYM) {                                                                    \
                have_dynsym = 1;                                                                               \
                size_t n = s->sh_size / sizeof(Elf##SFX##_Sym);                                               \
                const Elf##SFX##_Sym *sym = (const Elf##SFX##_Sym *)(img + s->sh_offset);                     \
                for (size_t k = 1; k < n; k++) {                                                               \
                    if (sym[k].st_shndx != SHN_UNDEF) continue; /* defined here: not an import */             \
                    const char *name = str_at(strtab, strsz, sym[k].st_name);                                  \
                    if (!name || !*name) continue;                                                             \
                    const char *kind = match(symbol_rules, name);                                              \
                    if (kind) add_finding(a, kind, "symbol", name);                                            \
                }                                                                                              \
            } else {                                                                                           \
                size_t n = s->sh_size / sizeof(Elf##SFX##_Dyn);                                               \
                const Elf##SFX##_Dyn *d = (const Elf##SFX##_Dyn *)(img + s->sh_offset);                       \
                for (size_t k = 0; k < n && d[k].d_tag != DT_NULL; k++) {                                      \
                    if (d[k].d_tag != DT_NEEDED) continue;                                                     \
                    const char *lib = str_at(strtab, strsz, d[k].d_un.d_val);                                  \
                    if (!lib) continue;                                                                        \
                    const char *kind = match(library_rules, lib);                                              \
                    if (kind) add_finding(a, kind, "library", lib);                                            \
                }                                                                                              \
            }                                                                                                  \
        }                                                                                                      \
        if (!have_dynsym)                                                                                      \
            return snprintf(a->error, sizeof a->error, "no dynamic symbol table (not a plugin?)"), -1;        \
        return 0;                                                                                              \
    }

DEFINE_SCAN(32)
DEFINE_SCAN(64)

static int audit_file(audit *a) {
    int fd = open(a->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(a->error, sizeof a->error, "cannot open: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        snprintf(a->error, sizeof a->error, "not a regular file");
        return -1;
    }
    size_t size = (size_t)st.st_size;
    if (size < EI_NIDENT) {
        close(fd);
        snprintf(a->error, sizeof a->error, "not an ELF file (too short)");
        return -1;
    }
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        snprintf(a->error, sizeof a->error, "cannot read: %s", strerror(errno));
        return -1;
    }
    const uint8_t *img = map;
    int rc;
    if (memcmp(img, ELFMAG, SELFMAG) != 0) {
        snprintf(a->error, sizeof a->error, "not an ELF file");
        rc = -1;
    } else if (img[EI_DATA] != (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB)) {
        snprintf(a->error, sizeof a->error, "ELF byte order differs from this machine's; audit it on its own platform");
        rc = -1;
    } else if (img[EI_CLASS] == ELFCLASS64) {
        rc = scan64(a, img, size);
    } else if (img[EI_CLASS] == ELFCLASS32) {
        rc = scan32(a, img, size);
    } else {
        snprintf(a->error, sizeof a->error, "unknown ELF class %u", img[EI_CLASS]);
        rc = -1;
    }
    munmap(map, size);
    return rc;
}

static void usage(FILE *out) {
    fprintf(out,
            "usage: plugin-audit [--json] FILE.so...\n"
            "Reports plugins that use libcurl, sockets, DNS, TLS, run-time loading or processes directly\n"
            "instead of the host's tracked transport, or that end the process (exit, _exit, _Exit,\n"
            "quick_exit) or use stdout.  Exit 0: clean; 1: a finding; 2: usage error or a file that\n"
            "could not be audited.\n");
}

int main(int argc, char **argv) {
    int json = 0, nfiles = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = 1;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return EXIT_CLEAN;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "plugin-audit: unknown option '%s'; see --help\n", argv[i]);
            return EXIT_ERROR;
        } else
            nfiles++;
    }
    if (nfiles == 0) {
        usage(stderr);
        return EXIT_ERROR;
    }
    int any_finding = 0, any_error = 0;
    json_object *files = json_object_new_array();
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1]) continue;
        audit a = {.path = argv[i], .findings = json_object_new_array()};
        int rc = audit_file(&a);
        size_t n = json_object_array_length(a.findings), n_transport = 0;
        for (size_t k = 0; k < n; k++)
            n_transport += is_transport_kind(
                json_object_get_string(json_object_object_get(json_object_array_get_idx(a.findings, k), "kind")));
        const char *verdict = rc != 0 ? "error" : n_transport ? "untracked" : "tracked";
        if (rc != 0) any_error = 1;
        if (n) any_finding = 1;
        if (!json) {
            if (rc != 0)
                printf("%s: cannot audit: %s\n", a.path, a.error);
            for (size_t k = 0; k < n; k++) {
                json_object *f = json_object_array_get_idx(a.findings, k), *v;
                const char *kind = json_object_get_string(json_object_object_get(f, "kind"));
                int is_lib = json_object_object_get_ex(f, "library", &v);
                if (!is_lib) v = json_object_object_get(f, "symbol");
                printf("%s: %s %s (%s): %s\n", a.path, is_lib ? "links" : "imports", json_object_get_string(v), kind,
                       advice(kind));
            }
            if (rc == 0 && n == 0) printf("%s: ok (tracked transport only)\n", a.path);
        }
        json_object *o = json_object_new_object();
        json_object_object_add(o, "file", json_object_new_string(a.path));
        json_object_object_add(o, "verdict", json_object_new_string(verdict));
        json_object_object_add(o, "findings", a.findings);
        json_object_object_add(o, "error", rc ? json_object_new_string(a.error) : NULL);
        json_object_array_add(files, o);
    }
    if (json) {
        json_object *out = json_object_new_object();
        json_object_object_add(out, "ok", json_object_new_boolean(!any_finding && !any_error));
        json_object_object_add(out, "files", files);
        printf("%s\n", json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(out);
    } else {
        json_object_put(files);
    }
    return any_error ? EXIT_ERROR : any_finding ? EXIT_FINDING : EXIT_CLEAN;
}
