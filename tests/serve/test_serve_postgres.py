#!/usr/bin/env python3
"""`dwhost serve --warehouse postgres://...` on a real PostgreSQL
(tests/servers/pg_server.py): a sync posted to the service lands in
PostgreSQL, GET /v1/jobs reads the jobs from it (an empty list before the
first sync, creating nothing; a wrong password 500, no server 503, each one
line), a run of an earlier service is found in
its run history, and the password of the URL appears in no log line and no
answer."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.environ["DWHOST_SOURCE_DIR"], "tests", "servers"))
from servetest import Service, check, done  # noqa: E402
from pg_server import PASSWORD, PgServer, free_port  # noqa: E402

with PgServer() as pg:
    s = Service(pg.url)
    # before the first sync the database has no dwhost tables: no jobs (as
    # for an absent SQLite file), the warehouse named without its password,
    # and the read creates nothing
    st, doc, _ = s.get("/v1/jobs")
    check(st == 200 and doc.get("jobs") == [] and "127.0.0.1" in doc.get("warehouse", "") and
          PASSWORD not in json.dumps(doc), f"GET /v1/jobs before any sync: {st} {doc}")
    check(pg.query("SELECT count(*) FROM pg_namespace WHERE nspname = 'dwhost'") == [["0"]],
          "GET /v1/jobs before any sync created the dwhost schema")
    # a warehouse that cannot be read is still an error: one line, no password
    for label, url, code, want in (
            ("wrong password", pg.url.replace(PASSWORD, "wrong-pw-4242"), 500, "the server refused the login"),
            ("no server", f"postgresql://dwhost:{PASSWORD}@127.0.0.1:{free_port()}/dwhost", 503,
             "cannot connect to the PostgreSQL server")):
        bad = Service(url)
        st, doc, _ = bad.get("/v1/jobs")
        text = json.dumps(doc)
        check(st == code and want in (doc or {}).get("error", "") and "\\n" not in text and PASSWORD not in text
              and "wrong-pw-4242" not in text, f"GET /v1/jobs, {label}: {st} {doc}")
        check(bad.stop() == 0, f"stop ({label})")
    rid = s.sync({"source": "pager", "source_id": "pg-served", "config": {"total_rows": 50, "page_rows": 10},
                  "batch_rows": 20})
    run = s.wait_run(rid, timeout=120)
    check(run.get("state") == "ok" and run.get("rows") == 50, f"the run: {run.get('state')} {run.get('error')}")
    ids = [int(r[0]) for r in pg.query("SELECT id FROM pager_items ORDER BY id")]
    check(ids == list(range(1, 51)), f"PostgreSQL holds {ids[:5]}... ({len(ids)} rows)")
    st, doc, _ = s.get("/v1/jobs")
    jobs = [j for j in (doc or {}).get("jobs", []) if j.get("source_id") == "pg-served"]
    check(st == 200 and len(jobs) == 1 and jobs[0].get("status") == "idle", f"GET /v1/jobs: {st} {doc}")
    check(PASSWORD not in json.dumps(doc) and "127.0.0.1" in doc.get("warehouse", ""),
          f"GET /v1/jobs names the warehouse {doc.get('warehouse')!r}")
    check(s.stop() == 0, "stop")
    # a later service finds the run in PostgreSQL's run history
    s2 = Service(pg.url)
    st, doc, _ = s2.get(f"/v1/runs/{rid}")
    check(st == 200 and doc.get("state") == "ok" and doc.get("history", {}).get("job_id") == rid,
          f"GET /v1/runs/{rid} from the history: {st} {doc}")
    check(s2.stop() == 0, "stop")
    logs = s.log() + "\n" + s2.log()
    check(any("listening on" in l and "(warehouse postgresql://dwhost@127.0.0.1" in l for l in s.lines),
          f"the start line: {[l for l in s.lines if 'listening' in l]}")
    check(PASSWORD not in logs, "the PostgreSQL password is in the service's log")
done("serve_postgres")
