#!/usr/bin/env python3
"""test_secret_leaks.py <cfgtest plugin dir>

Feeds configs holding known secret values -- literals, {"$env"} and
{"$file"} references, in every kind of secret slot the form has (a select
option's password, a secret input in a switch group, an OAuth token, a file
upload, an SSH tunnel) -- through every command and log path we can reach:
check (every outcome), read, sync, describe, conformance, validation errors
(secrets of the wrong type, unknown keys, a secret echoed by a non-secret
field's error), JSON syntax errors, plugin errors that echo the token, and
debug logging in text and JSON to stderr and to --log-file.  Asserts that no
secret value appears in stdout, stderr or a log file: not as is, not
JSON-escaped, not URL-encoded.  Extend the command list as commands land."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

BIN = os.environ["DWHOST_BIN"]
PLUGINS = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="dwh-leaks.")
failures = []
runs = 0

# Secret values: odd characters on purpose (quote, backslash, slash, plus,
# space, non-ASCII) so escaped and encoded forms differ from the raw text.
SUFFIX = 'Zq9"x\\k/+ é1'
ENV_HOOK = "whsec_ENV_" + SUFFIX
FILE_TOKEN = "gho_FILE_" + SUFFIX
SSH_PASSWORD = "sshpw_LIT_" + SUFFIX
FILE_KEY = "-----BEGIN PRIVATE KEY-----\\nFILEKEY_" + SUFFIX
NUMBER_SECRET = 987654321987


def forms(s):
    """The ways a value can show up in output."""
    j = json.dumps(s)[1:-1]
    return {s, j, json.dumps(s, ensure_ascii=False)[1:-1], j.replace("/", "\\/"),
            urllib.parse.quote(s, safe=""), urllib.parse.quote_plus(s, safe="")}


def env(**extra):
    e = {k: v for k, v in os.environ.items() if k not in ("DWHOST_PLUGIN_PATH", "DWHOST_LOG_LEVEL")}
    e["DWHOST_NO_DEFAULT_PLUGIN_DIR"] = "1"
    e["DWHI_LEAK_HOOK"] = ENV_HOOK
    e.update(extra)
    return e


def write(name, obj):
    path = os.path.join(tmp, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(obj if isinstance(obj, str) else json.dumps(obj))
    return path


with open(os.path.join(tmp, "token.txt"), "w", encoding="utf-8") as f:
    f.write(FILE_TOKEN + "\n")


def config(key, **over):
    c = {
        "auth": {"selection": "api_key", "api_key": key},
        "webhook": {"enabled": True, "signing_secret": {"$env": "DWHI_LEAK_HOOK"}},
        "integration": {"access_token": {"$file": "token.txt"}, "scope": "read write"},
        "key_file": {"project_id": "proj-1", "private_key": FILE_KEY},
        "ssh_tunnel": {"enabled": True, "host": "bastion.example.com", "port": 22, "username": "etl",
                       "auth_type": "password", "password": SSH_PASSWORD},
    }
    c.update(over)
    return c


def run(args, secrets, what, expect_rc=None):
    global runs
    runs += 1
    log = os.path.join(tmp, f"log{runs}.txt")
    full = [BIN, *args]
    if "--log-file" in args:
        full = [a if a != "@LOG" else log for a in full]
    p = subprocess.run(full, capture_output=True, env=env(), timeout=120, cwd=tmp)
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    logtext = open(log, encoding="utf-8", errors="replace").read() if os.path.exists(log) else ""
    for s in secrets:
        for f in forms(s):
            for stream, text in (("stdout", out), ("stderr", err), ("log file", logtext)):
                if f in text:
                    failures.append(what)
                    print(f"FAIL: {what}: {stream} reveals {f!r}\n--- {stream}:\n{text[:3000]}", file=sys.stderr)
    if expect_rc is not None and p.returncode != expect_rc:
        failures.append(what)
        print(f"FAIL: {what}: exit {p.returncode}, expected {expect_rc}\n{err[:2000]}", file=sys.stderr)
    return p.returncode, out, err, logtext


BASE_SECRETS = [ENV_HOOK, FILE_TOKEN, SSH_PASSWORD, FILE_KEY]
LOGS = [["--log-level", "debug", "--log-format", "text"], ["--log-level", "debug", "--log-format", "json"],
        ["--log-level", "debug", "--log-format", "json", "--log-file", "@LOG"]]

# ---- check: every outcome, text and --json, every log form ------------------
outcomes = [("good", None, 0), ("scopeless", None, 0), ("scopeless", "members", 5), ("legacy403", None, 0),
            ("bad", None, 5), ("bad", "members", 5), ("down", None, 6), ("boom", None, 1)]
for prefix, schema, rc in outcomes:
    key = f"{prefix}_LIT_{SUFFIX}"
    cfg = write(f"check_{prefix}.json", config(key))
    for logs in LOGS:
        for js in ([], ["--json"]):
            args = ["check", "cfgtest", "--plugin-dir", PLUGINS, "--config", cfg, *logs, *js]
            if schema:
                args += ["--schema", schema]
            _, out, err, logtext = run(args, BASE_SECRETS + [key], f"check {prefix} {schema} {logs} {js}", rc)
            if "debug" in logs and prefix == "good" and "checking key ***" not in err + logtext:
                failures.append("debug line present")
                print(f"FAIL: the plugin's debug line (which echoes the key) is missing: {err}{logtext}",
                      file=sys.stderr)

# ---- validation errors -----------------------------------------------------
key = "good_LIT_" + SUFFIX
cases = {
    # a secret of the wrong type, in a secret slot
    "number secret": config(NUMBER_SECRET),
    # valid secrets next to other errors
    "other errors": config(key, region="mars", page_size="lots"),
    # an unknown key holding a secret (a misspelled secret key)
    "unknown key": config(key, api_kee=key + "_typo"),
    # a secret echoed by a non-secret field's error (scrubbed as a known secret)
    "echoed by url error": config(key, base_url="not a url " + key),
    # secrets in the option the user did not choose
    "unchosen option": config(key, auth={"selection": "basic", "username": "u", "password": "good_pw_LIT_" + SUFFIX,
                                         "api_key": key}),
    # a disabled group holding a secret
    "disabled group": config(key, webhook={"enabled": False, "signing_secret": "whsec_LIT_" + SUFFIX}),
    # a reference that cannot be resolved next to literal secrets
    "missing env": config(key, ssh_tunnel={"enabled": True, "host": "b", "username": "u", "auth_type": "password",
                                           "password": {"$env": "DWHI_LEAK_UNSET"}}),
}
for name, c in cases.items():
    cfg = write("invalid.json", c)
    secrets = BASE_SECRETS + [key, key + "_typo", "good_pw_LIT_" + SUFFIX, "whsec_LIT_" + SUFFIX, str(NUMBER_SECRET)]
    for logs in LOGS:
        for js in ([], ["--json"]):
            rc, out, err, _ = run(["check", "cfgtest", "--plugin-dir", PLUGINS, "--config", cfg, *logs, *js],
                                  secrets, f"validation: {name} {logs} {js}")
            expect = 0 if name in ("unchosen option", "disabled group") else 4
            if rc != expect:
                failures.append(name)
                print(f"FAIL: validation {name}: exit {rc}, expected {expect}: {err[:1000]}", file=sys.stderr)

# a JSON syntax error in a file full of secrets
text = json.dumps(config(key), indent=1).replace('"scope"', '"scope" ,,', 1)
cfg = write("syntax.json", text)
run(["check", "cfgtest", "--plugin-dir", PLUGINS, "--config", cfg], BASE_SECRETS + [key], "JSON syntax error", 4)
run(["check", "cfgtest", "--plugin-dir", PLUGINS, "--config", cfg, "--json"], BASE_SECRETS + [key],
    "JSON syntax error --json", 4)

# ---- read: rows on stdout, the plugin logs and echoes the key -----------------
for prefix, rc in (("good", 0), ("boom", 1)):
    key = f"{prefix}_LIT_{SUFFIX}"
    cfg = write(f"read_{prefix}.json", config(key))
    for logs in LOGS:
        r, out, err, logtext = run(["read", "cfgtest", "--plugin-dir", PLUGINS, "--config", cfg, "--schema", "members",
                                    *logs], BASE_SECRETS + [key], f"read {prefix} {logs}", rc)
        if '"login":"octocat"' not in out.replace(" ", ""):
            failures.append("read rows")
            print(f"FAIL: read {prefix}: the row is missing from stdout: {out[:500]}", file=sys.stderr)

# ---- sync: into a warehouse, and as JSON lines ---------------------------------
for prefix, rc in (("good", 0), ("boom", 1)):
    key = f"{prefix}_LIT_{SUFFIX}"
    cfg = write(f"sync_{prefix}.json", config(key))
    for logs in LOGS:
        for extra in (["--warehouse", os.path.join(tmp, f"wh_{prefix}.db"), "--json"], ["--output", "jsonl"]):
            run(["sync", "cfgtest", "--plugin-dir", PLUGINS, "--config", cfg, "--schema", "members", *extra, *logs],
                BASE_SECRETS + [key], f"sync {prefix} {extra} {logs}", rc)

# ---- describe and conformance --------------------------------------------------
run(["describe", "cfgtest", "--plugin-dir", PLUGINS, "--json"], BASE_SECRETS, "describe --json", 0)
run(["describe", "cfgtest", "--plugin-dir", PLUGINS], BASE_SECRETS, "describe", 0)
key = "good_LIT_" + SUFFIX
cfg = write("conformance.json", config(key))
for js in ([], ["--json"]):
    run(["conformance", "cfgtest", "--plugin-dir", PLUGINS, "--config", cfg, "--log-level", "debug", *js],
        BASE_SECRETS + [key], f"conformance {js}")

shutil.rmtree(tmp, ignore_errors=True)
if failures:
    print(f"{len(failures)} leak check(s) failed over {runs} runs", file=sys.stderr)
    sys.exit(1)
print(f"ok: {runs} runs, no secret in any output")
