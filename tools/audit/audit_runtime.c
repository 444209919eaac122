/*
 * audit_runtime.c -- which code of a plugin is its language runtime's
 * (audit_runtime.h says what counts and why).
 */
#include "audit_runtime.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

enum { RT_RUST = 1, RT_CXX = 2 };

typedef struct fn {
    uint64_t addr, size;
    const char *name;
} fn;

typedef struct slot {
    uint64_t addr; /* a GOT slot */
    const char *name;
} slot;

typedef struct span {
    uint64_t addr, size;
    const uint8_t *bytes;
} span;

struct audit_rt {
    int kind;
    int x86_64;      /* code is attributed only on x86-64 */
    fn *fns;         /* named functions of .symtab, by address */
    size_t n_fns;
    slot *slots;     /* GOT slots of imports (JUMP_SLOT, GLOB_DAT) */
    size_t n_slots;
    span code[16];   /* executable sections other than the PLTs */
    size_t n_code;
    span plt[4];     /* .plt, .plt.sec, .plt.got */
    size_t n_plt;
};

static const char *str_at(const uint8_t *base, size_t size, uint64_t off) {
    if (off >= size) return NULL;
    const char *s = (const char *)base + off;
    return memchr(s, 0, size - off) ? s : NULL;
}

static int in_file(size_t size, uint64_t off, uint64_t len) { return off <= size && len <= size - off; }

static int starts(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

/* ---- names ------------------------------------------------------------- */

/* The crates Rust's std is built from: their code in a cdylib is the
 * runtime's, whatever the plugin calls of it. */
static const char *const rust_runtime_crates[] = {
    "std", "core", "alloc", "panic_unwind", "panic_abort", "std_detect", "hashbrown", "rustc_demangle",
    "addr2line", "gimli", "miniz_oxide", "object", "memchr", "adler", "adler2", "compiler_builtins",
    "unwind", "cfg_if", NULL};

static int rust_runtime_crate(const char *name, size_t len) {
    for (int i = 0; rust_runtime_crates[i]; i++)
        if (strlen(rust_runtime_crates[i]) == len && !memcmp(rust_runtime_crates[i], name, len)) return 1;
    return 0;
}

/* A decimal length and that many characters at *p: the identifier. */
static int ident(const char **p, const char **name, size_t *len) {
    size_t n = 0;
    if (**p < '0' || **p > '9') return 0;
    while (**p >= '0' && **p <= '9') {
        n = n * 10 + (size_t)(**p - '0');
        if (n > 4096) return 0;
        (*p)++;
    }
    if (strnlen(*p, n) < n) return 0;
    *name = *p, *len = n;
    *p += n;
    return 1;
}

/* The crate a mangled Rust symbol's item is defined in: the legacy
 * mangling (_ZN3std...E) or v0 (_R, then nested paths N<ns>, generic
 * arguments I, down to the crate root C[s<disambiguator>_]<len><name>). */
static int rust_crate(const char *sym, const char **name, size_t *len) {
    const char *p;
    if (starts(sym, "_ZN")) {
        p = sym + 3;
        return ident(&p, name, len);
    }
    if (!starts(sym, "_R")) return 0;
    p = sym + 2;
    /* N<ns> nested path, I generic arguments, M/X inherent/trait impl
     * (with an optional s<disambiguator>_), Y a trait's own item */
    for (;;) {
        if (*p == 'N' && p[1]) p += 2;
        else if (*p == 'I' || *p == 'Y') p++;
        else if (*p == 'M' || *p == 'X') {
            p++;
            if (*p == 's') {
                while (*p && *p != '_') p++;
                if (*p != '_') return 0;
                p++;
            }
        } else
            break;
    }
    if (*p != 'C') return 0;
    p++;
    if (*p == 's') {
        while (*p && *p != '_') p++;
        if (*p != '_') return 0;
        p++;
    }
    return ident(&p, name, len);
}

static int runtime_function(const audit_rt *rt, const char *sym) {
    const char *crate;
    size_t len;
    if ((rt->kind & RT_RUST) && rust_crate(sym, &crate, &len) && rust_runtime_crate(crate, len)) return 1;
    if ((rt->kind & RT_CXX) && (starts(sym, "_ZNSt") || starts(sym, "_ZNKSt") || starts(sym, "_ZSt") ||
                                starts(sym, "_ZN9__gnu_cxx") || starts(sym, "_ZNK9__gnu_cxx")))
        return 1;
    return 0;
}

/* ---- the image ----------------------------------------------------------- */

static int by_addr(const void *a, const void *b) {
    const fn *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static const fn *fn_at(const audit_rt *rt, uint64_t addr) {
    size_t lo = 0, hi = rt->n_fns;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rt->fns[mid].addr <= addr) lo = mid + 1;
        else hi = mid;
    }
    /* the last function starting at or before addr (several may share an
     * address: aliases); it must cover addr */
    while (lo > 0) {
        const fn *f = &rt->fns[--lo];
        if (addr < f->addr + f->size) return f;
        if (lo == 0 || rt->fns[lo - 1].addr != f->addr) break;
    }
    return NULL;
}

