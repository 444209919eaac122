#!/usr/bin/env python3
"""test_generated_fresh.py GEN PLUGIN_DIR SOURCE_DIR CFGT_DIR [name=srcdir]...

generated-configs-fresh: every bundled plugin reads its config through the
typed config tools/gen-config generates from its fields, and the committed
<name>_config.{h,c} match what the generator writes today.

  1. each plugin registered with dwhost_plugin_config() is regenerated into
     a temp dir from the built plugin and compared with the committed files;
  2. every bundled plugin (plugins/*/CMakeLists.txt) is registered;
  3. no bundled plugin source outside the generated file calls the raw
     api->config_* accessors;
  4. the staleness check itself is exercised on the test fixture (a stale
     copy must be reported, naming the file and the command to fix it);
  5. tools/gen-config --help / an unknown option answer without building."""
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile

gen, plugin_dir, source_dir, cfgt_dir = sys.argv[1:5]
registered = dict(a.split("=", 1) for a in sys.argv[5:])
failures = []
tmp = tempfile.mkdtemp(prefix="dwh-genfresh.")
env = {k: v for k, v in os.environ.items() if k != "DWHOST_PLUGIN_PATH"}
env["DWHOST_NO_DEFAULT_PLUGIN_DIR"] = "1"


def fail(msg):
    failures.append(msg)
    print(f"FAIL: {msg}", file=sys.stderr)


def run_gen(*args):
    return subprocess.run([gen, *args], capture_output=True, text=True, env=env, timeout=60)


# 1. freshness of every registered plugin
for name, src in sorted(registered.items()):
    out = os.path.join(tmp, name)
    os.makedirs(out)
    p = run_gen("--plugin-dir", plugin_dir, "--out", out, name)
    if p.returncode != 0:
        fail(f"dwhost-gen-config could not generate {name}: {p.stderr.strip()}")
        continue
    for suffix in ("_config.h", "_config.c"):
        committed = os.path.join(src, name + suffix)
        rel = os.path.relpath(committed, source_dir)
        fresh = open(os.path.join(out, name + suffix)).read()
        if not os.path.exists(committed):
            fail(f"{rel} is missing; generate it with: tools/gen-config {name}")
            continue
        have = open(committed).read()
        if have != fresh:
            diff = "".join(list(difflib.unified_diff(have.splitlines(True), fresh.splitlines(True), rel,
                                                     "regenerated"))[:60])
            fail(f"{rel} is stale (the plugin's fields changed); regenerate it with: tools/gen-config {name}\n{diff}")

# 2. every bundled plugin is registered; 3. no raw config lookups
raw = re.compile(r"->\s*config_(string|int|double|bool|array_len|json)\s*\(")
plugins_root = os.path.join(source_dir, "plugins")
for name in sorted(os.listdir(plugins_root)) if os.path.isdir(plugins_root) else []:
    d = os.path.join(plugins_root, name)
    if not os.path.exists(os.path.join(d, "CMakeLists.txt")):
        continue
    if name not in registered:
        fail(f"plugins/{name} does not use a generated typed config; add dwhost_plugin_config({name}) to "
             f"plugins/{name}/CMakeLists.txt, run tools/gen-config {name} and bind {name}_config")
    for f in sorted(os.listdir(d)):
        if not f.endswith((".c", ".h")) or f in (f"{name}_config.c", f"{name}_config.h"):
            continue
        for i, line in enumerate(open(os.path.join(d, f), errors="replace"), 1):
            if raw.search(line):
                fail(f"plugins/{name}/{f}:{i}: reads the config with a raw api->config_* call; use the "
                     f"generated {name}_config_bind() instead")

# 4. the check catches a stale file
fix = os.path.join(tmp, "fixture")
os.makedirs(fix)
p = run_gen("--plugin", os.path.join(cfgt_dir, "libsource_cfgfix.so"), "--out", fix, "cfgfix")
if p.returncode != 0:
    fail(f"generating the fixture failed: {p.stderr.strip()}")
else:
    p = run_gen("--plugin", os.path.join(cfgt_dir, "libsource_cfgfix.so"), "--out", fix, "--check", "cfgfix")
    if p.returncode != 0:
        fail(f"--check reports a freshly generated file as stale: {p.stderr.strip()}")
    h = os.path.join(fix, "cfgfix_config.h")
    with open(h, "a") as fh:
        fh.write("/* edited by hand */\n")
    p = run_gen("--plugin", os.path.join(cfgt_dir, "libsource_cfgfix.so"), "--out", fix, "--check", "cfgfix")
    if p.returncode != 1 or "cfgfix_config.h is stale" not in p.stderr or "tools/gen-config cfgfix" not in p.stderr:
        fail(f"--check did not report the edited file: rc={p.returncode} {p.stderr.strip()}")
    if "cfgfix_config.c" in p.stderr:
        fail("--check reported the untouched .c file")
    p = run_gen("--plugin", os.path.join(cfgt_dir, "libsource_cfgfix.so"), "--out", fix, "cfgfix")
    if p.returncode != 0 or "wrote " + h not in p.stdout or "cfgfix_config.c" in p.stdout:
        fail(f"regeneration should rewrite only the changed file: {p.stdout.strip()} {p.stderr.strip()}")
    p = run_gen("--plugin-dir", os.path.join(tmp, "empty"), "nosuch")
    if p.returncode != 3 or "no plugin named 'nosuch'" not in p.stderr:
        fail(f"an unknown plugin should exit 3: rc={p.returncode} {p.stderr.strip()}")

# 5. the in-tree wrapper answers --help and refuses options without building
wrapper = os.path.join(source_dir, "tools", "gen-config")
p = subprocess.run([wrapper, "--help"], capture_output=True, text=True, timeout=60)
if p.returncode != 0 or not p.stdout.startswith("usage: tools/gen-config"):
    fail(f"tools/gen-config --help should print its usage and exit 0: rc={p.returncode} {p.stderr.strip()}")
p = subprocess.run([wrapper, "--bogus"], capture_output=True, text=True, timeout=60)
if p.returncode != 2 or "unknown option '--bogus'" not in p.stderr:
    fail(f"tools/gen-config --bogus should be a usage error (exit 2): rc={p.returncode} {p.stderr.strip()}")

shutil.rmtree(tmp, ignore_errors=True)
if failures:
    print(f"{len(failures)} problem(s); see above", file=sys.stderr)
    sys.exit(1)
print(f"ok: {len(registered)} generated config(s) fresh")
