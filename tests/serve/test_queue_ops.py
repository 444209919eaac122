#!/usr/bin/env python3
"""`dwhost enqueue`, `worker` and `jobs` on a real redis-server (SQLite
warehouses):
  - enqueue with Redis down: one line, exit 7, nothing queued;
  - `dwhost jobs` (text and --json) lists a queued job without its config;
    the job keeps $env references as written (no resolved secret in Redis);
  - a worker started while Redis is down says so in one line, retries,
    and runs the queued job once Redis comes up; SIGTERM: exit 0;
  - an idle worker waits in a blocking XREADGROUP (not on a timer): a job
    enqueued starts at once, SIGTERM still stops it within 2 s;
  - a job that fails every attempt goes to the dead-letter stream after
    --max-attempts, with its attempts and error; `jobs` lists it as failed;
  - a limit of one run per source across two workers is never exceeded,
    and every job still ends done;
  - SIGTERM mid-run: the run commits and stops, the job is queued again and
    another worker finishes it (every row once), resuming from the state
    it kept in Redis (--state);
  - Redis stops answering while a run goes on: one line, the run ends, and
    its job is acknowledged once Redis answers again;
  - `dwhost serve --queue`: POST /v1/syncs queues a job a worker runs;
  - `dwhost requeue`: dead-letter jobs (by job id, --all) back to the queue
    as new jobs at attempt 1, a worker runs them, every row once; an
    unknown id: one line, exit 1."""
import json
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servetest import Service, check, done, env, table_ids, tmpdir  # noqa: E402
from queuetest import Worker, children, enqueue, jobs, jobs_json, kill_all, requeue, wait_drained  # noqa: E402
from redis_server import RedisServer, free_port  # noqa: E402

d = tmpdir()


