"""failure_test.py -- what a user sees when the state backend or the
warehouse fails, and that nothing is lost: a dead, stopped or read-only
Redis, a full disk, a locked or unwritable warehouse, Ctrl-C.  Each
failure is one clear line with a documented exit code; the rerun
completes and the table equals that of an uninterrupted run."""
import os
import shlex
import shutil
import signal
import subprocess
import time

from synctest import check, done, env, query, rows, run, start, state, sync_args, tmpdir, write_config
from redis_server import RedisServer, free_port  # noqa: E402 (synctest puts tests/servers on the path)

TOTAL = 3000
CFG = {"total_rows": TOTAL, "page_rows": 70}


def one_line(err):
    """The error line the CLI prints (the last 'dwhost: sync:' line)."""
    lines = [l for l in err.splitlines() if l.startswith("dwhost: sync:")]
    return lines[-1] if lines else ""


def table_exists(db, t="pager_items"):
    return bool(query(db, "SELECT 1 FROM sqlite_master WHERE name = ?", t))


# the reference table
bd = tmpdir()
bcfg = write_config(bd, **CFG)
rc, out, err = run(sync_args(bcfg, os.path.join(bd, "w.db"), "--batch-rows", "500"))
check(rc == 0, f"baseline: exit {rc}: {err}")
WANT = rows(os.path.join(bd, "w.db"))


def wait_committed(db, timeout=30):
    """Until the run has committed a batch (a fixed sleep is too short for
    a slow start, e.g. under ASan on a loaded machine)."""
    deadline = time.time() + timeout
    while time.time() < deadline and not (table_exists(db) and (state(db) or {}).get("run_rows")):
        time.sleep(0.02)

# ---- Redis unreachable at the start: nothing is committed --------------
d = tmpdir()
cfg = write_config(d, **CFG)
db = os.path.join(d, "w.db")
rc, out, err = run(sync_args(cfg, db, "--state", f"redis://127.0.0.1:{free_port()}/0"))
line = one_line(err)
check(rc == 7, f"dead redis: exit {rc}, want 7")
check("is unreachable" in line and "127.0.0.1" in line and "rerun" in line, f"dead redis: message: {line!r}")
check(not os.path.exists(db) or not table_exists(db), "dead redis: something was written")

# ---- Redis read-only (a replica): the first batch is rolled back --------
with RedisServer(extra=["--replicaof", "127.0.0.1", str(free_port())]) as replica:
    d = tmpdir()
    cfg = write_config(d, **CFG)
    db = os.path.join(d, "w.db")
    rc, out, err = run(sync_args(cfg, db, "--state", replica.url))
    line = one_line(err)
    check(rc == 7, f"read-only redis: exit {rc}, want 7: {err[-300:]}")
    check("read-only" in line and "nothing was committed" in line, f"read-only redis: message: {line!r}")
    check(not table_exists(db), "read-only redis: the batch was committed anyway")

# ---- Redis dies mid-run, then comes back empty: the warehouse's state wins
with RedisServer() as r:
    d = tmpdir()
    cfg = write_config(d, **dict(CFG, delay_ms=20))
    db = os.path.join(d, "w.db")
    p = start(sync_args(cfg, db, "--batch-rows", "200", "--state", r.url))
    wait_committed(db)
    r.stop()
    out, err = p.communicate(timeout=60)
    line = one_line(err)
    check(p.returncode == 7, f"redis dies: exit {p.returncode}, want 7: {err[-300:]}")
    check("unreachable" in line, f"redis dies: message {line!r}")
    before = rows(db)[1]
    check(0 < len(before) < TOTAL, f"redis dies: {len(before)} rows committed before the failure")
    r.start()  # same port, no data
    rc, out, err = run(sync_args(cfg, db, "--batch-rows", "200", "--state", r.url))
    check(rc == 0, f"redis back: exit {rc}: {err[-300:]}")
    check("holds no state for this job" in err, "redis back: the reconciliation was not explained")
    check(rows(db) == WANT, "redis dies: the final table differs from an uninterrupted run")

# ---- Redis stops answering: a timeout, not a hang ------------------------
with RedisServer() as r:
    d = tmpdir()
    cfg = write_config(d, **dict(CFG, delay_ms=20))
    db = os.path.join(d, "w.db")
    p = start(sync_args(cfg, db, "--batch-rows", "200", "--state", r.url, "--state-timeout", "300"))
    wait_committed(db)
    r.pause()
    t0 = time.time()
    out, err = p.communicate(timeout=60)
    r.resume()
    line = one_line(err)
    check(p.returncode == 7, f"redis paused: exit {p.returncode}, want 7: {err[-300:]}")
    check("did not answer within 300 ms" in line, f"redis paused: message {line!r}")
    check(time.time() - t0 < 10, "redis paused: took too long to give up")
    rc, out, err = run(sync_args(cfg, db, "--batch-rows", "200", "--state", r.url))
    check(rc == 0, f"redis resumed: exit {rc}: {err[-300:]}")
    check(rows(db) == WANT, "redis paused: the final table differs from an uninterrupted run")

