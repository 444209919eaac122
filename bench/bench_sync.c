/*
 * bench_sync.c -- the sync benchmark (never a test): N generated rows of
 * about 200 bytes through the benchgen plugin and `dwh_sync` into the
 * SQLite warehouse, against a minimal baseline that parses the same JSON
 * with json-c and inserts it with one prepared statement in one
 * transaction.  Every measurement runs in its own child process; its peak
 * RSS comes from wait4().
 *
 *   build/bench/dwh-bench [--rows 100000,1000000] [--dir /tmp] [--repeat 3]
 *                         [--only baseline|full|incremental] [--batch-rows N]
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dwhost.h"
#include "core/log.h"
#include "gen.h"

#define PAGE 1000

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int baseline(const char *db, int64_t rows) {
    static const char *const cols[] = {"id", "name", "email", "plan", "country", "active", "balance", "logins",
                                       "created_at", "referrer"};
    sqlite3 *c;
    if (sqlite3_open(db, &c) != SQLITE_OK) return 1;
    sqlite3_exec(c,
                 "CREATE TABLE customers (id INTEGER, name TEXT, email TEXT, plan TEXT, country TEXT, active INTEGER,"
                 " balance REAL, logins INTEGER, created_at TEXT, referrer TEXT)",
                 NULL, NULL, NULL);
    sqlite3_exec(c, "BEGIN", NULL, NULL, NULL);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(c, "INSERT INTO customers VALUES (?,?,?,?,?,?,?,?,?,?)", -1, &st, NULL);
    size_t cap = PAGE * 300 + 16;
    char *buf = malloc(cap);
    for (int64_t next = 0; next < rows; next += PAGE) {
        int64_t n = rows - next < PAGE ? rows - next : PAGE;
        size_t len = bench_gen_page(next, n, buf, cap);
        json_object *arr = json_tokener_parse(buf);
        (void)len;
        for (size_t i = 0; i < json_object_array_length(arr); i++) {
            json_object *row = json_object_array_get_idx(arr, i);
            for (int k = 0; k < 10; k++) {
                json_object *v;
                if (!json_object_object_get_ex(row, cols[k], &v) || !v) {
                    sqlite3_bind_null(st, k + 1);
                    continue;
                }
                switch (json_object_get_type(v)) {
                case json_type_int: sqlite3_bind_int64(st, k + 1, json_object_get_int64(v)); break;
                case json_type_boolean: sqlite3_bind_int(st, k + 1, json_object_get_boolean(v)); break;
                case json_type_double: sqlite3_bind_double(st, k + 1, json_object_get_double(v)); break;
                default:
                    sqlite3_bind_text(st, k + 1, json_object_get_string(v), json_object_get_string_len(v), SQLITE_STATIC);
                }
            }
            sqlite3_step(st);
            sqlite3_reset(st);
        }
        json_object_put(arr);
    }
    free(buf);
    sqlite3_finalize(st);
    int rc = sqlite3_exec(c, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(c);
    return rc != SQLITE_OK;
}

static size_t batch_rows; /* 0: the sync's default (5000) */

static int sync_rows(const char *db, int64_t rows, const char *schema, const char *mode) {
    const char *dirs[] = {DWHOST_BUILD_DIR "/bench-plugins"};
    dwh_host_options ho = {.plugin_dirs = dirs, .n_plugin_dirs = 1, .flags = DWH_HOST_NO_ENV_PATH | DWH_HOST_NO_DEFAULT_DIR};
    dwh_host *h = dwh_host_new(&ho);
    char cfg[96];
    snprintf(cfg, sizeof cfg, "{\"rows\": %" PRId64 ", \"page_rows\": %d}", rows, PAGE);
    const char *schemas[] = {schema};
    dwh_sync_options o = {.warehouse_path = db, .schemas = schemas, .n_schemas = 1, .mode = mode,
                          .batch_rows = batch_rows};
    char *err = NULL;
    dwh_sync_failure f = DWH_SYNC_OK;
    dwh_sync(h, "benchgen", cfg, &o, &f, NULL, &err);
    if (f != DWH_SYNC_OK) fprintf(stderr, "bench: sync failed: %s\n", err ? err : "?");
    free(err);
    dwh_host_free(h);
    return f != DWH_SYNC_OK;
}

typedef struct result {
    double seconds;
    long max_rss_kb;
    int ok;
} result;