def config(name, **cfg):
    path = os.path.join(d, name + ".json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    return path


try:
    # ---- enqueue with Redis down ---------------------------------------------------
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    ok_cfg = config("ok", total_rows=30, page_rows=10, secret={"$env": "PAGER_SECRET"})
    rc, out, err = enqueue(url, "pager", ok_cfg)
    check(rc == 7 and out == "" and len(err.splitlines()) == 1 and f"Redis at 127.0.0.1:{port}/0 is unreachable" in err
          and "the job was not queued" in err, f"enqueue with Redis down: {rc} {out!r} {err!r}")

    # ---- a worker started while Redis is down ------------------------------------------
    db = os.path.join(d, "down.db")
    w = Worker(url, db, "--consumer", "early", environ=env(PAGER_SECRET="s3cr3t-value"))
    check(w.wait_line("is unreachable", timeout=30), f"the worker said nothing about Redis being down: {w.log()}")
    time.sleep(4)  # a few retries (1 s, 2 s, ...): still one line
    down_lines = [l for l in w.lines if "unreachable" in l]
    check(len(down_lines) == 1 and "retrying with backoff" in down_lines[0],
          f"Redis down: want one line, got {down_lines}")
    check(w.p.poll() is None, "the worker exited while Redis was down")
    with RedisServer(port=port) as r:
        rc, job_id, err = enqueue(url, "pager", ok_cfg, "--source-id", "early")
        check(rc == 0 and len(job_id) == 36, f"enqueue: {rc} {job_id!r} {err}")
        check(w.wait_line(f"job {job_id} done", timeout=60), f"the job did not run once Redis came up: {w.log()}")
        check(any("answers again" in l or "taking jobs from" in l for l in w.lines), f"no line when Redis came up: "
                                                                                      f"{w.log()}")
        check(table_ids(db, "pager_items") == list(range(1, 31)), f"rows: {table_ids(db, 'pager_items')}")
        check(w.stop() == 0, f"SIGTERM of an idle worker: exit status {w.p.returncode}: {w.log()}")
        check(any("stopped" in l for l in w.lines), f"no stop line: {w.log()}")

    with RedisServer() as r:
        # ---- jobs: a queued job, its $env reference kept ---------------------------------
        rc, job_id, err = enqueue(r.url, "pager", ok_cfg, "--team", "acme", "--source-id", "listed")
        check(rc == 0, f"enqueue: {err}")
        raw = r.command("XRANGE", "dwhost:jobs", "-", "+")
        text = json.dumps(raw)
        check("PAGER_SECRET" in text and "s3cr3t" not in text, f"the job in Redis: {text}")
        rc, out, err = jobs(r.url)
        check(rc == 0 and "queued: 1" in out and job_id in out and "team acme" in out and "source id listed" in out
              and "running: 0" in out and "failed: 0" in out and "PAGER_SECRET" not in out, f"jobs: {rc} {out} {err}")
        doc = jobs_json(r.url)
        check(len(doc["queued"]) == 1 and doc["queued"][0]["job"]["job_id"] == job_id
              and "config" not in doc["queued"][0]["job"] and doc["queued"][0]["attempt"] == 1,
              f"jobs --json: {doc}")
        rc, out, err = jobs(f"redis://127.0.0.1:{free_port()}/0")
        check(rc == 7 and len(err.splitlines()) == 1 and "unreachable" in err, f"jobs with Redis down: {rc} {err}")
        r.command("DEL", "dwhost:jobs")

        # ---- an idle worker waits on Redis for a job (XREADGROUP ... BLOCK) ---------------
        db = os.path.join(d, "idle.db")
        w = Worker(r.url, db, "--consumer", "idle")
        check(w.wait_line("taking jobs from", timeout=30), f"idle: the worker did not start: {w.log()}")
        blocked, info, deadline = 0, "", time.time() + 5
        while time.time() < deadline and not blocked:
            info = r.command("INFO", "clients")
            blocked = int(re.search(r"blocked_clients:(\d+)", info).group(1))
            time.sleep(0.02)
        check(blocked >= 1, f"idle: no client waits in a blocking XREADGROUP: {info}")
        quick = config("quick", total_rows=10, page_rows=10)
        t0 = time.time()
        rc, quick_id, err = enqueue(r.url, "pager", quick, "--source-id", "quick")
        check(rc == 0 and w.wait_line(f"job {quick_id} (entry", timeout=30), f"idle: the job did not start: {w.log()}")
        took = time.time() - t0
        check(took < 3, f"idle: the job started {took:.1f} s after it was enqueued")
        check(w.wait_line(f"job {quick_id} done", timeout=60), f"idle: the job did not end: {w.log()}")
        time.sleep(1.5)  # idle again, waiting on Redis
        t0 = time.time()
        rc = w.stop(timeout=30)
        took = time.time() - t0
        check(rc == 0 and took < 2, f"SIGTERM of a worker waiting on Redis: exit {rc} after {took:.1f} s: {w.log()}")

        # ---- the dead-letter stream ------------------------------------------------------
        db = os.path.join(d, "dead.db")
        bad_cfg = config("bad", total_rows=100, page_rows=10, fail_after_pages=1)
        rc, bad_id, err = enqueue(r.url, "pager", bad_cfg, "--source-id", "doomed")
        w = Worker(r.url, db, "--max-attempts", "2")
        deadline = time.time() + 90
        doc = jobs_json(r.url)
        while time.time() < deadline and not doc["failed"]:
            time.sleep(0.2)
            doc = jobs_json(r.url)
        check(len(doc["failed"]) == 1 and doc["failed"][0]["job"]["job_id"] == bad_id
              and doc["failed"][0]["attempts"] == 2 and "simulated outage" in (doc["failed"][0]["error"] or "")
              and not doc["queued"] and not doc["running"], f"dead letter: {doc}")
        check(sum(f"job {bad_id} failed its attempt 1 of 2" in l for l in w.lines) == 1 and
              sum(f"job {bad_id} failed its attempt 2 of 2 and goes to dwhost:jobs:dead" in l for l in w.lines) == 1,
              f"dead letter: the worker's lines: {w.log()}")
        rc, out, err = jobs(r.url)
        check("failed: 1" in out and bad_id in out and "attempts 2" in out and "simulated outage" in out,
              f"jobs with a dead letter: {out}")
        check(w.stop() == 0, "SIGTERM after the dead letter")

        # ---- limits: one pager run at a time across two workers ------------------------------
        db = os.path.join(d, "limits.db")
        limits = config("limits", sources={"pager": 1})
        slow = config("slow", total_rows=100, page_rows=10, delay_ms=30)
        ids = [enqueue(r.url, "pager", slow, "--source-id", f"lim{i}")[1] for i in range(3)]
        ws = [Worker(r.url, db, "--limits", limits, "--concurrency", "2", "--consumer", f"l{i}") for i in range(2)]
        most = 0
        deadline = time.time() + 180
        while time.time() < deadline:
            most = max(most, sum(len(children(x.p.pid)) for x in ws))
            if all(any(f"job {i} done" in l for x in ws for l in x.lines) for i in ids):
                break
            time.sleep(0.02)
        check(all(any(f"job {i} done" in l for x in ws for l in x.lines) for i in ids),
              f"limits: not every job ended: {[x.log() for x in ws]}")
        check(most == 1, f"limits: {most} runs at once, want 1")
        check(any("waits: source:pager has as many runs as its limit" in l for x in ws for l in x.lines),
              f"limits: no job waited: {[x.log() for x in ws]}")
        check(table_ids(db, "pager_items") == list(range(1, 101)), "limits: rows")
        for x in ws:
            check(x.stop() == 0, f"limits: SIGTERM: {x.log()}")
        bad = config("badlimits", teams={"acme": 0})
        b = Worker(r.url, db, "--limits", bad)
        check(b.p.wait(timeout=30) == 2 and b.stop() == 2 and any("--limits" in l and "whole number" in l for l in b.lines),
              f"a bad limits file: {b.p.returncode} {b.log()}")

        # ---- SIGTERM mid-run: the job is queued again and finished by another ----------------
        db = os.path.join(d, "term.db")
        longer = config("longer", total_rows=600, page_rows=10, delay_ms=30)
        rc, term_id, err = enqueue(r.url, "pager", longer, "--source-id", "term", "--batch-rows", "50")
        a = Worker(r.url, db, "--consumer", "a", "--state", r.url)
        check(a.wait_line(f"job {term_id} (entry", timeout=60), f"worker a did not take the job: {a.log()}")
        deadline = time.time() + 60
        while time.time() < deadline and len(table_ids(db, "pager_items")) < 100:
            time.sleep(0.05)
        check(a.stop() == 0, f"SIGTERM mid-run: exit status {a.p.returncode}")
        check(any(f"job {term_id} queued again" in l for l in a.lines), f"SIGTERM: the job was not queued again: "
                                                                         f"{a.log()}")
        n = len(table_ids(db, "pager_items"))
        check(0 < n < 600, f"SIGTERM: {n} rows committed before the stop")
        check(r.command("KEYS", "dwhost:resumable:*"), "SIGTERM: the run's resume state is not in Redis (--state)")
        doc = jobs_json(r.url)
        check(len(doc["queued"]) == 1 and doc["queued"][0]["job"]["job_id"] == term_id and
              doc["queued"][0]["attempt"] == 1, f"SIGTERM: the queue after the stop: {doc}")
        b = Worker(r.url, db, "--consumer", "b", "--state", r.url)
        check(b.wait_line(f"job {term_id} done", timeout=120), f"worker b did not finish the job: {b.log()}")
        check(table_ids(db, "pager_items") == list(range(1, 601)), "SIGTERM: rows after the takeover")
        check(b.stop() == 0, "SIGTERM of worker b")

        # ---- Redis stops answering mid-way: one line, the outcome recorded when it is back ----
        db = os.path.join(d, "pause.db")
        mid = config("mid", total_rows=300, page_rows=10, delay_ms=20)
        rc, mid_id, err = enqueue(r.url, "pager", mid, "--source-id", "mid")
        w = Worker(r.url, db, "--lease-timeout", "3")
        check(w.wait_line(f"job {mid_id} (entry", timeout=60), f"pause: the job did not start: {w.log()}")
        r.pause()
        try:
            check(w.wait_line(f"job {mid_id} done", timeout=60), f"pause: the run did not end: {w.log()}")
            check(w.wait_line("did not answer within", timeout=30), f"pause: no line about Redis: {w.log()}")
            time.sleep(4)
        finally:
            r.resume()
        check(w.wait_line("answers again", timeout=60), f"pause: Redis back, no line: {w.log()}")
        lines = [l for l in w.lines if "did not answer within" in l or "unreachable" in l]
        check(len(lines) == 1 and "retrying with backoff" in lines[0], f"pause: want one line, got {lines}")
        doc = wait_drained(r.url, timeout=30)
        check(not doc["queued"] and not doc["running"], f"pause: the job was not acknowledged: {doc}")
        check(table_ids(db, "pager_items") == list(range(1, 301)), "pause: rows")
        check(w.stop() == 0, "pause: SIGTERM")

        # ---- serve --queue -----------------------------------------------------------------
        db = os.path.join(d, "serve.db")
        s = Service(db, "--queue", r.url)
        st, doc, _ = s.post("/v1/syncs", {"source": "pager", "source_id": "served", "config": {"total_rows": 20}})
        check(st == 202 and doc.get("queued") is True and len(doc.get("job_id", "")) == 36, f"serve --queue: {st} {doc}")
        listing = jobs_json(r.url)
        check([j["job"]["job_id"] for j in listing["queued"]] == [doc.get("job_id")], f"serve --queue: {listing}")
        st, bad, _ = s.post("/v1/syncs", {"source": "pager", "mode": "sideways"})
        check(st == 400 and "mode" in bad.get("error", ""), f"serve --queue, a bad mode: {st} {bad}")
        w = Worker(r.url, db)
        check(w.wait_line(f"job {doc.get('job_id')} done", timeout=60), f"serve --queue: not run: {w.log()}")
        check(table_ids(db, "pager_items") == list(range(1, 21)), "serve --queue: rows")
        check(w.stop() == 0, "SIGTERM")
        check(s.stop() == 0, "serve stop")
        doc = wait_drained(r.url, timeout=10)
        check(not doc["queued"] and not doc["running"] and len(doc["failed"]) == 1, f"at the end: {doc}")

    # ---- requeue: failed jobs back from the dead-letter stream --------------------------------
    with RedisServer() as r:
        db = os.path.join(d, "requeue.db")
        gone = os.path.join(d, "no-such-dir", "w.db")  # a warehouse the first worker cannot open
        a_cfg = config("requeue_a", total_rows=40, page_rows=10)
        b_cfg = config("requeue_b", total_rows=20, page_rows=10, start_id=1000)
        _, a_id, _ = enqueue(r.url, "pager", a_cfg, "--source-id", "again-a", "--mode", "append")
        _, b_id, _ = enqueue(r.url, "pager", b_cfg, "--source-id", "again-b", "--mode", "append")
        w = Worker(r.url, gone, "--max-attempts", "1")
        deadline = time.time() + 90
        doc = jobs_json(r.url)
        while time.time() < deadline and len(doc["failed"]) < 2:
            time.sleep(0.2)
            doc = jobs_json(r.url)
        check([f["job"]["job_id"] for f in doc["failed"]] == [a_id, b_id], f"requeue: not dead-lettered: {doc}")
        check(w.stop() == 0, "requeue: SIGTERM of the first worker")
        rc, out, err = requeue(r.url, "no-such-job")
        check(rc == 1 and out == "" and len(err.splitlines()) == 1
              and "no job no-such-job in the dead-letter stream dwhost:jobs:dead" in err,
              f"requeue an unknown id: {rc} {out!r} {err!r}")
        rc, out, err = requeue(r.url)
        check(rc == 2 and "give its id" in err, f"requeue without an id: {rc} {err!r}")
        rc, out, err = requeue(r.url, a_id, "--all")
        check(rc == 2 and "not both" in err, f"requeue an id and --all: {rc} {err!r}")
        rc, out, err = requeue(r.url, a_id)
        new_a = out.strip()
        check(rc == 0 and len(new_a) == 36 and new_a != a_id and err == "", f"requeue {a_id}: {rc} {out!r} {err!r}")
        doc = jobs_json(r.url)
        check([f["job"]["job_id"] for f in doc["failed"]] == [b_id] and len(doc["queued"]) == 1
              and doc["queued"][0]["job"]["job_id"] == new_a and doc["queued"][0]["attempt"] == 1
              and doc["queued"][0]["job"].get("requeued_from") == a_id
              and doc["queued"][0]["job"].get("source_id") == "again-a", f"requeue: the queue after it: {doc}")
        rc, out, err = requeue(r.url, a_id)
        check(rc == 1 and "no job" in err, f"requeue the same job twice: {rc} {err!r}")
        rc, out, err = requeue(r.url, "--all", "--json")
        moved = [json.loads(l) for l in out.splitlines()]
        check(rc == 0 and [m["requeued_from"] for m in moved] == [b_id], f"requeue --all: {rc} {out!r} {err!r}")
        new_b = moved[0]["job_id"] if moved else "?"
        doc = jobs_json(r.url)
        check(not doc["failed"] and [q["job"]["job_id"] for q in doc["queued"]] == [new_a, new_b],
              f"requeue --all: the queue after it: {doc}")
        rc, out, err = requeue(r.url, "--all")
        check(rc == 0 and out == "" and "is empty" in err, f"requeue --all with nothing dead: {rc} {out!r} {err!r}")
        # a worker whose warehouse is there runs both: every row once
        w = Worker(r.url, db)
        check(w.wait_line(f"job {new_a} done", timeout=60) and w.wait_line(f"job {new_b} done", timeout=60),
              f"requeue: the requeued jobs did not run: {w.log()}")
        ids = table_ids(db, "pager_items")
        check(ids == list(range(1, 41)) + list(range(1000, 1020)), f"requeue: rows {ids}")
        check(w.stop() == 0, "requeue: SIGTERM")
        doc = wait_drained(r.url, timeout=10)
        check(not doc["queued"] and not doc["running"] and not doc["failed"], f"requeue: at the end: {doc}")
finally:
    kill_all()
done("queue_ops")