# ---- a full disk: SQLITE_FULL, nothing of the batch kept, rerun resumes --
def full_disk(label, db, environ, fix, folded=None):
    """folded: True when the commits before the full disk must have been
    folded into db (space for it), None when either may happen."""
    cfg = write_config(os.path.dirname(db), **dict(CFG, total_rows=20000))
    rc, out, err = run(sync_args(cfg, db, "--batch-rows", "1000"), environ)
    # before anything reads it (closing a reader may fold the WAL in):
    # the file alone, and the file with its WAL, copied elsewhere
    wal = db + "-wal"
    wal_bytes = os.path.getsize(wal) if os.path.exists(wal) else 0
    alone, both = tmpdir(), tmpdir()
    shutil.copy(db, alone)
    shutil.copy(db, both)
    if os.path.exists(wal):
        shutil.copy(wal, both)
    line = one_line(err)
    check(rc == 8, f"{label}: exit {rc}, want 8: {err[-300:]}")
    check("disk is full" in line and db in line and "rerun to resume" in line, f"{label}: message {line!r}")
    n = len(rows(db)[1]) if table_exists(db) else 0
    check(0 < n < 20000 and n % 70 == 0, f"{label}: {n} rows kept (whole pages of 70 only)")
    # where the committed rows are is what the message says: in db alone,
    # or only with db-wal beside it
    check(len(rows(os.path.join(both, "w.db"))[1]) == n, f"{label}: {db} and {wal} copied together lack rows")
    print(f"{label}: {n} rows committed, {wal_bytes} bytes in the WAL: {line}")
    if "every earlier commit is in " + db + " itself" in line:
        check(wal_bytes == 0, f"{label}: the message says {db} holds everything, but {wal} holds {wal_bytes} bytes")
        check(len(rows(os.path.join(alone, "w.db"))[1]) == n, f"{label}: {db} copied alone lacks committed rows")
    else:
        check(folded is not True, f"{label}: the commits were not folded into {db}: {line!r}")
        check(f"may be only in {wal}, so keep that file next to {db} (move or copy both together, never {db} alone)"
              in line, f"{label}: the message does not say that {wal} must move with {db}: {line!r}")
    fix()
    rc, out, err = run(sync_args(cfg, db, "--batch-rows", "1000"))
    check(rc == 0, f"{label}: rerun exit {rc}: {err[-300:]}")
    got = rows(db)
    ids = [r[0] for r in got[1]]
    check(ids == list(range(1, 20001)), f"{label}: after the rerun {len(ids)} rows, want ids 1..20000 once each")
    check(query(db, "PRAGMA integrity_check") == [("ok",)], f"{label}: integrity")


d = tmpdir()
full_disk("full disk (page cap)", os.path.join(d, "w.db"), env(DWHOST_TEST_WAREHOUSE_MAX_PAGES=100), lambda: None,
          folded=True)
mnt = tmpdir()
if os.geteuid() == 0 and subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt]).returncode == 0:
    try:
        full_disk("full disk (1 MiB tmpfs)", os.path.join(mnt, "w.db"), env(),
                  lambda: subprocess.run(["mount", "-o", "remount,size=64m", mnt], check=True))
    finally:
        subprocess.run(["umount", mnt])
else:
    print("note: cannot mount a small tmpfs here; the full-disk test used the page cap only")

# ---- a locked warehouse: waits, then one clear line ----------------------
import sqlite3
d = tmpdir()
cfg = write_config(d, **CFG)
db = os.path.join(d, "w.db")
run(sync_args(cfg, db, "--schema", "items"))
holder = sqlite3.connect(db, isolation_level=None)
holder.execute("BEGIN IMMEDIATE")
rc, out, err = run(sync_args(cfg, db, "--full-refresh"))
holder.execute("ROLLBACK")
holder.close()
line = one_line(err)
check(rc == 8, f"locked: exit {rc}, want 8")
check("locked by another writer" in line and db in line, f"locked: message {line!r}")
check(rows(db) == WANT, "locked: the table changed")

# ---- an unwritable warehouse path -----------------------------------------
rc, out, err = run(sync_args(cfg, os.path.join(d, "no", "such", "dir", "w.db")))
check(rc == 8 and "does not exist" in one_line(err), f"missing dir: exit {rc}: {one_line(err)!r}")

