"""pg_test.py -- `dwhost sync --warehouse postgresql://...` against a real
PostgreSQL server the test starts itself (tests/servers/pg_server.py): the
column types rows give, nested values as jsonb, columns that appear and
widen, merge/append/replace, the system tables in schema dwhost, the
password kept out of every output, and the errors: wrong credentials, no
password, a server that is not there, a read-only database, the connection
lost mid-batch and the server dying mid-run -- each one line and exit 8,
nothing half-committed, and the rerun finishes with the rows of an
uninterrupted run.  (The kill -9 crash points run in crash_test.py
--warehouse postgres.)"""
import json
import os
import signal
import time

from synctest import (check, done, env, rows, run, start, state, sync_args, tmpdir, use_postgres, warehouse,
                      write_config)
from pg_server import PASSWORD

pg = use_postgres()
FILES_PLUGINS = os.path.join(os.environ["DWHOST_BUILD_DIR"], "plugins")


def files_sync(d, wh, *extra, environ=None):
    cfg = write_config(d, "files.json", directory=os.path.join(d, "src"), incremental_field="v",
                       incremental_field_type="integer")
    return run(["sync", "files", "--config", cfg, "--plugin-dir", FILES_PLUGINS, "--warehouse", wh, "--json",
                *extra], environ)


def write_rows(d, name, recs):
    os.makedirs(os.path.join(d, "src"), exist_ok=True)
    with open(os.path.join(d, "src", name), "w") as f:
        for r in recs:
            f.write(json.dumps(r) + "\n")


def column_types(wh, table):
    from synctest import query
    return {c: t for c, t in query(wh, "SELECT column_name, data_type FROM information_schema.columns"
                                       f" WHERE table_schema = 'public' AND table_name = '{table}'")}


def q(wh, sql):
    from synctest import query
    return query(wh, sql)


# ---- types, nested values, merge, new and widened columns
d = tmpdir()
wh = warehouse(d)
tricky = "tab\there, new\nline, back\\slash, quote ' and \" done"
write_rows(d, "items.jsonl", [
    {"id": 1, "v": 1, "n": 1, "x": 1.5, "ok": True, "s": "a", "obj": {"k": [1, 2], "t": "x"}, "big": 2 ** 63 + 5},
    {"id": 2, "v": 2, "n": 2, "x": 2, "ok": False, "s": tricky, "obj": [1, {"a": None}], "big": 1},
])
rc, out, err = files_sync(d, wh)
check(rc == 0, f"types: first sync exit {rc}: {err[-400:]}")
types = column_types(wh, "files_items")
check(types == {"id": "bigint", "v": "bigint", "n": "bigint", "x": "double precision", "ok": "boolean", "s": "text",
                "obj": "jsonb", "big": "numeric", "_dw_synced_at": "timestamp with time zone",
                "_dw_partition_key": "text"}, f"types: column types {types}")
got = q(wh, "SELECT id, n, x, ok, s, obj, big::text FROM files_items ORDER BY id")
check(got == [[1, 1, 1.5, True, "a", {"k": [1, 2], "t": "x"}, str(2 ** 63 + 5)],
              [2, 2, 2.0, False, tricky, [1, {"a": None}], "1"]], f"types: values {got}")
check(q(wh, "SELECT count(*) FROM dwhost.state")[0][0] == 1 and q(wh, "SELECT count(*) FROM dwhost.runs")[0][0] == 1,
      "types: the state and run history are not in schema dwhost")
