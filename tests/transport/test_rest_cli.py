#!/usr/bin/env python3
"""ABI 1.5 REST features through `dwhost read`, against the scripted server
(tests/servers/http_script_server.py) on 127.0.0.1:

  - a fan-out child answering 404 is ignored by the endpoint's response
    action: the other children's rows are printed, exit 0, one INFO line;
  - a FAIL response action ends the read with the plugin's message as the
    one error line and the exit code of its status (403: 5);
  - the auto paginator pages a body-cursor API;
  - a plugin built against the frozen 1.4 header reads its endpoint (a
    1.4-sized dw_endpoint) and has its kind-6 paginator refused (exit 4).

Usage: test_rest_cli.py RESTX_PLUGIN_DIR ABI14_PLUGIN_DIR"""
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request

BIN = os.environ["DWHOST_BIN"]
SRC = os.environ["DWHOST_SOURCE_DIR"]
RESTX_DIR, ABI_DIR = sys.argv[1], sys.argv[2]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}", file=sys.stderr)


server = subprocess.Popen([sys.executable, os.path.join(SRC, "tests/servers/http_script_server.py"),
                           "--idle-exit", "60"], stdout=subprocess.PIPE, text=True)
port = int(server.stdout.readline().split()[1])
base = f"http://127.0.0.1:{port}"


def script(routes):
    req = urllib.request.Request(base + "/__script", data=json.dumps({"routes": routes}).encode(), method="POST")
    urllib.request.urlopen(req, timeout=10).read()


def served():
    return [r["target"] for r in json.loads(urllib.request.urlopen(base + "/__log", timeout=10).read())]


tmp = tempfile.mkdtemp(prefix="dwh-restx-")
atexit.register(shutil.rmtree, tmp, True)  # nothing left behind, pass or fail
cfg = os.path.join(tmp, "config.json")
with open(cfg, "w") as f:
    json.dump({"base_url": base}, f)


def read(source, schema, plugin_dir, *extra):
    env = {k: v for k, v in os.environ.items() if k != "DWHOST_PLUGIN_PATH"}
    env["DWHOST_NO_DEFAULT_PLUGIN_DIR"] = "1"
    p = subprocess.run([BIN, "read", source, "--config", cfg, "--schema", schema, "--plugin-dir", plugin_dir,
                        "--allow-internal", *extra], capture_output=True, text=True, env=env, timeout=60)
    rows = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    return p.returncode, rows, p.stderr


def events(stderr, event):
    out = []
    for line in stderr.splitlines():
        if line.startswith("{"):
            doc = json.loads(line)
            if doc.get("event") == event:
                out.append(doc)
    return out


try:
    projects = {"json": {"data": [{"id": 1, "name": "A"}, {"id": 2, "name": "B"}, {"id": 3, "name": "C"}]}}
    # IGNORE: project 2 was deleted between the parent page and its tasks.
    script({"/projects": [projects],
            "/projects/1/tasks": [{"json": {"data": [{"id": 11}], "meta": {"next_cursor": "t2"}}}],
            "/projects/1/tasks?cursor=t2": [{"json": {"data": [{"id": 12}]}}],
            "/projects/2/tasks": [{"status": 404, "json": {"message": "Not Found"}}],
            "/projects/3/tasks": [{"json": {"data": [{"id": 31}]}}]})
    rc, rows, err = read("restx", "tasks", RESTX_DIR, "--log-format", "json", "--log-level", "info")
    check(rc == 0, f"ignored 404: exit 0, got {rc}: {err[-400:]!r}")
    check([r["id"] for r in rows] == [11, 12, 31], f"the other children synced: {rows}")
    check(all(r.get("project_name") for r in rows), f"parent fields copied: {rows}")
    ign = events(err, "rest.response_ignored")
    check(len(ign) == 1 and ign[0]["level"] == "info" and ign[0]["status"] == 404
          and ign[0]["url_template"] == "/projects/{pid}/tasks", f"one INFO line for the 404: {ign}")
    det = [d for d in events(err, "rest.paginator_detected") if d["level"] == "info"]
    check({d["paginator"] for d in det} == {"single", "cursor"}, f"auto choices logged: {det}")
    check(served().count("/projects/2/tasks") == 1, "the 404 was not retried")

    # FAIL: the plugin's message, exit 5 (a 403: the credentials lack a permission).
    script({"/projects": [projects],
            "/projects/1/tasks": [{"status": 403, "json": {"error": "plan_upgrade_required"}}]})
    rc, rows, err = read("restx", "tasks", RESTX_DIR)
    lines = [l for l in err.splitlines() if l.startswith("dwhost: ")]
    check(rc == 5, f"FAIL on 403: exit 5, got {rc}: {err[-400:]!r}")
    check(lines == ["dwhost: read: restx/tasks: Tasks need the Business plan: upgrade the workspace or deselect "
                    "the tasks table."], f"one error line with the plugin's message: {lines}")
    check(rows == [], f"no rows: {rows}")

    # A plugin built against the 1.4 header still reads.
    script({"/v14/items": [{"json": {"data": [{"id": 1}, {"id": 2}], "next": "/v14/items?page=2"}}],
            "/v14/items?page=2": [{"json": {"data": [{"id": 3}], "next": None}}]})
    rc, rows, err = read("abit_v14", "items", ABI_DIR)
    check(rc == 0 and [r["id"] for r in rows] == [1, 2, 3], f"1.4 plugin reads: {rc} {rows} {err[-300:]!r}")
    script({})
    rc, rows, err = read("abit_v14", "future", ABI_DIR)
    lines = [l for l in err.splitlines() if l.startswith("dwhost: ")]
    check(rc == 4 and len(lines) == 1 and "paginator kind 6 needs plugin ABI 1.5 but the plugin was built for 1.4"
          in lines[0], f"1.4 plugin with kind 6 refused: {rc} {lines}")
    check(served() == [], "refused before any request")
finally:
    try:
        urllib.request.urlopen(urllib.request.Request(base + "/__quit", method="POST"), timeout=5).read()
    except OSError:
        pass
    server.wait(timeout=10)

if failures:
    print(f"{len(failures)} check(s) failed", file=sys.stderr)
    sys.exit(1)
print("ok")
