#!/usr/bin/env python3
"""tools/check_layers.py -- the include-direction check of libdwhost.

host/src is split into subsystem folders stacked in layers (ARCHITECTURE.md
"Layers"): a file may include headers of its own folder and of folders
BELOW it, never of a folder above it.  It also checks that

  - every file of host/src lives in a subsystem folder listed in LAYERS;
  - a header of another folder is included as "folder/name.h" (host/src is
    the include root), a header of the same folder plainly as "name.h";
  - a folder's *_int.h (what stays inside it) is included only from that
    folder (host/src and host/cli);
  - libcurl, SQLite and hiredis are included only in the folders that own
    them (LIBRARIES);
  - every entry of EXCEPTIONS is still needed (a stale one fails the check,
    so the table never claims a circle that is gone);
  - host/cli includes only dwhost.h, dwsdk.h, its own headers and base/,
    beyond the internal headers CLI_INTERNAL lists (which only shrinks).

Prints one line per problem ("file:line: what; what to do") and exits 1
when there is any, 0 (and one summary line) otherwise.  tools/test runs it
before building; the ctest `layers` runs it too.

    tools/check_layers.py [--root DIR]   DIR: the source tree (default: this one)
"""
import os
import re
import sys

# Bottom to top.  A folder may include itself and any folder listed before it.
LAYERS = [
    ("base", "self-contained helpers: UTF-8 text, files, ISO time, MD5, JSON paths and strict parse, scalars"),
    ("url", "URL text through libcurl's URL API: parse, resolve, origins, redaction, escaping, scrubbing"),
    ("crash", "crash containment: plugin-call marks, the fatal-signal handler and its message"),
    ("rows", "rows as cells: the batcher's arena, row views, watermarks, the streaming page parse"),
    ("log", "one structured log line for a given identity, scrubbed of the secret set it names"),
    ("registry", "plugin discovery, loading, ABI checks, the host-sized descriptor copy"),
    ("core", "one operation: dw_ctx, structured scrubbed logging, secrets, emit to a sink, row building"),
    ("transport", "tracked HTTP (libcurl transfers): sessions, attempts, redirects, retries, SSRF guard"),
    ("rest", "the declarative REST toolkit: endpoints, pages, paginators, response actions"),
    ("ops", "the dw_host_api function table and one plugin operation around a fresh ctx"),
    ("state", "the job state record, its Redis copy, lease owners"),
    ("queue", "sync jobs on a Redis stream: enqueue, the consumer group, takeover, retries, dead letters, run slots"),
    ("warehouse", "the warehouse (SQLite or PostgreSQL): tables, state, leases, runs, webhook inbox"),
    ("sync", "the sync pipeline: plan, per-schema runs, commits, writer thread, leases, history, reruns"),
    ("webhook", "webhook payloads checked and stored or dropped"),
    ("status", "dwhost status: a warehouse's jobs and runs"),
    ("config", "config files to validated configs; the credential check"),
    ("conformance", "the connector acceptance suite"),
    ("api", "the embedding API host/include/dwhost.h promises"),
]

# Headers every layer may include: the public ones.
PUBLIC = {"dwsdk.h", "dwhost.h"}

# Third-party headers and the only folders that may include them.
LIBRARIES = [
    ("<curl/", {"url", "transport"}, "libcurl"),
    ("<sqlite3.h>", {"warehouse"}, "SQLite"),
    ("<hiredis/", {"state", "queue"}, "hiredis"),
    ("<libpq-fe.h>", {"warehouse"}, "libpq"),
]

# (file under host/src, what it includes) -> why it is still allowed.
# Each names a circle issue 12 asks to break; remove the entry with the fix.
EXCEPTIONS = {
    # (file, include): why.  Empty: the registry's activation is handed the
    # function table by its callers (dwhi_plugin_activate's `api`).
}

# The CLI is a client of libdwhost (ARCHITECTURE.md "CLI"): a file of
# host/cli includes dwhost.h, dwsdk.h, its own headers and base/ (the
# self-contained helpers the tool shares with the library, as curl's tool
# shares curlx), nothing else.  CLI_INTERNAL would list an exception, with
# what dwhost.h does not offer yet; it is empty, and a stale entry fails
# the check.  (Issue 12 emptied it command by command: check through
# dwh_check_with; conformance through dwh_conformance; describe, and
# --config everywhere, through dwh_config_read_file and
# dwh_config_validate_text; webhook through dwh_webhook_push_plugin,
# dwh_webhook_drop_plugin and dwh_call; read through dwh_schema_check and
# dwh_read; sync through dwh_sync_plugin; call through dwh_call's outcome, cause and result_raw;
# discovery, --log-* and --http-timeout through the run's dwh_host.)
CLI_INTERNAL = {}

ROOT_DEFAULT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]')


