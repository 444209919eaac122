/* cli_signal.c -- one SIGINT/SIGTERM behaviour for every command (see
 * cli_signal.h). */
#include "cli_signal.h"

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

dwh_cancel *dwhi_cli_cancel;

static const char *command = "dwhost";
static int cancellable;
static int saved_stderr = STDERR_FILENO;
static volatile int got_signal; /* the last signal; set only by the handler */
static int reported;

static const char *signal_name(int sig) { return sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "a signal"; }

/* write(2) only: async-signal-safe. */
static void say(const char *s) {
    size_t len = strlen(s);
    while (len) {
        ssize_t w = write(saved_stderr, s, len);
        if (w <= 0) return;
        s += w;
        len -= (size_t)w;
    }
}

static void on_signal(int sig) {
    /* Threads (curl's resolver, sync's writer) may take the two signals at
     * the same moment: an atomic exchange tells exactly one the second. */
    int again = __atomic_exchange_n(&got_signal, sig, __ATOMIC_SEQ_CST) != 0;
    if (cancellable && !again) {
        dwh_cancel_request(dwhi_cli_cancel); /* the library stops at its next safe point */
        return;
    }
    say("dwhost: ");
    say(command);
    say(again ? ": interrupted again (" : ": interrupted (");
    say(signal_name(sig));
    say(again ? "); stopped at once, what was committed is kept\n" : "); stopped at once\n");
    _exit(DWHI_EXIT_INTERRUPTED);
}

void dwhi_cli_signals_install(const char *cmd, int can_cancel) {
    command = cmd;
    if (can_cancel && !dwhi_cli_cancel) dwhi_cli_cancel = dwh_cancel_new();
    cancellable = can_cancel && dwhi_cli_cancel;
    int fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
    if (fd >= 0) saved_stderr = fd;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

const char *dwhi_cli_interrupt_signal(void) { return got_signal ? signal_name(got_signal) : NULL; }

int dwhi_cli_interrupted(const char *where, const char *fmt, ...) {
    fprintf(stderr, "dwhost: %s: interrupted%s%s (%s); ", command, where ? " " : "", where ? where : "",
            got_signal ? signal_name(got_signal) : "a signal");
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    reported = 1;
    return DWHI_EXIT_INTERRUPTED;
}

int dwhi_cli_interrupt_reported(void) { return reported; }
