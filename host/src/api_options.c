/* api_options.c -- embedder options of any dwhost.h version (see
 * api_options.h). */
#include "api_options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int dwh_options_copy(void *dst, size_t dst_size, const void *src, size_t src_size, size_t *unknown_offset) {
    memset(dst, 0, dst_size);
    if (!src) return 0;
    memcpy(dst, src, src_size < dst_size ? src_size : dst_size);
    for (size_t i = dst_size; i < src_size; i++) {
        if (((const unsigned char *)src)[i]) {
            if (unknown_offset) *unknown_offset = i;
            return -1;
        }
    }
    return 0;
}

char *dwh_options_unknown_message(const char *type_name, size_t offset, size_t known_size) {
    char *msg = NULL;
    if (asprintf(&msg,
                 "%s sets a member at byte %zu that this libdwhost (%s, which knows %zu bytes of it) does not "
                 "have: the program was built against a newer dwhost.h; run it with that libdwhost, or leave the "
                 "newer members zero",
                 type_name, offset, DWHOST_VERSION, known_size) < 0)
        msg = NULL;
    return msg;
}
