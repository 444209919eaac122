/*
 * audit_runtime.h -- telling a language runtime's own code from the
 * plugin's, for plugin_audit.c.
 *
 * A plugin written in Rust carries Rust's std, which registers a function
 * of its own in DT_INIT_ARRAY (it records argc/argv) and imports syscall
 * (futexes, getrandom); a C++ translation unit that includes <iostream>
 * gets a static initializer that only constructs std::ios_base::Init.
 * Neither is the author's code.  This module finds which runtime a file
 * carries and attributes code to it:
 *   - a function belongs to the runtime by its mangled name: a Rust item
 *     of std or one of the crates std is built from (core, alloc, ...),
 *     a C++ function of namespace std / __gnu_cxx;
 *   - an import is the runtime's when every reference to it in the code
 *     (a call or jump to its PLT entry, a call, jump or load through its
 *     GOT slot) lies inside such a function; one reference elsewhere, or
 *     none found at all (a pointer stored in data), and it is the plugin's;
 *   - a load-time entry is the runtime's when it is such a function, or a
 *     C++ `_GLOBAL__sub_I_*` initializer that calls nothing but
 *     std::ios_base::Init's constructor and __cxa_atexit.
 * Only x86-64 ELF files with their symbol table (.symtab) are attributed;
 * for others (and stripped files, whose functions have no names) nothing
 * is the runtime's but the unnamed DT_INIT_ARRAY entry Rust's std adds,
 * counted when the file's .comment says rustc built it.
 * The image is bounds-checked throughout, as in plugin_audit.c.
 */
#ifndef AUDIT_RUNTIME_H
#define AUDIT_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

typedef struct audit_rt audit_rt;

/* What the checks need from a whole ELF image (img, size: the mapped
 * file; borrowed, must outlive the result).  NULL when the file carries no
 * runtime this module knows, or memory ran out.  Free with audit_rt_free. */
audit_rt *audit_rt_new(const uint8_t *img, size_t size);
void audit_rt_free(audit_rt *rt);

/* "Rust std" or "C++ standard library"; the string is static. */
const char *audit_rt_name(const audit_rt *rt);

/* 1 when every reference to the import `symbol` is in the runtime's code. */
int audit_rt_import(const audit_rt *rt, const char *symbol);

/* 1 when the load-time entry `function` (its name) at `addr` is the
 * runtime's. */
int audit_rt_entry(const audit_rt *rt, const char *function, uint64_t addr);

/* Unnamed DT_INIT_ARRAY entries the runtime adds (a stripped file). */
int audit_rt_unnamed_inits(const audit_rt *rt);

#endif
