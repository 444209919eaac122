#!/usr/bin/env python3
"""Webhooks into a PostgreSQL warehouse (tests/servers/pg_server.py starts
the server): `dwhost webhook stripe --warehouse postgresql://...` stores
Stripe events in dwhost.webhook_inbox, `dwhost sync stripe` applies them
before its pull with the cursor committed in each batch's transaction:
pushed during an interrupted initial sync they wait for it, then apply;
SIGKILL after the third of six one-payload batches (and again before a
commit) leaves the cursor at the third, and the rerun applies the other
three exactly once and empties the inbox."""

import copy
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ["DWHOST_SOURCE_DIR"], "tests", "connectors"))
sys.path.insert(0, os.path.join(os.environ["DWHOST_SOURCE_DIR"], "tests", "servers"))
from harness import PLUGINS, Checks, FakeServer, dwhost, write_json  # noqa: E402
from pg_server import PASSWORD, PgServer  # noqa: E402

KEY = "sk_test_fakeGoodKey000000000000001234"
FIXTURES = os.path.join(os.environ["DWHOST_SOURCE_DIR"], "tests", "servers", "data", "stripe_fixtures.json")
with open(FIXTURES) as f:
    CUSTOMER = json.load(f)["resources"]["customer"]
c = Checks()
os.environ["PGPASSWORD"] = PASSWORD  # for dwhost (libpq) and psql alike


def event(etype, obj):
    return {"object": "event", "type": etype, "data": {"object": obj}}


def customer(cid, name):
    o = copy.deepcopy(CUSTOMER)
    o.update(id=cid, name=name, created=1672531200)
    return o


def push(cfg, wh, payload, *args):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        f.write(json.dumps(payload))
    p = dwhost("webhook", "stripe", "--config", cfg, "--payload", f.name, "--warehouse", wh, "--plugin-dir", PLUGINS,
               "--json", *args)
    os.unlink(f.name)
    try:
        return p.returncode, json.loads(p.stdout)
    except ValueError:
        return p.returncode, {}


def sync(cfg, wh, *args, env=None):
    p = subprocess.run([os.environ["DWHOST_BIN"], "sync", "stripe", "--config", cfg, "--warehouse", wh, "--schema",
                        "customers", "--plugin-dir", PLUGINS, "--allow-internal", "--json", *args],
                       capture_output=True, text=True, timeout=120, env=dict(os.environ, **(env or {})))
    try:
        return p.returncode, json.loads(p.stdout)["schemas"][0], p.stderr
    except (ValueError, KeyError, IndexError):
        return p.returncode, {}, p.stderr


