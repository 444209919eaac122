/*
 * api_options.h -- reading an embedder's options struct (dwhost.h) whose
 * size the embedder's own dwhost.h decided.
 *
 * The option structs of dwhost.h only grow at the end.  A program built
 * against an older dwhost.h passes a shorter struct: only `size` bytes of
 * it exist, and the members past them read as zero (their defaults).  A
 * program built against a newer dwhost.h passes a longer one: the bytes
 * this library does not know must be zero -- a member set there is an
 * option this library cannot honour, and ignoring it silently would do
 * something else than the caller asked.
 */
#ifndef DWHI_API_OPTIONS_H
#define DWHI_API_OPTIONS_H

#include <stddef.h>

/* The size of T up to and including member `last`: the size a struct had
 * when `last` was its last member (what the unsized entry points, kept for
 * programs built before the sized ones existed, read). */
#define DWHI_SIZE_THROUGH(T, last) (offsetof(T, last) + sizeof(((T *)0)->last))

/* Copies `src` (`src_size` bytes; NULL: none) into `dst` (`dst_size`
 * bytes, zeroed first).  Returns 0, or -1 when src is longer than dst and
 * one of its extra bytes is not zero (*unknown_offset, may be NULL, is the
 * first such byte's offset); dst then holds the known part. */
int dwhi_options_copy(void *dst, size_t dst_size, const void *src, size_t src_size, size_t *unknown_offset);

/* dwhi_options_copy for functions that cannot fail on it (dwh_host_new): an unknown member set is logged at WARN
 * (event `event`, naming `type_name`) and ignored. */
void dwhi_options_copy_or_warn(void *dst, size_t dst_size, const void *src, size_t src_size, const char *type_name,
                              const char *event);

/* One line for that case, malloc'd (caller frees; NULL on OOM): names the
 * struct, the offset, this library's version and what to do. */
char *dwhi_options_unknown_message(const char *type_name, size_t offset, size_t known_size);

/* The one line every entry point taking a dwh_plugin gives for a NULL
 * handle (DW_ERR_NOT_FOUND). */
#define DWHI_API_NO_PLUGIN "no plugin (NULL handle): was the source found by dwh_host_find?"

#endif
