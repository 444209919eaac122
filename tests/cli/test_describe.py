#!/usr/bin/env python3
"""`dwhost describe`: metadata, the field tree with secret flags, schemas
with and without a config, --json (docs/form-json.md), errors."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import check, done, plugin_dir, run  # noqa: E402

d = plugin_dir("regt_good", "regt_ok", "regt_initfail", "regt_major")

# Human-readable: metadata, indented field tree, schemas.
rc, out, err = run("describe", "regt_good", "--plugin-dir", d)
check(rc == 0, f"describe exit 0 (got {rc}: {err})")
check(out.startswith("regt_good 1.2.3 -- Registry test\n"), f"title: {out[:60]!r}")
for text in ["  release:       beta, unreleased, feature flag dwh-regt-good",
             "  capabilities:  resumable, oauth",
             "  comm method:   http",
             "  keywords:      test, registry",
             "\nconfig:\n"]:
    check(text in out, f"describe shows {text!r}")
lines = out.splitlines()


def line_of(name, indent):
    found = [x for x in lines if x.startswith(" " * indent + name + " ")]
    check(len(found) >= 1, f"field {name} at indent {indent}")
    return found[0] if found else ""


check("input password, required, secret" in line_of("api_key", 6), "nested secret password input")
check("input text, required, secret" in line_of("token", 6), "input marked secret")
check("input text, required" in line_of("username", 6) and "secret" not in line_of("username", 6), "plain input")
check("option basic (Basic):" in out, "select options listed")
check("switch-group, default off" in line_of("advanced", 2), "switch group")
check("input number, default 100" in line_of("page_size", 4), "switch group child indented")
check("oauth, secret" in line_of("oauth_integration", 2), "oauth is secret")
check("file-upload, secret" in line_of("key_file", 2), "file upload is secret")
check("string, required, secret, with auth_type keypair" in line_of("private_key", 4), "ssh private key secret")
check("port, required, default 22" in line_of("port", 4), "ssh port")
check("\nschemas:\n  items " in out and "primary key: id" in out, f"schemas listed: {out[-200:]!r}")

# --json: the documented form document.
rc, out, err = run("describe", "regt_good", "--json", "--plugin-dir", d)
doc = json.loads(out)
check(rc == 0, "describe --json exit 0")
for k, v in {"name": "regt_good", "label": "Registry test", "docs_url": "https://example.com/docs",
             "icon_path": "/static/services/regt.svg", "category": "Testing", "keywords": ["test", "registry"],
             "release_status": "beta", "feature_flag": "dwh-regt-good", "unreleased": True, "comm_method": "http",
             "primary_library": "dwhost transport", "version": "1.2.3", "abi": "1.9",
             "capabilities": ["resumable", "oauth"], "path": os.path.join(d, "libsource_regt_good.so"),
             "schemas_error": None}.items():
    check(doc.get(k) == v, f"json {k} = {v!r} (got {doc.get(k)!r})")
check(list(doc) == ["name", "label", "caption", "docs_url", "icon_path", "category", "keywords", "release_status",
                    "feature_flag", "unreleased", "comm_method", "primary_library", "version", "abi",
                    "capabilities", "fields", "non_retryable_errors", "webhook_resources", "actions", "path", "schemas",
                    "schemas_error"], f"stable key order: {list(doc)}")
fields = {f["name"]: f for f in doc["fields"]}
check([f["kind"] for f in doc["fields"]] == ["input", "select", "switch-group", "select", "oauth", "oauth-account",
                                             "file-upload", "ssh-tunnel"], "every kind rendered")
check(fields["host"] == {"kind": "input", "name": "host", "label": "Host", "caption": "The *API* host",
                         "required": True, "secret": False, "input_type": "url",
                         "placeholder": "https://api.example.com", "default": None, "options_action": None},
      f"input: {fields['host']}")
auth = fields["auth"]
check([o["value"] for o in auth["options"]] == ["api_key", "basic", "oauth"] and auth["default"] == "api_key",
      "select options")
check(auth["options"][0]["fields"][0]["secret"] is True and auth["options"][1]["fields"][0]["secret"] is False,
      "secret derived inside options")
check(fields["limit"]["converter"] == "str_to_int", "converter name")
check(fields["advanced"]["default"] is False and fields["advanced"]["fields"][0]["default"] == "100", "switch group")
check(fields["oauth_integration"]["secret"] is True and fields["oauth_integration"]["oauth_kind"] == "example" and
      fields["oauth_integration"]["required_scopes"] == "read write", "oauth")
check(fields["account_id"]["integration_field"] == "oauth_integration" and fields["account_id"]["multiple"] is True,
      "oauth account")
check(fields["key_file"]["file_keys"] == ["type", "project_id", "private_key"] and fields["key_file"]["secret"],
      "file upload")
ssh = {k["name"]: k for k in fields["ssh_tunnel"]["fields"]}
check(list(ssh) == ["enabled", "host", "port", "username", "auth_type", "password", "private_key", "passphrase"],
      f"ssh expanded: {list(ssh)}")
check([n for n, k in ssh.items() if k["secret"]] == ["password", "private_key", "passphrase"], "ssh secrets")
check(doc["schemas"][0]["name"] == "items", "json schemas")
check(doc["non_retryable_errors"] == [{"substring": "401 Unauthorized",
                                       "message": "Your API key is invalid; generate a new one."}], "errors map")

# Schemas that need a config.
rc, out, err = run("describe", "regt_ok", "--plugin-dir", d)
check(rc == 0 and "schemas need a config" in out, f"needs config: {rc} {out[-120:]!r}")
rc, out, err = run("describe", "regt_ok", "--json", "--plugin-dir", d)
doc = json.loads(out)
check(doc["schemas"] is None and doc["schemas_error"] == "needs_config", "json needs_config")

# --no-schemas runs no plugin code: even a failing init describes fine.
rc, out, err = run("describe", "regt_initfail", "--no-schemas", "--plugin-dir", d)
check(rc == 0 and "schemas not listed" in out, f"--no-schemas: {rc}")
rc, out, err = run("describe", "regt_initfail", "--plugin-dir", d)
check(rc == 3 and "schemas unavailable: plugin could not start: init failed" in out and "init failed" in err,
      f"init failure: {rc} {err!r}")

# Errors: unknown, rejected, usage.
rc, out, err = run("describe", "nope", "--plugin-dir", d)
check(rc == 3 and err == f"dwhost: no source named 'nope' (searched: {d}); run 'dwhost list-plugins'\n",
      f"unknown source: {err!r}")
rc, out, err = run("describe", "regt_major", "--plugin-dir", d)
check(rc == 3 and "source 'regt_major' was not loaded" in err and "rebuild the plugin" in err, f"rejected: {err!r}")
rc, out, err = run("describe", "--plugin-dir", d)
check(rc == 2 and "which source?" in err, "missing name")
rc, out, err = run("describe", "a", "b", "--plugin-dir", d)
check(rc == 2 and "give one source name" in err, "two names")
rc, out, err = run("describe", "--help")
check(rc == 0 and out.startswith("usage: dwhost describe <source>"), "--help")
done()
