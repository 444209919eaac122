"""servetest.py -- helpers for the `dwhost serve` tests: start the service
on a free loopback port (it picks one with --listen 127.0.0.1:0 and says
which on stderr), talk to it with http.client, stop it."""
import atexit
import http.client
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

BIN = os.environ["DWHOST_BIN"]
BUILD = os.environ["DWHOST_BUILD_DIR"]
SOURCE = os.environ["DWHOST_SOURCE_DIR"]
TEST_PLUGINS = os.path.join(BUILD, "test-plugins")
failures = []
_dirs = []
_services = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr, flush=True)
    return cond


def done(name):
    for s in list(_services):
        s.kill()
    if failures:
        print(f"{name}: {len(failures)} check(s) failed", file=sys.stderr)
        sys.exit(1)
    print(f"{name}: all checks passed")


def tmpdir():
    d = tempfile.mkdtemp(prefix="dwh-serve-")
    _dirs.append(d)
    return d


@atexit.register
def _cleanup():
    for s in list(_services):
        s.kill()
    for d in _dirs:
        shutil.rmtree(d, ignore_errors=True)


def env(**extra):
    e = {k: v for k, v in os.environ.items() if k not in ("DWHOST_PLUGIN_PATH", "DWHOST_SERVE_TOKEN",
                                                          "DWHOST_NO_CRASH_GUARD", "CRASHER_CRASH")}
    e["DWHOST_NO_DEFAULT_PLUGIN_DIR"] = "1"
    e.update(extra)
    return e


class Service:
    """A running `dwhost serve`; its stderr is collected in .log."""

    def __init__(self, warehouse, *extra, environ=None, listen="127.0.0.1:0", plugin_dir=TEST_PLUGINS, wait=True):
        args = [BIN, "serve", "--warehouse", warehouse, "--listen", listen, *extra]
        if plugin_dir:
            args += ["--plugin-dir", plugin_dir]
        self.p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=environ or env())
        self.lines = []
        self.port = None
        self.token = None
        self._ready = threading.Event()
        self._t = threading.Thread(target=self._read, daemon=True)
        self._t.start()
        _services.append(self)
        if wait:
            self._ready.wait(60)
            if self.port is None:
                raise RuntimeError("dwhost serve did not start: %s" % self.log())

    def _read(self):
        for line in self.p.stderr:
            self.lines.append(line.rstrip("\n"))
            if "listening on http://" in line and self.port is None:
                # the port of the URL (the warehouse named after it may hold colons too)
                self.port = int(line.split("listening on http://", 1)[1].split()[0].rsplit(":", 1)[1])
                self._ready.set()
        self._ready.set()

    def log(self):
        return "\n".join(l for l in self.lines if not l.startswith("{"))

    def request(self, method, path, body=None, token=None, raw=None, headers=None):
        """(status, parsed JSON body or None, headers)."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        h = dict(headers or {})
        tok = token if token is not None else self.token
        if tok:
            h["Authorization"] = "Bearer " + tok
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        if data is not None:
            h["Content-Type"] = "application/json"
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        text = r.read().decode()
        c.close()
        try:
            doc = json.loads(text) if text else None
        except ValueError:
            doc = {"unparsed": text}
        return r.status, doc, dict(r.getheaders())

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def sync(self, body, **kw):
        st, doc, _ = self.post("/v1/syncs", body, **kw)
        if not check(st == 202 and doc and doc.get("run_id"), f"POST /v1/syncs {body.get('source')}: {st} {doc}"):
            return None
        return doc["run_id"]

    def wait_run(self, run_id, timeout=90, states=("ok", "failed", "interrupted", "crashed")):
        deadline = time.time() + timeout
        doc = None
        while time.time() < deadline:
            st, doc, _ = self.get(f"/v1/runs/{run_id}")
            if st == 200 and doc.get("state") in states:
                return doc
            time.sleep(0.05)
        check(False, f"run {run_id} did not reach {states} in {timeout} s: {doc}")
        return doc or {}

    def wait_rows(self, run_id, at_least=1, timeout=60):
        """Until the run reports committed rows (a batch is in the warehouse)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            st, doc, _ = self.get(f"/v1/runs/{run_id}")
            if st == 200 and doc.get("rows", 0) >= at_least:
                return doc
            time.sleep(0.02)
        check(False, f"run {run_id} committed nothing in {timeout} s")
        return {}

    def stop(self, sig=signal.SIGTERM, timeout=90):
        """Sends sig and waits; returns the exit status."""
        self.p.send_signal(sig)
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
        self._t.join(10)
        if self in _services:
            _services.remove(self)
        # the workers' and children's stderr comes through the service's:
        # a sanitizer report in any of them fails the test
        reports = [l for l in self.lines if "Sanitizer" in l or "runtime error:" in l]
        check(not reports, f"sanitizer reports in the service or its children: {reports[:5]}")
        return rc

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        if self in _services:
            _services.remove(self)


def table_ids(db, table):
    con = sqlite3.connect(db)
    try:
        return [r[0] for r in con.execute(f"SELECT id FROM {table} ORDER BY id")]
    except sqlite3.OperationalError:
        return []
    finally:
        con.close()
