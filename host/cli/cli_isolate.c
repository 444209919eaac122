/* cli_isolate.c -- `dwhost sync --isolate` (see cli_isolate.h). */
#include "cli_isolate.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_signal.h"
#include "dwhost.h"

extern char **environ;

#define FD_ENV "DWHOST_ISOLATE_FD"
#define MEMORY_ENV "DWHOST_ISOLATE_MEMORY_MB"
/* How often the child looks for a sign of life (ms). */
#define BEAT_MS 200

/* ---- the child ------------------------------------------------------------ */

static int beat_fd = -1;
static volatile int beat_stop;
static pthread_t beat_thread;
static int beating;

int dwhi_cli_isolate_is_child(void) { return getenv(FD_ENV) != NULL; }

/* A byte each time the operation showed life since the last look
 * (dwh_activity: emits, HTTP transfers, cancel checks); a plugin that
 * spins or blocks without calling the host stops the bytes. */
static void *beat(void *ud) {
    (void)ud;
    unsigned long last = dwh_activity();
    while (!__atomic_load_n(&beat_stop, __ATOMIC_RELAXED)) {
        struct timespec t = {0, BEAT_MS * 1000000L};
        nanosleep(&t, NULL);
        unsigned long now = dwh_activity();
        if (now != last && write(beat_fd, "b", 1) < 0 && errno == EPIPE) break; /* the supervisor is gone */
        last = now;
    }
    return NULL;
}

int dwhi_cli_isolate_child_start(void) {
    const char *fd = getenv(FD_ENV), *mem = getenv(MEMORY_ENV);
    char *end;
    long n = fd ? strtol(fd, &end, 10) : -1;
    if (!fd || *end || n < 3 || fcntl((int)n, F_GETFD) < 0) {
        fprintf(stderr, "dwhost: sync: %s is not an open descriptor; it is set by 'dwhost sync --isolate' only\n",
                FD_ENV);
        return DWHI_EXIT_USAGE;
    }
    beat_fd = (int)n;
    fcntl(beat_fd, F_SETFD, FD_CLOEXEC); /* plugins' children never inherit it */
    long mb = mem ? strtol(mem, &end, 10) : 0;
    unsetenv(FD_ENV);
    unsetenv(MEMORY_ENV);
    if (mb > 0) {
        char *err = NULL;
        if (dwh_memory_limit_set((uint64_t)mb, &err) != DW_OK) {
            fprintf(stderr, "dwhost: sync: %s\n", err ? err : "setting the memory limit failed");
            free(err);
        }
    }
    if (pthread_create(&beat_thread, NULL, beat, NULL) == 0) beating = 1;
    return DWHI_EXIT_OK;
}

void dwhi_cli_isolate_child_stop(void) {
    if (!beating) return;
    __atomic_store_n(&beat_stop, 1, __ATOMIC_RELAXED);
    pthread_join(beat_thread, NULL);
    beating = 0;
}

/* ---- the supervisor ------------------------------------------------------- */

static double mono_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static pid_t spawn(int argc, char **argv, int beat_w, int memory_mb, char **err) {
    char **cargv = calloc((size_t)argc + 2, sizeof *cargv);
    char fdtext[16], memtext[32];
    pid_t pid = -1;
    if (!cargv) {
        *err = strdup("out of memory");
        return -1;
    }
    cargv[0] = "dwhost";
    for (int i = 0; i < argc; i++) cargv[i + 1] = argv[i];
    snprintf(fdtext, sizeof fdtext, "%d", beat_w);
    snprintf(memtext, sizeof memtext, "%d", memory_mb);
    /* the child's environment: ours plus the two variables */
    size_t n_env = 0;
    while (environ[n_env]) n_env++;
    char **env = calloc(n_env + 3, sizeof *env);
    char *e1 = NULL, *e2 = NULL;
    if (!env || asprintf(&e1, FD_ENV "=%s", fdtext) < 0 || asprintf(&e2, MEMORY_ENV "=%s", memtext) < 0) {
        *err = strdup("out of memory");
        goto out;
    }
    size_t k = 0;
    for (size_t i = 0; i < n_env; i++)
        if (strncmp(environ[i], FD_ENV "=", sizeof FD_ENV) && strncmp(environ[i], MEMORY_ENV "=", sizeof MEMORY_ENV))
            env[k++] = environ[i];
    env[k++] = e1;
    env[k++] = e2;
    int rc = posix_spawn(&pid, "/proc/self/exe", NULL, NULL, cargv, env);
    if (rc != 0) {
        pid = -1;
        if (asprintf(err, "starting the isolated process: %s", strerror(rc)) < 0) *err = NULL;
    }
out:
    free(e1);
    free(e2);
    free(env);
    free(cargv);
    return pid;
}

static const char *sig_name(int sig) {
    switch (sig) {
    case SIGKILL: return "SIGKILL";
    case SIGSEGV: return "SIGSEGV";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    default: return "a signal";
    }
}

int dwhi_cli_isolate_supervise(int argc, char **argv, const char *source, int heartbeat_s, int memory_mb) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) {
        fprintf(stderr, "dwhost: sync: --isolate: pipe: %s\n", strerror(errno));
        return DWHI_EXIT_FAILURE;
    }
    /* the write end goes to the child without close-on-exec */
    int w = fcntl(p[1], F_DUPFD, 3);
    close(p[1]);
    char *err = NULL;
    pid_t pid = w < 0 ? -1 : spawn(argc, argv, w, memory_mb, &err);
    if (w >= 0) close(w);
    if (pid < 0) {
        fprintf(stderr, "dwhost: sync: %s\n", err ? err : "--isolate: cannot start the process");
        free(err);
        close(p[0]);
        return DWHI_EXIT_FAILURE;
    }
    double last = mono_s();
    int status = 0, hung = 0, term_sent = 0;
    for (;;) {
        struct pollfd pf = {p[0], POLLIN, 0};
        int r = poll(&pf, 1, BEAT_MS);
        if (r > 0 && (pf.revents & POLLIN)) {
            char buf[64];
            if (read(p[0], buf, sizeof buf) > 0) last = mono_s();
        }
        pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid) break;
        /* Ctrl-C reaches the child through the terminal's process group;
         * a SIGTERM sent to this process alone is passed on */
        if (!term_sent && dwh_cancel_requested(dwhi_cli_cancel)) {
            term_sent = 1;
            kill(pid, SIGTERM);
        }
        if (!hung && mono_s() - last > heartbeat_s) {
            hung = 1;
            kill(pid, SIGKILL);
        }
        if (r > 0 && (pf.revents & (POLLHUP | POLLERR)) && !(pf.revents & POLLIN))
            usleep(BEAT_MS * 1000); /* the child closed its end (it is exiting): no busy loop */
    }
    close(p[0]);
    if (hung) {
        fprintf(stderr,
                "dwhost: sync: plugin '%s' hung: no sign of life (no row, HTTP transfer or cancel check) for %d s; "
                "its process was killed; committed batches are kept; rerun the same command to resume\n",
                source, heartbeat_s);
        return DWHI_EXIT_PLUGIN_CRASHED;
    }
    if (WIFSIGNALED(status)) {
        fprintf(stderr,
                "dwhost: sync: the process running plugin '%s' was killed by %s%s; committed batches are kept; "
                "rerun the same command to resume\n",
                source, sig_name(WTERMSIG(status)),
                WTERMSIG(status) == SIGKILL && memory_mb ? " (the kernel's OOM killer, or another process)" : "");
        return DWHI_EXIT_PLUGIN_CRASHED;
    }
    return WEXITSTATUS(status);
}
