#!/usr/bin/env python3
"""test_check.py <plugin dir> -- `dwhost check` as a user runs it: config
validation (every error with its path, exit 4, no plugin code run), the
credential check's outcomes and exit codes, --json, secret references,
usage errors."""
import json
import os
import subprocess
import sys
import tempfile

BIN = os.environ["DWHOST_BIN"]
PLUGINS = sys.argv[1]
failures = []
tmp = tempfile.mkdtemp(prefix="dwh-check.")


def check(cond, what, detail=""):
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}\n{detail}", file=sys.stderr)


def env(**extra):
    e = {k: v for k, v in os.environ.items() if k not in ("DWHOST_PLUGIN_PATH", "DWHOST_LOG_LEVEL")}
    e["DWHOST_NO_DEFAULT_PLUGIN_DIR"] = "1"
    e.update(extra)
    return e


def write(name, obj):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(obj if isinstance(obj, str) else json.dumps(obj))
    return path


def run(*args, stdin=None, **envx):
    p = subprocess.run([BIN, "check", *args], capture_output=True, text=True, env=env(**envx), input=stdin,
                       timeout=60)
    return p.returncode, p.stdout, p.stderr


def check_with(key, *extra, **envx):
    cfg = write("cfg.json", {"auth": {"selection": "api_key", "api_key": key}})
    return run("cfgtest", "--plugin-dir", PLUGINS, "--config", cfg, *extra, **envx)


# ---- credential outcomes --------------------------------------------------
rc, out, err = check_with("good_key_1234")
check(rc == 0 and out == "ok: cfgtest accepted the credentials\n" and err == "", "good key passes", out + err)

rc, out, err = check_with("good_key_1234", "--schema", "members")
check(rc == 0 and "for schema 'members'" in out, "good key passes for a schema", out + err)

rc, out, err = check_with("scopeless_key_1234")
check(rc == 0 and "accepted the credentials" in out, "403 at source creation passes", out + err)
check("dwhost: warning:" in err and "lacks the scope read:org" in err, "403 at source creation warns", err)
check("scopeless_key_1234" not in out + err, "403 warning does not echo the key", err)

rc, out, err = check_with("scopeless_key_1234", "--schema", "members")
check(rc == 5, "403 with a schema exits 5", f"rc={rc} {err}")
check("dwhost: check cfgtest (schema 'members'): permission missing:" in err and "read:org" in err,
      "403 with a schema names what is missing", err)
check("scopeless_key_1234" not in err and "***" in err, "403 message is scrubbed", err)

rc, out, err = check_with("legacy403_key_1234")
check(rc == 0 and "credentials are valid but lack a permission" in err and "read:org" in err,
      "a plugin's 403 without a schema still passes with a warning", f"rc={rc} {out}{err}")

rc, out, err = check_with("bad_key_1234")
check(rc == 5, "401 exits 5", f"rc={rc} {err}")
check("credentials rejected: Your API key is invalid or expired. Generate a new key and reconnect." in err,
      "401 shows the plugin's friendly message", err)
check("bad_key_1234" not in err and "401 Client Error" not in err, "401 raw error replaced", err)

rc, out, err = check_with("down_key_1234")
check(rc == 6 and "could not reach the source" in err, "unreachable exits 6", f"rc={rc} {err}")

rc, out, err = check_with("boom_key_1234")
check(rc == 1 and "check failed" in err and "500 Server Error" in err, "other failures exit 1", f"rc={rc} {err}")
check("boom_key_1234" not in err, "echoed key scrubbed from an HTTP error", err)

# ---- validation before any plugin code --------------------------------------
cfg = write("bad.json", {"auth": {"selection": "api_key", "api_key": 12345678}, "page_size": "lots",
                         "region": "mars", "webhook": {"enabled": True}, "ssh_tunnel": {"enabled": True, "port": 0},
                         "base_urll": "https://x.example.com"})
rc, out, err = run("cfgtest", "--plugin-dir", PLUGINS, "--config", cfg, "--log-level", "debug")
lines = [l for l in err.splitlines() if l.startswith("dwhost: config error at ")]
check(rc == 4, "invalid config exits 4", f"rc={rc} {err}")
want = ["dwhost: config error at auth.api_key: expected a string, or a secret reference "
        "{\"$env\": \"NAME\"} / {\"$file\": \"PATH\"}, got a number",
        "dwhost: config error at region: expected one of \"us\", \"eu\", got the string \"mars\"",
        "dwhost: config error at page_size: expected a whole number (or a string holding one), "
        "got the string \"lots\"",
        "dwhost: config error at webhook.signing_secret: expected a string (required), got nothing",
        "dwhost: config error at ssh_tunnel.port: expected a port number from 1 to 65535, got the number 0",
        "dwhost: config error at base_urll: expected one of the known keys"]
for w in want:
    check(any(l.startswith(w) for l in lines), f"error line: {w}", err)
check(len(lines) == 9, "every error listed once (auth_type, host, username too)", err)
check("12345678" not in err, "a secret's wrong-typed value is not echoed", err)
check("checking key" not in err, "no plugin code ran on an invalid config", err)
check(out == "", "nothing on stdout for an invalid config", out)

rc, out, err = run("cfgtest", "--plugin-dir", PLUGINS, "--config", os.path.join(tmp, "missing.json"))
check(rc == 4 and "config error at (file): expected a readable config file at" in err and "No such file" in err,
      "missing config file exits 4", f"rc={rc} {err}")
