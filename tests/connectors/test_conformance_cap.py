#!/usr/bin/env python3
"""`dwhost conformance --max-rows`: a capped read stops at its next state
save, the checks run on that prefix without false failures, a bad plugin
still fails what it should, the report says so, and memory stays bounded.

usage: test_conformance_cap.py <test-plugins dir (pager)> <dir with badsource> <sanitized: 0|1>
Needs DWHOST_BIN (set by ctest).
"""

import json
import os
import resource
import subprocess
import sys
import tempfile

DWHOST = os.environ["DWHOST_BIN"]
PAGER_DIR, BAD_DIR, SANITIZED = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
GOOD_TOKEN = "good-token-1234"
CAP_NOTE = "read capped at %d rows: checks ran on that prefix"

failures = []


def expect(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def conformance(source, plugin_dir, config, *extra):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(config, f)
    try:
        return subprocess.run([DWHOST, "conformance", source, "--config", f.name, "--plugin-dir", plugin_dir, *extra],
                              capture_output=True, text=True, timeout=240)
    finally:
        os.unlink(f.name)


def report_of(p, what):
    try:
        return json.loads(p.stdout)
    except ValueError:
        expect(False, "%s: --json printed no JSON (exit %d): %s %s" % (what, p.returncode, p.stdout, p.stderr))
        return {"checks": []}


def checks(report):
    return {c["name"]: c for c in report["checks"]}


# Memory first (ru_maxrss of children is a high-water mark over every child
# waited for): 300k rows with the default cap.  Before the compact row
# store this run held ~1.3 GB; now every read keeps 100000 rows of a few
# dozen bytes each.
p = conformance("pager", PAGER_DIR, {"total_rows": 300000, "page_rows": 1000}, "--json")
peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
c = checks(report_of(p, "300k rows"))
read = c.get("read:items", {})
expect(read.get("status") == "pass" and read.get("detail", "").startswith("100000 rows, 100 state saves"),
       "300k rows, default cap: read:items says %r" % read.get("detail"))
expect(read.get("capped_at") == 100000, "300k rows: read:items capped_at %r" % read.get("capped_at"))
for name in ("full_refresh:items", "incremental:items:id", "incremental:items:updated_at", "resume:items"):
    expect(c.get(name, {}).get("status") == "pass", "300k rows: %s %r" % (name, c.get(name)))
if not SANITIZED:  # ASan's shadow memory and quarantine say nothing about ours
    expect(peak_mb < 150, "300k rows with the default cap peaked at %.0f MB (bound 150 MB)" % peak_mb)
print("300k pager rows, default cap: peak RSS %.1f MB" % peak_mb)

# A good plugin, capped below its data: every check that passes uncapped passes.
pager = {"total_rows": 3000, "page_rows": 100}
p = conformance("pager", PAGER_DIR, pager, "--json", "--max-rows", "1000")
r = report_of(p, "pager capped")
c = checks(r)
failed = {n for n, x in c.items() if x["status"] == "fail"}
expect(failed == {"descriptor"}, "pager capped at 1000: failed %s (only descriptor: pager has no docs_url)"
       % sorted(failed))
expect(c["read:items"]["detail"] == "1000 rows, 10 state saves; primary keys present, scalar, non-null and unique; "
       + CAP_NOTE % 1000, "pager capped: read detail %r" % c["read:items"]["detail"])
for name in ("read:items", "full_refresh:items", "incremental:items:id", "resume:items"):
    expect(c[name]["status"] == "pass" and c[name].get("capped_at") == 1000 and CAP_NOTE % 1000 in c[name]["detail"],
           "pager capped: %s %r" % (name, c[name]))
expect("capped_at" not in c["check"] and "capped_at" not in c["schemas"], "capped_at only on read checks")

# A cap between state saves: the read runs to the next save (row 300).
p = conformance("pager", PAGER_DIR, pager, "--json", "--max-rows=250")
c = checks(report_of(p, "cap 250"))
expect(c["read:items"]["detail"].startswith("300 rows, 3 state saves;"),
       "cap 250 stops at the save after row 300: %r" % c["read:items"]["detail"])

# No state save within twice the cap (pages of 1000, cap 100): the read is
# stopped at row 200 all the same, and the checks still pass on it.
p = conformance("pager", PAGER_DIR, {"total_rows": 3000, "page_rows": 1000}, "--json", "--max-rows", "100")
c = checks(report_of(p, "no save within 2x cap"))
expect(c["read:items"]["detail"].startswith("200 rows, 0 state saves;"),
       "no save within 2x cap: read detail %r" % c["read:items"]["detail"])
failed = {n for n, x in c.items() if x["status"] == "fail"}
expect(failed == {"descriptor"}, "no save within 2x cap: failed %s" % sorted(failed))

# The text report says it too.
p = conformance("pager", PAGER_DIR, pager, "--max-rows", "1000")
line = [l for l in p.stdout.splitlines() if l.split()[1:2] == ["read:items"]]
expect(line and (CAP_NOTE % 1000) in line[0], "text report: read line %r" % line)

# --max-rows 0: every row; the default (100000) does not cap 3000 rows.
for extra in (["--max-rows", "0"], []):
    p = conformance("pager", PAGER_DIR, pager, "--json", *extra)
    c = checks(report_of(p, "uncapped %s" % extra))
    expect(c["read:items"]["detail"].startswith("3000 rows, 30 state saves;"),
           "%s: read detail %r" % (extra or "default", c["read:items"]["detail"]))
    expect(c["full_refresh:items"]["detail"] == "two full reads gave the same 3000 rows",
           "%s: full_refresh %r" % (extra or "default", c["full_refresh:items"]["detail"]))
    expect(not any("capped_at" in x or "capped" in x["detail"] for x in c.values()),
           "%s: nothing says capped" % (extra or "default"))

# A bad plugin still fails exactly what it should when capped (badsource:
# 250 rows in pages of 50; caps at a save boundary and between saves).
CASES = {
    "good": set(),
    "dup_keys": {"read:items"},
    "leak": {"secrets"},
    "bad_resume": {"resume:items"},
    "old_rows": {"incremental:items:updated"},
    "unstable": {"full_refresh:items"},
    "accept_anything": {"check_broken"},
}
for cap in ("100", "120"):
    for mode, must_fail in CASES.items():
        p = conformance("badsource", BAD_DIR, {"api_token": GOOD_TOKEN, "mode": mode}, "--json", "--max-rows", cap)
        c = checks(report_of(p, "%s capped at %s" % (mode, cap)))
        failed = {n for n, x in c.items() if x["status"] == "fail"}
        expect(failed == must_fail, "%s capped at %s: failed %s, expected %s" % (mode, cap, sorted(failed),
                                                                                 sorted(must_fail)))
        expect(p.returncode == (10 if must_fail else 0), "%s capped at %s: exit %d" % (mode, cap, p.returncode))
        expect(c.get("read:items", {}).get("capped_at") == int(cap), "%s capped at %s: read not marked" % (mode, cap))
        expect(GOOD_TOKEN not in p.stdout and GOOD_TOKEN not in p.stderr, "%s: the token appears" % mode)

# Invalid values are usage errors (exit 2) naming the option.
for bad in (["--max-rows", "-1"], ["--max-rows", "ten"], ["--max-rows", ""], ["--max-rows=1.5"],
            ["--max-rows", "99999999999999999999999"], ["--max-rows"]):
    p = conformance("pager", PAGER_DIR, pager, *bad)
    expect(p.returncode == 2 and "--max-rows" in p.stderr and len(p.stderr.strip().splitlines()) == 1,
           "%s: exit %d, stderr %r" % (bad, p.returncode, p.stderr))

print("%d failed" % len(failures))
sys.exit(1 if failures else 0)
