#!/usr/bin/env python3
"""A plugin that uses a symbol nothing defines (linked without
-Wl,--no-undefined) is rejected at load with the loader's text and the
advice to link what it uses and build with -Wl,--no-undefined -- not the
generic "rebuild it as a shared object for this platform".  The same
source linked with -Wl,--no-undefined fails at link time naming the symbol.
usage: test_undefined_symbol.py SOURCE.c SDK_INCLUDE_DIR SCRATCH_DIR  (DWHOST_BIN: dwhost)"""
import os
import subprocess
import sys

source, sdk, scratch = sys.argv[1:4]
dwhost = os.environ["DWHOST_BIN"]
plugins = os.path.join(scratch, "plugins")
os.makedirs(plugins, exist_ok=True)
so = os.path.join(plugins, "libsource_undefined_symbol.so")
env = {k: v for k, v in os.environ.items() if k not in ("CFLAGS", "LDFLAGS")}
cc = ["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC", "-I", sdk, source, "-o", so]
subprocess.run(cc, check=True, env=env, timeout=120)

p = subprocess.run([dwhost, "list-plugins", "--plugin-dir", plugins], capture_output=True, text=True, timeout=60,
                   env={**os.environ, "DWHOST_NO_DEFAULT_PLUGIN_DIR": "1"})
want = ("%s: not loadable: undefined symbol: undefined_helper_of_this_plugin; link the plugin with every library it "
        "uses and build it with -Wl,--no-undefined so the linker names what is missing" % so)
failures = []
if p.returncode != 3:
    failures.append("list-plugins exited %d, not 3" % p.returncode)
if want not in p.stdout + p.stderr:
    failures.append("no undefined-symbol advice:\n" + p.stdout + p.stderr)
if "rebuild it as a shared object" in p.stdout + p.stderr:
    failures.append("the generic advice is still given:\n" + p.stdout + p.stderr)

p = subprocess.run(cc[:-2] + ["-o", so + ".strict", "-Wl,--no-undefined"], capture_output=True, text=True, env=env,
                   timeout=120)
if p.returncode == 0 or "undefined_helper_of_this_plugin" not in p.stderr:
    failures.append("-Wl,--no-undefined did not name the symbol at link time: %s" % p.stderr)
for f in failures:
    print("FAIL:", f, file=sys.stderr)
sys.exit(1 if failures else print("ok"))
