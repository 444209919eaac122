"""readers_test.py -- a plain `sqlite3` reader (no busy timeout, the way
someone looks at the warehouse by hand) querying in a loop while syncs run
and end never gets "database is locked" (README "The warehouse").

Syncs of every mode run one after the other and several at once (other
source ids and table prefixes, so their leases do not collide), each a
separate process that opens, commits and closes the warehouse; the reader
runs `sqlite3 W.db 'select count(*) ...'` back to back the whole time.
What used to lock readers out: SQLite's checkpoint when a connection closes
takes an exclusive lock on the file, and the next process to open it
rebuilt its WAL index from a WAL of up to the whole run."""
import os
import shutil
import subprocess
import threading

from synctest import check, done, run, start, sync_args, tmpdir, write_config

SQLITE = shutil.which("sqlite3")
if not SQLITE:
    check(False, "the sqlite3 command-line shell is not installed (tools/deps.sh installs it)")
    done()

d = tmpdir()
db = os.path.join(d, "w.db")
cfg = write_config(d, total_rows=20000, page_rows=500)
rc, out, err = run(sync_args(cfg, db, "--table-prefix", "a_", "--source-id", "a"))
check(rc == 0, f"first sync: exit {rc}: {err[-300:]}")

stop = threading.Event()
results = {"queries": 0, "locked": [], "other": []}


def reader():
    # a fresh sqlite3 process per query: each opens, reads and closes the
    # file the way a person (or a cron job) does
    while not stop.is_set():
        p = subprocess.run([SQLITE, db, "select count(*) from a_pager_items"], capture_output=True, text=True)
        results["queries"] += 1
        if "locked" in p.stderr or "busy" in p.stderr:
            results["locked"].append(p.stderr.strip())
        elif p.returncode != 0 or not p.stdout.strip().isdigit():
            results["other"].append(f"exit {p.returncode}: {p.stderr.strip()} {p.stdout.strip()}")


t = threading.Thread(target=reader)
t.start()
syncs = 0
try:
    # one after the other: every sync's end (its last commit, its close)
    for mode in ["full", "incremental", "append", "full", "incremental", "append"]:
        rc, out, err = run(sync_args(cfg, db, "--table-prefix", "a_", "--source-id", "a", "--mode", mode))
        check(rc == 0, f"sequential {mode}: exit {rc}: {err[-300:]}")
        syncs += 1
    # several at once, ending at different moments
    for _ in range(5):
        procs = [start(sync_args(cfg, db, "--table-prefix", p, "--source-id", p, "--mode", m))
                 for m, p in (("full", "a_"), ("incremental", "b_"), ("append", "c_"))]
        for p in procs:
            out, err = p.communicate(timeout=300)
            check(p.returncode == 0, f"parallel: exit {p.returncode}: {err[-300:]}")
            syncs += 1
finally:
    stop.set()
    t.join()

print(f"{results['queries']} reader queries during {syncs} syncs")
check(results["queries"] >= 20, f"the reader ran only {results['queries']} queries")
check(not results["locked"], f"{len(results['locked'])} of {results['queries']} reader queries failed: "
      f"{results['locked'][:3]}")
check(not results["other"], f"reader errors: {results['other'][:3]}")
# what the syncs leave is one self-contained file: the WAL was folded in
wal = db + "-wal"
check(not os.path.exists(wal) or os.path.getsize(wal) == 0,
      f"{wal} still holds {os.path.getsize(wal) if os.path.exists(wal) else 0} bytes after the syncs ended")
done()
