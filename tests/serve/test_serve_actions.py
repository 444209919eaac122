#!/usr/bin/env python3
"""`dwhost serve`'s POST /v1/sources/NAME/actions/ACTION: a plugin action
called through the service (in a `dwhost call` child), with the statuses a
client acts on: 200 the answer, 400 a bad argument, 404 no such source or
action, 502 the source failed or the action crashed (the service goes on
and the next call works), 405 a wrong method; the config's secrets never
come back."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servetest import BUILD, Service, check, done, tmpdir  # noqa: E402

ACTT = os.path.join(BUILD, "tests", "actions", "plugins")
SECRET = "actt-secret-token-value-0123"
d = tmpdir()
s = Service(os.path.join(d, "w.db"), plugin_dir=ACTT)
cfg = {"token": SECRET, "kind": "a"}
URL = "/v1/sources/actt/actions/"

st, doc, _ = s.post(URL + "echo", {"config": cfg, "args": {"n": 3, "s": "héllo", "j": {"a": [1]}}})
res = (doc or {}).get("result") or {}
check(st == 200 and doc.get("ok") is True and doc.get("exit_code") == 0, f"echo: {st} {doc}")
check(res.get("n") == 3 and res.get("x") == 0.5 and res.get("s") == "héllo" and res.get("j") == {"a": [1]},
      f"echo's arguments as typed, defaults filled: {res}")
check(SECRET not in str(doc) and res.get("token") == "***", f"the secret comes back: {doc}")

st, doc, _ = s.post(URL + "echo", {"config": cfg, "args": {"n": "ten"}})
msg = (doc or {}).get("message") or ""
check(st == 400 and "'n'" in msg and "int64" in msg, f"ill-typed argument: {st} {doc}")
st, doc, _ = s.post(URL + "echo", {"config": cfg, "args": {}})
check(st == 400 and "'n'" in ((doc or {}).get("message") or ""), f"missing argument: {st} {doc}")
st, doc, _ = s.post(URL + "nosuch", {"config": cfg})
check(st == 404 and "nosuch" in str(doc), f"unknown action: {st} {doc}")
st, doc, _ = s.post("/v1/sources/nosuch/actions/echo", {"config": cfg})
check(st == 404, f"unknown source: {st} {doc}")
st, doc, _ = s.post(URL + "failing", {"config": cfg})
check(st == 502 and doc.get("ok") is False and doc.get("status") == "forbidden" and
      "permission" in (doc.get("message") or ""), f"failing action: {st} {doc}")
st, doc, _ = s.post(URL + "crash", {"config": cfg})
check(st == 502 and "crash" in doc.get("error", "").lower() and "actt" in doc.get("error", ""),
      f"crashing action: {st} {doc}")
st, doc, _ = s.get("/healthz")
check(st == 200 and doc.get("ok") is True, "the service answers after a crashed action")
st, doc, _ = s.post(URL + "kinds", {"config": cfg, "args": {"prefix": "p-"}})
check(st == 200 and [k["value"] for k in doc.get("result") or []] == ["p-a", "p-b"], f"next call: {st} {doc}")
st, doc, _ = s.post(URL + "echo", {"config": {"token": SECRET}, "args": {"n": 1}})
check(st == 422 and doc.get("status") == "config" and SECRET not in str(doc), f"invalid config: {st} {doc}")
st, doc, _ = s.get(URL + "echo")
check(st == 405, f"GET on an action: {st}")
st, doc, _ = s.post(URL + "echo", {"config": cfg, "args": [1]})
check(st == 400 and "args" in doc.get("error", ""), f"args not an object: {st} {doc}")
check(SECRET not in "\n".join(s.lines), "the secret shows in the service's log")
check(s.stop() == 0, "serve stops")
done("serve_actions")
