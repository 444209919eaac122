#!/usr/bin/env python3
"""`dwhost call` and `dwhost describe --options` end to end: the github
source's list_repositories action pages GET /user/repos of
tests/servers/fake_github.py (Link rel="next"), filters by owner, caps at
limit; bad arguments get one line and exit 2; the token never shows."""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.environ["DWHOST_SOURCE_DIR"], "tests", "connectors"))
from harness import PLUGINS, Checks, FakeServer, dwhost, write_json  # noqa: E402

TOKEN = "ghp_fakeGoodToken0123456789"
c = Checks()


def call(cfg, *args):
    return dwhost("call", "github", "list_repositories", "--config", write_json(cfg), "--plugin-dir", PLUGINS,
                  "--allow-internal", *args)


with FakeServer("fake_github.py", "--user-repos", "230") as gh:
    cfg = {"personal_access_token": TOKEN, "repository": "octo-org/octo-repo", "api_base_url": gh.url}
    p = call(cfg)
    repos = json.loads(p.stdout) if p.returncode == 0 else []
    c.expect(p.returncode == 0 and len(repos) == 231, "all repositories: exit %d, %d %s" % (p.returncode, len(repos),
                                                                                              p.stderr[-300:]))
    c.expect(repos and repos[0] == {"value": "octo-org/octo-repo", "label": "octo-org/octo-repo",
                                    "full_name": "octo-org/octo-repo", "private": False}, "first: %s" % repos[:1])
    c.expect(repos[1:2] == [{"value": "octo-user/repo-000", "label": "octo-user/repo-000 (private)",
                             "full_name": "octo-user/repo-000", "private": True}], "private label: %s" % repos[1:2])
    pages = [dict(r["query"]).get("page") for r in gh.requests("/user/repos")]
    c.expect(pages == ["1", "2", "3"], "pages followed by Link rel=next: %s" % pages)
    c.expect(TOKEN not in p.stdout + p.stderr, "the token shows")

    gh.clear()
    p = call(cfg, "owner=OCTO-ORG", "--json")
    doc = json.loads(p.stdout)
    c.expect(p.returncode == 0 and doc["ok"] and [r["value"] for r in doc["result"]] == ["octo-org/octo-repo"],
             "owner filter: %s" % p.stdout[:300])
    p = call(cfg, "--args-json", '{"limit": 5}')
    c.expect(p.returncode == 0 and len(json.loads(p.stdout)) == 5, "limit=5 from JSON: %s" % p.stdout[:200])

    p = call(cfg, "limit=ten")
    c.expect(p.returncode == 2 and p.stdout == "" and p.stderr.strip().splitlines() ==
             ["dwhost: call github list_repositories: argument 'limit' expects a whole number (int64), got 'ten'"], "limit=ten: %d %r" % (p.returncode, p.stderr))
    p = call(cfg, "size=3")
    c.expect(p.returncode == 2 and "unknown argument 'size'; its arguments: owner (string), limit (int64)" in p.stderr,
             "unknown argument: %d %r" % (p.returncode, p.stderr))
    p = dwhost("call", "github", "nope", "--config", write_json(cfg), "--plugin-dir", PLUGINS)
    c.expect(p.returncode == 2 and "github has no action 'nope'; its actions: create_webhook, delete_webhook, webhook_info, "
             "list_repositories" in p.stderr,
             "unknown action: %d %r" % (p.returncode, p.stderr))
    p = dwhost("call", "github", "--config", write_json(cfg), "--plugin-dir", PLUGINS)
    c.expect(p.returncode == 2 and "which action?" in p.stderr, "no action: %d %r" % (p.returncode, p.stderr))
    p = call(dict(cfg, personal_access_token="ghp_wrong"))
    c.expect(p.returncode == 5 and "ghp_wrong" not in p.stderr, "bad token: exit %d %r" % (p.returncode, p.stderr))

    # the choices of the repository field, before it is filled in
    cfg0 = {"personal_access_token": TOKEN, "api_base_url": gh.url}
    p = dwhost("describe", "github", "--options", "repository", "--config", write_json(cfg0), "--plugin-dir", PLUGINS,
               "--allow-internal")
    lines = p.stdout.splitlines()
    c.expect(p.returncode == 0 and len(lines) == 231 and lines[1] == "octo-user/repo-000\tocto-user/repo-000 (private)",
             "describe --options: %d %s %r" % (p.returncode, lines[:2], p.stderr[-300:]))
    p = dwhost("describe", "github", "--options", "per_page", "--config", write_json(cfg0), "--plugin-dir", PLUGINS)
    c.expect(p.returncode == 2 and "no top-level field 'per_page' that lists its choices" in p.stderr,
             "describe --options per_page: %d %r" % (p.returncode, p.stderr))
    p = dwhost("describe", "github", "--json", "--no-schemas", "--plugin-dir", PLUGINS)
    form = json.loads(p.stdout)
    c.expect([a["name"] for a in form["actions"]] == ["create_webhook", "delete_webhook", "webhook_info",
                                                      "list_repositories"] and
             [f.get("options_action") for f in form["fields"]][1] == "list_repositories", "describe --json actions")

