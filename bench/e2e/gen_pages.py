#!/usr/bin/env python3
"""gen_pages.py -- page files for bench/e2e, shaped as the real APIs answer.

GitHub: GET /repos/{owner}/{repo}/issues ("List repository issues",
https://docs.github.com/rest/issues/issues#list-repository-issues): a bare
JSON array of issue objects (nested user, labels, assignees, milestone,
reactions; non-ASCII titles and bodies), 100 per page.  nginx adds the Link
header (see run.py).

Stripe: GET /v1/charges (https://docs.stripe.com/api/charges/list): a list
object {"object": "list", "data": [...], "has_more": ..., "url": "/v1/charges"}
whose charges are the published example charge of stripe/openapi
(../shared/reference/stripe-openapi-fixtures3.json) with unique ids and
descending `created`; cursor pages (starting_after=<last id>).

Usage: gen_pages.py github|stripe ROWS OUTDIR [--host HOST:PORT] [--pretty]
Writes OUTDIR/<n>.json for n = 1..pages (github) or OUTDIR/<cursor>.json
(stripe: "first.json", then one file per starting_after id) and
OUTDIR/meta.json ({"pages": N, "rows": R, "bytes": B}).  Deterministic.
"""
import argparse
import json
import os
import random
import sys
from datetime import datetime, timedelta, timezone

PER_PAGE = 100
OWNER, REPO, REPO_ID = "octo-org", "hello-world", 1296269
T0 = datetime(2019, 1, 1, tzinfo=timezone.utc)

WORDS = ["fix", "crash", "when", "sync", "resumes", "after", "timeout", "add", "support", "for",
         "webhooks", "pagination", "breaks", "on", "large", "pages", "memory", "grows", "docs",
         "typo", "in", "README", "the", "connector", "fails", "with", "401", "rate", "limit"]
NON_ASCII = ["Überprüfung", "naïve", "café", "日本語のテキスト", "ошибка", "emoji 🚀", "señal", "中文",
             "Ελληνικά", "déjà vu", "Größe", "✓ done"]
LABELS = [("bug", "d73a4a", "Something isn't working"), ("enhancement", "a2eeef", "New feature or request"),
          ("documentation", "0075ca", "Improvements or additions to documentation"),
          ("good first issue", "7057ff", "Good for newcomers"), ("question", "d876e3", "Further information is requested"),
          ("wontfix", "ffffff", "This will not be worked on")]


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def api(rest):
    return "https://api.github.com" + rest


def user(uid):
    login = "user-%d" % uid
    u = api("/users/" + login)
    return {"login": login, "id": uid, "node_id": "MDQ6VXNlcj%d" % uid,
            "avatar_url": "https://avatars.githubusercontent.com/u/%d?v=4" % uid, "gravatar_id": "",
            "url": u, "html_url": "https://github.com/" + login, "followers_url": u + "/followers",
            "following_url": u + "/following{/other_user}", "gists_url": u + "/gists{/gist_id}",
            "starred_url": u + "/starred{/owner}{/repo}", "subscriptions_url": u + "/subscriptions",
            "organizations_url": u + "/orgs", "repos_url": u + "/repos", "events_url": u + "/events{/privacy}",
            "received_events_url": u + "/received_events", "type": "User", "user_view_type": "public",
            "site_admin": False}


def sentence(rng, n):
    out = []
    for _ in range(n):
        out.append(rng.choice(NON_ASCII) if rng.random() < 0.12 else rng.choice(WORDS))
    return " ".join(out)


