#!/usr/bin/env python3
"""test_big_page.py -- one very large page of rows, through the CLI.

A page of rows is parsed as it downloads (host/src/rows/json_rows.c), so a sync
holds the page's rows once, in their compact encoding, never the body and a
tree of it besides.  Against an HTTP server on 127.0.0.1 (started here):
  - a 48 MB page (one JSON array, sent chunked) syncs completely, with a
    peak RSS under twice the page (the whole-body parse took ~17x);
  - a body whose Content-Length is past the transport's limit (256 MiB) is
    refused at once, before it downloads, with one line saying so.
Uses the origx test connector (its "pages" and "auto" endpoints).
"""
import atexit
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BIN = os.environ["DWHOST_BIN"]
PLUGIN_DIR = sys.argv[1]
ROWS = 40000
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}", file=sys.stderr)
    return cond


def row(i):
    # about 1.2 KB, nested values and non-ASCII text, as API rows are
    return {"id": i, "number": i, "title": f"Row {i} — café ünïcode", "state": "open" if i % 3 else "closed",
            "user": {"login": f"user{i % 97}", "id": 1000 + i % 97, "url": f"https://api.example.com/users/u{i % 97}",
                     "site_admin": False, "type": "User"},
            "labels": [{"id": 7, "name": "bug", "color": "d73a4a", "default": True}] if i % 2 else [],
            "body": "x" * 700, "score": i / 7, "created_at": "2024-01-01T00:00:00Z"}


PAGE_BYTES = [0]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        if self.path.startswith("/pages"):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            sent = 0
            buf = [b"["]
            for i in range(1, ROWS + 1):
                buf.append((b"," if i > 1 else b"") + json.dumps(row(i), ensure_ascii=False).encode())
                if len(buf) >= 200 or i == ROWS:
                    if i == ROWS:
                        buf.append(b"]")
                    chunk = b"".join(buf)
                    buf = []
                    sent += len(chunk)
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
            PAGE_BYTES[0] = sent
        elif self.path.startswith("/auto"):
            # announces 300 MB and sends a few bytes: a client that waits for
            # the body hangs here until its time limit
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(300 * 1024 * 1024))
            self.end_headers()
            self.wfile.write(b'[{"id":1}')
            self.wfile.flush()
            time.sleep(20)
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()


srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
srv.daemon_threads = True
threading.Thread(target=srv.serve_forever, daemon=True).start()
base = "http://127.0.0.1:%d" % srv.server_address[1]
tmp = tempfile.mkdtemp(prefix="dwh-bigpage-")
atexit.register(shutil.rmtree, tmp, True)
cfg = os.path.join(tmp, "config.json")
with open(cfg, "w") as f:
    json.dump({"base_url": base}, f)
env = {k: v for k, v in os.environ.items() if k not in ("DWHOST_PLUGIN_PATH", "DWHOST_LOG_LEVEL")}
env["DWHOST_NO_DEFAULT_PLUGIN_DIR"] = "1"


def run_rss(*args, timeout=120):
    """(rc, stderr, seconds, peak RSS in bytes) of one CLI run (wait4 gives the child's RSS)."""
    t0 = time.monotonic()
    p = subprocess.Popen([BIN, *args, "--config", cfg, "--plugin-dir", PLUGIN_DIR, "--allow-internal"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    err = []
    reader = threading.Thread(target=lambda: err.append(p.stderr.read()), daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            p.kill()
        time.sleep(0.05)
    reader.join(5)
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, (err[0] if err else b"").decode(errors="replace"), time.monotonic() - t0, ru.ru_maxrss * 1024


wh = os.path.join(tmp, "w.db")
rc, err, secs, rss = run_rss("sync", "origx", "--schema", "pages", "--warehouse", wh)
check(rc == 0, f"big page sync: exit {rc}: {err[-500:]}")
n = sqlite3.connect(wh).execute("select count(*), max(id), sum(length(body)) from origx_pages").fetchone()
check(n == (ROWS, ROWS, ROWS * 700), f"big page sync: rows {n}")
page = PAGE_BYTES[0]
print(f"page {page / 1e6:.1f} MB, {ROWS} rows: {secs:.2f} s, peak RSS {rss / 1e6:.1f} MB ({rss / page:.2f}x the page)")
if "ASAN_OPTIONS" not in os.environ:  # ASan's shadow memory and quarantine are not the program's
    check(rss < 2 * page, f"big page: peak RSS {rss / 1e6:.1f} MB is not under twice the page ({page / 1e6:.1f} MB)")

rc, err, secs, _ = run_rss("read", "origx", "--schema", "auto", "--http-timeout", "15", timeout=60)
lines = [ln for ln in err.splitlines() if ln.strip()]
check(rc != 0 and secs < 5, f"a body announced past the limit: exit {rc} after {secs:.1f} s (it waited for the body)")
check(any("larger than 268435456 bytes" in ln for ln in lines), f"a body announced past the limit: {lines[-3:]}")

srv.shutdown()
if failures:
    print(f"{len(failures)} check(s) failed", file=sys.stderr)
    sys.exit(1)
print("ok")
