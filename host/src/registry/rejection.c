/* rejection.c -- rejection records: names of reasons, copies, freeing. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_int.h"

const char *dwh_reject_reason_name(dwh_reject_reason reason) {
    switch (reason) {
    case DWH_REJECT_NONE: return "none";
    case DWH_REJECT_NOT_LOADABLE: return "not_loadable";
    case DWH_REJECT_NO_ENTRY: return "no_entry";
    case DWH_REJECT_BAD_MAGIC: return "bad_magic";
    case DWH_REJECT_ABI_MAJOR: return "abi_major";
    case DWH_REJECT_ABI_MINOR: return "abi_minor";
    case DWH_REJECT_STRUCT_SIZE: return "struct_size";
    case DWH_REJECT_METADATA: return "metadata";
    case DWH_REJECT_NAME_MISMATCH: return "name_mismatch";
    case DWH_REJECT_FIELDS: return "fields";
    case DWH_REJECT_INIT: return "init";
    case DWH_REJECT_SHADOWED: return "shadowed";
    case DWH_REJECT_DIR_MISSING: return "dir_missing";
    case DWH_REJECT_ACTIONS: return "actions";
    case DWH_REJECT_UNTRUSTED: return "untrusted";
    case DWH_REJECT_PIN_MISMATCH: return "pin_mismatch";
    case DWH_REJECT_UNPINNED: return "unpinned";
    }
    return "unknown";
}

void dwhi_rejection_clear(dwh_rejection *r) {
    if (!r) return;
    free(r->path);
    free(r->message);
    free(r->shadowed_by);
    memset(r, 0, sizeof *r);
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

int dwhi_rejection_copy(dwh_rejection *dst, const dwh_rejection *src) {
    dst->reason = src->reason;
    dst->path = dup_or_null(src->path);
    dst->message = dup_or_null(src->message);
    dst->shadowed_by = dup_or_null(src->shadowed_by);
    if ((src->path && !dst->path) || (src->message && !dst->message) ||
        (src->shadowed_by && !dst->shadowed_by)) {
        dwhi_rejection_clear(dst);
        return -1;
    }
    return 0;
}

void dwhi_rejection_set(dwh_rejection *r, const char *path, dwh_reject_reason reason, char *message) {
    dwhi_rejection_clear(r);
    r->path = dup_or_null(path);
    r->reason = reason;
    r->message = message ? message : strdup("rejected (out of memory while describing why)");
}

void dwh_rejections_free(dwh_rejection *list, size_t n) {
    if (!list) return;
    for (size_t i = 0; i < n; i++) dwhi_rejection_clear(&list[i]);
    free(list);
}
