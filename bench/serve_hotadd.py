#!/usr/bin/env python3
"""bench/serve_hotadd.py -- how fast `dwhost serve` sees plugin changes.

  bench/serve_hotadd.py [--renames N] [--plugins N]

1. Rename-to-available latency: a plugin file is written next to the
   watched directory and renamed into it (an atomic deploy, as `install`
   or a package manager does); the time until GET /v1/plugins lists it
   (polled every 5 ms).  N renames (default 50), each a new plugin name;
   min, median, p95, max.  The issue's promise is "within one second".
2. Scanning N plugins (default 1000): `dwhost serve` started over a
   directory of N plugins, the time until /v1/plugins lists all of them;
   and `dwhost list-plugins` over the same directory (wall time, peak RSS),
   for comparison.

The plugins are copies of the regt_good test plugin with patched names (as
bench/registry_scan.sh makes them).  Run after a plain build, on a quiet
machine (never as a test):  bench/serve_hotadd.py --renames 50 --plugins 1000
"""
import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("DWHOST_BUILD_DIR", os.path.join(ROOT, "build"))
BIN = os.path.join(BUILD, "dwhost")
SRC = os.path.join(BUILD, "tests", "registry", "plugins", "libsource_regt_good.so")


def plugin_bytes(data, i):
    name = b"regt_%04d" % i  # same length as regt_good: the descriptor's strings keep their offsets
    return data.replace(b"regt_good", name)


class Service:
    def __init__(self, plugin_dir, warehouse):
        env = dict(os.environ, DWHOST_NO_DEFAULT_PLUGIN_DIR="1")
        env.pop("DWHOST_PLUGIN_PATH", None)
        self.t0 = time.monotonic()
        self.p = subprocess.Popen([BIN, "serve", "--warehouse", warehouse, "--listen", "127.0.0.1:0",
                                   "--plugin-dir", plugin_dir], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
        self.port = None
        ready = threading.Event()

        def read():
            for line in self.p.stderr:
                if "listening on http://" in line and self.port is None:
                    self.port = int(line.rsplit(":", 1)[1].split()[0])
                    ready.set()
            ready.set()

        threading.Thread(target=read, daemon=True).start()
        ready.wait(60)
        if self.port is None:
            raise SystemExit("bench: dwhost serve did not start")
        self.c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def names(self):
        self.c.request("GET", "/v1/plugins")
        r = self.c.getresponse()
        doc = json.loads(r.read())
        return {p["name"] for p in doc.get("plugins", [])}

    def stop(self):
        self.c.close()
        self.p.terminate()
        self.p.wait(30)


def wait_for(s, want, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if want(s.names()):
            return time.monotonic()
        time.sleep(0.005)
    raise SystemExit("bench: the plugin did not show in %d s" % timeout)


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--renames", type=int, default=50)
    ap.add_argument("--plugins", type=int, default=1000)
    a = ap.parse_args()
    if not os.path.exists(SRC):
        raise SystemExit("bench: build first (%s missing)" % SRC)
    data = open(SRC, "rb").read()
    work = tempfile.mkdtemp(prefix="dwh-hotadd.")
    try:
        # 1. rename-to-available
        watched, staging = os.path.join(work, "plugins"), os.path.join(work, "staging")
        os.makedirs(watched)
        os.makedirs(staging)
        s = Service(watched, os.path.join(work, "w.db"))
        wait_for(s, lambda n: True)
        lat = []
        for i in range(a.renames):
            f = "libsource_regt_%04d.so" % i
            with open(os.path.join(staging, f), "wb") as fh:
                fh.write(plugin_bytes(data, i))
            t0 = time.monotonic()
            os.rename(os.path.join(staging, f), os.path.join(watched, f))
            t1 = wait_for(s, lambda n, i=i: ("regt_%04d" % i) in n)
            lat.append((t1 - t0) * 1000)
        s.stop()
        print("rename-to-available over %d renames: min %.1f ms, median %.1f ms, p95 %.1f ms, max %.1f ms"
              % (len(lat), min(lat), statistics.median(lat), pct(lat, 0.95), max(lat)))

        # 2. N plugins: the service's first listing, and list-plugins
        many = os.path.join(work, "many")
        os.makedirs(many)
        for i in range(a.plugins):
            with open(os.path.join(many, "libsource_regt_%04d.so" % i), "wb") as fh:
                fh.write(plugin_bytes(data, i))
        s = Service(many, os.path.join(work, "w2.db"))
        t1 = wait_for(s, lambda n: len(n) >= a.plugins, timeout=300)
        s.stop()
        print("dwhost serve over %d plugins: all listed %.2f s after the start" % (a.plugins, t1 - s.t0))
        env = dict(os.environ, DWHOST_NO_DEFAULT_PLUGIN_DIR="1")
        t0 = time.monotonic()
        p = subprocess.Popen([BIN, "list-plugins", "--plugin-dir", many], stdout=subprocess.DEVNULL, env=env)
        _, status, ru = os.wait4(p.pid, 0)  # this child's own peak RSS
        took = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            raise SystemExit("bench: list-plugins failed (exit %d)" % p.returncode)
        print("dwhost list-plugins over %d plugins: %.2f s wall, %.1f MiB max RSS" % (a.plugins, took, ru.ru_maxrss / 1024))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
