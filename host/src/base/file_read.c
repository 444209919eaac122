/* file_read.c -- a whole file into memory, up to a limit (file_read.h). */
#include "file_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

dwhi_read_status dwhi_read_whole_file(const char *path, size_t limit, char **text, size_t *len, int *err_no) {
    *text = NULL;
    *len = 0;
    if (err_no) *err_no = 0;
    int is_stdin = !strcmp(path, "-");
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        if (err_no) *err_no = errno;
        return DWHI_READ_OPEN;
    }
    struct stat st;
    if (!is_stdin && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        return DWHI_READ_IS_DIR;
    }
    dwhi_read_status rc = DWHI_READ_OK;
    size_t cap = 8192, n = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (!buf) {
            rc = DWHI_READ_NOMEM;
            break;
        }
        if (n == cap) {
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                continue;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t k = read(fd, buf + n, cap - n);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) {
            if (err_no) *err_no = errno;
            rc = DWHI_READ_IO;
            break;
        }
        if (k == 0) break;
        n += (size_t)k;
        if (limit && n > limit) {
            rc = DWHI_READ_TOO_BIG;
            break;
        }
    }
    if (!is_stdin) close(fd);
    if (rc != DWHI_READ_OK) {
        free(buf);
        return rc;
    }
    buf[n] = 0;
    *text = buf;
    *len = n;
    return DWHI_READ_OK;
}
