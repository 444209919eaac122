"""test_build_tree.py -- a dwhost in the root of a build tree finds the
plugins built beside it (build/plugins) with no --plugin-dir and no
DWHOST_PLUGIN_PATH; the same binary elsewhere, without the build tree's
marker (dwhost-build-tree.txt) beside it, does not (an installed dwhost
never looks there)."""
import os
import shutil
import tempfile

from clitest import BIN, BUILD, check, done, run

MARKER = "dwhost-build-tree.txt"


def bare_env(**extra):
    """No plugin path at all: what a user has after `cmake --build build`."""
    e = {k: v for k, v in os.environ.items() if k not in ("DWHOST_PLUGIN_PATH", "DWHOST_NO_DEFAULT_PLUGIN_DIR")}
    e.update(extra)
    return e


built = sorted(f[len("libsource_"):-3] for f in os.listdir(os.path.join(BUILD, "plugins"))
               if f.startswith("libsource_") and f.endswith(".so"))
check("files" in built, f"the build puts the bundled plugins in build/plugins: {built}")
check(os.path.isfile(os.path.join(os.path.dirname(BIN), MARKER)), "the build writes its marker beside dwhost")

# The build's own dwhost: its plugins, no flag, no variable.
rc, out, err = run("list-plugins", "--json", env=bare_env())
import json
doc = json.loads(out) if out.strip().startswith("{") else {}
names = sorted(p["name"] for p in doc.get("plugins", []))
check(rc == 0 and names == built, f"build/dwhost lists build/plugins: rc={rc} {names} want {built} {err}")
check(doc.get("dirs", [None])[-1] == os.path.realpath(os.path.join(BUILD, "plugins")),
      f"the searched directory is the build tree's plugins: {doc.get('dirs')}")
rc, out, err = run("describe", "files", "--no-schemas", env=bare_env())
check(rc == 0 and out.startswith("files "), f"describe files from the build tree: rc={rc} {err}")
# DWHOST_NO_DEFAULT_PLUGIN_DIR=1 turns it off, as it does the installed default.
rc, out, err = run("describe", "files", "--no-schemas", env=bare_env(DWHOST_NO_DEFAULT_PLUGIN_DIR="1"))
check(rc == 3 and "no source named 'files'" in err, f"DWHOST_NO_DEFAULT_PLUGIN_DIR=1: rc={rc} {err}")

# A copy of the binary with plugins beside it but no marker: not a build tree.
d = tempfile.mkdtemp(prefix="buildtree.")
try:
    os.symlink(os.path.join(BUILD, "plugins"), os.path.join(d, "plugins"))
    exe = os.path.join(d, "dwhost")
    shutil.copy(BIN, exe)
    rc, out, err = run("describe", "files", "--no-schemas", env=bare_env(), bin=exe)
    check(rc == 3 and "no source named 'files'" in err and os.path.join(d, "plugins") not in err,
          f"without the marker the plugins beside it are not used: rc={rc} {err}")
    # the marker makes it one
    with open(os.path.join(d, MARKER), "w") as fh:
        fh.write("marker\n")
    rc, out, err = run("describe", "files", "--no-schemas", env=bare_env(), bin=exe)
    check(rc == 0 and out.startswith("files "), f"with the marker: rc={rc} {err}")
    # a marker without a plugins directory falls back to the default dir
    os.unlink(os.path.join(d, "plugins"))
    rc, out, err = run("list-plugins", env=bare_env(), bin=exe)
    check(rc == 3 and os.path.join(d, "plugins") not in err and "no plugins found" in err,
          f"marker without plugins/: rc={rc} {err}")
finally:
    shutil.rmtree(d, ignore_errors=True)
done()
