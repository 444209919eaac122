#!/usr/bin/env python3
"""plugin-audit catches a plugin that bypasses the tracked transport, passes
a clean one, and refuses a file that is not an ELF shared object.
usage: test_plugin_audit.py AUDIT_BIN BAD.so GOOD.so SCRATCH_DIR"""
import json
import os
import subprocess
import sys

audit, bad, good, scratch = sys.argv[1:5]


def run(*args):
    p = subprocess.run([audit, *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)


code, out, _ = run(bad)
check(code == 1, "bad plugin exits 1, got %d" % code)
for sym in ("socket", "connect", "getaddrinfo", "send", "curl_easy_init"):
    check(("imports %s (" % sym) in out, "finding for %s in:\n%s" % (sym, out))
check("links libcurl.so" in out, "DT_NEEDED libcurl reported:\n" + out)
check(all(line.startswith(bad + ": ") for line in out.splitlines()), "every line names the file")
check("api->http_request" in out, "findings say what to do")

code, out, _ = run("--json", bad, good)
check(code == 1, "--json with a finding exits 1")
doc = json.loads(out)
check(doc["ok"] is False, "ok false")
verdicts = {f["file"]: f for f in doc["files"]}
check(verdicts[bad]["verdict"] == "untracked", "bad verdict untracked")
kinds = {f["kind"] for f in verdicts[bad]["findings"]}
check({"socket", "dns", "libcurl"} <= kinds, "kinds %s" % kinds)
check(verdicts[good]["verdict"] == "tracked" and verdicts[good]["findings"] == [], "good plugin tracked")

code, out, _ = run(good)
check(code == 0 and "ok (tracked transport only)" in out, "good plugin clean: %d %s" % (code, out))

junk = os.path.join(scratch, "not-a-plugin.so")
with open(junk, "w") as f:
    f.write("this is not ELF\n")
code, out, _ = run(junk)
check(code == 2 and "cannot audit: not an ELF file" in out, "non-ELF refused: %d %s" % (code, out))
trunc = os.path.join(scratch, "truncated.so")
with open(good, "rb") as src, open(trunc, "wb") as dst:
    dst.write(src.read(100))
code, out, _ = run(trunc)
check(code == 2 and "cannot audit" in out, "truncated ELF refused: %d %s" % (code, out))
code, _, err = run()
check(code == 2, "no files is a usage error")
print("plugin-audit: 6 checks passed")
