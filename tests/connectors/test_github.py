#!/usr/bin/env python3
"""The github source through the real CLI against tests/servers/fake_github.py,
which writes next links as github.com does (/repositories/<id>/...):
Link-header pagination, row hooks (issues without pull requests, commits and
stargazers reshaped), reviews fanned out from pull requests with parent
fields, resume of issues, commits and stargazers from the saved next URL
(never from another repository's), incremental second runs with the
server-side `since`, primary and secondary rate limits (waits, then
succeeds), and auth failures with one friendly line and no token."""

import os
import tempfile
import time

from harness import Checks, FakeServer, check, query, read

TOKEN = "ghp_fakeGoodToken0123456789"
LIMITED = "ghp_fakeLimitedToken0123456"
BLOCKED = "ghp_fakeBlockedToken0123456"
c = Checks()

with FakeServer("fake_github.py", "--other-repo", "octo-org/other-repo") as gh:
    cfg = {"personal_access_token": TOKEN, "repository": "octo-org/octo-repo", "api_base_url": gh.url, "per_page": 25}

    # -- pagination and the issues route --------------------------------------
    rc, rows, err = read("github", cfg, "issues")
    reqs = gh.requests("/issues")
    c.expect(rc == 0, "read issues: exit %d %s" % (rc, err))
    c.expect(len(rows) == 180, "issues: %d rows, want 180 (240 items minus 60 pull requests)" % len(rows))
    c.expect(not any("pull_request" in r for r in rows), "issues rows include pull requests")
    c.expect(len({r["id"] for r in rows}) == len(rows), "issues: duplicate ids")
    c.expect(len(reqs) == 10, "issues: %d requests, want 10 pages of 25" % len(reqs))
    q0 = query(reqs[0]) if reqs else {}
    c.expect(q0.get("per_page") == "25" and q0.get("state") == "all" and q0.get("sort") == "created"
             and q0.get("direction") == "asc", "issues first request params: %s" % q0)
    c.expect([query(r).get("page") for r in reqs[1:]] == [str(p) for p in range(2, 11)],
             "issues: Link rel=next not followed page by page: %s" % [query(r).get("page") for r in reqs])
    c.expect(all(r["headers"].get("x-github-api-version") == "2022-11-28" and
                 r["headers"].get("authorization") == "Bearer " + TOKEN for r in reqs), "issues: headers")
    c.expect(TOKEN not in err, "the token appears in read's stderr")

    # -- fan-out: reviews per pull request, with parent fields ------------------
    gh.clear()
    rc, rows, err = read("github", cfg, "pull_request_reviews")
    c.expect(rc == 0, "read reviews: exit %d %s" % (rc, err))
    prs = [n for n in range(1, 241) if n % 4 == 0]
    c.expect(len(rows) == sum(n % 3 + 1 for n in prs), "reviews: %d rows" % len(rows))
    c.expect(all(r.get("pull_request_number") in prs and r.get("pull_request_id") == 2000000 + r["pull_request_number"]
                 and r["pull_request_url"].endswith("/pulls/%d" % r["pull_request_number"]) for r in rows),
             "reviews: parent fields pull_request_number / pull_request_id missing or wrong")
    review_reqs = [r for r in gh.requests("/reviews")]
    c.expect(len(review_reqs) == len(prs), "reviews: %d child requests for %d pull requests" % (len(review_reqs), len(prs)))
    # a pull request deleted after the list was read: its reviews answer 404,
    # which ends that child quietly; every other pull request's reviews sync
    gh.control(drop_pull_reviews=[8, 120])
    rc, rows, err = read("github", cfg, "pull_request_reviews", "--log-level", "info")
    ignored = [l for l in err.splitlines() if "404" in l and "ignor" in l]
    c.expect(len(ignored) == 2 and all("/pulls/{pull_number}/reviews" in l for l in ignored),
             "reviews with 2 gone: want one INFO line per ignored 404: %s" % ignored)
    gone = [n for n in prs if n not in (8, 120)]
    c.expect(rc == 0 and len(rows) == sum(n % 3 + 1 for n in gone)
             and {r["pull_request_number"] for r in rows} == set(gone), "reviews with 2 gone: exit %d, %d rows %s"
             % (rc, len(rows), err[-300:]))

    # -- commits and stargazers are reshaped ------------------------------------
    rc, rows, err = read("github", cfg, "commits")
    c.expect(rc == 0 and len(rows) == 230, "commits: exit %d, %d rows" % (rc, len(rows)))
    c.expect(all(r["created_at"] == r["commit"]["author"]["date"] and r["committed_at"] == r["commit"]["committer"]["date"]
                 for r in rows), "commits: created_at/committed_at not lifted from commit.author/committer")
    gh.clear()
    rc, rows, err = read("github", cfg, "stargazers")
    c.expect(rc == 0 and len(rows) == 130, "stargazers: exit %d, %d rows" % (rc, len(rows)))
    c.expect(all(r["user_id"] == r["user"]["id"] and r["user_login"] == r["user"]["login"] and r["starred_at"]
                 for r in rows), "stargazers: user_id/user_login/starred_at")
    c.expect(all(r["headers"].get("accept") == "application/vnd.github.star+json" for r in gh.requests("/stargazers")),
             "stargazers: star+json media type not asked for")

    # -- resume from the saved next URL, as GitHub writes it ------------------------
    # (/repositories/<id>/<list>?...&page=N: the plugin's own pager threw such
    # a URL away and started over every time)
    with tempfile.TemporaryDirectory() as d:
        state = os.path.join(d, "state.json")
        for schema, part, total, key in (("issues", 60, 180, "id"), ("commits", 60, 230, "sha"),
                                         ("stargazers", 60, 130, "user_id")):
            gh.clear()
            rc1, first, err1 = read("github", cfg, schema, "--limit", str(part), "--state-out", state)
            c.expect(rc1 == 0 and len(first) == part, "resume %s: first part exit %d, %d rows %s"
                     % (schema, rc1, len(first), err1[-300:]))
            with open(state) as f:
                saved = f.read()
            c.expect("/repositories/1296269/" in saved.replace("\\/", "/") and "page=" in saved,
                     "resume %s: state holds no next URL: %s" % (schema, saved))
            gh.clear()
            rc2, second, err2 = read("github", cfg, schema, "--state-in", state)
            reqs = gh.requests("/" + schema)
            c.expect(rc2 == 0, "resume %s: second part exit %d %s" % (schema, rc2, err2[-300:]))
            c.expect(reqs and reqs[0]["path"].startswith("/repositories/1296269/")
                     and query(reqs[0]).get("page") not in (None, "1"),
                     "resume %s: restarted from page 1: %s" % (schema, reqs[:1]))
            ids = {r[key] for r in first} | {r[key] for r in second}
            c.expect(len(ids) == total, "resume %s: %d distinct rows after resuming, want %d" % (schema, len(ids), total))
            c.expect(len(first) + len(second) - len(ids) < 25, "resume %s: more than one page read twice" % schema)

        # the saved state of octo-repo is not continued for another repository:
        # the state names its repository, whatever its URL looks like
        rc1, first, err1 = read("github", cfg, "issues", "--limit", "60", "--state-out", state)
        gh.clear()
        other = dict(cfg, repository="octo-org/other-repo")
        rc2, rows, err2 = read("github", other, "issues", "--state-in", state, "--log-level", "warn")
        reqs = gh.requests("/issues")
        c.expect(rc2 == 0 and len(rows) == 180, "other repository: exit %d, %d rows %s" % (rc2, len(rows), err2[-300:]))
        c.expect(reqs and reqs[0]["path"] == "/repos/octo-org/other-repo/issues" and "page" not in query(reqs[0])
                 and not any(r["path"].startswith("/repositories/1296269/") for r in reqs),
                 "other repository: used octo-repo's saved page: %s" % [r["path"] for r in reqs[:2]])
        c.expect("resume scope" in err2, "other repository: no warning that the state was not used: %r" % err2[-300:])

    # -- incremental: the second run sends since and returns only newer rows -----
    rc, rows, err = read("github", cfg, "issues", "--incremental-field", "updated_at")
    last = max(r["updated_at"] for r in rows)
    gh.control(add_issues=4, touch_issues=[3])  # 241..244 (244 is a pull request)
    gh.clear()
    rc, rows, err = read("github", cfg, "issues", "--incremental-field", "updated_at", "--last-value", last)
    q = query(gh.requests("/issues")[0])
    c.expect(rc == 0, "incremental: exit %d %s" % (rc, err))
    c.expect(q.get("since") == last and q.get("sort") == "updated" and q.get("direction") == "asc",
             "incremental: request params %s" % q)
    c.expect(all(r["updated_at"] >= last for r in rows), "incremental: a row older than the last value")
    c.expect({241, 242, 243, 3} <= {r["number"] for r in rows} and len(rows) <= 6,
             "incremental: got issues %s" % sorted(r["number"] for r in rows))
    rc, rows, err = read("github", cfg, "commits", "--incremental-field", "committed_at")
    last = max(r["committed_at"] for r in rows)
    gh.control(add_commits=2)
    gh.clear()
    rc, rows, err = read("github", cfg, "commits", "--incremental-field", "committed_at", "--last-value", last)
    c.expect(rc == 0 and query(gh.requests("/commits")[0]).get("since") == last, "commits incremental: since")
    # newest first: the walk stops at the commit at the last value, which the
    # previous run synced (the REST toolkit's descending rule)
    c.expect(len(rows) == 2 and all(r["committed_at"] > last for r in rows), "commits incremental: %d rows" % len(rows))

    # Descending commits: an earliest value (an interrupted first sync) reads the
    # older window first (until = earliest - 1 s), then the newer one.
    rc, allc, err = read("github", cfg, "commits")
    dates = sorted(r["committed_at"] for r in allc)
    mid, newest = dates[len(dates) // 2], dates[-1]
    gh.clear()
    rc, rows, err = read("github", cfg, "commits", "--incremental-field", "committed_at", "--earliest-value", mid,
                         "--last-value", newest)
    qs = [query(r) for r in gh.requests("/commits")]
    c.expect(rc == 0, "commits windows: exit %d %s" % (rc, err[-300:]))
    c.expect(qs and "until" in qs[0] and qs[0]["until"] < mid and any(q.get("since") == newest for q in qs),
             "commits windows: requests %s" % qs)
    older = [r for r in rows if r["committed_at"] < mid]
    c.expect(len(older) == len(dates) // 2 and all(r["committed_at"] >= newest for r in rows if r not in older),
             "commits windows: %d older rows, want %d" % (len(older), len(dates) // 2))

    # -- rate limits: the transport waits as told, then succeeds ------------------
    for kind, status in (("primary", 403), ("secondary", 403), ("secondary", 429)):
        gh.clear()
        gh.control(fault={"kind": kind, "status": status, "wait": 1, "path": "/releases"})
        t0 = time.time()
        rc, rows, err = read("github", cfg, "releases")
        reqs = gh.requests("/releases")
        c.expect(rc == 0 and len(rows) == 35, "%s %d: exit %d, %d rows %s" % (kind, status, rc, len(rows), err[-300:]))
        c.expect(len(reqs) >= 2 and reqs[1]["t"] - reqs[0]["t"] >= 0.9,
                 "%s %d: retried without waiting for the limit (%s)" % (kind, status,
                                                                        [round(r["t"] - t0, 2) for r in reqs]))
        c.expect(time.time() - t0 < 15, "%s %d: waited far too long" % (kind, status))

    # -- auth: 401, 403 and 404 ---------------------------------------------------
    bad = dict(cfg, personal_access_token="ghp_wrongWrongWrong000111")
    rc, doc, err = check("github", bad)
    c.expect(rc == 5 and "rejected the personal access token" in doc.get("message", ""),
             "401: check exit %d %s" % (rc, doc))
    c.expect("ghp_wrongWrongWrong000111" not in err + str(doc), "401: the token is printed")
    rc, rows, err = read("github", bad, "issues")
    c.expect(rc == 5 and "rejected the personal access token" in err and err.count("\n") <= 3,
             "401: read exit %d %r" % (rc, err[-400:]))
    lim = dict(cfg, personal_access_token=LIMITED)
    rc, doc, err = check("github", lim)
    c.expect(rc == 0, "limited token, no schema: exit %d %s" % (rc, doc))
    rc, doc, err = check("github", lim, "--schema", "issues")
    c.expect(rc == 5 and "Issues: read" in doc.get("message", ""), "403 with schema: exit %d %s" % (rc, doc))
    rc, rows, err = read("github", lim, "issue_comments")
    c.expect(rc == 5 and "403" in err and "cannot read 'issue_comments' of octo-org/octo-repo" in err
             and "Issues: read" in err and err.count("\n") <= 3, "403 at read time: exit %d %r" % (rc, err[-300:]))
    rc, rows, err = read("github", dict(cfg, repository="octo-org/nope"), "commits")
    c.expect(rc == 1 and "GitHub repository octo-org/nope was not found" in err and err.count("\n") <= 3,
             "404 at read time: exit %d %r" % (rc, err[-300:]))
    blocked = dict(cfg, personal_access_token=BLOCKED)
    rc, doc, err = check("github", blocked)
    c.expect(rc == 0 and any("403" in w for w in doc.get("warnings", [])),
             "403 on the repository without a schema passes with a warning: exit %d %s" % (rc, doc))
    rc, doc, err = check("github", blocked, "--schema", "commits")
    c.expect(rc == 5 and "Contents: read" in doc.get("message", ""), "403 with --schema commits: %d %s" % (rc, doc))
    rc, doc, err = check("github", dict(cfg, repository="octo-org/nope"))
    c.expect(rc != 0 and "octo-org/nope" in doc.get("message", "") and "not found" in doc.get("message", ""),
             "404: exit %d %s" % (rc, doc))
    rc, doc, err = check("github", dict(cfg, repository="not a repo"))
    c.expect(rc == 1 or rc == 4, "bad repository text: exit %d %s" % (rc, doc))

c.done()