with PgServer() as pg, FakeServer("fake_stripe.py", "--rows", "5") as st:
    cfg = write_json({"stripe_secret_key": KEY, "advanced": {"enabled": True, "api_base": st.url}})
    pg.execute("CREATE DATABASE hooks")
    wh = pg.url_without_password.rsplit("/", 1)[0] + "/hooks"

    def _q(sql):
        p = subprocess.run(["psql", "-X", "-q", "-t", "-A", "-F", "|", "-d", wh, "-c", sql], capture_output=True,
                           text=True, timeout=60)
        return [l.split("|") for l in p.stdout.splitlines()] if p.returncode == 0 else None

    def names():
        cols = [r[0] for r in _q("SELECT column_name FROM information_schema.columns WHERE table_name = "
                                 "'stripe_customers'") or []]
        return dict(_q("SELECT id, %s FROM stripe_customers" % ("name" if "name" in cols else "NULL")) or [])

    def inbox():
        return [int(r[0]) for r in _q("SELECT id FROM dwhost.webhook_inbox ORDER BY id") or []]

    def cursor():
        r = _q("SELECT last_id FROM dwhost.webhook_cursor WHERE schema_name = 'customers'")
        return int(r[0][0]) if r else None

    # pushed while the initial sync is interrupted: kept, applied after it completes
    rc, s, err = sync(cfg, wh, "--batch-rows", "2", env={"DWHOST_TEST_CRASH_AT": "after-batch-commit:1"})
    c.expect(rc == -signal.SIGKILL, "initial crash: expected SIGKILL, got %d %r" % (rc, err[-300:]))
    rc, d1 = push(cfg, wh, event("customer.updated", customer("cus_Fk00000000000001", "During Initial")))
    rc2, d2 = push(cfg, wh, event("customer.created", customer("cus_Pushed00000001", "Pushed New")))
    c.expect(rc == 0 and rc2 == 0 and d1.get("outcome") == "stored" and inbox() == [d1["inbox_id"], d2["inbox_id"]],
             "pushes into PostgreSQL: %d %d %s %s" % (rc, rc2, d1, inbox()))
    rc, s, err = sync(cfg, wh, "--batch-rows", "2")
    c.expect(rc == 0 and s.get("resumed") and s["webhooks"]["status"] == "waiting" and s["webhooks"]["pending"] == 2,
             "resumed initial sync: %d %s %r" % (rc, s.get("webhooks"), err[-300:]))
    rc, s, err = sync(cfg, wh)
    n = names()
    c.expect(rc == 0 and s["webhooks"] == {"status": "applied", "payloads": 2, "rows": 2, "pending": 0, "stale": 0},
             "after the initial sync: %d %s %r" % (rc, s.get("webhooks"), err[-300:]))
    c.expect(n.get("cus_Fk00000000000001") == "During Initial" and n.get("cus_Pushed00000001") == "Pushed New"
             and len(n) == 6 and inbox() == [], "pushed rows: %s inbox %s" % (n, inbox()))

    # SIGKILL mid-drain: the rerun applies every payload exactly once
    ids = []
    for i in range(1, 7):
        rc, d = push(cfg, wh, event("customer.updated", customer("cus_Fk%014d" % i, "Crash %d" % i)))
        ids.append(d.get("inbox_id"))
    rc, s, err = sync(cfg, wh, "--batch-rows", "1", env={"DWHOST_TEST_CRASH_AT": "after-batch-commit:3"})
    n = names()
    c.expect(rc == -signal.SIGKILL, "crash: expected SIGKILL, got %d %r" % (rc, err[-300:]))
    c.expect(cursor() == ids[2] and inbox() == ids and
             [n.get("cus_Fk%014d" % i) == "Crash %d" % i for i in range(1, 7)] == [True] * 3 + [False] * 3,
             "after the crash: cursor %s (want %s) inbox %s names %s" % (cursor(), ids[2], inbox(), n))
    rc, s, err = sync(cfg, wh, "--batch-rows", "1", env={"DWHOST_TEST_CRASH_AT": "before-batch-commit:1"})
    c.expect(rc == -signal.SIGKILL and cursor() == ids[2], "crash before commit moved the cursor: %s" % cursor())
    rc, s, err = sync(cfg, wh, "--batch-rows", "1")
    n = names()
    c.expect(rc == 0 and s["webhooks"]["payloads"] == 3 and s["webhooks"]["rows"] == 3 and s.get("resumed"),
             "rerun: %d %s %r" % (rc, s.get("webhooks"), err[-300:]))
    c.expect(all(n.get("cus_Fk%014d" % i) == "Crash %d" % i for i in range(1, 7)) and inbox() == []
             and cursor() == ids[-1], "rerun: names %s inbox %s" % (n, inbox()))
    c.expect(_q("SELECT count(*) FROM dwhost.webhook_target") == [["0"]], "targets not collected")

    # a signed delivery is stored once: its replay is refused (dwhost.webhook_seen)
    scfg = write_json({"stripe_secret_key": KEY, "webhook_signing_secret": "whsec_pg_replay_0001",
                       "advanced": {"enabled": True, "api_base": st.url}})
    sev = event("customer.updated", customer("cus_Fk00000000000001", "Signed Once"))
    t = int(time.time())
    v1 = hmac.new(b"whsec_pg_replay_0001", f"{t}.{json.dumps(sev)}".encode(), hashlib.sha256).hexdigest()
    header = f"Stripe-Signature: t={t},v1={v1}"
    rc, d = push(scfg, wh, sev, "--signature-header", header)
    rc2, d2 = push(scfg, wh, sev, "--signature-header", header)
    c.expect(rc == 0 and d.get("outcome") == "stored" and rc2 == 5 and d2.get("outcome") == "bad_signature"
             and "replayed" in d2.get("message", "") and inbox() == [d["inbox_id"]],
             "signed push then its replay: %d %s / %d %s, inbox %s" % (rc, d, rc2, d2, inbox()))
    c.expect(_q("SELECT count(*) FROM dwhost.webhook_seen") == [["1"]], "the replay key is not kept")

c.done()
