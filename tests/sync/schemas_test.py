"""schemas_test.py -- several schemas in one sync (files connector):
  - a failing schema does not hide or stop the others: every schema is in
    the summary and --json with its status, the exit code is the first
    failure's, the error line is printed once, the query hint names a table
    that exists
  - --output jsonl lines say which schema they belong to
  - an unknown --schema: the same exit code (4) and wording from sync, read
    and check."""
import json
import os

from synctest import BUILD, check, done, query, run, tmpdir

PLUGINS = os.path.join(BUILD, "plugins")

d = tmpdir()
data = os.path.join(d, "data")
os.mkdir(data)
with open(os.path.join(data, "a_bad.csv"), "wb") as f:
    f.write(b"id,name\n1,\xff\xfe\n")  # not UTF-8: this schema fails
with open(os.path.join(data, "b.jsonl"), "w") as f:
    f.write('{"id": 1, "v": "x"}\n{"id": 2, "v": "y"}\n')
with open(os.path.join(data, "c.jsonl"), "w") as f:
    f.write('{"id": 1, "w": 3}\n')
cfg = os.path.join(d, "files.json")
with open(cfg, "w") as f:
    json.dump({"directory": data}, f)
db = os.path.join(d, "w.db")
base = ["sync", "files", "--config", cfg, "--plugin-dir", PLUGINS]


def err_lines(err):
    return [l for l in err.splitlines() if l.startswith("dwhost: sync:")]


# ---- a failing schema first: the others still sync -------------------------
rc, out, err = run(base + ["--warehouse", db])
check(rc == 1, f"keep going: exit {rc}, want 1 (the failing schema's): {err[-300:]}")
rows = {l.split()[0]: l for l in out.splitlines()[2:] if l.startswith("  ") and not l.startswith("   ")}
check(set(rows) == {"a_bad", "b", "c"}, f"keep going: summary rows {list(rows)}: {out}")
check(rows.get("a_bad", "").rstrip().endswith("failed") and rows.get("b", "").rstrip().endswith("ok")
      and rows.get("c", "").rstrip().endswith("ok"), f"keep going: statuses: {out}")
check(query(db, "select count(*) from files_b") == [(2,)] and query(db, "select count(*) from files_c") == [(1,)],
      "keep going: b and c were not synced")
check("query it: sqlite3" in out and "files_b" in out and "from files_a_bad" not in out,
      f"query hint names a table that does not exist: {out}")
lines = err_lines(err)
check(len(lines) == 1 and "not valid UTF-8" in lines[0] and "1 of 3 schemas failed; 2 synced" in lines[0],
      f"one error line: {lines}")
check(err.count("not valid UTF-8") == 1, f"the error is printed more than once on stderr: {err}")

rc, out, err = run(base + ["--warehouse", db, "--json"])
doc = json.loads(out)
st = {s["schema"]: s["status"] for s in doc["schemas"]}
check(rc == 1 and doc["exit_code"] == 1 and st == {"a_bad": "failed", "b": "ok", "c": "ok"}, f"--json statuses: {st}")
bad = [s for s in doc["schemas"] if s["schema"] == "a_bad"][0]
check(bad["table_rows"] is None and "UTF-8" in bad["error"], f"--json failed schema: {bad}")

# ---- --output jsonl: every line names its schema ---------------------------
rc, out, err = run(base + ["--schema", "b", "--schema", "c", "--output", "jsonl"])
lines = [json.loads(l) for l in out.splitlines()]
check(rc == 0 and [(l["schema"], l["row"]["id"]) for l in lines] == [("b", 1), ("b", 2), ("c", 1)],
      f"jsonl: {out}")

# ---- an unknown schema: one code, one wording ------------------------------
want = "the source has no schema 'nope'; choose from: a_bad, b, c"
rc, out, err = run(base + ["--warehouse", db, "--schema", "nope"])
check(rc == 4 and want in err, f"sync unknown schema: exit {rc}: {err[-300:]}")
rc, out, err = run(["read", "files", "--config", cfg, "--plugin-dir", PLUGINS, "--schema", "nope"])
check(rc == 4 and want in err, f"read unknown schema: exit {rc}: {err[-300:]}")
rc, out, err = run(["check", "files", "--config", cfg, "--plugin-dir", PLUGINS, "--schema", "nope"])
check(rc == 4 and want in err, f"check unknown schema: exit {rc}: {err[-300:]}")
rc, out, err = run(["read", "files", "--config", cfg, "--plugin-dir", PLUGINS, "--schema", "b"])
check(rc == 0 and len(out.splitlines()) == 2, f"read a known schema: exit {rc}")

done()
