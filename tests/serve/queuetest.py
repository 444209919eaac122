"""queuetest.py -- helpers for the `dwhost enqueue`/`worker`/`jobs` tests: a
worker process with its stderr collected, enqueue and jobs as commands."""
import json
import os
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.environ["DWHOST_SOURCE_DIR"], "tests", "servers"))
from servetest import BIN, TEST_PLUGINS, env  # noqa: E402

_workers = []


class Worker:
    """A running `dwhost worker`; its stderr lines are in .lines."""

    def __init__(self, queue, warehouse, *extra, environ=None):
        args = [BIN, "worker", "--queue", queue, "--warehouse", warehouse, "--plugin-dir", TEST_PLUGINS, *extra]
        self.p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  text=True, env=environ or env())
        self.lines = []
        self._t = threading.Thread(target=self._read, daemon=True)
        self._t.start()
        _workers.append(self)

    def _read(self):
        for line in self.p.stderr:
            self.lines.append(line.rstrip("\n"))

    def log(self):
        return "\n".join(self.lines)

    def wait_line(self, text, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if any(text in line for line in self.lines):
                return True
            if self.p.poll() is not None:
                break
            time.sleep(0.05)
        return any(text in line for line in self.lines)

    def stop(self, sig=signal.SIGTERM, timeout=120):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        try:
            rc = self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
        self._t.join(timeout=10)
        return rc

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


def kill_all():
    for w in _workers:
        w.kill()


def enqueue(queue, source, config_file, *extra):
    r = subprocess.run([BIN, "enqueue", source, "--queue", queue, "--config", config_file, *extra],
                       capture_output=True, text=True, env=env(), timeout=60)
    return r.returncode, r.stdout.strip(), r.stderr.strip()


def jobs(queue, *extra):
    r = subprocess.run([BIN, "jobs", "--queue", queue, *extra], capture_output=True, text=True, env=env(),
                       timeout=60)
    return r.returncode, r.stdout, r.stderr.strip()


def requeue(queue, *extra):
    r = subprocess.run([BIN, "requeue", "--queue", queue, *extra], capture_output=True, text=True, env=env(),
                       timeout=60)
    return r.returncode, r.stdout, r.stderr.strip()


def jobs_json(queue):
    rc, out, err = jobs(queue, "--json")
    if rc != 0:
        raise RuntimeError(f"dwhost jobs failed ({rc}): {err}")
    return json.loads(out)


def wait_drained(queue, timeout=180):
    """Waits until nothing is queued or running; returns the last listing."""
    deadline = time.time() + timeout
    doc = None
    while time.time() < deadline:
        doc = jobs_json(queue)
        if not doc["queued"] and not doc["running"]:
            return doc
        time.sleep(0.2)
    return doc


def children(pid):
    """The live (not zombie) child processes of pid."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[1]) == pid:
            out.append(int(d))
    return out
