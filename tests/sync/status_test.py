"""status_test.py -- `dwhost status` as an operator uses it: which jobs a
warehouse records, which one runs now (pid, host), which failed (also
before ever committing) or was interrupted and the exact commands that
resume it, their last runs and watermarks; `--history`: every run, failed
and killed ones included, errors scrubbed of secrets; read-only, so it
works while a sync runs and never creates a warehouse."""
import json
import os
import shlex
import signal
import socket
import sqlite3
import time

from synctest import PLUGINS, check, done, query, run, start, sync_args, tmpdir, write_config

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
# Slow enough (about 7 s in all) that the status calls below, each a process
# of its own (slow under ASan on a loaded machine), all run before it ends;
# it is killed part way, and the resume runs at full speed.
slow = write_config(d2, total_rows=TOTAL, page_rows=10, delay_ms=250)
fast = write_config(d2, "pager-fast.json", total_rows=TOTAL, page_rows=10)
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
rc, out, err = run(sync_args(fast, db2, "--batch-rows", "20", "--mode", "append"))
check(rc == 0 and "(resumed)" in out, f"resume: exit {rc}: {out}")
check(jobs(db2)[0]["status"] == "idle", "after the resumed run: not idle")
check(query(db2, "SELECT count(*), count(DISTINCT id) FROM pager_items") == [(TOTAL, TOTAL)], "rows after resume")


# ---- the run history: every run, also failed and killed ones ------------------
def history(db, *extra):
    rc, out, err = status(db, "--history", "--json", *extra)
    check(rc == 0, f"status --history --json: exit {rc}: {err}")
    return json.loads(out)["runs"] if rc == 0 else []


runs = history(db2)
check([r["outcome"] for r in runs] == ["ok", "crashed"], f"history after kill and resume: {runs}")
if len(runs) == 2:
    ok, killed = runs
    check(killed["pid"] == p.pid and killed["host"] == socket.gethostname() and killed["ended_at"] is None
          and killed["job_id"] == "slow-1" and killed["schemas"][0]["status"] == "crashed",
          f"the killed run: {killed}")
    check(ok["rows"] == TOTAL - j[0]["run_rows"] and ok["schemas"][0]["resumed"] and ok["seconds"] is not None
          and ok["source"] == "pager" and ok["source_id"] == "pager" and ok["team_id"] == "local"
          and ok["command"][:3] == ["dwhost", "sync", "pager"] and ok["cwd"] == os.getcwd(),
          f"the resumed run: {ok}")
rc, out, err = status(db2, "--history")
lines = out.splitlines()
check(rc == 0 and lines[0].split()[:4] == ["RUN", "STARTED", "SECONDS", "SOURCE"] and " ok " in lines[1]
      and " crashed " in lines[2] and f"its process (pid {p.pid} on {socket.gethostname()}) ended without" in out,
      f"history table: {out!r}")
check(len(history(db2, "--limit", "1")) == 1, "--limit 1")
rc, out, err = status(db2, "--limit", "1")
check(rc == 2 and "--limit goes with --history" in err, f"--limit alone: exit {rc}: {err}")
rc, out, err = status(db2, "--history", "--limit", "x")
check(rc == 2 and "--limit wants a number" in err, f"--limit x: exit {rc}: {err}")

# a failing source after some commits: failed, the scrubbed error, the command
# that resumes it; the history has the same, without the secret
d3 = tmpdir()
db3 = os.path.join(d3, "w.db")
SECRET = "s3cr3t-Value-42"
bad = write_config(d3, total_rows=TOTAL, page_rows=20, fail_after_pages=3, fail_message=f"outage ({SECRET})",
                   secret=SECRET)
args = sync_args(bad, db3, "--batch-rows", "20", "--mode", "append")
rc, out, err = run(args)
check(rc == 6, f"outage: exit {rc}: {err}")
j = jobs(db3)
check(len(j) == 1 and j[0]["status"] == "failed" and j[0]["last_run"]["outcome"] == "failed"
      and j[0]["last_run"]["rows"] == 60 and j[0]["write_mode"] == "append", f"failed job: {j}")
