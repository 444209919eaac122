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
 * the audit but leave the transport verdict alone.  And it reports code
 * that runs when the plugin is merely loaded (dlopen, e.g. by
 * `dwhost list-plugins`) or unloaded: DT_INIT, DT_INIT_ARRAY,
 * DT_PREINIT_ARRAY, DT_FINI and DT_FINI_ARRAY entries other than the
 * toolchain's own (see loadtime_allowed()); kind "load_time_code", also
 * outside the transport verdict.  Code of the plugin's language runtime
 * (audit_runtime.h: Rust std, the C++ library) is listed as "not counted"
 * instead of as findings.
 *
 * Output: one line per finding, "FILE: imports SYMBOL (kind): what to do",
 * "FILE: runs FUNCTION when loaded (DT_INIT_ARRAY, load_time_code): ...",
 * or "FILE: ok (tracked transport only)".  --json prints one object:
 *   {"ok": bool, "files": [{"file", "verdict": "tracked"|"untracked"|"error",
 *    "findings": [{"kind", "symbol"|"library"|"function", "table" (load_time_code
 *    only), "advice"}], "error"}]}
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

#include "audit_runtime.h"

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
    /* Not transport, but things the host cannot contain (docs/concepts/
     * plugins.md, "When a plugin crashes"): ending the process skips the host's reporting, and
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
    if (!strcmp(kind, "load_time_code"))
        return "move this work into init(): listing must not run plugin code";
    if (!strcmp(kind, "unload_time_code"))
        return "move this clean-up into fini(): listing must not run plugin code";
    return "do not make system calls directly: use the host's function table";
}

/* Findings of these kinds bypass the tracked transport (the verdict);
 * the others are hygiene findings that only fail the audit. */
