"""harness.py -- what the connector tests share: starting a fake API from
tests/servers on a free loopback port, driving the real dwhost CLI, and a
tiny check collector that ends with the "N passed, N failed" line.
Python 3 stdlib only; needs DWHOST_BIN, DWHOST_SOURCE_DIR and
DWHOST_PLUGIN_BUILD_DIR (set by ctest).
"""

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request

DWHOST = os.environ["DWHOST_BIN"]
SRC = os.environ["DWHOST_SOURCE_DIR"]
PLUGINS = os.environ["DWHOST_PLUGIN_BUILD_DIR"]
SERVERS = os.path.join(SRC, "tests", "servers")


class FakeServer:
    """A tests/servers fake, started on a free port; stopped on exit."""

    def __init__(self, script, *args):
        self.proc = subprocess.Popen([sys.executable, os.path.join(SERVERS, script), "--parent-pid",
                                      str(os.getpid()), *args], stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.proc.kill()
            raise RuntimeError("%s did not start: %r" % (script, line))
        self.port = int(line.split()[1])
        self.url = "http://127.0.0.1:%d" % self.port

    def control(self, **cmd):
        req = urllib.request.Request(self.url + "/_control", data=json.dumps(cmd).encode(), method="POST")
        with urllib.request.urlopen(req) as r:
            return json.load(r)

    def requests(self, path_part=None):
        with urllib.request.urlopen(self.url + "/_control/requests") as r:
            log = json.load(r)
        return [e for e in log if path_part is None or path_part in e["path"]]

    def clear(self):
        self.control(clear_log=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(5)


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def expect(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL:", what, flush=True)
        return cond

    def done(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        sys.exit(1 if self.failed else 0)


_json_dir = []


def write_json(obj):
    """A JSON file in a directory of this test's, removed when it exits."""
    if not _json_dir:
        _json_dir.append(tempfile.mkdtemp(prefix="dwh-harness-"))
        atexit.register(shutil.rmtree, _json_dir[0], True)
    f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, dir=_json_dir[0])
    json.dump(obj, f)
    f.close()
    return f.name


def dwhost(*args, timeout=120):
    """Runs the CLI with the bundled plugins; returns CompletedProcess."""
    return subprocess.run([DWHOST, *args], capture_output=True, text=True, timeout=timeout)


def read(source, config, schema, *args):
    """`dwhost read`: returns (exit code, rows, stderr)."""
    cfg = write_json(config)
    try:
        p = dwhost("read", source, "--config", cfg, "--schema", schema, "--plugin-dir", PLUGINS,
                   "--allow-internal", "--log-format", "text", *args)
    finally:
        os.unlink(cfg)
    rows = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    return p.returncode, rows, p.stderr


def check(source, config, *args):
    """`dwhost check --json`: returns (exit code, report dict, stderr)."""
    cfg = write_json(config)
    try:
        p = dwhost("check", source, "--config", cfg, "--plugin-dir", PLUGINS, "--allow-internal", "--json", *args)
    finally:
        os.unlink(cfg)
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        doc = {}
    return p.returncode, doc, p.stderr


def query(entry):
    return dict(entry["query"])
