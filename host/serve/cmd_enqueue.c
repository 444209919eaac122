/*
 * cmd_enqueue.c -- `dwhost enqueue`: adds a sync job to the Redis stream
 * `dwhost worker`s take jobs from (queue/job_queue.h, docs/cli/enqueue.md).
 *
 * The job carries the config as written in its file: {"$env": NAME} and
 * {"$file": PATH} references stay references, resolved by the worker that
 * runs the job, so no resolved secret is ever written to Redis.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file_read.h"
#include "cli.h"
#include "cli_common.h"
#include "queue/job_build.h"
#include "queue/job_queue.h"
#include "serve.h"

static struct {
    const char *queue, *config, *team, *source_id, *mode;
    dwhi_cli_list schemas;
    int json, batch_rows;
} A;

static const dwhi_cli_opt options[] = {
    DWHI_OPT_STRING(0, "queue", "URL", "the Redis holding the jobs: redis://HOST[:PORT][/DB]", &A.queue,
                   .flags = DWHI_OPT_REQUIRED | DWHI_OPT_NONEMPTY),
    DWHI_OPT_STRING(0, "config", "FILE",
                   "the source's config (JSON); $env/$file references in it are resolved on the worker",
                   &A.config, .flags = DWHI_OPT_REQUIRED | DWHI_OPT_NONEMPTY),
    DWHI_OPT_LIST(0, "schema", "NAME", "sync this schema (repeatable; default: the source's default schemas)",
                 &A.schemas),
    DWHI_OPT_STRING(0, "mode", "MODE", "incremental, full or append (default: per schema)", &A.mode,
                   .flags = DWHI_OPT_NONEMPTY, .values = "incremental full append"),
    DWHI_OPT_STRING(0, "team", "T", "the job's team (default: local); limits per team count it", &A.team,
                   .flags = DWHI_OPT_NONEMPTY),
    DWHI_OPT_STRING(0, "source-id", "ID", "the job's source id (default: the source name)", &A.source_id,
                   .flags = DWHI_OPT_NONEMPTY),
    DWHI_OPT_CALLBACK(0, "batch-rows", "N", "rows per batch of the run (default 5000)", &A.batch_rows, dwhi_cli_opt_positive_int, .unit = "rows"),
    DWHI_OPT_FLAG(0, "json", "print {\"job_id\", \"entry\"} instead of the job id", &A.json),
    DWHI_OPT_HELP(),
    DWHI_OPT_END(),
};

static int cmd_enqueue(const dwhi_cli_invocation *inv) {
    char *text = NULL, *err = NULL, *entry = NULL;
    size_t len = 0;
    int e = 0, rc = DWHI_EXIT_OK;
    json_object *config = NULL, *job = NULL;
    dwhi_queue *q = NULL;
    dwhi_read_status st = dwhi_read_whole_file(A.config, (size_t)4 << 20, &text, &len, &e);
    if (st != DWHI_READ_OK) {
        fprintf(stderr, "dwhost: enqueue: cannot read the config %s: %s\n", A.config,
                st == DWHI_READ_TOO_BIG ? "larger than 4 MiB" : st == DWHI_READ_IS_DIR ? "a directory" : strerror(e));
        return DWHI_EXIT_CONFIG;
    }
    config = json_tokener_parse(text);
    free(text);
    if (!config || !json_object_is_type(config, json_type_object)) {
        fprintf(stderr, "dwhost: enqueue: the config %s is not a JSON object; fix it (dwhost check validates it)\n",
                A.config);
        rc = DWHI_EXIT_CONFIG;
        goto out;
    }
    if (A.mode && strcmp(A.mode, "incremental") && strcmp(A.mode, "full") && strcmp(A.mode, "append")) {
        rc = dwhi_cli_usage_error("enqueue", "--mode wants incremental, full or append, got '%s'", A.mode);
        goto out;
    }
    dwhi_job_spec spec = {
        .source = inv->operand,
        .source_id = A.source_id,
        .team_id = A.team,
        .mode = A.mode,
        .config = config,
        .config_file = A.config,
        .schemas = A.schemas.v,
        .n_schemas = A.schemas.n,
    };
    if (!(job = dwhi_job_build(&spec, &err))) {
        fprintf(stderr, "dwhost: enqueue: %s\n", err ? err : "out of memory");
        rc = DWHI_EXIT_CONFIG;
        goto out;
    }
    if (A.batch_rows) json_object_object_add(job, "batch_rows", json_object_new_int(A.batch_rows));
    if (!(q = dwhi_queue_open(A.queue, NULL, &err)) || dwhi_queue_add(q, job, &entry, &err) != 0) {
        fprintf(stderr, "dwhost: enqueue: %s; the job was not queued\n", err ? err : "out of memory");
        rc = DWHI_EXIT_STATE;
        goto out;
    }
    const char *id = json_object_get_string(json_object_object_get(job, "job_id"));
    if (A.json) printf("{\"job_id\": \"%s\", \"entry\": \"%s\"}\n", id, entry);
    else printf("%s\n", id);
out:
    free(err);
    free(entry);
    dwhi_queue_close(q);
    json_object_put(job);
    json_object_put(config);
    return rc;
}

DWHI_CLI_COMMAND(enqueue, .name = "enqueue", .summary = "add a sync job to a Redis queue for `dwhost worker`s",
                 .run = cmd_enqueue, .options = options, .operand = "source",
                 .operand_missing = "which source? e.g. dwhost enqueue github --queue redis://127.0.0.1:6379 "
                                    "--config github.json",
                 .description = "Adds a job to the Redis stream dwhost:jobs (XADD) and prints its job id.  The job "
                                "holds the source, the config as written in FILE ($env/$file references are "
                                "resolved by the worker that runs it, never here), the schemas, the mode and the "
                                "team.  docs/cli/enqueue.md.",
                 .exit_status = "0 queued (the job id printed); 2 usage; 4 the config is unreadable or not a JSON "
                                "object; 7 Redis is unreachable or refused the job (nothing was queued).")
