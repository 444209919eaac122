#!/usr/bin/env python3
"""Plugins added, replaced and removed while the service runs, and while a
sync uses them: a .so copied in (closed after writing) is listed within a
second, one renamed over it serves the next runs while the run in flight
finishes on the file it loaded, a removed one takes no new run while the
run in flight finishes, a broken one is listed as rejected with its
reason; each change is one log line and an event in /v1/plugins.
argv[1] is 1 in the ASan build, where listing (a dwhost child) is slower:
there a change must show within 3 s instead of 1."""
import os
import shutil
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servetest import BUILD, TEST_PLUGINS, Service, check, done, tmpdir  # noqa: E402

SANITIZED = len(sys.argv) > 1 and sys.argv[1] == "1"
WITHIN = 3.0 if SANITIZED else 1.0
PAGER1 = os.path.join(TEST_PLUGINS, "libsource_pager.so")
PAGER2 = os.path.join(BUILD, "serve-plugins", "v2", "libsource_pager.so")
TOTAL = 2000
SLOW = {"total_rows": TOTAL, "page_rows": 10, "delay_ms": 20}

pdir = tmpdir()
target = os.path.join(pdir, "libsource_pager.so")
db = os.path.join(tmpdir(), "w.db")
s = Service(db, plugin_dir=pdir)


def listed(doc, name):
    return {p["name"]: p for p in doc.get("plugins", [])}.get(name)


def wait_until(pred, what):
    """Polls /v1/plugins until pred(doc); checks it took at most WITHIN seconds."""
    t0 = time.time()
    doc = {}
    while time.time() - t0 < WITHIN + 5:
        st, doc, _ = s.get("/v1/plugins")
        if st == 200 and pred(doc):
            took = time.time() - t0
            check(took <= WITHIN, f"{what}: shown after {took:.2f} s, want within {WITHIN} s")
            return doc
        time.sleep(0.01)
    check(False, f"{what}: not shown: {doc}")
    return doc


def events(doc, kind):
    return [e for e in doc.get("events", []) if e["event"] == kind]


def names(db):
    con = sqlite3.connect(db)
    try:
        return [r[0] for r in con.execute("SELECT name FROM pager_items ORDER BY id")]
    finally:
        con.close()


st, doc, _ = s.get("/v1/plugins")
check(st == 200 and not listed(doc, "pager") and doc.get("events") == [], f"at start: {doc}")

# ---- a copy: listed within a second, one log line ----------------------------
shutil.copy(PAGER1, target)
doc = wait_until(lambda d: listed(d, "pager"), "a plugin copied in")
check(listed(doc, "pager")["version"] == "1.0.0", f"copied: {listed(doc, 'pager')}")
check([(e["path"], e["name"]) for e in events(doc, "added")] == [(target, "pager")], f"copied: events {doc['events']}")
check(f"plugin 'pager' 1.0.0 added: {target}" in s.log(), f"copied: the log: {s.log()}")

# ---- a broken file: rejected with its reason ------------------------------------------
broken = os.path.join(pdir, "libsource_broken.so")
with open(broken, "w") as f:
    f.write("not an ELF file\n")
doc = wait_until(lambda d: any(r["path"] == broken for r in d.get("rejected", [])), "a broken plugin")
rej = events(doc, "rejected")
check(len(rej) == 1 and rej[0]["path"] == broken and "not loadable" in (rej[0]["reason"] or ""), f"broken: {rej}")
check(f"plugin file {broken} rejected: not loadable" in s.log(), f"broken: the log: {s.log()}")
st, doc, _ = s.get("/healthz")
check(st == 200, "healthz after a broken plugin")

# ---- rename-over while a sync runs: the run keeps version 1, new runs get 2 ----------
rid = s.sync({"source": "pager", "config": SLOW, "batch_rows": 200})
s.wait_rows(rid, 200)
tmp = os.path.join(pdir, ".pager-v2.tmp")
shutil.copy(PAGER2, tmp)
os.rename(tmp, target)
doc = wait_until(lambda d: (listed(d, "pager") or {}).get("version") == "2.0.0", "a plugin renamed over")
check(events(doc, "replaced") and events(doc, "replaced")[0]["version"] == "2.0.0", f"renamed over: {doc['events']}")
check(f"plugin 'pager' replaced: {target}, version 2.0.0 (was 1.0.0)" in s.log(), f"renamed over: log: {s.log()}")
run = s.wait_run(rid, timeout=180)
check(run.get("state") == "ok" and run.get("rows") == TOTAL, f"the run in flight during the replace: {run}")
got = names(db)
check(len(got) == TOTAL and all(n == f"item {i}" for i, n in enumerate(got, 1)),
      f"the run in flight wrote rows of another version: {[n for n in got if not n.startswith('item ')][:3]}")
rid = s.sync({"source": "pager", "config": {"total_rows": TOTAL, "page_rows": 100}, "reset": True})
run = s.wait_run(rid)
got = names(db)
check(run.get("state") == "ok" and len(got) == TOTAL and all(n == f"v2 item {i}" for i, n in enumerate(got, 1)),
      f"the run after the replace did not use version 2: {run.get('state')} {got[:2]}")

# ---- delete while a sync runs: the run finishes, no new run ------------------------------
rid = s.sync({"source": "pager", "source_id": "pager-del", "config": SLOW, "batch_rows": 200})
s.wait_rows(rid, 200)
os.remove(target)
doc = wait_until(lambda d: not listed(d, "pager"), "a plugin removed")
check([e["name"] for e in events(doc, "removed")] == ["pager"], f"removed: events {doc['events']}")
check(f"plugin 'pager' removed ({target}): it takes no new runs" in s.log(), f"removed: the log: {s.log()}")
run = s.wait_run(rid, timeout=180)
check(run.get("state") == "ok" and run.get("rows") == TOTAL, f"the run in flight during the removal: {run}")
rid = s.sync({"source": "pager", "source_id": "pager-after", "config": {}})
run = s.wait_run(rid)
check(run.get("state") == "failed" and "no source named 'pager'" in (run.get("error") or ""),
      f"a run after the removal: {run}")
st, doc, _ = s.get("/healthz")
check(st == 200 and doc["runs_active"] == 0, f"healthz at the end: {doc}")

# one line per change, nothing else from the watcher
lines = [l for l in s.log().splitlines() if " added: " in l or " replaced: " in l or " rejected: " in l
         or " removed (" in l]
check(len(lines) == 4, f"one log line per change, got {lines}")
check(s.stop() == 0, "stop")
done("serve_plugins")
