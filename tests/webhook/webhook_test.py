#!/usr/bin/env python3
"""Webhooks end to end: `dwhost webhook stripe` stores Stripe events (the
shapes of Stripe's published example objects) in the warehouse inbox,
`dwhost sync stripe` applies them before pulling from
tests/servers/fake_stripe.py.  Checks what a user sees in the warehouse:
rows updated and inserted, payloads kept until the schema's initial sync
completed, --reset not applying them, a pulled row winning over an older
pushed one, a poison payload stopping the schema with its inbox id and
--drop removing it, SIGKILL mid-drain (DWHOST_TEST_CRASH_AT) then a rerun
applying every payload exactly once, refusals with exit codes, and the
inbox emptied once consumed."""

import atexit
import copy
import json
import os
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
import hashlib
import hmac

sys.path.insert(0, os.path.join(os.environ["DWHOST_SOURCE_DIR"], "tests", "connectors"))
from harness import PLUGINS, Checks, FakeServer, dwhost, write_json  # noqa: E402

KEY = "sk_test_fakeGoodKey000000000000001234"
FIXTURES = os.path.join(os.environ["DWHOST_SOURCE_DIR"], "tests", "servers", "data", "stripe_fixtures.json")
with open(FIXTURES) as f:
    CUSTOMER = json.load(f)["resources"]["customer"]
c = Checks()
tmp = tempfile.mkdtemp(prefix="dwhost-webhook-")
atexit.register(shutil.rmtree, tmp, True)  # nothing left behind, pass or fail


def event(etype, obj):
    return {"object": "event", "type": etype, "data": {"object": obj}}


def customer(cid, name, created=1672531200):
    o = copy.deepcopy(CUSTOMER)
    o.update(id=cid, name=name, created=created)
    return o


def push(cfg, wh, payload, *args, raw=None):
    path = os.path.join(tmp, "payload.json")
    with open(path, "w") as f:
        f.write(raw if raw is not None else json.dumps(payload))
    p = dwhost("webhook", "stripe", "--config", cfg, "--payload", path, "--warehouse", wh, "--plugin-dir", PLUGINS,
               "--json", "--log-format", "text", *args)
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        doc = {}
    return p.returncode, doc, p.stderr


def sync(cfg, wh, *args, env=None):
    e = dict(os.environ, **(env or {}))
    import subprocess
    p = subprocess.run([os.environ["DWHOST_BIN"], "sync", "stripe", "--config", cfg, "--warehouse", wh,
                        "--schema", "customers", "--plugin-dir", PLUGINS, "--allow-internal", "--json",
                        "--log-format", "text", *args], capture_output=True, text=True, timeout=120, env=e)
    try:
        doc = json.loads(p.stdout)
        s = doc["schemas"][0]
    except (ValueError, KeyError, IndexError):
        doc, s = {}, {}
    return p.returncode, s, p.stderr


def q(wh, sql, *params):
    db = sqlite3.connect(wh)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def names(wh):
    # the fixture's name is null: the column exists once a pushed row sets one
    cols = [r[1] for r in q(wh, "pragma table_info(stripe_customers)")]
    return dict(q(wh, "select id, %s from stripe_customers" % ("name" if "name" in cols else "null")))


def inbox(wh):
    return [r[0] for r in q(wh, "select id from _dw_webhook_inbox order by id")]


def cursor(wh):
    r = q(wh, "select last_id from _dw_webhook_cursor where schema_name = 'customers'")
    return r[0][0] if r else None