# ---- Ctrl-C: exit 9, whole pages kept, the rerun completes -----------------
d = tmpdir()
cfg = write_config(d, **dict(CFG, delay_ms=20))
db = os.path.join(d, "w.db")
p = start(sync_args(cfg, db, "--batch-rows", "200", "--mode", "append"))
wait_committed(db)
p.send_signal(signal.SIGINT)
out, err = p.communicate(timeout=60)
check(p.returncode == 9, f"SIGINT: exit {p.returncode}, want 9: {err[-300:]}")
check("interrupted" in one_line(err) and "rerun to resume" in one_line(err), f"SIGINT: message {one_line(err)!r}")
check(" interrupted" in out.splitlines()[2] and "failed" not in out, f"SIGINT: summary status {out!r}")
n = len(rows(db)[1])
check(n > 0 and n % 70 == 0, f"SIGINT: {n} rows kept; want whole pages (of 70)")
st = state(db)
check(st["write_mode"] == "append" and st["resume"] == '{"next_id":%d}' % (n + 1), f"SIGINT: state {st}")
rc, out, err = run(sync_args(cfg, db, "--batch-rows", "200", "--mode", "append"))
check(rc == 0 and "(resumed)" in out, f"SIGINT rerun: exit {rc}: {out} {err[-300:]}")
check(rows(db) == WANT, "SIGINT: the final table differs from an uninterrupted run")

# Ctrl-C during a --reset run: rerunning with --reset would start over again,
# so the message says to drop it, and the summary names the command
d = tmpdir()
cfg = write_config(d, **dict(CFG, delay_ms=20))
db = os.path.join(d, "w.db")
args = sync_args(cfg, db, "--batch-rows", "200", "--mode", "append", "--reset")
p = start(args)
wait_committed(db)
p.send_signal(signal.SIGINT)
out, err = p.communicate(timeout=60)
resume = [a for a in args if a != "--reset"]
check(p.returncode == 9 and "rerun without --reset to resume" in one_line(err), f"--reset SIGINT: {one_line(err)!r}")
check(f"to resume: {shlex.join(['dwhost'] + resume)}\n" in out, f"--reset SIGINT: summary {out!r}")
rc, out, err = run(resume)
check(rc == 0 and "(resumed)" in out, f"--reset SIGINT: the named command did not resume: {rc} {out}")
check(rows(db) == WANT, "--reset SIGINT: the final table differs from an uninterrupted run")

# SIGTERM behaves the same
d = tmpdir()
cfg = write_config(d, **dict(CFG, delay_ms=20))
p = start(sync_args(cfg, os.path.join(d, "w.db"), "--batch-rows", "200"))
wait_committed(os.path.join(d, "w.db"))
p.send_signal(signal.SIGTERM)
out, err = p.communicate(timeout=60)
check(p.returncode == 9, f"SIGTERM: exit {p.returncode}, want 9")

# ---- a damaged state record: exit 7 naming it, nothing written; --reset -----
import sqlite3
d = tmpdir()
cfg = write_config(d, **dict(CFG, total_rows=300))
db = os.path.join(d, "w.db")
rc, out, err = run(sync_args(cfg, db))
check(rc == 0 and state(db)["last_value"] == "300", f"damaged: first sync exit {rc}")


def damage(sql):
    con = sqlite3.connect(db)
    con.execute(sql)
    con.commit()
    con.close()


for sql, member in [("UPDATE _dw_state SET last_value = '{\"x\":'", "last_value is {\"x\":, expected a JSON number or string"),
                    ("UPDATE _dw_state SET last_value = '300', write_mode = 'incremental', resume = 'not json'",
                     "resume is not json, expected a JSON object"),
                    ("UPDATE _dw_state SET write_mode = 'bogus', resume = NULL", "write_mode is bogus")]:
    damage(sql)
    before = (query(db, "SELECT count(*), max(_dw_synced_at) FROM pager_items"), state(db))
    rc, out, err = run(sync_args(cfg, db))
    line = one_line(err)
    check(rc == 7 and f"the saved state of pager/items is damaged ({member}" in line and "--reset" in line
          and err.count("damaged") == 1, f"damaged {member}: exit {rc}: {line!r}")
    check((query(db, "SELECT count(*), max(_dw_synced_at) FROM pager_items"), state(db)) == before,
          f"damaged {member}: the failed run wrote something")
rc, out, err = run(sync_args(cfg, db, "--reset"))
check(rc == 0 and state(db)["write_mode"] is None and state(db)["last_value"] == "300", f"damaged --reset: exit {rc}: {err[-300:]}")
check(query(db, "SELECT count(*) FROM pager_items") == [(300,)], "damaged --reset: rows")

# Redis as the only copy (--output jsonl): the same, and --reset recovers
with RedisServer() as r:
    args = ["sync", "pager", "--config", cfg, "--plugin-dir", os.environ["DWHOST_BUILD_DIR"] + "/test-plugins",
            "--output", "jsonl", "--state", r.url]
    rc, out, err = run(args)
    check(rc == 0, f"jsonl damaged: first run exit {rc}")
    r.command("SET", "dwhost:resumable:local:pager/items", '{"seq": 3, "last_value": "{oops"}')
    rc, out, err = run(args)
    check(rc == 7 and "damaged: last_value is {oops" in one_line(err) and "--reset" in one_line(err) and out == "",
          f"jsonl damaged: exit {rc}: {one_line(err)!r}")
    rc, out, err = run(args + ["--reset"])
    check(rc == 0 and len(out.splitlines()) == 300, f"jsonl damaged --reset: exit {rc}, {len(out.splitlines())} rows")

done()
