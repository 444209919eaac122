#!/usr/bin/env python3
"""`dwhost list-plugins`: the table, rejected and shadowed sections, --json,
--activate, exit codes and usage errors."""
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import check, done, env, plugin_dir, run, REGT  # noqa: E402

# All good: exit 0, the table in name order.
good = plugin_dir("regt_ok", "regt_good")
rc, out, err = run("list-plugins", "--plugin-dir", good)
check(rc == 0, f"all-good exit 0 (got {rc}, {err})")
lines = out.splitlines()
def sha256_of(path):
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


check(lines[0].split() == ["NAME", "VERSION", "ABI", "RELEASE", "CAPABILITIES", "SHA256", "PATH"],
      f"header: {lines[0]!r}")
good_so = os.path.join(good, "libsource_regt_good.so")
ok_so = os.path.join(good, "libsource_regt_ok.so")
check(lines[1].split() == ["regt_good", "1.2.3", "1.9", "beta", "resumable,oauth", sha256_of(good_so), good_so],
      f"row 1: {lines[1]!r}")
check(lines[2].split() == ["regt_ok", "0.0.1", "1.9", "alpha", "-", sha256_of(ok_so), ok_so], f"row 2: {lines[2]!r}")
check(len(lines) == 3 and "rejected" not in out, "no rejected section when all load")
# Columns line up: PATH starts at the same offset on every line.
check(len({line.index("/") for line in lines[1:]}) == 1 and lines[0].index("PATH") == lines[1].index("/"),
      "columns are aligned")

# Broken files next to good ones: each rejected with its reason, exit 3.
with open(os.path.join(REGT, "libsource_regt_good.so"), "rb") as fh:
    whole = fh.read()
