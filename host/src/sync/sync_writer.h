/*
 * sync_writer.h -- a run's batches committed on a thread of their own, so
 * the plugin fetches and parses the next pages while SQLite writes the
 * last ones: both cores at work.
 *
 * Nothing about what is committed changes: sync_commit_batch commits each
 * batch with its resume state in one transaction, one batch at a time and
 * in order.  The producer hands a batch over (a copy: its rows, cells,
 * texts and the key names as they were) and goes on filling the next;
 * handing over waits while the previous batch is still being written, so
 * at most two batches exist.  A failed commit is seen at the next hand-over
 * or drain, which then returns -1 with the job's failure set; the producer
 * stops the run, and nothing after the failed batch is committed.  Crash
 * and cancel behave as before: a kill loses at most the batches not yet
 * committed, which the next run re-reads from the last committed state.
 *
 * Used for the pull only (sync_schema.c): the webhook drain commits
 * synchronously, and the producer drains the writer before any other use
 * of the warehouse connection (the last batch, the final commit).
 */
#ifndef DWHI_SYNC_WRITER_H
#define DWHI_SYNC_WRITER_H

#include "rows/batcher.h"
#include "sync_int.h"

typedef struct sync_writer sync_writer;

/* Starts the writer thread for `j` (borrowed; outlives the writer).  NULL
 * when the thread cannot be made: commit synchronously then. */
sync_writer *sync_writer_start(sync_job *j);
/* Hands batch `b`, cut from `src` and not yet released, over once the
 * batch before it is committed: the writer takes src's arrays in exchange
 * for its previous ones when b is all src holds (dwhi_batcher_trade), and
 * copies b otherwise (also when src is NULL); b is borrowed for the call.
 * 0, or -1 when an earlier commit failed or memory ran out (the job's
 * failure says why). */
int sync_writer_put(sync_writer *w, dwhi_batcher *src, const dwhi_batch *b);
/* Waits until every batch handed over is committed.  0, or -1 when one
 * failed.  NULL w: 0. */
int sync_writer_drain(sync_writer *w);
/* Drains, stops the thread and frees the writer.  NULL: nothing. */
void sync_writer_stop(sync_writer *w);

/* Cuts the job's batches while its buffer is full and hands each to its
 * writer (j->writer), or commits it here when there is none.  Used by the
 * pull (sync_schema.c) and the webhook drain (sync_webhook.c).  Returns 0
 * or -1 after sync_fail(). */
int sync_flush_full(sync_job *j);

#endif
