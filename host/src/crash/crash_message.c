/* crash_message.c -- the crash line (see crash_message.h).  Everything
 * here is async-signal-safe: a caller's buffer, no allocation, no stdio. */
#include "crash_message.h"

#include <signal.h>
#include <string.h>

/* Longest piece of plugin-supplied text copied into the line. */
#define PIECE_MAX 512u

typedef struct line {
    char *buf;
    size_t cap; /* usable bytes, excluding room for "\n\0" */
    size_t len;
} line;

static void put(line *l, const char *s) {
    for (; *s && l->len < l->cap; s++) l->buf[l->len++] = *s;
}

/* Plugin text: bounded, one line. */
static void put_text(line *l, const char *s, const char *if_null) {
    if (!s) {
        put(l, if_null);
        return;
    }
    for (size_t i = 0; s[i] && i < PIECE_MAX && l->len < l->cap; i++) {
        unsigned char c = (unsigned char)s[i];
        l->buf[l->len++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
}

const char *dwhi_crash_signal_name(int sig) {
    switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGILL: return "SIGILL";
    case SIGFPE: return "SIGFPE";
    case SIGABRT: return "SIGABRT";
    case SIGSYS: return "SIGSYS";
    default: return "signal";
    }
}

static const char *signal_meaning(int sig, int stack_overflow) {
    switch (sig) {
    case SIGSEGV: return stack_overflow ? "stack overflow" : "invalid memory access";
    case SIGBUS: return "bus error: bad or truncated memory mapping";
    case SIGILL: return "illegal instruction";
    case SIGFPE: return "arithmetic fault, e.g. integer division by zero";
    case SIGABRT: return "abort() called, e.g. a failed assert";
    case SIGSYS: return "bad system call";
    default: return "fatal signal";
    }
}

/* Operations that hand the host rows and state; others write nothing. */
static int writes_data(const char *op) {
    return op && (!strcmp(op, "run") || !strcmp(op, "webhook_transform"));
}

/* "in run(schema 'items')" or "while loading ..." and what is kept. */
static void put_where(line *l, const dwhi_guard *g) {
    const char *op = g && g->op ? g->op : "?";
    if (!strcmp(op, "action")) {
        put(l, "in action '");
        put_text(l, g && g->schema ? g->schema : NULL, "?");
        put(l, "'");
    } else if (!strcmp(op, "load")) {
        put(l, "while loading (in its constructors)");
    } else if (!strcmp(op, "unload")) {
        put(l, "while unloading (in its destructors)");
    } else {
        put(l, "in ");
        put(l, op);
        put(l, "(");
        if (g && g->schema) {
            put(l, "schema '");
            put_text(l, g->schema, "");
            put(l, "'");
        }
        put(l, ")");
    }
    if (g && g->recover) put(l, "; the call failed and nothing of it was kept, the host carries on");
    else put(l, writes_data(op) ? "; progress up to the last committed batch or saved state is kept, nothing after it "
                                  "was committed"
                                : "; nothing was written");
}

static void put_plugin(line *l, const dwhi_guard *g) {
    put(l, "dwhost: plugin '");
    put_text(l, g ? g->plugin : NULL, "?");
    put(l, "' (");
    put_text(l, g ? g->path : NULL, "unknown path");
    put(l, ")");
}

static void put_uint(line *l, unsigned v) {
    char num[12];
    size_t k = sizeof num;
    num[--k] = 0;
    do num[--k] = (char)('0' + v % 10); while ((v /= 10) && k);
    put(l, num + k);
}

size_t dwhi_crash_format_exit(const dwhi_guard *g, int status, char *buf, size_t n) {
    if (n < 2) {
        if (n) buf[0] = 0;
        return 0;
    }
    line l = {buf, n - 2, 0};
    put_plugin(&l, g);
    put(&l, " called exit(");
    if (status < 0) put(&l, "-");
    put_uint(&l, status < 0 ? 0u - (unsigned)status : (unsigned)status);
    put(&l, ") ");
    put_where(&l, g);
    put(&l, "; report this to the plugin's author (a plugin returns an error, it never ends the process)");
    buf[l.len++] = '\n';
    buf[l.len] = 0;
    return l.len;
}

size_t dwhi_crash_format(const dwhi_guard *g, int sig, int stack_overflow, char *buf, size_t n) {
    if (n < 2) {
        if (n) buf[0] = 0;
        return 0;
    }
    line l = {buf, n - 2, 0};
    put_plugin(&l, g);
    put(&l, " crashed with ");
    put(&l, dwhi_crash_signal_name(sig));
    if (sig != SIGSEGV && sig != SIGBUS && sig != SIGILL && sig != SIGFPE && sig != SIGABRT && sig != SIGSYS) {
        put(&l, " ");
        put_uint(&l, sig < 0 ? 0u : (unsigned)sig);
    }
    put(&l, " (");
    put(&l, signal_meaning(sig, stack_overflow));
    put(&l, ") ");
    put_where(&l, g);
    put(&l, "; report this to the plugin's author (DWHOST_NO_CRASH_GUARD=1 lets it dump core for a backtrace)");
    buf[l.len++] = '\n';
    buf[l.len] = 0;
    return l.len;
}