static int is_transport_kind(const char *kind) {
    return strcmp(kind, "process_exit") != 0 && strcmp(kind, "stdout") != 0 && strcmp(kind, "load_time_code") != 0;
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
    int sanitized;         /* imports __asan_*: the compiler added its own ctor/dtor */
    audit_rt *rt;          /* the language runtime it carries (Rust std, C++), or NULL */
    json_object *runtime_code; /* what was not counted as the runtime's: [{"symbol"|"function", "table"}] */
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


/* ---- load-time code ---------------------------------------------------------
 *
 * dlopen() runs DT_PREINIT_ARRAY (ignored by glibc for shared objects, still
 * reported), DT_INIT and DT_INIT_ARRAY; dlclose() runs DT_FINI_ARRAY and
 * DT_FINI.  Every shared object gcc 12 or clang 14 (Debian 12) links gets
 * exactly these from the toolchain's crt files, verified with readelf -d /
 * readelf -x .init_array / nm on a plain plugin:
 *   DT_INIT  -> _init (crti.o, first byte of .init)
 *   DT_FINI  -> _fini (crti.o, first byte of .fini)
 *   DT_INIT_ARRAY -> frame_dummy              (crtbeginS.o)
 *   DT_FINI_ARRAY -> __do_global_dtors_aux    (crtbeginS.o)
 * -fsanitize=address adds one constructor and one destructor of its own:
 * clang names them asan.module_ctor / asan.module_dtor, gcc _sub_I_00099_N /
 * _sub_D_00099_N (priority 99 is reserved to the implementation, so user
 * code cannot get that name without a warning); they are accepted only
 * when the plugin imports __asan_* (it is instrumented).
 * An entry is named through .symtab, then .dynsym.  A stripped plugin
 * whose entries cannot be named: DT_INIT/DT_FINI pass when they point at
 * the first byte of .init/.fini (where crti.o puts _init/_fini;
 * -Wl,-init=f points elsewhere), and each array may hold as many unnamed
 * entries as the toolchain adds (1, or 2 when instrumented); any more is
 * plugin code.  A stripped plugin with its own constructor but no
 * frame_dummy is not produced by these toolchains. */

enum { TBL_PREINIT, TBL_INIT, TBL_INIT_ARRAY, TBL_FINI, TBL_FINI_ARRAY };
static const char *const table_names[] = {"DT_PREINIT_ARRAY", "DT_INIT", "DT_INIT_ARRAY", "DT_FINI",
                                          "DT_FINI_ARRAY"};

static int prefix(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

static void add_runtime_code(audit *a, const char *what, const char *name, const char *table) {
    if (!a->runtime_code) a->runtime_code = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(a->runtime_code); i++) {
        json_object *v = NULL;
        if (json_object_object_get_ex(json_object_array_get_idx(a->runtime_code, i), what, &v) &&
            !strcmp(json_object_get_string(v), name))
            return;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, what, json_object_new_string(name));
    if (table) json_object_object_add(o, "table", json_object_new_string(table));
    json_object_object_add(o, "runtime", json_object_new_string(audit_rt_name(a->rt)));
    json_object_array_add(a->runtime_code, o);
}

/* Is NAME (at ADDR) the toolchain's own entry for table TBL, or the
 * language runtime's (audit_runtime.h)? */
static int loadtime_allowed(audit *a, int tbl, const char *name, uint64_t addr) {
    if (tbl == TBL_INIT_ARRAY && a->rt && audit_rt_entry(a->rt, name, addr)) {
        add_runtime_code(a, "function", name, table_names[tbl]);
        return 1;
    }
    switch (tbl) {
    case TBL_INIT: return !strcmp(name, "_init");
    case TBL_FINI: return !strcmp(name, "_fini");
    case TBL_INIT_ARRAY:
        return !strcmp(name, "frame_dummy") ||
               (a->sanitized && (!strcmp(name, "asan.module_ctor") || prefix(name, "_sub_I_00099_")));
    case TBL_FINI_ARRAY:
        return !strcmp(name, "__do_global_dtors_aux") ||
               (a->sanitized && (!strcmp(name, "asan.module_dtor") || prefix(name, "_sub_D_00099_")));
    default: return 0; /* nothing of the toolchain's is in a shared object's preinit array */
    }
}

static void add_loadtime(audit *a, int tbl, const char *function) {
    for (size_t i = 0; i < json_object_array_length(a->findings); i++) {
        json_object *f = json_object_array_get_idx(a->findings, i), *v = NULL, *t = NULL;
        if (json_object_object_get_ex(f, "function", &v) && json_object_object_get_ex(f, "table", &t) &&
            !strcmp(json_object_get_string(v), function) && !strcmp(json_object_get_string(t), table_names[tbl]))
            return;
    }
    json_object *f = json_object_new_object();
    json_object_object_add(f, "kind", json_object_new_string("load_time_code"));
    json_object_object_add(f, "function", json_object_new_string(function));
    json_object_object_add(f, "table", json_object_new_string(table_names[tbl]));
    /* The JSON kind stays load_time_code; only the advice says which hook. */
    int unload = tbl == TBL_FINI || tbl == TBL_FINI_ARRAY;
    json_object_object_add(f, "advice", json_object_new_string(advice(unload ? "unload_time_code" : "load_time_code")));
    json_object_array_add(a->findings, f);
}

/* Generic over ELF class: the entry points of every load-time table, each
 * resolved to a name where the file says one, then judged. */
#define DEFINE_LOADTIME(SFX)                                                                                   \
    /* The symbol defined at ADDR, from .symtab (preferred) or .dynsym; NULL if none. */                       \
    static const char *name_at##SFX(const uint8_t *img, size_t size, const Elf##SFX##_Shdr *sh, unsigned shnum, \
                                    uint64_t addr) {                                                           \
        for (int pass = 0; pass < 2; pass++) {                                                                 \
            unsigned want = pass == 0 ? SHT_SYMTAB : SHT_DYNSYM;                                               \
            for (unsigned i = 0; i < shnum; i++) {                                                             \
                const Elf##SFX##_Shdr *s = &sh[i];                                                             \
                if (s->sh_type != want || s->sh_link >= shnum) continue;                                       \
                const Elf##SFX##_Shdr *st = &sh[s->sh_link];                                                   \
                if (s->sh_offset > size || s->sh_size > size - s->sh_offset || st->sh_offset > size ||         \
                    st->sh_size > size - st->sh_offset)                                                        \
                    continue;                                                                                  \
                const Elf##SFX##_Sym *sym = (const Elf##SFX##_Sym *)(img + s->sh_offset);                     \
                size_t n = s->sh_size / sizeof *sym;                                                           \
                for (size_t k = 1; k < n; k++) {                                                               \
                    unsigned type = ELF##SFX##_ST_TYPE(sym[k].st_info);                                        \
                    if (sym[k].st_shndx == SHN_UNDEF || sym[k].st_value != addr) continue;                     \
                    if (type != STT_FUNC && type != STT_NOTYPE && type != STT_GNU_IFUNC) continue;             \
                    const char *nm = str_at(img + st->sh_offset, st->sh_size, sym[k].st_name);                 \
                    if (nm && *nm) return nm;                                                                  \
                }                                                                                              \
            }                                                                                                  \
        }                                                                                                      \
        return NULL;                                                                                           \
    }                                                                                                          \
    /* The section holding the bytes of ADDR (not .bss), or NULL. */                                           \
    static const Elf##SFX##_Shdr *section_at##SFX(const Elf##SFX##_Shdr *sh, unsigned shnum, uint64_t addr,     \
                                                   uint64_t len) {                                             \
        for (unsigned i = 0; i < shnum; i++)                                                                   \
            if ((sh[i].sh_flags & SHF_ALLOC) && sh[i].sh_type != SHT_NOBITS && addr >= sh[i].sh_addr &&       \
                sh[i].sh_size >= len && addr - sh[i].sh_addr <= sh[i].sh_size - len)                           \
                return &sh[i];                                                                                 \
        return NULL;                                                                                           \
    }                                                                                                          \
    /* What a pointer-sized slot at ADDR holds after relocation: *sym_name is set when a                       \
     * symbol relocation fills it (the name is then what runs), else *value. Returns -1 if                    \
     * the slot is outside the file. */                                                                        \
    static int slot##SFX(const uint8_t *img, size_t size, const Elf##SFX##_Shdr *sh, unsigned shnum,           \
                         uint64_t addr, uint64_t *value, const char **sym_name) {                             \
        const Elf##SFX##_Shdr *s = section_at##SFX(sh, shnum, addr, sizeof(Elf##SFX##_Addr));                 \
        if (!s) return -1;                                                                                     \
        uint64_t off = s->sh_offset + (addr - s->sh_addr);                                                     \
        if (off > size || size - off < sizeof(Elf##SFX##_Addr)) return -1;                                    \
        Elf##SFX##_Addr raw;                                                                                   \
        memcpy(&raw, img + off, sizeof raw);                                                                   \
        *value = raw;                                                                                          \
        *sym_name = NULL;                                                                                      \
        for (unsigned i = 0; i < shnum; i++) {                                                                 \
            const Elf##SFX##_Shdr *r = &sh[i];                                                                 \
            if ((r->sh_type != SHT_RELA && r->sh_type != SHT_REL) || r->sh_offset > size ||                   \
                r->sh_size > size - r->sh_offset)                                                              \
                continue;                                                                                      \
            int rela = r->sh_type == SHT_RELA;                                                                 \
            size_t ent = rela ? sizeof(Elf##SFX##_Rela) : sizeof(Elf##SFX##_Rel);                             \
            for (size_t k = 0; k < r->sh_size / ent; k++) {                                                    \
                Elf##SFX##_Rela e = {0};                                                                       \
                memcpy(&e, img + r->sh_offset + k * ent, ent);                                                 \
                if (e.r_offset != addr) continue;                                                              \
                size_t symi = ELF##SFX##_R_SYM(e.r_info);                                                      \
                if (symi == 0) { /* RELATIVE: base + addend (REL: + the slot's own bytes) */                   \
                    if (rela) *value = (uint64_t)e.r_addend;                                                   \
                    return 0;                                                                                  \
                }                                                                                              \
                if (r->sh_link >= shnum) return 0;                                                             \
                const Elf##SFX##_Shdr *ds = &sh[r->sh_link];                                                   \
                if (ds->sh_link >= shnum || ds->sh_offset > size || ds->sh_size > size - ds->sh_offset ||      \
                    symi >= ds->sh_size / sizeof(Elf##SFX##_Sym))                                              \
                    return 0;                                                                                  \
                const Elf##SFX##_Shdr *dst = &sh[ds->sh_link];                                                 \
                const Elf##SFX##_Sym *sym = (const Elf##SFX##_Sym *)(img + ds->sh_offset) + symi;             \
                if (dst->sh_offset <= size && dst->sh_size <= size - dst->sh_offset)                           \
                    *sym_name = str_at(img + dst->sh_offset, dst->sh_size, sym->st_name);                      \
                if (sym->st_shndx != SHN_UNDEF) *value = sym->st_value + (rela ? (uint64_t)e.r_addend : 0);   \
                return 0;                                                                                      \
            }                                                                                                  \
        }                                                                                                      \
        return 0;                                                                                              \
    }                                                                                                          \
    static void loadtime##SFX(audit *a, const uint8_t *img, size_t size, const Elf##SFX##_Shdr *sh,           \
                              unsigned shnum, const Elf##SFX##_Dyn *d, size_t nd) {                           \
        uint64_t at[5] = {0}, sz[5] = {0};                                                                     \
        int have[5] = {0};                                                                                     \
        for (size_t k = 0; k < nd && d[k].d_tag != DT_NULL; k++) {                                             \
            int t = -1, is_size = 0;                                                                           \
            switch (d[k].d_tag) {                                                                              \
            case DT_PREINIT_ARRAY: t = TBL_PREINIT; break;                                                     \
            case DT_PREINIT_ARRAYSZ: t = TBL_PREINIT, is_size = 1; break;                                      \
            case DT_INIT: t = TBL_INIT; break;                                                                 \
            case DT_INIT_ARRAY: t = TBL_INIT_ARRAY; break;                                                     \
            case DT_INIT_ARRAYSZ: t = TBL_INIT_ARRAY, is_size = 1; break;                                      \
            case DT_FINI: t = TBL_FINI; break;                                                                 \
            case DT_FINI_ARRAY: t = TBL_FINI_ARRAY; break;                                                     \
            case DT_FINI_ARRAYSZ: t = TBL_FINI_ARRAY, is_size = 1; break;                                      \
            default: continue;                                                                                 \
            }                                                                                                  \
            if (is_size) sz[t] = d[k].d_un.d_val;                                                              \
            else at[t] = d[k].d_un.d_ptr, have[t] = 1;                                                         \
        }                                                                                                      \
        char unnamed[64];                                                                                      \
        for (int t = 0; t < 5; t++) {                                                                          \
            if (!have[t]) continue;                                                                            \
            if (t == TBL_INIT || t == TBL_FINI) {                                                              \
                const char *nm = name_at##SFX(img, size, sh, shnum, at[t]);                                    \
                if (nm) {                                                                                      \
                    if (!loadtime_allowed(a, t, nm, at[t])) add_loadtime(a, t, nm);                                   \
                    continue;                                                                                  \
                }                                                                                              \
                /* stripped: crti.o's _init/_fini are the first byte of .init/.fini */                         \
                const Elf##SFX##_Shdr *s = section_at##SFX(sh, shnum, at[t], 1);                               \
                const Elf##SFX##_Shdr *shstr = NULL;                                                           \
                unsigned shstrndx = ((const Elf##SFX##_Ehdr *)img)->e_shstrndx;                                \
                if (shstrndx < shnum) shstr = &sh[shstrndx];                                                   \
                const char *sname = NULL;                                                                      \
                if (s && shstr && shstr->sh_offset <= size && shstr->sh_size <= size - shstr->sh_offset)       \
                    sname = str_at(img + shstr->sh_offset, shstr->sh_size, s->sh_name);                        \
                if (s && sname && s->sh_addr == at[t] && !strcmp(sname, t == TBL_INIT ? ".init" : ".fini"))     \
                    continue;                                                                                  \
                snprintf(unnamed, sizeof unnamed, "unnamed function at 0x%llx", (unsigned long long)at[t]);    \
                add_loadtime(a, t, unnamed);                                                                   \
                continue;                                                                                      \
            }                                                                                                  \
            /* arrays: the toolchain adds 1 entry (2 instrumented).  Pass 0 takes the named      \
             * toolchain entries off that budget, pass 1 reports: named entries that are not the  \
             * toolchain's, and unnamed ones beyond what is left of the budget (order-free). */   \
            int spare = t == TBL_PREINIT ? 0 : 1 + (a->sanitized ? 1 : 0) +                                 \
                        (t == TBL_INIT_ARRAY && a->rt ? audit_rt_unnamed_inits(a->rt) : 0);                   \
            for (int pass = 0; pass < 2; pass++) {                                                             \
                for (uint64_t i = 0; i < sz[t] / sizeof(Elf##SFX##_Addr); i++) {                               \
                    uint64_t slot_addr = at[t] + i * sizeof(Elf##SFX##_Addr), v = 0;                           \
                    const char *nm = NULL;                                                                     \
                    if (slot##SFX(img, size, sh, shnum, slot_addr, &v, &nm) != 0) {                            \
                        snprintf(unnamed, sizeof unnamed, "entry %llu (outside the file)",                     \
                                 (unsigned long long)i);                                                       \
                        if (pass == 1) add_loadtime(a, t, unnamed);                                            \
                        continue;                                                                              \
                    }                                                                                          \
                    if (!nm && (v == 0 || v == (Elf##SFX##_Addr)-1)) continue; /* never called */            \
                    if (!nm) nm = name_at##SFX(img, size, sh, shnum, v);                                       \
                    if (pass == 0) {                                                                           \
                        if (nm && loadtime_allowed(a, t, nm, v) && spare > 0) spare--;                            \
                    } else if (nm) {                                                                           \
                        if (!loadtime_allowed(a, t, nm, v)) add_loadtime(a, t, nm);                               \
                    } else if (spare > 0) {                                                                    \
                        spare--;                                                                               \
                    } else {                                                                                   \
                        snprintf(unnamed, sizeof unnamed, "unnamed function at 0x%llx", (unsigned long long)v);\
                        add_loadtime(a, t, unnamed);                                                           \
                    }                                                                                          \
                }                                                                                              \
            }                                                                                                  \
        }                                                                                                      \
    }

DEFINE_LOADTIME(32)
DEFINE_LOADTIME(64)

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
        const Elf##SFX##_Dyn *dyn = NULL;                                                                      \
        size_t ndyn = 0;                                                                                       \
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
                    if (prefix(name, "__asan_")) a->sanitized = 1;                                             \
                    const char *kind = match(symbol_rules, name);                                              \
                    if (kind && a->rt && audit_rt_import(a->rt, name)) {                                       \
                        add_runtime_code(a, "symbol", name, NULL); /* the runtime's, not the plugin's */      \
                        kind = NULL;                                                                           \
                    }                                                                                          \
                    if (kind) add_finding(a, kind, "symbol", name);                                            \
                }                                                                                              \
            } else {                                                                                           \
                size_t n = s->sh_size / sizeof(Elf##SFX##_Dyn);                                               \
                const Elf##SFX##_Dyn *d = (const Elf##SFX##_Dyn *)(img + s->sh_offset);                       \
                dyn = d, ndyn = n;                                                                             \
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
        if (dyn) loadtime##SFX(a, img, size, sh, eh->e_shnum, dyn, ndyn);                                       \
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
        a->rt = audit_rt_new(img, size);
        rc = scan64(a, img, size);
        audit_rt_free(a->rt);
        a->rt = NULL;
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
            "quick_exit) or use stdout, or that run code of their own when loaded or unloaded\n"
            "(constructors, destructors: DT_INIT, DT_INIT_ARRAY, DT_PREINIT_ARRAY, DT_FINI_ARRAY).\n"
            "A language runtime's own code (Rust std's init entry and syscall, a C++ <iostream>\n"
            "initializer) is listed as \"not counted\" instead.\n"
            "Exit 0: clean; 1: a finding; 2: usage error or a file that could not be audited.\n");
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
                json_object *tbl;
                if (json_object_object_get_ex(f, "table", &tbl)) {
                    const char *t = json_object_get_string(tbl);
                    printf("%s: runs %s when %s (%s, %s): %s\n", a.path,
                           json_object_get_string(json_object_object_get(f, "function")),
                           strstr(t, "FINI") ? "unloaded" : "loaded", t, kind,
                           json_object_get_string(json_object_object_get(f, "advice")));
                    continue;
                }
                int is_lib = json_object_object_get_ex(f, "library", &v);
                if (!is_lib) v = json_object_object_get(f, "symbol");
                printf("%s: %s %s (%s): %s\n", a.path, is_lib ? "links" : "imports", json_object_get_string(v), kind,
                       advice(kind));
            }
            if (rc == 0 && n == 0) printf("%s: ok (tracked transport only)\n", a.path);
            /* What was the runtime's, so a reader sees why it passed. */
            for (size_t k = 0; a.runtime_code && k < json_object_array_length(a.runtime_code); k++) {
                json_object *f = json_object_array_get_idx(a.runtime_code, k), *v;
                int is_fn = json_object_object_get_ex(f, "function", &v);
                if (!is_fn) v = json_object_object_get(f, "symbol");
                char where[80] = "";
                if (is_fn)
                    snprintf(where, sizeof where, " (%s)", json_object_get_string(json_object_object_get(f, "table")));
                printf("%s: not counted: %s %s%s: the language runtime's own code (%s)\n", a.path,
                       is_fn ? "runs" : "imports", json_object_get_string(v), where,
                       json_object_get_string(json_object_object_get(f, "runtime")));
            }
        }
        json_object *o = json_object_new_object();
        json_object_object_add(o, "file", json_object_new_string(a.path));
        json_object_object_add(o, "verdict", json_object_new_string(verdict));
        json_object_object_add(o, "findings", a.findings);
        json_object_object_add(o, "error", rc ? json_object_new_string(a.error) : NULL);
        json_object_object_add(o, "runtime_code", a.runtime_code ? a.runtime_code : json_object_new_array());
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
