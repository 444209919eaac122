#!/usr/bin/env python3
"""A plugin that crashes never takes dwhost down with a bare "Segmentation
fault": every command that runs plugin code (read, check, describe,
list-plugins --activate, sync) exits 11 with one line naming the plugin,
its path, the signal and the operation, and keeps what was committed.
Crashes are real (tests/plugins/crasher): NULL store, abort(), stack
overflow, integer division by zero, a trap instruction, a truncated
mapping.  Runs the same in the plain and the ASan+UBSan build."""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

BIN = os.environ["DWHOST_BIN"]
BUILD = os.environ["DWHOST_BUILD_DIR"]
PLUGINS = os.path.join(BUILD, "test-plugins")
CRASHER = os.path.join(PLUGINS, "libsource_crasher.so")
TMP = tempfile.mkdtemp(prefix="dwh-crash-")
failures = []


def env(**extra):
    e = {k: v for k, v in os.environ.items() if k not in ("DWHOST_PLUGIN_PATH", "CRASHER_CRASH",
                                                          "DWHOST_NO_CRASH_GUARD")}
    e["DWHOST_NO_DEFAULT_PLUGIN_DIR"] = "1"
    e.update(extra)
    return e


def run(*args, environ=None, shell=False):
    """Runs dwhost; with shell=True through bash (which forks, waits and
    would print "Segmentation fault" itself if dwhost died of a signal)."""
    argv = [BIN, *args, "--plugin-dir", PLUGINS]
    if shell:
        argv = ["bash", "-c", '"$0" "$@"; echo "rc=$?"', *argv]
    p = subprocess.run(argv, capture_output=True, text=True, env=environ or env(), timeout=120)
    return p.returncode, p.stdout, p.stderr


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr, flush=True)
    return cond


def config(name, **cfg):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        json.dump(cfg, f)
    return path


def not_log(err):
    """stderr lines that are not JSON log lines."""
    return [l for l in err.splitlines() if not l.startswith("{")]


def expect_crash(label, rc, err, signal, where):
    """Exit 11 and exactly one line: the crash report."""
    lines = not_log(err)
    check(rc == 11, f"{label}: exit {rc}, expected 11; stderr: {err[-400:]!r}")
    if not check(len(lines) == 1, f"{label}: expected one line on stderr, got {lines!r}"):
        return
    line = lines[0]
    want = f"dwhost: plugin 'crasher' ({CRASHER}) crashed with {signal}"
    check(line.startswith(want), f"{label}: {line!r} does not start with {want!r}")
    check(f") {where}; " in line, f"{label}: {line!r} does not name the operation {where!r}")
    check(line.endswith("report this to the plugin's author (DWHOST_NO_CRASH_GUARD=1 lets it dump core for a "
                        "backtrace)"), f"{label}: {line!r} does not say what to do")


def ids(out):
    return [json.loads(l)["id"] for l in out.splitlines()]


# ---- read: every way of crashing, mid-run after 3 saved pages ------------
SIGNALS = {"segv": "SIGSEGV (invalid memory access)", "abort": "SIGABRT", "stack": "SIGSEGV (stack overflow)",
           "fpe": "SIGFPE", "ill": "SIGILL", "bus": "SIGBUS"}
for how, signal in SIGNALS.items():
    state = os.path.join(TMP, f"{how}.state")
    cfg = config(f"read-{how}.json", crash_in="run", crash_how=how, crash_after_pages=3)
    rc, out, err = run("read", "crasher", "--config", cfg, "--schema", "items", "--state-out", state)
    expect_crash(f"read {how}", rc, err, signal, "in run(schema 'items')")
    # the rows of the saved pages were printed; the unsaved half page was not
    check(ids(out) == list(range(1, 31)), f"read {how}: printed ids {ids(out)[:3]}..{ids(out)[-3:]}")
    check(json.load(open(state)) == {"next_id": 31}, f"read {how}: state file {open(state).read()!r}")

# resuming from the state the crashed run left completes the rows exactly once
state = os.path.join(TMP, "segv.state")
rc, out, err = run("read", "crasher", "--config", config("ok.json"), "--schema", "items", "--state-in", state)
check(rc == 0 and ids(out) == list(range(31, 101)), f"read resume after crash: exit {rc}, {len(ids(out))} rows")

# through a shell: nothing but our line (no "Segmentation fault (core dumped)")
rc, out, err = run("read", "crasher", "--config", config("shell.json", crash_in="run"), "--schema", "items",
                   shell=True)
