#!/usr/bin/env python3
"""`dwhost describe` on the bundled plugins (QA #21, #22): the field tree
stays aligned with long names, multi-line captions stay in their column,
form defaults show, and a source that lists schemas only with a config
(files) says how to list them and does with --config FILE."""
import atexit
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import check, done, run  # noqa: E402

BUILD = os.environ["DWHOST_BUILD_DIR"]
SRC = os.environ["DWHOST_SOURCE_DIR"]
PD = ["--plugin-dir", os.path.join(BUILD, "plugins")]

# files: incremental_field_type (22 chars) must not push its row out of line.
rc, out, err = run("describe", "files", *PD)
check(rc == 0, f"describe files: {rc} {err}")
config = out.split("\nconfig:\n", 1)[1].split("\n\n", 1)[0].splitlines()
top = [l for l in config if l.startswith("  ") and not l.startswith("   ")]
desc_cols = {l.index(l.split()[1], len(l.split()[0]) + 2) for l in top}
check(len(desc_cols) == 1, f"field descriptions start in one column: {sorted(desc_cols)}\n" + "\n".join(top))
check("schemas need a config: run 'dwhost describe files --config FILE' to list them" in out,
      f"how to list schemas: {out[-200:]!r}")

# With a config: its schemas.
tmp = tempfile.mkdtemp(prefix="dwh-describe-")
atexit.register(shutil.rmtree, tmp, True)  # nothing left behind, pass or fail
cfg = os.path.join(tmp, "files.json")
with open(cfg, "w") as f:
    json.dump({"directory": os.path.join(SRC, "examples", "files")}, f)
rc, out, err = run("describe", "files", "--config", cfg, *PD)
check(rc == 0 and "\nschemas:\n" in out and "customers" in out and "orders" in out,
      f"describe --config lists schemas: {rc} {out[-300:]!r} {err!r}")
rc, out, err = run("describe", "files", "--config", cfg, "--json", *PD)
doc = json.loads(out)
check(rc == 0 and doc["schemas_error"] is None and {s["name"] for s in doc["schemas"]} >= {"customers", "orders"},
      f"describe --config --json: {rc} {doc.get('schemas_error')}")
# An invalid config exits 4 with the check-style lines.
bad = os.path.join(tmp, "bad.json")
with open(bad, "w") as f:
    json.dump({"directory": os.path.join(SRC, "examples", "files"), "page_rowz": 5}, f)
rc, out, err = run("describe", "files", "--config", bad, *PD)
check(rc == 4 and "dwhost: config error at page_rowz:" in err and 'did you mean "page_rows"' in err,
      f"invalid --config: {rc} {err!r}")
rc, out, err = run("describe", "files", *PD, "--config")
check(rc == 2, f"--config without a file is a usage error: {rc}")
# A config file that cannot be read: the "(file)" line (text), the report under "config" (--json), exit 4.
missing = os.path.join(tmp, "missing.json")
rc, out, err = run("describe", "files", "--config", missing, *PD)
check(rc == 4 and err.startswith(f"dwhost: config error at (file): expected a readable config file at {missing}, got ")
      and "schemas not listed: the config is invalid (see above)" in out, f"unreadable --config: {rc} {err!r}")
rc, out, err = run("describe", "files", "--config", missing, "--json", *PD)
doc = json.loads(out)
check(rc == 4 and doc["schemas"] is None and doc["schemas_error"] == "invalid_config"
      and [e["path"] for e in doc["config"]["errors"]] == ["(file)"] and doc["config"]["warnings"] == [],
      f"unreadable --config --json: {rc} {doc.get('config')}")
# Relative {"$file"} references start at the config file's directory (not the working directory), and the
# resolved secret never reaches the output.
with open(os.path.join(tmp, "token.txt"), "w") as f:
    f.write("ghp_describeSecret0123456789")
ref = os.path.join(tmp, "ref.json")
with open(ref, "w") as f:
    json.dump({"personal_access_token": {"$file": "token.txt"}, "repository": "octo/hello"}, f)
rc, out, err = run("describe", "github", "--config", ref, "--json", *PD)
doc = json.loads(out)
check(rc == 0 and doc["config"]["errors"] == [] and doc["schemas"] and "ghp_describeSecret" not in out + err,
      f"describe --config with a relative $file reference: {rc} {doc.get('config')} {err!r}")
# --options reads the config as check does: an unreadable file is one line naming it, exit 4.
rc, out, err = run("describe", "github", "--options", "repository", "--config", missing, *PD)
check(rc == 4 and err == f"dwhost: describe github: invalid config: config error at (file): expected a readable "
      f"config file at {missing}, got an error: No such file or directory\n", f"--options, unreadable: {rc} {err!r}")

# github: a multi-line caption is indented under its own column, and
# per_page shows its default.
rc, out, err = run("describe", "github", *PD)
lines = out.splitlines()
i = next(k for k, l in enumerate(lines) if l.lstrip().startswith("personal_access_token"))
start = lines[i].index(" -- ") + 4
cont = lines[i + 1]
check(cont.startswith(" " * start) and not cont[start].isspace() and "Fine-grained" in cont,
      f"caption continuation indented to column {start}: {cont!r}")
check(any(l.lstrip().startswith("per_page") and "default 100" in l for l in lines), "per_page default 100 shown")
rc, out, err = run("describe", "github", "--json", "--no-schemas", *PD)
pp = next(f for f in json.loads(out)["fields"] if f["name"] == "per_page")
check(pp.get("default") in ("100", 100), f"per_page default in the form JSON: {pp}")

done()
