#!/usr/bin/env python3
"""tools/check_links.py on a small tree: it passes links to files, folders and
headings that exist (repeated headings get -1, -2; `code` and punctuation in
a heading follow GitHub's anchors), ignores links inside code, and fails,
naming the file, line and link, on a missing file or anchor."""
import os
import subprocess
import sys
import tempfile

SRC = os.environ.get("DWHOST_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
TOOL = os.path.join(SRC, "tools", "check_links.py")


def run(root):
    p = subprocess.run([sys.executable, TOOL, root], capture_output=True, text=True)
    return p.returncode, p.stdout


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


GOOD_PAGE = """# `dwhost sync`

## Errors and exit status

## Examples

## Examples

## Resume: how it is keyed, what it guarantees
"""

GOOD_README = """# x

See [sync](docs/cli/sync.md), [its errors](docs/cli/sync.md#errors-and-exit-status),
[the second Examples](docs/cli/sync.md#examples-1), [resume](docs/cli/sync.md#resume-how-it-is-keyed-what-it-guarantees),
[this page](#x), [a folder](docs/cli/), [the web](https://example.com/nope.md), [ref][r].

[r]: docs/cli/sync.md#examples

`[not a link](missing.md)`

```sh
echo "[not a link](missing.md)"
```
"""


def main():
    failures = []
    with tempfile.TemporaryDirectory() as root:
        write(root, "docs/cli/sync.md", GOOD_PAGE)
        write(root, "README.md", GOOD_README)
        write(root, "build/ignored.md", "[broken](nowhere.md)\n")        # build trees are skipped
        rc, out = run(root)
        if rc != 0:
            failures.append("a tree whose links all resolve failed (exit %d):\n%s" % (rc, out))

        bad = [
            ("[gone](docs/cli/read.md)", "link to docs/cli/read.md: no such file"),
            ("[anchor](docs/cli/sync.md#exit-codes)", "docs/cli/sync.md has no heading with the anchor #exit-codes"),
            ("[third](docs/cli/sync.md#examples-2)", "has no heading with the anchor #examples-2"),
            ("[local](#nope)", "README.md has no heading with the anchor #nope"),
        ]
        for link, expected in bad:
            write(root, "README.md", GOOD_README + "\nAlso " + link + ".\n")
            rc, out = run(root)
            line = len(GOOD_README.split("\n")) + 1
            if rc != 1 or expected not in out or ("README.md:%d:" % line) not in out:
                failures.append("%s: expected exit 1 and '%s' at README.md:%d, got exit %d:\n%s"
                                % (link, expected, line, rc, out))
    for f in failures:
        print("FAIL:", f)
    if not failures:
        print("check_links: good tree passes, %d broken links caught" % len(bad))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
