#!/usr/bin/env python3
"""The stripe source through the real CLI against tests/servers/fake_stripe.py:
cursor pagination (limit, starting_after, has_more), status=all on
subscriptions, the descending incremental windows (created[lt]=earliest,
created[gte]=last), resume from the saved cursor, 429 (backs off, then
succeeds), and 401/403 with one friendly line and no key in any output."""

import os
import tempfile
import time

from harness import Checks, FakeServer, check, query, read

KEY = "sk_test_fakeGoodKey000000000000001234"
RESTRICTED = "rk_test_fakeRestrictedKey0000000005678"
c = Checks()

with FakeServer("fake_stripe.py") as st:
    cfg = {"stripe_secret_key": KEY, "stripe_account_id": "acct_1Fake0000000000",
           "advanced": {"enabled": True, "api_base": st.url}}

    # -- cursor pagination, newest first -----------------------------------------
    rc, rows, err = read("stripe", cfg, "customers")
    reqs = st.requests("/v1/customers")
    c.expect(rc == 0 and len(rows) == 250, "customers: exit %d, %d rows %s" % (rc, len(rows), err[-300:]))
    c.expect([r["created"] for r in rows] == sorted((r["created"] for r in rows), reverse=True), "not newest first")
    c.expect(all(r["object"] == "customer" and r["id"].startswith("cus_") for r in rows), "customer rows")
    c.expect(len(reqs) == 3 and all(query(r).get("limit") == "100" for r in reqs), "3 pages of 100: %d" % len(reqs))
    c.expect(len(reqs) == 3 and "starting_after" not in query(reqs[0]) and
             query(reqs[1]).get("starting_after") == rows[99]["id"] and
             query(reqs[2]).get("starting_after") == rows[199]["id"], "starting_after is not the last id of a page")
    c.expect(all(r["headers"].get("stripe-account") == "acct_1Fake0000000000" for r in reqs), "Stripe-Account header")
    c.expect(KEY not in err, "the key appears in stderr")

    st.clear()
    rc, rows, err = read("stripe", cfg, "subscriptions")
    c.expect(rc == 0 and len(rows) == 250 and any(r["status"] == "canceled" for r in rows),
             "subscriptions: status=all (canceled included): exit %d, %d rows" % (rc, len(rows)))
    c.expect(query(st.requests("/v1/subscriptions")[0]).get("status") == "all", "subscriptions: status=all not sent")

    # -- incremental: descending windows -----------------------------------------
    rc, rows, err = read("stripe", cfg, "charges", "--incremental-field", "created")
    last, earliest = max(r["created"] for r in rows), min(r["created"] for r in rows)
    st.control(add={"charges": 3})
    st.clear()
    rc, rows, err = read("stripe", cfg, "charges", "--incremental-field", "created", "--last-value", str(last),
                         "--earliest-value", str(earliest))
    qs = [query(r) for r in st.requests("/v1/charges")]
    c.expect(rc == 0, "incremental: exit %d %s" % (rc, err[-300:]))
    c.expect(any(q.get("created[lt]") == str(earliest) for q in qs), "no created[lt]=earliest window: %s" % qs)
    c.expect(any(q.get("created[gte]") == str(last) for q in qs), "no created[gte]=last window: %s" % qs)
    c.expect(len(rows) == 3 and all(r["created"] > last for r in rows),
             "incremental: %d rows %s" % (len(rows), [r["created"] for r in rows]))

    # -- resume from the saved cursor ------------------------------------------
    with tempfile.TemporaryDirectory() as d:
        state = os.path.join(d, "state.json")
        rc1, first, err1 = read("stripe", cfg, "invoices", "--limit", "150", "--state-out", state)
        with open(state) as f:
            saved = f.read()
        c.expect(rc1 == 0 and len(first) == 150 and "in_" in saved, "resume: first part %d rows, state %s" % (len(first), saved))
        st.clear()
        rc2, second, err2 = read("stripe", cfg, "invoices", "--state-in", state)
        q = query(st.requests("/v1/invoices")[0])
        c.expect(rc2 == 0 and q.get("starting_after", "").startswith("in_"), "resume: did not start after the cursor: %s" % q)
        ids = [r["id"] for r in first] + [r["id"] for r in second]
        c.expect(len(set(ids)) == 250 and len(ids) - 250 <= 50,
                 "resume: %d distinct of %d read (want all 250, at most one page twice)" % (len(set(ids)), len(ids)))

    # -- 429: Stripe sends no Retry-After; the transport backs off ------------------
    st.clear()
    st.control(fault={"status": 429, "count": 1, "path": "/v1/products"})
    rc, rows, err = read("stripe", cfg, "products")
    reqs = st.requests("/v1/products")
    c.expect(rc == 0 and len(rows) == 250, "429: exit %d, %d rows %s" % (rc, len(rows), err[-300:]))
    c.expect(len(reqs) == 4 and reqs[1]["t"] - reqs[0]["t"] >= 0.3, "429: no backoff before the retry")

    # -- auth ----------------------------------------------------------------
    bad = dict(cfg, stripe_secret_key="sk_test_wrongWrongWrong99887766")
    rc, doc, err = check("stripe", bad)
    c.expect(rc == 5 and "Stripe rejected the key" in doc.get("message", ""), "401: exit %d %s" % (rc, doc))
    everything = err + str(doc)
    c.expect("sk_test_wrongWrongWrong99887766" not in everything, "401: the key is printed")
    rc, rows, err = read("stripe", bad, "charges")
    c.expect(rc == 5 and "Stripe rejected the key" in err and not rows, "401 at read: exit %d %r" % (rc, err[-300:]))
    lim = dict(cfg, stripe_secret_key=RESTRICTED)
    rc, doc, err = check("stripe", lim)
    c.expect(rc == 0, "restricted key, no schema: exit %d %s" % (rc, doc))
    rc, doc, err = check("stripe", lim, "--schema", "charges")
    c.expect(rc == 5 and "rak_charge_read" in doc.get("message", ""), "403 with schema: exit %d %s" % (rc, doc))
    c.expect(RESTRICTED not in err + str(doc), "403: the restricted key is printed")
    rc, rows, err = read("stripe", lim, "charges")
    c.expect(rc == 5 and "rak_charge_read" in err, "403 at read: exit %d %r" % (rc, err[-300:]))

c.done()
