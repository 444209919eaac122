#!/usr/bin/env python3
"""tools/check_links.py -- every relative link in the project's Markdown
resolves: the file (or folder) exists, and a #anchor names a heading of the
target page (GitHub's anchors: lowercased, punctuation dropped, spaces as
hyphens, -1, -2 ... for repeats).  Links to http(s)/mailto are not checked.

    tools/check_links.py [ROOT]      # default: the repository holding this file

Checks README.md, CHANGELOG.md and every other *.md under ROOT except build
trees, .git and tools/templates (scaffold text with {{placeholders}}).
Prints one line per broken link, FILE:LINE: what is wrong, and exits 1;
exits 0 when every link resolves.  Run by the ctest docs_links."""
import os
import re
import sys
import unicodedata

SKIP_DIRS = {".git", "templates"}


def md_files(root):
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if x not in SKIP_DIRS and not x.startswith("build")
                         and not os.path.exists(os.path.join(d, x, "CMakeCache.txt")))
        for f in sorted(files):
            if f.endswith(".md"):
                yield os.path.join(d, f)


def prose_lines(text, keep_code=False):
    """(line number, line) outside fenced code blocks; inline code spans
    removed unless keep_code (headings keep theirs: `x` counts in anchors)."""
    fence = None
    for n, line in enumerate(text.split("\n"), 1):
        m = re.match(r"^\s*(```+|~~~+)", line)
        if m:
            if fence is None:
                fence = m.group(1)[0] * 3
            elif m.group(1).startswith(fence):
                fence = None
            continue
        if fence is None and keep_code:
            yield n, line
        elif fence is None:
            yield n, re.sub(r"(`+)(?:(?!\1).)+?\1", "", line)


def slug(heading):
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)    # [text](url) -> text
    text = text.replace("`", "").strip().lower()
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "-_" or cat[0] in "LN":
            out.append(ch)
        elif ch == " ":
            out.append("-")
    return "".join(out)


_anchor_cache = {}


def anchors(path):
    if path not in _anchor_cache:
        seen, found = {}, set()
        with open(path, encoding="utf-8") as f:
            for _, line in prose_lines(f.read(), keep_code=True):
                m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
                if not m:
                    continue
                s = slug(m.group(1))
                k = seen.get(s, 0)
                found.add(s if k == 0 else "%s-%d" % (s, k))
                seen[s] = k + 1
        _anchor_cache[path] = found
    return _anchor_cache[path]


LINK = re.compile(r"\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REF = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)")


def check(root):
    problems = []
    for md in md_files(root):
        with open(md, encoding="utf-8") as f:
            text = f.read()
        rel_md = os.path.relpath(md, root)
        for n, line in prose_lines(text):
            targets = [m.group(1) for m in LINK.finditer(line)]
            m = REF.match(line)
            if m:
                targets.append(m.group(1))
            for t in targets:
                if re.match(r"^[a-z][a-z0-9+.-]*:", t, re.I):   # http:, https:, mailto:
                    continue
                path, _, anchor = t.partition("#")
                dest = md if path == "" else os.path.normpath(os.path.join(os.path.dirname(md), path))
                where = "%s:%d" % (rel_md, n)
                if not os.path.exists(dest):
                    problems.append("%s: link to %s: no such file (%s)" % (where, t, os.path.relpath(dest, root)))
                elif anchor and os.path.isfile(dest) and dest.endswith(".md") and anchor not in anchors(dest):
                    problems.append("%s: link to %s: %s has no heading with the anchor #%s"
                                    % (where, t, os.path.relpath(dest, root), anchor))
    return problems


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1
                           else os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    problems = check(root)
    for p in problems:
        print(p)
    if problems:
        print("check_links: %d broken link(s); fix the path or the #anchor (a heading's text, lowercased, "
              "spaces as -)" % len(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
