#!/usr/bin/env python3
"""`dwhost serve --jobs FILE`: a bad jobs file stops the start (exit 4, one
line naming the job and the field); a job with a 1 s interval runs again
and again; a failing job backs off (the wait doubles); a job never
overlaps itself ({"job": NAME} while it runs answers 409, the schedule
starts no second run); GET /v1/jobs and `dwhost status` show the last
outcome.  Real processes, real HTTP on loopback."""
import json
import os
import subprocess
import sys
import time
from datetime import datetime

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servetest import BIN, TEST_PLUGINS, Service, check, done, env, table_ids, tmpdir  # noqa: E402

d = tmpdir()
db = os.path.join(d, "w.db")


def write(name, doc):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def iso(t):
    return datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()


write("pager.json", {"total_rows": 30, "page_rows": 10})
# the three jobs write the same table (pager_items): ids of their own
write("failing.json", {"total_rows": 100, "page_rows": 10, "fail_after_pages": 1, "fail_message": "the API is down",
                       "start_id": 100001})
write("slow.json", {"total_rows": 100000, "page_rows": 10, "delay_ms": 20, "start_id": 1000001,
                    "secret": {"$env": "PAGER_SECRET"}})

# ---- a bad jobs file: exit 4 at start, one line naming the job and the field ----------------
good = {"name": "ok", "source": "pager", "config": "pager.json", "interval": 60}
bad_files = [
    ("{not json", "line 1"),
    ({"jobs": {}}, "{\"jobs\": ["),
    ({"jobs": [good], "extra": 1}, "unknown field \"extra\""),
    ({"jobs": [dict(good, interval="soon")]}, "job 'ok': \"interval\""),
    ({"jobs": [dict(good, interval=0)]}, "job 'ok': \"interval\""),
    ({"jobs": [{k: v for k, v in good.items() if k != "interval"}]}, "job 'ok': \"interval\" is missing"),
    ({"jobs": [dict(good, config="nosuch.json")]}, "job 'ok': \"config\""),
    ({"jobs": [dict(good, config="../")]}, "job 'ok': \"config\""),
    ({"jobs": [dict(good, mode="sideways")]}, "job 'ok': \"mode\""),
    ({"jobs": [dict(good, schemas="items")]}, "job 'ok': \"schemas\""),
    ({"jobs": [dict(good, intervall=5)]}, "job 'ok': unknown field \"intervall\""),
    ({"jobs": [dict(good, name="a/b")]}, "job #1: \"name\""),
    ({"jobs": [{k: v for k, v in good.items() if k != "source"}]}, "job 'ok': \"source\" is missing"),
    ({"jobs": [good, good]}, "job 'ok': a second job of that name"),
    ({"jobs": [good, dict(good, name="other", source_id="ok")]}, "source id 'ok'"),
]
write("notjson.json", "{\"total_rows\": ")
bad_files.append(({"jobs": [dict(good, config="notjson.json")]}, "notjson.json: invalid JSON at line 1"))
for i, (doc, want) in enumerate(bad_files):
    path = write(f"bad{i}.json", doc)
    p = subprocess.run([BIN, "serve", "--warehouse", db, "--listen", "127.0.0.1:0", "--plugin-dir", TEST_PLUGINS,
                        "--jobs", path], capture_output=True, text=True, env=env(), timeout=60)
    lines = [l for l in p.stderr.splitlines() if not l.startswith("{")]
    check(p.returncode == 4 and len(lines) == 1 and want in lines[0] and path in lines[0],
          f"bad jobs file {doc}: exit {p.returncode}, {lines}")
check(not os.path.exists(db), "a refused start created the warehouse")

# ---- a service with jobs ------------------------------------------------------------------------
jobs = write("jobs.json", {"jobs": [
    {"name": "every-sec", "source": "pager", "config": "pager.json", "interval": 1, "schemas": ["items"]},
    {"name": "failing", "source": "pager", "config": os.path.join(d, "failing.json"), "interval": "1s"},
    {"name": "slow", "source": "pager", "config": "slow.json", "interval": "1h", "mode": "incremental"},
]})
s = Service(db, "--jobs", jobs, environ=env(PAGER_SECRET="job-secret-value-42"))


def scheduled():
    st, doc, _ = s.get("/v1/jobs")
    check(st == 200 and "scheduled" in doc, f"GET /v1/jobs: {st} {doc}")
    return {j["name"]: j for j in (doc or {}).get("scheduled", [])}, doc


def job_runs(name):
    st, doc, _ = s.get("/v1/runs")
    return [r for r in doc["runs"] if r.get("job") == name]


# the slow job runs from the start: a trigger while it runs is refused, and the
# schedule starts no second run of it
deadline = time.time() + 60
while time.time() < deadline and not scheduled()[0].get("slow", {}).get("running"):
    time.sleep(0.05)
sj = scheduled()[0]["slow"]
check(sj.get("running") and sj.get("next_run_at") is None, f"the slow job runs at start: {sj}")
st, doc, _ = s.post("/v1/syncs", {"job": "slow"})
check(st == 409 and "already running" in doc.get("error", ""), f"{{job: slow}} while it runs: {st} {doc}")
st, doc, _ = s.post("/v1/syncs", {"source": "pager", "source_id": "slow", "config": {}})
check(st == 409 and sj["running"] in doc.get("error", ""), f"a request sync of the job's source id: {st} {doc}")

# the 1 s job runs again and again; the failing job backs off
t_end = time.time() + 90
seen_alive = 0
while time.time() < t_end:
    jobs_now, _ = scheduled()
    alive = [r for r in job_runs("slow") if r["state"] in ("running", "cancelling")]
    seen_alive = max(seen_alive, len(alive))
    if jobs_now["every-sec"]["runs"] >= 3 and jobs_now["failing"]["consecutive_failures"] >= 3:
        break
    time.sleep(0.1)
