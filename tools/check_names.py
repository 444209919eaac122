#!/usr/bin/env python3
"""tools/check_names.py -- the two prefixes of libdwhost.

  dwh_  / DWH_   what host/include/dwhost.h promises to embedders (public)
  dwhi_ / DWHI_  everything inside host/src, host/cli and host/serve (internal)
  dw_   / DW_    the plugin SDK, sdk/dwsdk.h

SQLite's sqlite3_ against sqlite3Xxx and Redis's RedisModule_ against RM_ are
the model: a reader knows from a name alone whether an embedder may call it.
This check fails when

  - a file of host/src, host/cli, host/serve, tests or tools uses a dwh_ or DWH_ name that
    dwhost.h does not declare (rename it dwhi_/DWHI_, or declare it);
  - with --lib PATH: libdwhost.so exports a symbol that is not a function
    dwhost.h declares with DWH_API, or misses one it declares.

Prints one line per problem and exits 1 when there is any, 0 otherwise.

    tools/check_names.py [--root DIR] [--lib path/to/libdwhost.so]
"""
import os
import re
import subprocess
import sys

ROOT_DEFAULT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAME = re.compile(r"\b(dwh_[A-Za-z0-9_]+|DWH_[A-Za-z0-9_]+)\b")
API_FN = re.compile(r"DWH_API\b[^;(]*?\b(dwh_[a-z0-9_]+)\s*\(", re.S)
SCANNED = ("host/src", "host/cli", "host/serve", "tests", "tools", "bench", "plugins", "examples")


def public_names(header):
    with open(header, encoding="utf-8") as f:
        text = f.read()
    return set(NAME.findall(text)), set(API_FN.findall(text))


def main(argv):
    root, lib = ROOT_DEFAULT, None
    while argv:
        if argv[0] == "--root" and len(argv) > 1:
            root, argv = argv[1], argv[2:]
        elif argv[0] == "--lib" and len(argv) > 1:
            lib, argv = argv[1], argv[2:]
        else:
            print("usage: tools/check_names.py [--root DIR] [--lib PATH]", file=sys.stderr)
            return 2
    names, functions = public_names(os.path.join(root, "host", "include", "dwhost.h"))
    problems = []
    for top in SCANNED:
        for dp, _, fns in os.walk(os.path.join(root, top)):
            for fn in sorted(fns):
                if not fn.endswith((".c", ".h", ".cc", ".cpp", ".py")) or fn in ("check_names.py", "test_check_names.py"):
                    continue
                path = os.path.join(dp, fn)
                with open(path, encoding="utf-8", errors="replace") as f:
                    for n, line in enumerate(f, 1):
                        for name in NAME.findall(line):
                            if name not in names:
                                problems.append("%s:%d: %s is not declared in dwhost.h; internal names are "
                                                "dwhi_/DWHI_ (rename it), public ones are declared there"
                                                % (os.path.relpath(path, root), n, name))
    if lib:
        out = subprocess.run(["nm", "-D", "--defined-only", lib], capture_output=True, text=True, check=True).stdout
        exported = {line.split()[-1] for line in out.splitlines() if line.split() and line.split()[-2] in "TtWi"}
        for sym in sorted(exported - functions):
            problems.append("%s exports %s, which dwhost.h does not declare with DWH_API; hide it" % (lib, sym))
        for sym in sorted(functions - exported):
            problems.append("%s does not export %s, which dwhost.h declares; define it with DWH_API" % (lib, sym))
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print("check_names: %d problem(s)" % len(problems), file=sys.stderr)
        return 1
    print("check_names: %d public names in dwhost.h%s" % (
        len(names), ", %d exported functions match" % len(functions) if lib else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
