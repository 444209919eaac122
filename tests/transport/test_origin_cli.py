#!/usr/bin/env python3
"""ABI 1.6 through the dwhost CLI, against two scripted servers on
127.0.0.1 (tests/servers/http_script_server.py) -- "A", the source's base
URL, and "B", another origin -- and a real redis-server:

  - the origin rule: a Link next page, a JSON next URL, an auto-detected
    next URL, a redirect and a saved (resumed) page on B are refused with
    exit 6 and one line naming both origins; B never sees a request (so
    never the Authorization header); the rows of the pages before stay
    committed, and the rerun resumes at the page that linked to B;
  - a trusted origin is followed, without the Authorization header;
  - a saved state of another base URL or another resume scope is not
    resumed; the same scope is;
  - a token the server echoes into a next URL (?access_token=...) is not in
    the warehouse's _dw_state, the Redis key or the --state-out file, and
    the resumed run still requests that URL with the token;
  - a key a server echoes into an error body, JSON-escaped as Rails or Go
    write it or form-encoded, is masked in the error line and the log;
  - cloud metadata addresses and names are refused even with
    --allow-internal;
  - the per-row hook drops and reshapes rows, and the lent row cannot be
    emitted; the inclusive upper bound of a descending endpoint's older
    phase is sent one second before the earliest value;
  - a plugin built against the frozen 1.5 header is protected by the same
    rule.

Usage: test_origin_cli.py ORIGX_PLUGIN_DIR ABI15_PLUGIN_DIR"""
import atexit
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.environ["DWHOST_SOURCE_DIR"], "tests", "servers"))
from redis_server import RedisServer  # noqa: E402

BIN = os.environ["DWHOST_BIN"]
SRC = os.environ["DWHOST_SOURCE_DIR"]
PLUGIN_DIR, ABI_DIR = sys.argv[1], sys.argv[2]
TOKEN = "tok-Sekr3t+value/0123456789"
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}", file=sys.stderr)
    return cond


class Server:
    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, os.path.join(SRC, "tests/servers/http_script_server.py"),
                                      "--idle-exit", "90"], stdout=subprocess.PIPE, text=True)
        self.port = int(self.proc.stdout.readline().split()[1])
        self.base = f"http://127.0.0.1:{self.port}"
        self.origin = self.base

    def script(self, routes):
        req = urllib.request.Request(self.base + "/__script", data=json.dumps({"routes": routes}).encode(),
                                     method="POST")
        urllib.request.urlopen(req, timeout=10).read()

    def log(self):
        return json.loads(urllib.request.urlopen(self.base + "/__log", timeout=10).read())

    def targets(self):
        return [r["target"] for r in self.log()]

    def stop(self):
        try:
            urllib.request.urlopen(urllib.request.Request(self.base + "/__quit", method="POST"), timeout=5).read()
        except OSError:
            pass
        self.proc.wait(timeout=10)


tmp = tempfile.mkdtemp(prefix="dwh-origin-")
atexit.register(shutil.rmtree, tmp, True)  # also when a check fails


configs = []


def config(a, **extra):
    configs.append(1)
    path = os.path.join(tmp, f"config{len(configs)}.json")
    with open(path, "w") as f:
        json.dump(dict({"base_url": a.base, "token": TOKEN}, **extra), f)
    return path


def dwhost(*args, plugin_dir=PLUGIN_DIR):
    env = {k: v for k, v in os.environ.items() if k != "DWHOST_PLUGIN_PATH"}
    env["DWHOST_NO_DEFAULT_PLUGIN_DIR"] = "1"
    p = subprocess.run([BIN, *args, "--plugin-dir", plugin_dir], capture_output=True, text=True, env=env, timeout=60)
    return p.returncode, p.stdout, p.stderr


def read(cfg, schema, *extra, plugin_dir=PLUGIN_DIR, source="origx"):
    rc, out, err = dwhost("read", source, "--config", cfg, "--schema", schema, "--allow-internal", *extra,
                          plugin_dir=plugin_dir)
    return rc, [json.loads(l) for l in out.splitlines() if l.strip()], err


def sync(cfg, schema, db, *extra):
    return dwhost("sync", "origx", "--config", cfg, "--schema", schema, "--warehouse", db, "--allow-internal", *extra)


def error_lines(err):
    return [l for l in err.splitlines() if l.startswith("dwhost: ")]


def names_both(err, a, b):
    lines = error_lines(err)
    return len(lines) == 1 and a.origin in lines[0] and b.origin in lines[0], lines


def db_rows(db, table):
    con = sqlite3.connect(db)
    try:
        return sorted(r[0] for r in con.execute(f"SELECT id FROM {table}"))
    finally:
        con.close()


def db_state(db, schema):
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT resume FROM _dw_state WHERE schema_name = ?", (schema,)).fetchone()[0]
    finally:
        con.close()


