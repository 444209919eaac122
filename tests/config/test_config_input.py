#!/usr/bin/env python3
"""test_config_input.py <cfgtest plugin dir> -- hostile config input through
the CLI, as docs/concepts/config-and-secrets.md#config-limits states it:

  - an error line quotes at most 64 bytes of a key, value or path, with a
    note of the full length: a 10 MB key no longer prints a 10 MB line;
  - bytes that are not UTF-8 (in a secret, a key) are refused with exit 4
    naming the JSON path, never the bytes, and no plugin code runs (sync
    and check alike: the token used to reach the plugin rewritten);
  - nesting deeper than 32 levels says so;
  - a string longer than 64 KiB (literal or from a {"$file"}) is a config
    error naming the field and the limit: a 2 MB GitHub token used to end
    in "Out of memory" from the transport.
"""
import atexit
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile

BIN = os.environ["DWHOST_BIN"]
CFGT = sys.argv[1]
BUNDLED = os.environ["DWHOST_PLUGIN_BUILD_DIR"]
tmp = tempfile.mkdtemp(prefix="dwh-cfg-input.")
atexit.register(shutil.rmtree, tmp, True)  # also when a check fails
failures = []


def check(cond, what, detail=""):
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}\n{detail[:2000]}", file=sys.stderr)


def env():
    e = {k: v for k, v in os.environ.items() if k not in ("DWHOST_PLUGIN_PATH", "DWHOST_LOG_LEVEL")}
    e["DWHOST_NO_DEFAULT_PLUGIN_DIR"] = "1"
    return e


def write(name, data):
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    return path


def run(*args):
    p = subprocess.run([BIN, *args], capture_output=True, env=env(), timeout=120)
    return p.returncode, p.stdout, p.stderr


def lines(err):
    return [l for l in err.split(b"\n") if l]


GOOD_AUTH = '"auth": {"selection": "api_key", "api_key": "good_key_1234"}'

# ---- a 10 MB key, a 10 MB value: bounded lines ---------------------------
big = "k" * (10 << 20)
rc, out, err = run("check", "cfgtest", "--plugin-dir", CFGT, "--config",
                   write("bigkey.json", '{%s, "%s": 1}' % (GOOD_AUTH, big)))
ls = lines(err)
check(rc == 4, "10 MB key: exit 4", f"rc={rc}")
check(len(ls) == 1 and len(ls[0]) < 400, "10 MB key: one line of a few hundred bytes",
      f"{len(ls)} lines, longest {max((len(l) for l in ls), default=0)} bytes")
check(ls and (b"config error at " + b"k" * 64 + b"... (10485760 bytes): ") in ls[0],
      "10 MB key: the key is quoted in 64 bytes with its full length", repr(ls[:1])[:500])

rc, out, err = run("check", "cfgtest", "--plugin-dir", CFGT, "--config",
                   write("bigvalue.json", '{%s, "region": "%s"}' % (GOOD_AUTH, big)))
ls = lines(err)
check(rc == 4 and len(ls) == 1 and len(ls[0]) < 400, "10 MB select value: one short line",
      f"rc={rc} {[len(l) for l in ls]}")
check(ls and b'got the string "' + b"k" * 64 + b'"... (10485760 bytes)' in ls[0],
      "10 MB value: quoted in 64 bytes with its full length", repr(ls[:1])[:500])

# --json carries the same bounded path
rc, out, err = run("check", "cfgtest", "--plugin-dir", CFGT, "--json", "--config",
                   os.path.join(tmp, "bigkey.json"))
check(rc == 4 and len(out) < 2000, "10 MB key: --json stays small", f"rc={rc} {len(out)} bytes")

# ---- not UTF-8 -------------------------------------------------------------
bad_token = b'{"auth": {"selection": "api_key", "api_key": "good_\xff\xfe_1234"}}'
cfg = write("badutf.json", bad_token)
rc, out, err = run("check", "cfgtest", "--plugin-dir", CFGT, "--config", cfg)
check(rc == 4, "invalid UTF-8 in a secret: exit 4 (it used to pass)", f"rc={rc} {out!r} {err!r}")
check(lines(err) == [b"dwhost: config error at auth.api_key: expected UTF-8 text, got a string that is not "
                     b"valid UTF-8 (at byte 6)"], "invalid UTF-8: one line naming the path", repr(err))
