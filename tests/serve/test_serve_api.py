#!/usr/bin/env python3
"""`dwhost serve`'s API over real HTTP on loopback: health, plugins,
sources, checks, syncs, runs, jobs, the errors a client gets for bad
requests, and the bearer token (required off loopback, checked on every
endpoint but /healthz, 401 when missing or wrong)."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servetest import BIN, Service, check, done, env, table_ids, tmpdir  # noqa: E402

d = tmpdir()
db = os.path.join(d, "w.db")
s = Service(db)

# ---- health, plugins, sources ------------------------------------------------
st, doc, hdr = s.get("/healthz")
check(st == 200 and doc["ok"] is True and doc["draining"] is False and doc["runs_active"] == 0,
      f"/healthz: {st} {doc}")
check(hdr.get("Content-Type") == "application/json", f"/healthz content type: {hdr}")

st, doc, _ = s.get("/v1/plugins")
names = [p["name"] for p in (doc or {}).get("plugins", [])]
check(st == 200 and {"pager", "crasher"} <= set(names), f"/v1/plugins: {st} {names}")

st, doc, _ = s.get("/v1/sources/pager")
fields = [f.get("name") for f in (doc or {}).get("fields", [])]
check(st == 200 and doc["name"] == "pager" and "total_rows" in fields, f"/v1/sources/pager: {st} {fields}")
st, doc, _ = s.get("/v1/sources/nosuch")
check(st == 404 and "nosuch" in doc.get("error", ""), f"/v1/sources/nosuch: {st} {doc}")
st, doc, _ = s.get("/v1/sources/..%2fetc")
check(st == 404, f"/v1/sources/<not a name>: {st} {doc}")

# ---- checks -------------------------------------------------------------------------
st, doc, _ = s.post("/v1/sources/pager/check", {"config": {}})
check(st == 200 and doc.get("ok") is True and doc.get("exit_code") == 0, f"check ok: {st} {doc}")
st, doc, _ = s.post("/v1/sources/pager/check", {"config": {"check": "auth"}})
check(st == 200 and doc.get("ok") is False and doc.get("exit_code") == 5, f"check rejected credentials: {st} {doc}")
st, doc, _ = s.post("/v1/sources/pager/check", {"config": {"total_rows": "many"}})
errs = ((doc or {}).get("config") or {}).get("errors") or []
check(st == 422 and errs and "total_rows" in str(errs[0]), f"check invalid config: {st} {doc}")
st, doc, _ = s.post("/v1/sources/pager/check", raw="{not json")
check(st == 400 and "JSON object" in doc.get("error", ""), f"check bad body: {st} {doc}")
st, doc, _ = s.post("/v1/sources/nosuch/check", {"config": {}})
check(st == 404 and "nosuch" in doc.get("error", ""), f"check unknown source: {st} {doc}")

# ---- a sync, its run, the jobs -----------------------------------------------------------
st, doc, _ = s.get("/v1/jobs")
check(st == 200 and doc == {"warehouse": db, "jobs": []}, f"/v1/jobs before any sync: {st} {doc}")
rid = s.sync({"source": "pager", "config": {"total_rows": 250, "page_rows": 20}, "batch_rows": 100})
run = s.wait_run(rid)
check(run.get("state") == "ok" and run.get("rows") == 250 and run.get("batches") == 3 and run.get("error") is None,
      f"sync run: {run}")
check(run.get("schemas") == [{"schema": "items", "rows": 250, "batches": 3, "done": True}],
      f"sync run schemas: {run.get('schemas')}")
check((run.get("report") or {}).get("job_id") == rid, f"the report's job id is the run id: {run.get('report')}")
check(table_ids(db, "pager_items") == list(range(1, 251)), "sync: the table does not hold ids 1..250")
st, doc, _ = s.get("/v1/runs")
check(st == 200 and [r["run_id"] for r in doc["runs"]] == [rid], f"/v1/runs: {st} {doc}")
st, doc, _ = s.get("/v1/jobs")
jobs = (doc or {}).get("jobs", [])
check(st == 200 and len(jobs) == 1 and jobs[0]["source_id"] == "pager" and jobs[0]["last_job_id"] == rid
      and jobs[0]["status"] == "idle", f"/v1/jobs after the sync: {st} {jobs}")

# a failing sync: the run says why, in one line
rid = s.sync({"source": "pager", "source_id": "pager-outage",
              "config": {"total_rows": 100, "fail_after_pages": 2, "fail_message": "the API is down"}})
run = s.wait_run(rid)
check(run.get("state") == "failed" and run.get("failure") == "source" and "the API is down" in (run.get("error") or ""),
      f"failing sync: {run}")
# an invalid config: failed, nothing started
rid = s.sync({"source": "pager", "source_id": "pager-bad", "config": {"total_rows": "many"}})
run = s.wait_run(rid)
check(run.get("state") == "failed" and run.get("failure") == "config" and "total_rows" in (run.get("error") or ""),
      f"sync with an invalid config: {run}")
# an unknown source: failed with the CLI's line
rid = s.sync({"source": "nosuch", "config": {}})
run = s.wait_run(rid)
check(run.get("state") == "failed" and "no source named 'nosuch'" in (run.get("error") or ""),
      f"sync of an unknown source: {run}")

# ---- bad requests ----------------------------------------------------------------------------
for body, want in [({"config": {}}, "\"source\""), ({"source": "pager", "config": []}, "\"config\""),
                   ({"source": "pager", "mode": "sideways"}, "mode"), ({"source": "pager", "schemas": "items"},
                                                                        "\"schemas\""),
                   ({"source": "pager", "batch_rows": -1}, "batch_rows")]:
    st, doc, _ = s.post("/v1/syncs", body)
    check(st == 400 and want in doc.get("error", ""), f"POST /v1/syncs {body}: {st} {doc}")
st, doc, _ = s.post("/v1/syncs", {"job": "nightly"})
check(st == 404 and "jobs file" in doc.get("error", ""), f"POST /v1/syncs a job without --jobs: {st} {doc}")
st, doc, _ = s.post("/v1/syncs", raw="[1, 2")
check(st == 400 and "not JSON" in doc.get("error", ""), f"POST /v1/syncs not JSON: {st} {doc}")
st, doc, _ = s.post("/v1/syncs", raw="x" * (1 << 20 + 1))
check(st == 413 and "larger than" in doc.get("error", ""), f"POST /v1/syncs too large: {st} {doc}")
st, doc, _ = s.get("/v1/runs/0000")
check(st == 404 and "no run" in doc.get("error", ""), f"GET unknown run: {st} {doc}")
st, doc, _ = s.request("DELETE", "/v1/runs/0000")
check(st == 404, f"DELETE unknown run: {st} {doc}")
st, doc, _ = s.get("/v1/syncs")
check(st == 405 and "POST" in doc.get("error", ""), f"GET /v1/syncs: {st} {doc}")
st, doc, _ = s.get("/v2/anything")
check(st == 404 and "no endpoint" in doc.get("error", ""), f"unknown endpoint: {st} {doc}")

# one run per source id at a time: the second is refused while the first runs
rid = s.sync({"source": "pager", "source_id": "slow", "config": {"total_rows": 4000, "page_rows": 10, "delay_ms": 20}})
st, doc, _ = s.post("/v1/syncs", {"source": "pager", "source_id": "slow", "config": {}})
check(st == 409 and rid in doc.get("error", ""), f"a second run of the same source id: {st} {doc}")
st, doc, _ = s.request("DELETE", f"/v1/runs/{rid}")
check(st == 202 and doc.get("state") == "cancelling", f"DELETE a running run: {st} {doc}")
run = s.wait_run(rid)
check(run.get("state") == "interrupted", f"cancelled run: {run}")
st, doc, _ = s.request("DELETE", f"/v1/runs/{rid}")
check(st == 409 and "already ended" in doc.get("error", ""), f"DELETE an ended run: {st} {doc}")

# --max-runs: more syncs than that at once answer 429
rc = s.stop()
check(rc == 0, f"stop before --max-runs: exit {rc}")
s = Service(db, "--max-runs", "1")
rid = s.sync({"source": "pager", "source_id": "one", "config": {"total_rows": 4000, "page_rows": 10, "delay_ms": 20}})
st, doc, _ = s.post("/v1/syncs", {"source": "pager", "source_id": "two", "config": {}})
check(st == 429 and "--max-runs" in doc.get("error", ""), f"a second run with --max-runs 1: {st} {doc}")
s.request("DELETE", f"/v1/runs/{rid}")
s.wait_run(rid)
rid = s.sync({"source": "pager", "source_id": "two", "config": {}})
check(s.wait_run(rid).get("state") == "ok", "a run after the first ended")

# a run of an earlier service is found in the warehouse's history
rc = s.stop()
check(rc == 0, f"SIGTERM with nothing running: exit {rc}; {s.log()}")
s2 = Service(db)
st, doc, _ = s2.get("/v1/runs")
check(st == 200 and doc["runs"] == [], f"a new service has no runs of its own: {doc}")
first = jobs[0]["last_job_id"]
st, doc, _ = s2.get(f"/v1/runs/{first}")
check(st == 200 and doc.get("state") == "ok" and doc.get("history", {}).get("rows") == 250,
      f"an earlier run from the history: {st} {doc}")
s2.stop()

# ---- the bearer token -----------------------------------------------------------------------------
TOKEN = "s3cr3t-token-0123456789abcdef"
p = subprocess.run([BIN, "serve", "--warehouse", db, "--listen", "0.0.0.0:0"], capture_output=True, text=True,
                   env=env(), timeout=60)
check(p.returncode == 2 and "not a loopback address" in p.stderr and "--token-file" in p.stderr,
      f"non-loopback without a token: exit {p.returncode}: {p.stderr}")
p = subprocess.run([BIN, "serve", "--warehouse", db], capture_output=True, text=True,
                   env=env(DWHOST_SERVE_TOKEN="short"), timeout=60)
check(p.returncode == 2 and "at least 16 characters" in p.stderr and "short" not in p.stderr.replace(
    "DWHOST_SERVE_TOKEN", ""), f"a short token: exit {p.returncode}: {p.stderr}")
p = subprocess.run([BIN, "serve", "--warehouse", db, "--token-file", os.path.join(d, "missing")],
                   capture_output=True, text=True, env=env(), timeout=60)
check(p.returncode == 2 and "token file" in p.stderr, f"a missing token file: exit {p.returncode}: {p.stderr}")
p = subprocess.run([BIN, "serve", "--warehouse", db, "--listen", "localhost:80"], capture_output=True, text=True,
                   env=env(), timeout=60)
check(p.returncode == 2 and "--listen" in p.stderr, f"--listen with a name: exit {p.returncode}: {p.stderr}")

tokfile = os.path.join(d, "token")
with open(tokfile, "w") as f:
    f.write(TOKEN + "\n")
for how, extra, environ in [("--token-file", ["--token-file", tokfile], env()),
                            ("$DWHOST_SERVE_TOKEN", [], env(DWHOST_SERVE_TOKEN=TOKEN))]:
    t = Service(db, *extra, listen="0.0.0.0:0", environ=environ)
    check("bearer token required" in t.log() and TOKEN not in t.log(), f"{how}: start line: {t.log()}")
    st, doc, _ = t.get("/healthz")
    check(st == 200, f"{how}: /healthz needs no token: {st}")
    for method, path in [("GET", "/v1/plugins"), ("GET", "/v1/runs"), ("GET", "/v1/jobs"),
                         ("GET", "/v1/sources/pager"), ("POST", "/v1/sources/pager/check"), ("POST", "/v1/syncs"),
                         ("GET", "/v1/runs/x"), ("DELETE", "/v1/runs/x")]:
        for label, tok in [("missing", ""), ("wrong", TOKEN[:-1] + "X"), ("prefix", TOKEN[:-1])]:
            st, doc, hdr = t.request(method, path, {"source": "pager", "config": {}} if method == "POST" else None,
                                     token=tok)
            check(st == 401 and "bearer token" in doc.get("error", "") and "Bearer" in hdr.get("WWW-Authenticate", ""),
                  f"{how}: {method} {path} with a {label} token: {st} {doc}")
    st, doc, _ = t.get("/v1/plugins", token=TOKEN)
    check(st == 200 and "pager" in [p["name"] for p in doc["plugins"]], f"{how}: the right token: {st}")
    # the workers (plugin code) do not inherit the token: read a running
    # worker's environment
    rid = t.sync({"source": "pager", "source_id": "envcheck", "config": {"total_rows": 30000, "page_rows": 10,
                                                                          "delay_ms": 20}}, token=TOKEN)
    deadline = time.time() + 30
    pids = []
    while time.time() < deadline and not pids:
        pids = [l.rsplit("worker pid ", 1)[1] for l in t.lines if f"run {rid} started" in l]
        time.sleep(0.02)
    if check(pids, f"{how}: no worker pid in the log"):
        try:
            with open(f"/proc/{pids[0]}/environ", "rb") as f:
                environ_text = f.read().decode(errors="replace")
            check(TOKEN not in environ_text and "DWHOST_SERVE_TOKEN" not in environ_text,
                  f"{how}: the worker inherited the token")
        except FileNotFoundError:
            check(False, f"{how}: the worker ended before its environment was read")
    t.token = TOKEN
    t.request("DELETE", f"/v1/runs/{rid}")
    check(t.wait_run(rid).get("state") == "interrupted", f"{how}: the run with the token did not stop")
    check(t.stop() == 0, f"{how}: stop")

done("serve_api")
