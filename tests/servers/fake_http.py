"""fake_http.py -- shared plumbing for the fake API servers in tests/servers.

A fake server subclasses FakeHandler, implements api(method, path, query)
and calls serve(...).  Every server:
  - listens on 127.0.0.1 on a free port (or --port) and prints
    "PORT <n>" on stdout once it accepts connections;
  - logs each API request (method, path, query, selected headers, time)
    for tests to read at GET /_control/requests;
  - takes fault injection and data changes at POST /_control (JSON);
  - exits on SIGTERM/SIGINT, or when --parent-pid is gone.
Python 3 standard library only.
"""

import argparse
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


class FakeState:
    """What every fake server keeps: the request log and pending faults."""

    def __init__(self):
        self.lock = threading.RLock()
        self.requests = []
        self.faults = []  # list of dicts consumed in order by next API requests

    def log(self, entry):
        with self.lock:
            self.requests.append(entry)

    def take_fault(self, path):
        with self.lock:
            for i, f in enumerate(self.faults):
                if f.get("path") and f["path"] not in path:
                    continue
                if f.get("skip", 0) > 0:  # let the first `skip` matching requests through
                    f["skip"] -= 1
                    return None
                f["count"] = f.get("count", 1) - 1
                if f["count"] <= 0:
                    self.faults.pop(i)
                return dict(f)
        return None


class FakeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake"
    # Headers and body go out in separate writes: without this, Nagle plus
    # the client's delayed ACK cost ~40 ms per response.
    disable_nagle_algorithm = True
    state = None  # FakeState, set by serve()

    def log_message(self, fmt, *args):  # quiet: tests read /_control/requests
        pass

    # -- helpers ---------------------------------------------------------
    def send_json(self, status, body, headers=None):
        if status == 204:  # No Content: no body, no Content-Type
            self.send_response(204)
            for k, v in (headers or {}).items():
                self.send_header(k, str(v))
            self.end_headers()
            return
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    # -- dispatch --------------------------------------------------------
    def handle_any(self, method):
        parts = urlsplit(self.path)
        path = parts.path
        query = parse_qsl(parts.query, keep_blank_values=True)
        if path == "/_control/requests":
            with self.state.lock:
                return self.send_json(200, self.state.requests)
        if path == "/_control" and method == "POST":
            try:
                cmd = json.loads(self.read_body() or b"{}")
            except ValueError:
                return self.send_json(400, {"error": "bad json"})
            return self.send_json(200, self.control(cmd))
        self.state.log({"method": method, "path": path, "query": query, "t": time.time(),
                        "headers": {k.lower(): v for k, v in self.headers.items()}})
        status, body, headers = self.api(method, path, query)
        self.send_json(status, body, headers)

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def control(self, cmd):
        """Common controls; subclasses extend (and call super())."""
        out = {}
        if "fault" in cmd:
            with self.state.lock:
                self.state.faults.append(dict(cmd["fault"]))
            out["fault"] = "queued"
        if cmd.get("clear_log"):
            with self.state.lock:
                self.state.requests.clear()
            out["clear_log"] = True
        return out

    def api(self, method, path, query):  # pragma: no cover - abstract
        raise NotImplementedError


def serve(handler_cls, state, description, add_args=None):
    """Parses the common arguments, starts the server, prints the port."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--parent-pid", type=int, default=0,
                    help="exit when this process is gone (the test that started us)")
    if add_args:
        add_args(ap)
    args = ap.parse_args()
    handler_cls.state = state
    if hasattr(state, "configure"):
        state.configure(args)
    httpd = ThreadingHTTPServer(("127.0.0.1", args.port), handler_cls)
    httpd.daemon_threads = True

    def stop(*_):
        threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.parent_pid:
        def watch():
            while True:
                time.sleep(0.5)
                try:
                    os.kill(args.parent_pid, 0)
                except OSError:
                    stop()
                    return
        threading.Thread(target=watch, daemon=True).start()
    print("PORT %d" % httpd.server_address[1], flush=True)
    httpd.serve_forever(poll_interval=0.2)
    httpd.server_close()
    sys.exit(0)
