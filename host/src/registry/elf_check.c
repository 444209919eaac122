/* elf_check.c -- refuses truncated ELF files before dlopen() maps them:
 * glibc maps segments past the end of a truncated file and the process
 * dies of SIGBUS when the loader touches them. */
#include <elf.h>
#include <link.h>
#include <string.h>
#include <unistd.h>

#include "registry_int.h"

/* Returns NULL when the file is not an ELF of this class (dlopen will
 * say why) or is complete; else a malloc'd reason. */
char *dwhi_elf_truncation(int fd, off_t file_size);

static int end_past(uint64_t off, uint64_t len, uint64_t size, uint64_t *need) {
    if (off > size || len > size - off) {
        uint64_t e = off + len;
        if (e > *need) *need = e;
        return 1;
    }
    return 0;
}

char *dwhi_elf_truncation(int fd, off_t file_size) {
    ElfW(Ehdr) eh;
    if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh) return NULL;
    if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) return NULL;
#if defined(__LP64__)
    if (eh.e_ident[EI_CLASS] != ELFCLASS64) return NULL;
#else
    if (eh.e_ident[EI_CLASS] != ELFCLASS32) return NULL;
#endif
    uint64_t size = (uint64_t)file_size, need = 0;
    int bad = 0;
    if (eh.e_phentsize != sizeof(ElfW(Phdr)) || eh.e_phnum == 0 || eh.e_phnum > 256) return NULL;
    bad |= end_past(eh.e_phoff, (uint64_t)eh.e_phnum * eh.e_phentsize, size, &need);
    if (eh.e_shnum && eh.e_shentsize == sizeof(ElfW(Shdr)))
        bad |= end_past(eh.e_shoff, (uint64_t)eh.e_shnum * eh.e_shentsize, size, &need);
    if (!bad) {
        for (unsigned i = 0; i < eh.e_phnum; i++) {
            ElfW(Phdr) ph;
            if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (uint64_t)i * sizeof ph)) != (ssize_t)sizeof ph) break;
            if (ph.p_type == PT_LOAD || ph.p_type == PT_DYNAMIC) bad |= end_past(ph.p_offset, ph.p_filesz, size, &need);
        }
    }
    if (!bad) return NULL;
    return dwhi_strf("not loadable: the file is truncated (its ELF headers need %llu bytes, it has %llu); "
                    "rebuild or copy it again",
                    (unsigned long long)need, (unsigned long long)size);
}
