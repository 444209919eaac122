/* image.c -- bounds of a loaded plugin's mapped segments, so that every
 * pointer in its descriptor is checked before the host follows it. */
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <string.h>

#include "registry_int.h"

struct find_ctx {
    const struct link_map *lm;
    dwhi_image *im;
    int found;
};

static int on_object(struct dl_phdr_info *info, size_t size, void *data) {
    struct find_ctx *fc = data;
    (void)size;
    if (info->dlpi_addr != fc->lm->l_addr) return 0;
    if (!info->dlpi_name || !fc->lm->l_name || strcmp(info->dlpi_name, fc->lm->l_name) != 0) return 0;
    for (ElfW(Half) i = 0; i < info->dlpi_phnum && fc->im->n < DWHI_IMAGE_MAX_SEGMENTS; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || ph->p_memsz == 0) continue;
        fc->im->seg[fc->im->n].start = (uintptr_t)(info->dlpi_addr + ph->p_vaddr);
        fc->im->seg[fc->im->n].end = (uintptr_t)(info->dlpi_addr + ph->p_vaddr + ph->p_memsz);
        fc->im->seg[fc->im->n].flags = ph->p_flags;
        fc->im->n++;
    }
    fc->found = 1;
    return 1;
}

int dwhi_image_load(dwhi_image *im, void *handle) {
    memset(im, 0, sizeof *im);
    struct link_map *lm = NULL;
    if (dlinfo(handle, RTLD_DI_LINKMAP, &lm) != 0 || !lm) return -1;
    struct find_ctx fc = {lm, im, 0};
    dl_iterate_phdr(on_object, &fc);
    return fc.found && im->n > 0 ? 0 : -1;
}

static int seg_of(const dwhi_image *im, uintptr_t a, unsigned flags) {
    for (size_t i = 0; i < im->n; i++)
        if (a >= im->seg[i].start && a < im->seg[i].end && (im->seg[i].flags & flags) == flags) return (int)i;
    return -1;
}

int dwhi_image_has(const dwhi_image *im, const void *p, size_t len, unsigned flags) {
    uintptr_t a = (uintptr_t)p;
    int s = seg_of(im, a, flags);
    if (s < 0) return 0;
    return len <= im->seg[s].end - a;
}

int dwhi_image_str(const dwhi_image *im, const char *s) {
    int i = seg_of(im, (uintptr_t)s, PF_R);
    if (i < 0) return 0;
    return memchr(s, '\0', im->seg[i].end - (uintptr_t)s) != NULL;
}
