#!/usr/bin/env python3
"""Bounded waits and fast failure through the CLI (docs/concepts/
timeouts.md), against servers on 127.0.0.1:

  - a Retry-After beyond the longest wait (300 s) fails at once with one line
    naming the UTC time to rerun, exit 1, after one request (it used to sit
    out capped waits: 20 minutes);
  - the same for GitHub's X-RateLimit-Reset (fake_github.py, primary limit
    an hour away);
  - a server that accepts and never answers is given up on when
    --http-timeout is spent (exit 6), not after 5 attempts x 60 s;
  - an unreachable source (a refused port) stops a sync of several schemas
    after the first one's attempts: 3 attempts, not 12; the rest "not run";
    exit 6; what an earlier run committed is kept;
  - the wait counters report the time actually slept: a 5 s Retry-After cut
    short by Ctrl-C after about a second counts about a second.

Usage: test_waits_cli.py TPORT_PLUGIN_DIR"""
import atexit
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta, timezone

BIN = os.environ["DWHOST_BIN"]
SRC = os.environ["DWHOST_SOURCE_DIR"]
BUNDLED = os.environ["DWHOST_PLUGIN_BUILD_DIR"]
TPORT = sys.argv[1]
sys.path.insert(0, os.path.join(SRC, "tests", "connectors"))
from harness import FakeServer  # noqa: E402

failures = []


def check(cond, what, detail=""):
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}\n{str(detail)[:1500]}", file=sys.stderr)
    return cond


def env():
    e = {k: v for k, v in os.environ.items() if k not in ("DWHOST_PLUGIN_PATH", "DWHOST_LOG_LEVEL")}
    e["DWHOST_NO_DEFAULT_PLUGIN_DIR"] = "1"
    return e


server = subprocess.Popen([sys.executable, os.path.join(SRC, "tests/servers/http_script_server.py"),
                           "--idle-exit", "120"], stdout=subprocess.PIPE, text=True)
port = int(server.stdout.readline().split()[1])
base = f"http://127.0.0.1:{port}"
tmp = tempfile.mkdtemp(prefix="dwh-waits-")
atexit.register(shutil.rmtree, tmp, True)  # also when a check fails


def script(routes):
    req = urllib.request.Request(base + "/__script", data=json.dumps({"routes": routes}).encode(), method="POST")
    urllib.request.urlopen(req, timeout=10).read()


def served():
    return [r["target"] for r in json.loads(urllib.request.urlopen(base + "/__log", timeout=10).read())]


def config(url, name="config.json"):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        json.dump({"base_url": url, "token": "tok_waits_123"}, f)
    return path


def dwhost(*args, timeout=90):
    """Runs the CLI; (rc, stdout, stderr, seconds).  A run still going after
    `timeout` is killed and reported as rc None."""
    t0 = time.monotonic()
    try:
        p = subprocess.run([BIN, *args], capture_output=True, text=True, env=env(), timeout=timeout)
    except subprocess.TimeoutExpired as e:
        def text(b):
            return b.decode(errors="replace") if isinstance(b, bytes) else (b or "")
        return None, text(e.stdout), text(e.stderr), time.monotonic() - t0
    return p.returncode, p.stdout, p.stderr, time.monotonic() - t0


def error_lines(err):
    return [l for l in err.splitlines() if l.startswith("dwhost: ")]


def events(err, name):
    out = []
    for l in err.splitlines():
        if l.startswith("{"):
            d = json.loads(l)
            if d.get("event") == name:
                out.append(d)
    return out


def utc_hms(dt, now):
    """The time to rerun as the message names it (http_retry.c
    dwhi_retry_until_text): the time of day, with the date in front when
    it is not today (UTC) -- within an hour of midnight, for Retry-After
    3600."""
    return dt.strftime("%H:%M:%S UTC" if dt.date() == now.date() else "%Y-%m-%d %H:%M:%S UTC")


def sync(cfg, *args, timeout=90):
    return dwhost("sync", "tport", "--plugin-dir", TPORT, "--config", cfg, "--allow-internal",
                  "--warehouse", os.path.join(tmp, "w.db"), *args, timeout=timeout)