check(q(wh, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE '\\_dw%'")[0][0] == 0,
      "types: dwhost's own tables leak into the public schema")

# the second sync: row 1 changes (n becomes 1.5: double precision; a new
# key), row 3 brings a string for n (text), row 2 is read again unchanged
write_rows(d, "items.jsonl", [
    {"id": 2, "v": 2, "n": 2, "x": 2, "ok": False, "s": tricky, "obj": [1, {"a": None}], "big": 1},
    {"id": 1, "v": 3, "n": 1.5, "late": "new column"},
    {"id": 3, "v": 4, "n": "three", "x": 7, "_dw_x": "a key dwhost reserves", "k" * 70: "long key"},
])
rc, out, err = files_sync(d, wh)
check(rc == 0, f"types: second sync exit {rc}: {err[-400:]}")
types = column_types(wh, "files_items")
check(types.get("n") == "text" and types.get("late") == "text" and types.get("x") == "double precision",
      f"types: widened/new columns {types}")
long_cols = [c for c in types if c.startswith("k" * 20)]
check(len(long_cols) == 1 and len(long_cols[0]) <= 63, f"types: the 70-byte key's column {long_cols}")
got = q(wh, "SELECT id, n, late, s FROM files_items ORDER BY id")
check(got == [[1, "1.5", "new column", None], [2, "2", None, tricky], [3, "three", None, None]],
      f"types: merged rows {got}")
reserved = [c for c in types if c.startswith("_dw_x__")]
check(len(reserved) == 1, f"types: the _dw_ key's column {sorted(types)}")
if reserved:
    check(q(wh, f"SELECT \"{reserved[0]}\" FROM files_items WHERE id = 3") == [["a key dwhost reserves"]],
          "types: the _dw_ key's value")
# a third sync finds the suffixed columns again (through their comments)
rc, out, err = files_sync(d, wh)
check(rc == 0 and len([c for c in column_types(wh, "files_items") if c.startswith("_dw_x__")]) == 1,
      f"types: third sync exit {rc} or a second column for the _dw_ key: {err[-300:]}")
check(q(wh, "SELECT count(*) FROM files_items")[0][0] == 3, "types: rows after the third sync")

# ---- time columns: a key the schema says holds times (an incremental field
# of type datetime or date) gets a timestamptz (date) column while its
# values are ISO-8601 times; the first value that is not one widens the
# column to text, and every row lands


def time_sync(d, wh, field_type, *extra):
    cfg = write_config(d, "files.json", directory=os.path.join(d, "src"), incremental_field="ts",
                       incremental_field_type=field_type)
    return run(["sync", "files", "--config", cfg, "--plugin-dir", FILES_PLUGINS, "--warehouse", wh, "--json",
                *extra])


d = tmpdir()
wh = warehouse(d)
write_rows(d, "events.jsonl", [
    {"id": 1, "ts": "2024-03-01T10:00:00Z", "other": "2024-03-01T10:00:00Z"},
    {"id": 2, "ts": "2024-03-01T01:00:00+02:00"},  # 2024-02-29T23:00Z
    {"id": 3, "ts": "2024-03-02T00:00:00.123456Z"},
    {"id": 4, "ts": None},
    {"id": 5, "ts": "2024-03-01 00:30:00-0100"},  # 01:30Z
])
rc, out, err = time_sync(d, wh, "datetime", "--mode", "incremental")
check(rc == 0, f"time: first sync exit {rc}: {err[-400:]}")
types = column_types(wh, "files_events")
check(types.get("ts") == "timestamp with time zone" and types.get("other") == "text",
      f"time: the datetime field is not timestamptz (or another key is): {types}")
got = q(wh, "SELECT id, ts::text FROM files_events ORDER BY id")
check(got == [[1, "2024-03-01 10:00:00+00"], [2, "2024-02-29 23:00:00+00"], [3, "2024-03-02 00:00:00.123456+00"],
              [4, None], [5, "2024-03-01 01:30:00+00"]], f"time: stored instants {got}")
got = q(wh, "SELECT id FROM files_events WHERE ts > '2024-03-01T01:00:00Z' ORDER BY id")
check(got == [[1], [3], [5]], f"time: WHERE ts > ... compares instants: {got}")
# a later batch brings values PostgreSQL's timestamptz cannot hold as
# they are: text, a nanosecond fraction, a leap second, a number
write_rows(d, "events.jsonl", [
    {"id": 6, "ts": "2024-03-03T00:00:00Z"},
    {"id": 7, "ts": "yesterday"},
])
rc, out, err = time_sync(d, wh, "datetime", "--mode", "incremental")
check(rc == 0, f"time: widening sync exit {rc}: {err[-400:]}")
check(column_types(wh, "files_events").get("ts") == "text", f"time: not widened: {column_types(wh, 'files_events')}")
got = q(wh, "SELECT id, ts FROM files_events ORDER BY id")
check(got == [[1, "2024-03-01 10:00:00+00"], [2, "2024-02-29 23:00:00+00"], [3, "2024-03-02 00:00:00.123456+00"],
              [4, None], [5, "2024-03-01 01:30:00+00"], [6, "2024-03-03T00:00:00Z"], [7, "yesterday"]],
      f"time: rows after widening {got}")
for label, value in (("nanoseconds", "2024-03-01T10:00:00.123456789Z"), ("leap second", "2016-12-31T23:59:60Z"),
                     ("a number", 1709287200), ("year 0", "0000-01-01T00:00:00Z")):
    d = tmpdir()
    wh = warehouse(d)
    write_rows(d, "events.jsonl", [{"id": 1, "ts": "2024-03-01T10:00:00Z"}, {"id": 2, "ts": value}])
    rc, out, err = time_sync(d, wh, "datetime", "--mode", "full")
    check(rc == 0, f"time: {label}: exit {rc}: {err[-300:]}")
    typ = column_types(wh, "files_events").get("ts")
    got = q(wh, "SELECT ts::text FROM files_events ORDER BY id")
    check(typ == "text" and got[1] == [str(value)], f"time: {label}: column {typ}, values {got}")
# a date field: date while values are dates alone
d = tmpdir()
wh = warehouse(d)
write_rows(d, "events.jsonl", [{"id": 1, "ts": "2024-03-01"}, {"id": 2, "ts": "2024-02-29"}])
rc, out, err = time_sync(d, wh, "date")
check(rc == 0 and column_types(wh, "files_events").get("ts") == "date", f"date: exit {rc}, column "
      f"{column_types(wh, 'files_events').get('ts')}: {err[-300:]}")
check(q(wh, "SELECT id FROM files_events WHERE ts > '2024-02-29'") == [[1]], "date: WHERE ts > ...")
write_rows(d, "events.jsonl", [{"id": 3, "ts": "2024-03-02T10:00:00Z"}])
rc, out, err = time_sync(d, wh, "date")
check(rc == 0 and column_types(wh, "files_events").get("ts") == "text", f"date: a date-time did not widen: {rc}")
got = q(wh, "SELECT id, ts FROM files_events ORDER BY id")
check(got == [[1, "2024-03-01"], [2, "2024-02-29"], [3, "2024-03-02T10:00:00Z"]], f"date: rows {got}")

# ---- append and replace
d = tmpdir()
wh = warehouse(d)
write_rows(d, "items.jsonl", [{"id": i, "v": i, "name": f"n{i}"} for i in range(1, 6)])
rc, _, err = files_sync(d, wh, "--mode", "incremental")
check(rc == 0, f"append: first sync exit {rc}: {err[-300:]}")
for _ in range(2):
    rc, _, err = files_sync(d, wh, "--mode", "append", "--reset")
    check(rc == 0, f"append: exit {rc}: {err[-300:]}")
got = q(wh, "SELECT count(*) AS n, count(DISTINCT id) AS d FROM files_items")
check(got == [[15, 5]], f"append: rows {got}")
check(q(wh, "SELECT count(*) FROM pg_indexes WHERE indexname = '_dw_pk_files_items'") == [[0]],
      "append: the merge key index is still there (it refuses repeated keys)")
rc, out, err = files_sync(d, wh, "--mode", "incremental", "--reset")
check(rc != 0 and "holds several rows with the same primary key" in err, f"append then merge: {rc} {err[-300:]}")
write_rows(d, "items.jsonl", [{"id": i, "v": i, "name": f"m{i}"} for i in range(1, 4)])
rc, _, err = files_sync(d, wh, "--mode", "full")
check(rc == 0, f"replace: exit {rc}: {err[-300:]}")
check(q(wh, "SELECT id, name FROM files_items ORDER BY id") == [[1, "m1"], [2, "m2"], [3, "m3"]], "replace: rows")
check(q(wh, "SELECT count(*) FROM pg_tables WHERE tablename LIKE '\\_dw\\_staging%'") == [[0]],
      "replace: staging table left behind")
rc, _, err = files_sync(d, wh, "--mode", "incremental", "--reset")
check(rc == 0 and q(wh, "SELECT count(*) FROM files_items") == [[3]], f"replace then merge: {rc} {err[-300:]}")

# ---- the password: accepted in the URL, shown nowhere
d = tmpdir()
wh = warehouse(d)
with_pw = wh.replace("postgresql://dwhost@", f"postgresql://dwhost:{PASSWORD}@")
conninfo = f"host=127.0.0.1 port={pg.port} user=dwhost password={PASSWORD} dbname={wh.rsplit('/', 1)[1]}"
no_pw_env = {k: v for k, v in env().items() if k != "PGPASSWORD"}
write_rows(d, "items.jsonl", [{"id": 1, "v": 1}])
for spec in (with_pw, conninfo):
    rc, out, err = files_sync(d, spec, "--mode", "full", environ=no_pw_env)
    check(rc == 0, f"password in {spec.split(':')[0]}: exit {rc}: {err[-300:]}")
    check(PASSWORD not in out + err, f"password in {spec.split(':')[0]}: printed: {(out + err)[-500:]}")
    rep = json.loads(out) if rc == 0 else {}
    check(rep.get("warehouse") and "password" not in rep["warehouse"], f"password: report names {rep.get('warehouse')}")
    # text summary and debug logs too
    cfg = os.path.join(d, "files.json")
    rc, out, err = run(["sync", "files", "--config", cfg, "--plugin-dir", FILES_PLUGINS, "--warehouse", spec,
                        "--log-level", "debug"], no_pw_env)
    check(rc == 0 and PASSWORD not in out + err, f"password: text summary or log shows it ({rc})")
hist = json.dumps(q(wh, "SELECT command, error FROM dwhost.runs"))
check(PASSWORD not in hist and "***" in hist, f"password: run history {hist[:300]}")

# ---- errors: one line each, exit 8


def one_line_error(rc, err, want, label):
    lines = [l for l in err.splitlines() if l.startswith("dwhost: ")]
    check(rc == 8, f"{label}: exit {rc}, want 8: {err[-300:]}")
    check(len(lines) == 1 and want in lines[0], f"{label}: message {lines!r}, want {want!r}")
    check(PASSWORD not in err, f"{label}: the password is in the message")


d = tmpdir()
wh = warehouse(d)
write_rows(d, "items.jsonl", [{"id": 1, "v": 1}])
bad_pw = wh.replace("postgresql://dwhost@", "postgresql://dwhost:wrong-password-123@")
rc, out, err = files_sync(d, bad_pw, environ=no_pw_env)
one_line_error(rc, err, "the server refused the login", "wrong password")
check("wrong-password-123" not in out + err, "wrong password: the given password is printed")
rc, out, err = files_sync(d, wh, environ=no_pw_env)
one_line_error(rc, err, "the server asks for a password and none was given", "no password")
from pg_server import free_port
rc, out, err = files_sync(d, f"postgresql://dwhost@127.0.0.1:{free_port()}/x")
one_line_error(rc, err, "cannot connect to the PostgreSQL server", "no server")

# read-only: the database refuses writes (as a hot standby does: SQLSTATE 25006)
rc, out, err = files_sync(d, wh)
check(rc == 0, f"read-only: first sync exit {rc}")
dbname = wh.rsplit("/", 1)[1]
pg.execute(f"ALTER DATABASE {dbname} SET default_transaction_read_only = on")
write_rows(d, "items.jsonl", [{"id": 1, "v": 1}, {"id": 2, "v": 2}])
rc, out, err = files_sync(d, wh)
one_line_error(rc, err, "cannot be written", "read-only")
check("read-only replica" in err, f"read-only: does not say why: {err[-300:]}")
pg.execute(f"ALTER DATABASE {dbname} SET default_transaction_read_only = off")
check(q(wh, "SELECT count(*) FROM files_items") == [[1]], "read-only: the table changed")
rc, out, err = files_sync(d, wh)
check(rc == 0 and q(wh, "SELECT count(*) FROM files_items") == [[2]], f"read-only: rerun {rc} {err[-300:]}")

# ---- a full disk: the table's tablespace sits on a 12 MB tmpfs (root only:
# mounting one needs it) and fills mid-run; the state and history stay on the
# server's own disk, as when a data volume fills
def full_disk():
    import pwd
    import subprocess
    mnt = tmpdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", mnt], capture_output=True).returncode:
        print("full disk: skipped (mounting a tmpfs failed)")
        return
    import atexit
    atexit.register(lambda: subprocess.run(["umount", "-l", mnt], capture_output=True))
    ts = os.path.join(mnt, "ts")
    os.mkdir(ts)
    if pg.as_user:
        nobody = pwd.getpwnam("nobody")
        os.chown(ts, nobody.pw_uid, nobody.pw_gid)
    d = tmpdir()
    wh = warehouse(d)
    write_rows(d, "items.jsonl", [{"id": 0, "v": 0}])
    rc, out, err = files_sync(d, wh)
    check(rc == 0, f"full disk: first sync exit {rc}: {err[-300:]}")
    check(pg.execute(f"CREATE TABLESPACE tiny LOCATION '{ts}'") == 0, f"full disk: tablespace: {pg.last_error}")
    dbname = wh.rsplit("/", 1)[1]
    moved = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", wh, "-c",
                            "ALTER TABLE files_items SET TABLESPACE tiny"], capture_output=True, text=True)
    check(moved.returncode == 0, f"full disk: moving the table: {moved.stderr.strip()}")
    # 27 MB of bodies PostgreSQL's compression cannot shrink much
    recs = [{"id": i, "v": i, "body": os.urandom(4500).hex()} for i in range(1, 3001)]
    write_rows(d, "items.jsonl", recs)
    rc, out, err = files_sync(d, wh, "--batch-rows", "100")
    one_line_error(rc, err, "disk is full", "full disk")
    check("rerun to resume" in err, f"full disk: no rerun hint: {err[-300:]}")
    st = state(wh)
    n = q(wh, "SELECT count(*) FROM files_items")[0][0]
    check(1 < n < 3001 and st and st.get("run_rows") == n - 1,
          f"full disk: {n} rows in the table, the state says {st and st.get('run_rows')} after the first row")
    subprocess.run(["mount", "-o", "remount,size=64m", mnt], check=True)
    rc, out, err = files_sync(d, wh, "--batch-rows", "100")
    check(rc == 0, f"full disk: rerun exit {rc}: {err[-300:]}")
    got = q(wh, "SELECT count(*) AS n, count(DISTINCT id) AS ids, sum(length(body)) AS bytes FROM files_items")[0]
    check(got == [3001, 3001, sum(len(r["body"]) for r in recs)], f"full disk: after the rerun {got}")
    pg.execute(f"DROP DATABASE {dbname}")
    pg.execute("DROP TABLESPACE tiny")


