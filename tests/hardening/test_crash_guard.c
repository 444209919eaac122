/*
 * test_crash_guard.c -- plugin crash containment: the crash line, the
 * guard frames, and real crashes in forked children (the crasher test
 * plugin in webhook_transform and on a second thread's overflowing stack;
 * host faults and signals from other processes going to the previous
 * action; DWHOST_NO_CRASH_GUARD).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "crash/crash_message.h"
#include "dwhost.h"
#include "crash/plugin_guard.h"
#include "rt_helpers.h"

#define CRASHER DWHOST_BUILD_DIR "/test-plugins/libsource_crasher.so"

/* ---- the line ------------------------------------------------------------ */

static void line_names_plugin_signal_and_operation(void **state) {
    dwhi_guard g = {.plugin = "acme", .path = "/opt/p/libsource_acme.so", .op = "run", .schema = "orders"};
    char buf[2048];
    size_t n = dwhi_crash_format(&g, SIGSEGV, 0, buf, sizeof buf);
    assert_int_equal(n, strlen(buf));
    assert_string_equal(buf,
                        "dwhost: plugin 'acme' (/opt/p/libsource_acme.so) crashed with SIGSEGV (invalid memory "
                        "access) in run(schema 'orders'); progress up to the last committed batch or saved state "
                        "is kept, nothing after it was committed; report this to the plugin's author "
                        "(DWHOST_NO_CRASH_GUARD=1 lets it dump core for a backtrace)\n");
    n = dwhi_crash_format(&g, SIGSEGV, 1, buf, sizeof buf);
    assert_non_null(strstr(buf, "crashed with SIGSEGV (stack overflow) in run("));

    dwhi_guard c = {.plugin = "acme", .path = "/p.so", .op = "check_credentials"};
    dwhi_crash_format(&c, SIGABRT, 0, buf, sizeof buf);
    assert_non_null(strstr(buf, "crashed with SIGABRT (abort() called, e.g. a failed assert) in check_credentials(); "
                                "nothing was written; report this"));
    dwhi_guard l = {.plugin = "acme", .path = "/p.so", .op = "load"};
    dwhi_crash_format(&l, SIGILL, 0, buf, sizeof buf);
    assert_non_null(strstr(buf, "SIGILL (illegal instruction) while loading (in its constructors); nothing"));
    dwhi_guard i = {.plugin = "acme", .path = "/p.so", .op = "init"};
    dwhi_crash_format(&i, SIGFPE, 0, buf, sizeof buf);
    assert_non_null(strstr(buf, "SIGFPE (arithmetic fault, e.g. integer division by zero) in init(); nothing"));
    dwhi_crash_format(&i, SIGBUS, 0, buf, sizeof buf);
    assert_non_null(strstr(buf, "SIGBUS"));
    dwhi_crash_format(&i, SIGSYS, 0, buf, sizeof buf);
    assert_non_null(strstr(buf, "SIGSYS (bad system call)"));
    dwhi_crash_format(&i, SIGUSR1, 0, buf, sizeof buf);
    char num[64];
    snprintf(num, sizeof num, "crashed with signal %d (fatal signal)", SIGUSR1);
    assert_non_null(strstr(buf, num));
}

static void line_is_one_bounded_line_whatever_the_plugin_says(void **state) {
    char path[5000];
    memset(path, 'x', sizeof path - 1);
    path[sizeof path - 1] = 0;
    dwhi_guard g = {.plugin = "evil\nname\x1b[2J", .path = path, .op = "run", .schema = "a\rb"};
    char buf[2048];
    size_t n = dwhi_crash_format(&g, SIGSEGV, 0, buf, sizeof buf);
    assert_true(n < sizeof buf);
    assert_int_equal(buf[n - 1], '\n');
    assert_null(memchr(buf, '\n', n - 1));
    assert_null(memchr(buf, '\r', n));
    assert_null(memchr(buf, 0x1b, n));
    assert_non_null(strstr(buf, "plugin 'evil?name?[2J'"));
    /* each piece of plugin text is bounded, so the operation still shows */
    assert_non_null(strstr(buf, "in run(schema 'a?b')"));

    char small[40];
    n = dwhi_crash_format(&g, SIGSEGV, 0, small, sizeof small);
    assert_int_equal(n, sizeof small - 1);
    assert_int_equal(small[n - 1], '\n');
    char two[2];
    assert_int_equal(dwhi_crash_format(&g, SIGSEGV, 0, two, sizeof two), 1);
    assert_string_equal(two, "\n");
    assert_int_equal(dwhi_crash_format(NULL, SIGSEGV, 0, buf, sizeof buf) > 0, 1);
    assert_non_null(strstr(buf, "plugin '?' (unknown path)"));
}