try:
    cfg = config(base)

    # ---- 1. Retry-After beyond the longest wait: fail at once --------------
    script({"/events": [{"status": 429, "headers": {"Retry-After": "3600"}, "json": {"error": "slow down"}}]})
    before = datetime.now(timezone.utc)
    rc, out, err, secs = sync(cfg, "--schema", "events", timeout=60)
    after = datetime.now(timezone.utc)
    lines = error_lines(err)
    check(rc == 1, "Retry-After 3600: exit 1 (a rate limit), at once", f"rc={rc} after {secs:.1f} s {lines}")
    check(served() == ["/events"], "Retry-After 3600: one request, no capped waits", served())
    whens = {utc_hms(before + timedelta(seconds=3600 + d), now) for d in range(0, int((after - before).total_seconds()) + 3)
             for now in (before, after)}
    check(len(lines) == 1 and any(f"GET {base}/events: rate limited until {w} (Retry-After 3600 s; a request waits "
                                  f"at most 300 s); rerun then" in lines[0] for w in whens),
          "Retry-After 3600: one line naming the UTC time to rerun", lines)
    check(secs < 15, f"Retry-After 3600: gave up in {secs:.1f} s")

    # ---- 2. GitHub's X-RateLimit-Reset an hour away --------------------------
    with FakeServer("fake_github.py") as gh:
        ghcfg = os.path.join(tmp, "gh.json")
        with open(ghcfg, "w") as f:
            json.dump({"personal_access_token": "ghp_fakeGoodToken0123456789", "repository": "octo-org/octo-repo",
                       "api_base_url": gh.url, "per_page": 25}, f)
        gh.control(fault={"kind": "primary", "status": 403, "wait": 3600, "count": 50, "path": "/releases"})
        before = datetime.now(timezone.utc)
        rc, out, err, secs = dwhost("read", "github", "--plugin-dir", BUNDLED, "--config", ghcfg, "--schema",
                                    "releases", "--allow-internal", timeout=60)
        lines = error_lines(err)
        reqs = gh.requests("/releases")
        check(rc == 1 and len(reqs) == 1, "X-RateLimit-Reset in an hour: exit 1 after one request",
              f"rc={rc} {len(reqs)} requests {lines}")
        after = datetime.now(timezone.utc)
        whens = {utc_hms(before + timedelta(seconds=3600 + d), now) for d in range(-1, 4) for now in (before, after)}
        check(len(lines) == 1 and "rate limited until " in lines[0] and "(X-RateLimit-Reset " in lines[0]
              and "; a request waits at most 300 s); rerun then" in lines[0]
              and any(w in lines[0] for w in whens), "X-RateLimit-Reset: the UTC time and the header's value", lines)
        check("ghp_fakeGoodToken" not in err, "X-RateLimit-Reset: no token in the output")
        check(secs < 15, f"X-RateLimit-Reset: gave up in {secs:.1f} s")

    # ---- 3. a server that accepts and never answers ----------------------
    script({"/events": [{"delay": 60, "json": {"data": []}}]})
    rc, out, err, secs = dwhost("read", "tport", "--plugin-dir", TPORT, "--config", cfg, "--schema", "events",
                                "--allow-internal", "--http-timeout", "2", timeout=60)
    lines = error_lines(err)
    check(rc == 6, "stalled server: exit 6 (timed out)", f"rc={rc} {lines}")
    check(secs < 10, f"stalled server: gave up within the 2 s limit (took {secs:.1f} s)")
    check(len(lines) == 1 and "failed after 1 attempt: " in lines[0]
          and lines[0].endswith("; the request's time limit of 2 s is spent"),
          "stalled server: one line saying the request's time is spent", lines)
    check(served() == ["/events"], "stalled server: one attempt", served())
    # sync takes --http-timeout the same way (the run's dwh_host carries it)
    script({"/events": [{"delay": 60, "json": {"data": []}}]})
    rc, out, err, secs = dwhost("sync", "tport", "--plugin-dir", TPORT, "--config", cfg, "--schema", "events",
                                "--allow-internal", "--http-timeout", "2", "--warehouse",
                                os.path.join(tmp, "stall.db"), timeout=60)
    check(rc == 6 and secs < 10, f"stalled server, sync: exit 6 within the 2 s limit (rc={rc}, {secs:.1f} s)",
          error_lines(err))
    check("the request's time limit of 2 s is spent" in err, "stalled server, sync: the line says why",
          error_lines(err))
    rc, out, err, secs = dwhost("read", "tport", "--plugin-dir", TPORT, "--config", cfg, "--schema", "events",
                                "--http-timeout", "soon", timeout=30)
    check(rc == 2 and "--http-timeout 'soon' is not a whole number of seconds from 1 to 86400" in err,
          "--http-timeout soon: usage error", f"rc={rc} {err!r}")

    # ---- 4. an unreachable source stops the run after one schema ------------
    script({"/events": [{"json": {"data": [{"id": 1}, {"id": 2}], "links": {"next": None}}}]})
    rc, out, err, secs = sync(cfg, "--schema", "events")
    check(rc == 0, "live server: events synced", f"rc={rc} {err[-300:]}")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = s.getsockname()[1]
    s.close()  # nothing listens: connections are refused
    dead_cfg = config(f"http://127.0.0.1:{dead}", "dead.json")
    rc, out, err, secs = sync(dead_cfg, "--schema", "events", "--schema", "feed", "--schema", "users",
                              "--schema", "pages", "--json", "--log-level", "info")
    attempts = events(err, "http.request")
    check(rc == 6, "refused port: exit 6 (unreachable)", f"rc={rc} {error_lines(err)}")
    check(len(attempts) == 3 and {a["error_class"] for a in attempts} == {"connect"},
          "refused port: one schema's 3 attempts, not 4 x 3", [(a.get("url"), a.get("error_class")) for a in attempts])
    doc = json.loads(out) if out.strip() else {}
    statuses = [(x["schema"], x["status"]) for x in doc.get("schemas", [])]
    check(statuses == [("events", "failed"), ("feed", "not run"), ("users", "not run"), ("pages", "not run")],
          "refused port: the other schemas are 'not run'", statuses)
    lines = error_lines(err)
    check(len(lines) == 1 and "schema 'events' could not reach the source, so the 3 schemas after it (feed, users, "
          "pages) were not tried; what was committed is kept; rerun once the source can be reached" in lines[0],
          "refused port: the one line names what was not tried", lines)
    check(doc.get("exit_code") == 6 and doc.get("http", {}).get("requests") == 3, "refused port: --json agrees",
          {k: doc.get(k) for k in ("exit_code", "http")})
    db = sqlite3.connect(os.path.join(tmp, "w.db"))
    check(db.execute("select count(*) from tport_events").fetchone()[0] == 2,
          "refused port: the rows an earlier run committed are kept")
    db.close()
    # a reachable source with one failing schema still runs the others
    script({"/events": [{"status": 500, "json": {}}],
            "/feed": [{"json": {"items": [{"id": 1}], "meta": {}}}]})
    rc, out, err, secs = sync(cfg, "--schema", "events", "--schema", "feed", "--json")
    doc = json.loads(out) if out.strip() else {}
    check([(x["schema"], x["status"]) for x in doc.get("schemas", [])] == [("events", "failed"), ("feed", "ok")],
          "a 500 (the server answered) does not stop the run", doc.get("schemas"))

    # ---- 5. waiting counters: the time actually slept -----------------------
    script({"/events": [{"status": 429, "headers": {"Retry-After": "5"}}, {"json": {"data": []}}]})
    p = subprocess.Popen([BIN, "sync", "tport", "--plugin-dir", TPORT, "--config", cfg, "--allow-internal",
                          "--warehouse", os.path.join(tmp, "w.db"), "--schema", "events", "--json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env())
    deadline = time.monotonic() + 20
    while not served() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    doc = json.loads(out) if out.strip() else {}
    waited = doc.get("http", {}).get("rate_limit_wait_ms")
    check(p.returncode == 9, "Ctrl-C during a Retry-After wait: exit 9", f"rc={p.returncode} {error_lines(err)}")
    check(waited is not None and 700 <= waited < 4000,
          f"Ctrl-C after about 1 s of a 5 s wait: rate_limit_wait_ms {waited}, the time slept (not 5000)")
    script({"/events": [{"status": 429, "headers": {"Retry-After": "1"}}, {"json": {"data": []}}]})
    rc, out, err, secs = sync(cfg, "--schema", "events", "--json")
    doc = json.loads(out) if out.strip() else {}
    waited = doc.get("http", {}).get("rate_limit_wait_ms")
    check(rc == 0 and waited is not None and 1000 <= waited < 3000,
          f"Retry-After 1: rate_limit_wait_ms {waited}, at least the second waited", f"rc={rc}")
finally:
    try:
        urllib.request.urlopen(urllib.request.Request(base + "/__quit", method="POST"), timeout=5).read()
    except OSError:
        pass
    server.wait(timeout=10)

if failures:
    print(f"{len(failures)} failure(s)", file=sys.stderr)
    sys.exit(1)
print("ok")
