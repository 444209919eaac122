/*
 * gen_config_emit.h -- writes a plugin's typed config (<name>_config.h and
 * <name>_config.c) from its normalised field tree: the C counterpart of the
 * reference's generated_configs.py.
 *
 * The generated code uses only sdk/dwsdk.h: a struct mirroring the form
 * (const char * strings, int64_t numbers, int booleans, nested structs for
 * switch groups, SSH tunnels, OAuth tokens and file uploads, an enum plus
 * per-option sub-structs for selects, string arrays for multiple selects)
 * and a binder that fills it through the api->config_* accessors from the
 * validated config.  Output is deterministic (no dates, no paths).
 */
#ifndef DWHI_GEN_CONFIG_EMIT_H
#define DWHI_GEN_CONFIG_EMIT_H

#include <stddef.h>
#include <stdio.h>

#include "dwsdk.h"

/* Writes the header to `h` and the source to `c` for source `name` whose
 * form is src->fields (host stride).  Returns 0, or -1 with a one-line
 * reason in err. */
int gcfg_emit(const dw_source *src, const char *name, FILE *h, FILE *c, char *err, size_t err_len);

#endif
