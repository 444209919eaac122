/*
 * file_read.h -- reading a whole file (or standard input) into memory, up
 * to a limit: the one reader behind config files, `read`'s state files and
 * `webhook`'s payloads.  Each caller words its own errors from the status.
 */
#ifndef DWH_FILE_READ_H
#define DWH_FILE_READ_H

#include <stddef.h>

typedef enum dwh_read_status {
    DWH_READ_OK = 0,
    DWH_READ_OPEN,    /* it cannot be opened (*err_no says why) */
    DWH_READ_IS_DIR,  /* it is a directory */
    DWH_READ_IO,      /* reading it failed (*err_no says why) */
    DWH_READ_TOO_BIG, /* it holds more than `limit` bytes */
    DWH_READ_NOMEM
} dwh_read_status;

/* Reads all of `path` ("-": standard input, left open).  On DWH_READ_OK,
 * *text is the content, NUL-terminated (malloc'd, caller frees), and *len
 * its length; otherwise *text is NULL.  `limit`: the most bytes accepted,
 * 0 for none.  *err_no (may be NULL) receives errno for DWH_READ_OPEN and
 * DWH_READ_IO. */
dwh_read_status dwh_read_whole_file(const char *path, size_t limit, char **text, size_t *len, int *err_no);

#endif
