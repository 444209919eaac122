/*
 * serve_supervisor.c -- the plumbing of a supervision loop, the same for
 * `dwhost serve` and `dwhost worker` (serve.h): this binary's path for
 * the worker processes, the pipe that wakes the loop, SIGTERM and SIGINT
 * read from a signalfd, and the drain the first of them starts.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "serve.h"

int dwhi_serve_supervisor_init(dwhi_serve *s, const char *command) {
    s->exe = realpath("/proc/self/exe", NULL);
    if (!s->exe || pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
        fprintf(stderr, "dwhost: %s: cannot find its own binary or make a pipe: %s\n", command, strerror(errno));
        return -1;
    }
    /* Blocked here, before any thread starts (libmicrohttpd's, the runs'
     * readers), so every thread inherits the mask and only the loop takes
     * the signals, from the signalfd. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    /* a worker or client that went away fails a write, not the process */
    signal(SIGPIPE, SIG_IGN);
    if ((s->signal_fd = signalfd(-1, &stop, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
        fprintf(stderr, "dwhost: %s: signalfd: %s\n", command, strerror(errno));
        return -1;
    }
    return 0;
}

size_t dwhi_serve_supervisor_pollfds(const dwhi_serve *s, struct pollfd *fds) {
    fds[0] = (struct pollfd){s->signal_fd, POLLIN, 0};
    fds[1] = (struct pollfd){s->wake[0], POLLIN, 0};
    return 2;
}

int dwhi_serve_supervisor_step(dwhi_serve *s, const char *no_new) {
    pthread_mutex_lock(&s->lock);
    int draining = s->draining;
    pthread_mutex_unlock(&s->lock);
    struct signalfd_siginfo si;
    while (read(s->signal_fd, &si, sizeof si) == (ssize_t)sizeof si) {
        const char *name = si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT";
        if (draining) {
            dwhi_serve_log("%s again: still waiting for the runs to commit and stop", name);
            continue;
        }
        draining = 1;
        pthread_mutex_lock(&s->lock);
        s->draining = 1;
        pthread_mutex_unlock(&s->lock);
        dwhi_serve_log("%s: taking no new %s; %zu run(s) commit their batch and stop", name, no_new,
                       dwhi_serve_runs_active(s));
        dwhi_serve_runs_stop_all(s);
    }
    char junk[64];
    while (read(s->wake[0], junk, sizeof junk) > 0) {}
    return draining;
}

void dwhi_serve_supervisor_fini(dwhi_serve *s) {
    if (s->signal_fd >= 0) close(s->signal_fd);
    s->signal_fd = -1;
    for (int i = 0; i < 2; i++) {
        if (s->wake[i] >= 0) close(s->wake[i]);
        s->wake[i] = -1;
    }
    free(s->exe);
    s->exe = NULL;
}