/* ---- frames ----------------------------------------------------------------- */

static void describe_follows_the_innermost_frame(void **state) {
    char buf[2048];
    assert_null(dwhi_guard_current());
    assert_int_equal(dwh_crash_guard_describe(SIGSEGV, NULL, buf, sizeof buf), 0);
    dwhi_guard outer, inner;
    dwhi_guard_enter(&outer, "outer", "/o.so", "run", "s1");
    assert_ptr_equal(dwhi_guard_current(), &outer);
    dwhi_guard_enter(&inner, "inner", "/i.so", "init", NULL);
    assert_true(dwh_crash_guard_describe(SIGSEGV, NULL, buf, sizeof buf) > 0);
    assert_non_null(strstr(buf, "plugin 'inner' (/i.so) crashed with SIGSEGV (invalid memory access) in init()"));
    dwhi_guard_leave(&inner);
    assert_true(dwh_crash_guard_describe(SIGABRT, NULL, buf, sizeof buf) > 0);
    assert_non_null(strstr(buf, "plugin 'outer' (/o.so) crashed with SIGABRT"));
    assert_non_null(strstr(buf, "in run(schema 's1')"));
    assert_int_equal(dwh_crash_guard_describe(SIGABRT, NULL, buf, 1), 0);
    dwhi_guard_leave(&outer);
    assert_null(dwhi_guard_current());
    assert_int_equal(dwh_crash_guard_describe(SIGSEGV, NULL, buf, sizeof buf), 0);
}

/* ---- forked children ------------------------------------------------------- */

typedef struct outcome {
    int exited, code, signaled, sig;
    char err[8192];
} outcome;

/* Runs fn in a child whose fatal signals start at SIG_DFL (CMocka's own
 * handlers are not "the previous action" a real program would have) and
 * which dumps no core; collects its stderr and how it ended.  `ready`
 * (may be NULL) is called in the parent with the child's pid once the
 * child wrote one byte to fd 3. */