def link(url):
    return {"Link": f'<{url}>; rel="next"'}


A, B = Server(), Server()
try:
    cfg = config(A)
    # -- a Link next page on another origin: sync exit 6, B untouched --------------
    db = os.path.join(tmp, "w.db")
    A.script({"/pages": [{"json": [{"id": 1}, {"id": 2}], "headers": link(A.base + "/pages?page=2")}],
              "/pages?page=2": [{"json": [{"id": 3}, {"id": 4}], "headers": link(B.base + "/pages?page=3")}]})
    B.script({"/pages": [{"json": [{"id": 99}]}]})
    rc, out, err = sync(cfg, "pages", db)
    check(rc == 6, f"link to B: sync exit 6, got {rc}: {err[-500:]!r}")
    ok, lines = names_both(err, A, B)
    check(ok and "next page" in lines[0], f"link to B: one line naming both origins: {lines}")
    check(B.log() == [], f"link to B: B saw requests: {B.log()}")
    check(TOKEN not in err + out, "link to B: the token was printed")
    check(db_rows(db, "origx_pages") == [1, 2], f"link to B: committed rows {db_rows(db, 'origx_pages')}")
    check("page=2" in db_state(db, "pages") and B.base not in db_state(db, "pages"),
          f"link to B: the state keeps the page that linked: {db_state(db, 'pages')}")
    # the server is fixed: the rerun resumes at page 2 and finishes
    A.script({"/pages?page=2": [{"json": [{"id": 3}, {"id": 4}], "headers": link(A.base + "/pages?page=3")}],
              "/pages?page=3": [{"json": [{"id": 5}]}]})
    rc, out, err = sync(cfg, "pages", db)
    check(rc == 0 and A.targets() == ["/pages?page=2", "/pages?page=3"], f"rerun: {rc} {A.targets()} {err[-300:]!r}")
    check(db_rows(db, "origx_pages") == [1, 2, 3, 4, 5], f"rerun rows {db_rows(db, 'origx_pages')}")
    check(all(r["headers"].get("authorization") == "Bearer " + TOKEN for r in A.log()), "A got the credentials")

    # -- a JSON next URL and an auto-detected one on B: read exit 6 ------------------
    A.script({"/next": [{"json": {"data": [{"id": 1}], "next": B.base + "/next?page=2"}}],
              "/auto": [{"json": {"data": [{"id": 1}], "links": {"next": B.base + "/auto?page=2"}}}]})
    B.script({"/next": [{"json": {"data": [{"id": 2}]}}], "/auto": [{"json": {"data": [{"id": 2}]}}]})
    for schema in ("next", "auto"):
        rc, rows, err = read(cfg, schema)
        ok, lines = names_both(err, A, B)
        check(rc == 6 and ok, f"{schema} to B: exit {rc} {lines}")
        check([r["id"] for r in rows] == [1], f"{schema} to B: the rows before are printed: {rows}")
    check(B.log() == [], f"next/auto to B: B saw requests: {B.log()}")

    # -- a redirect to B ---------------------------------------------------------------
    A.script({"/pages": [{"status": 302, "headers": {"Location": B.base + "/pages"}}]})
    rc, rows, err = read(cfg, "pages")
    ok, lines = names_both(err, A, B)
    check(rc == 6 and ok and "redirected" in lines[0], f"redirect to B: exit {rc} {lines}")
    check(B.log() == [], f"redirect to B: B saw requests: {B.log()}")

    # -- a trusted origin: followed, without the credentials -----------------------------
    tcfg = config(A, trusted=B.base)
    A.script({"/pages": [{"json": [{"id": 1}], "headers": link(B.base + "/pages?page=2")}]})
    B.script({"/pages": [{"json": [{"id": 2}]}]})
    rc, rows, err = read(tcfg, "pages")
    check(rc == 0 and [r["id"] for r in rows] == [1, 2], f"trusted: exit {rc} {rows} {err[-300:]!r}")
    blog = B.log()
    check(len(blog) == 1 and "authorization" not in blog[0]["headers"]
          and blog[0]["headers"].get("accept") == "application/json", f"trusted: B's request {blog}")
    check(A.log()[0]["headers"].get("authorization") == "Bearer " + TOKEN, "trusted: A still gets the token")

    # -- a saved page on another origin; another base URL; another scope ------------------
    state_in = os.path.join(tmp, "state-in.json")

    def saved(**st):
        with open(state_in, "w") as f:
            json.dump(dict({"v": 1, "endpoint": "pages", "phase": 0, "phase_name": "all"}, **st), f)

    B.script({})
    saved(pos={"url": B.base + "/pages?page=7"})  # as an older dwhost saved it: no origin recorded
    A.script({"/pages": [{"json": [{"id": 1}]}], "/pages?page=7": [{"json": [{"id": 7}]}]})
    rc, rows, err = read(cfg, "pages", "--state-in", state_in)
    ok, lines = names_both(err, A, B)
    check(rc == 6 and ok and "saved page" in lines[0] and rows == [], f"saved page on B: {rc} {rows} {lines}")
    check(B.log() == [] and A.log() == [], f"saved page on B: requests {A.log()} {B.log()}")
    saved(origin="http://127.0.0.1:1", pos={"url": "http://127.0.0.1:1/pages?page=7"})
    rc, rows, err = read(cfg, "pages", "--state-in", state_in, "--log-level", "warn")
    check(rc == 0 and [r["id"] for r in rows] == [1] and "another base URL" in err,
          f"state of another base URL: starts over: {rc} {rows} {err[-300:]!r}")
    scfg = config(A, scope="acme/one")
    saved(origin=A.origin, scope="acme/two", pos={"url": A.base + "/pages?page=7"})
    rc, rows, err = read(scfg, "pages", "--state-in", state_in, "--log-level", "warn")
    check(rc == 0 and [r["id"] for r in rows] == [1] and "resume scope" in err,
          f"state of another scope: starts over: {rc} {rows} {err[-300:]!r}")
    saved(origin=A.origin, scope="acme/one", pos={"url": A.base + "/pages?page=7"})
    rc, rows, err = read(scfg, "pages", "--state-in", state_in)
    check(rc == 0 and [r["id"] for r in rows] == [7], f"same scope resumes: {rc} {rows} {err[-300:]!r}")
    out = os.path.join(tmp, "state-out.json")
    rc, rows, err = read(scfg, "pages", "--state-out", out)
    with open(out) as f:
        st = json.load(f)
    check(st.get("scope") == "acme/one" and st.get("origin") == A.origin, f"saved scope and origin: {st}")

    # -- a token echoed into the next URL is not stored in clear ---------------------------
    echoed = "/next?page=2&access_token=" + urllib.parse.quote(TOKEN, safe="")
    first = {"json": {"data": [{"id": 1}, {"id": 2}], "next": A.base + echoed}}
    A.script({"/next": [first], echoed: [{"status": 404, "json": {"error": "gone for now"}}]})
    db2 = os.path.join(tmp, "w2.db")
    with RedisServer() as r:
        rc, out_, err = sync(cfg, "next", db2, "--state", r.url)
        stored = db_state(db2, "next")
        key = r.get("dwhost:resumable:local:origx/next")
        check(rc != 0 and db_rows(db2, "origx_next") == [1, 2], f"echoed token: first run {rc} {err[-300:]!r}")
        for where, text in (("_dw_state", stored), ("Redis", key)):
            check(text and "{{dwhost.secret:" in text and "page=2" in text, f"{where}: no reference: {text}")
            for spelling in (TOKEN, urllib.parse.quote(TOKEN, safe=""), TOKEN.replace("/", "\\/")):
                check(text and spelling not in text, f"{where} holds the token ({spelling}): {text}")
        A.script({echoed: [{"json": {"data": [{"id": 3}]}}]})
        rc, out_, err = sync(cfg, "next", db2, "--state", r.url)
        check(rc == 0 and A.targets() == [echoed], f"echoed token: resumed at {A.targets()} ({rc} {err[-300:]!r})")
        check(db_rows(db2, "origx_next") == [1, 2, 3], f"echoed token: rows {db_rows(db2, 'origx_next')}")
    A.script({"/next": [first], echoed: [{"json": {"data": [{"id": 3}]}}]})
    rc, rows, err = read(cfg, "next", "--limit", "2", "--state-out", out)
    with open(out) as f:
        text = f.read()
    check(rc == 0 and "{{dwhost.secret:" in text and TOKEN not in text
          and urllib.parse.quote(TOKEN, safe="") not in text, f"--state-out holds the token: {text}")
    A.script({echoed: [{"json": {"data": [{"id": 3}]}}]})
    rc, rows, err = read(cfg, "next", "--state-in", out)
    check(rc == 0 and [r["id"] for r in rows] == [3] and A.targets() == [echoed],
          f"--state-in resumes with the token: {rc} {rows} {A.targets()}")
    # the same state with another token: the new token is sent (a rotated credential)
    rcfg = config(A, token="tok-Rotated-0000000000")
    rotated = "/next?page=2&access_token=tok-Rotated-0000000000"
    A.script({rotated: [{"json": {"data": [{"id": 3}]}}]})
    rc, rows, err = read(rcfg, "next", "--state-in", out)
    check(rc == 0 and A.targets() == [rotated], f"rotated token: {rc} {A.targets()}")

    # -- cloud metadata: refused even with --allow-internal ---------------------------------
    for base in ("http://169.254.169.254", "http://[::ffff:169.254.169.254]", "http://metadata.google.internal",
                 "http://100.100.100.200"):
        rc, rows, err = read(config(A, base_url=base), "pages")
        lines = error_lines(err)
        check(rc == 6 and len(lines) == 1 and "cloud metadata" in lines[0], f"metadata {base}: {rc} {lines}")

    # -- a token the server echoes into an error body, in any spelling ------------------------
    odd = "k<ey&Se/kr3t 42"
    ocfg = config(A, token=odd)
    for body in ('{"message":"bad key k\\u003cey\\u0026Se\\/kr3t 42"}',           # Rails, Go
                 '{"message":"bad key k\\u003Cey\\u0026Se\\u002Fkr3t\\u002042"}',  # all escaped
                 "bad key=k%3cey%26Se%2fkr3t+42 (form-encoded, lower-case hex)"):
        A.script({"/pages": [{"status": 401, "body": body, "headers": {"Content-Type": "application/json"}}]})
        rc, rows, err = read(ocfg, "pages", "--log-level", "debug")
        lines = error_lines(err)
        check(rc == 5 and len(lines) == 1 and "bad key" in lines[0] and "***" in lines[0],
              f"echoed key: {rc} {lines}")
        check("kr3t" not in err, f"echoed key in stderr: {err[-400:]!r}")

    # -- the row hook ----------------------------------------------------------------------
    cfg = config(A)
    A.script({"/hooked": [{"json": [{"id": 1, "n": 2, "meta": {"when": "2024-01-01"}},
                                    {"id": 2, "n": 3, "draft": True},
                                    {"id": 3, "n": 4, "meta": {"when": "2024-01-03"}, "when": "old"}],
                           "headers": link(A.base + "/hooked?page=2")}],
              "/hooked?page=2": [{"json": [{"id": 4}]}]})
    rc, rows, err = read(cfg, "hooked")
    check(rc == 0 and rows == [{"id": 1, "n": 2, "meta": {"when": "2024-01-01"}, "when": "2024-01-01", "n2": 4},
                               {"id": 3, "n": 4, "meta": {"when": "2024-01-03"}, "when": "2024-01-03", "n2": 8},
                               {"id": 4, "when": None}], f"hook: {rc} {rows} {err[-300:]!r}")
    A.script({"/hooked": [{"json": [{"id": 1}, {"id": 2, "fail": "no meta"}]}]})
    rc, rows, err = read(cfg, "hooked")
    lines = error_lines(err)
    check(rc == 1 and [r["id"] for r in rows] == [1] and len(lines) == 1 and "row 2 cannot be read (no meta)" in lines[0],
          f"hook error: {rc} {rows} {lines}")
    rc, rows, err = read(cfg, "misused")
    lines = error_lines(err)
    check(rc == 1 and rows == [] and len(lines) == 1 and "the row a row hook got is the host's" in lines[0],
          f"emitting the lent row: {rc} {rows} {lines}")

    # -- an inclusive upper bound: until = earliest - 1 s, then since = last -----------------
    A.script({"/events": [{"json": [{"id": 3, "ts": 300}, {"id": 2, "ts": 200}]}]})
    rc, rows, err = read(cfg, "events", "--incremental-field", "ts", "--earliest-value", "500", "--last-value", "900")
    qs = [r["query"] for r in A.log()]
    check(rc == 0 and qs[:1] == ["until=499"] and "since=900" in qs, f"until param: {rc} {qs} {err[-300:]!r}")

    # -- a 1.5 plugin (no trusted origins of its own): the rule protects it too ---------------
    A.script({"/v15/items": [{"json": {"data": [{"id": 1}], "next": B.base + "/v15/items?page=2"}}]})
    B.script({"/v15/items": [{"json": {"data": [{"id": 2}]}}]})
    rc, rows, err = read(cfg, "items", plugin_dir=ABI_DIR, source="abit_v15")
    ok, lines = names_both(err, A, B)
    check(rc == 6 and ok and [r["id"] for r in rows] == [1], f"1.5 plugin: {rc} {rows} {lines}")
    check(B.log() == [], f"1.5 plugin: B saw requests {B.log()}")
    A.script({"/v15/items": [{"json": {"data": [{"id": 1}], "next": A.base + "/v15/items?page=2"}}],
              "/v15/items?page=2": [{"status": 404}]})
    rc, rows, err = read(cfg, "items", plugin_dir=ABI_DIR, source="abit_v15")
    check(rc == 0 and [r["id"] for r in rows] == [1], f"1.5 plugin pages on its origin: {rc} {rows} {err[-300:]!r}")
finally:
    A.stop()
    B.stop()

if failures:
    print(f"{len(failures)} check(s) failed", file=sys.stderr)
    sys.exit(1)
print("ok")
