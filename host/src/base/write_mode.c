/* write_mode.c -- the words of a write mode (see write_mode.h). */
#include "write_mode.h"

#include <string.h>

const char *dwhi_write_mode_name(dwhi_write_mode m) {
    switch (m) {
    case DWHI_WRITE_MERGE: return "incremental";
    case DWHI_WRITE_REPLACE: return "full";
    case DWHI_WRITE_APPEND: return "append";
    }
    return "?";
}

dwhi_write_mode dwhi_write_mode_parse(const char *s) {
    if (!s) return 0;
    if (!strcmp(s, "incremental") || !strcmp(s, "merge")) return DWHI_WRITE_MERGE;
    if (!strcmp(s, "full") || !strcmp(s, "replace") || !strcmp(s, "full_refresh")) return DWHI_WRITE_REPLACE;
    if (!strcmp(s, "append")) return DWHI_WRITE_APPEND;
    return 0;
}