if os.geteuid() == 0:
    full_disk()
else:
    print("full disk: skipped (mounting a tmpfs needs root)")

# ---- the connection lost mid-batch, and the server gone mid-run: nothing
# half-committed, the rerun ends with the rows of an uninterrupted run
TOTAL = 3000


def pager(d, **extra):
    cfg = write_config(d, **dict({"total_rows": TOTAL, "page_rows": 70, "partition": "md5"}, **extra))
    return sync_args(cfg, warehouse(d), "--mode", "incremental", "--batch-rows", "300")


bd = tmpdir()
rc, _, err = run(pager(bd))
check(rc == 0, f"baseline exit {rc}: {err[-300:]}")
want = rows(warehouse(bd))
check(column_types(warehouse(bd), "pager_items").get("updated_at") == "timestamp with time zone" and
      column_types(warehouse(bd), "pager_items").get("created_at") == "text",
      f"pager: updated_at (a datetime incremental field) and created_at (none): {column_types(warehouse(bd), 'pager_items')}")


def wait_committed(d, p):
    deadline = time.time() + 30
    while time.time() < deadline and p.poll() is None:
        st = state(warehouse(d))
        if st and st.get("run_rows", 0) > 0:
            return True
        time.sleep(0.02)
    return False


for label in ("connection lost", "server stopped"):
    d = tmpdir()
    args = pager(d, delay_ms=100)  # ~4 s in all
    p = start(args)
    check(wait_committed(d, p), f"{label}: no batch committed")
    if label == "connection lost":
        pg.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'dwhost'")
    else:
        pg.stop("immediate")
    out, err = p.communicate(timeout=120)
    if label == "server stopped":
        pg.start()
    one_line_error(p.returncode, err, "rerun to resume", label)
    check("connection to the PostgreSQL server was lost" in err or "cannot connect" in err,
          f"{label}: message does not say the connection was lost: {err[-300:]}")
    st = state(warehouse(d))
    n = q(warehouse(d), "SELECT count(*) FROM pager_items")[0][0]
    check(st and n == st["run_rows"], f"{label}: {n} rows in the table, the state says {st and st['run_rows']}")
    rc, out, err = run(args + ["--json"])
    check(rc == 0 and json.loads(out)["schemas"][0]["resumed"], f"{label}: rerun exit {rc}: {err[-300:]}")
    check(rows(warehouse(d)) == want, f"{label}: final table differs from an uninterrupted run")
    check(column_types(warehouse(d), "pager_items").get("updated_at") == "timestamp with time zone",
          f"{label}: the datetime field updated_at is not timestamptz after the resume")

