/*
 * cmd_jobs.c -- `dwhost jobs`: what a Redis job queue holds
 * (docs/cli/jobs.md): queued jobs, running ones (pending in the consumer
 * group: which worker has each and how long it has been silent) and
 * failed ones (the dead-letter stream).  Reads only.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_common.h"
#include "queue/job_queue.h"
#include "serve.h"

static struct {
    const char *queue;
    int json, limit;
} A = {.limit = 100};

static int opt_limit(const char *cmd, const dwhi_cli_opt *opt, const char *v) {
    char *end;
    long n = strtol(v, &end, 10);
    if (end == v || *end || n <= 0 || n > 100000) {
        dwhi_cli_usage_error(cmd, "--%s wants a whole number from 1 to 100000, got '%s'", opt->long_name, v);
        return -1;
    }
    *(int *)opt->target = (int)n;
    return 0;
}

static const dwhi_cli_opt options[] = {
    DWHI_OPT_STRING(0, "queue", "URL", "the Redis holding the jobs: redis://HOST[:PORT][/DB]", &A.queue,
                   .flags = DWHI_OPT_REQUIRED | DWHI_OPT_NONEMPTY),
    DWHI_OPT_CALLBACK(0, "limit", "N", "show at most N jobs of each kind, oldest first (default 100)", &A.limit,
                     opt_limit),
    DWHI_OPT_FLAG(0, "json", "print one JSON document", &A.json),
    DWHI_OPT_HELP(),
    DWHI_OPT_END(),
};

static const char *jstr(json_object *o, const char *path1, const char *path2) {
    json_object *v = json_object_object_get(o, path1);
    if (path2) v = json_object_object_get(v, path2);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "-";
}

static void print_section(json_object *doc, const char *kind) {
    json_object *list = json_object_object_get(doc, kind);
    size_t n = json_object_array_length(list);
    printf("%s: %zu\n", kind, n);
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(list, i);
        printf("  %s  %s  source %s  source id %s  team %s", jstr(e, "job", "job_id"), jstr(e, "entry", NULL),
               jstr(e, "job", "source"), jstr(e, "job", "source_id"), jstr(e, "job", "team_id"));
        if (!strcmp(kind, "running"))
            printf("  worker %s  idle %.1f s  deliveries %" PRId64, jstr(e, "consumer", NULL),
                   (double)json_object_get_int64(json_object_object_get(e, "idle_ms")) / 1000.0,
                   json_object_get_int64(json_object_object_get(e, "deliveries")));
        else if (!strcmp(kind, "failed"))
            printf("  attempts %" PRId64 "  at %s\n    error: %s",
                   json_object_get_int64(json_object_object_get(e, "attempts")), jstr(e, "failed_at", NULL),
                   jstr(e, "error", NULL));
        else
            printf("  attempt %" PRId64, json_object_get_int64(json_object_object_get(e, "attempt")));
        putchar('\n');
    }
}

static int cmd_jobs(const dwhi_cli_invocation *inv) {
    (void)inv;
    char *err = NULL;
    json_object *doc = NULL;
    dwhi_queue *q = dwhi_queue_open(A.queue, NULL, &err);
    if (!q || dwhi_queue_list(q, (size_t)A.limit, &doc, &err) != 0) {
        fprintf(stderr, "dwhost: jobs: %s\n", err ? err : "out of memory");
        free(err);
        dwhi_queue_close(q);
        return DWHI_EXIT_STATE;
    }
    dwhi_queue_close(q);
    /* the configs stay out of the listing: they are the jobs' business */
    static const char *const kinds[] = {"queued", "running", "failed"};
    for (size_t k = 0; k < 3; k++) {
        json_object *list = json_object_object_get(doc, kinds[k]);
        for (size_t i = 0; i < json_object_array_length(list); i++) {
            json_object *job = json_object_object_get(json_object_array_get_idx(list, i), "job");
            if (json_object_is_type(job, json_type_object)) json_object_object_del(job, "config");
        }
    }
    if (A.json) {
        printf("%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
    } else {
        printf("queue %s\n", json_object_get_string(json_object_object_get(doc, "queue")));
        for (size_t k = 0; k < 3; k++) print_section(doc, kinds[k]);
    }
    json_object_put(doc);
    return DWHI_EXIT_OK;
}

DWHI_CLI_COMMAND(jobs, .name = "jobs", .summary = "list the queued, running and failed jobs of a Redis queue",
                 .run = cmd_jobs, .options = options,
                 .description = "Shows the jobs of the Redis stream dwhost:jobs: queued (not yet taken), running "
                                "(taken by a worker and not yet acknowledged: the worker's consumer name, how long "
                                "its entry has been idle, how often it was delivered) and failed (the dead-letter "
                                "stream dwhost:jobs:dead, with the attempts and the last error).  Configs are not "
                                "shown.  docs/cli/jobs.md.",
                 .exit_status = "0 listed; 2 usage; 7 Redis is unreachable or refused a command.")