broken = plugin_dir("regt_ok", "regt_good", "regt_major", "regt_minor", "regt_noentry", "regt_mismatch",
                    "regt_dupfield",
                    extra={"libsource_notelf.so": b"not an ELF file\n",
                           "libsource_half.so": whole[: len(whole) // 2]})
rc, out, err = run("list-plugins", "--plugin-dir", broken)
check(rc == 3, f"some rejected: exit 3 (got {rc})")
check("regt_good" in out.splitlines()[1] and "regt_ok" in out.splitlines()[2], "good plugins still listed")
check("rejected (7):" in out, f"rejected count: {out}")
for f, text in [("libsource_notelf.so", "not loadable: "),
                ("libsource_half.so", "truncated"),
                ("libsource_regt_major.so", "rebuild the plugin against the host's dwsdk.h"),
                ("libsource_regt_minor.so", "upgrade dwhost"),
                ("libsource_regt_noentry.so", "no 'dwhost_source' entry point"),
                ("libsource_regt_mismatch.so", "does not match the file name"),
                ("libsource_regt_dupfield.so", "two fields named 'directory'")]:
    line = [x for x in out.splitlines() if os.path.join(broken, f) + ": " in x]
    check(len(line) == 1 and text in line[0], f"{f} rejected with '{text}': {line}")
check("7 plugin files were rejected" in err, f"stderr summary: {err!r}")

# --json: one document with both lists.
rc, out, err = run("list-plugins", "--json", "--plugin-dir", broken)
doc = json.loads(out)
check(rc == 3, "--json exit 3")
check([p["name"] for p in doc["plugins"]] == ["regt_good", "regt_ok"], f"json plugins: {doc['plugins']}")
check(doc["plugins"][0]["capabilities"] == ["resumable", "oauth"] and doc["plugins"][0]["abi"] == "1.9",
      "json plugin members")
check(doc["plugins"][0]["sha256"] == sha256_of(os.path.join(broken, "libsource_regt_good.so")),
      f"json sha256 is the file's: {doc['plugins'][0].get('sha256')}")
reasons = {os.path.basename(r["path"]): r["reason"] for r in doc["rejected"]}
check(reasons == {"libsource_notelf.so": "not_loadable", "libsource_half.so": "not_loadable",
                  "libsource_regt_major.so": "abi_major", "libsource_regt_minor.so": "abi_minor",
                  "libsource_regt_noentry.so": "no_entry", "libsource_regt_mismatch.so": "name_mismatch",
                  "libsource_regt_dupfield.so": "fields"}, f"json reasons: {reasons}")
check(doc["shadowed"] == [] and doc["dirs"] == [broken], "json shadowed and dirs")

# Shadowed: the first directory wins, both paths named, exit 0.
second = plugin_dir("regt_ok")
rc, out, err = run("list-plugins", "--plugin-dir", good, "--plugin-dir", second)
check(rc == 0, f"shadowed only: exit 0 (got {rc})")
first_ok, second_ok = os.path.join(good, "libsource_regt_ok.so"), os.path.join(second, "libsource_regt_ok.so")
check("shadowed (1):" in out and f"{second_ok}: shadowed by {first_ok}" in out, f"shadowed section: {out}")
rc, out, err = run("list-plugins", "--json", "--plugin-dir", good, "--plugin-dir", second)
doc = json.loads(out)
check(doc["shadowed"] == [{"path": second_ok, "name": "regt_ok", "shadowed_by": first_ok,
                           "message": doc["shadowed"][0]["message"]}], f"json shadowed: {doc['shadowed']}")

# DWHOST_PLUGIN_PATH comes after --plugin-dir.
rc, out, err = run("list-plugins", "--json", "--plugin-dir", second, env=env(DWHOST_PLUGIN_PATH=good))
doc = json.loads(out)
check(doc["dirs"] == [second, good], f"search order: {doc['dirs']}")
check([p["path"] for p in doc["plugins"] if p["name"] == "regt_ok"] == [second_ok], "--plugin-dir wins over env")

# --activate: a failing init is a rejection.
act = plugin_dir("regt_ok", "regt_initfail")
rc, out, err = run("list-plugins", "--plugin-dir", act)
check(rc == 0 and "regt_initfail" in out, "without --activate init is not run")
rc, out, err = run("list-plugins", "--activate", "--json", "--plugin-dir", act)
doc = json.loads(out)
check(rc == 3, f"--activate init failure: exit 3 (got {rc})")
check([p["name"] for p in doc["plugins"]] == ["regt_ok"], "initfail left the list")
check([(os.path.basename(r["path"]), r["reason"]) for r in doc["rejected"]] ==
      [("libsource_regt_initfail.so", "init")], f"init rejection: {doc['rejected']}")

# Empty directory.
empty = plugin_dir()
rc, out, err = run("list-plugins", "--plugin-dir", empty)
# Finding nothing at all is a plugin problem (exit 3): one stderr line says
# where it looked and how to fix it.
check(rc == 3 and out.startswith("no plugins found (searched: " + empty), f"empty dir: {rc} {out!r}")
check(err.count("\n") == 1 and "no plugins found in " + empty in err and "--plugin-dir DIR" in err
      and "DWHOST_PLUGIN_PATH" in err, f"empty dir hint: {err!r}")
rc, out, err = run("list-plugins", "--plugin-dir", empty, "--json")
check(rc == 3 and json.loads(out)["plugins"] == [], f"empty dir --json: {rc} {out!r}")

# A dangling symlink names its target (QA #27), and the scan goes on.
d = plugin_dir("regt_ok")
os.symlink("/nonexistent/libsource_gone.so", os.path.join(d, "libsource_gone.so"))
rc, out, err = run("list-plugins", "--plugin-dir", d)
check(rc == 3 and "broken symlink to /nonexistent/libsource_gone.so" in out + err and "regt_ok" in out,
      f"dangling symlink: {rc} {out!r} {err!r}")

# Usage errors exit 2 with one line; --help exits 0.
for args, text in [(["--bogus"], "unknown argument '--bogus'"),
                   (["--plugin-dir"], "--plugin-dir needs a directory"),
                   (["--plugin-dir", "/nonexistent/dir"], "--plugin-dir /nonexistent/dir: No such file")]:
    rc, out, err = run("list-plugins", *args)
    check(rc == 2 and text in err and err.count("\n") == 1, f"usage {args}: {rc} {err!r}")
rc, out, err = run("list-plugins", "--help")
check(rc == 0 and out.startswith("usage: dwhost list-plugins") and "exit status" in out, "--help")
rc, out, err = run("help", "list-plugins")
check(rc == 0 and out.startswith("usage: dwhost list-plugins"), "dwhost help list-plugins")

done()
