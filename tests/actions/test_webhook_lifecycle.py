#!/usr/bin/env python3
"""`dwhost webhook create|delete|info` against tests/servers/fake_stripe.py's
webhook endpoints API: create registers the URL with concrete event types
(the fake refuses wildcards, as the API reference says) and stores the
signing secret Stripe returns into the config (or its $file), never printing
it; a config that cannot take the secret ($env) gets the endpoint deleted
again; info and delete find the endpoint by URL; a second create is refused;
a source without the actions (github) is told to set one up by hand."""

import atexit
import json
import os
import stat
import sys
import shutil
import tempfile
import urllib.request

sys.path.insert(0, os.path.join(os.environ["DWHOST_SOURCE_DIR"], "tests", "connectors"))
from harness import PLUGINS, Checks, FakeServer, dwhost  # noqa: E402

KEY = "sk_test_fakeGoodKey000000000000001234"
URL = "https://hooks.example.com/dwhost/stripe"
c = Checks()
tmp = tempfile.mkdtemp(prefix="dwh-webhook-")
atexit.register(shutil.rmtree, tmp, True)  # tools/test fails a test that leaves files behind


def hook(*args, cfg):
    return dwhost("webhook", *args, "--config", cfg, "--url", URL, "--plugin-dir", PLUGINS, "--allow-internal",
                  "--log-level", "error")


def endpoints(server):
    req = urllib.request.Request(server.url + "/v1/webhook_endpoints?limit=100", headers={"Authorization": "Bearer " + KEY})
    with urllib.request.urlopen(req) as r:
        return json.load(r)["data"]


with FakeServer("fake_stripe.py", "--rows", "5") as st:
    base = {"stripe_secret_key": KEY, "advanced": {"enabled": True, "api_base": st.url}}
    cfg = os.path.join(tmp, "stripe.json")
    with open(cfg, "w") as f:
        json.dump(base, f)

    p = hook("create", "stripe", cfg=cfg)
    saved = json.load(open(cfg))
    secret = saved.get("webhook_signing_secret", "")
    made = endpoints(st)
    c.expect(p.returncode == 0 and secret.startswith("whsec_") and len(made) == 1 and made[0]["url"] == URL,
             "create: exit %d, secret stored %r, endpoints %s, %r" % (p.returncode, secret[:6], made, p.stderr))
    c.expect(p.stdout.startswith("ok: stripe: webhook %s created for %s" % (made[0]["id"] if made else "?", URL))
             and "stored in %s (webhook_signing_secret)" % cfg in p.stdout, "create line: %r" % p.stdout)
    c.expect(secret not in p.stdout + p.stderr and saved["stripe_secret_key"] == KEY and saved["advanced"] == base["advanced"],
             "create: the secret printed, or the rest of the config changed")
    c.expect(stat.S_IMODE(os.stat(cfg).st_mode) == 0o600, "the config holding the secret is not 0600")
    events = made[0]["enabled_events"] if made else []
    c.expect(len(events) > 40 and all("*" not in e for e in events) and "customer.subscription.updated" in events
             and "charge.dispute.created" in events, "enabled_events: %s" % events[:5])
    posts = [r for r in st.requests("/v1/webhook_endpoints") if r["method"] == "POST"]
    c.expect(len(posts) == 1 and posts[0]["headers"].get("content-type") == "application/x-www-form-urlencoded",
             "create: one form-encoded POST: %s" % [(r["method"], r["headers"].get("content-type")) for r in posts])

    p = hook("info", "stripe", cfg=cfg)
    c.expect(p.returncode == 0 and p.stdout.strip() == "stripe: webhook %s posts to %s (enabled, %d event types)"
             % (made[0]["id"], URL, len(events)), "info: %d %r %r" % (p.returncode, p.stdout, p.stderr))
    p = hook("info", "stripe", "--json", cfg=cfg)
    doc = json.loads(p.stdout) if p.returncode == 0 else {}
    c.expect(doc.get("result", {}).get("exists") is True and doc["result"]["id"] == made[0]["id"], "info --json")

    p = hook("create", "stripe", cfg=cfg)
    c.expect(p.returncode == 4 and "exists already (%s)" % made[0]["id"] in p.stderr and len(endpoints(st)) == 1,
             "second create: %d %r" % (p.returncode, p.stderr))
    c.expect(json.load(open(cfg))["webhook_signing_secret"] == secret, "a refused create changed the stored secret")

    p = hook("delete", "stripe", cfg=cfg)
    c.expect(p.returncode == 0 and p.stdout.strip() == "ok: stripe: webhook %s for %s deleted" % (made[0]["id"], URL)
             and endpoints(st) == [], "delete: %d %r %r" % (p.returncode, p.stdout, p.stderr))
    p = hook("delete", "stripe", cfg=cfg)
    c.expect(p.returncode == 1 and "no webhook endpoint posts to %s" % URL in p.stderr, "delete again: %d %r"
             % (p.returncode, p.stderr))
    p = hook("info", "stripe", cfg=cfg)
    c.expect(p.returncode == 0 and p.stdout.strip() == "stripe: no webhook posts to %s" % URL, "info after delete")

    # the secret into the file a {"$file"} reference names
    secret_file = os.path.join(tmp, "whsec.txt")
    with open(secret_file, "w") as f:
        f.write("whsec_old")  # the secret of an endpoint deleted before
    cfg2 = os.path.join(tmp, "stripe_file.json")
    with open(cfg2, "w") as f:
        json.dump(dict(base, webhook_signing_secret={"$file": "whsec.txt"}), f)
    p = hook("create", "stripe", cfg=cfg2)
    c.expect(p.returncode == 0 and open(secret_file).read().startswith("whsec_fake")
             and json.load(open(cfg2))["webhook_signing_secret"] == {"$file": "whsec.txt"}
             and stat.S_IMODE(os.stat(secret_file).st_mode) == 0o600, "$file: %d %r" % (p.returncode, p.stderr))
    hook("delete", "stripe", cfg=cfg2)

    # a config that cannot take it: the endpoint is deleted again
    cfg3 = os.path.join(tmp, "stripe_env.json")
    with open(cfg3, "w") as f:
        json.dump(dict(base, webhook_signing_secret={"$env": "STRIPE_WHSEC_FOR_TEST"}), f)
    os.environ["STRIPE_WHSEC_FOR_TEST"] = "whsec_old"
    p = hook("create", "stripe", cfg=cfg3)
    c.expect(p.returncode == 4 and "from $env STRIPE_WHSEC_FOR_TEST" in p.stderr and "deleted again" in p.stderr
             and endpoints(st) == [], "$env: %d %r" % (p.returncode, p.stderr))

    # `dwhost call` prints the answer with the secret scrubbed
    p = dwhost("call", "stripe", "create_webhook", "url=" + URL, "--config", cfg, "--plugin-dir", PLUGINS,
               "--allow-internal", "--log-level", "error")
    ans = json.loads(p.stdout) if p.returncode == 0 else {}
    c.expect(ans.get("extra_inputs") == {"webhook_signing_secret": "***"} and "whsec_" not in p.stdout,
             "call create_webhook: %r" % p.stdout[:300])

    files_cfg = os.path.join(tmp, "files.json")
    with open(files_cfg, "w") as f:
        json.dump({"directory": os.path.join(os.environ["DWHOST_SOURCE_DIR"], "examples", "files")}, f)
    p = dwhost("webhook", "create", "files", "--config", files_cfg, "--url", URL, "--plugin-dir", PLUGINS)
    c.expect(p.returncode == 3 and "files does not manage its webhooks" in p.stderr, "files: %d %r"
             % (p.returncode, p.stderr))
    p = dwhost("webhook", "create", "stripe", "--config", cfg, "--plugin-dir", PLUGINS)
    c.expect(p.returncode == 2 and "needs --url URL" in p.stderr, "no --url: %d %r" % (p.returncode, p.stderr))

