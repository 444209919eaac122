#!/usr/bin/env python3
"""A connector in C++ (tests/cxx/hello.cpp, built as C++17 and C++20) loads
through DW_DESCRIPTOR, reads its config, emits rows, logs with log_text,
fails with fail_text ('%' kept as is) and answers an action."""

import json
import os
import subprocess
import sys

BIN = os.environ["DWHOST_BIN"]
DIR = sys.argv[1]
failed = 0


def check(cond, what):
    global failed
    if not cond:
        failed += 1
        print("FAIL:", what)


def dwhost(*args):
    return subprocess.run([BIN, *args, "--plugin-dir", DIR], capture_output=True, text=True, timeout=60)


cfg = os.path.join(DIR, "hello.json")
with open(cfg, "w") as f:
    json.dump({"who": "Ada"}, f)
for std in ("17", "20"):
    name = "hello_cxx" + std
    p = dwhost("describe", name, "--json", "--no-schemas")
    doc = json.loads(p.stdout) if p.returncode == 0 else {}
    check(doc.get("name") == name and doc.get("abi") == "1.9" and [a["name"] for a in doc.get("actions", [])] == ["greet"],
          "%s describe: %d %r" % (name, p.returncode, p.stderr))
    p = dwhost("read", name, "--config", cfg, "--schema", "greetings")
    rows = [json.loads(l) for l in p.stdout.splitlines()]
    check(p.returncode == 0 and rows == [{"id": 1, "text": "hello"}, {"id": 2, "text": "hello Ada"}],
          "%s read: %d %s %r" % (name, p.returncode, rows, p.stderr))
    p = dwhost("check", name, "--config", cfg)
    check(p.returncode == 0 and p.stdout.strip() == "ok: %s: greets 100%% of the time" % name,
          "%s check (log_text): %r" % (name, p.stdout))
    p = dwhost("call", name, "greet", "name=Ada", "times=2", "--config", cfg)
    check(p.returncode == 0 and json.loads(p.stdout) == ["hello Ada", "hello Ada"], "%s call: %r %r"
          % (name, p.stdout, p.stderr))
    p = dwhost("call", name, "greet", "name=Ada", "times=11", "--config", cfg)
    check(p.returncode == 4 and "times must be 1 to 10" in p.stderr, "%s fail_text: %d %r" % (name, p.returncode,
                                                                                             p.stderr))
print("%s" % ("ok" if not failed else "%d failed" % failed))
sys.exit(1 if failed else 0)
