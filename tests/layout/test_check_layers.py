#!/usr/bin/env python3
"""The include-direction check (tools/check_layers.py): the tree as it is
passes, and each kind of wall-breaking include, put into a copy of
host/src, fails it with a line naming the file, the line and the folders."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

SRC = os.environ.get("DWHOST_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECK = os.path.join(SRC, "tools", "check_layers.py")


def run(root=None):
    args = [sys.executable, CHECK] + (["--root", root] if root else [])
    p = subprocess.run(args, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


class CheckLayers(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = self.tmp.name
        for d in ("host/src", "host/cli"):
            shutil.copytree(os.path.join(SRC, d), os.path.join(self.root, d))

    def tearDown(self):
        self.tmp.cleanup()

    def edit(self, rel, old, new):
        p = os.path.join(self.root, "host", rel)
        with open(p) as f:
            text = f.read()
        self.assertIn(old, text)
        with open(p, "w") as f:
            f.write(text.replace(old, new, 1))
        return text[: text.index(old)].count("\n") + 1  # the line edited

    def add_include(self, rel, inc):
        """Puts `inc` after the file's first #include; returns its line."""
        p = os.path.join(self.root, "host", rel)
        with open(p) as f:
            lines = f.read().split("\n")
        at = next(i for i, l in enumerate(lines) if l.startswith("#include")) + 1
        lines.insert(at, inc)
        with open(p, "w") as f:
            f.write("\n".join(lines))
        return at + 1

    def check_copy(self, old, new):
        """A copy of the check with `old` replaced by `new` (a table entry
        added), in the copied tree; returns a function running it."""
        os.mkdir(os.path.join(self.root, "tools"))
        with open(CHECK) as f:
            script = f.read()
        self.assertIn(old, script)
        copy = os.path.join(self.root, "tools", "check_layers.py")
        with open(copy, "w") as f:
            f.write(script.replace(old, new, 1))

        def run_copy():
            p = subprocess.run([sys.executable, copy, "--root", self.root], capture_output=True, text=True)
            return p.returncode, p.stdout + p.stderr
        return run_copy

    def test_the_tree_passes(self):
        rc, out = run()
        self.assertEqual(rc, 0, out)
        rc, out = run(self.root)
        self.assertEqual(rc, 0, out)
        self.assertIn("includes point down only", out)

    def test_upward_include_fails_naming_file_line_and_folders(self):
        line = self.add_include("src/base/text.c", '#include "sync/sync.h"')
        rc, out = run(self.root)
        self.assertEqual(rc, 1, out)
        self.assertIn('host/src/base/text.c:%d: base/ includes sync/ ("sync/sync.h"), a layer above it' % line, out)

    def test_same_layer_and_downward_includes_pass(self):
        self.add_include("src/sync/sync.c", '#include "base/text.h"')
        rc, out = run(self.root)
        self.assertEqual(rc, 0, out)

    def test_other_folders_header_without_its_folder_fails(self):
        line = self.add_include("src/sync/sync.c", '#include "text.h"')
        rc, out = run(self.root)
        self.assertEqual(rc, 1, out)
        self.assertIn('host/src/sync/sync.c:%d: includes "text.h", which is not in sync/; write "base/text.h"' % line, out)

    def test_internal_header_of_another_folder_fails(self):
        line = self.add_include("src/api/host.c", '#include "sync/sync_int.h"')
        rc, out = run(self.root)
        self.assertEqual(rc, 1, out)
        self.assertIn('host/src/api/host.c:%d: includes "sync/sync_int.h", which is internal to sync/' % line, out)
        line = self.add_include("cli/main.c", '#include "warehouse/warehouse_int.h"')
        rc, out = run(self.root)
        self.assertIn('host/cli/main.c:%d: includes "warehouse/warehouse_int.h", which is internal to warehouse/' % line, out)

    def test_libcurl_outside_its_folders_fails(self):
        line = self.add_include("src/sync/sync.c", "#include <curl/curl.h>")
        rc, out = run(self.root)
        self.assertEqual(rc, 1, out)
        self.assertIn("host/src/sync/sync.c:%d: includes <curl/curl.h>, but libcurl is used only in transport/ or url/" % line, out)

    def test_libpq_outside_warehouse_fails(self):
        line = self.add_include("src/sync/sync.c", "#include <libpq-fe.h>")
        rc, out = run(self.root)
        self.assertEqual(rc, 1, out)
        self.assertIn("host/src/sync/sync.c:%d: includes <libpq-fe.h>, but libpq is used only in warehouse/" % line, out)

    def test_file_outside_a_folder_and_unknown_folder_fail(self):
        open(os.path.join(self.root, "host/src/stray.c"), "w").close()
        os.mkdir(os.path.join(self.root, "host/src/misc"))
        rc, out = run(self.root)
        self.assertEqual(rc, 1, out)
        self.assertIn("host/src/stray.c: not in a subsystem folder", out)
        self.assertIn("host/src/misc/: a folder the layer table does not list", out)

    def test_a_listed_exception_allows_its_include_and_must_stay_needed(self):
        # A copy of the check with one more exception: base/text.c may
        # include sync/sync.h.  Without that include, the entry is stale.
        run_copy = self.check_copy("EXCEPTIONS = {\n", 'EXCEPTIONS = {\n    ("base/text.c", "sync/sync.h"): "test",\n')
        rc, out = run_copy()
        self.assertEqual(rc, 1, out)
        self.assertIn("the exception for base/text.c including sync/sync.h is no longer needed; remove it", out)
        self.add_include("src/base/text.c", '#include "sync/sync.h"')
        rc, out = run_copy()
        self.assertEqual(rc, 0, out)

    def test_cli_internal_include_fails_and_the_list_only_shrinks(self):
        # A new internal include in the CLI fails, naming the file and what to use.
        line = self.add_include("cli/cmd_list_plugins.c", '#include "sync/sync.h"')
        rc, out = run(self.root)
        self.assertEqual(rc, 1, out)
        self.assertIn('host/cli/cmd_list_plugins.c:%d: the CLI includes "sync/sync.h"; use dwhost.h' % line, out)
        # base/ helpers are fine for the CLI.
        p = os.path.join(self.root, "host", "cli", "cmd_list_plugins.c")
        with open(p) as f:
            text = f.read()
        with open(p, "w") as f:
            f.write(text.replace('#include "sync/sync.h"', '#include "base/text.h"', 1))
        rc, out = run(self.root)
        self.assertEqual(rc, 0, out)
        # An entry of CLI_INTERNAL allows its include (a copy of the check
        # with one entry), and fails once the CLI no longer includes it.
        run_copy = self.check_copy("CLI_INTERNAL = {}\n",
                                   'CLI_INTERNAL = {("cmd_list_plugins.c", "sync/sync.h"): "test"}\n')
        rc, out = run_copy()
        self.assertEqual(rc, 1, out)
        self.assertIn("host/cli/cmd_list_plugins.c no longer includes sync/sync.h; remove it from CLI_INTERNAL", out)
        self.add_include("cli/cmd_list_plugins.c", '#include "sync/sync.h"')
        rc, out = run_copy()
        self.assertEqual(rc, 0, out)

if __name__ == "__main__":
    unittest.main(verbosity=2)
