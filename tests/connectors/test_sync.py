#!/usr/bin/env python3
"""github and stripe through `dwhost sync` into the SQLite warehouse: the
host's watermarks drive the plugins' server-side filters on the next run
(ascending since=last for GitHub issues; Stripe's descending created[lt]=
earliest and created[gte]=last windows), merges land updated rows once, and
a sync that failed after its first committed page resumes from the saved
cursor without losing or duplicating a row."""

import atexit
import json
import os
import shutil
import sqlite3
import tempfile

from harness import PLUGINS, Checks, FakeServer, dwhost, query, write_json, read

c = Checks()
tmp = tempfile.mkdtemp(prefix="dwhost-sync-")
atexit.register(shutil.rmtree, tmp, True)  # nothing left behind, pass or fail


def sync(source, config, wh, *args):
    cfg = write_json(config)
    try:
        p = dwhost("sync", source, "--config", cfg, "--warehouse", wh, "--plugin-dir", PLUGINS, "--allow-internal",
                   "--json", *args)
    finally:
        os.unlink(cfg)
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        doc = {}
    return p.returncode, {s["schema"]: s for s in doc.get("schemas", [])}, p.stderr


def table(wh, sql):
    with sqlite3.connect(wh) as db:
        return db.execute(sql).fetchall()


with FakeServer("fake_stripe.py") as st:
    cfg = {"stripe_secret_key": "sk_test_fakeGoodKey000000000000001234",
           "advanced": {"enabled": True, "api_base": st.url}}
    wh = os.path.join(tmp, "stripe.db")
    rc, s, err = sync("stripe", cfg, wh, "--schema", "customers")
    cu = s.get("customers", {})
    c.expect(rc == 0 and cu.get("rows") == 250 and cu.get("table_rows") == 250, "stripe first sync: %d %s %s" % (rc, cu, err[-300:]))
    earliest, last = cu.get("earliest_value"), cu.get("last_value")
    st.control(add={"customers": 3})
    st.clear()
    rc, s, err = sync("stripe", cfg, wh, "--schema", "customers")
    qs = [query(r) for r in st.requests("/v1/customers")]
    cu = s.get("customers", {})
    c.expect(rc == 0 and cu.get("table_rows") == 253, "stripe second sync: %d %s" % (rc, cu))
    c.expect(any(q.get("created[lt]") == str(earliest) for q in qs) and any(q.get("created[gte]") == str(last) for q in qs),
             "stripe second sync did not use the host's watermarks (%s, %s): %s" % (earliest, last, qs))
    c.expect(cu.get("rows", 99) <= 4, "stripe second sync read %s rows, want only the new ones" % cu.get("rows"))
    c.expect(cu.get("last_value", 0) > last, "last value did not move: %s" % cu.get("last_value"))

    # A sync that fails after its first page resumes from the saved cursor.
    wh2 = os.path.join(tmp, "stripe2.db")
    st.clear()
    st.control(fault={"status": 400, "skip": 1, "count": 1, "path": "/v1/invoices",
                      "message": "Injected failure after the first page"})
    rc, s, err = sync("stripe", cfg, wh2, "--schema", "invoices", "--batch-rows", "100")
    c.expect(rc != 0, "the injected failure did not fail the sync")
    done = table(wh2, "select count(*) from stripe_invoices")[0][0] if os.path.exists(wh2) else -1
    c.expect(done == 100, "after the failure %s rows are committed, want the first page (100)" % done)
    st.clear()
    rc, s, err = sync("stripe", cfg, wh2, "--schema", "invoices", "--batch-rows", "100")
    q = query(st.requests("/v1/invoices")[0])
    iv = s.get("invoices", {})
    c.expect(rc == 0 and iv.get("resumed") is True, "rerun did not resume: %d %s %s" % (rc, iv, err[-300:]))
    c.expect(q.get("starting_after", "").startswith("in_"), "rerun started over: %s" % q)
    n, distinct = table(wh2, "select count(*), count(distinct id) from stripe_invoices")[0]
    c.expect(n == 250 and distinct == 250, "after resuming: %d rows, %d distinct, want 250" % (n, distinct))

