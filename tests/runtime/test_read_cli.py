#!/usr/bin/env python3
"""`dwhost read` end to end: JSON lines on stdout, exit codes, one-line
errors, state files, interruption by SIGINT and resume, a reader that
closes the pipe early.  Uses the bundled files connector on
examples/files and the pager test plugin."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

BIN = os.environ["DWHOST_BIN"]
BUILD = os.environ["DWHOST_BUILD_DIR"]
SRC = os.environ["DWHOST_SOURCE_DIR"]
DIRS = ["--plugin-dir", os.path.join(BUILD, "plugins"), "--plugin-dir", os.path.join(BUILD, "test-plugins")]
ENV = dict(os.environ, DWHOST_NO_DEFAULT_PLUGIN_DIR="1", DWHOST_PLUGIN_PATH="")
TMP = tempfile.mkdtemp(prefix="dwh-read-")
failures = []


def run(*args, stdin=None):
    p = subprocess.run([BIN, "read", *args, *DIRS], capture_output=True, env=ENV, input=stdin, timeout=60)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8")


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def error_lines(err):
    """stderr lines that are not JSON log lines."""
    return [l for l in err.splitlines() if not l.startswith("{")]


def rows(out):
    return [json.loads(l) for l in out.splitlines()]


files_cfg = write("files.json", json.dumps({"directory": os.path.join(SRC, "examples", "files")}))

# Every bundled schema: one compact JSON object per line, raw UTF-8.
for schema, n in (("customers", 36), ("orders", 48), ("products", 30)):
    rc, out, err = run("files", "--config", files_cfg, "--schema", schema)
    check(rc == 0, f"read {schema}: exit {rc}: {err}")
    lines = out.splitlines()
    check(len(lines) == n, f"read {schema}: {len(lines)} rows, expected {n}")
    check(all(isinstance(json.loads(l), dict) and ": " not in l[:20] for l in lines), f"{schema}: compact objects")
rc, out, err = run("files", "--config", files_cfg, "--schema", "customers")
check("Zürich" in out, "UTF-8 is printed raw, not \\u-escaped")
check(rows(out)[5]["phone"] is None and rows(out)[5]["notes"] == "Billing address:\n42 Main St, Apt 3",
      "CSV nulls and quoted newlines survive")

# --limit stops early with exit 0.
rc, out, err = run("files", "--config", files_cfg, "--schema", "orders", "--limit", "5")
check(rc == 0 and len(out.splitlines()) == 5, f"--limit 5: exit {rc}, {len(out.splitlines())} rows")

# Client-side incremental filter from the command line.
rc, out, err = run("files", "--config", write("inc.json", json.dumps(
    {"directory": os.path.join(SRC, "examples", "files"), "incremental_field": "updated_at"})),
    "--schema", "orders", "--incremental-field", "updated_at", "--last-value", "2024-05-01T00:00:00Z")
check(rc == 0 and all(r["updated_at"] > "2024-05-01T00:00:00Z" for r in rows(out)) and 0 < len(rows(out)) < 48,
      f"incremental read: exit {rc}, {len(out.splitlines())} rows")

# Errors: one line on stderr, documented exit codes.
cases = [
    (["nosuch", "--config", files_cfg, "--schema", "x"], 3, "no source named 'nosuch'"),
    (["files", "--config", write("bad.json", "{not json"), "--schema", "orders"], 4, "bad.json"),
    (["files", "--config", write("arr.json", "[1]"), "--schema", "orders"], 4, "expected a JSON object"),
    (["files", "--config", os.path.join(TMP, "missing.json"), "--schema", "orders"], 4, "missing.json"),
    (["files", "--config", files_cfg, "--schema", "nope"], 4, "the source has no schema 'nope'; choose from: customers, orders, products"),
    # an incremental field the schema does not advertise: exit 4 before any row, as sync words it
    (["files", "--config", files_cfg, "--schema", "orders", "--incremental-field", "nope"], 4,
     "schema 'orders' advertises no incremental fields, so it cannot use 'nope'"),
    (["files", "--config", write("inc2.json", json.dumps(
        {"directory": os.path.join(SRC, "examples", "files"), "incremental_field": "updated_at"})),
      "--schema", "orders", "--incremental-field", "nope"], 4,
     "schema 'orders' has no incremental field 'nope'; choose one of: updated_at"),
    (["files", "--config", write("nodir.json", json.dumps({"directory": "/nonexistent/dwh"})), "--schema", "x"], 1,
     "directory '/nonexistent/dwh' does not exist"),
    (["files", "--config", write("empty.json", "{}"), "--schema", "x"], 4, "directory"),
    (["files", "--schema", "x"], 2, "--config FILE is required"),
    (["files", "--config", files_cfg], 2, "--schema NAME is required"),
    (["files", "--config", files_cfg, "--schema", "orders", "--bogus"], 2, "unknown option '--bogus'"),
    (["files", "--config", files_cfg, "--schema", "orders", "--limit", "-3"], 2, "--limit needs a number"),
    (["pager", "--config", write("p0.json", "{}"), "--schema", "items", "--state-in",
      write("badstate.json", "[1,2")], 7, "badstate.json"),
    (["pager", "--schema", "items", "--config", write("perm.json", json.dumps(
        {"fail_after_pages": 1, "fail_message": "simulated permanent failure"}))], 6,
     "The pager refused the request permanently"),
]
for args, code, msg in cases:
    rc, out, err = run(*args)
    errs = error_lines(err)
    check(rc == code, f"{args}: exit {rc}, expected {code} ({err.strip()})")
    check(len(errs) == 1 and msg in errs[0], f"{args}: stderr {errs!r} lacks {msg!r}")
    check(code == 2 or out == "" or args[0] == "pager", f"{args}: nothing on stdout")

rc, out, err = run("--help")
check(rc == 0 and "usage: dwhost read" in out and "exit status" in out, "--help")

# A failure mid-run keeps the state of the last complete page; resuming
# from it completes the rows with nothing missing or repeated.
state = os.path.join(TMP, "pager.state")
cfg = write("pager.json", json.dumps({"total_rows": 95, "page_rows": 10, "fail_after_pages": 4}))
rc, out, err = run("pager", "--config", cfg, "--schema", "items", "--state-out", state)
first = [r["id"] for r in rows(out)]
check(rc == 6 and first == list(range(1, 41)), f"failing run: exit {rc}, ids {first[:3]}..{first[-3:]}")
check(json.load(open(state)) == {"next_id": 41}, "state file after 4 pages")
cfg2 = write("pager2.json", json.dumps({"total_rows": 95, "page_rows": 10}))
rc, out, err = run("pager", "--config", cfg2, "--schema", "items", "--state-in", state, "--state-out", state)
rest = [r["id"] for r in rows(out)]
check(rc == 0 and first + rest == list(range(1, 96)), f"resume: exit {rc}, {len(rest)} rows")
check(json.load(open(state)) == {"next_id": 96}, "state file at the end")
rc, out, err = run("pager", "--config", cfg2, "--schema", "items", "--state-in", state, "--reset")
check(rc == 0 and len(out.splitlines()) == 95, "--reset ignores the state")

# SIGINT: exit 9, every printed row complete, the state names the resume
# point, and resuming prints exactly the rest.
state = os.path.join(TMP, "sig.state")
cfg = write("slow.json", json.dumps({"total_rows": 400, "page_rows": 5, "delay_ms": 40}))
p = subprocess.Popen([BIN, "read", "pager", "--config", cfg, "--schema", "items", "--state-out", state, *DIRS],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
time.sleep(0.6)
p.send_signal(signal.SIGINT)
out, err = p.communicate(timeout=30)
got = [r["id"] for r in rows(out.decode())]
errs = error_lines(err.decode())
check(p.returncode == 9, f"SIGINT: exit {p.returncode}")
check(len(errs) == 1 and "interrupted after" in errs[0] and "resume with --state-in" in errs[0], f"SIGINT: {errs}")
saved = json.load(open(state))["next_id"]
check(0 < len(got) < 400 and got == list(range(1, len(got) + 1)), f"SIGINT: printed {len(got)} rows in order")
check(saved - 1 <= len(got), f"SIGINT: state next_id {saved} is not past the printed rows ({len(got)})")
cfg = write("fast.json", json.dumps({"total_rows": 400, "page_rows": 5}))
rc, out, err = run("pager", "--config", cfg, "--schema", "items", "--state-in", state)
rest = [r["id"] for r in rows(out)]
check(rc == 0 and rest == list(range(saved, 401)), f"resume after SIGINT: {rest[:2]}..")

# A reader that stops early (| head -1) is not an error.
cfg = write("big.json", json.dumps({"total_rows": 200000, "page_rows": 1000}))
p = subprocess.Popen([BIN, "read", "pager", "--config", cfg, "--schema", "items", *DIRS], stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE, env=ENV)
line = p.stdout.readline()
p.stdout.close()
err = p.stderr.read()
p.wait(timeout=30)
check(json.loads(line)["id"] == 1 and p.returncode == 0, f"closed pipe: exit {p.returncode} {err!r}")

subprocess.run(["rm", "-rf", TMP])
if failures:
    print(f"{len(failures)} check(s) failed", file=sys.stderr)
    sys.exit(1)
print("dwhost read: all checks passed")
