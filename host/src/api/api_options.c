/* api_options.c -- embedder options of any dwhost.h version (see
 * api_options.h). */
#include "api_options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

int dwhi_options_copy(void *dst, size_t dst_size, const void *src, size_t src_size, size_t *unknown_offset) {
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

void dwhi_options_copy_or_warn(void *dst, size_t dst_size, const void *src, size_t src_size, const char *type_name,
                              const char *event) {
    size_t unknown = 0;
    if (dwhi_options_copy(dst, dst_size, src, src_size, &unknown) == 0) return;
    char *msg = dwhi_options_unknown_message(type_name, unknown, dst_size);
    dwhi_log(NULL, DW_LOG_WARN, event, "%s; the member is ignored", msg ? msg : "an unknown option is set");
    free(msg);
}

char *dwhi_options_unknown_message(const char *type_name, size_t offset, size_t known_size) {
    char *msg = NULL;
    if (asprintf(&msg,
                 "%s sets a member at byte %zu that this libdwhost (%s, which knows %zu bytes of it) does not "
                 "have: the program was built against a newer dwhost.h; run it with that libdwhost, or leave the "
                 "newer members zero",
                 type_name, offset, DWHOST_VERSION, known_size) < 0)
        msg = NULL;
    return msg;
}
