"""readers_test.py -- a reader with no busy timeout (the way someone looks
at the warehouse by hand, `sqlite3 W.db 'select ...'`) querying in a loop
while syncs run and end never gets "database is locked" (docs/concepts/
warehouse.md, "Reading while syncs run").

The one moment SQLite itself can refuse such a reader is when a process
opens a warehouse no process has open: it rebuilds the WAL index under an
exclusive lock (SQLITE_BUSY_RECOVERY, microseconds for the empty WAL a
finished run leaves). Every other refusal fails the test; the reader is
Python's sqlite3 module with timeout=0 (no busy handler, like the shell)
because it reports SQLite's extended error code, which tells the two apart.

Syncs of every mode run one after the other and several at once (other
source ids and table prefixes, so their leases do not collide), each a
separate process that opens, commits and closes the warehouse; the reader
runs `sqlite3 W.db 'select count(*) ...'` back to back the whole time.
What used to lock readers out: SQLite's checkpoint when a connection closes
takes an exclusive lock on the file, and the next process to open it
rebuilt its WAL index from a WAL of up to the whole run."""
import os
import sqlite3
import threading

from synctest import check, done, run, start, sync_args, tmpdir, write_config

d = tmpdir()
db = os.path.join(d, "w.db")
cfg = write_config(d, total_rows=20000, page_rows=500)
rc, out, err = run(sync_args(cfg, db, "--table-prefix", "a_", "--source-id", "a"))
check(rc == 0, f"first sync: exit {rc}: {err[-300:]}")

stop = threading.Event()
results = {"queries": 0, "locked": [], "recovery": 0, "other": []}


def reader():
    # a fresh connection per query: each opens, reads and closes the file
    # the way a person (or a cron job) does
    while not stop.is_set():
        results["queries"] += 1
        try:
            con = sqlite3.connect(db, timeout=0, isolation_level=None)
            try:
                n = con.execute("select count(*) from a_pager_items").fetchone()[0]
            finally:
                con.close()
            if not isinstance(n, int):
                results["other"].append(f"count(*) gave {n!r}")
        except sqlite3.Error as e:
            name = getattr(e, "sqlite_errorname", "?")
            if name == "SQLITE_BUSY_RECOVERY":
                results["recovery"] += 1
            elif "locked" in str(e) or "busy" in str(e) or name.startswith("SQLITE_BUSY"):
                results["locked"].append(f"{name}: {e}")
            else:
                results["other"].append(f"{name}: {e}")


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

print(f"{results['queries']} reader queries during {syncs} syncs; "
      f"{results['recovery']} met a WAL index rebuild at a run's first open")
check(results["queries"] >= 20, f"the reader ran only {results['queries']} queries")
check(not results["locked"], f"{len(results['locked'])} of {results['queries']} reader queries failed: "
      f"{results['locked'][:3]}")
# at most one rebuild per run start (each run opens the file once)
check(results["recovery"] <= syncs, f"{results['recovery']} WAL index rebuilds for {syncs} runs")
check(not results["other"], f"reader errors: {results['other'][:3]}")
# what the syncs leave is one self-contained file: the WAL was folded in
wal = db + "-wal"
check(not os.path.exists(wal) or os.path.getsize(wal) == 0,
      f"{wal} still holds {os.path.getsize(wal) if os.path.exists(wal) else 0} bytes after the syncs ended")
done()