check(seen_alive == 1 and len(job_runs("slow")) == 1, f"the slow job overlapped itself: {job_runs('slow')}")
jobs_now, doc = scheduled()

ev = jobs_now["every-sec"]
check(ev["runs"] >= 3 and ev["interval_s"] == 1 and ev["source"] == "pager" and ev["consecutive_failures"] == 0,
      f"the 1 s job: {ev}")
runs = sorted((r for r in job_runs("every-sec") if r["state"] not in ("running", "cancelling")),
              key=lambda r: r["started_at"])
check(len(runs) >= 2 and all(r["state"] == "ok" and r["trigger"] == "schedule" for r in runs),
      f"the 1 s job's runs: {runs}")
for a, b in zip(runs, runs[1:]):
    gap = iso(b["started_at"]) - iso(a["ended_at"])
    check(gap >= 0.9, f"the 1 s job started again {gap:.3f} s after its last run ended")
check([i for i in table_ids(db, "pager_items") if i < 100000] == list(range(1, 31)),
      "the 1 s job's rows are not ids 1..30")
check(ev["last"] and ev["last"]["state"] == "ok" and ev["status"] and ev["status"]["source_id"] == "every-sec",
      f"the 1 s job's last outcome and status: {ev}")

fj = jobs_now["failing"]
check(fj["consecutive_failures"] >= 3 and fj["last"]["state"] == "failed"
      and "the API is down" in (fj["last"]["error"] or ""), f"the failing job: {fj}")
check(fj["backoff_s"] == 2 ** fj["consecutive_failures"] or fj["running"],
      f"the failing job's backoff doubles: {fj}")
fruns = sorted((r for r in job_runs("failing") if r["state"] == "failed"), key=lambda r: r["started_at"])
gaps = [iso(b["started_at"]) - iso(a["ended_at"]) for a, b in zip(fruns, fruns[1:])]
check(len(gaps) >= 2 and gaps[0] >= 1.9 and gaps[1] >= 3.9, f"the failing job's waits: {gaps} (want >= 2, >= 4)")
check("backoff" in s.log() and "job 'failing'" in s.log(), "no backoff line in the log")

# a trigger runs a job now, outside its schedule
sj = jobs_now["slow"]
st, doc, _ = s.request("DELETE", f"/v1/runs/{sj['running']}")
check(st == 202, f"cancel the slow job: {st} {doc}")
run = s.wait_run(sj["running"])
check(run.get("state") == "interrupted", f"the slow job cancelled: {run}")
sj = scheduled()[0]["slow"]
check(sj["running"] is None and sj["last"]["state"] == "interrupted" and sj["next_run_in_s"] > 3000,
      f"the slow job after the cancel: {sj}")
st, doc, _ = s.post("/v1/syncs", {"job": "slow"})
check(st == 202 and doc.get("run_id"), f"{{job: slow}} runs it now: {st} {doc}")
run = s.wait_rows(doc["run_id"])
check(run.get("job") == "slow" and run.get("trigger") == "request", f"the triggered run: {run}")
s.request("DELETE", f"/v1/runs/{doc['run_id']}")
s.wait_run(doc["run_id"])
for body, want_st, want in [({"job": "nosuch"}, 404, "no job 'nosuch'"), ({"job": "slow", "config": {}}, 400, "nothing else"),
                            ({"job": 3}, 400, "a string")]:
    st, doc, _ = s.post("/v1/syncs", body)
    check(st == want_st and want in doc.get("error", ""), f"POST /v1/syncs {body}: {st} {doc}")
check("job-secret-value-42" not in json.dumps(scheduled()[1]) and "job-secret-value-42" not in s.log(),
      "the job's secret shows in /v1/jobs or the log")

# Stop between runs: the 1 s job (and the failing one) must not be starting
# when SIGTERM lands, or its last run is rightly "interrupted" and the
# outcomes below are not the ones the checks ask status to show.
deadline = time.time() + 20
while time.time() < deadline:
    now = scheduled()[0]
    if all(now[n]["running"] is None and now[n]["last"] and (now[n]["next_run_in_s"] or 0) >= 0.5
           for n in ("every-sec", "failing")):
        break
    time.sleep(0.05)
rc = s.stop()
check(rc == 0, f"SIGTERM: exit {rc}; {s.log()[-2000:]}")

# `dwhost status` names the jobs (source id = job name) with their last run
p = subprocess.run([BIN, "status", "--warehouse", db, "--json"], capture_output=True, text=True, env=env(), timeout=60)
st = {j["source_id"]: j for j in json.loads(p.stdout or "{}").get("jobs", [])}
check(p.returncode == 0 and {"every-sec", "failing", "slow"} <= set(st), f"dwhost status: {p.returncode} {list(st)}")
lr = (st.get("failing") or {}).get("last_run") or {}
check(lr.get("outcome") == "failed" and "the API is down" in (lr.get("error") or ""), f"status of the failing job: {lr}")
check(((st.get("every-sec") or {}).get("last_run") or {}).get("outcome") == "ok", f"status of the 1 s job: {st.get('every-sec')}")

# without a jobs file {"job": NAME} says so
s = Service(db)
st, doc, _ = s.post("/v1/syncs", {"job": "every-sec"})
check(st == 404 and "--jobs" in doc.get("error", ""), f"{{job}} without a jobs file: {st} {doc}")
st, doc, _ = s.get("/v1/jobs")
check(st == 200 and "scheduled" not in doc, f"/v1/jobs without a jobs file: {doc}")
s.stop()
done("serve_jobs")
