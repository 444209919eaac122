"""cli_test.py -- `dwhost sync` as a user sees it: the summary and how to
query the result, --json, --output jsonl (with and without Redis state),
option and schema errors with their exit codes, incremental field choice,
descending watermarks, partitions."""
import json
import os
import signal

from synctest import PLUGINS, check, done, env, query, rows, run, state, sync_args, tmpdir, write_config
from redis_server import RedisServer  # noqa: E402

TOTAL = 500
d = tmpdir()
cfg = write_config(d, total_rows=TOTAL, page_rows=40, partition="datetime")
db = os.path.join(d, "w.db")

# ---- the summary names the table, the rows and how to query it ---------
rc, out, err = run(sync_args(cfg, db))
check(rc == 0, f"sync: exit {rc}: {err}")
check("synced pager" in out and "pager_items" in out and "incremental" in out, f"summary: {out}")
check(f"query it: sqlite3 {db} 'select count(*) from pager_items'" in out, f"query hint: {out}")
check("incremental field id*," in out and out.count("* the first incremental field the schema advertises") == 1,
      "summary: the defaulted field is not said (once)")
check(query(db, "select count(*) from pager_items") == [(TOTAL,)], "rows in the table")
check(query(db, "select _dw_partition_key from pager_items where id = 1") == [("2024-01",)], "datetime partition")
check(query(db, "select count(distinct _dw_partition_key) from pager_items") == [(1,)], "partitions by month")
# progress is quiet when stderr is not a terminal
check("rows/s" not in err, "progress printed to a non-terminal")

# ---- every log line names team, source, schema and job ---------------------
rc, out, err = run(sync_args(cfg, db, "--log-level", "info", "--job-id", "j-1", "--team-id", "9"))
lines = [json.loads(l) for l in err.splitlines() if l.startswith("{")]
check(len(lines) >= 4, f"log lines: {err[-300:]}")
for l in lines:
    check(l.get("job_id") == "j-1" and l.get("team_id") == "9" and l.get("source_id") == "pager"
          and l.get("source_type") == "pager", f"log line without identity: {l}")
check(any(l.get("schema") == "items" for l in lines), "no log line names the schema")
rc, out, err = run(sync_args(cfg, db, "--log-level", "info", "--log-format", "text", "--job-id", "j-2"))
tl = [l for l in err.splitlines() if l.strip()]
check(tl and all("job=j-2" in l and "team=local" in l and "source_id=pager" in l for l in tl), f"text log: {tl[:3]}")

# ---- on a terminal, stderr shows progress (schema, rows, rows/s, batches) ----
import pty
import subprocess
from synctest import BIN, env as _env
pd = tmpdir()
pcfg = write_config(pd, total_rows=3000, page_rows=100, delay_ms=2)
master, slave = pty.openpty()
p = subprocess.Popen([BIN, *sync_args(pcfg, os.path.join(pd, "w.db"), "--batch-rows", "500")], stdout=subprocess.PIPE,
                     stderr=slave, env=_env(), text=True)
os.close(slave)
chunks = []
while True:
    try:
        data = os.read(master, 4096)
    except OSError:
        break
    if not data:
        break
    chunks.append(data.decode(errors="replace"))
p.communicate(timeout=60)
os.close(master)
tty_err = "".join(chunks)
check(p.returncode == 0, f"progress run: exit {p.returncode}")
check("schema 1/1 items: 3000 rows," in tty_err and "rows/s, 6 batches" in tty_err,
      f"progress on a terminal: {tty_err[-300:]!r}")
check(" 0 rows, " not in tty_err, f"progress: an empty line before the first batch: {tty_err[:300]!r}")

# ---- --json: one document for machines ------------------------------------
rc, out, err = run(sync_args(cfg, db, "--json", "--job-id", "job-42", "--team-id", "7"))
doc = json.loads(out)
check(rc == 0 and doc["ok"] and doc["exit_code"] == 0, f"--json: {doc}")
check(doc["job_id"] == "job-42" and doc["team_id"] == "7" and doc["source"] == "pager", "--json identity")
s = doc["schemas"][0]
check(s["table"] == "pager_items" and s["mode"] == "incremental" and s["table_rows"] == TOTAL, f"--json schema {s}")
check(s["incremental_field"] == "id" and s["incremental_field_defaulted"], "--json field")
check(doc["warehouse"] == db and doc["state"] == "warehouse", "--json warehouse/state")
# a new team is a new job: it starts from scratch
check(s["rows"] == TOTAL and s["last_value"] == TOTAL, f"--json team 7 synced {s['rows']} rows")
rc, out, err = run(sync_args(cfg, db, "--json", "--team-id", "7"))
s = json.loads(out)["schemas"][0]
check(s["rows"] == 0, f"second incremental run of team 7 synced {s['rows']} rows")

