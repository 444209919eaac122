"""files_test.py -- `dwhost sync` end to end with the files connector:
rows straight from JSONL files a user might have.  Duplicate and missing
primary keys fail an incremental sync with a message naming the key and a
value (nothing of the batch kept); hostile column names and nested values
land intact; composite keys merge."""
import json
import os

from synctest import BUILD, check, done, query, run, tmpdir

PLUGINS = os.path.join(BUILD, "plugins")


def files_sync(d, db, *extra, **cfg):
    # an incremental field makes the files source offer incremental (merge) syncs
    c = {"directory": d, "page_rows": 2, "incremental_field": "seq", "incremental_field_type": "integer"}
    c.update(cfg)
    path = os.path.join(d, "..", os.path.basename(d) + ".json")
    with open(path, "w") as f:
        json.dump(c, f)
    return run(["sync", "files", "--config", path, "--plugin-dir", PLUGINS, "--warehouse", db, *extra])


def write_jsonl(d, name, rows):
    with open(os.path.join(d, name), "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")


def err_line(err):
    return ([l for l in err.splitlines() if l.startswith("dwhost: sync:")] or [""])[-1]


# ---- duplicate keys in one batch ------------------------------------------
d = os.path.join(tmpdir(), "dups")
os.mkdir(d)
write_jsonl(d, "events.jsonl", [{"id": 1, "v": "a"}, {"id": 2, "v": "b"}, {"id": 7, "v": "c"}, {"id": 7, "v": "d"}])
db = os.path.join(os.path.dirname(d), "w.db")
rc, out, err = files_sync(d, db, primary_key="id", repeated_keys="fail")
line = err_line(err)
check(rc == 1, f"duplicate keys: exit {rc}, want 1: {err[-300:]}")
check("primary key (id) value 7 appears more than once in one batch" in line, f"duplicate keys: {line!r}")
check("--mode append" in line, f"duplicate keys: no way out offered: {line!r}")
check(not query(db, "select 1 from sqlite_master where name='files_events'"), "duplicate keys: the batch was kept")
# append takes them as they are
rc, out, err = files_sync(d, db, "--mode", "append", primary_key="id")
check(rc == 0 and query(db, "select count(*) from files_events") == [(4,)], f"append with duplicates: {rc} {err[-200:]}")

# ---- the same duplicate in different batches fails too (not batch-dependent) --
d = os.path.join(tmpdir(), "dups2")
os.mkdir(d)
write_jsonl(d, "events.jsonl", [{"id": 1, "v": "a"}, {"id": 7, "v": "b"}, {"id": 3, "v": "c"}, {"id": 7, "v": "d"}])
db = os.path.join(os.path.dirname(d), "w.db")
rc, out, err = files_sync(d, db, "--batch-rows", "2", primary_key="id", repeated_keys="fail")
line = err_line(err)
check(rc == 1 and "primary key (id) value 7 appears more than once in this run" in line,
      f"duplicate keys across batches: exit {rc}: {line!r}")
check(query(db, "select id, v from files_events order by id") == [(1, "a"), (7, "b")],
      "duplicate keys across batches: the failing batch was kept")
# a later run updates the keys an earlier run wrote
write_jsonl(d, "events.jsonl", [{"id": 1, "v": "a2"}, {"id": 7, "v": "b2"}, {"id": 3, "v": "c2"}])
rc, out, err = files_sync(d, db, "--batch-rows", "2", "--reset", primary_key="id", repeated_keys="fail")
check(rc == 0 and query(db, "select id, v from files_events order by id") == [(1, "a2"), (3, "c2"), (7, "b2")],
      f"a later run updates: exit {rc}: {err_line(err)}")

# ---- repeated_keys "last" (the default): the source declares
# has_duplicate_primary_keys and the last row of each key wins ------------
def repeat_case(name, rows, *extra):
    d = os.path.join(tmpdir(), name)
    os.mkdir(d)
    write_jsonl(d, "events.jsonl", rows)
    db = os.path.join(os.path.dirname(d), "w.db")
    rc, out, err = files_sync(d, db, "--log-level", "info", *extra, primary_key="id")
    return rc, err, query(db, "select id, v from files_events order by rowid") if rc == 0 else None


log_rows = [{"id": 1, "v": "a"}, {"id": 7, "v": "b"}, {"id": 7, "v": "c"}, {"id": 3, "v": "d"}, {"id": 1, "v": "e"},
            {"id": 7, "v": "f"}]
for mode in ("incremental", "full"):
    for batch in ("100", "2", "1"):  # in one batch, across batches, one row per batch
        rc, err, got = repeat_case(f"rep_{mode}_{batch}", log_rows, "--mode", mode, "--batch-rows", batch)
        check(rc == 0, f"repeated keys ({mode}, batch {batch}): exit {rc}: {err_line(err)}")
        check(got is not None and sorted(got) == [(1, "e"), (3, "d"), (7, "f")],
              f"repeated keys ({mode}, batch {batch}): the last row of each key, got {got}")
        info = [l for l in err.splitlines() if "sync.keys.repeated" in l]
        check(len(info) == 1 and "3 rows were replaced" in info[0],
              f"repeated keys ({mode}, batch {batch}): one info line with the count: {info}")