# ---- one run per job: the lease lives in dwhost.lease, so a second sync of
# the job (from this machine or another) is turned away while the first runs
d = tmpdir()
args = pager(d, delay_ms=100)
p = start(args + ["--job-id", "job-a"])
check(wait_committed(d, p), "lease: the first run committed nothing")
rc, out, err = run(args + ["--job-id", "job-b"])
check(rc == 12 and "pager/items is already running (job job-a" in err, f"lease: second run exit {rc}: {err[-300:]}")
out, err = p.communicate(timeout=120)
check(p.returncode == 0, f"lease: the first run exit {p.returncode}: {err[-300:]}")
check(q(warehouse(d), "SELECT count(*) FROM dwhost.lease") == [[0]], "lease: not released")

# ---- status reads it: an interrupted job with the command that resumes
# it, then idle; the history; never the password
d = tmpdir()
wh = warehouse(d)
with_pw = wh.replace("postgresql://dwhost@", f"postgresql://dwhost:{PASSWORD}@")
args = pager(d)
rc, _, err = run(args, env(DWHOST_TEST_CRASH_AT="after-batch-commit:2"))
check(rc == -signal.SIGKILL, f"status: the killed sync exit {rc}")
rc, out, err = run(["status", "--warehouse", with_pw, "--json"])
doc = json.loads(out) if rc == 0 else {}
job = (doc.get("jobs") or [{}])[0]
committed = q(wh, "SELECT count(*) FROM pager_items")[0][0]
check(rc == 0 and job.get("status") == "interrupted" and job.get("run_rows") == committed > 0,
      f"status: {rc} {job} {err[-300:]}")
