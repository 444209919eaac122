#!/usr/bin/env python3
"""Stopping runs without losing or duplicating a row: DELETE /v1/runs/{id}
stops a run at its next safe point, committing the rows it has with their
saved state (whole pages of the pager), and the next run
resumes; SIGTERM makes the service take no new work (503, /healthz says
draining), lets every run commit its batch and stop (one that does not
stop is killed after --stop-grace), and exit 0; a restarted service
resumes the run to the same table an uninterrupted sync gives.  A service
killed with SIGKILL leaves no worker behind: each stops by itself at its
next safe point, and the restarted service resumes."""
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servetest import Service, check, done, table_ids, tmpdir  # noqa: E402

TOTAL = 3000
SLOW = {"total_rows": TOTAL, "page_rows": 10, "delay_ms": 20}

# ---- DELETE: the run stops after a commit; the next run resumes ----------
d = tmpdir()
db = os.path.join(d, "w.db")
s = Service(db)
rid = s.sync({"source": "pager", "config": SLOW, "batch_rows": 200})
s.wait_rows(rid, 200)
st, doc, _ = s.request("DELETE", f"/v1/runs/{rid}")
check(st == 202 and doc.get("state") == "cancelling", f"DELETE: {st} {doc}")
run = s.wait_run(rid)
ids = table_ids(db, "pager_items")
n = len(ids)
check(run.get("state") == "interrupted" and run.get("failure") == "interrupted", f"cancelled run: {run}")
check(0 < n < TOTAL and n % 10 == 0 and ids == list(range(1, n + 1)),
      f"cancelled run: the table holds {n} rows ({ids[:2]}..{ids[-2:]}), want whole pages of the first ids")
check(run.get("rows") == n, f"cancelled run: it reports {run.get('rows')} rows, the table has {n}")
rid = s.sync({"source": "pager", "config": SLOW, "batch_rows": 200})
run = s.wait_run(rid, timeout=180)
rep = (run.get("report") or {}).get("schemas", [{}])[0]
check(run.get("state") == "ok" and run.get("rows") == TOTAL - n and rep.get("resumed") is True,
      f"the run after the cancel: {run.get('state')}, {run.get('rows')} rows, resumed {rep.get('resumed')}")
check(table_ids(db, "pager_items") == list(range(1, TOTAL + 1)), "after the cancel and the rerun: ids are not 1..N once")
check(s.stop() == 0, "stop after the cancel test")

# ---- SIGTERM mid-run, then a restart resumes ---------------------------------------------
d = tmpdir()
db = os.path.join(d, "w.db")
s = Service(db, "--stop-grace", "4", "--heartbeat-timeout", "120")
rid = s.sync({"source": "pager", "config": SLOW, "batch_rows": 200})
# a run that cannot stop: its plugin never returns to the host
stuck = s.sync({"source": "crasher", "source_id": "stuck",
                "config": {"crash_in": "run", "crash_how": "hang", "crash_after_pages": 0}})
s.wait_rows(rid, 200)
s.p.send_signal(signal.SIGTERM)
deadline, draining = time.time() + 3, False
while time.time() < deadline and not draining:
    st, doc, _ = s.get("/healthz")
    draining = st == 200 and doc.get("draining") is True
check(draining, "after SIGTERM, /healthz does not say draining")
st, doc, _ = s.post("/v1/syncs", {"source": "pager", "source_id": "late", "config": {}})
check(st == 503 and "shutting down" in doc.get("error", ""), f"a sync while draining: {st} {doc}")
rc = s.stop(signal.SIGTERM)  # a second SIGTERM changes nothing: it still waits for the runs
log = s.log()
check(rc == 0, f"SIGTERM: exit {rc}; {log}")
check("SIGTERM: taking no new work; 2 run(s) commit their batch and stop" in log, f"SIGTERM: the log: {log}")
check(f"run {rid} ended: interrupted" in log, f"SIGTERM: the pager run did not end interrupted: {log}")
check(f"run {stuck} ended: crashed: the worker of plugin 'crasher' was killed by SIGKILL in run(schema 'items') "
      "(it did not stop within the grace period after being asked to)" in log, f"SIGTERM: the stuck run: {log}")
