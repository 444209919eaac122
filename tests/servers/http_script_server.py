#!/usr/bin/env python3
"""A scripted HTTP server on 127.0.0.1 for transport and REST tests.

Usage: http_script_server.py [--idle-exit SECONDS]
Prints "PORT <n>" on stdout once listening on a free port.

Control endpoints (the test drives the server through them):
  POST /__script   body {"routes": {KEY: [RESPONSE, ...]}} replaces the script
                   and clears the request log.  KEY is a request target
                   ("/items?page=2") or a path ("/items"); the full target
                   wins.  Each request takes the next RESPONSE of its route;
                   the last one repeats.
  GET  /__log      the requests served since the last script, as JSON:
                   [{"method","target","path","query","headers","body","client_port"}]
  POST /__quit     stops the server.

RESPONSE: {"status": 200, "headers": {...}, "json": <value> | "body": "text",
           "gzip": true, "delay": 0.5 (seconds before answering),
           "reset": true (close the connection with a TCP RST, no answer)}
"{base}" in a body or header becomes http://127.0.0.1:<port>.
Unscripted targets answer 404.  The server exits by itself after
--idle-exit seconds without requests (default 120), so a crashed test
never leaves it behind.
"""
import gzip
import json
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

LOCK = threading.Lock()
STATE = {"routes": {}, "counters": {}, "log": [], "last": time.time()}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # keep test output clean
        pass

    def _read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _send(self, status, headers, body):
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self):
        STATE["last"] = time.time()
        body = self._read_body()
        target = self.path
        parts = urlsplit(target)
        if parts.path == "/__script":
            script = json.loads(body or b"{}")
            with LOCK:
                STATE["routes"] = script.get("routes", {})
                STATE["counters"] = {}
                STATE["log"] = []
            return self._send(200, {"Content-Type": "application/json"}, b"{}")
        if parts.path == "/__log":
            with LOCK:
                data = json.dumps(STATE["log"]).encode()
            return self._send(200, {"Content-Type": "application/json"}, data)
        if parts.path == "/__quit":
            self._send(200, {}, b"")
            threading.Thread(target=self.server.shutdown, daemon=True).start()
            return None
        with LOCK:
            STATE["log"].append({
                "method": self.command,
                "target": target,
                "path": parts.path,
                "query": parts.query,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("utf-8", "replace"),
                "client_port": self.client_address[1],
            })
            key = target if target in STATE["routes"] else parts.path
            seq = STATE["routes"].get(key)
            if seq is None:
                spec = {"status": 404, "json": {"error": "no route", "target": target}}
            else:
                i = STATE["counters"].get(key, 0)
                STATE["counters"][key] = i + 1
                spec = seq[min(i, len(seq) - 1)]
        base = "http://127.0.0.1:%d" % self.server.server_address[1]
        if spec.get("delay"):
            time.sleep(float(spec["delay"]))
        if spec.get("reset"):
            # SO_LINGER 0: close() sends RST instead of FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return None
        headers = {k: str(v).replace("{base}", base) for k, v in spec.get("headers", {}).items()}
        if "json" in spec:
            data = json.dumps(spec["json"]).replace("{base}", base).encode()
            headers.setdefault("Content-Type", "application/json")
        else:
            data = spec.get("body", "").replace("{base}", base).encode()
        if spec.get("gzip"):
            data = gzip.compress(data)
            headers["Content-Encoding"] = "gzip"
        self._send(int(spec.get("status", 200)), headers, data)
        return None

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (ConnectionError, OSError):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle


def main():
    idle = 120.0
    if "--idle-exit" in sys.argv:
        idle = float(sys.argv[sys.argv.index("--idle-exit") + 1])
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    print("PORT %d" % srv.server_address[1], flush=True)

    def watchdog():
        while True:
            time.sleep(1)
            if time.time() - STATE["last"] > idle:
                srv.shutdown()
                return

    threading.Thread(target=watchdog, daemon=True).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