# ---- the user's incremental field, never another ---------------------------
rc, out, err = run(sync_args(cfg, db, "--incremental-field", "updated_at", "--json"))
s = json.loads(out)["schemas"][0]
check(rc == 0 and s["incremental_field"] == "updated_at" and not s["incremental_field_defaulted"], f"field choice {s}")
check(s["last_value"] == "2024-01-21T20:30:00Z", f"datetime watermark {s['last_value']}")
rc, out, err = run(sync_args(cfg, db, "--incremental-field", "bogus"))
check(rc == 4, f"bogus field: exit {rc}")
check("no incremental field 'bogus'; choose one of: id, updated_at" in err, f"bogus field: {err}")
rc, out, err = run(sync_args(cfg, db, "--incremental-field", "items=created_at"))
check(rc == 4 and "choose one of" in err, f"scoped bogus field: {rc} {err}")

# ---- schemas and options ----------------------------------------------------
rc, out, err = run(sync_args(cfg, db, "--schema", "nope"))
check(rc == 4 and "no schema 'nope'; choose from: items" in err, f"unknown schema: {rc} {err}")
for bad in (["--mode", "merge-ish"], ["--batch-rows", "0"], ["--full-refresh", "--reset"],
            ["--restart-refresh", "--reset"], ["--restart-refresh", "--mode", "append"],
            ["--output", "csv"], ["--state-ttl", "-1"], ["--bogus"]):
    rc, out, err = run(sync_args(cfg, db, *bad))
    check(rc == 2 and "dwhost: sync:" in err, f"usage error for {bad}: exit {rc}: {err}")
rc, out, err = run(["sync", "--help"])
check(rc == 0 and "usage: dwhost sync" in out and "exit status" in out, "sync --help")
# the help names the whole --state URL form the parser accepts (password, default port)
check("redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]" in out, "sync --help documents the --state URL form")
# a --state URL that does not parse: the expected form is shown whole (not masked as a password)
rc, out, err = run(["sync", "pager", "--config", "-", "--plugin-dir", PLUGINS, "--output", "jsonl", "--state", "http://x"],
                   input="{}", cwd=tmpdir())
check("expected redis://HOST[:PORT][/DB], with USER:PASSWORD@" in err and "***" not in err,
      f"a bad --state URL names the form: {err.strip()}")
rc, out, err = run(["sync", "nosuch", "--config", cfg, "--plugin-dir", os.path.dirname(cfg)])
check(rc == 3, f"unknown source: exit {rc}")
rc, out, err = run(sync_args(os.path.join(d, "missing.json"), db))
check(rc == 4, f"missing config: exit {rc}")

# ---- a failing source keeps its whole pages and says why --------------------
fd = tmpdir()
fcfg = write_config(fd, total_rows=TOTAL, page_rows=40, fail_after_pages=3)
rc, out, err = run(sync_args(fcfg, os.path.join(fd, "w.db"), "--mode", "append"))
check(rc == 6 and "simulated outage" in err, f"source failure: exit {rc}: {err[-300:]}")
check(query(os.path.join(fd, "w.db"), "select count(*) from pager_items") == [(120,)], "source failure: 3 pages kept")

# ---- full refresh replaces; append appends -----------------------------------
rc, out, err = run(sync_args(cfg, db, "--full-refresh", "--json"))
s = json.loads(out)["schemas"][0]
check(rc == 0 and s["mode"] == "full" and s["rows"] == TOTAL and s["table_rows"] == TOTAL, f"full refresh {s}")
rc, out, err = run(sync_args(cfg, db, "--mode", "append", "--reset", "--json"))
s = json.loads(out)["schemas"][0]
check(rc == 0 and s["table_rows"] == 2 * TOTAL, f"append after reset: {s}")

# ---- descending sources: earliest per batch, last at the end -----------------
dd = tmpdir()
dcfg = write_config(dd, total_rows=TOTAL, page_rows=40, sort="desc")
ddb = os.path.join(dd, "w.db")
rc, out, err = run(sync_args(dcfg, ddb, "--batch-rows", "100", "--json"))
s = json.loads(out)["schemas"][0]
check(rc == 0 and s["last_value"] == TOTAL and s["earliest_value"] == 1, f"desc watermarks {s}")
# interrupted: the max is kept as pending (not lost), earliest moves down
dd2 = tmpdir()
dcfg2 = write_config(dd2, total_rows=TOTAL, page_rows=40, sort="desc")
ddb2 = os.path.join(dd2, "w.db")
rc, out, err = run(sync_args(dcfg2, ddb2, "--batch-rows", "100"), env(DWHOST_TEST_CRASH_AT="after-batch-commit:2"))
st = state(ddb2)
check(rc == -signal.SIGKILL and st["pending_last_value"] == str(TOTAL) and st["last_value"] is None,
      f"desc interrupted: {st}")
