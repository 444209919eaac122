#!/usr/bin/env python3
"""plugin-audit tells a language runtime's own code from the plugin's:
a plain Rust std cdylib passes (std's ARGV_INIT_ARRAY entry and its
syscall import are not counted, and the output says so), while the same
library calling syscall itself, or with a DT_INIT_ARRAY entry of its own,
is flagged; a C++ translation unit that only includes <iostream> passes
(-O0 and -O2), one with a dynamic initializer of its own is flagged.
Skipped (77) without rustc or g++.
usage: test_audit_runtime.py AUDIT_BIN SOURCE_DIR SCRATCH_DIR"""
import json
import os
import shutil
import subprocess
import sys

audit, src, scratch = sys.argv[1:4]
os.makedirs(scratch, exist_ok=True)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def run(*args):
    p = subprocess.run([audit, *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout


def build(cmd, out):
    # plain builds, as an author makes them (no sanitizer flags from the environment)
    env = {k: v for k, v in os.environ.items() if k not in ("RUSTFLAGS", "CFLAGS", "CXXFLAGS", "LDFLAGS")}
    p = subprocess.run(cmd + ["-o", out], capture_output=True, text=True, timeout=300, env=env)
    if p.returncode != 0:
        sys.exit("cannot build %s: %s\n%s" % (out, " ".join(cmd), p.stderr))
    return out


def imports(path):
    p = subprocess.run(["nm", "-D", "--undefined-only", path], capture_output=True, text=True, check=True)
    return {l.split()[-1].split("@")[0] for l in p.stdout.splitlines() if l.strip()}


if not shutil.which("rustc") or not shutil.which("g++"):
    print("SKIP: rustc or g++ not found")
    sys.exit(77)

rs = os.path.join(src, "plugins", "rt_rust.rs")
rust = {}
for variant, cfg in (("plain", []), ("own_syscall", ["--cfg", "own_syscall"]), ("own_init", ["--cfg", "own_init"])):
    rust[variant] = build(["rustc", "--edition", "2021", "--crate-type", "cdylib", "-O", *cfg, rs],
                          os.path.join(scratch, "librt_rust_%s.so" % variant))
check("syscall" in imports(rust["plain"]), "premise: the plain Rust cdylib imports syscall (std's futex)")

code, out = run(rust["plain"])
check(code == 0, f"plain Rust std cdylib: exit {code}:\n{out}")
check(f"{rust['plain']}: ok (tracked transport only)" in out, f"plain Rust: no ok line:\n{out}")
check(f"{rust['plain']}: not counted: imports syscall: the language runtime's own code (Rust std)" in out,
      f"plain Rust: syscall not shown as std's:\n{out}")
check("ARGV_INIT_ARRAY" in out and "(DT_INIT_ARRAY): the language runtime's own code (Rust std)" in out,
      f"plain Rust: std's init entry not shown as std's:\n{out}")

code, out = run("--json", rust["plain"])
doc = json.loads(out)
f = doc["files"][0]
check(doc["ok"] is True and f["findings"] == [], f"--json plain Rust: {doc}")
check({"symbol": "syscall", "runtime": "Rust std"} in f["runtime_code"], f"--json runtime_code: {f['runtime_code']}")

code, out = run(rust["own_syscall"])
check(code == 1 and f"{rust['own_syscall']}: imports syscall (raw_syscall)" in out,
      f"Rust calling syscall itself: exit {code}, expected the raw_syscall finding:\n{out}")

code, out = run(rust["own_init"])
lines = out.splitlines()
check(code == 1 and any("rt_warm_up" in l and "when loaded (DT_INIT_ARRAY, load_time_code)" in l for l in lines),
      f"Rust with its own init_array entry: exit {code}:\n{out}")
check(not any("ARGV_INIT_ARRAY" in l and "load_time_code" in l for l in lines),
      f"Rust own_init: std's entry reported as the plugin's:\n{out}")

cpp = os.path.join(src, "plugins", "rt_cxx.cpp")
for opt in ("-O0", "-O2"):
    io = build(["g++", "-std=c++17", opt, "-fPIC", "-shared", cpp], os.path.join(scratch, "librt_cxx_io%s.so" % opt))
    own = build(["g++", "-std=c++17", opt, "-fPIC", "-shared", "-DOWN_INIT", cpp],
                os.path.join(scratch, "librt_cxx_own%s.so" % opt))
    code, out = run(io)
    check(code == 0 and "_GLOBAL__sub_I_rt_cxx.cpp (DT_INIT_ARRAY): the language runtime's own code "
          "(C++ standard library)" in out, f"C++ <iostream> only {opt}: exit {code}:\n{out}")
    code, out = run(own)
    check(code == 1 and "runs _GLOBAL__sub_I_rt_cxx.cpp when loaded (DT_INIT_ARRAY, load_time_code)" in out,
          f"C++ with its own initializer {opt}: exit {code}:\n{out}")

# Stripped Rust: std's entry is counted by number, but the syscall import
# can no longer be attributed (no function names): flagged, not passed.
stripped = os.path.join(scratch, "librt_rust_stripped.so")
shutil.copyfile(rust["plain"], stripped)
subprocess.run(["strip", "--strip-all", stripped], check=True, timeout=60)
code, out = run(stripped)
check(code == 1 and "imports syscall (raw_syscall)" in out and "load_time_code" not in out,
      f"stripped Rust: exit {code}:\n{out}")

if failures:
    sys.exit(1)
print("ok")
