#!/usr/bin/env python3
"""The conformance suite catches each misbehaviour of tests/connectors/
badsource, and only that one; a well-behaved source passes everything.

Also: a source that saves state without DW_CAP_RESUMABLE fails read:<s>
naming the flag; a loadable descriptor missing several required members
fails `descriptor` with one line naming all of them; the loader names
every missing member it requires (and what conformance will ask next) in
one rejection line; `dwhost read` stops with the listing's error and exit
code when list_schemas fails, instead of running an unchecked schema.

usage: test_conformance_selftest.py <dir with libsource_badsource.so> <dir with libsource_noloadmeta.so>
Needs DWHOST_BIN (set by ctest).
"""

import json
import os
import subprocess
import sys
import tempfile

DWHOST = os.environ["DWHOST_BIN"]
PLUGINS = sys.argv[1]
REJECTED = sys.argv[2]
GOOD_TOKEN = "good-token-1234"

# mode -> the checks that must fail (nothing else may)
CASES = {
    "good": set(),
    "dup_keys": {"read:items"},
    "leak": {"secrets"},
    "bad_resume": {"resume:items"},
    "old_rows": {"incremental:items:updated"},
    "unstable": {"full_refresh:items"},
    "accept_anything": {"check_broken"},
}


def conformance(source, config, *extra):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(config, f)
    try:
        p = subprocess.run([DWHOST, "conformance", source, "--config", f.name, "--plugin-dir", PLUGINS, "--json",
                            *extra], capture_output=True, text=True, timeout=60)
    finally:
        os.unlink(f.name)
    return p


failures = []


