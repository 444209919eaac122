#!/usr/bin/env python3
"""The prefix check (tools/check_names.py): the tree and the built library
pass; an internal function named with the public prefix, or a public one the
library stops exporting, fails it with a line naming the file and the name."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

SRC = os.environ.get("DWHOST_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECK = os.path.join(SRC, "tools", "check_names.py")
LIB = os.environ.get("DWHOST_LIB")


def run(*args):
    p = subprocess.run([sys.executable, CHECK] + list(args), capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


class CheckNames(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = self.tmp.name
        for d in ("host/src", "host/cli", "host/include"):
            shutil.copytree(os.path.join(SRC, d), os.path.join(self.root, d))

    def tearDown(self):
        self.tmp.cleanup()

    def test_tree_and_library_pass(self):
        rc, out = run("--lib", LIB) if LIB else run()
        self.assertEqual(rc, 0, out)
        self.assertIn("public names in dwhost.h", out)

    def test_internal_name_with_public_prefix_fails(self):
        p = os.path.join(self.root, "host", "src", "base", "array_grow.c")
        with open(p, "a") as f:
            f.write("\nint dwh_sneaky_helper(void) { return 0; }\n")
        rc, out = run("--root", self.root)
        self.assertEqual(rc, 1, out)
        self.assertIn("host/src/base/array_grow.c", out)
        self.assertIn("dwh_sneaky_helper is not declared in dwhost.h", out)

    @unittest.skipUnless(LIB, "DWHOST_LIB not set")
    def test_declared_but_not_exported_fails(self):
        h = os.path.join(self.root, "host", "include", "dwhost.h")
        with open(h) as f:
            text = f.read()
        text = text.replace("#endif", "DWH_API int dwh_never_defined(void);\n#endif", 1) \
            if text.rstrip().endswith("#endif") else text + "\nDWH_API int dwh_never_defined(void);\n"
        with open(h, "w") as f:
            f.write(text)
        rc, out = run("--root", self.root, "--lib", LIB)
        self.assertEqual(rc, 1, out)
        self.assertIn("does not export dwh_never_defined", out)


if __name__ == "__main__":
    unittest.main()