check(st["earliest_value"] is not None and int(st["earliest_value"]) > 1, f"desc interrupted earliest: {st}")
rc, out, err = run(sync_args(dcfg2, ddb2, "--batch-rows", "100", "--json"))
s = json.loads(out)["schemas"][0]
check(rc == 0 and s["last_value"] == TOTAL and s["earliest_value"] == 1 and s["resumed"], f"desc resumed {s}")
check(rows(ddb2) == rows(ddb), "desc: resumed table differs")

# ---- --output jsonl: rows on stdout, the summary on stderr -------------------
jd = tmpdir()
rc, out, err = run(["sync", "pager", "--config", cfg, "--plugin-dir", PLUGINS, "--output", "jsonl"], cwd=jd)
lines = out.splitlines()
check(rc == 0 and len(lines) == TOTAL, f"jsonl: exit {rc}, {len(lines)} lines")
first = json.loads(lines[0])
check(first["schema"] == "items" and first["row"]["id"] == 1 and set(first) == {"schema", "row"}
      and "_dw_synced_at" not in lines[0], f"jsonl row: {lines[0]}")
check("synced pager" in err and "query it" not in err, "jsonl: summary on stderr")
check(os.listdir(jd) == [], f"jsonl: files written: {os.listdir(jd)}")

# with Redis state: a crash, then the rest; every row exactly once
with RedisServer() as r:
    args = ["sync", "pager", "--config", cfg, "--plugin-dir", PLUGINS, "--output", "jsonl", "--state", r.url,
            "--batch-rows", "100"]
    rc1, out1, err1 = run(args, env(DWHOST_TEST_CRASH_AT="after-batch-commit:2"))
    check(rc1 == -signal.SIGKILL, f"jsonl crash: exit {rc1}")
    rec = json.loads(r.get("dwhost:resumable:local:pager/items"))
    check(rec["write_mode"] == "incremental" and rec["resume"] is not None, f"jsonl crash: Redis state {rec}")
    rc2, out2, err2 = run(args)
    ids = [json.loads(l)["row"]["id"] for l in (out1 + out2).splitlines()]
    check(rc2 == 0 and sorted(ids) == list(range(1, TOTAL + 1)), f"jsonl resume: {len(ids)} rows, {len(set(ids))} distinct")
    rec = json.loads(r.get("dwhost:resumable:local:pager/items"))
    check(rec["write_mode"] is None and rec["last_value"] == str(TOTAL), f"jsonl final Redis state {rec}")
# ---- --state-namespace: a separate resume state and watermarks -------------
nd = tmpdir()
ncfg = write_config(nd, total_rows=200, page_rows=40)
ndb = os.path.join(nd, "w.db")
rc, out, err = run(sync_args(ncfg, ndb, "--state-namespace", "blue", "--json"))
rep = json.loads(out)
check(rc == 0 and rep["state_namespace"] == "blue" and rep["schemas"][0]["rows"] == 200, f"ns blue: {rc} {out[:300]}")
rc, out, err = run(sync_args(ncfg, ndb, "--state-namespace", "blue", "--json"))
check(rc == 0 and json.loads(out)["schemas"][0]["rows"] == 0, f"ns blue again: nothing new expected: {out[:300]}")
# another namespace starts from its own (empty) state: every row again, merged
rc, out, err = run(sync_args(ncfg, ndb, "--state-namespace", "green"))
check(rc == 0 and "state namespace green" in out, f"ns green summary: {out}")
check(query(ndb, "select namespace, last_value from _dw_state order by 1") == [("blue", "200"), ("green", "200")],
      f"ns states: {query(ndb, 'select namespace, last_value from _dw_state')}")
check(query(ndb, "select count(*), count(distinct id) from pager_items") == [(200, 200)], "ns: merged, not duplicated")
rc, out, err = run(sync_args(ncfg, ndb, "--json"))
check(rc == 0 and json.loads(out)["state_namespace"] is None and json.loads(out)["schemas"][0]["rows"] == 200,
      "no namespace: its own state too")
rc, out, err = run(sync_args(ncfg, ndb, "--state-namespace", ""))
check(rc == 2 and "--state-namespace wants a name" in err, f"empty ns: {rc} {err}")
rc, out, err = run(sync_args(ncfg, ndb, "--state-namespace", "x" * 129))
check(rc == 4 and "state namespace is longer than 128 bytes" in err and err.count("\n") == 1, f"long ns: {rc} {err}")
rc, out, err = run(sync_args(ncfg, ndb, "--state-namespace", "a\tb"))
check(rc == 4 and "control character" in err and "\t" not in err, f"control ns: {rc} {err!r}")
with RedisServer() as r:
    rc, out, err = run(sync_args(ncfg, os.path.join(nd, "w2.db"), "--state", r.url, "--state-namespace", "blue"))
    rec = r.get("dwhost:resumable:local:pager/items:blue")
    check(rc == 0 and rec and json.loads(rec)["last_value"] == "200", f"ns in the Redis key: {rc} {err} {rec}")
    check(r.get("dwhost:resumable:local:pager/items") is None, "ns: the plain key was written")
done()