static const char *slot_name(const audit_rt *rt, uint64_t addr) {
    for (size_t i = 0; i < rt->n_slots; i++)
        if (rt->slots[i].addr == addr) return rt->slots[i].name;
    return NULL;
}

static uint32_t rd32(const uint8_t *b) { return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24; }

/* The import a PLT entry at addr jumps to (its `jmp *slot(%rip)`), or NULL. */
static const char *plt_target(const audit_rt *rt, uint64_t addr) {
    for (size_t i = 0; i < rt->n_plt; i++) {
        const span *s = &rt->plt[i];
        if (addr < s->addr || addr >= s->addr + s->size) continue;
        uint64_t off = addr - s->addr;
        for (uint64_t j = off; j < off + 16 && j + 6 <= s->size; j++)
            if (s->bytes[j] == 0xff && s->bytes[j + 1] == 0x25)
                return slot_name(rt, s->addr + j + 6 + (uint64_t)(int64_t)(int32_t)rd32(s->bytes + j + 2));
        return NULL;
    }
    return NULL;
}

/* What the instruction that may start at s->bytes[i] refers to: an
 * import (through the PLT or the GOT) in *import, or a direct call/jump
 * target in *target.  0: no reference there. */
static int reference_at(const audit_rt *rt, const span *s, uint64_t i, const char **import, uint64_t *target) {
    const uint8_t *b = s->bytes + i;
    uint64_t pc = s->addr + i, left = s->size - i;
    *import = NULL, *target = 0;
    if (left >= 5 && (b[0] == 0xe8 || b[0] == 0xe9)) { /* call/jmp rel32 */
        *target = pc + 5 + (uint64_t)(int64_t)(int32_t)rd32(b + 1);
        *import = plt_target(rt, *target);
        return 1;
    }
    if (left >= 6 && b[0] == 0xff && (b[1] == 0x15 || b[1] == 0x25)) { /* call/jmp *disp(%rip) */
        *import = slot_name(rt, pc + 6 + (uint64_t)(int64_t)(int32_t)rd32(b + 2));
        return *import != NULL;
    }
    if (left >= 7 && (b[0] & 0xf8) == 0x48 && b[1] == 0x8b && (b[2] & 0xc7) == 0x05) { /* mov disp(%rip), %r64 */
        *import = slot_name(rt, pc + 7 + (uint64_t)(int64_t)(int32_t)rd32(b + 3));
        return *import != NULL;
    }
    return 0;
}