# GitHub: repository webhooks; the secret is drawn by the plugin, sent to
# GitHub once and stored in the config
with FakeServer("fake_github.py", "--other-repo", "octo-org/other-repo") as gh:
    gcfg = os.path.join(tmp, "github.json")
    with open(gcfg, "w") as f:
        json.dump({"personal_access_token": "ghp_fakeGoodToken0123456789", "repository": "octo-org/octo-repo",
                   "api_base_url": gh.url}, f)
    p = hook("create", "github", cfg=gcfg)
    stored = json.load(open(gcfg)).get("webhook_secret", "")
    hooks = gh.control(hooks=True)["hooks"]
    c.expect(p.returncode == 0 and len(stored) == 64 and len(hooks) == 1 and hooks[0]["config"]["secret"] == stored
             and hooks[0]["config"]["url"] == URL and hooks[0]["config"]["content_type"] == "json"
             and hooks[0]["repository_id"] == 1296269, "github create: %d %r %s" % (p.returncode, p.stderr, hooks))
    c.expect(sorted(hooks[0]["events"]) == ["issue_comment", "issues", "pull_request", "pull_request_review", "push",
                                            "release", "star"], "github events: %s" % hooks[0]["events"])
    c.expect(stored not in p.stdout + p.stderr, "github: the secret printed")
    posts = [r for r in gh.requests("/hooks") if r["method"] == "POST"]
    c.expect(len(posts) == 1 and posts[0]["path"] == "/repos/octo-org/octo-repo/hooks"
             and posts[0]["headers"].get("content-type") == "application/json", "github POST: %s" % posts)
    p = hook("info", "github", cfg=gcfg)
    c.expect(p.returncode == 0 and p.stdout.strip() == "github: webhook %d posts to %s (enabled, 7 event types)"
             % (hooks[0]["id"], URL), "github info: %r %r" % (p.stdout, p.stderr))
    p = hook("create", "github", cfg=gcfg)
    c.expect(p.returncode == 4 and "already (id %d)" % hooks[0]["id"] in p.stderr, "github second create: %r" % p.stderr)
    p = hook("delete", "github", cfg=gcfg)
    c.expect(p.returncode == 0 and gh.control(hooks=True)["hooks"] == [], "github delete: %d %r" % (p.returncode,
                                                                                                   p.stderr))
    p = hook("delete", "github", cfg=gcfg)
    c.expect(p.returncode == 1 and "nothing to delete" in p.stderr, "github delete again: %d" % p.returncode)
    bad = dict(json.load(open(gcfg)), personal_access_token="ghp_wrong")
    with open(gcfg, "w") as f:
        json.dump(bad, f)
    p = hook("info", "github", cfg=gcfg)
    c.expect(p.returncode == 5 and "ghp_wrong" not in p.stderr, "github bad token: %d %r" % (p.returncode, p.stderr))

c.done()
