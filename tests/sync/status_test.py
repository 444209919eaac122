"""status_test.py -- `dwhost status` as an operator uses it: which jobs a
warehouse records, which one runs now (pid, host), which was interrupted
(and resumes on the next sync), their watermarks; read-only, so it works
while a sync runs and never creates a warehouse."""
import json
import os
import socket
import time

from synctest import check, done, query, run, start, sync_args, tmpdir, write_config

TOTAL = 300


def status(db, *extra):
    rc, out, err = run(["status", "--warehouse", db, *extra])
    return rc, out, err


def jobs(db):
    rc, out, err = status(db, "--json")
    check(rc == 0, f"status --json: exit {rc}: {err}")
    return json.loads(out)["jobs"] if rc == 0 else []


def wait_for(cond, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return False


d = tmpdir()
db = os.path.join(d, "w.db")

# ---- no warehouse: one line, exit 8, nothing created ----------------------
rc, out, err = status(db)
check(rc == 8 and err.strip() == f"dwhost: status: no warehouse at {db}; sync into it first, or pass --warehouse"
      and out == "", f"missing: exit {rc}: {err!r}")
check(not os.path.exists(db), "status created the warehouse")
notdb = os.path.join(d, "notes.txt")
with open(notdb, "w") as f:
    f.write("hello, not a database\n" * 100)
rc, out, err = status(notdb)
check(rc == 8 and "cannot be read: file is not a database" in err, f"not a db: exit {rc}: {err!r}")
rc, out, err = run(["status", "--bogus"])
check(rc == 2 and "unknown argument '--bogus'" in err, f"usage: exit {rc}: {err!r}")

# ---- after a sync: idle, with its watermark ---------------------------------
cfg = write_config(d, total_rows=TOTAL, page_rows=20)
rc, out, err = run(sync_args(cfg, db, "--job-id", "first"))
check(rc == 0, f"sync: exit {rc}: {err}")
j = jobs(db)
check(len(j) == 1 and j[0]["source_id"] == "pager" and j[0]["schema"] == "items" and j[0]["status"] == "idle"
      and j[0]["last_value"] == TOTAL and j[0]["last_job_id"] == "first" and j[0]["lease"] is None
      and j[0]["write_mode"] is None and j[0]["webhooks_pending"] == 0, f"idle: {j}")
rc, out, err = status(db)
lines = out.splitlines()
check(rc == 0 and lines[0].split()[:4] == ["JOB", "TEAM", "STATUS", "LAST"] and "pager/items" in lines[1]
      and " idle " in lines[1] and f" {TOTAL} " in lines[1], f"idle table: {out!r}")

# ---- a namespace is its own job ----------------------------------------------
rc, out, err = run(sync_args(cfg, db, "--state-namespace", "blue"))
rc, out, err = status(db)
check(rc == 0 and any("pager/items [blue]" in l for l in out.splitlines()), f"namespace: {out!r}")
check(sorted(x["namespace"] or "" for x in jobs(db)) == ["", "blue"], "namespace in --json")

# ---- while a sync runs: running, with its pid and host -------------------------
d2 = tmpdir()
db2 = os.path.join(d2, "w.db")
slow = write_config(d2, total_rows=TOTAL, page_rows=10, delay_ms=60)
p = start(sync_args(slow, db2, "--batch-rows", "20", "--job-id", "slow-1", "--mode", "append"))


def running(db):
    """The jobs shown as running (none while the warehouse is not there yet)."""
    rc, out, err = status(db, "--json")
    return [x for x in json.loads(out)["jobs"] if x["status"] == "running"] if rc == 0 else []


check(wait_for(lambda: running(db2)), "running: never shown as running")
# (shown from its lease on, before its first commit) -- then with a commit
check(wait_for(lambda: any(x["write_mode"] == "append" for x in running(db2))), "running: no commit seen")
j = [x for x in jobs(db2) if x["status"] == "running"]
check(j and j[0]["lease"]["job_id"] == "slow-1" and j[0]["lease"]["pid"] == p.pid
      and j[0]["lease"]["host"] == socket.gethostname() and j[0]["write_mode"] == "append",
      f"running: {j}")
rc, out, err = status(db2)
check(rc == 0 and f"job slow-1, pid {p.pid} on {socket.gethostname()}" in out, f"running table: {out!r}")

# ---- killed: interrupted, and the next sync resumes it ------------------------
p.kill()
p.communicate()
j = jobs(db2)
check(len(j) == 1 and j[0]["status"] == "interrupted" and j[0]["lease"] is None and j[0]["run_rows"] > 0,
      f"interrupted: {j}")
rc, out, err = status(db2)
check("interrupted" in out and "append run stopped after" in out and "the next sync resumes it" in out,
      f"interrupted table: {out!r}")
rc, out, err = run(sync_args(slow, db2, "--batch-rows", "20", "--mode", "append"))
check(rc == 0 and "(resumed)" in out, f"resume: exit {rc}: {out}")
check(jobs(db2)[0]["status"] == "idle", "after the resumed run: not idle")
check(query(db2, "SELECT count(*), count(DISTINCT id) FROM pager_items") == [(TOTAL, TOTAL)], "rows after resume")
done()
