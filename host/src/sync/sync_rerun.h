/*
 * sync_rerun.h -- the exact commands that continue a `dwhost sync` which
 * stopped part way, derived from its command line, for the sync's summary
 * and for `dwhost status` (which reads the command line from the run
 * history).  Two choices (docs/concepts/state-and-resume.md):
 *   resume      the same command, except that --reset (which would discard
 *               the progress again) is dropped and --restart-refresh
 *               becomes --full-refresh
 *   start over  one schema's full refresh from scratch: the resume command
 *               for that schema only (--schema), with --restart-refresh
 *               instead of --full-refresh/--mode.
 * `words` is the whole command line as given: "dwhost", "sync", the
 * source and the options (value options as "--opt VALUE" or
 * "--opt=VALUE").  Results are shell text (words quoted where needed),
 * malloc'd (caller frees); NULL on OOM.
 */
#ifndef DWHI_SYNC_RERUN_H
#define DWHI_SYNC_RERUN_H

#include <stddef.h>
#include <stdio.h>

char *dwhi_sync_rerun_resume(const char *const *words, size_t n);
char *dwhi_sync_rerun_restart(const char *const *words, size_t n, const char *schema);

#endif