check(out.splitlines()[-1:] == ["rc=11"], f"shell: dwhost's exit status {out.splitlines()[-1:]}")
expect_crash("read via bash", 11 if out.endswith("rc=11\n") else -1, err, "SIGSEGV", "in run(schema 'items')")

# ---- check, describe, list-plugins ----------------------------------------
rc, out, err = run("check", "crasher", "--config", config("chk.json", crash_in="check", crash_how="abort"))
expect_crash("check", rc, err, "SIGABRT", "in check_credentials()")
check(out == "", f"check: stdout {out!r}")
rc, out, err = run("check", "crasher", "--config", config("chk2.json", crash_in="check", crash_how="ill"),
                   "--schema", "items")
expect_crash("check --schema", rc, err, "SIGILL", "in check_credentials(schema 'items')")

rc, out, err = run("describe", "crasher", environ=env(CRASHER_CRASH="list_schemas:fpe"))
expect_crash("describe", rc, err, "SIGFPE", "in list_schemas()")

rc, out, err = run("list-plugins", "--activate", environ=env(CRASHER_CRASH="init:segv"), shell=True)
expect_crash("list-plugins --activate", 11 if out.endswith("rc=11\n") else -1, err, "SIGSEGV", "in init()")

rc, out, err = run("list-plugins", environ=env(CRASHER_CRASH="load:abort"))
expect_crash("list-plugins (load)", rc, err, "SIGABRT", "while loading (in its constructors)")

# a crash in fini, after the command did its work: its output is kept
rc, out, err = run("describe", "crasher", environ=env(CRASHER_CRASH="fini:abort"))
expect_crash("describe (fini)", rc, err, "SIGABRT", "in fini()")
check("crasher 1.0.0" in out and "items" in out, f"describe (fini): output lost: {out!r}")

# the same plugins without a crash: all good (the guard changes nothing else)
rc, out, err = run("list-plugins", "--activate")
check(rc == 0 and "crasher" in out, f"list-plugins without a crash: exit {rc}: {err}")

# ---- sync: committed batches survive, the rerun resumes without duplicates --
db = os.path.join(TMP, "w.db")
base = {"total_rows": 100, "page_rows": 10}
sync = ["sync", "crasher", "--warehouse", db, "--batch-rows", "20", "--mode", "incremental"]
rc, out, err = run(*sync, "--config", config("sync-crash.json", crash_in="run", crash_after_pages=5, **base))
expect_crash("sync", rc, err, "SIGSEGV", "in run(schema 'items')")
con = sqlite3.connect(db)
got = [r[0] for r in con.execute("SELECT id FROM crasher_items ORDER BY id")]
resume = con.execute("SELECT resume FROM _dw_state WHERE schema_name = 'items'").fetchone()
con.close()
check(0 < len(got) <= 50 and got == list(range(1, len(got) + 1)),
      f"sync: committed rows before the crash should be ids 1..n (n <= 50 saved): {got[:3]}..{got[-3:]}")
check(resume and json.loads(resume[0]) == {"next_id": len(got) + 1},
      f"sync: the committed resume point {resume} does not match the {len(got)} committed rows")

rc, out, err = run(*sync, "--config", config("sync-ok.json", **base), "--json")
check(rc == 0, f"sync rerun: exit {rc}: {err[-400:]}")
rep = json.loads(out) if rc == 0 else {"schemas": [{}]}
check(rep["schemas"][0].get("resumed") is True, f"sync rerun did not resume: {rep['schemas'][0]}")
check(rep["schemas"][0].get("rows") == 100 - len(got), f"sync rerun moved {rep['schemas'][0].get('rows')} rows, "
                                                      f"expected the {100 - len(got)} not yet committed")
con = sqlite3.connect(db)
total, distinct, lo, hi = con.execute("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM crasher_items").fetchone()
con.close()
check((total, distinct, lo, hi) == (100, 100, 1, 100), f"sync after rerun: {(total, distinct, lo, hi)}")

# a crash before any row (listing the schemas) leaves the warehouse as it was
rc, out, err = run(*sync, "--config", config("sync-ok2.json", **base), environ=env(CRASHER_CRASH="list_schemas:stack"))
expect_crash("sync (list_schemas)", rc, err, "SIGSEGV (stack overflow)", "in list_schemas()")
con = sqlite3.connect(db)
check(con.execute("SELECT count(*) FROM crasher_items").fetchone()[0] == 100, "sync (list_schemas): table changed")
con.close()

shutil.rmtree(TMP, ignore_errors=True)
if failures:
    print(f"{len(failures)} check(s) failed", file=sys.stderr)
    sys.exit(1)
print("crash containment: all checks passed")
