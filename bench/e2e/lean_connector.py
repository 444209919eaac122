#!/usr/bin/env python3
"""lean_connector.py -- what a user writes in Python instead of dwhost: the
baseline of bench/e2e.  Standard library only: http.client with keep-alive,
json, sqlite3 with one upsert per page (executemany), a commit every
COMMIT_ROWS rows (as often as dwhost commits a batch: the same number of
fsyncs) and at the end.

  lean_connector.py github BASE_URL WAREHOUSE [COMMIT_ROWS]   pages /repos/o/r/issues by the Link header, drops pull requests
  lean_connector.py stripe BASE_URL WAREHOUSE [COMMIT_ROWS]   pages /v1/charges by starting_after while has_more

Prints the number of rows written.
"""
import http.client
import json
import re
import sqlite3
import sys
from urllib.parse import urlsplit

NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


def fetch(conn, path, headers):
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    body = resp.read()
    if resp.status != 200:
        raise SystemExit("HTTP %d for %s" % (resp.status, path))
    return resp, json.loads(body)


def cell(v):
    return json.dumps(v, ensure_ascii=False, separators=(",", ":")) if isinstance(v, (dict, list)) else v


class Table:
    def __init__(self, db, name, commit_rows):
        self.db, self.name, self.cols, self.sql = db, name, None, None
        self.commit_rows, self.pending = commit_rows, 0

    def write(self, rows):
        if not rows:
            return
        if self.cols is None:
            self.cols = list(rows[0].keys())
            qc = ",".join('"%s"' % c for c in self.cols)
            self.db.execute('CREATE TABLE IF NOT EXISTS "%s" (%s, PRIMARY KEY ("id"))' % (self.name, qc))
            upd = ",".join('"%s"=excluded."%s"' % (c, c) for c in self.cols if c != "id")
            self.sql = 'INSERT INTO "%s" (%s) VALUES (%s) ON CONFLICT("id") DO UPDATE SET %s' % (
                self.name, qc, ",".join("?" * len(self.cols)), upd)
        self.db.executemany(self.sql, [[cell(r.get(c)) for c in self.cols] for r in rows])
        self.pending += len(rows)
        if self.pending >= self.commit_rows:
            self.db.commit()
            self.pending = 0


def github(base, db, commit_rows):
    u = urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port)
    headers = {"Authorization": "Bearer ghp_bench", "Accept": "application/vnd.github+json",
               "X-GitHub-Api-Version": "2022-11-28"}
    path = "/repos/octo-org/hello-world/issues?state=all&sort=updated&direction=asc&per_page=100"
    table, n = Table(db, "issues", commit_rows), 0
    while path:
        resp, rows = fetch(conn, path, headers)
        rows = [r for r in rows if "pull_request" not in r]
        table.write(rows)
        n += len(rows)
        m = NEXT.search(resp.getheader("Link") or "")
        path = None
        if m:
            nu = urlsplit(m.group(1))
            path = nu.path + ("?" + nu.query if nu.query else "")
    return n


def stripe(base, db, commit_rows):
    u = urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port)
    headers = {"Authorization": "Bearer sk_test_bench"}
    table, n, after = Table(db, "charges", commit_rows), 0, None
    while True:
        path = "/v1/charges?limit=100" + ("&starting_after=" + after if after else "")
        _, page = fetch(conn, path, headers)
        rows = page["data"]
        table.write(rows)
        n += len(rows)
        if not page.get("has_more") or not rows:
            return n
        after = rows[-1]["id"]


def main():
    kind, base, warehouse = sys.argv[1:4]
    commit_rows = int(sys.argv[4]) if len(sys.argv) > 4 else 5000
    db = sqlite3.connect(warehouse)
    n = (github if kind == "github" else stripe)(base, db, commit_rows)
    db.commit()
    db.close()
    print(n)


if __name__ == "__main__":
    main()
