/*
 * file_read.h -- reading a whole file (or standard input) into memory, up
 * to a limit: the one reader behind config files, `read`'s state files and
 * `webhook`'s payloads.  Each caller words its own errors from the status.
 */
#ifndef DWHI_FILE_READ_H
#define DWHI_FILE_READ_H

#include <stddef.h>

typedef enum dwhi_read_status {
    DWHI_READ_OK = 0,
    DWHI_READ_OPEN,    /* it cannot be opened (*err_no says why) */
    DWHI_READ_IS_DIR,  /* it is a directory */
    DWHI_READ_IO,      /* reading it failed (*err_no says why) */
    DWHI_READ_TOO_BIG, /* it holds more than `limit` bytes */
    DWHI_READ_NOMEM
} dwhi_read_status;

/* Reads all of `path` ("-": standard input, left open).  On DWHI_READ_OK,
 * *text is the content, NUL-terminated (malloc'd, caller frees), and *len
 * its length; otherwise *text is NULL.  `limit`: the most bytes accepted,
 * 0 for none.  *err_no (may be NULL) receives errno for DWHI_READ_OPEN and
 * DWHI_READ_IO. */
dwhi_read_status dwhi_read_whole_file(const char *path, size_t limit, char **text, size_t *len, int *err_no);

#endif
