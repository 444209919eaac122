/*
 * serve_exec.c -- dwhost started as a child of the service (see serve.h).
 *
 * Why fork+exec (posix_spawn) of the dwhost binary rather than a fork of
 * the service: the service has threads (libmicrohttpd's, the supervision
 * loop), and a fork copies only the calling thread with every lock as the
 * others left it, so the child could touch nothing but async-signal-safe
 * calls; a fresh image runs the whole library normally (allocator, SQLite,
 * curl, the crash guard), maps the plugin file as it is on disk now (a
 * replaced plugin serves the next run while a run in flight keeps the old
 * mapping), and runs the same code as `dwhost sync` does.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "serve.h"

extern char **environ;

static char *fmt_err(const char *what, int e) {
    char *m = NULL;
    if (asprintf(&m, "%s: %s", what, strerror(e)) < 0) m = NULL;
    return m;
}

int dwhi_serve_spawn(const dwhi_serve *s, const char *const *args, dwhi_serve_child *c, char **err) {
    size_t n_args = 0;
    while (args[n_args]) n_args++;
    const char **argv = calloc(1 + n_args + 2 * s->n_plugin_dirs + 2 + 1, sizeof *argv);
    int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    int fa_ok = 0, at_ok = 0, rc = -1;
    if (!argv) {
        *err = fmt_err("starting dwhost", ENOMEM);
        return -1;
    }
    size_t k = 0;
    argv[k++] = s->exe;
    for (size_t i = 0; i < n_args; i++) argv[k++] = args[i];
    for (size_t i = 0; i < s->n_plugin_dirs; i++) {
        argv[k++] = "--plugin-dir";
        argv[k++] = s->plugin_dirs[i];
    }
    if (s->plugin_pins) {
        argv[k++] = "--plugin-pins";
        argv[k++] = s->plugin_pins;
    }
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(errp, O_CLOEXEC)) {
        *err = fmt_err("starting dwhost: pipe", errno);
        goto out;
    }
    if ((errno = posix_spawn_file_actions_init(&fa)) != 0) goto spawn_fail;
    fa_ok = 1;
    if ((errno = posix_spawn_file_actions_adddup2(&fa, in[0], 0)) ||
        (errno = posix_spawn_file_actions_adddup2(&fa, out[1], 1)) ||
        (errno = posix_spawn_file_actions_adddup2(&fa, errp[1], 2)))
        goto spawn_fail;
    if ((errno = posix_spawnattr_init(&at)) != 0) goto spawn_fail;
    at_ok = 1;
    /* The service blocks SIGTERM/SIGINT (it reads them from a signalfd)
     * and ignores SIGPIPE: the child starts with the defaults, in its own
     * process group (a Ctrl-C on the service's terminal reaches the
     * service, which decides what the workers do). */
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGCHLD);
    if ((errno = posix_spawnattr_setsigmask(&at, &none)) || (errno = posix_spawnattr_setsigdefault(&at, &defaults)) ||
        (errno = posix_spawnattr_setpgroup(&at, 0)) ||
        (errno = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP)))
        goto spawn_fail;
    pid_t pid;
    if ((errno = posix_spawn(&pid, s->exe, &fa, &at, (char *const *)argv, environ)) != 0) goto spawn_fail;
    c->pid = pid;
    c->in_fd = in[1];
    c->out_fd = out[0];
    c->err_fd = errp[0];
    in[1] = out[0] = errp[0] = -1;
    rc = 0;
    goto out;
spawn_fail:
    *err = fmt_err("starting dwhost", errno);
out:
    if (fa_ok) posix_spawn_file_actions_destroy(&fa);
    if (at_ok) posix_spawnattr_destroy(&at);
    for (int i = 0; i < 2; i++) {
        if (in[i] >= 0) close(in[i]);
        if (out[i] >= 0) close(out[i]);
        if (errp[i] >= 0) close(errp[i]);
    }
    free(argv);
    return rc;
}