check(b"\xff" not in err + out and b"good_" not in err + out, "invalid UTF-8: no byte of the secret shown",
      repr(err))
# the sync refuses it too, before any plugin code: no row streamed
rc, out, err = run("sync", "cfgtest", "--plugin-dir", CFGT, "--config", cfg, "--output", "jsonl")
check(rc == 4 and out == b"", "invalid UTF-8: sync refuses it with exit 4 and no rows", f"rc={rc} {out!r}")
check(b"auth.api_key" in err and b"UTF-8" in err, "invalid UTF-8: sync names the field", repr(err))

rc, out, err = run("check", "cfgtest", "--plugin-dir", CFGT, "--config",
                   write("badkey.json", b'{%s, "x\xffy": 1}' % GOOD_AUTH.encode()))
check(rc == 4 and lines(err) == ["dwhost: config error at x\ufffdy: expected a key in UTF-8, got a key that is "
                                 "not valid UTF-8 (at byte 2)".encode()],
      "invalid UTF-8 in a key: its path (U+FFFD for the bad byte)", repr(err))

# ---- nesting ---------------------------------------------------------------
deep = '{%s, "x": %s1%s}' % (GOOD_AUTH, "[" * 40, "]" * 40)
rc, out, err = run("check", "cfgtest", "--plugin-dir", CFGT, "--config", write("deep.json", deep))
check(rc == 4 and b"nested deeper than 32 levels" in err and b"unexpected" not in err,
      "40 levels: 'nested deeper than 32 levels'", repr(err))
check(b"line 1, column %d" % (len('{%s, "x": ' % GOOD_AUTH) + 32) in err,
      "the position of the first bracket too deep", repr(err))
# 32 levels (the top object and 31 arrays) parse: the error is about the key
ok_deep = '{%s, "x": %s1%s}' % (GOOD_AUTH, "[" * 31, "]" * 31)
rc, out, err = run("check", "cfgtest", "--plugin-dir", CFGT, "--config", write("deep32.json", ok_deep))
check(rc == 4 and b"config error at x: expected one of the known keys" in err, "32 levels parse", repr(err))

# ---- a very large secret ----------------------------------------------------
# GitHub sends the token in a header: past 64 KiB the config is refused
# before any request (the base URL is a port nobody listens on).
s = socket.socket()
s.bind(("127.0.0.1", 0))
dead = s.getsockname()[1]
s.close()
token = "ghp_" + "x" * 2_000_000
gh = write("gh.json", json.dumps({"personal_access_token": token, "repository": "octo-org/octo-repo",
                                  "api_base_url": f"http://127.0.0.1:{dead}"}))
rc, out, err = run("check", "github", "--plugin-dir", BUNDLED, "--allow-internal", "--config", gh)
check(rc == 4, "2 MB token: exit 4 (config), not a transport failure", f"rc={rc} {err[-300:]!r}")
check(lines(err) == [b"dwhost: config error at personal_access_token: expected a string of at most 65536 bytes, "
                     b"got a string of 2000004 bytes"], "2 MB token: names the field and the limit",
      repr(err[-400:]))
check(b"Out of memory" not in err and b"xxxxxxxx" not in err, "2 MB token: no OOM, no secret", repr(err[-400:]))
# the same through a {"$file"} reference (the resolved value counts)
write("token.txt", "ghp_" + "y" * 100_000)
gh = write("gh_file.json", json.dumps({"personal_access_token": {"$file": "token.txt"},
                                       "repository": "octo-org/octo-repo",
                                       "api_base_url": f"http://127.0.0.1:{dead}"}))
rc, out, err = run("check", "github", "--plugin-dir", BUNDLED, "--allow-internal", "--config", gh)
check(rc == 4 and b"expected a string of at most 65536 bytes, got a string of 100004 bytes" in err
      and b"yyyy" not in err, "a 100 KB $file token: the same config error", f"rc={rc} {err[-400:]!r}")

if failures:
    print(f"{len(failures)} failure(s)", file=sys.stderr)
    sys.exit(1)
print("ok")