audit_rt *audit_rt_new(const uint8_t *img, size_t size) {
    if (size < sizeof(Elf64_Ehdr) || img[EI_CLASS] != ELFCLASS64) return NULL;
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
    if (eh->e_shentsize != sizeof(Elf64_Shdr) || !in_file(size, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)))
        return NULL;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(img + eh->e_shoff);
    unsigned shnum = eh->e_shnum;
    const uint8_t *shstr = NULL;
    size_t shstr_size = 0;
    if (eh->e_shstrndx < shnum && in_file(size, sh[eh->e_shstrndx].sh_offset, sh[eh->e_shstrndx].sh_size))
        shstr = img + sh[eh->e_shstrndx].sh_offset, shstr_size = sh[eh->e_shstrndx].sh_size;

    audit_rt *rt = calloc(1, sizeof *rt);
    if (!rt) return NULL;
    rt->x86_64 = eh->e_machine == EM_X86_64;
    for (unsigned i = 0; i < shnum; i++) {
        const Elf64_Shdr *s = &sh[i];
        if (s->sh_type == SHT_NOBITS || !in_file(size, s->sh_offset, s->sh_size)) continue;
        const char *sname = shstr ? str_at(shstr, shstr_size, s->sh_name) : NULL;
        const uint8_t *bytes = img + s->sh_offset;
        if (sname && !strcmp(sname, ".comment") && memmem(bytes, s->sh_size, "rustc version ", 14)) rt->kind |= RT_RUST;
        if (s->sh_type == SHT_DYNAMIC && s->sh_link < shnum &&
            in_file(size, sh[s->sh_link].sh_offset, sh[s->sh_link].sh_size)) {
            const Elf64_Dyn *d = (const Elf64_Dyn *)bytes;
            for (size_t k = 0; k < s->sh_size / sizeof *d && d[k].d_tag != DT_NULL; k++) {
                if (d[k].d_tag != DT_NEEDED) continue;
                const char *lib = str_at(img + sh[s->sh_link].sh_offset, sh[s->sh_link].sh_size, d[k].d_un.d_val);
                if (lib && (starts(lib, "libstdc++.so") || starts(lib, "libc++.so"))) rt->kind |= RT_CXX;
            }
        }
        if ((s->sh_flags & SHF_EXECINSTR) && s->sh_type == SHT_PROGBITS && sname) {
            span sp = {s->sh_addr, s->sh_size, bytes};
            if (starts(sname, ".plt")) {
                if (rt->n_plt < sizeof rt->plt / sizeof rt->plt[0]) rt->plt[rt->n_plt++] = sp;
            } else if (rt->n_code < sizeof rt->code / sizeof rt->code[0]) {
                rt->code[rt->n_code++] = sp;
            }
        }
    }
    for (unsigned i = 0; i < shnum; i++) {
        const Elf64_Shdr *s = &sh[i];
        if (!in_file(size, s->sh_offset, s->sh_size) || s->sh_link >= shnum) continue;
        const Elf64_Shdr *link = &sh[s->sh_link];
        if (s->sh_type == SHT_SYMTAB && in_file(size, link->sh_offset, link->sh_size)) {
            const Elf64_Sym *sym = (const Elf64_Sym *)(img + s->sh_offset);
            size_t n = s->sh_size / sizeof *sym;
            if (n == 0) continue;
            fn *fns = realloc(rt->fns, (rt->n_fns + n) * sizeof *fns);
            if (!fns) goto oom;
            rt->fns = fns;
            for (size_t k = 1; k < n; k++) {
                if (ELF64_ST_TYPE(sym[k].st_info) != STT_FUNC || sym[k].st_shndx == SHN_UNDEF || !sym[k].st_size)
                    continue;
                const char *nm = str_at(img + link->sh_offset, link->sh_size, sym[k].st_name);
                if (!nm || !*nm) continue;
                rt->fns[rt->n_fns++] = (fn){sym[k].st_value, sym[k].st_size, nm};
            }
        } else if (s->sh_type == SHT_RELA && link->sh_type == SHT_DYNSYM && in_file(size, link->sh_offset, link->sh_size) &&
                   link->sh_link < shnum && in_file(size, sh[link->sh_link].sh_offset, sh[link->sh_link].sh_size)) {
            const Elf64_Rela *r = (const Elf64_Rela *)(img + s->sh_offset);
            const Elf64_Sym *dsym = (const Elf64_Sym *)(img + link->sh_offset);
            size_t n = s->sh_size / sizeof *r, nsym = link->sh_size / sizeof *dsym;
            if (n == 0) continue;
            slot *slots = realloc(rt->slots, (rt->n_slots + n) * sizeof *slots);
            if (!slots) goto oom;
            rt->slots = slots;
            for (size_t k = 0; k < n; k++) {
                unsigned type = ELF64_R_TYPE(r[k].r_info);
                size_t si = ELF64_R_SYM(r[k].r_info);
                if ((type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT) || si == 0 || si >= nsym) continue;
                const char *nm = str_at(img + sh[link->sh_link].sh_offset, sh[link->sh_link].sh_size, dsym[si].st_name);
                if (nm && *nm) rt->slots[rt->n_slots++] = (slot){r[k].r_offset, nm};
            }
        }
    }
    if (rt->n_fns) qsort(rt->fns, rt->n_fns, sizeof *rt->fns, by_addr); /* stripped: none */
    /* A Rust file without its .comment still names std's functions
     * (v0 mangling, or the legacy _ZN3std: C++'s std is _ZNSt). */
    for (size_t i = 0; i < rt->n_fns && !(rt->kind & RT_RUST); i++) {
        const char *crate;
        size_t len;
        if ((starts(rt->fns[i].name, "_R") || starts(rt->fns[i].name, "_ZN3std")) &&
            rust_crate(rt->fns[i].name, &crate, &len) && len == 3 && !memcmp(crate, "std", 3))
            rt->kind |= RT_RUST;
    }
    if (!rt->kind) {
        audit_rt_free(rt);
        return NULL;
    }
    return rt;
