/*
 * cmd_requeue.c -- `dwhost requeue`: moves failed jobs (the dead-letter
 * stream) back to the job stream, each as a new job at attempt 1, and
 * prints the new job ids (queue/job_queue.h dwhi_queue_requeue,
 * docs/cli/requeue.md).  A job goes back with its document as it was: a
 * config that failed because of something outside it (a token since
 * renewed, a server since back, a $file since fixed) runs again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_common.h"
#include "queue/job_queue.h"
#include "serve.h"

static struct {
    const char *queue;
    dwhi_cli_list more; /* the ids after the first */
    int all, json;
} A;

static const dwhi_cli_opt options[] = {
    DWHI_OPT_STRING(0, "queue", "URL", "the Redis holding the jobs: redis://HOST[:PORT][/DB]", &A.queue,
                   .flags = DWHI_OPT_REQUIRED | DWHI_OPT_NONEMPTY),
    DWHI_OPT_FLAG(0, "all", "every job of the dead-letter stream", &A.all),
    DWHI_OPT_FLAG(0, "json", "print one JSON object per job moved: {\"job_id\", \"requeued_from\", \"entry\"}",
                 &A.json),
    DWHI_OPT_HELP(),
    DWHI_OPT_END(),
};

static void moved(void *arg, const char *old_id, const char *new_id, const char *entry) {
    (void)arg;
    if (A.json) printf("{\"job_id\": \"%s\", \"requeued_from\": \"%s\", \"entry\": \"%s\"}\n", new_id, old_id, entry);
    else printf("%s\n", new_id);
    fflush(stdout);
}

static int cmd_requeue(const dwhi_cli_invocation *inv) {
    size_t n_ids = (inv->operand ? 1 : 0) + A.more.n;
    int rc = DWHI_EXIT_OK;
    if (A.all == (n_ids > 0)) {
        free(A.more.v);
        return dwhi_cli_usage_error("requeue", n_ids ? "give job ids or --all, not both"
                                                     : "which job? give its id (dwhost jobs lists the failed ones) or --all");
    }
    char *err = NULL;
    dwhi_queue *q = dwhi_queue_open(A.queue, NULL, &err);
    if (!q) {
        fprintf(stderr, "dwhost: requeue: %s; nothing was moved\n", err ? err : "out of memory");
        free(err);
        free(A.more.v);
        return DWHI_EXIT_STATE;
    }
    for (size_t i = 0; i < (A.all ? 1 : n_ids); i++) {
        const char *id = A.all ? NULL : i == 0 ? inv->operand : A.more.v[i - 1];
        size_t skipped = 0;
        long n = dwhi_queue_requeue(q, id, moved, NULL, &skipped, &err);
        if (n < 0) {
            fprintf(stderr, "dwhost: requeue: %s; the jobs printed above were moved, the others were not\n",
                    err ? err : "out of memory");
            free(err);
            err = NULL;
            rc = DWHI_EXIT_STATE;
            break;
        }
        if (skipped)
            fprintf(stderr,
                    "dwhost: requeue: %zu entr%s of " DWHI_QUEUE_DEAD " hold%s no job document and stay%s there; "
                    "enqueue the job again with `dwhost enqueue`\n",
                    skipped, skipped == 1 ? "y" : "ies", skipped == 1 ? "s" : "", skipped == 1 ? "s" : "");
        if (n == 0 && id && !skipped) {
            fprintf(stderr,
                    "dwhost: requeue: no job %.128s in the dead-letter stream " DWHI_QUEUE_DEAD " of %s; `dwhost jobs "
                    "--queue URL` lists the failed jobs\n",
                    id, dwhi_queue_where(q));
            rc = DWHI_EXIT_FAILURE;
        } else if (n == 0 && id) {
            rc = DWHI_EXIT_FAILURE;
        } else if (n == 0 && !skipped) {
            fprintf(stderr, "dwhost: requeue: the dead-letter stream " DWHI_QUEUE_DEAD " of %s is empty\n",
                    dwhi_queue_where(q));
        }
    }
    dwhi_queue_close(q);
    free(A.more.v);
    return rc;
}

DWHI_CLI_COMMAND(
    requeue, .name = "requeue", .summary = "move failed jobs (the dead-letter stream) back to a Redis job queue",
    .run = cmd_requeue, .options = options, .operand = "job id", .more_operands = &A.more,
    .flags = DWHI_CLI_OPERAND_OPTIONAL,
    .operand_missing = "which job? give its id (dwhost jobs lists the failed ones) or --all",
    .synopsis = "requeue --queue URL JOB_ID... [--json]\nrequeue --queue URL --all [--json]",
    .description =
        "Moves jobs of the dead-letter stream dwhost:jobs:dead back to the stream dwhost:jobs, where any "
        "`dwhost worker` takes them: each one named (by the job id `dwhost jobs` shows, or its dead-letter entry "
        "id), or every one with --all.  Each goes back as a new job: attempt 1, a new job id (printed, one per "
        "line; the old one in its \"requeued_from\"), the rest of the job as it was (its config as written, so "
        "$env and $file references are resolved again by the worker that runs it).  The run resumes from the "
        "state the failed attempts committed.  Each move is atomic: a job moves once, whoever else requeues it "
        "at the same time.  docs/cli/requeue.md.",
    .exit_status = "0 moved (also --all with nothing to move); 1 a named job is not in the dead-letter stream "
                   "(nothing moved for it; the others named are moved); 2 usage; 7 Redis is unreachable or refused "
                   "a command.")
