#!/usr/bin/env python3
"""fake_stripe.py -- a loopback Stripe API for tests.

Objects are Stripe's published example objects (data/stripe_fixtures.json,
a subset of the shared stripe-openapi-fixtures3.json from stripe/openapi) with deterministic ids
and `created` values; nothing else is invented.  List endpoints answer as
the API reference documents (https://docs.stripe.com/api/pagination):
  {"object": "list", "url": "/v1/customers", "has_more": bool, "data": [...]}
newest first, with limit (1..100, default 10), starting_after, ending_before,
and the created filter (created=N, created[gt|gte|lt|lte]=N).
/v1/subscriptions without status=all hides canceled subscriptions, as Stripe does.

Keys (Authorization: Bearer <key>): --key reads everything; --restricted-key
gets 403 on charges ("does not have the required permissions ...
rak_charge_read"); anything else 401 "Invalid API Key provided: sk_test_***1234".

POST /_control JSON (a fault may carry "skip": n to hit only after n matching requests):
  {"fault": {"status": 429, "count": n, "path": "/v1/customers"}}  rate limited as Stripe answers it
  {"add": {"customers": n}}                                      n newer objects
GET /_control/requests: the request log.

Webhook endpoints (https://docs.stripe.com/api/webhook_endpoints), objects
shaped as the fixture's webhook_endpoint:
  POST /v1/webhook_endpoints         form-encoded url, enabled_events[] (required; "*" or event
                                     types of --event-types, no other wildcard), description;
                                     answers the object with its "secret" (whsec_..., only here)
  GET /v1/webhook_endpoints          a list (limit, starting_after), newest first
  GET|DELETE /v1/webhook_endpoints/{id}   the object | {"id", "object", "deleted": true}; 404
                                     "No such webhook endpoint: 'we_...'" when unknown
"""

import copy
import json
import os
import sys
from urllib.parse import parse_qsl

sys.path.insert(0, os.path.dirname(__file__))
from fake_http import FakeHandler, FakeState, serve  # noqa: E402

T_BASE = 1_672_531_200  # 2023-01-01T00:00:00Z
RESOURCES = {
    # path: (fixture key, id prefix)
    "balance_transactions": ("balance_transaction", "txn_"),
    "charges": ("charge", "ch_"),
    "customers": ("customer", "cus_"),
    "disputes": ("dispute", "dp_"),
    "invoices": ("invoice", "in_"),
    "payouts": ("payout", "po_"),
    "prices": ("price", "price_"),
    "products": ("product", "prod_"),
    "refunds": ("refund", "re_"),
    "subscriptions": ("subscription", "sub_"),
}
DOC = "https://stripe.com/docs/api"
# Event types of the resources served, as Stripe's "Types of events"
# reference names them (https://docs.stripe.com/api/events/types).
EVENT_TYPES = [
    "charge.captured", "charge.expired", "charge.failed", "charge.pending", "charge.refunded", "charge.succeeded",
    "charge.updated", "charge.dispute.closed", "charge.dispute.created", "charge.dispute.funds_reinstated",
    "charge.dispute.funds_withdrawn", "charge.dispute.updated", "charge.refund.updated",
    "customer.created", "customer.deleted", "customer.updated",
    "customer.subscription.created", "customer.subscription.deleted", "customer.subscription.paused",
    "customer.subscription.pending_update_applied", "customer.subscription.pending_update_expired",
    "customer.subscription.resumed", "customer.subscription.trial_will_end", "customer.subscription.updated",
    "invoice.created", "invoice.deleted", "invoice.finalization_failed", "invoice.finalized",
    "invoice.marked_uncollectible", "invoice.paid", "invoice.payment_action_required", "invoice.payment_failed",
    "invoice.payment_succeeded", "invoice.sent", "invoice.upcoming", "invoice.updated", "invoice.voided",
    "payout.canceled", "payout.created", "payout.failed", "payout.paid", "payout.reconciliation_completed",
    "payout.updated", "price.created", "price.deleted", "price.updated", "product.created", "product.deleted",
    "product.updated", "refund.created", "refund.failed", "refund.updated",
]


def fixtures_path():
    # A committed subset of the shared reference file (data/stripe_fixtures.json
    # says where it comes from), so tests need nothing outside the repository.
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "stripe_fixtures.json")


