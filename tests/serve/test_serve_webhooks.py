#!/usr/bin/env python3
"""`dwhost serve`'s POST /v1/webhooks/{job}: a Stripe delivery signed with
the job's signing secret is stored (200 once committed); a bad, missing or
expired signature answers 401 and stores nothing; a body over the limit
413; the source name reaches its one job; no bearer token is needed for
webhooks (the signature is their authentication); and a kill -9 of the
service right after a 200 loses nothing: the next sync has the row.  The
stripe plugin against tests/servers/fake_stripe.py (the syncs through the
CLI with --allow-internal: the service keeps its SSRF guard)."""
import hashlib
import hmac
import json
import os
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.environ["DWHOST_SOURCE_DIR"], "tests", "connectors"))
from servetest import BIN, Service, check, done, env, tmpdir  # noqa: E402
from harness import PLUGINS, FakeServer  # noqa: E402

KEY = "sk_test_fakeGoodKey000000000000001234"
SECRET = "whsec_serve_test_000000000001"
TOKEN = "serve-token-0123456789abcdef"
JOB = "stripe-live"
d = tmpdir()
db = os.path.join(d, "w.db")


def q(sql):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def inbox():
    return [r[0] for r in q("select id from _dw_webhook_inbox order by id")]


def sync():
    p = subprocess.run([BIN, "sync", "stripe", "--config", cfg, "--warehouse", db, "--schema", "customers",
                        "--source-id", JOB, "--plugin-dir", PLUGINS, "--allow-internal", "--json",
                        "--log-format", "text"], capture_output=True, text=True, timeout=120, env=env())
    check(p.returncode == 0, f"sync: exit {p.returncode} {p.stderr[-500:]}")
    return json.loads(p.stdout or "{}")


def event(cid, name):
    return json.dumps({"id": "evt_" + name.replace(" ", "_"), "object": "event", "type": "customer.updated",
                       "data": {"object": {"id": cid, "object": "customer", "created": 1672531200, "name": name}}})


