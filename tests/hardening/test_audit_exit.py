#!/usr/bin/env python3
"""plugin-audit flags a plugin that ends the process (exit and friends) or
uses stdout, which the crash guard cannot contain, without calling it a
transport bypass; abort() (assert) is not flagged.
usage: test_audit_exit.py AUDIT_BIN BAD_EXIT.so CRASHER.so"""
import json
import subprocess
import sys

audit, bad, crasher = sys.argv[1:4]
failures = []


def run(*args):
    p = subprocess.run([audit, *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


code, out = run(bad)
check(code == 1, f"bad_exit: exit {code}, expected 1")
check(f"{bad}: imports exit (process_exit): never end the process: return an error with api->fail" in out,
      f"exit() finding missing:\n{out}")
check(f"{bad}: imports stdout (stdout): do not write to stdout (dwhost read prints rows there as JSON lines)"
      in out, f"stdout finding missing:\n{out}")
check("ok (tracked transport only)" not in out, f"a plugin with findings is not ok:\n{out}")

code, out = run("--json", bad)
doc = json.loads(out)
f = doc["files"][0]
check(code == 1 and doc["ok"] is False, f"--json: exit {code}, ok {doc['ok']}")
check(f["verdict"] == "tracked", f"exit/stdout are not a transport bypass: verdict {f['verdict']}")
check({(x["kind"], x.get("symbol")) for x in f["findings"]} == {("process_exit", "exit"), ("stdout", "stdout")},
      f"findings {f['findings']}")

# the crasher aborts (and crashes) but neither exits nor prints; its only
# findings are the constructor/destructor it has on purpose (CRASHER_CRASH=load)
code, out = run("--json", crasher)
f = json.loads(out)["files"][0]
check(code == 1 and f["verdict"] == "tracked", f"crasher: exit {code}: {out}")
check({x["kind"] for x in f["findings"]} == {"load_time_code"}, f"crasher findings {f['findings']}")

if failures:
    sys.exit(1)
print("plugin-audit exit/stdout: all checks passed")
