/* redis_child.h -- a real redis-server for tests, on a free loopback
 * port, started as a child process and stopped by the test. */
#ifndef DWHI_TEST_REDIS_CHILD_H
#define DWHI_TEST_REDIS_CHILD_H

#include <sys/types.h>

typedef struct redis_child {
    pid_t pid;
    int port;
} redis_child;

/* A TCP port on 127.0.0.1 that was free a moment ago. */
int free_loopback_port(void);
/* Starts redis-server with `extra` (NULL-terminated, may be NULL) appended
 * to its arguments and waits until it answers PING.  Returns 0 or -1. */
int redis_child_start(redis_child *rc, const char *const *extra);
/* SIGTERM, then waits.  Safe to call twice. */
void redis_child_stop(redis_child *rc);

#endif
