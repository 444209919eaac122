#!/usr/bin/env python3
"""`dwhost sync --isolate`: the sync runs in a supervised child.  A plugin
that hangs is killed after --heartbeat-timeout, one that is killed from
outside (as the OOM killer does) or eats its memory limit gets one line and
exit 11; Ctrl-C stops it as it stops a plain sync (exit 9); each time the
rerun of the same command resumes and every row lands exactly once.  A
healthy isolated sync prints what a plain one prints."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import BIN, BUILD, check, done, env  # noqa: E402

SANITIZED = len(sys.argv) > 1 and sys.argv[1] == "1"
PLUGINS = os.path.join(BUILD, "test-plugins")
d = tempfile.mkdtemp(prefix="dwh-isolate.")
TOTAL = 400


def cfg(name, **extra):
    p = os.path.join(d, name + ".json")
    with open(p, "w") as f:
        json.dump(dict({"total_rows": TOTAL, "page_rows": 20}, **extra), f)
    return p


def sync_args(db, config, *extra, source="crasher"):
    return [BIN, "sync", source, "--config", config, "--warehouse", db, "--plugin-dir", PLUGINS,
            "--batch-rows", "20", "--isolate", *extra]


def run(args, timeout=60):
    p = subprocess.run(args, capture_output=True, text=True, env=env(), timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def ids(db, table="crasher_items"):
    con = sqlite3.connect(db)
    try:
        return [r[0] for r in con.execute(f"SELECT id FROM {table} ORDER BY id")]
    except sqlite3.OperationalError:
        return []
    finally:
        con.close()


def lines(err):
    return [l for l in err.splitlines() if l.startswith("dwhost:")]


def resumes(db, what, source="crasher"):
    rc, out, err = run(sync_args(db, cfg("ok"), source=source))
    check(rc == 0 and "resumed" in out, f"{what}: the rerun: exit {rc} {out[-300:]} {err[-300:]}")
    got = ids(db, source + "_items")
    check(got == list(range(1, TOTAL + 1)), f"{what}: after the rerun the ids are not 1..{TOTAL} once: {len(got)}")


# a healthy isolated sync prints what a plain sync prints
db = os.path.join(d, "plain.db")
rc, out, err = run(sync_args(db, cfg("ok"), "--json"))
doc = json.loads(out) if rc == 0 else {}
check(rc == 0 and doc.get("ok") is True and doc.get("rows") == TOTAL, f"isolated --json: {rc} {out[:300]} {err}")
check(ids(db) == list(range(1, TOTAL + 1)), "isolated sync: the rows")

# a hang: killed after the heartbeat timeout, one line, exit 11
db = os.path.join(d, "hang.db")
t0 = time.time()
rc, out, err = run(sync_args(db, cfg("hang", crash_in="run", crash_how="hang", crash_after_pages=5),
                             "--heartbeat-timeout", "2"))
took = time.time() - t0
ls = lines(err)
check(rc == 11 and len(ls) == 1 and "plugin 'crasher' hung" in ls[0] and "for 2 s" in ls[0] and
      "rerun the same command to resume" in ls[0], f"hang: exit {rc}, lines {ls}")
check(took < 20, f"hang: took {took:.1f} s with a 2 s heartbeat timeout")
check(len(ids(db)) == 100, f"hang: the 5 committed pages are kept: {len(ids(db))} rows")
resumes(db, "hang")

# killed from outside (as the OOM killer kills): one line, exit 11
db = os.path.join(d, "kill.db")
p = subprocess.Popen(sync_args(db, cfg("slow", delay_ms=50), source="pager"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                     text=True, env=env())
child = None
deadline = time.time() + 30
while time.time() < deadline and child is None:
    try:
        with open(f"/proc/{p.pid}/task/{p.pid}/children") as f:
            kids = f.read().split()
        if kids and len(ids(db, "pager_items")) >= 40:
            child = int(kids[0])
    except OSError:
        pass
    time.sleep(0.05)
check(child is not None, "kill: the isolated child was not found")
if child:
    os.kill(child, signal.SIGKILL)
out, err = p.communicate(timeout=60)
ls = lines(err)
check(p.returncode == 11 and len(ls) == 1 and "was killed by SIGKILL" in ls[0] and "rerun" in ls[0],
      f"kill: exit {p.returncode}, lines {ls}")
resumes(db, "kill -9 of the child", "pager")

# Ctrl-C: as a plain sync (exit 9, the interrupted line), then the rerun resumes
db = os.path.join(d, "int.db")
p = subprocess.Popen(sync_args(db, cfg("slow", delay_ms=50), source="pager"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                     text=True, env=env(), start_new_session=True)
deadline = time.time() + 30
while time.time() < deadline and len(ids(db, "pager_items")) < 40:
    time.sleep(0.05)
os.killpg(p.pid, signal.SIGINT)  # the terminal's Ctrl-C: the whole foreground group
out, err = p.communicate(timeout=60)
ls = lines(err)
check(p.returncode == 9 and any("interrupted" in l for l in ls), f"Ctrl-C: exit {p.returncode}, lines {ls}")
resumes(db, "Ctrl-C", "pager")

# SIGTERM to the supervisor alone is passed on: the child commits and stops
db = os.path.join(d, "term.db")
p = subprocess.Popen(sync_args(db, cfg("slow", delay_ms=50), source="pager"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                     text=True, env=env(), start_new_session=True)
deadline = time.time() + 30
while time.time() < deadline and len(ids(db, "pager_items")) < 40:
    time.sleep(0.05)
p.send_signal(signal.SIGTERM)
out, err = p.communicate(timeout=60)
check(p.returncode == 9 and "SIGTERM" in err, f"SIGTERM: exit {p.returncode}, {lines(err)}")
resumes(db, "SIGTERM", "pager")

# the memory limit (not in an AddressSanitizer build: it cannot run under RLIMIT_AS)
if not SANITIZED:
    db = os.path.join(d, "hog.db")
    rc, out, err = run(sync_args(db, cfg("hog", crash_in="run", crash_how="hog", crash_after_pages=2),
                                 "--memory-limit", "256"))
    ls = lines(err)
    check(rc == 11 and any("memory limit of 256 MiB" in l for l in ls), f"hog: exit {rc}, lines {ls}")
    resumes(db, "memory hog")

# the watchdog options need --isolate
rc, out, err = run([BIN, "sync", "crasher", "--config", cfg("ok"), "--warehouse", os.path.join(d, "x.db"),
                    "--plugin-dir", PLUGINS, "--heartbeat-timeout", "5"])
check(rc == 2 and "add --isolate" in err, f"--heartbeat-timeout alone: {rc} {err}")

import shutil  # noqa: E402
shutil.rmtree(d, ignore_errors=True)
done()