# a crashing action: one line, exit 11; bad arguments of every type: exit 2
ACTT = os.path.join(os.environ["DWHOST_BUILD_DIR"], "tests", "actions", "plugins")
acfg = write_json({"token": "t0ps3cret", "kind": "a"})
p = dwhost("call", "actt", "crash", "--config", acfg, "--plugin-dir", ACTT)
lines = p.stderr.strip().splitlines()
c.expect(p.returncode == 11 and len(lines) == 1 and "crashed with SIGSEGV" in lines[0] and "in action 'crash'" in lines[0],
         "crash: exit %d %r" % (p.returncode, p.stderr))
p = dwhost("call", "actt", "echo", "--config", acfg, "--plugin-dir", ACTT, "n=1", "x=2.5", "flag=0", "s=hi",
           "j=[true]", "--json")
doc = json.loads(p.stdout) if p.returncode == 0 else {}
c.expect(doc.get("result") == {"n": 1, "x": 2.5, "flag": 0, "s": "hi", "j": [True], "token": "***"},
         "echo through the CLI: %d %s %r" % (p.returncode, p.stdout[:300], p.stderr))
for word, want in (("n=1.5", "argument 'n' expects a whole number (int64), got '1.5'"),
                   ("x=abc", "argument 'x' expects a number (double), got 'abc'"),
                   ("flag=maybe", "argument 'flag' expects true or false (bool), got 'maybe'"),
                   ("j=[", "argument 'j' expects JSON text, got '['")):
    args = [word] if word.startswith("n=") else ["n=1", word]
    p = dwhost("call", "actt", "echo", "--config", acfg, "--plugin-dir", ACTT, *args)
    c.expect(p.returncode == 2 and p.stderr.strip().splitlines() == ["dwhost: call actt echo: " + want],
             "%s: %d %r" % (word, p.returncode, p.stderr))

# a plugin that cannot start: its init's status names the failure (exit 5 for forbidden)
p = dwhost("call", "actt_noinit", "echo", "n=1", "--config", acfg, "--plugin-dir", ACTT)
c.expect(p.returncode == 5 and p.stderr.startswith("dwhost: call actt_noinit echo: plugin 'actt_noinit' could not "
                                                   "start: init failed: it returned status 'forbidden'"),
         "init fails: %d %r" % (p.returncode, p.stderr))
p = dwhost("call", "actt_noinit", "echo", "n=1", "--config", acfg, "--plugin-dir", ACTT, "--json")
doc = json.loads(p.stdout) if p.stdout else {}
c.expect(p.returncode == 5 and doc.get("status") == "forbidden" and doc.get("ok") is False, "init fails --json: %d %r"
         % (p.returncode, p.stdout))
# the error map's wording, the exit code of the cause behind it (401: 5)
p = dwhost("call", "actt", "mapped", "--config", acfg, "--plugin-dir", ACTT, "--json")
doc = json.loads(p.stdout) if p.stdout else {}
c.expect(p.returncode == 5 and doc.get("status") == "non_retryable" and doc.get("message") ==
         "the token is wrong; make a new one" and p.stderr == "dwhost: call actt mapped: the token is wrong; make a "
         "new one\n", "mapped: %d %r %r" % (p.returncode, p.stdout, p.stderr))
# the config is validated once more inside the call, but logged as loaded once
p = dwhost("call", "actt", "echo", "n=1", "--config", acfg, "--plugin-dir", ACTT, "--log-level", "debug",
           "--log-format", "json")
loaded = [ln for ln in p.stderr.splitlines() if '"event":"config.loaded"' in ln]
c.expect(p.returncode == 0 and len(loaded) == 1 and "t0ps3cret" not in p.stderr, "config.loaded lines: %d %r"
         % (p.returncode, loaded))

c.done()