static outcome in_child(void (*fn)(void), void (*ready)(pid_t)) {
    int err[2], sync[2];
    assert_int_equal(pipe(err), 0);
    assert_int_equal(pipe(sync), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGSYS};
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) signal(sigs[i], SIG_DFL);
        close(err[0]);
        close(sync[0]);
        dup2(err[1], STDERR_FILENO);
        dup2(sync[1], 3);
        fn();
        _exit(0);
    }
    close(err[1]);
    close(sync[1]);
    if (ready) {
        char c;
        if (read(sync[0], &c, 1) == 1) ready(pid);
    }
    close(sync[0]);
    outcome o = {0};
    size_t len = 0;
    ssize_t r;
    while ((r = read(err[0], o.err + len, sizeof o.err - 1 - len)) > 0) len += (size_t)r;
    close(err[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    o.exited = WIFEXITED(status);
    o.code = o.exited ? WEXITSTATUS(status) : -1;
    o.signaled = WIFSIGNALED(status);
    o.sig = o.signaled ? WTERMSIG(status) : 0;
    return o;
}

/* Lines of stderr that start with "dwhost: " (log lines are JSON). */
static int crash_lines(const outcome *o) {
    int n = 0;
    for (const char *p = o->err; (p = strstr(p, "dwhost: plugin ")); p++) n++;
    return n;
}

static dwh_plugin *crasher(void) {
    dwhi_registry *r = dwhi_registry_new();
    char *err = NULL;
    if (dwhi_registry_add_file(r, CRASHER, &err) != 0) {
        fprintf(stderr, "cannot load %s: %s\n", CRASHER, err ? err : "?");
        _exit(99);
    }
    dwh_plugin *p = dwhi_registry_find(r, "crasher");
    dwhi_registry_free(r); /* our reference keeps it loaded */
    return p;
}

static void webhook_child(void) {
    if (dwh_crash_guard_install(11, NULL) != DW_OK) _exit(98);
    dwh_plugin *p = crasher();
    json_object *cfg = json_tokener_parse("{\"crash_in\": \"webhook\", \"crash_how\": \"abort\"}");
    rt_sink s;
    rt_sink_init(&s);
    const char *payload = "{\"id\": 1}";
    dwhi_op_result r = dwhi_op_webhook(p, cfg, NULL, NULL, NULL, "items", payload, strlen(payload), &s.sink);
    fprintf(stderr, "webhook returned %d\n", (int)r.code);
    _exit(0);
}

static void webhook_crash_is_contained(void **state) {
    outcome o = in_child(webhook_child, NULL);
    assert_true(o.exited);
    assert_int_equal(o.code, 11);
    assert_int_equal(crash_lines(&o), 1);
    assert_non_null(strstr(o.err, "dwhost: plugin 'crasher' (" CRASHER ") crashed with SIGABRT"));
    assert_non_null(strstr(o.err, "in webhook_transform(schema 'items'); progress up to the last committed batch"));
    assert_null(strstr(o.err, "webhook returned"));
}

static void webhook_op_emits_rows(void **state) {
    dwh_plugin *p = rt_plugin("crasher");
    rt_sink s;
    rt_sink_init(&s);
    const char *payload = "{\"id\": 7, \"name\": \"pushed\"}";
    dwhi_op_result r = dwhi_op_webhook(p, NULL, NULL, NULL, NULL, "items", payload, strlen(payload), &s.sink);
    assert_int_equal(r.code, DW_OK);
    assert_int_equal(rt_nrows(&s), 1);
    assert_string_equal(rt_row_str(&s, 0, "name"), "pushed");
    dwhi_op_result_free(&r);
    r = dwhi_op_webhook(p, NULL, NULL, NULL, NULL, NULL, payload, strlen(payload), &s.sink);
    assert_int_equal(r.code, DW_ERR_NOT_FOUND);
    dwhi_op_result_free(&r);
    rt_sink_free(&s);
    dwh_plugin_unref(p);
    rt_plugins_free();
}

static void *overflow_thread(void *arg) {
    dwh_plugin *p = arg;
    rt_sink s;
    rt_sink_init(&s);
    dwhi_op_result r = rt_run(p, "{\"crash_in\": \"run\", \"crash_how\": \"stack\", \"crash_after_pages\": 2}",
                             "items", &s, NULL);
    fprintf(stderr, "run returned %d\n", (int)r.code);
    return NULL;
}

static void thread_child(void) {
    if (dwh_crash_guard_install(11, NULL) != DW_OK) _exit(98);
    dwh_plugin *p = crasher();
    pthread_t t;
    /* a thread the host did not prepare: its first plugin call must give
     * it an alternate signal stack */
    if (pthread_create(&t, NULL, overflow_thread, p) != 0) _exit(97);
    pthread_join(t, NULL);
    _exit(0);
}

static void stack_overflow_on_another_thread_is_contained(void **state) {
    outcome o = in_child(thread_child, NULL);
    assert_true(o.exited);
    assert_int_equal(o.code, 11);
    assert_int_equal(crash_lines(&o), 1);
    assert_non_null(strstr(o.err, "crashed with SIGSEGV (stack overflow) in run(schema 'items')"));
    assert_null(strstr(o.err, "run returned"));
}

static void previous_handler(int sig) {
    static const char msg[] = "previous handler ran\n";
    if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0) _exit(43);
    _exit(42);
}

__attribute__((noinline, no_sanitize("undefined"))) static void host_null_store(void) {
    volatile int *volatile p = NULL;
    *p = 1;
}