/* Runs one measurement in a child: its wall time (from inside) and peak RSS. */
static result measure_once(const char *dir, int64_t rows, int which) {
    char db[512];
    snprintf(db, sizeof db, "%s/bench-%d.db", dir, which);
    char rm[2048];
    snprintf(rm, sizeof rm, "rm -f '%s' '%s-wal' '%s-shm'", db, db, db);
    if (system(rm) != 0) return (result){0, 0, 0};
    int fd[2];
    result r = {0};
    if (pipe(fd) != 0) return r;
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        double t0 = now();
        int rc = which == 0 ? baseline(db, rows)
                 : which == 1 ? sync_rows(db, rows, "customers", NULL)
                              : sync_rows(db, rows, "customers_by_id", "incremental");
        double dt = now() - t0;
        if (write(fd[1], &dt, sizeof dt) != (ssize_t)sizeof dt) rc = 1;
        _exit(rc);
    }
    close(fd[1]);
    double dt = 0;
    ssize_t got = read(fd[0], &dt, sizeof dt);
    close(fd[0]);
    int status;
    struct rusage ru;
    wait4(pid, &status, 0, &ru);
    r.seconds = dt;
    r.max_rss_kb = ru.ru_maxrss;
    r.ok = got == (ssize_t)sizeof dt && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (system(rm) != 0) r.ok = 0;
    return r;
}

/* The best of `repeat` runs: the machine may be shared, and the fastest run
 * is the one least disturbed by others. */
static int repeat_n = 3;

static result measure(const char *dir, int64_t rows, int which) {
    result best = {0};
    for (int i = 0; i < repeat_n; i++) {
        result r = measure_once(dir, rows, which);
        if (!r.ok) return r;
        if (i == 0 || r.seconds < best.seconds) best.seconds = r.seconds;
        if (r.max_rss_kb > best.max_rss_kb) best.max_rss_kb = r.max_rss_kb;
        best.ok = 1;
    }
    return best;
}

int main(int argc, char **argv) {
    const char *dir = "/tmp";
    int64_t sizes[8] = {100000, 1000000};
    int n_sizes = 2, only = -1, repeat = 3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dir") && i + 1 < argc) {
            dir = argv[++i];
        } else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) {
            repeat = atoi(argv[++i]);
            if (repeat < 1) repeat = 1;
        } else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
            i++;
            only = !strcmp(argv[i], "baseline") ? 0 : !strcmp(argv[i], "full") ? 1 : !strcmp(argv[i], "incremental") ? 2 : -2;
            if (only == -2) {
                fprintf(stderr, "--only takes baseline, full or incremental\n");
                return 2;
            }
        } else if (!strcmp(argv[i], "--batch-rows") && i + 1 < argc) {
            batch_rows = (size_t)strtoull(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--rows") && i + 1 < argc) {
            n_sizes = 0;
            for (char *p = argv[++i]; *p && n_sizes < 8;) {
                sizes[n_sizes++] = strtoll(p, &p, 10);
                if (*p == ',') p++;
            }
        } else {
            fprintf(stderr,
                    "usage: %s [--rows 100000,1000000] [--dir DIR] [--only baseline|full|incremental] [--repeat 3]"
                    " [--batch-rows N]\n",
                    argv[0]);
            return 2;
        }
    }
    repeat_n = repeat;
    dwhi_log_configure(stderr, DWHI_LOG_TEXT, DW_LOG_WARN);
    char sample[PAGE * 300];
    size_t len = bench_gen_page(0, PAGE, sample, sizeof sample);
    printf("dwhost sync benchmark: rows of %.0f bytes of JSON, pages of %d, warehouse in %s, best of %d runs\n\n",
           (double)len / PAGE, PAGE, dir, repeat);
    printf("%9s  %-28s  %8s  %10s  %8s  %13s\n", "rows", "path", "seconds", "rows/s", "vs base", "peak RSS MiB");
    int bad = 0;
    for (int s = 0; s < n_sizes; s++) {
        result base = only <= 0 ? measure(dir, sizes[s], 0) : (result){1, 0, 1};
        result full = only < 0 || only == 1 ? measure(dir, sizes[s], 1) : (result){0, 0, 0};
        result merge = only < 0 || only == 2 ? measure(dir, sizes[s], 2) : (result){0, 0, 0};
        const char *names[] = {"baseline (json-c + 1 insert)", "dwhost sync, full refresh", "dwhost sync, incremental"};
        result *rs[] = {&base, &full, &merge};
        for (int k = 0; k < 3; k++) {
            if (only >= 0 && k != only) continue;
            bad |= !rs[k]->ok;
            printf("%9" PRId64 "  %-28s  %8.2f  %10.0f  %7.2fx  %13.1f%s\n", sizes[s], names[k], rs[k]->seconds,
                   (double)sizes[s] / rs[k]->seconds, rs[k]->seconds / base.seconds, rs[k]->max_rss_kb / 1024.0,
                   rs[k]->ok ? "" : "  (FAILED)");
        }
    }
    return bad;
}
