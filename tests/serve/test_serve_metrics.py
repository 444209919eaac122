#!/usr/bin/env python3
"""`dwhost serve`'s GET /metrics: the Prometheus text exposition (0.0.4) a
scraper reads.  A GitHub sync against the fake GitHub must show the rows
the table holds (per schema) and the HTTP requests the fake server saw; a
crashed run shows as a crashed run with its failure; the counters of a
run still going climb while it runs; labels are escaped; the bearer token
guards /metrics as every other endpoint."""
import os
import re
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "connectors"))
from servetest import BUILD, Service, check, done, tmpdir  # noqa: E402
from harness import FakeServer  # noqa: E402

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def scrape(s, **kw):
    """{(name, frozenset(labels)): value}, the TYPE lines, and the raw text;
    every line must be a comment or a well-formed sample."""
    st, doc, hdr = s.get("/metrics", **kw)
    text = (doc or {}).get("unparsed", "") if isinstance(doc, dict) else ""
    check(st == 200, f"/metrics: {st} {doc}")
    check(hdr.get("Content-Type", "").startswith("text/plain; version=0.0.4"), f"/metrics content type: {hdr}")
    samples, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
            continue
        if line.startswith("#") or not line:
            continue
        m = SAMPLE.match(line)
        if not check(m, f"/metrics: a line that is not a sample: {line!r}"):
            continue
        labels = frozenset((k, v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\"))
                           for k, v in LABEL.findall(m.group(3) or ""))
        samples[(m.group(1), labels)] = float(m.group(4))
    return samples, types, text


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))


d = tmpdir()
db = os.path.join(d, "w.db")
TOKEN = "ghp_metricsTestToken0123456789"  # the fake accepts it (--token)

with FakeServer("fake_github.py", "--token", TOKEN) as gh:
    s = Service(db, "--allow-internal", "--plugin-dir", os.path.join(BUILD, "plugins"))
    samples, types, text = scrape(s)
    check(value(samples, "dwhost_runs_active") == 0, f"no run yet: {text[:400]}")
    check(value(samples, "dwhost_plugins", state="loaded") >= 3, f"plugins loaded: {text[:600]}")
    check(types.get("dwhost_rows_total") == "counter" and types.get("dwhost_run_seconds") == "summary",
          f"TYPE lines: {types}")

    cfg = {"personal_access_token": TOKEN, "repository": "octo-org/octo-repo", "api_base_url": gh.url}
    rid = s.sync({"source": "github", "config": cfg, "schemas": ["issues", "releases"]})
    run = s.wait_run(rid)
    check(run.get("state") == "ok", f"github sync: {run.get('state')} {run.get('error')}")
    samples, types, text = scrape(s)
    con = sqlite3.connect(db)
    for schema, table in (("issues", "github_issues"), ("releases", "github_releases")):
        try:
            n = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        except sqlite3.OperationalError as e:
            n = str(e)
        got = value(samples, "dwhost_rows_total", source="github", schema=schema)
        check(isinstance(n, int) and n > 0 and got == n, f"dwhost_rows_total for {schema}: {got}, the table holds {n}")
    con.close()
    served = len(gh.requests())
    got = value(samples, "dwhost_http_requests_total", source="github")
    check(served > 0 and got == served, f"dwhost_http_requests_total: {got}, the fake GitHub saw {served}")
    check(value(samples, "dwhost_http_responses_total", source="github", **{"class": "2xx"}) == served,
          f"2xx responses: {text}")
    check((value(samples, "dwhost_http_received_bytes_total", source="github") or 0) > 1000, "bytes received")
    check(value(samples, "dwhost_runs_total", source="github", state="ok") == 1, "one ok run")
    check(value(samples, "dwhost_run_seconds_count", source="github") == 1 and
          (value(samples, "dwhost_run_seconds_sum", source="github") or 0) > 0, "run seconds")
    check(TOKEN not in text, "the token shows in /metrics")

    # a crash: counted by state and failure; its committed rows count
    base = {"total_rows": 400, "page_rows": 20}
    rid = s.sync({"source": "crasher", "config": dict(base, crash_in="run", crash_how="segv", crash_after_pages=5),
                  "batch_rows": 20})
    run = s.wait_run(rid)
    samples, _, text = scrape(s)
    check(run.get("state") == "crashed", f"crasher run: {run.get('state')}")
    check(value(samples, "dwhost_runs_total", source="crasher", state="crashed") == 1 and
          value(samples, "dwhost_run_failures_total", source="crasher", failure="crashed") == 1,
          f"the crash is counted: {[l for l in text.splitlines() if 'crasher' in l]}")
    committed = value(samples, "dwhost_rows_total", source="crasher", schema="items") or 0
    check(committed == run.get("rows") and committed > 0, f"crashed run's committed rows: {committed} vs {run}")

    # a run going on: its rows climb before it ends
    rid = s.sync({"source": "pager", "config": {"total_rows": 200000, "page_rows": 100, "delay_ms": 5},
                  "batch_rows": 100})
    s.wait_rows(rid, 200)
    samples, _, _ = scrape(s)
    first = value(samples, "dwhost_rows_total", source="pager", schema="items") or 0
    check(value(samples, "dwhost_runs_active") == 1 and first >= 200, f"live run counted: {first}")
    time.sleep(0.5)
    samples, _, _ = scrape(s)
    second = value(samples, "dwhost_rows_total", source="pager", schema="items") or 0
    check(second > first, f"rows of a live run climb: {first} then {second}")
    st, _, _ = s.request("DELETE", f"/v1/runs/{rid}")
    run = s.wait_run(rid)
    samples, _, _ = scrape(s)
    final = value(samples, "dwhost_rows_total", source="pager", schema="items") or 0
    check(final >= second and final == run.get("rows"), f"rows after the cancel: {final}, run {run.get('rows')}")
    check(value(samples, "dwhost_run_failures_total", source="pager", failure="interrupted") is None,
          "a cancel is not a failure")
    check(s.stop() == 0, "serve stops")

# the token guards /metrics
tok = os.path.join(d, "token")
with open(tok, "w") as f:
    f.write("metrics-token-0123456789abcdef\n")
s = Service(db, "--token-file", tok)
st, _, _ = s.get("/metrics")
check(st == 401, f"/metrics without the token: {st}")
s.token = "metrics-token-0123456789abcdef"
samples, _, _ = scrape(s)
check(value(samples, "dwhost_runs_active") == 0, "/metrics with the token")
check(s.stop() == 0, "serve stops")
done("serve_metrics")
