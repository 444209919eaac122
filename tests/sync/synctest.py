"""synctest.py -- helpers for the sync script tests: run `dwhost sync` on
the pager test plugin, read the warehouse back (Python stdlib only)."""
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
SRC = os.environ["DWHOST_SOURCE_DIR"]
PLUGINS = os.path.join(BUILD, "test-plugins")
sys.path.insert(0, os.path.join(SRC, "tests", "servers"))

failures = []
_dirs = []


def env(**extra):
    e = {k: v for k, v in os.environ.items() if not k.startswith("DWHOST_TEST_") and k != "DWHOST_PLUGIN_PATH"}
    e["DWHOST_NO_DEFAULT_PLUGIN_DIR"] = "1"
    e.update({k: str(v) for k, v in extra.items()})
    return e


def _cleanup():
    for d in _dirs:
        shutil.rmtree(d, ignore_errors=True)


atexit.register(_cleanup)  # also when a test stops on an exception


def tmpdir():
    d = tempfile.mkdtemp(prefix="dwh-sync.")
    _dirs.append(d)
    return d


def write_config(d, name="pager.json", **cfg):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        json.dump(cfg, f)
    return path


def sync_args(config, warehouse=None, *extra):
    a = ["sync", "pager", "--config", config, "--plugin-dir", PLUGINS]
    if warehouse:
        a += ["--warehouse", warehouse]
    return a + list(extra)


def run(args, environ=None, timeout=120, input=None, cwd=None):
    p = subprocess.run([BIN, *args], capture_output=True, text=True, env=environ or env(), timeout=timeout,
                       input=input, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


def start(args, environ=None):
    return subprocess.Popen([BIN, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=environ or env())


def rows(db, table="pager_items"):
    """Every row, without _dw_synced_at, ordered by id (then all columns)."""
    con = sqlite3.connect(db)
    try:
        cols = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")') if r[1] != "_dw_synced_at"]
        q = ", ".join(f'"{c}"' for c in cols)
        return cols, con.execute(f'SELECT {q} FROM "{table}" ORDER BY 1, 2, 3').fetchall()
    finally:
        con.close()


def query(db, sql, *params):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def state(db, schema="items"):
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        r = con.execute("SELECT * FROM _dw_state WHERE schema_name = ?", (schema,)).fetchone()
        return dict(r) if r else None
    finally:
        con.close()


def check(cond, what):
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}", file=sys.stderr, flush=True)
    return cond


def done():
    _cleanup()
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        sys.exit(1)
    print("ok")