check(doc.get("warehouse") == wh and PASSWORD not in out + err, f"status: names {doc.get('warehouse')}")
rc, out, err = run(["status", "--warehouse", wh])
check(rc == 0 and "to resume: dwhost " + " ".join(args) in out, f"status: no resume command: {out[-400:]}")
rc, _, err = run(args)
rc2, out, err = run(["status", "--warehouse", wh, "--history", "--json"])
runs = json.loads(out).get("runs", []) if rc2 == 0 else []
check(rc == 0 and [r["outcome"] for r in runs] == ["ok", "crashed"], f"status: history {[r.get('outcome') for r in runs]}")
# the killed run and its resume: every row once, updated_at a timestamptz
# the rows' instants compare in (item n: 2024-01-01T00:30Z + n hours)
got = q(wh, "SELECT count(*) AS n, count(DISTINCT id) AS ids,"
            " count(*) FILTER (WHERE updated_at > '2024-01-02T00:00:00Z') AS late FROM pager_items")
check(got == [[TOTAL, TOTAL, TOTAL - 23]], f"status: rows after the resume {got}")
check(column_types(wh, "pager_items").get("updated_at") == "timestamp with time zone",
      f"status: updated_at after the kill and resume: {column_types(wh, 'pager_items')}")
rc, out, err = run(["status", "--warehouse", wh, "--json"])
check(rc == 0 and json.loads(out)["jobs"][0]["status"] == "idle", f"status: after the rerun {out[-300:]}")
rc, out, err = run(["status", "--warehouse", warehouse(tmpdir())])
check(rc == 8 and "is not a dwhost warehouse" in err, f"status: an empty database {rc} {err[-300:]}")

done()
