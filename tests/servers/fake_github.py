#!/usr/bin/env python3
"""fake_github.py -- a loopback GitHub REST API (v3, 2022-11-28) for tests.

Serves one repository with a deterministic dataset, shaped as the REST API
reference documents it (https://docs.github.com/rest):
  GET /repos/{owner}/{repo}                       repository
  GET /repos/{owner}/{repo}/issues                state, sort, direction, since (pull requests included, as on GitHub)
  GET /repos/{owner}/{repo}/issues/comments       sort, direction, since
  GET /repos/{owner}/{repo}/pulls                 state, sort, direction (no since)
  GET /repos/{owner}/{repo}/pulls/{n}/reviews
  GET /repos/{owner}/{repo}/commits               since, until (committer date), newest first
  GET /repos/{owner}/{repo}/stargazers            application/vnd.github.star+json adds starred_at
  GET /repos/{owner}/{repo}/releases              newest first
  GET|POST /repos/{owner}/{repo}/hooks            repository webhooks (https://docs.github.com/rest/repos/webhooks):
                                                  POST {"name": "web", "active", "events", "config": {"url",
                                                  "content_type", "secret", "insecure_ssl"}} -> 201 the hook
                                                  (the secret shown as "********"); 422 for an unknown event
  DELETE /repos/{owner}/{repo}/hooks/{hook_id}    204; 404 when unknown
  GET /user/repos                                 the repositories the token can read: those served,
                                                  plus --user-repos more of the user "octo-user" (every
                                                  third private), sorted by full_name; visibility,
                                                  affiliation, sort, direction as documented
Lists are bare JSON arrays paginated with per_page (default 30, max 100) and
page, with a Link header (rel="next", "last", "first", "prev") whose URLs
name the repository by id, as github.com and GHES write them:
<http://host/repositories/1296269/issues?per_page=25&page=2>; rel="next".
GET /repositories/{id}/... serves the same lists.  Every answer carries the
x-ratelimit-* headers.  An optional --prefix (e.g. /api/v3) makes it look
like GitHub Enterprise Server; --other-repo OWNER/NAME serves a second
repository (id 1296270) with the same data.

Tokens (Authorization: Bearer|token <t>): --token is allowed everything,
--limited-token gets 403 "Resource not accessible by personal access token"
on issues and comments, --blocked-token gets 403 (SAML enforcement) on
everything, anything else gets 401 "Bad credentials".

POST /_control JSON (a fault may carry "skip": n to hit only after n matching requests):
  {"fault": {"kind": "primary"|"secondary", "status": 403|429, "wait": s, "count": n, "path": "/issues"}}
  {"add_issues": n}  {"touch_issues": [numbers]}  {"add_commits": n}  {"add_stars": n}
  {"drop_pull_reviews": [numbers]}: those pull requests' reviews answer 404 (deleted or
    transferred after the pull request list was read)
  {"hooks": true}: the repository webhooks with their secrets
GET /_control/requests: the request log.
"""

import hashlib
import json
import math
import re
import sys
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

sys.path.insert(0, __import__("os").path.dirname(__file__))
from fake_http import FakeHandler, FakeState, serve  # noqa: E402

T0 = datetime(2023, 1, 1, tzinfo=timezone.utc)
DOCS = "https://docs.github.com/rest"


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


