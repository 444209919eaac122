"""lease_test.py -- one running sync per job (docs/concepts/state-and-resume.md#one-run-per-job),
with real concurrent dwhost processes:
  - a second run of a running job fails at once (exit 12, one line naming
    the job, its pid and host) and writes nothing; the first is unharmed
  - a dead owner (SIGKILLed) is taken over at once, with a log line
  - a live owner on another host is respected until its heartbeat is older
    than the lease timeout, or --break-lease
  - a run that was stalled past the timeout and taken over cannot commit
    when it wakes up
  - the same with --state redis:// (SET NX PX)."""
import json
import os
import signal
import socket
import sqlite3
import time

from synctest import check, done, env, query, run, start, sync_args, tmpdir, write_config
from redis_server import RedisServer  # noqa: E402

TOTAL = 300
SLOW = {"total_rows": TOTAL, "page_rows": 10, "delay_ms": 60}  # ~2 s


def one_line(err):
    lines = [l for l in err.splitlines() if l.startswith("dwhost: sync:")]
    return lines[-1] if lines else ""


def lease_row(db):
    try:
        r = query(db, "SELECT job_id, host, pid, heartbeat_ms FROM _dw_lease WHERE schema_name = 'items'")
    except sqlite3.OperationalError:
        return None
    return r[0] if r else None