class StripeState(FakeState):
    def configure(self, a):
        self.key, self.restricted = a.key, a.restricted_key
        path = a.fixtures or fixtures_path()
        with open(path) as f:
            self.fixtures = json.load(f)["resources"]
        self.objects = {name: [] for name in RESOURCES}
        self.event_types = set(EVENT_TYPES)
        self.hooks, self.hook_seq = [], 0
        self.clock = T_BASE
        for name in RESOURCES:
            for i in range(a.rows):
                self._new(name, T_BASE + i * 3600)
        self.clock = T_BASE + a.rows * 3600

    def _new(self, name, created):
        key, prefix = RESOURCES[name]
        objs = self.objects[name]
        o = copy.deepcopy(self.fixtures[key])
        o["id"] = "%s%s%014d" % (prefix, "Fk", len(objs) + 1)
        o["created"] = created
        if name == "subscriptions" and len(objs) % 6 == 5:
            o["status"] = "canceled"
        objs.append(o)


class StripeHandler(FakeHandler):
    server_version = "nginx"

    def err(self, status, message, etype="invalid_request_error", extra=None):
        e = {"message": message, "type": etype}
        e.update(extra or {})
        if status != 401:
            e["doc_url"] = e.get("doc_url", DOC)
        return status, {"error": e}, {"Request-Id": "req_fake%08d" % len(self.state.requests)}

    def auth(self, name):
        a = self.headers.get("Authorization") or ""
        if not a:
            return self.err(401, "You did not provide an API key. You need to provide your API key in the "
                                 "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                                 "YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, "
                                 "or we can help at https://support.stripe.com/.")
        key = a.split(" ", 1)[1] if a.startswith("Bearer ") else ""
        if key == self.state.key:
            return None
        if key == self.state.restricted:
            if name == "charges":
                return self.err(403, "The provided key '%s' does not have the required permissions for this "
                                     "endpoint on account 'acct_1Fake0000000000'. Having the 'rak_charge_read' "
                                     "permission would allow this request to continue."
                                % (key[:8] + "*" * (len(key) - 12) + key[-4:]))
            return None
        masked = key[:8] + "*" * max(0, len(key) - 12) + key[-4:] if len(key) > 12 else key
        return self.err(401, "Invalid API Key provided: %s" % masked)

    def api(self, method, path, query):
        fault = self.state.take_fault(path)
        if fault:
            status = int(fault.get("status", 429))
            if status == 429:
                return self.err(429, "Request rate limit exceeded. Learn more about rate limits here "
                                     "https://stripe.com/docs/rate-limits.",
                                extra={"code": "rate_limit", "doc_url": "https://stripe.com/docs/error-codes/rate-limit"})
            return self.err(status, fault.get("message", "An unknown error occurred"), etype="api_error")
        if not path.startswith("/v1/"):
            return self.err(404, "Unrecognized request URL (%s: %s). Please see https://stripe.com/docs or we can "
                                 "help at https://support.stripe.com/." % (method, path))
        name = path[4:]
        if name == "webhook_endpoints" or name.startswith("webhook_endpoints/"):
            denied = self.auth(name)
            return denied or self.webhook_endpoints(method, name, query)
        if name not in RESOURCES or method != "GET":
            return self.err(404, "Unrecognized request URL (%s: %s). Please see https://stripe.com/docs or we can "
                                 "help at https://support.stripe.com/." % (method, path))
        denied = self.auth(name)
        if denied:
            return denied
        return self.list(name, path, query)

    def unknown(self, method, path):
        return self.err(404, "Unrecognized request URL (%s: %s). Please see https://stripe.com/docs or we can "
                             "help at https://support.stripe.com/." % (method, path))

    def webhook_endpoints(self, method, name, query):
        s = self.state
        with s.lock:
            if name == "webhook_endpoints" and method == "POST":
                form = parse_qsl(self.read_body().decode(), keep_blank_values=True)
                url = [v for k, v in form if k == "url"]
                events = [v for k, v in form if k == "enabled_events[]"]
                if not url or not url[0]:
                    return self.err(400, "Missing required param: url.", extra={"param": "url"})
                if not events:
                    return self.err(400, "Missing required param: enabled_events.", extra={"param": "enabled_events"})
                bad = [e for e in events if e != "*" and e not in s.event_types]
                if bad:
                    return self.err(400, "Invalid enabled_events[%d]: must be one of %s" %
                                    (events.index(bad[0]), ", ".join(sorted(s.event_types)[:3]) + ", ..."),
                                    extra={"param": "enabled_events[%d]" % events.index(bad[0])})
                s.hook_seq += 1
                hook = {"id": "we_fake%016d" % s.hook_seq, "object": "webhook_endpoint", "api_version": None,
                        "application": None, "created": T_BASE + s.hook_seq,
                        "description": dict(form).get("description"), "enabled_events": events, "livemode": False,
                        "metadata": {}, "status": "enabled", "url": url[0]}
                s.hooks.append(hook)
                return 200, dict(hook, secret="whsec_fake%024d" % s.hook_seq), {}
            if name == "webhook_endpoints" and method == "GET":
                q = dict(query)
                limit = max(1, min(100, int(q.get("limit", 10))))
                rows = list(reversed(s.hooks))
                if q.get("starting_after"):
                    ids = [h["id"] for h in rows]
                    if q["starting_after"] not in ids:
                        return self.err(400, "No such webhook endpoint: '%s'" % q["starting_after"])
                    rows = rows[ids.index(q["starting_after"]) + 1:]
                return 200, {"object": "list", "url": "/v1/webhook_endpoints", "has_more": len(rows) > limit,
                             "data": rows[:limit]}, {}
            hid = name.split("/", 1)[1] if "/" in name else ""
            hook = next((h for h in s.hooks if h["id"] == hid), None)
            if method not in ("GET", "DELETE") or "/" in hid or not hid:
                return self.unknown(method, "/v1/" + name)
            if not hook:
                return self.err(404, "No such webhook endpoint: '%s'" % hid, extra={"param": "id",
                                                                                 "code": "resource_missing"})
            if method == "DELETE":
                s.hooks.remove(hook)
                return 200, {"id": hid, "object": "webhook_endpoint", "deleted": True}, {}
            return 200, hook, {}

    def list(self, name, path, query):
        q = dict(query)
        try:
            limit = int(q.get("limit", 10))
        except ValueError:
            return self.err(400, "Invalid integer: %s" % q.get("limit"), extra={"param": "limit"})
        if not 1 <= limit <= 100:
            return self.err(400, "This value must be between 1 and 100.", extra={"param": "limit"})
        with self.state.lock:
            rows = sorted(self.state.objects[name], key=lambda o: (o["created"], o["id"]), reverse=True)
        if name == "subscriptions" and q.get("status", "") != "all":
            want = q.get("status")
            rows = [o for o in rows if (o["status"] == want if want else o["status"] != "canceled")]
        for op, fn in (("gt", lambda a, b: a > b), ("gte", lambda a, b: a >= b),
                       ("lt", lambda a, b: a < b), ("lte", lambda a, b: a <= b)):
            v = q.get("created[%s]" % op)
            if v is not None:
                try:
                    bound = int(v)
                except ValueError:
                    return self.err(400, "Invalid integer: %s" % v, extra={"param": "created[%s]" % op})
                rows = [o for o in rows if fn(o["created"], bound)]
        if "created" in q:
            rows = [o for o in rows if str(o["created"]) == q["created"]]
        ids = [o["id"] for o in rows]
        if q.get("starting_after"):
            if q["starting_after"] not in ids:
                return self.err(400, "No such %s: '%s'" % (RESOURCES[name][0], q["starting_after"]),
                                extra={"param": "starting_after", "code": "resource_missing"})
            rows = rows[ids.index(q["starting_after"]) + 1:]
        elif q.get("ending_before"):
            if q["ending_before"] not in ids:
                return self.err(400, "No such %s: '%s'" % (RESOURCES[name][0], q["ending_before"]),
                                extra={"param": "ending_before", "code": "resource_missing"})
            end = ids.index(q["ending_before"])
            rows = rows[max(0, end - limit):end]
            return 200, {"object": "list", "url": path, "has_more": end - limit > 0, "data": rows}, {}
        return 200, {"object": "list", "url": path, "has_more": len(rows) > limit, "data": rows[:limit]}, \
            {"Request-Id": "req_fake%08d" % len(self.state.requests)}

    def control(self, cmd):
        out = super().control(cmd)
        s = self.state
        with s.lock:
            for name, n in (cmd.get("add") or {}).items():
                for _ in range(int(n)):
                    s.clock += 3600
                    s._new(name, s.clock)
                out[name] = len(s.objects[name])
        return out


def add_args(ap):
    ap.add_argument("--key", default="sk_test_fakeGoodKey000000000000001234")
    ap.add_argument("--restricted-key", default="rk_test_fakeRestrictedKey0000000005678")
    ap.add_argument("--rows", type=int, default=250, help="objects per resource")
    ap.add_argument("--fixtures", default="", help="fixtures file (default: data/stripe_fixtures.json)")


if __name__ == "__main__":
    serve(StripeHandler, StripeState(), __doc__.splitlines()[0], add_args)