ids = table_ids(db, "pager_items")
n = len(ids)
check(0 < n < TOTAL and n % 10 == 0 and ids == list(range(1, n + 1)),
      f"SIGTERM: the table holds {n} rows, want whole pages of the first ids")

s = Service(db)
st, doc, _ = s.get("/v1/jobs")
job = [j for j in doc.get("jobs", []) if j["source_id"] == "pager"]
check(st == 200 and job and job[0]["status"] == "interrupted", f"after the restart, /v1/jobs: {job}")
rid = s.sync({"source": "pager", "config": SLOW, "batch_rows": 200})
run = s.wait_run(rid, timeout=180)
rep = (run.get("report") or {}).get("schemas", [{}])[0]
check(run.get("state") == "ok" and run.get("rows") == TOTAL - n and rep.get("resumed") is True,
      f"the run after the restart: {run.get('state')}, {run.get('rows')} rows, resumed {rep.get('resumed')}")
check(table_ids(db, "pager_items") == list(range(1, TOTAL + 1)), "after SIGTERM and the restart: ids are not 1..N once")
check(s.stop() == 0, "stop")

# ---- kill -9 of the service mid-run: its worker stops by itself -------------------------
d = tmpdir()
db = os.path.join(d, "w.db")
s = Service(db)
rid = s.sync({"source": "pager", "config": SLOW, "batch_rows": 200})
s.wait_rows(rid, 200)
pid = int([l.rsplit("worker pid ", 1)[1] for l in s.lines if f"run {rid} started" in l][0])
s.kill()
deadline = time.time() + 30
while time.time() < deadline and os.path.exists(f"/proc/{pid}") and \
        open(f"/proc/{pid}/stat").read().split(")")[-1].split()[0] != "Z":
    time.sleep(0.05)
alive = os.path.exists(f"/proc/{pid}") and open(f"/proc/{pid}/stat").read().split(")")[-1].split()[0] != "Z"
check(not alive, "kill -9 of the service: its worker is still running 30 s later")
ids = table_ids(db, "pager_items")
n = len(ids)
check(0 < n < TOTAL and n % 10 == 0 and ids == list(range(1, n + 1)),
      f"kill -9: the table holds {n} rows, want whole pages of the first ids")
s = Service(db)
rid = s.sync({"source": "pager", "config": SLOW, "batch_rows": 200})
run = s.wait_run(rid, timeout=180)
check(run.get("state") == "ok" and run.get("rows") == TOTAL - n, f"the run after kill -9: {run.get('state')}, "
                                                                 f"{run.get('rows')} rows, want {TOTAL - n}")
check(table_ids(db, "pager_items") == list(range(1, TOTAL + 1)), "after kill -9 and the restart: ids are not 1..N once")
check(s.stop() == 0, "stop")


def running(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


# a worker whose plugin hangs sends nothing: it sees the service gone by its
# parent, and ends itself after the stop grace
s = Service(db, "--stop-grace", "2", "--heartbeat-timeout", "120")
rid = s.sync({"source": "crasher", "source_id": "orphan",
              "config": {"crash_in": "run", "crash_how": "hang", "crash_after_pages": 0}})
deadline = time.time() + 30
pids = []
while time.time() < deadline and not pids:
    pids = [int(l.rsplit("worker pid ", 1)[1]) for l in s.lines if f"run {rid} started" in l]
    time.sleep(0.02)
time.sleep(1)  # into the hang
s.kill()
t0 = time.time()
while time.time() - t0 < 20 and pids and running(pids[0]):
    time.sleep(0.05)
check(pids and not running(pids[0]), "kill -9 of the service: the worker of a hung plugin is still running 20 s later")
done("serve_stop")
