#!/usr/bin/env python3
"""`dwhost check` says what was verified (QA #28: a folder has no
credentials to accept) and fails fast against an unreachable host (QA #17:
at most 2 attempts, not 5 with backoff); `dwhost conformance` reports
config errors as check does (QA #26) and exercises resume on small example
data with a small page size (QA #29)."""
import atexit
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import check, done, run  # noqa: E402

BUILD = os.environ["DWHOST_BUILD_DIR"]
SRC = os.environ["DWHOST_SOURCE_DIR"]
PD = ["--plugin-dir", os.path.join(BUILD, "plugins")]
tmp = tempfile.mkdtemp(prefix="dwh-check-")
atexit.register(shutil.rmtree, tmp, True)  # nothing left behind, pass or fail
examples = os.path.join(SRC, "examples", "files")


def write(name, doc):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        json.dump(doc, f)
    return path


cfg = write("files.json", {"directory": examples})
rc, out, err = run("check", "files", "--config", cfg, *PD)
check(rc == 0 and out.startswith(f"ok: files: the folder {examples} is readable (") and "schemas)" in out,
      f"files check says what it verified: {rc} {out!r} {err!r}")
rc, out, err = run("check", "files", "--config", cfg, "--schema", "orders", *PD)
check(rc == 0 and out == f"ok: files (schema 'orders'): the 1 file of schema 'orders' in the folder {examples} "
      "is readable\n", f"with a schema: {out!r}")
rc, out, err = run("check", "files", "--config", cfg, "--json", *PD)
doc = json.loads(out)
check(doc["ok"] is True and doc["message"].startswith("the folder "), f"--json message: {doc}")

# Stripe against a port nothing listens on: 2 attempts, about a second.
cfg = write("stripe.json", {"stripe_secret_key": "sk_test_abcdefgh12345678",
                            "advanced": {"enabled": True, "api_base": "http://127.0.0.1:1"}})
t0 = time.monotonic()
rc, out, err = run("check", "stripe", "--config", cfg, "--allow-internal", "--log-format", "json", *PD)
took = time.monotonic() - t0
attempts = [l for l in err.splitlines() if l.startswith("{") and json.loads(l).get("event") == "http.request"]
check(rc == 6 and "after 2 attempts" in err, f"unreachable: exit 6 after 2 attempts: {rc} {err[-300:]!r}")
check(len(attempts) == 2, f"two http.request lines, got {len(attempts)}")
check(took < 3, f"a dead host fails the check fast: {took:.1f} s")

# conformance: config errors in check's format.
missing = os.path.join(tmp, "missing.json")
for cmd in ("check", "conformance"):
    rc, out, err = run(cmd, "files", "--config", missing, *PD)
    check(rc == 4 and err.startswith(f"dwhost: config error at (file): expected a readable config file at {missing}, "
                                     "got an error: No such file"), f"{cmd} missing config: {rc} {err!r}")
notjson = os.path.join(tmp, "notjson.json")
with open(notjson, "w") as f:
    f.write("not json")
for cmd in ("check", "conformance"):
    rc, out, err = run(cmd, "files", "--config", notjson, *PD)
    check(rc == 4 and "got not JSON: unexpected 'n' at line 1, column 1" in err, f"{cmd} not JSON: {rc} {err!r}")

# conformance on the 36-row example: resume is checked with a small page.
cfg = write("files.json", {"directory": examples})
rc, out, err = run("conformance", "files", "--config", cfg, "--schema", "customers", *PD)
line = next((l for l in out.splitlines() if "resume:customers" in l), "")
check(rc == 0 and "PASS" in line and "small page size" in line, f"resume checked: {rc} {line!r}")

done()