check(j and "outage (" in (j[0]["last_run"]["error"] or "") and SECRET not in json.dumps(j),
      f"the error is not there, or not scrubbed: {j}")
check(j and j[0]["rerun"]["resume"] == shlex.join(["dwhost"] + args) and j[0]["rerun"]["restart"] is None,
      f"resume command: {j and j[0]['rerun']}")
rc, out, err = status(db3)
check(" failed " in out and "    error: outage (" in out and f"    to resume: {shlex.join(['dwhost'] + args)}" in out
      and SECRET not in out, f"failed table: {out!r}")
check(SECRET not in json.dumps(history(db3)), "the history holds the secret")
con = sqlite3.connect(db3)
dump = "\n".join(con.iterdump())
con.close()
check(SECRET not in dump, "the secret is stored in the warehouse")

# schemas that never committed: a run stopped by its options, one whose
# every schema was turned away -- both shown, with why
rc, out, err = run(sync_args(cfg, db3, "--source-id", "fresh", "--incremental-field", "nope"))
check(rc == 4, f"bad field: exit {rc}: {err}")
j = [x for x in jobs(db3) if x["source_id"] == "fresh"]
check(len(j) == 1 and j[0]["status"] == "failed" and j[0]["updated_at"] is None and j[0]["last_run"]["outcome"] == "not run"
      and "no incremental field 'nope'" in (j[0]["last_run"]["error"] or "") and j[0]["last_run"]["failure"] == "config",
      f"never committed: {j}")
rc, out, err = status(db3)
check(any("fresh/items" in l and " failed " in l and "never committed" in l for l in out.splitlines())
      and "to run it again: " in out, f"never committed table: {out!r}")

# an interrupted --full-refresh: both commands, exactly; the first resumes it
d4 = tmpdir()
db4 = os.path.join(d4, "w.db")
run(sync_args(cfg, db4))  # the table exists: the refresh is staged
slow = write_config(d4, total_rows=TOTAL, page_rows=10, delay_ms=40)
args = sync_args(slow, db4, "--full-refresh", "--batch-rows", "20")
p = start(args)
check(wait_for(lambda: (jobs(db4) or [{}])[0].get("run_rows")), "refresh: nothing committed")
p.send_signal(signal.SIGINT)
p.communicate(timeout=60)
check(p.returncode == 9, f"refresh: exit {p.returncode}")
j = jobs(db4)
want_restart = shlex.join(["dwhost"] + [a for a in args if a != "--full-refresh"] + ["--schema", "items",
                                                                                      "--restart-refresh"])
check(len(j) == 1 and j[0]["status"] == "interrupted" and j[0]["last_run"]["outcome"] == "interrupted"
      and j[0]["rerun"]["resume"] == shlex.join(["dwhost"] + args) and j[0]["rerun"]["restart"] == want_restart,
      f"interrupted refresh: {j}")
rc, out, err = status(db4)
check(f"    to resume: {shlex.join(['dwhost'] + args)}" in out and f"    to start the refresh over: {want_restart}" in out,
      f"interrupted refresh table: {out!r}")
# from another directory the commands say where they ran
rc, out, err = run(["status", "--warehouse", db4], cwd=d4)
check(f"    to resume: cd {shlex.quote(os.getcwd())} && {shlex.join(['dwhost'] + args)}" in out,
      f"from elsewhere: {out!r}")
if j and j[0]["rerun"]:
    rc, out, err = run(shlex.split(j[0]["rerun"]["resume"])[1:] + ["--json"])
    check(rc == 0 and json.loads(out)["schemas"][0]["resumed"], f"the named command did not resume: {rc} {err}")
check(jobs(db4)[0]["status"] == "idle" and jobs(db4)[0]["rerun"] is None, "after the resume: not idle")

# a warehouse older than the history: status works, nothing recorded
con = sqlite3.connect(db4)
con.executescript("DROP TABLE _dw_runs; DROP TABLE _dw_run_schemas;")
con.close()
j = jobs(db4)
check(len(j) == 1 and j[0]["status"] == "idle" and j[0]["last_run"] is None, f"old warehouse: {j}")
check(history(db4) == [], "old warehouse: runs")
done()