def issue(rng, n):
    repo = api("/repos/%s/%s" % (OWNER, REPO))
    created = T0 + timedelta(minutes=13 * n)
    updated = created + timedelta(minutes=rng.randrange(0, 600))
    closed = rng.random() < 0.4
    labels = []
    for name, color, desc in rng.sample(LABELS, rng.randrange(0, 2)):
        labels.append({"id": 208045946 + LABELS.index((name, color, desc)), "node_id": "MDU6TGFiZWwyMDgwNDU5NDY=",
                       "url": repo + "/labels/" + name.replace(" ", "%20"), "name": name, "color": color,
                       "default": name in ("bug", "enhancement"), "description": desc})
    assignee = user(9000 + n % 50) if rng.random() < 0.05 else None
    reactions = {"url": repo + "/issues/%d/reactions" % n, "total_count": 0}
    for k in ("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes"):
        reactions[k] = rng.randrange(0, 4) if rng.random() < 0.3 else 0
        reactions["total_count"] += reactions[k]
    body_words = rng.randrange(3, 14)
    return {
        "url": repo + "/issues/%d" % n, "repository_url": repo,
        "labels_url": repo + "/issues/%d/labels{/name}" % n, "comments_url": repo + "/issues/%d/comments" % n,
        "events_url": repo + "/issues/%d/events" % n, "html_url": "https://github.com/%s/%s/issues/%d" % (OWNER, REPO, n),
        "id": 1000000000 + n, "node_id": "I_kwDOABCD%07d" % n, "number": n,
        "title": sentence(rng, rng.randrange(3, 10)).capitalize(), "user": user(100 + n % 997),
        "labels": labels, "state": "closed" if closed else "open", "locked": False,
        "assignee": assignee, "assignees": [assignee] if assignee else [], "milestone": None,
        "comments": rng.randrange(0, 30), "created_at": iso(created), "updated_at": iso(updated),
        "closed_at": iso(updated) if closed else None, "author_association": rng.choice(["NONE", "CONTRIBUTOR", "MEMBER"]),
        "sub_issues_summary": {"total": 0, "completed": 0, "percent_completed": 0},
        "active_lock_reason": None, "body": sentence(rng, body_words) + "\n\n```\nstack trace line\n```",
        "closed_by": None, "reactions": reactions, "timeline_url": repo + "/issues/%d/timeline" % n,
        "performed_via_github_app": None, "state_reason": "completed" if closed else None,
    }


def shared_file(rel):
    """`rel` in the shared/ folder beside the project's root (or beside a
    folder above it: a worktree), or in $DWHOST_SHARED_DIR."""
    if os.environ.get("DWHOST_SHARED_DIR"):
        return os.path.join(os.environ["DWHOST_SHARED_DIR"], rel)
    d = os.path.dirname(os.path.abspath(__file__))
    while True:
        cand = os.path.join(d, "shared", rel)
        if os.path.exists(cand):
            return cand
        up = os.path.dirname(d)
        if up == d:
            sys.exit("gen_pages.py: %s not found in a shared/ folder above %s; set DWHOST_SHARED_DIR" % (rel, __file__))
        d = up


def write(path, obj, pretty):
    text = json.dumps(obj, ensure_ascii=False, indent=2 if pretty else None,
                      separators=None if pretty else (",", ":"))
    data = text.encode()
    with open(path, "wb") as f:
        f.write(data)
    return len(data)


def gen_github(rows, out, pretty):
    rng = random.Random(42)
    pages = (rows + PER_PAGE - 1) // PER_PAGE
    total = 0
    for p in range(1, pages + 1):
        first = (p - 1) * PER_PAGE + 1
        last = min(rows, p * PER_PAGE)
        total += write(os.path.join(out, "%d.json" % p), [issue(rng, n) for n in range(first, last + 1)], pretty)
    return pages, total


def gen_stripe(rows, out, pretty):
    fixtures = shared_file("reference/stripe-openapi-fixtures3.json")
    with open(fixtures) as f:
        charge = json.load(f)["resources"]["charge"]
    rng = random.Random(7)
    pages = (rows + PER_PAGE - 1) // PER_PAGE
    created0 = 1700000000 + rows * 60
    total, cursor = 0, "first"
    for p in range(pages):
        data = []
        for i in range(p * PER_PAGE, min(rows, (p + 1) * PER_PAGE)):
            c = json.loads(json.dumps(charge))
            c["id"] = "ch_3Mb%019d" % i
            c["created"] = created0 - i * 60
            c["amount"] = c["amount_captured"] = rng.randrange(100, 100000)
            c["description"] = sentence(rng, rng.randrange(2, 8))
            c["metadata"] = {"order_id": "ord_%d" % i}
            data.append(c)
        has_more = p + 1 < pages
        total += write(os.path.join(out, "%s.json" % cursor),
                       {"object": "list", "data": data, "has_more": has_more, "url": "/v1/charges"}, pretty)
        cursor = data[-1]["id"]
    return pages, total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["github", "stripe"])
    ap.add_argument("rows", type=int)
    ap.add_argument("out")
    ap.add_argument("--pretty", action="store_true", help="indented JSON (2 spaces) instead of compact")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    pages, total = (gen_github if a.kind == "github" else gen_stripe)(a.rows, a.out, a.pretty)
    with open(os.path.join(a.out, "meta.json"), "w") as f:
        json.dump({"pages": pages, "rows": a.rows, "bytes": total, "pretty": a.pretty}, f)
    print("%s: %d rows, %d pages, %.1f MB (%.0f bytes a row)" % (a.kind, a.rows, pages, total / 1e6, total / a.rows),
          file=sys.stderr)


if __name__ == "__main__":
    main()