cfg = write("syntax.json", '{"auth": {"selection": "api_key",\n  "api_key": "good_1234",,}}')
rc, out, err = run("cfgtest", "--plugin-dir", PLUGINS, "--config", cfg)
check(rc == 4 and "not JSON: unexpected ',' at line 2, column 26" in err and "good_1234" not in err,
      "JSON syntax error names the character and the line",
      f"rc={rc} {err}")

# ---- --json ---------------------------------------------------------------
rc, out, err = check_with("good_key_1234", "--json")
doc = json.loads(out)
check(rc == 0 and doc["ok"] is True and doc["outcome"] == "ok" and doc["status"] == "ok" and doc["source"] == "cfgtest"
      and doc["schema"] is None and doc["message"] is None and doc["config"] == {"errors": [], "warnings": []},
      "--json ok document", out)

rc, out, err = check_with("bad_key_1234", "--json", "--schema", "members")
doc = json.loads(out)
check(rc == 5 and doc["ok"] is False and doc["outcome"] == "bad_credentials" and doc["schema"] == "members"
      and doc["message"].startswith("Your API key is invalid"), "--json bad credentials document", out)

rc, out, err = check_with("scopeless_key_1234", "--json")
doc = json.loads(out)
check(rc == 0 and doc["ok"] and any("lacks the scope read:org" in w for w in doc["warnings"]),
      "--json 403 at source creation: ok with warnings", out)

rc, out, err = run("cfgtest", "--plugin-dir", PLUGINS, "--config", os.path.join(tmp, "bad.json"), "--json")
doc = json.loads(out)
paths = [e["path"] for e in doc["config"]["errors"]]
check(rc == 4 and doc["ok"] is False and doc["outcome"] == "invalid_config" and "auth.api_key" in paths
      and "ssh_tunnel.port" in paths and len(paths) == 9, "--json invalid config lists every error", out)
e0 = doc["config"]["errors"][0]
check(set(e0) == {"path", "expected", "got", "message"} and e0["message"].startswith("config error at "),
      "--json error objects", json.dumps(e0))

# ---- warnings from validation ----------------------------------------------
cfg = write("warn.json", {"auth": {"selection": "api_key", "api_key": "good_key_1234", "password": "x"},
                          "integration": {"access_token": "tok_abcd", "scope": "read"}})
rc, out, err = run("cfgtest", "--plugin-dir", PLUGINS, "--config", cfg)
check(rc == 0 and "dwhost: config warning at auth.password:" in err and "dwhost: config warning at integration.scope:"
      in err and "\"write\"" in err, "validation warnings are printed and do not fail", f"rc={rc} {err}")

# ---- secret references and stdin ---------------------------------------------
keyfile = write("key.txt", "good_from_file_1234\n")
cfg = write("ref.json", {"auth": {"selection": "api_key", "api_key": {"$file": "key.txt"}},
                         "webhook": {"enabled": True, "signing_secret": {"$env": "DWHI_CHECK_HOOK"}}})
rc, out, err = run("cfgtest", "--plugin-dir", PLUGINS, "--config", cfg, DWHI_CHECK_HOOK="whsec_env_1234")
check(rc == 0, "references resolve (relative $file from the config's directory, $env)", f"rc={rc} {err}")
rc, out, err = run("cfgtest", "--plugin-dir", PLUGINS, "--config", cfg)
check(rc == 4 and "config error at webhook.signing_secret: expected environment variable DWHI_CHECK_HOOK to be set"
      in err, "unset variable named", f"rc={rc} {err}")
os.unlink(keyfile)
rc, out, err = run("cfgtest", "--plugin-dir", PLUGINS, "--config", cfg, DWHI_CHECK_HOOK="whsec_env_1234")
check(rc == 4 and "config error at auth.api_key: expected a readable regular file at " in err and "key.txt" in err,
      "missing secret file named", f"rc={rc} {err}")

rc, out, err = run("cfgtest", "--plugin-dir", PLUGINS, "--config", "-",
                   stdin=json.dumps({"auth": "api_key", "auth_extra": 1}))
check(rc == 4 and "config error at auth.api_key" in err and "config error at auth_extra" in err,
      "config from stdin", f"rc={rc} {err}")

# ---- usage and lookup ------------------------------------------------------
rc, out, err = run("cfgtest", "--plugin-dir", PLUGINS)
check(rc == 2 and "--config FILE is required" in err, "missing --config is a usage error", err)
rc, out, err = run("--plugin-dir", PLUGINS, "--config", cfg)
check(rc == 2 and "name the source" in err, "missing source is a usage error", err)
rc, out, err = run("cfgtest", "--plugin-dir", PLUGINS, "--config", cfg, "--bogus")
check(rc == 2 and "unknown option '--bogus'" in err, "unknown option", err)
rc, out, err = run("cfgtest", "--plugin-dir", PLUGINS, "--config", cfg, "--log-level", "loud")
check(rc == 2 and "log level 'loud'" in err, "bad log level", err)
rc, out, err = run("nosuch", "--plugin-dir", PLUGINS, "--config", cfg)
check(rc == 3 and "no source named 'nosuch'" in err, "unknown source exits 3", f"rc={rc} {err}")
rc, out, err = run("--help")
check(rc == 0 and "exit status:" in out and "--schema NAME" in out, "--help", out)

subprocess.run(["rm", "-rf", tmp])
if failures:
    print(f"{len(failures)} check(s) failed", file=sys.stderr)
    sys.exit(1)
print("ok")
