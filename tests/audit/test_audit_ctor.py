#!/usr/bin/env python3
"""plugin-audit reports plugin code that runs when the plugin is loaded or
unloaded (constructors, destructors), by name when the file has symbols and
by count when stripped, without calling it a transport bypass; a plain
plugin (only the toolchain's own entries) passes, stripped or not.
usage: test_audit_ctor.py AUDIT_BIN BAD_CTOR.so PLAIN.so SCRATCH_DIR"""
import json
import os
import shutil
import subprocess
import sys

audit, bad, plain, scratch = sys.argv[1:5]
failures = []


def run(*args):
    p = subprocess.run([audit, *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def stripped(path):
    out = os.path.join(scratch, "stripped-" + os.path.basename(path))
    shutil.copyfile(path, out)
    subprocess.run(["strip", "--strip-all", out], check=True, timeout=60)
    return out


code, out = run(bad)
check(code == 1, f"bad_ctor: exit {code}, expected 1")
check(f"{bad}: runs bad_ctor_warm_up when loaded (DT_INIT_ARRAY, load_time_code): "
      "move this work into init(): listing must not run plugin code" in out, f"constructor finding missing:\n{out}")
check(f"{bad}: runs bad_ctor_cool_down when unloaded (DT_FINI_ARRAY, load_time_code): "
      "move this clean-up into fini(): listing must not run plugin code" in out, f"destructor finding missing:\n{out}")
check(len(out.splitlines()) == 2, f"exactly the two findings, none for the toolchain's entries:\n{out}")

code, out = run("--json", bad, plain)
doc = json.loads(out)
files = {f["file"]: f for f in doc["files"]}
check(code == 1 and doc["ok"] is False, f"--json: exit {code}, ok {doc['ok']}")
check(files[bad]["verdict"] == "tracked", f"a constructor is not a transport bypass: {files[bad]['verdict']}")
check({(f["kind"], f["function"], f["table"]) for f in files[bad]["findings"]}
      == {("load_time_code", "bad_ctor_warm_up", "DT_INIT_ARRAY"),
          ("load_time_code", "bad_ctor_cool_down", "DT_FINI_ARRAY")}, f"findings {files[bad]['findings']}")
check(files[plain]["verdict"] == "tracked" and files[plain]["findings"] == [], f"plain: {files[plain]}")

code, out = run(plain)
check(code == 0 and out == f"{plain}: ok (tracked transport only)\n", f"plain: exit {code}: {out}")

# Stripped: no names; the toolchain's one entry per array is allowed, the
# plugin's own is one too many.
sbad, splain = stripped(bad), stripped(plain)
code, out = run(sbad)
check(code == 1, f"stripped bad_ctor: exit {code}, expected 1: {out}")
check(f"{sbad}: runs unnamed function at 0x" in out and "when loaded (DT_INIT_ARRAY, load_time_code)" in out,
      f"stripped constructor not caught:\n{out}")
check("when unloaded (DT_FINI_ARRAY, load_time_code)" in out, f"stripped destructor not caught:\n{out}")
# Symbols kept but the constructor's own removed: frame_dummy, still named,
# uses up the toolchain's budget, so the unnamed constructor is reported.
partial = os.path.join(scratch, "partial-" + os.path.basename(bad))
subprocess.run(["objcopy", "--strip-symbol=bad_ctor_warm_up", bad, partial], check=True, timeout=60)
code, out = run(partial)
check(code == 1 and f"{partial}: runs unnamed function at 0x" in out and "(DT_INIT_ARRAY, load_time_code)" in out,
      f"unnamed constructor beside a named frame_dummy not caught: exit {code}:\n{out}")
code, out = run(splain)
check(code == 0 and "ok (tracked transport only)" in out, f"stripped plain: exit {code}: {out}")

if failures:
    sys.exit(1)
print("plugin-audit load-time code: all checks passed")