oom:
    audit_rt_free(rt);
    return NULL;
}

void audit_rt_free(audit_rt *rt) {
    if (!rt) return;
    free(rt->fns);
    free(rt->slots);
    free(rt);
}

const char *audit_rt_name(const audit_rt *rt) { return rt->kind & RT_RUST ? "Rust std" : "C++ standard library"; }

int audit_rt_import(const audit_rt *rt, const char *symbol) {
    if (!rt->x86_64 || !rt->n_fns) return 0;
    size_t refs = 0;
    for (size_t c = 0; c < rt->n_code; c++) {
        const span *s = &rt->code[c];
        for (uint64_t i = 0; i < s->size; i++) {
            const char *import;
            uint64_t target;
            if (!reference_at(rt, s, i, &import, &target) || !import || strcmp(import, symbol) != 0) continue;
            const fn *f = fn_at(rt, s->addr + i);
            if (!f || !runtime_function(rt, f->name)) return 0; /* the plugin's own reference */
            refs++;
        }
    }
    return refs > 0;
}

/* A C++ initializer that only sets up <iostream> (std::ios_base::Init and
 * its destructor through __cxa_atexit), following the local
 * __static_initialization_and_destruction_0 it may call (-O0). */
static int iostream_init_only(const audit_rt *rt, const fn *f, int depth, int *saw_init) {
    for (size_t c = 0; c < rt->n_code; c++) {
        const span *s = &rt->code[c];
        if (f->addr < s->addr || f->addr + f->size > s->addr + s->size) continue;
        for (uint64_t i = f->addr - s->addr; i < f->addr - s->addr + f->size; i++) {
            const char *import;
            uint64_t target;
            if (!reference_at(rt, s, i, &import, &target)) continue;
            if (import) {
                if (!strcmp(import, "_ZNSt8ios_base4InitC1Ev")) *saw_init = 1;
                else if (strcmp(import, "__cxa_atexit") != 0 && strcmp(import, "_ZNSt8ios_base4InitD1Ev") != 0) return 0;
                continue;
            }
            if (target >= f->addr && target < f->addr + f->size) continue; /* a jump inside */
            const fn *callee = fn_at(rt, target);
            if (!callee || callee->addr != target || depth >= 2 ||
                !strstr(callee->name, "__static_initialization_and_destruction_") ||
                !iostream_init_only(rt, callee, depth + 1, saw_init))
                return 0;
        }
        return 1;
    }
    return 0;
}

int audit_rt_entry(const audit_rt *rt, const char *function, uint64_t addr) {
    if (runtime_function(rt, function)) return 1;
    if (!(rt->kind & RT_CXX) || !rt->x86_64 || !starts(function, "_GLOBAL__sub_I_")) return 0;
    const fn *f = fn_at(rt, addr);
    int saw_init = 0;
    return f && f->addr == addr && iostream_init_only(rt, f, 0, &saw_init) && saw_init;
}

int audit_rt_unnamed_inits(const audit_rt *rt) { return rt->kind & RT_RUST ? 1 : 0; }
