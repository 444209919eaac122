#!/usr/bin/env python3
"""The files connector through `dwhost sync` twice (QA #2): rows added after
a sync with the same timestamp as the watermark, a fraction after the
watermark's whole second, and an offset that names a later instant all
reach the warehouse; rows before the watermark are not read again."""
import atexit
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

BIN = os.environ["DWHOST_BIN"]
BUILD = os.environ["DWHOST_BUILD_DIR"]
ENV = dict(os.environ, DWHOST_NO_DEFAULT_PLUGIN_DIR="1", DWHOST_PLUGIN_PATH=os.path.join(BUILD, "plugins"))
TMP = tempfile.mkdtemp(prefix="dwh-files-sync-")
atexit.register(shutil.rmtree, TMP, True)  # nothing left behind, pass or fail
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def sync(*args):
    p = subprocess.run([BIN, "sync", "files", *args], capture_output=True, env=ENV, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


data = os.path.join(TMP, "data")
os.mkdir(data)
path = os.path.join(data, "t.jsonl")


def append(*rows):
    with open(path, "a") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")


cfg = os.path.join(TMP, "ts.json")
with open(cfg, "w") as f:
    json.dump({"directory": data, "incremental_field": "updated_at"}, f)
wh = os.path.join(TMP, "wh.db")

append({"id": 1, "updated_at": "2024-05-01T10:00:00Z"}, {"id": 2, "updated_at": "2024-05-01T10:00:00Z"})
rc, out, err = sync("--config", cfg, "--warehouse", wh)
check(rc == 0, f"first sync: exit {rc}: {err}")
append({"id": 3, "updated_at": "2024-05-01T10:00:00Z"},        # equal to the watermark
       {"id": 4, "updated_at": "2024-05-01T10:00:01Z"},
       {"id": 5, "updated_at": "2024-05-01T10:00:00.5Z"},      # '.' sorts before 'Z' as text
       {"id": 6, "updated_at": "2024-05-01T12:00:00.7+02:00"}, # 10:00:00.7Z
       {"id": 7, "updated_at": "2024-05-01T09:00:00Z"})        # before: not read again
rc, out, err = sync("--config", cfg, "--warehouse", wh)
check(rc == 0, f"second sync: exit {rc}: {err}")
db = sqlite3.connect(wh)
ids = [r[0] for r in db.execute("select id from files_t order by id")]
check(ids == [1, 2, 3, 4, 5, 6], f"warehouse ids {ids}, expected 1..6 (7 is before the watermark)")
# The watermark is the latest instant, not the largest text.
check('last value "2024-05-01T10:00:01Z"' in out, f"second sync's watermark: {out}")
db.close()

if failures:
    sys.exit(1)
print("ok")