class GithubState(FakeState):
    def configure(self, a):
        self.owner, self.repo, self.prefix = a.owner, a.repo, a.prefix.rstrip("/")
        # (owner, name, id) of each repository served, by id
        self.repos = {1296269: (a.owner, a.repo, 1296269)}
        if a.other_repo:
            o2, r2 = a.other_repo.split("/", 1)
            self.repos[1296270] = (o2, r2, 1296270)
        self.token, self.limited, self.blocked = a.token, a.limited_token, a.blocked_token
        self.base_api = None  # set per request from the Host header
        self.issues = []
        self.comments = []
        self.reviews = {}
        self.commits = []
        self.stars = []
        self.releases = []
        self.touch_on_page = None  # {"page": N, "issues": [numbers]}: see list_issues
        self.hooks, self.hook_seq = [], 0  # (repository id, hook object)
        for n in range(1, a.issues + 1):
            self._new_issue(n, T0 + timedelta(hours=n))
        for i in range(a.commits):
            self._new_commit(i)
        for i in range(a.stargazers):
            self._new_star(i)
        for i in range(a.releases):
            created = T0 + timedelta(days=3 * i)
            self.releases.append({"id": 6000000 + i, "tag_name": "v1.%d.0" % i, "created_at": iso(created)})
        self.clock = T0 + timedelta(hours=a.issues + 1)
        # (owner, name, id, private) of what GET /user/repos lists
        self.user_repos = [(o, r, rid, False) for (o, r, rid) in self.repos.values()]
        self.user_repos += [("octo-user", "repo-%03d" % i, 2000000 + i, i % 3 == 0) for i in range(a.user_repos)]

    # -- dataset ---------------------------------------------------------
    def _new_issue(self, n, created):
        updated = created + timedelta(minutes=(n * 7) % 50)
        issue = {"number": n, "id": 1000000 + n, "is_pr": n % 4 == 0,
                 "state": "closed" if n % 5 == 0 else "open",
                 "created_at": iso(created), "updated_at": iso(updated), "comments": 0}
        self.issues.append(issue)
        if n % 2 == 1:
            for k in range(1 + n % 3 // 2):
                c_at = created + timedelta(minutes=10 * (k + 1))
                self.comments.append({"id": 4000000 + n * 10 + k, "issue": n,
                                      "created_at": iso(c_at), "updated_at": iso(c_at)})
                issue["comments"] += 1
        if issue["is_pr"]:
            self.reviews[n] = [{"id": 3000000 + n * 10 + k, "commit": self._sha("pr%d" % n),
                                "submitted_at": iso(created + timedelta(hours=k + 1)),
                                "state": ["APPROVED", "COMMENTED", "CHANGES_REQUESTED"][k % 3]}
                               for k in range(n % 3 + 1)]

    def _sha(self, s):
        return hashlib.sha1(s.encode()).hexdigest()

    def _new_commit(self, i):
        authored = T0 + timedelta(minutes=30 * i)
        self.commits.append({"sha": self._sha("commit-%d" % i), "authored": iso(authored),
                             "committed": iso(authored + timedelta(minutes=1)), "i": i})

    def _new_star(self, i):
        self.stars.append({"user": 5000000 + i, "starred_at": iso(T0 + timedelta(seconds=5000 * i))})


class GithubHandler(FakeHandler):
    server_version = "GitHub.com"

    # -- object shapes (fields as in the REST reference) -------------------
    def api_url(self, rest=""):
        return "http://%s%s%s" % (self.headers.get("Host"), self.state.prefix, rest)

    def user(self, uid, login=None):
        login = login or "user%d" % uid
        u = self.api_url("/users/" + login)
        return {"login": login, "id": uid, "node_id": "MDQ6VXNlcj%d" % uid,
                "avatar_url": "https://avatars.githubusercontent.com/u/%d?v=4" % uid, "gravatar_id": "",
                "url": u, "html_url": "https://github.com/" + login, "followers_url": u + "/followers",
                "following_url": u + "/following{/other_user}", "gists_url": u + "/gists{/gist_id}",
                "starred_url": u + "/starred{/owner}{/repo}", "subscriptions_url": u + "/subscriptions",
                "organizations_url": u + "/orgs", "repos_url": u + "/repos",
                "events_url": u + "/events{/privacy}", "received_events_url": u + "/received_events",
                "type": "User", "site_admin": False, "user_view_type": "public"}

    cur = None  # (owner, name, id) of the repository the request names

    def repo_url(self, rest=""):
        return self.api_url("/repos/%s/%s%s" % (self.cur[0], self.cur[1], rest))

    def html(self, rest=""):
        return "https://github.com/%s/%s%s" % (self.cur[0], self.cur[1], rest)

    def issue_obj(self, it):
        n = it["number"]
        o = {"id": it["id"], "node_id": "I_kwDO%08d" % n, "url": self.repo_url("/issues/%d" % n),
             "repository_url": self.repo_url(), "labels_url": self.repo_url("/issues/%d/labels{/name}" % n),
             "comments_url": self.repo_url("/issues/%d/comments" % n),
             "events_url": self.repo_url("/issues/%d/events" % n), "html_url": self.html("/issues/%d" % n),
             "number": n, "state": it["state"], "state_reason": "completed" if it["state"] == "closed" else None,
             "title": "Issue number %d" % n, "body": "Body of %d" % n, "user": self.user(100 + n % 7),
             "labels": [], "assignee": None, "assignees": [], "milestone": None, "locked": False,
             "active_lock_reason": None, "comments": it["comments"],
             "closed_at": it["updated_at"] if it["state"] == "closed" else None,
             "created_at": it["created_at"], "updated_at": it["updated_at"], "closed_by": None,
             "author_association": "CONTRIBUTOR", "reactions": {"url": self.repo_url("/issues/%d/reactions" % n),
                                                                 "total_count": 0, "+1": 0, "-1": 0}}
        if it["is_pr"]:
            o["pull_request"] = {"url": self.repo_url("/pulls/%d" % n), "html_url": self.html("/pull/%d" % n),
                                 "diff_url": self.html("/pull/%d.diff" % n),
                                 "patch_url": self.html("/pull/%d.patch" % n), "merged_at": None}
            o["draft"] = False
        return o

    def pull_obj(self, it):
        n = it["number"]
        ref = {"label": "%s:feature-%d" % (self.state.owner, n), "ref": "feature-%d" % n,
               "sha": self.state._sha("pr%d" % n), "user": self.user(100 + n % 7), "repo": None}
        return {"url": self.repo_url("/pulls/%d" % n), "id": 2000000 + n, "node_id": "PR_kwDO%08d" % n,
                "html_url": self.html("/pull/%d" % n), "diff_url": self.html("/pull/%d.diff" % n),
                "patch_url": self.html("/pull/%d.patch" % n), "issue_url": self.repo_url("/issues/%d" % n),
                "commits_url": self.repo_url("/pulls/%d/commits" % n),
                "review_comments_url": self.repo_url("/pulls/%d/comments" % n),
                "review_comment_url": self.repo_url("/pulls/comments{/number}"),
                "comments_url": self.repo_url("/issues/%d/comments" % n),
                "statuses_url": self.repo_url("/statuses/" + ref["sha"]), "number": n, "state": it["state"],
                "locked": False, "title": "Pull request %d" % n, "user": self.user(100 + n % 7),
                "body": "Changes %d" % n, "labels": [], "milestone": None, "active_lock_reason": None,
                "created_at": it["created_at"], "updated_at": it["updated_at"],
                "closed_at": it["updated_at"] if it["state"] == "closed" else None, "merged_at": None,
                "merge_commit_sha": None, "assignee": None, "assignees": [], "requested_reviewers": [],
                "requested_teams": [], "head": ref, "base": dict(ref, ref="main", label="%s:main" % self.state.owner),
                "_links": {"self": {"href": self.repo_url("/pulls/%d" % n)},
                           "html": {"href": self.html("/pull/%d" % n)}},
                "author_association": "CONTRIBUTOR", "auto_merge": None, "draft": False}

    def commit_obj(self, c):
        sha = c["sha"]
        person = {"name": "Dev %d" % (c["i"] % 5), "email": "dev%d@example.com" % (c["i"] % 5)}
        return {"url": self.repo_url("/commits/" + sha), "sha": sha, "node_id": "C_kwDO" + sha[:12],
                "html_url": self.html("/commit/" + sha), "comments_url": self.repo_url("/commits/%s/comments" % sha),
                "commit": {"url": self.repo_url("/git/commits/" + sha),
                           "author": dict(person, date=c["authored"]), "committer": dict(person, date=c["committed"]),
                           "message": "Change number %d" % c["i"],
                           "tree": {"url": self.repo_url("/git/trees/" + sha), "sha": sha},
                           "comment_count": 0,
                           "verification": {"verified": False, "reason": "unsigned", "signature": None,
                                            "payload": None, "verified_at": None}},
                "author": self.user(100 + c["i"] % 5), "committer": self.user(100 + c["i"] % 5),
                "parents": [] if c["i"] == 0 else [{"url": self.repo_url("/commits/x"), "sha": self.state._sha(
                    "commit-%d" % (c["i"] - 1))}]}

    def release_obj(self, r):
        rid = r["id"]
        return {"url": self.repo_url("/releases/%d" % rid), "html_url": self.html("/releases/" + r["tag_name"]),
                "assets_url": self.repo_url("/releases/%d/assets" % rid),
                "upload_url": "https://uploads.github.com/repos/x/y/releases/%d/assets{?name,label}" % rid,
                "tarball_url": self.repo_url("/tarball/" + r["tag_name"]),
                "zipball_url": self.repo_url("/zipball/" + r["tag_name"]), "id": rid, "node_id": "RE_%d" % rid,
                "tag_name": r["tag_name"], "target_commitish": "main", "name": "Release " + r["tag_name"],
                "body": "Notes", "draft": False, "prerelease": False, "immutable": False,
                "created_at": r["created_at"], "published_at": r["created_at"], "author": self.user(100),
                "assets": []}

    def review_obj(self, n, rv):
        return {"id": rv["id"], "node_id": "PRR_%d" % rv["id"], "user": self.user(200 + rv["id"] % 3),
                "body": "Review", "state": rv["state"], "html_url": self.html("/pull/%d#pullrequestreview-%d" % (n, rv["id"])),
                "pull_request_url": self.repo_url("/pulls/%d" % n),
                "_links": {"html": {"href": self.html("/pull/%d" % n)},
                           "pull_request": {"href": self.repo_url("/pulls/%d" % n)}},
                "submitted_at": rv["submitted_at"], "commit_id": rv["commit"], "author_association": "MEMBER"}

    def comment_obj(self, c):
        return {"id": c["id"], "node_id": "IC_%d" % c["id"], "url": self.repo_url("/issues/comments/%d" % c["id"]),
                "html_url": self.html("/issues/%d#issuecomment-%d" % (c["issue"], c["id"])), "body": "A comment",
                "user": self.user(300 + c["id"] % 4), "created_at": c["created_at"], "updated_at": c["updated_at"],
                "issue_url": self.repo_url("/issues/%d" % c["issue"]), "author_association": "NONE",
                "reactions": {"total_count": 0}}

    def repo_obj(self):
        s = self.state
        owner, name, rid = self.cur
        return {"id": rid, "node_id": "MDEwOlJlcG9zaXRvcnk%d" % rid, "name": name,
                "full_name": "%s/%s" % (owner, name), "owner": self.user(1, owner), "private": False,
                "html_url": self.html(), "url": self.repo_url(), "default_branch": "main",
                "created_at": iso(T0), "updated_at": iso(s.clock), "pushed_at": iso(s.clock),
                "stargazers_count": len(s.stars), "open_issues_count": sum(1 for i in s.issues if i["state"] == "open"),
                "visibility": "public"}

    # -- protocol ----------------------------------------------------------
    def rate_headers(self, remaining=4999, reset_in=3600):
        return {"x-ratelimit-limit": 5000, "x-ratelimit-remaining": remaining,
                "x-ratelimit-reset": int(time.time()) + reset_in, "x-ratelimit-used": 5000 - remaining,
                "x-ratelimit-resource": "core", "x-github-api-version-selected": "2022-11-28",
                "x-github-media-type": "github.v3; format=json"}

    def error(self, status, message, headers=None, doc=DOCS):
        h = self.rate_headers()
        h.update(headers or {})
        return status, {"message": message, "documentation_url": doc, "status": str(status)}, h

    def user_repo_obj(self, r):
        owner, name, rid, private = r
        return {"id": rid, "node_id": "MDEwOlJlcG9zaXRvcnk%d" % rid, "name": name,
                "full_name": "%s/%s" % (owner, name), "owner": self.user(1, owner), "private": private,
                "html_url": "https://github.com/%s/%s" % (owner, name),
                "url": self.api_url("/repos/%s/%s" % (owner, name)), "description": None, "fork": False,
                "default_branch": "main", "visibility": "private" if private else "public",
                "permissions": {"admin": False, "maintain": False, "push": False, "triage": False, "pull": True}}

    def list_user_repos(self, query):
        q = dict(query)
        vis = q.get("visibility", "all")
        if vis not in ("all", "public", "private"):
            return self.error(422, "Validation Failed")
        rows = [r for r in self.state.user_repos if vis == "all" or (vis == "private") == r[3]]
        key = q.get("sort", "full_name")
        if key not in ("created", "updated", "pushed", "full_name"):
            return self.error(422, "Validation Failed")
        desc = q.get("direction", "asc" if key == "full_name" else "desc") == "desc"
        rows.sort(key=lambda r: ("%s/%s" % (r[0], r[1])).lower(), reverse=desc)
        return self.page([self.user_repo_obj(r) for r in rows], query, "/user/repos", by_id=False)

    def page(self, items, query, rest, by_id=True):
        q = dict(query)
        try:
            per_page = max(1, min(100, int(q.get("per_page", 30))))
            page = max(1, int(q.get("page", 1)))
        except ValueError:
            return self.error(422, "Validation Failed")
        last = max(1, math.ceil(len(items) / per_page))
        chunk = items[(page - 1) * per_page: page * per_page]
        links = []

        def link(p, rel):
            # as GitHub writes them: the repository by id, not by name
            qq = [(k, v) for k, v in query if k != "page"] + [("page", str(p))]
            target = self.api_url("/repositories/%d%s" % (self.cur[2], rest)) if by_id else self.api_url(rest)
            links.append('<%s?%s>; rel="%s"' % (target, urlencode(qq), rel))

        if page > 1:
            link(page - 1, "prev")
        if page < last:
            link(page + 1, "next")
            link(last, "last")
        if page > 1:
            link(1, "first")
        h = self.rate_headers()
        if links:
            h["Link"] = ", ".join(links)
        return 200, chunk, h

    def auth(self, path):
        a = self.headers.get("Authorization") or ""
        tok = a.split(" ", 1)[1] if " " in a else ""
        if tok == self.state.token:
            return None
        if tok and tok == self.state.blocked:
            return self.error(403, "Resource protected by organization SAML enforcement. You must grant your "
                                   "Personal Access token access to this organization.")
        if tok and tok == self.state.limited:
            if "/issues" in path:
                return self.error(403, "Resource not accessible by personal access token",
                                  doc="https://docs.github.com/rest/issues/issues#list-repository-issues")
            return None
        if not a:
            return self.error(401, "Requires authentication")
        return self.error(401, "Bad credentials")

    def api(self, method, path, query):
        s = self.state
        if s.prefix:
            if not path.startswith(s.prefix + "/"):
                return self.error(404, "Not Found")
            path = path[len(s.prefix):]
        fault = s.take_fault(path)
        if fault:
            wait = int(fault.get("wait", 1))
            status = int(fault.get("status", 403))
            if fault.get("kind") == "secondary":
                return self.error(status, "You have exceeded a secondary rate limit. Please wait a few minutes "
                                  "before you try again. If you reach out to GitHub Support for help, please "
                                  "include the request ID 0000:0000:0000000:0000000:00000000.",
                                  {"retry-after": wait},
                                  doc="https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-"
                                      "the-rest-api#about-secondary-rate-limits")
            if fault.get("kind") == "primary":
                h = self.rate_headers(remaining=0, reset_in=wait)
                return status, {"message": "API rate limit exceeded for user ID 1. If you reach out to GitHub "
                                           "Support for help, please include the request ID "
                                           "0000:0000:0000000:0000000:00000000.",
                                "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-"
                                                     "rest-api", "status": str(status)}, h
            return self.error(status, fault.get("message", "Server Error"))
        hooks_path = re.match(r"^/repos/[^/]+/[^/]+/hooks(/\d+)?$", path)
        if method != "GET" and not hooks_path:
            return self.error(404, "Not Found")
        denied = self.auth(path)
        if denied:
            return denied
        if path == "/user/repos":
            with s.lock:
                return self.list_user_repos(query)
        m = re.match(r"^/repositories/(\d+)(?P<rest>/.*)?$", path)
        if m:
            self.cur = s.repos.get(int(m.group(1)))
        else:
            m = re.match(r"^/repos/([^/]+)/([^/]+)(?P<rest>/.*)?$", path)
            self.cur = next((r for r in s.repos.values() if m and (r[0].lower(), r[1].lower()) ==
                             (m.group(1).lower(), m.group(2).lower())), None)
        if not self.cur:
            return self.error(404, "Not Found")
        rest = m.group("rest") or ""
        q = dict(query)
        if hooks_path:
            with s.lock:
                return self.repo_hooks(method, rest, query)
        with s.lock:
            if rest == "":
                return 200, self.repo_obj(), self.rate_headers()
            if rest == "/issues":
                return self.list_issues(q, query, rest, prs_only=False)
            if rest == "/pulls":
                return self.list_issues(q, query, rest, prs_only=True)
            if rest == "/issues/comments":
                rows = list(s.comments)
                if q.get("since"):
                    rows = [c for c in rows if c["updated_at"] >= q["since"]]
                key = {"updated": "updated_at"}.get(q.get("sort"), "created_at")
                rows.sort(key=lambda c: (c[key], c["id"]), reverse=bool(q.get("sort")) and q.get("direction") == "desc")
                return self.page([self.comment_obj(c) for c in rows], query, rest)
            if rest.startswith("/pulls/") and rest.endswith("/reviews"):
                try:
                    n = int(rest.split("/")[2])
                except ValueError:
                    return self.error(404, "Not Found")
                if n not in s.reviews:
                    return self.error(404, "Not Found")
                return self.page([self.review_obj(n, r) for r in s.reviews[n]], query, rest)
            if rest == "/commits":
                rows = sorted(s.commits, key=lambda c: c["committed"], reverse=True)
                if q.get("since"):
                    rows = [c for c in rows if c["committed"] >= q["since"]]
                if q.get("until"):
                    rows = [c for c in rows if c["committed"] <= q["until"]]
                return self.page([self.commit_obj(c) for c in rows], query, rest)
            if rest == "/stargazers":
                star = "star+json" in (self.headers.get("Accept") or "")
                rows = [{"starred_at": st["starred_at"], "user": self.user(st["user"])} if star
                        else self.user(st["user"]) for st in s.stars]
                return self.page(rows, query, rest)
            if rest == "/releases":
                rows = sorted(s.releases, key=lambda r: r["created_at"], reverse=True)
                return self.page([self.release_obj(r) for r in rows], query, rest)
        return self.error(404, "Not Found")

    # the webhook events of the repository's schemas and a few more, as
    # GitHub names them (https://docs.github.com/webhooks/webhook-events-and-payloads)
    HOOK_EVENTS = {"issues", "issue_comment", "pull_request", "pull_request_review", "pull_request_review_comment",
                   "push", "release", "star", "watch", "fork", "create", "delete", "label", "milestone", "*"}

    def hook_obj(self, h):
        cfg = {k: v for k, v in h["config"].items() if k != "secret"}
        if "secret" in h["config"]:
            cfg["secret"] = "********"
        base = self.repo_url("/hooks/%d" % h["id"])
        return {"type": "Repository", "id": h["id"], "name": "web", "active": h["active"], "events": h["events"],
                "config": cfg, "updated_at": h["at"], "created_at": h["at"], "url": base, "test_url": base + "/test",
                "ping_url": base + "/pings", "deliveries_url": base + "/deliveries",
                "last_response": {"code": None, "status": "unused", "message": None}}

    def repo_hooks(self, method, rest, query):
        s = self.state
        rid = self.cur[2]
        if rest == "/hooks" and method == "GET":
            return self.page([self.hook_obj(h) for r, h in s.hooks if r == rid], query, rest)
        if rest == "/hooks" and method == "POST":
            try:
                body = json.loads(self.read_body() or b"{}")
            except ValueError:
                return self.error(400, "Problems parsing JSON")
            cfg = body.get("config") or {}
            events = body.get("events", ["push"])
            if body.get("name", "web") != "web" or not isinstance(cfg.get("url"), str) or not cfg["url"]:
                return self.error(422, "Validation Failed")
            if not isinstance(events, list) or any(e not in self.HOOK_EVENTS for e in events):
                return self.error(422, "Validation Failed")
            if any(r == rid and h["config"]["url"] == cfg["url"] for r, h in s.hooks):
                return self.error(422, "Validation Failed")  # "Hook already exists on this repository"
            s.hook_seq += 1
            h = {"id": 12345000 + s.hook_seq, "active": body.get("active", True), "events": events,
                 "config": {"url": cfg["url"], "content_type": cfg.get("content_type", "form"),
                            "insecure_ssl": cfg.get("insecure_ssl", "0"), **({"secret": cfg["secret"]} if cfg.get("secret") else {})},
                 "at": iso(s.clock)}
            s.hooks.append((rid, h))
            return 201, self.hook_obj(h), self.rate_headers()
        m = re.match(r"^/hooks/(\d+)$", rest)
        hit = next(((r, h) for r, h in s.hooks if m and r == rid and h["id"] == int(m.group(1))), None)
        if not m or not hit or method not in ("GET", "DELETE"):
            return self.error(404, "Not Found")
        if method == "DELETE":
            s.hooks.remove(hit)
            return 204, None, self.rate_headers()
        return 200, self.hook_obj(hit[1]), self.rate_headers()

    def list_issues(self, q, query, rest, prs_only):
        s = self.state
        state = q.get("state", "open")
        if state not in ("open", "closed", "all"):
            return self.error(422, "Validation Failed")
        # an update while a client pages through: touch the issues just
        # before serving that page (under sort=updated they move to the end
        # and come again on a later page, as on GitHub)
        armed = s.touch_on_page
        if armed and not prs_only and q.get("page", "1") == str(armed["page"]):
            s.touch_on_page = None
            for n in armed["issues"]:
                s.clock += timedelta(minutes=1)
                s.issues[n - 1]["updated_at"] = iso(s.clock)
        rows = [i for i in s.issues if (not prs_only or i["is_pr"]) and (state == "all" or i["state"] == state)]
        if not prs_only and q.get("since"):
            rows = [i for i in rows if i["updated_at"] >= q["since"]]
        sort = q.get("sort", "created")
        if sort not in (("created", "updated", "popularity", "long-running") if prs_only
                        else ("created", "updated", "comments")):
            return self.error(422, "Validation Failed")
        default_dir = "desc" if (not prs_only or sort == "created") else "asc"
        desc = q.get("direction", default_dir) == "desc"
        key = {"created": "created_at", "updated": "updated_at", "comments": "comments"}.get(sort, "created_at")
        rows.sort(key=lambda i: (i[key], i["number"]), reverse=desc)
        conv = self.pull_obj if prs_only else self.issue_obj
        return self.page([conv(i) for i in rows], query, rest)

    def control(self, cmd):
        out = super().control(cmd)
        s = self.state
        with s.lock:
            if "add_issues" in cmd:
                for _ in range(int(cmd["add_issues"])):
                    s.clock += timedelta(hours=1)
                    s._new_issue(len(s.issues) + 1, s.clock)
                out["issues"] = len(s.issues)
            for n in cmd.get("touch_issues", []):
                s.clock += timedelta(minutes=1)
                s.issues[n - 1]["updated_at"] = iso(s.clock)
            if "touch_on_page" in cmd:
                s.touch_on_page = cmd["touch_on_page"]
            if "add_commits" in cmd:
                for _ in range(int(cmd["add_commits"])):
                    s._new_commit(len(s.commits))
                out["commits"] = len(s.commits)
            if "add_stars" in cmd:
                for _ in range(int(cmd["add_stars"])):
                    s._new_star(len(s.stars))
            for n in cmd.get("drop_pull_reviews", []):
                s.reviews.pop(int(n), None)
            if cmd.get("hooks"):  # what the hooks hold, secrets included (tests compare them)
                out["hooks"] = [dict(h, repository_id=r) for r, h in s.hooks]
        return out


def add_args(ap):
    ap.add_argument("--owner", default="octo-org")
    ap.add_argument("--repo", default="octo-repo")
    ap.add_argument("--prefix", default="", help="path prefix, e.g. /api/v3 (GitHub Enterprise Server)")
    ap.add_argument("--other-repo", default="", help="OWNER/NAME of a second repository (id 1296270), same data")
    ap.add_argument("--token", default="ghp_fakeGoodToken0123456789")
    ap.add_argument("--limited-token", default="ghp_fakeLimitedToken0123456")
    ap.add_argument("--blocked-token", default="ghp_fakeBlockedToken0123456",
                    help="gets 403 (SAML enforcement) everywhere")
    ap.add_argument("--issues", type=int, default=240)
    ap.add_argument("--commits", type=int, default=230)
    ap.add_argument("--stargazers", type=int, default=130)
    ap.add_argument("--releases", type=int, default=35)
    ap.add_argument("--user-repos", type=int, default=0, help="repositories of octo-user GET /user/repos adds")


if __name__ == "__main__":
    serve(GithubHandler, GithubState(), __doc__.splitlines()[0], add_args)