def signed(body, secret=SECRET, t=None):
    t = int(time.time()) if t is None else t
    v1 = hmac.new(secret.encode(), f"{t}.{body}".encode(), hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={t},v1={v1}"}


with FakeServer("fake_stripe.py", "--rows", "3") as st:
    cfg = os.path.join(d, "stripe.json")
    with open(cfg, "w") as f:
        json.dump({"stripe_secret_key": KEY, "webhook_signing_secret": {"$env": "STRIPE_WHSEC"},
                   "advanced": {"enabled": True, "api_base": st.url}}, f)
    jobs = os.path.join(d, "jobs.json")
    with open(jobs, "w") as f:
        json.dump({"jobs": [{"name": JOB, "source": "stripe", "config": "stripe.json", "schemas": ["customers"],
                             "interval": "1d"}]}, f)
    os.environ["STRIPE_WHSEC"] = SECRET
    # the initial sync (the CLI's, against the fake): pushed payloads apply after it
    sync()
    ids = [r[0] for r in q("select id from stripe_customers order by id")]
    check(len(ids) == 3, f"initial sync rows: {ids}")

    s = Service(db, "--jobs", jobs, plugin_dir=PLUGINS, environ=env(STRIPE_WHSEC=SECRET, DWHOST_SERVE_TOKEN=TOKEN))
    before = inbox()

    def post(path, body, headers=None):
        return s.request("POST", path, raw=body, headers=headers)

    # ---- refused: nothing stored ------------------------------------------------------
    body = event(ids[0], "Refused")
    now = int(time.time())
    for name, hdr, want in [
        ("missing", {}, "no Stripe-Signature header"),
        ("wrong secret", signed(body, "whsec_wrong"), "matches"),
        ("expired", signed(body, t=now - 400), "before now"),
        ("future", signed(body, t=now + 400), "after now"),
        ("malformed", {"Stripe-Signature": "v1=abc"}, "no timestamp"),
        ("changed payload", signed(event(ids[0], "Other")), "matches"),
    ]:
        st_, doc, _ = post(f"/v1/webhooks/{JOB}", body, hdr)
        msg = (doc or {}).get("message") or (doc or {}).get("error") or ""
        check(st_ == 401 and (doc or {}).get("outcome") == "bad_signature" and want in msg and SECRET not in msg,
              f"{name} signature: {st_} {doc}")
    check(inbox() == before, f"refused webhooks were stored: {inbox()}")
    st_, doc, _ = post(f"/v1/webhooks/{JOB}", "x" * ((1 << 20) + 10), signed("x"))
    check(st_ == 413 and "larger than" in (doc or {}).get("error", ""), f"a body over 1 MiB: {st_} {doc}")
    # curl waits for "100 Continue" before a large body: refused by its
    # Content-Length before it sends any (the -w times say it sent nothing)
    big = os.path.join(d, "big.json")
    with open(big, "w") as f:
        f.write("x" * (4 << 20))
    p = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{size_upload}", "-H",
                        "Expect: 100-continue", "--expect100-timeout", "30", "--data-binary", "@" + big,
                        f"http://127.0.0.1:{s.port}/v1/webhooks/{JOB}"], capture_output=True, text=True, timeout=60)
    code, sent = (p.stdout.split() + ["", ""])[:2]
    check(code == "413" and float(sent or 0) == 0, f"curl with a 4 MiB body: {p.stdout!r} {p.stderr!r}")
    st_, doc, _ = post("/v1/webhooks/nosuch", body, signed(body))
    check(st_ == 404 and "no job" in (doc or {}).get("error", ""), f"an unknown job: {st_} {doc}")
    st_, doc, _ = s.get(f"/v1/webhooks/{JOB}")
    check(st_ == 405, f"GET a webhook: {st_} {doc}")
    # the token guards the rest of the API, not webhooks
    st_, doc, _ = s.get("/v1/jobs")
    check(st_ == 401, f"/v1/jobs without the token: {st_}")

    # ---- stored: 200 once committed; by job and by source name -----------------------------
    body = event(ids[1], "By Source Name")
    st_, doc, _ = post("/v1/webhooks/stripe", body, signed(body))
    check(st_ == 200 and doc.get("outcome") == "stored" and doc.get("job") == JOB and doc.get("inbox_id"),
          f"signed webhook to the source's one job: {st_} {doc}")
    # the same request again (a replay: same timestamp and payload, whatever
    # else the header carries) is refused within the tolerance window
    stored = inbox()
    hdr = signed(body, t=int(time.time()) - 5)  # not the second of the delivery above
    for name, h in [("replayed", None), ("replayed with another entry", True)]:
        first = None
        if h is None:  # a fresh delivery, then its exact replay
            st_, doc, _ = post(f"/v1/webhooks/{JOB}", body, hdr)
            first = (st_, doc)
            stored = inbox()
            check(st_ == 200 and doc.get("outcome") == "stored", f"a second delivery signed anew: {st_} {doc}")
            st_, doc, _ = post(f"/v1/webhooks/{JOB}", body, hdr)
        else:
            st_, doc, _ = post(f"/v1/webhooks/{JOB}", body,
                               {"Stripe-Signature": hdr["Stripe-Signature"] + ",v0=" + "0" * 64})
        msg = (doc or {}).get("message") or ""
        check(st_ == 401 and (doc or {}).get("outcome") == "bad_signature" and "replayed" in msg,
              f"{name}: {st_} {doc} (first {first})")
        check(inbox() == stored, f"{name}: stored again: {inbox()}")
    body = event(ids[0], "Pushed Then Killed")
    st_, doc, _ = post(f"/v1/webhooks/{JOB}", body, signed(body))
    # kill -9 right after the 200: the payload was committed before it
    s.kill()
    reports = [l for l in s.lines if "Sanitizer" in l or "runtime error:" in l]
    check(not reports, f"sanitizer reports in the service or its children: {reports[:5]}")
    check(st_ == 200 and doc.get("outcome") == "stored" and doc.get("source_id") == JOB,
          f"signed webhook: {st_} {doc}")
    check(len(inbox()) == len(before) + 3, f"the inbox after kill -9: {inbox()}")

    # the next sync applies both
    rep = sync()
    names = dict(q("select id, name from stripe_customers"))
    check(names.get(ids[0]) == "Pushed Then Killed" and names.get(ids[1]) == "By Source Name",
          f"the next sync after kill -9 does not have the rows: {names} {rep.get('schemas', [{}])[0].get('webhooks')}")
done("serve_webhooks")
