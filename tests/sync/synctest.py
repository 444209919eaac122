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


# ---- a PostgreSQL warehouse instead of a SQLite file (use_postgres()):
# every scenario directory gets a database of its own on one server, named
# by warehouse(d); rows(), query(), state() and has_table() take either.
_pg = None
_pg_dbs = {}


def use_postgres():
    """Starts the test's PostgreSQL server (tests/servers/pg_server.py); the
    password reaches dwhost through PGPASSWORD, so the URLs (and the rerun
    commands the summaries print) hold none."""
    global _pg
    from pg_server import PgServer, PASSWORD
    _pg = PgServer().start()
    atexit.register(_pg.remove)
    os.environ["PGPASSWORD"] = PASSWORD
    return _pg


def warehouse(d):
    """The --warehouse of scenario directory d: d/w.db, or its own database."""
    if not _pg:
        return os.path.join(d, "w.db")
    if d not in _pg_dbs:
        name = "t_" + os.path.basename(d).replace(".", "_").replace("-", "_").lower()
        if _pg.execute(f"CREATE DATABASE {name}") != 0:
            raise RuntimeError(f"CREATE DATABASE {name}: {_pg.last_error}")
        _pg_dbs[d] = _pg.url_without_password.rsplit("/", 1)[0] + "/" + name
    return _pg_dbs[d]


def _is_pg(db):
    return db.startswith("postgresql://")


def _pg_json(db, sql, as_dicts=False):
    """Rows of sql on database db as lists of JSON-typed values (dicts by
    column name with as_dicts).  One psql process per call."""
    dbname = db.rsplit("/", 1)[1]
    p = subprocess.run(["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", db,
                        "-c", f"SELECT row_to_json(q)::text FROM ({sql}) q"], capture_output=True, text=True,
                       timeout=60)
    if p.returncode != 0:
        if "does not exist" in p.stderr:
            raise LookupError(p.stderr.strip())
        raise RuntimeError(f"psql on {dbname}: {p.stderr.strip()}")
    out = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    return out if as_dicts else [list(r.values()) for r in out]


def has_table(db, table):
    if _is_pg(db):
        return bool(_pg_json(db, f"SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename = '{table}'"))
    return bool(query(db, "SELECT 1 FROM sqlite_master WHERE name = ?", table))


def rows(db, table="pager_items"):
    """Every row, without _dw_synced_at, ordered by id (then all columns)."""
    if _is_pg(db):
        cols = [r[0] for r in _pg_json(db, "SELECT column_name FROM information_schema.columns WHERE table_schema ="
                                           f" 'public' AND table_name = '{table}' ORDER BY ordinal_position")
                if r[0] != "_dw_synced_at"]
        q = ", ".join(f'"{c}"' for c in cols)
        return cols, [tuple(r) for r in _pg_json(db, f'SELECT {q} FROM "{table}" ORDER BY 1, 2, 3')]
    con = sqlite3.connect(db)
    try:
        cols = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")') if r[1] != "_dw_synced_at"]
        q = ", ".join(f'"{c}"' for c in cols)
        return cols, con.execute(f'SELECT {q} FROM "{table}" ORDER BY 1, 2, 3').fetchall()
    finally:
        con.close()


def query(db, sql, *params):
    if _is_pg(db):
        assert not params, "no parameters for PostgreSQL queries"
        return _pg_json(db, sql)
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def state(db, schema="items"):
    if _is_pg(db):
        try:
            r = _pg_json(db, f"SELECT * FROM dwhost.state WHERE schema_name = '{schema}'", as_dicts=True)
        except LookupError:  # no dwhost schema yet
            return None
        return r[0] if r else None
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