def main(argv):
    root = ROOT_DEFAULT
    if len(argv) >= 2 and argv[0] == "--root":
        root = argv[1]
    elif argv:
        print("usage: tools/check_layers.py [--root DIR]", file=sys.stderr)
        return 2
    src = os.path.join(root, "host", "src")
    rank = {name: i for i, (name, _) in enumerate(LAYERS)}
    problems = []
    used = set()

    def scan(path, folder):
        """Checks one file; folder is None for files outside host/src."""
        rel = os.path.relpath(path, root)
        here = os.path.dirname(path)
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().split("\n")
        for n, line in enumerate(lines, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            kind, name = m.group(1), m.group(2)
            where = "%s:%d" % (rel, n)
            if kind == "<":
                for prefix, owners, lib in LIBRARIES:
                    if name.startswith(prefix.strip("<>")) and folder is not None and folder not in owners:
                        key = (os.path.relpath(path, src), "<%s>" % name)
                        if key in EXCEPTIONS:
                            used.add(key)
                            continue
                        places = " or ".join("%s/" % o for o in sorted(owners))
                        problems.append("%s: includes <%s>, but %s is used only in %s; call what %s offers"
                                        % (where, name, lib, places, places))
                continue
            if name in PUBLIC:
                continue
            if "/" in name:
                target = name.split("/", 1)[0]
                if target not in rank:
                    continue  # a test's or tool's own header, not libdwhost's
                if not os.path.isfile(os.path.join(src, name)):
                    problems.append("%s: includes \"%s\", which does not exist" % (where, name))
                    continue
                if name.endswith("_int.h") and target != folder:
                    problems.append("%s: includes \"%s\", which is internal to %s/; use the headers %s/ offers"
                                    % (where, name, target, target))
                    continue
                if folder is None:
                    if rel.startswith("host/cli/") and target != "base":
                        key = (os.path.basename(path), name)
                        if key in CLI_INTERNAL:
                            used.add(key)
                        else:
                            problems.append("%s: the CLI includes \"%s\"; use dwhost.h (the CLI is a client of "
                                            "libdwhost), or base/ for a self-contained helper" % (where, name))
                    continue
                if target == folder:
                    problems.append("%s: includes \"%s\" from its own folder; write \"%s\""
                                    % (where, name, name.split("/", 1)[1]))
                    continue
                if rank[target] > rank[folder]:
                    key = (os.path.relpath(path, src), name)
                    if key in EXCEPTIONS:
                        used.add(key)
                        continue
                    problems.append("%s: %s/ includes %s/ (\"%s\"), a layer above it; move the code or pass "
                                    "what it needs down (ARCHITECTURE.md \"Layers\")" % (where, folder, target, name))
            elif folder is not None and not os.path.isfile(os.path.join(here, name)):
                owner = [d for d in rank if os.path.isfile(os.path.join(src, d, name))]
                hint = ("write \"%s/%s\"" % (owner[0], name)) if owner else "no folder has it"
                problems.append("%s: includes \"%s\", which is not in %s/; %s" % (where, name, folder, hint))

    for entry in sorted(os.listdir(src)):
        p = os.path.join(src, entry)
        if not os.path.isdir(p):
            problems.append("host/src/%s: not in a subsystem folder; move it into one (LAYERS in %s)"
                            % (entry, os.path.relpath(__file__, ROOT_DEFAULT)))
            continue
        if entry not in rank:
            problems.append("host/src/%s/: a folder the layer table does not list; add it to LAYERS "
                            "in tools/check_layers.py and to ARCHITECTURE.md" % entry)
            continue
        for dp, _, fns in os.walk(p):
            for fn in sorted(fns):
                if fn.endswith((".c", ".h")):
                    scan(os.path.join(dp, fn), entry)
    # the clients of the library (the CLI, the service): any folder's
    # offered headers, never a folder's *_int.h
    for client in ("cli", "serve"):
        cdir = os.path.join(root, "host", client)
        if os.path.isdir(cdir):
            for fn in sorted(os.listdir(cdir)):
                if fn.endswith((".c", ".h")):
                    scan(os.path.join(cdir, fn), None)
    for key in sorted(set(CLI_INTERNAL) - used):
        problems.append("tools/check_layers.py: host/cli/%s no longer includes %s; remove it from CLI_INTERNAL" % key)
    for key in sorted(set(EXCEPTIONS) - used):
        problems.append("tools/check_layers.py: the exception for %s including %s is no longer needed; remove it"
                        % key)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print("check_layers: %d problem(s); the layers are in ARCHITECTURE.md \"Layers\"" % len(problems),
              file=sys.stderr)
        return 1
    print("check_layers: %d folders, includes point down only (%d listed exceptions); the CLI includes %d "
          "internal headers beyond dwhost.h and base/ (CLI_INTERNAL)" % (len(LAYERS), len(EXCEPTIONS), len(CLI_INTERNAL)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
