/* redis_child.c -- see redis_child.h. */
#include "redis_child.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int free_loopback_port(void) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int port = -1;
    if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(s, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (s >= 0) close(s);
    return port;
}

int redis_child_start(redis_child *rc, const char *const *extra) {
    rc->port = free_loopback_port();
    char port[16];
    snprintf(port, sizeof port, "%d", rc->port);
    const char *argv[64] = {"redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "",
                            "--appendonly", "no", "--daemonize", "no"};
    int n = 11;
    for (const char *const *e = extra; e && *e && n < 62; e++) argv[n++] = *e;
    argv[n] = NULL;
    rc->pid = fork();
    if (rc->pid < 0) return -1;
    if (rc->pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execvp("redis-server", (char *const *)argv);
        _exit(127);
    }
    for (int i = 0; i < 100; i++) {
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
        redisContext *c = redisConnect("127.0.0.1", rc->port);
        if (c && !c->err) {
            redisReply *r = redisCommand(c, "PING");
            int ok = r && r->type == REDIS_REPLY_STATUS;
            if (r) freeReplyObject(r);
            redisFree(c);
            if (ok) return 0;
        } else if (c) {
            redisFree(c);
        }
        if (waitpid(rc->pid, NULL, WNOHANG) == rc->pid) {
            rc->pid = 0;
            return -1;
        }
    }
    redis_child_stop(rc);
    return -1;
}

void redis_child_stop(redis_child *rc) {
    if (rc->pid <= 0) return;
    kill(rc->pid, SIGCONT);
    kill(rc->pid, SIGTERM);
    waitpid(rc->pid, NULL, 0);
    rc->pid = 0;
}