with FakeServer("fake_stripe.py", "--rows", "5") as st:
    cfg = write_json({"stripe_secret_key": KEY, "advanced": {"enabled": True, "api_base": st.url}})
    wh = os.path.join(tmp, "w.db")

    # -- refusals ----------------------------------------------------------
    gh = write_json({"personal_access_token": "ghp_x", "repository": "a/b"})
    p = dwhost("webhook", "github", "--config", gh, "--payload", "-", "--warehouse", wh, "--plugin-dir", PLUGINS)
    c.expect(p.returncode == 4 and "github" in p.stderr and "does not take webhooks" in p.stderr
             and len(p.stderr.strip().splitlines()) == 1, "non-webhook source: %d %r" % (p.returncode, p.stderr))
    rc, doc, err = push(cfg, wh, None, raw='{"object": "event", "type": ')
    c.expect(rc == 4 and "not valid JSON" in err and "byte 28" in err, "bad JSON: %d %r" % (rc, err))
    big = json.dumps(event("customer.updated", customer("cus_big", "x" * (1 << 20))))
    rc, doc, err = push(cfg, wh, None, raw=big)
    c.expect(rc == 4 and "1048576" in err, "too large: %d %r" % (rc, err))
    rc, doc, err = push(cfg, wh, {"object": "event", "type": "customer.updated"})
    c.expect(rc == 4 and doc.get("outcome") == "refused" and "not a Stripe event" in err,
             "plugin rejects: %d %s %r" % (rc, doc, err))
    rc, doc, err = push(cfg, wh, event("balance.available", {"object": "balance"}))
    c.expect(rc == 0 and doc.get("outcome") == "ignored" and "balance.available" in doc.get("message", "")
             and "customers <- customer.*" in doc.get("message", ""), "ignored: %d %s" % (rc, doc))
    # --signature-header: a missing, expired or wrong signature stores nothing (exit 5)
    scfg = write_json({"stripe_secret_key": KEY, "webhook_signing_secret": "whsec_cli_test_0001",
                       "advanced": {"enabled": True, "api_base": st.url}})
    sev = event("customer.updated", customer("cus_Sig00000000001", "Signed"))
    now = int(time.time())
    good_v1 = hmac.new(b"whsec_cli_test_0001", f"{now}.{json.dumps(sev)}".encode(), hashlib.sha256).hexdigest()
    old_v1 = hmac.new(b"whsec_cli_test_0001", f"{now - 400}.{json.dumps(sev)}".encode(), hashlib.sha256).hexdigest()
    for header, want in [("", "no Stripe-Signature header"), (f"Stripe-Signature: t={now},v1={'0' * 64}", "matches"),
                         (f"Stripe-Signature: t={now - 400},v1={old_v1}", "before now"),
                         (f"X-Hub-Signature-256: sha256={good_v1}", "not X-Hub-Signature-256")]:
        rc, doc, err = push(scfg, wh, sev, "--signature-header", header)
        c.expect(rc == 5 and doc.get("outcome") == "bad_signature" and want in err and "whsec_cli" not in err
                 and good_v1 not in err, "signature %r: %d %s %r" % (header[:30], rc, doc, err))
    rc, doc, err = push(cfg, wh, sev, "--signature-header", f"Stripe-Signature: t={now},v1={good_v1}")
    c.expect(rc == 4 and "webhook_signing_secret" in err, "signed push, no secret in the config: %d %r" % (rc, err))
    c.expect(not os.path.exists(wh), "refused/ignored payloads opened the warehouse")
    c.expect(KEY not in err, "the key appears in stderr")

    # -- pushed before the initial sync started: the initial sync's full read
    #    is fresher, so those payloads are passed over, never applied ------
    rc, doc, err = push(cfg, wh, event("customer.updated", customer("cus_Fk00000000000001", "Before Initial")))
    c.expect(rc == 0 and doc.get("outcome") == "stored" and doc.get("schemas") == ["customers"]
             and doc.get("inbox_id") == 1, "stored: %d %s %r" % (rc, doc, err))
    rc, doc, err = push(cfg, wh, event("customer.created", customer("cus_Pushed00000001", "Pushed New")))
    c.expect(rc == 0 and doc.get("inbox_id") == 2, "stored 2: %d %s" % (rc, doc))
    rc, s, err = sync(cfg, wh)
    c.expect(rc == 0 and s.get("webhooks", {}).get("status") == "waiting" and s["webhooks"]["pending"] == 0
             and s["webhooks"]["stale"] == 2 and s["webhooks"]["payloads"] == 0,
             "initial sync: %d %s %r" % (rc, s.get("webhooks"), err[-300:]))
    n = names(wh)
    c.expect(len(n) == 5 and n["cus_Fk00000000000001"] != "Before Initial" and "cus_Pushed00000001" not in n,
             "initial sync applied pushed payloads: %s" % n)
    c.expect(cursor(wh) == 2, "the stale payloads were not passed over: cursor %s" % cursor(wh))
    rc, s, err = sync(cfg, wh)
    c.expect(rc == 0 and s["webhooks"] == {"status": "applied", "payloads": 0, "rows": 0, "pending": 0, "stale": 0}
             and names(wh) == n, "second sync applied stale payloads: %d %s %r" % (rc, s.get("webhooks"), err[-300:]))
    c.expect(inbox(wh) == [] and cursor(wh) == 2, "inbox not collected: %s cursor %s" % (inbox(wh), cursor(wh)))
    c.expect(q(wh, "select count(*) from _dw_webhook_target") == [(0,)], "targets not collected")

    # -- pushed while the initial sync runs (here: between a crash and the
    #    rerun that resumes it): kept, applied after it completes -----------
    wh2 = os.path.join(tmp, "w2.db")
    rc, s, err = sync(cfg, wh2, "--batch-rows", "2", env={"DWHOST_TEST_CRASH_AT": "after-batch-commit:1"})
    c.expect(rc == -signal.SIGKILL, "initial crash: expected SIGKILL, got %d %r" % (rc, err[-300:]))
    rc, doc, err = push(cfg, wh2, event("customer.updated", customer("cus_Fk00000000000001", "During Initial")))
    rc2, doc2, err = push(cfg, wh2, event("customer.created", customer("cus_Pushed00000001", "Pushed New")))
    c.expect(rc == 0 and rc2 == 0, "pushes during the initial sync: %d %d" % (rc, rc2))
    rc, s, err = sync(cfg, wh2, "--batch-rows", "2")
    c.expect(rc == 0 and s["resumed"] and s["webhooks"]["status"] == "waiting" and s["webhooks"]["pending"] == 2
             and s["webhooks"]["stale"] == 0, "resumed initial sync: %d %s %r" % (rc, s.get("webhooks"), err[-300:]))
    rc, s, err = sync(cfg, wh2)
    n = names(wh2)
    c.expect(rc == 0 and s["webhooks"] == {"status": "applied", "payloads": 2, "rows": 2, "pending": 0, "stale": 0},
             "after the initial sync: %d %s %r" % (rc, s.get("webhooks"), err[-300:]))
    c.expect(n.get("cus_Fk00000000000001") == "During Initial" and n.get("cus_Pushed00000001") == "Pushed New"
             and len(n) == 6, "pushed rows not in the table: %s" % n)
    c.expect(inbox(wh2) == [], "inbox not collected: %s" % inbox(wh2))
    rc, s, err = sync(cfg, wh2)
    c.expect(rc == 0 and s["webhooks"]["payloads"] == 0 and names(wh2) == n, "a rerun applied something again")

    # -- --reset does not drain, and its full read makes older pushes stale ---
    push(cfg, wh, event("customer.updated", customer("cus_Fk00000000000002", "Before Reset")))
    rc, s, err = sync(cfg, wh, "--reset")
    c.expect(rc == 0 and s["webhooks"]["status"] == "skipped" and s["webhooks"]["payloads"] == 0
             and s["webhooks"]["stale"] == 1 and names(wh)["cus_Fk00000000000002"] != "Before Reset",
             "--reset drained: %d %s %s" % (rc, s.get("webhooks"), inbox(wh)))
    rc, s, err = sync(cfg, wh)
    c.expect(rc == 0 and s["webhooks"]["payloads"] == 0 and names(wh)["cus_Fk00000000000002"] != "Before Reset"
             and inbox(wh) == [], "after --reset: %d %s %s" % (rc, s.get("webhooks"), inbox(wh)))

    # -- a pulled row is fresher than a pushed one: the pull wins ---------------
    st.control(add={"customers": 1})  # cus_Fk00000000000006, returned by the next pull
    push(cfg, wh, event("customer.created", customer("cus_Fk00000000000006", "Stale Push", 1900000000)))
    rc, s, err = sync(cfg, wh)
    n = names(wh)
    c.expect(rc == 0 and s["webhooks"]["payloads"] == 1 and "cus_Fk00000000000006" in n
             and n["cus_Fk00000000000006"] != "Stale Push",
             "pull after drain: %d %s %s %r" % (rc, s.get("webhooks"), n.get("cus_Fk00000000000006"), err[-300:]))
    c.expect(s.get("last_value") != 1900000000, "a pushed row moved the watermark: %s" % s.get("last_value"))

    # -- a poison payload stops the schema; --drop removes it ---------------
    rc, d1, _ = push(cfg, wh, event("customer.updated", customer("cus_Fk00000000000003", "Before Poison")))
    db = sqlite3.connect(wh)  # as if stored by an older plugin that accepted it
    cur = db.execute("insert into _dw_webhook_inbox (team_id, source_id, namespace, received_at, payload) values "
                     "('local', 'stripe', '', '2026-01-01T00:00:00Z', '{\"object\": \"event\"}')")
    poison = cur.lastrowid
    db.execute("insert into _dw_webhook_target values (?, 'customers')", (poison,))
    db.commit()
    db.close()
    rc, d2, _ = push(cfg, wh, event("customer.updated", customer("cus_Fk00000000000004", "After Poison")))
    rc, s, err = sync(cfg, wh)
    lines = [l for l in err.splitlines() if l.startswith("dwhost: sync:")]
    c.expect(rc == 1 and len(lines) == 1 and ("payload %d" % poison) in lines[0] and "not a Stripe event" in lines[0]
             and ("--drop %d" % poison) in lines[0], "poison: %d %r" % (rc, err[-500:]))
    n = names(wh)
    c.expect(n["cus_Fk00000000000003"] == "Before Poison" and n["cus_Fk00000000000004"] != "After Poison"
             and cursor(wh) == d1["inbox_id"] and inbox(wh) == [poison, d2["inbox_id"]],
             "poison: cursor %s inbox %s" % (cursor(wh), inbox(wh)))
    p = dwhost("webhook", "stripe", "--drop", "999", "--warehouse", wh, "--plugin-dir", PLUGINS)
    c.expect(p.returncode == 4 and "no payload 999" in p.stderr, "drop unknown: %d %r" % (p.returncode, p.stderr))
    p = dwhost("webhook", "stripe", "--drop", str(poison), "--warehouse", wh, "--plugin-dir", PLUGINS)
    c.expect(p.returncode == 0 and ("dropped payload %d" % poison) in p.stdout, "drop: %d %r" % (p.returncode, p.stderr))
    rc, s, err = sync(cfg, wh)
    c.expect(rc == 0 and s["webhooks"]["payloads"] == 1 and names(wh)["cus_Fk00000000000004"] == "After Poison"
             and inbox(wh) == [], "after drop: %d %s %s" % (rc, s.get("webhooks"), inbox(wh)))

    # -- SIGKILL mid-drain: the rerun applies every payload exactly once -----
    ids = []
    for i in range(1, 7):
        rc, d, _ = push(cfg, wh, event("customer.updated", customer("cus_Fk%014d" % i, "Crash %d" % i)))
        ids.append(d.get("inbox_id"))
    # one payload per batch: the third commit is the third payload
    rc, s, err = sync(cfg, wh, "--batch-rows", "1", env={"DWHOST_TEST_CRASH_AT": "after-batch-commit:3"})
    n = names(wh)
    c.expect(rc == -signal.SIGKILL, "crash: expected SIGKILL, got %d %r" % (rc, err[-300:]))
    c.expect(cursor(wh) == ids[2] and inbox(wh) == ids and
             [n["cus_Fk%014d" % i] == "Crash %d" % i for i in range(1, 7)] == [True] * 3 + [False] * 3,
             "after the crash: cursor %s (want %s) inbox %s names %s" % (cursor(wh), ids[2], inbox(wh), n))
    rc, s, err = sync(cfg, wh, "--batch-rows", "1", env={"DWHOST_TEST_CRASH_AT": "before-batch-commit:1"})
    c.expect(rc == -signal.SIGKILL and cursor(wh) == ids[2], "crash before commit moved the cursor: %s" % cursor(wh))
    rc, s, err = sync(cfg, wh, "--batch-rows", "1")
    n = names(wh)
    c.expect(rc == 0 and s["webhooks"]["payloads"] == 3 and s["webhooks"]["rows"] == 3 and s.get("resumed"),
             "rerun: %d %s %r" % (rc, s.get("webhooks"), err[-300:]))
    c.expect(all(n["cus_Fk%014d" % i] == "Crash %d" % i for i in range(1, 7)) and inbox(wh) == []
             and cursor(wh) == ids[-1], "rerun: names %s inbox %s" % (n, inbox(wh)))

    # -- human summary, and `dwhost status` before and after -------------------
    push(cfg, wh, event("customer.updated", customer("cus_Fk00000000000005", "Summary")))
    p = dwhost("status", "--warehouse", wh)
    c.expect(p.returncode == 0 and "stripe/customers" in p.stdout and "1 webhook payload waiting" in p.stdout,
             "status before the sync: %r" % p.stdout)
    p = dwhost("sync", "stripe", "--config", cfg, "--warehouse", wh, "--schema", "customers", "--plugin-dir", PLUGINS,
               "--allow-internal")
    c.expect(p.returncode == 0 and "webhooks applied: 1 payload, 1 row applied" in p.stdout,
             "summary: %r" % p.stdout)
    c.expect(KEY not in p.stdout + p.stderr, "the key appears in the sync output")
    p = dwhost("status", "--warehouse", wh, "--json")
    jobs = json.loads(p.stdout)["jobs"] if p.returncode == 0 else []
    c.expect(len(jobs) == 1 and jobs[0]["webhooks_pending"] == 0 and jobs[0]["status"] == "idle",
             "status after the sync: %r" % p.stdout)

c.done()
