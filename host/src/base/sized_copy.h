/*
 * sized_copy.h -- reading a plugin's growable struct (one that starts with
 * struct_size) into the host's own, larger or equal, copy.
 *
 * A plugin built against an older SDK hands a shorter struct: only
 * struct_size bytes of it exist, and the members past them must read as
 * zero.  A NULL source leaves the destination all zero.
 */
#ifndef DWHI_SIZED_COPY_H
#define DWHI_SIZED_COPY_H

#include <string.h>

#define DWHI_COPY_SIZED(dst, src)                                                              \
    do {                                                                                      \
        memset(&(dst), 0, sizeof(dst));                                                       \
        if (src) {                                                                            \
            size_t n_ = (src)->struct_size < sizeof(dst) ? (src)->struct_size : sizeof(dst); \
            memcpy(&(dst), (src), n_);                                                        \
        }                                                                                     \
    } while (0)

#endif