static void host_fault_child(void) {
    signal(SIGSEGV, previous_handler);
    if (dwh_crash_guard_install(11, NULL) != DW_OK) _exit(98);
    dwhi_guard g;
    dwhi_guard_enter(&g, "done", "/done.so", "run", NULL);
    dwhi_guard_leave(&g); /* a plugin call that finished: no longer guarded */
    host_null_store();
}

static void host_fault_goes_to_the_previous_handler(void **state) {
    outcome o = in_child(host_fault_child, NULL);
    assert_true(o.exited);
    assert_int_equal(o.code, 42);
    assert_non_null(strstr(o.err, "previous handler ran"));
    assert_int_equal(crash_lines(&o), 0);
}

static void host_abort_child(void) {
    if (dwh_crash_guard_install(11, NULL) != DW_OK) _exit(98);
    abort();
}

static void host_abort_keeps_the_default_action(void **state) {
    outcome o = in_child(host_abort_child, NULL);
    assert_true(o.signaled);
    assert_int_equal(o.sig, SIGABRT);
    assert_int_equal(crash_lines(&o), 0);
}

static void guarded_wait_child(void) {
    if (dwh_crash_guard_install(11, NULL) != DW_OK) _exit(98);
    dwhi_guard g;
    dwhi_guard_enter(&g, "slow", "/slow.so", "run", "s");
    if (write(3, "r", 1) != 1) _exit(96);
    for (;;) pause();
}

static void kill_segv(pid_t pid) { kill(pid, SIGSEGV); }

static void signal_from_another_process_is_not_the_plugins(void **state) {
    outcome o = in_child(guarded_wait_child, kill_segv);
    assert_true(o.signaled);
    assert_int_equal(o.sig, SIGSEGV);
    assert_int_equal(crash_lines(&o), 0);
}

static void exit_code_child(void) {
    if (dwh_crash_guard_install(11, NULL) != DW_OK) _exit(98);
    if (dwh_crash_guard_install(77, NULL) != DW_OK) _exit(98); /* idempotent; the code changes */
    dwh_plugin *p = crasher();
    json_object *cfg = json_tokener_parse("{\"crash_in\": \"check\", \"crash_how\": \"fpe\"}");
    dwhi_op_check(p, cfg, NULL, NULL, NULL, "items", NULL);
    _exit(0);
}

static void exit_code_is_the_callers(void **state) {
    outcome o = in_child(exit_code_child, NULL);
    assert_true(o.exited);
    assert_int_equal(o.code, 77);
    assert_non_null(strstr(o.err, "crashed with SIGFPE (arithmetic fault, e.g. integer division by zero) in "
                                  "check_credentials(schema 'items'); nothing was written"));
}

static void opt_out_child(void) {
    setenv("DWHOST_NO_CRASH_GUARD", "1", 1);
    if (dwh_crash_guard_install(11, NULL) != DW_ERR_UNSUPPORTED) _exit(98);
    setenv("CRASHER_CRASH", "init:ill", 1);
    dwh_plugin *p = crasher();
    dwh_plugin_activate(p, NULL);
    _exit(0);
}

static void opt_out_leaves_the_default_action(void **state) {
    outcome o = in_child(opt_out_child, NULL);
    assert_true(o.signaled);
    assert_int_equal(o.sig, SIGILL);
    assert_int_equal(crash_lines(&o), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(line_names_plugin_signal_and_operation),
        cmocka_unit_test(line_is_one_bounded_line_whatever_the_plugin_says),
        cmocka_unit_test(describe_follows_the_innermost_frame),
        cmocka_unit_test(webhook_op_emits_rows),
        cmocka_unit_test(webhook_crash_is_contained),
        cmocka_unit_test(stack_overflow_on_another_thread_is_contained),
        cmocka_unit_test(host_fault_goes_to_the_previous_handler),
        cmocka_unit_test(host_abort_keeps_the_default_action),
        cmocka_unit_test(signal_from_another_process_is_not_the_plugins),
        cmocka_unit_test(exit_code_is_the_callers),
        cmocka_unit_test(opt_out_leaves_the_default_action),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
