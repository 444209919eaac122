/*
 * write_mode.h -- the words that name a sync's write mode ("incremental",
 * "full", "append" and their aliases), for the warehouse that writes in
 * that mode and for `dwhost sync --mode`, which checks the word before
 * the run.  A self-contained helper the CLI shares with the library, as
 * curl's tool shares curlx.
 */
#ifndef DWHI_WRITE_MODE_H
#define DWHI_WRITE_MODE_H

typedef enum dwhi_write_mode {
    DWHI_WRITE_MERGE = 1,   /* "incremental" */
    DWHI_WRITE_REPLACE = 2, /* "full" */
    DWHI_WRITE_APPEND = 3   /* "append" */
} dwhi_write_mode;

/* "incremental", "full", "append" (static). */
const char *dwhi_write_mode_name(dwhi_write_mode m);
/* Parses those names (and "merge", "replace", "full_refresh"); returns 0
 * when unknown or NULL. */
dwhi_write_mode dwhi_write_mode_parse(const char *s);

#endif
