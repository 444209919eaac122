#!/usr/bin/env python3
"""A plugin that segfaults, aborts, calls exit(), hangs or eats memory in
the middle of a run fails that run with one line naming the plugin and
what it did; the service keeps serving (health, other runs, checks); the
batches committed before are kept and the next run resumes from them,
ending with every row exactly once.  Crashes are real (tests/plugins/crasher).
Checks that crash or hang answer 502/504 the same way.  argv[1] is 1 in
the ASan build, where the memory limit cannot apply (ASan reserves
terabytes of address space) and the memory hog is not run."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servetest import BIN, TEST_PLUGINS, Service, check, done, env, tmpdir  # noqa: E402

SANITIZED = len(sys.argv) > 1 and sys.argv[1] == "1"
CRASHER = os.path.join(TEST_PLUGINS, "libsource_crasher.so")
SERVE_PLUGINS = os.path.join(os.environ["DWHOST_BUILD_DIR"], "serve-plugins")
MISBEHAVER = os.path.join(SERVE_PLUGINS, "libsource_misbehaver.so")  # the crasher that may call exit()
d = tmpdir()
db = os.path.join(d, "w.db")
s = Service(db, "--heartbeat-timeout", "5", "--plugin-dir", SERVE_PLUGINS)

BASE = {"total_rows": 100, "page_rows": 10}


def committed_rows(svc, source_id):
    """The last id the job committed (the crasher's rows are 1..n in order)."""
    st, doc, _ = svc.get("/v1/jobs")
    for j in (doc or {}).get("jobs", []):
        if j["source_id"] == source_id:
            return int(j["last_value"] or 0)
    return 0

CASES = [
    ("segv", f"plugin 'crasher' ({CRASHER}) crashed with SIGSEGV (invalid memory access) in run(schema 'items')",
     "crashed"),
    ("abort", f"plugin 'crasher' ({CRASHER}) crashed with SIGABRT", "crashed"),
    ("exit", f"plugin 'misbehaver' ({MISBEHAVER}) called exit(3) in run(schema 'items')", "crashed"),
    ("hang", "plugin 'crasher' hung: no sign of life (no row, HTTP transfer or cancel check) for 5 s in "
             "run(schema 'items'); its worker was killed", "hung"),
]
for how, want, failure in CASES:
    sid = f"crash-{how}"
    source = "misbehaver" if how == "exit" else "crasher"
    cfg = dict(BASE, crash_in="run", crash_how=how, crash_after_pages=5)
    rid = s.sync({"source": source, "source_id": sid, "config": cfg, "batch_rows": 20})
    run = s.wait_run(rid, timeout=120)
    err = run.get("error") or ""
    check(run.get("state") == "crashed" and run.get("failure") == failure, f"{how}: {run.get('state')} "
                                                                            f"{run.get('failure')}: {err}")
    check(err.startswith(want) and "\n" not in err, f"{how}: error {err!r} does not start with {want!r}")
    if how == "hog":
        check("and then crashed with SIGSEGV" in err, f"hog: what it did then: {err!r}")
    # the service keeps serving
    st, doc, _ = s.get("/healthz")
    check(st == 200 and doc["runs_active"] == 0, f"{how}: /healthz after the crash: {st} {doc}")
    # what was committed is whole batches of the rows before the crash
    # (the warehouse's word: the run counts the batches its worker reported,
    # and a worker may die between a commit and its report)
    committed = committed_rows(s, sid)
    check(committed % 20 == 0 and committed <= 50 and run.get("rows", 0) <= committed,
          f"{how}: committed {committed} rows (the run saw {run.get('rows')}), want whole batches of 20, <= 50")
    # the next run resumes and ends with 1..100 once
    rid2 = s.sync({"source": source, "source_id": sid, "config": BASE, "batch_rows": 20})
    run2 = s.wait_run(rid2)
    rep = (run2.get("report") or {}).get("schemas", [{}])[0]
    check(run2.get("state") == "ok" and run2.get("rows") == 100 - committed, f"{how}: the next run: {run2}")
    check(committed == 0 or rep.get("resumed") is True, f"{how}: the next run did not resume: {rep}")

# every source id writes the source's table (merging on id): all ids once
import sqlite3  # noqa: E402
con = sqlite3.connect(db)
total, distinct = con.execute("SELECT count(*), count(DISTINCT id) FROM crasher_items").fetchone()
con.close()
check((total, distinct) == (100, 100), f"crasher_items after the reruns: {total} rows, {distinct} distinct ids")
con = sqlite3.connect(db)
total, distinct = con.execute("SELECT count(*), count(DISTINCT id) FROM misbehaver_items").fetchone()
con.close()
check((total, distinct) == (100, 100), f"misbehaver_items after the rerun: {total} rows, {distinct} distinct ids")

# ---- checks that crash, exit or hang -------------------------------------------------
st, doc, _ = s.post("/v1/sources/crasher/check", {"config": {"crash_in": "check", "crash_how": "abort"}})
check(st == 502 and doc.get("error", "").startswith(f"plugin 'crasher' ({CRASHER}) crashed with SIGABRT")
      and "check_credentials()" in doc["error"], f"check that aborts: {st} {doc}")
st, doc, _ = s.post("/v1/sources/misbehaver/check", {"config": {"crash_in": "check", "crash_how": "exit"}})
check(st == 502 and doc.get("error", "").startswith(f"plugin 'misbehaver' ({MISBEHAVER}) called exit(3) in "
                                                    "check_credentials()"), f"check that exits: {st} {doc}")
st, doc, _ = s.post("/v1/sources/crasher/check", {"config": {"crash_in": "check", "crash_how": "hang"}})
check(st == 504 and "no answer within 5 s" in doc.get("error", ""), f"check that hangs: {st} {doc}")
st, doc, _ = s.post("/v1/sources/crasher/check", {"config": {}})
check(st == 200 and doc.get("ok") is True, f"check after all that: {st} {doc}")

# the CLI reports a plugin's exit() the same way (exit 11, one line)
cfg = os.path.join(d, "exit.json")
with open(cfg, "w") as f:
    f.write('{"crash_in": "check", "crash_how": "exit"}')
p = subprocess.run([BIN, "check", "misbehaver", "--config", cfg, "--plugin-dir", SERVE_PLUGINS], capture_output=True,
                   text=True, env=env(), timeout=60)
lines = [l for l in p.stderr.splitlines() if not l.startswith("{")]
check(p.returncode == 11 and len(lines) == 1 and lines[0].startswith(
    f"dwhost: plugin 'misbehaver' ({MISBEHAVER}) called exit(3) in check_credentials(); nothing was written"),
    f"dwhost check with a plugin that exits: exit {p.returncode}: {lines}")

# the memory hog: touching 256 MiB can take seconds on a loaded machine, so
# this service waits longer for a sign of life
if not SANITIZED:
    check(s.stop() == 0, "stop")
    s = Service(db, "--heartbeat-timeout", "120", "--memory-limit", "256")
    cfg = dict(BASE, crash_in="run", crash_how="hog", crash_after_pages=5)
    rid = s.sync({"source": "crasher", "source_id": "crash-hog", "config": cfg, "batch_rows": 20})
    run = s.wait_run(rid, timeout=180)
    err = run.get("error") or ""
    want = f"plugin 'crasher' ({CRASHER}) crashed with SIGSEGV (invalid memory access) in run(schema 'items')"
    check(run.get("state") == "crashed" and run.get("failure") == "memory" and err.startswith(want)
          and err.endswith("; it had reached its memory limit of 256 MiB (its allocations were failing)"),
          f"hog: {run.get('state')} {run.get('failure')}: {err!r}")
    committed = committed_rows(s, "crash-hog")
    rid2 = s.sync({"source": "crasher", "source_id": "crash-hog", "config": BASE, "batch_rows": 20})
    run2 = s.wait_run(rid2)
    check(run2.get("state") == "ok" and run2.get("rows") == 100 - committed, f"hog: the next run: {run2}")

check(s.stop() == 0, "stop")
done("serve_crash")