def wait_for(cond, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return False


def counts(db):
    return query(db, "SELECT count(*), count(DISTINCT id) FROM pager_items")[0]


def committed(db):
    try:
        return counts(db)[0] > 0
    except sqlite3.OperationalError:
        return False


# ---- two overlapping runs (append: a second run would duplicate rows) -----
d = tmpdir()
cfg = write_config(d, **SLOW)
db = os.path.join(d, "w.db")
a = start(sync_args(cfg, db, "--mode", "append", "--batch-rows", "20", "--job-id", "job-a"))
check(wait_for(lambda: committed(db)), "overlap: the first run committed nothing")
t0 = time.time()
rc, out, err = run(sync_args(cfg, db, "--mode", "append", "--batch-rows", "20", "--job-id", "job-b"))
took = time.time() - t0
line = one_line(err)
check(rc == 12, f"overlap: second run exit {rc}, want 12: {err}")
check(took < 1.5, f"overlap: the second run took {took:.1f} s to give up")
check(f"pager/items is already running (job job-a, pid {a.pid} on {socket.gethostname()}, since " in line
      and "--break-lease" in line, f"overlap: message {line!r}")
check(err.count("already running") == 1, f"overlap: the error is printed more than once: {err}")
aout, aerr = a.communicate(timeout=60)
check(a.returncode == 0, f"overlap: the first run exit {a.returncode}: {aerr}")
check(counts(db) == (TOTAL, TOTAL), f"overlap: rows {counts(db)}, want {TOTAL} distinct")
check(lease_row(db) is None, "overlap: the lease was not released at the end")
rc, out, err = run(sync_args(cfg, db, "--mode", "append", "--job-id", "job-c"))
check(rc == 0, f"after: a later run exit {rc}: {err}")

# ---- --json says why ------------------------------------------------------
d = tmpdir()
cfg = write_config(d, **SLOW)
db = os.path.join(d, "w.db")
a = start(sync_args(cfg, db, "--batch-rows", "20"))
check(wait_for(lambda: lease_row(db) is not None), "json: no lease row while running")
rc, out, err = run(sync_args(cfg, db, "--json"))
doc = json.loads(out)
check(rc == 12 and doc["failure"] == "running" and doc["exit_code"] == 12
      and doc["schemas"][0]["status"] == "not run", f"json: {rc} {out}")
a.communicate(timeout=60)
check(a.returncode == 0, "json: the first run failed")

# ---- a dead owner (SIGKILL) is taken over at once -------------------------
d = tmpdir()
cfg = write_config(d, **SLOW)
db = os.path.join(d, "w.db")
a = start(sync_args(cfg, db, "--mode", "append", "--batch-rows", "20"))
check(wait_for(lambda: committed(db)), "dead: the first run committed nothing")
a.kill()
a.communicate()
check(lease_row(db) is not None and lease_row(db)[2] == a.pid, "dead: the killed run's lease is not in the table")
rc, out, err = run(sync_args(cfg, db, "--mode", "append", "--log-format", "text", "--log-level", "info"))
check(rc == 0, f"dead: rerun exit {rc}: {err}")
check("taking over pager/items from job" in err and "its process is gone" in err, f"dead: no takeover line: {err}")
check(counts(db) == (TOTAL, TOTAL), f"dead: rows {counts(db)}")


# ---- another host's lease: respected while its heartbeat is fresh ----------
def fake_lease(db, heartbeat_ms, host="other-host", pid=4242):
    con = sqlite3.connect(db)
    con.execute("INSERT OR REPLACE INTO _dw_lease VALUES ('local', 'pager', 'items', '', 'job-x', ?, ?, 0,"
                " '2024-05-01T10:00:00Z', ?)", (host, pid, heartbeat_ms))
    con.commit()
    con.close()


d = tmpdir()
cfg = write_config(d, total_rows=50, page_rows=10)
db = os.path.join(d, "w.db")
rc, out, err = run(sync_args(cfg, db))
check(rc == 0, f"remote: first sync exit {rc}")
fake_lease(db, int(time.time() * 1000))
e = env(DWHOST_TEST_LEASE_TIMEOUT_MS=3000)
rc, out, err = run(sync_args(cfg, db), environ=e)
check(rc == 12 and "(job job-x, pid 4242 on other-host, since 2024-05-01T10:00:00Z)" in one_line(err),
      f"remote live: exit {rc}: {one_line(err)}")
fake_lease(db, int(time.time() * 1000) - 10000)  # silent for 10 s > 3 s
rc, out, err = run(sync_args(cfg, db, "--log-format", "text"), environ=e)
check(rc == 0 and "its heartbeat stopped" in err, f"remote stale: exit {rc}: {err}")
fake_lease(db, int(time.time() * 1000))
rc, out, err = run(sync_args(cfg, db, "--break-lease", "--log-format", "text"), environ=e)
check(rc == 0 and "--break-lease" in err and lease_row(db) is None, f"break-lease: exit {rc}: {err}")

# ---- a stalled run loses its lease and cannot commit after waking up -------
d = tmpdir()
cfg = write_config(d, **SLOW)
db = os.path.join(d, "w.db")
e = env(DWHOST_TEST_LEASE_TIMEOUT_MS=800)
a = start(sync_args(cfg, db, "--mode", "append", "--batch-rows", "20"), environ=e)
check(wait_for(lambda: committed(db)), "stalled: nothing committed")
os.kill(a.pid, signal.SIGSTOP)
time.sleep(1.2)  # the heartbeat is now older than the timeout
b = start(sync_args(cfg, db, "--mode", "append", "--batch-rows", "20", "--log-format", "text"), environ=e)
check(wait_for(lambda: lease_row(db) is not None and lease_row(db)[2] == b.pid), "stalled: B did not take over")
os.kill(a.pid, signal.SIGCONT)
aout, aerr = a.communicate(timeout=60)
bout, berr = b.communicate(timeout=60)
check(a.returncode == 12 and "lost its lease" in one_line(aerr) and "nothing of this batch was committed" in one_line(aerr),
      f"stalled: A exit {a.returncode}: {one_line(aerr)}")
check(b.returncode == 0 and "its heartbeat stopped" in berr, f"stalled: B exit {b.returncode}: {berr[-500:]}")
check(counts(db) == (TOTAL, TOTAL), f"stalled: rows {counts(db)}, want {TOTAL} distinct")

# ---- Redis: SET NX PX, renewed, released -----------------------------------
with RedisServer() as r:
    d = tmpdir()
    cfg = write_config(d, **SLOW)
    db = os.path.join(d, "w.db")
    key = "dwhost:lease:local:pager/items"
    a = start(sync_args(cfg, db, "--mode", "append", "--batch-rows", "20", "--state", r.url, "--job-id", "job-r"))
    check(wait_for(lambda: r.get(key) is not None), "redis: no lease key while running")
    owner = json.loads(r.get(key))
    ttl = r.command("PTTL", key)
    check(owner["job_id"] == "job-r" and owner["pid"] == a.pid and 0 < int(ttl) <= 60000, f"redis lease {owner} {ttl}")
    # the warehouse lease stops a second run first; a run on another warehouse
    # (another host's copy) is stopped by Redis alone
    rc, out, err = run(sync_args(cfg, os.path.join(d, "other.db"), "--mode", "append", "--state", r.url))
    check(rc == 12 and f"(job job-r, pid {a.pid} on" in one_line(err), f"redis overlap: exit {rc}: {one_line(err)}")
    a.communicate(timeout=60)
    check(a.returncode == 0 and r.get(key) is None, f"redis: exit {a.returncode}, key left {r.get(key)}")
    check(counts(db) == (TOTAL, TOTAL), f"redis: rows {counts(db)}")
    # jsonl + Redis: the Redis lease alone.  A job of its own (source id):
    # the runs above left a completed state under the default one, so a
    # first run there would find nothing past its watermark and end at once.
    jsonl = ["sync", "pager", "--config", cfg, "--plugin-dir", os.environ["DWHOST_BUILD_DIR"] + "/test-plugins",
             "--output", "jsonl", "--state", r.url, "--source-id", "jsonl-lease"]
    jkey = "dwhost:lease:local:jsonl-lease/items"
    check(r.get("dwhost:resumable:local:jsonl-lease/items") is None, "jsonl redis: the job already has a state")
    a = start(jsonl)
    check(wait_for(lambda: r.get(jkey) is not None), "jsonl redis: no lease key")
    rc, out, err = run(jsonl)
    check(rc == 12 and out == "", f"jsonl redis overlap: exit {rc}, {len(out)} bytes out")
    aout, _ = a.communicate(timeout=60)
    check(a.returncode == 0 and aout.count("\n") == TOTAL, f"jsonl redis: first run exit {a.returncode}, "
                                                           f"{aout.count(chr(10))} lines")
    # namespaces (docs/concepts/state-and-resume.md#state-namespaces): another namespace on the same
    # warehouse still waits (same table); on another warehouse it runs
    a = start(sync_args(cfg, db, "--batch-rows", "20", "--state", r.url, "--state-namespace", "blue"))
    check(wait_for(lambda: r.get(key + ":blue") is not None), "ns: no namespaced Redis lease key")
    rc, out, err = run(sync_args(cfg, db, "--state", r.url, "--state-namespace", "green"))
    check(rc == 12 and f"pid {a.pid} on" in one_line(err), f"ns same warehouse: exit {rc}: {one_line(err)}")
    fast = write_config(tmpdir(), total_rows=TOTAL, page_rows=100)
    rc, out, err = run(sync_args(fast, os.path.join(d, "green.db"), "--state", r.url, "--state-namespace", "green"))
    check(rc == 0 and a.poll() is None, f"ns other warehouse: exit {rc} while the first ran: {one_line(err)}")
    a.communicate(timeout=60)
    check(a.returncode == 0, "ns: the first run failed")

done()