ssize_t dwhi_serve_read_some(int fd, char **buf, size_t *len, size_t *cap) {
    if (*cap - *len < 4097) {
        size_t ncap = *cap ? *cap * 2 : 8192;
        while (ncap - *len < 4097) ncap *= 2;
        char *nb = realloc(*buf, ncap);
        if (!nb) return -1;
        *buf = nb;
        *cap = ncap;
        nb[*len] = 0; /* NUL-terminated even when nothing is read */
    }
    ssize_t r;
    do r = read(fd, *buf + *len, *cap - *len - 1);
    while (r < 0 && errno == EINTR);
    if (r > 0) {
        *len += (size_t)r;
        (*buf)[*len] = 0;
    }
    return r;
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Copies the complete lines of the child's stderr to ours and keeps the
 * last one that is not a JSON log line (the child's "dwhost: ..." line). */
static void take_err_lines(char *buf, size_t *len, char **last, int flush) {
    size_t start = 0;
    for (size_t i = 0; i < *len; i++) {
        if (buf[i] != '\n' && !(flush && i + 1 == *len)) continue;
        size_t end = buf[i] == '\n' ? i : i + 1;
        fprintf(stderr, "%.*s\n", (int)(end - start), buf + start);
        if (end > start && buf[start] != '{') {
            free(*last);
            *last = strndup(buf + start, end - start);
        }
        start = i + 1;
    }
    memmove(buf, buf + start, *len - start);
    *len -= start;
    buf[*len] = 0;
}

int dwhi_serve_exec(const dwhi_serve *s, const char *const *args, const char *input, dwhi_serve_output *o,
                    char **err) {
    return dwhi_serve_exec_body(s, args, input, input ? strlen(input) : 0, o, err);
}

int dwhi_serve_exec_body(const dwhi_serve *s, const char *const *args, const char *input, size_t len,
                         dwhi_serve_output *o, char **err) {
    memset(o, 0, sizeof *o);
    dwhi_serve_child c;
    if (dwhi_serve_spawn(s, args, &c, err) != 0) return -1;
    /* the child reads its whole stdin before it writes much: a body over
     * the pipe's size is written as it reads (a child that died gives
     * EPIPE: SIGPIPE is ignored) */
    size_t left = len;
    for (const char *p = input; left;) {
        ssize_t w = write(c.in_fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        p += w;
        left -= (size_t)w;
    }
    close(c.in_fd);
    char *out = NULL, *errbuf = NULL;
    size_t out_len = 0, out_cap = 0, err_len = 0, err_cap = 0;
    int out_open = 1, err_open = 1;
    double deadline = now_s() + s->heartbeat_timeout_s;
    while (out_open || err_open) {
        struct pollfd fds[2] = {{c.out_fd, POLLIN, 0}, {c.err_fd, POLLIN, 0}};
        int wait_ms = (int)((deadline - now_s()) * 1000);
        if (wait_ms <= 0) {
            o->timed_out = 1;
            kill(c.pid, SIGKILL);
            break;
        }
        int n = poll(fds, 2, wait_ms);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        if (out_open && fds[0].revents) {
            ssize_t r = dwhi_serve_read_some(c.out_fd, &out, &out_len, &out_cap);
            if (r == 0 || (r < 0 && errno != EAGAIN)) out_open = 0;
        }
        if (err_open && fds[1].revents) {
            ssize_t r = dwhi_serve_read_some(c.err_fd, &errbuf, &err_len, &err_cap);
            if (r == 0 || (r < 0 && errno != EAGAIN)) err_open = 0;
            if (errbuf) take_err_lines(errbuf, &err_len, &o->last_line, !err_open);
        }
    }
    close(c.out_fd);
    close(c.err_fd);
    int st = 0;
    while (waitpid(c.pid, &st, 0) < 0 && errno == EINTR) {}
    if (WIFEXITED(st)) o->status = WEXITSTATUS(st);
    else {
        o->status = -1;
        o->signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
    }
    o->out = out ? out : strdup("");
    free(errbuf);
    return 0;
}

void dwhi_serve_output_free(dwhi_serve_output *o) {
    free(o->out);
    free(o->last_line);
    memset(o, 0, sizeof *o);
}
