#!/usr/bin/env python3
"""Three `dwhost worker`s on one Redis queue write into one PostgreSQL
warehouse; the worker running a job is killed with SIGKILL mid-job.  Its
job is taken over by another worker after the lease timeout (XAUTOCLAIM)
and resumes from its last commit: in the end every row of every job is in
PostgreSQL exactly once (append mode, so a replayed batch would show as a
duplicate), nothing is left queued, running or failed."""
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servetest import check, done, tmpdir  # noqa: E402
from queuetest import Worker, children, enqueue, jobs_json, kill_all, wait_drained  # noqa: E402
from redis_server import RedisServer  # noqa: E402
from pg_server import PgServer  # noqa: E402

TOTAL = 400
JOBS = {"q1": 1, "q2": 100001, "q3": 200001}  # source id -> first row id


def count_rows(pg):
    try:
        return int(pg.query("SELECT count(*) FROM pager_items")[0][0])
    except RuntimeError:  # not created yet
        return 0


def main(r, pg):
    d = tmpdir()
    for sid, start in JOBS.items():
        cfg = os.path.join(d, f"{sid}.json")
        with open(cfg, "w") as f:
            json.dump({"total_rows": TOTAL, "page_rows": 10, "delay_ms": 40, "start_id": start}, f)
        rc, out, err = enqueue(r.url, "pager", cfg, "--source-id", sid, "--mode", "append", "--batch-rows", "50")
        check(rc == 0 and len(out) == 36, f"enqueue {sid}: {rc} {out!r} {err}")
    names = ["w1", "w2", "w3"]
    ws = [Worker(r.url, pg.url, "--consumer", n, "--lease-timeout", "3") for n in names]

    def under_way(w):
        """The job id w is running now (started, not done, its process alive), or None."""
        started = [l.split("job ", 1)[1].split(" ", 1)[0] for l in w.lines if " runs as run " in l]
        if not started or any(f"job {started[-1]} done" in l for l in w.lines) or not children(w.p.pid):
            return None
        return started[-1]

    # the victim: a worker with a job under way once some batches are committed
    victim, taken = None, None
    deadline = time.time() + 120
    while victim is None and time.time() < deadline:
        if count_rows(pg) >= 100:
            for w in ws:
                if under_way(w):
                    victim, taken = w, under_way(w)
                    break
        time.sleep(0.05)
    if not check(victim is not None, "no worker got a job under way within 120 s"):
        return
    victim.p.send_signal(signal.SIGKILL)
    victim.p.wait()
    doc = jobs_json(r.url)
    running = [j for j in doc["running"] if j["job"]["job_id"] == taken]
    check(len(running) == 1 and running[0]["consumer"] == names[ws.index(victim)],
          f"after kill -9 the job is not pending with the dead worker: {doc['running']}")
    doc = wait_drained(r.url, timeout=240)
    check(doc is not None and not doc["queued"] and not doc["running"] and not doc["failed"],
          f"the queue is not drained: {json.dumps(doc)[:2000]}")
    others = [w for w in ws if w is not victim]
    took_over = [l for w in others for l in w.lines if f"job {taken} " in l and "taken over from a silent worker" in l]
    check(len(took_over) == 1, f"job {taken}: taken over {len(took_over)} times: "
                               f"{[w.log() for w in others]}")
    check(any(f"job {taken} done" in l for w in others for l in w.lines), f"job {taken} was not finished by another")
    ids = [int(x[0]) for x in pg.query("SELECT id FROM pager_items ORDER BY id")]
    want = sorted(i for s in JOBS.values() for i in range(s, s + TOTAL))
    check(ids == want, f"PostgreSQL holds {len(ids)} rows ({len(set(ids))} distinct), want {len(want)} once each")
    for w in others:
        check(w.stop() == 0, f"SIGTERM of a worker: {w.log()[-2000:]}")


with RedisServer() as r, PgServer() as pg:
    try:
        main(r, pg)
    finally:
        kill_all()
done("queue_kill")
