"""clitest.py -- shared helpers for the CLI script tests (Python stdlib)."""
import os
import shutil
import subprocess
import sys
import tempfile

BIN = os.environ["DWHOST_BIN"]
BUILD = os.environ["DWHOST_BUILD_DIR"]
REGT = os.path.join(BUILD, "tests", "registry", "plugins")

failures = []
_dirs = []


def env(**extra):
    """A hermetic environment: no DWHOST_PLUGIN_PATH, no default dir."""
    e = {k: v for k, v in os.environ.items() if k != "DWHOST_PLUGIN_PATH"}
    e["DWHOST_NO_DEFAULT_PLUGIN_DIR"] = "1"
    e.update(extra)
    return e


def run(*args, **kw):
    p = subprocess.run([kw.get("bin") or BIN, *args], capture_output=True, text=True, env=kw.get("env") or env(),
                       timeout=60)
    return p.returncode, p.stdout, p.stderr


def plugin_dir(*names, extra=None):
    """A temp dir holding copies of the named test plugins; `extra` maps
    file names to bytes written as they are."""
    d = tempfile.mkdtemp(prefix="clitest.")
    _dirs.append(d)
    for n in names:
        shutil.copy(os.path.join(REGT, f"libsource_{n}.so"), d)
    for f, data in (extra or {}).items():
        with open(os.path.join(d, f), "wb") as fh:
            fh.write(data)
    return d


def check(cond, what):
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}", file=sys.stderr)


def done():
    for d in _dirs:
        shutil.rmtree(d, ignore_errors=True)
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        sys.exit(1)
    print("ok")
