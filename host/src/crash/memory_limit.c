/* memory_limit.c -- RLIMIT_AS and the note that it was reached (see
 * memory_limit.h).  The note is built with read(2) and no allocation: the
 * crash handler calls it. */
#include "memory_limit.h"

#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define SLACK_MIB 64u

static uint64_t limit_mib; /* 0: none set */

int dwhi_memory_limit_set(uint64_t mib) {
    struct rlimit rl = {.rlim_cur = (rlim_t)(mib << 20), .rlim_max = (rlim_t)(mib << 20)};
    if (setrlimit(RLIMIT_AS, &rl) != 0) return -1;
    __atomic_store_n(&limit_mib, mib, __ATOMIC_RELAXED);
    return 0;
}

/* VmPeak in MiB, 0 when it cannot be read. */
static uint64_t vm_peak_mib(void) {
    char buf[4096];
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = 0;
    const char *p = strstr(buf, "VmPeak:");
    if (!p) return 0;
    p += 7;
    while (*p == ' ' || *p == '\t') p++;
    uint64_t kb = 0;
    while (*p >= '0' && *p <= '9') kb = kb * 10 + (uint64_t)(*p++ - '0');
    return kb >> 10;
}

static size_t put(char *buf, size_t len, size_t cap, const char *s) {
    while (*s && len < cap) buf[len++] = *s++;
    return len;
}

static size_t put_num(char *buf, size_t len, size_t cap, uint64_t v) {
    char num[24];
    size_t k = sizeof num;
    num[--k] = 0;
    do num[--k] = (char)('0' + v % 10); while ((v /= 10) && k);
    return put(buf, len, cap, num + k);
}

size_t dwhi_memory_limit_note(char *buf, size_t len, size_t cap) {
    uint64_t lim = __atomic_load_n(&limit_mib, __ATOMIC_RELAXED);
    if (!lim || len == 0 || cap < len + 2 || buf[len - 1] != '\n') return len;
    uint64_t peak = vm_peak_mib();
    if (!peak || peak + SLACK_MIB < lim) return len;
    size_t n = len - 1, room = cap - 2; /* keep room for "\n\0" */
    n = put(buf, n, room, "; it had reached its memory limit of ");
    n = put_num(buf, n, room, lim);
    n = put(buf, n, room, " MiB (its allocations were failing)");
    buf[n++] = '\n';
    buf[n] = 0;
    return n;
}