def expect(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


for mode, must_fail in CASES.items():
    p = conformance("badsource", {"api_token": GOOD_TOKEN, "mode": mode})
    try:
        report = json.loads(p.stdout)
    except ValueError:
        expect(False, "%s: --json printed no JSON (exit %d): %s %s" % (mode, p.returncode, p.stdout, p.stderr))
        continue
    failed = {c["name"] for c in report["checks"] if c["status"] == "fail"}
    names = [c["name"] for c in report["checks"]]
    expect(failed == must_fail, "%s: failed checks %s, expected %s" % (mode, sorted(failed), sorted(must_fail)))
    expect(p.returncode == (10 if must_fail else 0), "%s: exit %d" % (mode, p.returncode))
    expect(report["ok"] == (not must_fail), "%s: ok flag" % mode)
    # Every check of the suite ran for the one schema.
    for n in ("descriptor", "form", "config", "check", "check_broken", "schemas", "read:items",
              "full_refresh:items", "incremental:items:updated", "resume:items", "secrets"):
        expect(n in names, "%s: check %s missing from the report" % (mode, n))
    # The secret never reaches the report, whatever the plugin does.
    expect(GOOD_TOKEN not in p.stdout and GOOD_TOKEN not in p.stderr, "%s: the token appears in the output" % mode)
    # A failed check says why.
    for c in report["checks"]:
        if c["status"] == "fail":
            expect(len(c["detail"]) > 10 and "\n" not in c["detail"], "%s: %s has no one-line reason" % (mode, c["name"]))

# The form check: a secret-looking name that is not secret.
p = conformance("leakyform", {"api_token": GOOD_TOKEN, "signing_secret": "whsec_abcdefgh"})
report = json.loads(p.stdout)
failed = {c["name"]: c["detail"] for c in report["checks"] if c["status"] == "fail"}
expect(set(failed) == {"form"}, "leakyform: failed %s, expected only form" % sorted(failed))
expect("signing_secret" in failed.get("form", ""), "leakyform: the form check does not name the field")
expect(p.returncode == 10, "leakyform: exit %d" % p.returncode)

# Text report: one line per check, closing count line; exit 10.
p = conformance("badsource", {"api_token": GOOD_TOKEN, "mode": "dup_keys"})
p = subprocess.run([DWHOST, "conformance", "badsource", "--plugin-dir", PLUGINS, "--config", "/dev/stdin"],
                   input=json.dumps({"api_token": GOOD_TOKEN, "mode": "dup_keys"}), capture_output=True, text=True)
lines = p.stdout.strip().splitlines()
expect(lines[-1].startswith("10 passed, 1 failed"), "text report closing line: %r" % lines[-1:])
expect(any(l.split()[:2] == ["FAIL", "read:items"] and "repeat" in l for l in lines), "text report names the check")
expect(p.returncode == 10, "text report exit %d" % p.returncode)

# The text report is the --json document, line for line: a title naming the source, its version and
# file; each check as "  WORD  NAME  DETAIL" with the names in one aligned column; the totals.
cfg = {"api_token": GOOD_TOKEN, "mode": "dup_keys"}
doc = json.loads(conformance("badsource", cfg).stdout)
width = max(len(c["name"]) for c in doc["checks"])
want = ["conformance of %s %s (%s)" % (doc["source"], doc["version"], doc["path"])]
want += ["  %s  %s  %s" % (c["status"].upper(), c["name"].ljust(width), c["detail"]) for c in doc["checks"]]
want += ["%d passed, %d failed, %d skipped" % (doc["passed"], doc["failed"], doc["skipped"])]
text = p.stdout.rstrip("\n").split("\n")
expect(text == want, "text report is the document: %r" % [(a, b) for a, b in zip(text, want) if a != b][:3])

# An invalid config is the user's problem: exit 4, not 10.
p = conformance("badsource", {"mode": "good"})
expect(p.returncode == 4, "missing required field: exit %d (want 4)" % p.returncode)
p = subprocess.run([DWHOST, "conformance", "badsource", "--plugin-dir", PLUGINS, "--config", "/dev/stdin"],
                   input=json.dumps({"mode": "good"}), capture_output=True, text=True)
expect(p.returncode == 4 and p.stderr.endswith(
    "dwhost: conformance: the config /dev/stdin does not match the form of 'badsource' (see above)\n"),
    "invalid config, text: exit %d %r" % (p.returncode, p.stderr[-300:]))
# A config file that cannot be read: the one "(file)" line, no report, exit 4.
missing = os.path.join(tempfile.gettempdir(), "conformance-no-such-config-%d.json" % os.getpid())
p = subprocess.run([DWHOST, "conformance", "badsource", "--plugin-dir", PLUGINS, "--config", missing],
                   capture_output=True, text=True)
expect(p.returncode == 4 and p.stdout == "" and p.stderr.startswith(
    "dwhost: config error at (file): expected a readable config file at %s, got " % missing)
    and len(p.stderr.splitlines()) == 1, "unreadable config: exit %d %r %r" % (p.returncode, p.stdout, p.stderr))
# Usage and unknown sources.
p = subprocess.run([DWHOST, "conformance", "--plugin-dir", PLUGINS], capture_output=True, text=True)
expect(p.returncode == 2 and "which source" in p.stderr, "no source: exit %d %r" % (p.returncode, p.stderr))
p = subprocess.run([DWHOST, "conformance", "nosuch", "--config", "/dev/null", "--plugin-dir", PLUGINS],
                   capture_output=True, text=True)
expect(p.returncode in (3, 4), "unknown source / empty config: exit %d" % p.returncode)


# Saving state without declaring DW_CAP_RESUMABLE: read:items names the flag.
p = conformance("statenocap", {"api_token": GOOD_TOKEN})
report = json.loads(p.stdout)
failed = {c["name"]: c["detail"] for c in report["checks"] if c["status"] == "fail"}
expect(set(failed) == {"read:items"}, "statenocap: failed %s, expected only read:items" % sorted(failed))
expect("does not declare DW_CAP_RESUMABLE: add it to .capabilities" in failed.get("read:items", ""),
       "statenocap: read:items does not name DW_CAP_RESUMABLE: %s" % failed.get("read:items"))

# Several required members missing: one line naming all of them.
p = conformance("nometa", {"api_token": GOOD_TOKEN})
report = json.loads(p.stdout)
failed = {c["name"]: c["detail"] for c in report["checks"] if c["status"] == "fail"}
expect(set(failed) == {"descriptor"}, "nometa: failed %s, expected only descriptor" % sorted(failed))
expect(failed.get("descriptor", "").startswith(
    "missing required metadata: label, docs_url, primary_library (set them in the descriptor)"),
    "nometa: descriptor detail: %s" % failed.get("descriptor"))

# The loader's own requirements, all in one rejection line.
p = subprocess.run([DWHOST, "list-plugins", "--plugin-dir", REJECTED], capture_output=True, text=True, timeout=60,
                   env={**os.environ, "DWHOST_NO_DEFAULT_PLUGIN_DIR": "1"})
expect(p.returncode == 3 and "libsource_noloadmeta.so: required metadata missing: icon_path, version; set them in the "
       "descriptor and rebuild (dwhost conformance also requires label, docs_url, primary_library)" in p.stdout,
       "noloadmeta: exit %d: %s%s" % (p.returncode, p.stdout, p.stderr))

# dwhost read when list_schemas fails: the listing's error and exit code, no rows.
with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
    json.dump({"api_token": GOOD_TOKEN, "mode": "list_fails"}, f)
try:
    p = subprocess.run([DWHOST, "read", "badsource", "--config", f.name, "--plugin-dir", PLUGINS, "--schema", "items"],
                       capture_output=True, text=True, timeout=60)
finally:
    os.unlink(f.name)
expect(p.returncode == 6 and p.stdout == "", "read with list_schemas failing: exit %d, %d bytes of rows"
       % (p.returncode, len(p.stdout)))
expect(p.stderr.strip() == "dwhost: read: badsource: cannot check schema 'items': listing the schemas failed "
       "(unreachable): badsource: the schema API is down (test)", "read with list_schemas failing: %s" % p.stderr)

print("%d passed, %d failed" % (0 if failures else 1, len(failures)))
sys.exit(1 if failures else 0)
