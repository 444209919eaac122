#!/usr/bin/env python3
"""tools/new-source scaffolds a source that builds, loads in
`dwhost list-plugins` and passes `dwhost conformance --structural`.
Works in a temporary copy of the repository with its own build directory.
Needs DWHOST_SOURCE_DIR and DWHOST_BIN (set by ctest).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

SRC = os.environ["DWHOST_SOURCE_DIR"]
DWHOST = os.environ["DWHOST_BIN"]
failures = []


def expect(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=kw.pop("timeout", 300), **kw)


tmp = tempfile.mkdtemp(prefix="dwhost-new-source-")
try:
    root = os.path.join(tmp, "repo")
    shutil.copytree(SRC, root, ignore=shutil.ignore_patterns(".git", "build", "build-*", "__pycache__"))
    tool = os.path.join(root, "tools", "new-source")

    p = run([sys.executable, tool, "demo_api", "--label", "Demo API", "--root", root])
    expect(p.returncode == 0, "new-source demo_api: exit %d %s" % (p.returncode, p.stderr))
    plugin = os.path.join(root, "plugins", "demo_api")
    for f in ("source.c", "settings.c", "demo_api.c", "demo_api.h", "demo_api_config.h", "demo_api_config.c",
              "CMakeLists.txt", "api_inventory.md",
              "tests/conformance.json", "tests/README.md"):
        expect(os.path.isfile(os.path.join(plugin, f)), "scaffold lacks %s" % f)
    leftovers = []
    for d, _, files in os.walk(plugin):
        for f in files:
            with open(os.path.join(d, f)) as fh:
                if re.search(r"\{\{[a-zA-Z]+\}\}", fh.read()):
                    leftovers.append(f)
    expect(not leftovers, "unreplaced placeholders in %s" % leftovers)

    # Refusals: an existing source, a bad name.
    p = run([sys.executable, tool, "demo_api", "--root", root])
    expect(p.returncode == 1 and "already exists" in p.stderr, "existing name: exit %d %r" % (p.returncode, p.stderr))
    p = run([sys.executable, tool, "Bad-Name", "--root", root])
    expect(p.returncode == 2 and "not a source name" in p.stderr, "bad name: exit %d" % p.returncode)

    # Wired into the build by the plugins/* glob: configure, build only it.
    build = os.path.join(tmp, "build")
    p = run(["cmake", "-S", root, "-B", build, "-DDWHOST_TESTS=OFF"])
    expect(p.returncode == 0, "configure: %s" % p.stderr[-2000:])
    p = run(["cmake", "--build", build, "--target", "source_demo_api", "dwhost_gen_config"])
    expect(p.returncode == 0, "build: %s%s" % (p.stdout[-3000:], p.stderr[-2000:]))
    so = os.path.join(build, "plugins", "libsource_demo_api.so")
    expect(os.path.isfile(so), "no %s" % so)

    # The typed config shipped in the template is what tools/gen-config makes
    # for the scaffold's fields (else the template is stale).
    fresh = os.path.join(tmp, "fresh")
    os.makedirs(fresh)
    p = run([os.path.join(build, "tools", "dwhost-gen-config"), "--plugin-dir", os.path.join(build, "plugins"),
             "--out", fresh, "demo_api"], env=dict(os.environ, DWHOST_PLUGIN_PATH="", DWHOST_NO_DEFAULT_PLUGIN_DIR="1"))
    for f in ("demo_api_config.h", "demo_api_config.c"):
        with open(os.path.join(plugin, f)) as a, open(os.path.join(fresh, f)) as b:
            expect(a.read() == b.read(), "tools/templates/source/config.%s.in is stale: scaffold a source, run "
                   "tools/gen-config on it and copy its %s back with the name replaced by {{name}}/{{NAME}}"
                   % (f[-1], f))

    p = run(["nm", "-D", "--defined-only", so])
    exported = [l.split()[-1] for l in p.stdout.splitlines() if l.strip()]
    expect(exported == ["dwhost_source"], "exports %s, want only dwhost_source" % exported)

    p = run([DWHOST, "list-plugins", "--plugin-dir", os.path.join(build, "plugins"), "--json"])
    doc = json.loads(p.stdout or "{}")
    names = {x["name"]: x for x in doc.get("plugins", [])}
    expect(p.returncode == 0 and "demo_api" in names and not doc.get("rejected"),
           "list-plugins: exit %d %s" % (p.returncode, p.stdout + p.stderr))
    expect(names.get("demo_api", {}).get("release_status") == "alpha", "scaffold is alpha")

    cfg = os.path.join(tmp, "cfg.json")
    with open(os.path.join(plugin, "tests", "conformance.json")) as f, open(cfg, "w") as g:
        g.write(f.read().replace("@PORT@", "9"))
    p = run([DWHOST, "conformance", "demo_api", "--structural", "--json", "--config", cfg,
             "--plugin-dir", os.path.join(build, "plugins")])
    report = json.loads(p.stdout or "{}")
    status = {c["name"]: c["status"] for c in report.get("checks", [])}
    expect(p.returncode == 0, "conformance --structural: exit %d %s" % (p.returncode, p.stdout + p.stderr))
    for n in ("descriptor", "form", "config", "schemas"):
        expect(status.get(n) == "pass", "structural check %s: %s" % (n, status.get(n)))
    expect(not any(n.startswith("read:") for n in status), "--structural must not read")
finally:
    shutil.rmtree(tmp, ignore_errors=True)

print("%d passed, %d failed" % (0 if failures else 1, len(failures)))
sys.exit(1 if failures else 0)