with FakeServer("fake_github.py") as gh:
    cfg = {"personal_access_token": "ghp_fakeGoodToken0123456789", "repository": "octo-org/octo-repo",
           "api_base_url": gh.url, "per_page": 50}
    wh = os.path.join(tmp, "github.db")
    rc, s, err = sync("github", cfg, wh, "--schema", "issues", "--schema", "pull_request_reviews")
    iss = s.get("issues", {})
    c.expect(rc == 0 and iss.get("table_rows") == 180 and iss.get("incremental_field") == "updated_at",
             "github first sync: %d %s %s" % (rc, iss, err[-300:]))
    rv = s.get("pull_request_reviews", {})
    c.expect(rv.get("table_rows") == sum(n % 3 + 1 for n in range(4, 241, 4)), "reviews synced: %s" % rv)
    cols = [r[1] for r in table(wh, "pragma table_info(github_pull_request_reviews)")]
    c.expect("pull_request_number" in cols and "pull_request_id" in cols, "review table lacks parent columns: %s" % cols)
    last = iss.get("last_value")
    gh.control(add_issues=3, touch_issues=[7])
    gh.clear()
    rc, s, err = sync("github", cfg, wh, "--schema", "issues")
    q = query(gh.requests("/issues")[0])
    iss = s.get("issues", {})
    c.expect(rc == 0 and q.get("since") == last and q.get("sort") == "updated", "github second sync params: %s (last %s)" % (q, last))
    c.expect(iss.get("table_rows") == 183 and iss.get("rows", 99) <= 5, "github second sync: %s" % iss)
    upd = table(wh, "select updated_at from github_issues where number = 7")
    c.expect(upd and upd[0][0] > last, "touched issue 7 not merged: %s" % upd)

    # An issue updated while the sync pages through (sort=updated) comes
    # again on a later page: issues declare has_duplicate_primary_keys, so
    # the sync keeps the newer copy instead of failing on the repeated id.
    wh3 = os.path.join(tmp, "github-repeat.db")
    gh.control(touch_on_page={"page": 2, "issues": [1]})
    gh.clear()
    rc, s, err = sync("github", cfg, wh3, "--schema", "issues", "--log-level", "info", "--batch-rows", "50")
    iss = s.get("issues", {})
    c.expect(rc == 0, "github sync with a repeated issue: %d %s" % (rc, err[-400:]))
    served = [query(r).get("page", "1") for r in gh.requests("/issues")]
    c.expect(len(served) >= 4, "the repeat needs several pages: %s" % served)
    n, distinct = table(wh3, "select count(*), count(distinct id) from github_issues")[0]
    c.expect(n == distinct and n >= 179, "after a repeated issue: %d rows, %d distinct" % (n, distinct))
    one = table(wh3, "select updated_at from github_issues where number = 1")
    latest = table(wh3, "select max(updated_at) from github_issues")[0][0]
    c.expect(one and one[0][0] == latest, "issue 1 kept its older copy: %s (newest %s)" % (one, latest))
    info = [l for l in err.splitlines() if "sync.keys.repeated" in l]
    c.expect(len(info) == 1 and "1 row was replaced" in info[0], "no repeated-keys info line: %s" % info)

    # An interrupted sync resumes from GitHub's own next link
    # (/repositories/<id>/<list>?...&page=N), for the schemas whose rows
    # the plugin reshapes too: it used to start over every time.
    for schema, path, skip in (("issues", "/issues", 2), ("commits", "/commits", 2), ("stargazers", "/stargazers", 1)):
        key = {"stargazers": "user_id", "commits": "sha"}.get(schema, "id")
        rc, rows, err = read("github", cfg, schema)
        total = len({r[key] for r in rows})
        whr = os.path.join(tmp, "github-resume-%s.db" % schema)
        gh.clear()
        gh.control(fault={"status": 400, "skip": skip, "count": 1, "path": path,
                          "message": "Injected failure after %d pages" % skip})
        rc, s, err = sync("github", cfg, whr, "--schema", schema, "--batch-rows", "20")
        done = table(whr, "select count(*) from github_%s" % schema)[0][0]
        c.expect(rc != 0 and 0 < done < total, "%s: interrupted sync: exit %d, %d rows committed" % (schema, rc, done))
        gh.clear()
        rc, s, err = sync("github", cfg, whr, "--schema", schema, "--batch-rows", "20")
        first = gh.requests(path)[0]
        c.expect(rc == 0 and s.get(schema, {}).get("resumed") is True, "%s: rerun did not resume: %d %s %s"
                 % (schema, rc, s.get(schema), err[-300:]))
        c.expect(first["path"].startswith("/repositories/1296269/") and query(first).get("page") == str(skip + 1),
                 "%s: rerun started at %s %s, not at page %d" % (schema, first["path"], query(first), skip + 1))
        n, distinct = table(whr, "select count(*), count(distinct %s) from github_%s" % (key, schema))[0]
        c.expect(n == total and distinct == total, "%s: after resuming %d rows, %d distinct, want %d"
                 % (schema, n, distinct, total))

c.done()