# one batch: the rows that stay keep their order (3 before 1 before 7)
rc, err, got = repeat_case("rep_order", log_rows, "--mode", "full")
check(got == [(3, "d"), (1, "e"), (7, "f")], f"repeated keys: order of the kept rows: {got}")
# no repeats: no info line
rc, err, got = repeat_case("rep_none", [{"id": 1, "v": "a"}, {"id": 2, "v": "b"}])
check(rc == 0 and not [l for l in err.splitlines() if "sync.keys.repeated" in l], "no repeats: no info line")
# append keeps every row
rc, err, got = repeat_case("rep_append", log_rows, "--mode", "append")
check(rc == 0 and len(got or []) == 6, f"append keeps every row: {got}")

# ---- QA #2: a JSONL change log whose later line updates id 1, synced
# incrementally twice ------------------------------------------------------
d = os.path.join(tmpdir(), "qa2")
os.mkdir(d)
with open(os.path.join(d, "t.jsonl"), "w") as f:
    f.write('{"id":1,"updated_at":"2024-05-01T10:00:00Z"}\n{"id":2,"updated_at":"2024-05-01T10:00:00Z"}\n')
db = os.path.join(os.path.dirname(d), "w.db")
cfg = {"incremental_field": "updated_at", "incremental_field_type": "datetime", "page_rows": 1000}
rc, out, err = files_sync(d, db, **cfg)
check(rc == 0, f"QA #2 first sync: exit {rc}: {err_line(err)}")
with open(os.path.join(d, "t.jsonl"), "a") as f:
    f.write('{"id":3,"updated_at":"2024-05-01T10:00:00Z"}\n{"id":4,"updated_at":"2024-05-01T10:00:01Z"}\n'
            '{"id":1,"updated_at":"2024-05-01T10:00:00.5Z"}\n')
rc, out, err = files_sync(d, db, **cfg)
got = query(db, "select id, updated_at from files_t order by id")
check(rc == 0 and got == [(1, "2024-05-01T10:00:00.5Z"), (2, "2024-05-01T10:00:00Z"), (3, "2024-05-01T10:00:00Z"),
                          (4, "2024-05-01T10:00:01Z")], f"QA #2 second sync: exit {rc}: {err_line(err)} {got}")

# ---- values keep the type the source sent, whatever the column saw first ----
d = os.path.join(tmpdir(), "types")
os.mkdir(d)
write_jsonl(d, "t.jsonl", [{"id": 1, "code": "007", "n": 5}, {"id": 2, "code": 7, "n": "5"},
                           {"id": 3, "code": 1.5, "n": "05.0"}, {"id": 4, "code": True, "n": None}])
db = os.path.join(os.path.dirname(d), "w.db")
rc, out, err = files_sync(d, db, "--batch-rows", "1", primary_key="id")
got = query(db, "select code, typeof(code), n, typeof(n) from files_t order by id")
check(rc == 0 and got == [("007", "text", 5, "integer"), (7, "integer", "5", "text"), (1.5, "real", "05.0", "text"),
                          (1, "integer", None, "null")], f"types: exit {rc}: {got}")

# ---- a missing key --------------------------------------------------------
d = os.path.join(tmpdir(), "nulls")
os.mkdir(d)
write_jsonl(d, "events.jsonl", [{"id": 1}, {"name": "no id here"}])
db = os.path.join(os.path.dirname(d), "w.db")
rc, out, err = files_sync(d, db, primary_key="id")
line = err_line(err)
check(rc == 1 and "no value for primary key 'id'" in line and "no id here" in line, f"missing key: {rc} {line!r}")

# ---- composite keys merge, hostile names and nested values land intact ----
d = os.path.join(tmpdir(), "weird")
os.mkdir(d)
write_jsonl(d, "things.jsonl", [
    {"org": "a", "n": 1, "ID": "upper", "id": "lower", "a\"b": 1, "x); DROP TABLE files_things; --": 2,
     "_dw_synced_at": "mine", "nested": {"k": [1, {"z": None}], "s": "é/\""}, "flag": True},
    {"org": "a", "n": 2, "nested": [], "flag": False},
])
db = os.path.join(os.path.dirname(d), "w.db")
rc, out, err = files_sync(d, db, primary_key="org,n")
check(rc == 0, f"weird: exit {rc}: {err[-300:]}")
cols = [r[1] for r in query(db, "select * from pragma_table_info('files_things')")]
check("a\"b" in cols and "x); DROP TABLE files_things; --" in cols, f"weird: columns {cols}")
check(any(c.startswith("_dw_synced_at__") for c in cols), f"weird: a data key took over _dw_synced_at: {cols}")
check(len([c for c in cols if c.lower() == "id" or c.lower().startswith("id__")]) == 2, f"weird: id/ID: {cols}")
got = query(db, "select nested, json_extract(nested, '$.s'), flag from files_things order by n")
check(got == [('{"k":[1,{"z":null}],"s":"é/\\""}', 'é/"', 1), ("[]", None, 0)], f"weird: nested {got}")
# the same file again with one row changed: merged on (org, n)
write_jsonl(d, "things.jsonl", [{"org": "a", "n": 2, "nested": [3], "flag": True}, {"org": "b", "n": 1}])
rc, out, err = files_sync(d, db, "--reset", primary_key="org,n")
check(rc == 0, f"weird merge: exit {rc}: {err[-300:]}")
check(query(db, "select org, n, nested, flag from files_things order by org, n") ==
      [("a", 1, '{"k":[1,{"z":null}],"s":"é/\\""}', 1), ("a", 2, "[3]", 1), ("b", 1, None, None)],
      f"weird merge: {query(db, 'select org, n, nested, flag from files_things order by org, n')}")
done()
