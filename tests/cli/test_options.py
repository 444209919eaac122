"""test_options.py -- every command's options, declared once in its table
(host/cli/cli_options.h), are accepted by the parser and documented the
same in `dwhost CMD --help`, in the man page (build/dwhost.1) and in the
bash completion (build/dwhost.bash-completion, `dwhost completion bash`).
The man page renders without warnings (groff), and the completion
completes commands, options and option values in bash."""
import os
import re
import shutil
import subprocess

from clitest import BIN, BUILD, check, done, run

# The options each command had before the tables, from their hand-written
# help: none may be lost, none may be undocumented.  (name, takes a value)
COMMON_LOG = [("log-level", 1), ("log-format", 1), ("log-file", 1)]
EXPECTED = {
    "list-plugins": [("plugin-dir", 1), ("plugin-pins", 1), ("json", 0), ("activate", 0), ("help", 0)],
    "describe": [("config", 1), ("plugin-dir", 1), ("plugin-pins", 1), ("json", 0), ("no-schemas", 0), ("options", 1),
                 ("allow-internal", 0), ("help", 0)],
    "call": [("config", 1), ("args-json", 1), ("plugin-dir", 1), ("plugin-pins", 1), ("json", 0), ("allow-internal", 0),
             ("http-timeout", 1), *COMMON_LOG, ("help", 0)],
    "check": [("config", 1), ("schema", 1), ("plugin-dir", 1), ("plugin-pins", 1), ("json", 0), ("allow-internal", 0),
              ("http-timeout", 1), *COMMON_LOG, ("help", 0)],
    "read": [("plugin-dir", 1), ("plugin-pins", 1), ("schema", 1), ("config", 1), ("limit", 1), ("state-in", 1), ("state-out", 1),
             ("reset", 0), ("incremental-field", 1), ("last-value", 1), ("earliest-value", 1),
             ("allow-internal", 0), ("http-timeout", 1), *COMMON_LOG, ("help", 0)],
    "sync": [("config", 1), ("schema", 1), ("warehouse", 1), ("table-prefix", 1), ("state", 1), ("state-ttl", 1),
             ("state-timeout", 1), ("state-namespace", 1), ("mode", 1), ("full-refresh", 0),
             ("restart-refresh", 0), ("reset", 0), ("incremental-field", 1), ("batch-rows", 1),
             ("batch-bytes", 1), ("team-id", 1), ("source-id", 1), ("job-id", 1), ("break-lease", 0), ("json", 0),
             ("output", 1), ("allow-internal", 0), ("isolate", 0), ("heartbeat-timeout", 1), ("memory-limit", 1),
             ("http-timeout", 1), ("plugin-dir", 1), ("plugin-pins", 1), *COMMON_LOG, ("help", 0)],
    "status": [("warehouse", 1), ("history", 0), ("limit", 1), ("json", 0), ("help", 0)],
    "conformance": [("config", 1), ("schema", 1), ("json", 0), ("max-rows", 1), ("allow-internal", 0),
                    ("structural", 0), ("verbose", 0), ("plugin-dir", 1), ("plugin-pins", 1), ("help", 0)],
    "webhook": [("config", 1), ("payload", 1), ("signature-header", 1), ("warehouse", 1), ("team-id", 1), ("source-id", 1),
                ("state-namespace", 1), ("drop", 1), ("url", 1), ("allow-internal", 0), ("json", 0), ("plugin-dir", 1), ("plugin-pins", 1),
                *COMMON_LOG, ("help", 0)],
    "requeue": [("queue", 1), ("all", 0), ("json", 0), ("help", 0)],
}
SHORT = {"help": "h", "verbose": "v"}

man_path = os.path.join(BUILD, "dwhost.1")
comp_path = os.path.join(BUILD, "dwhost.bash-completion")
man = open(man_path).read() if os.path.exists(man_path) else ""
comp = open(comp_path).read() if os.path.exists(comp_path) else ""
check(man.startswith(".\\\"") and ".TH DWHOST 1" in man, f"the build wrote {man_path}")
check("complete -F _dwhost dwhost" in comp, f"the build wrote {comp_path}")
rc, out, err = run("completion", "bash")
check(rc == 0 and out == comp, "`dwhost completion bash` prints what the build installed")
rc, out, err = run("--man")
check(rc == 0 and out == man, "`dwhost --man` prints what the build installed")

rc, main_help, err = run("--help")
for cmd, opts in EXPECTED.items():
    check(re.search(rf"^  {re.escape(cmd)} +\S", main_help, re.M) is not None, f"dwhost --help lists {cmd}")
    rc, out, err = run(cmd, "--help")
    check(rc == 0 and out.startswith(f"usage: dwhost {cmd}") and "\noptions:\n" in out and "exit status" in out,
          f"{cmd} --help: rc={rc}")
    helped = set(re.findall(r"^  (?:-\w, )?--([a-z-]+)", out, re.M))
    check(helped == {n for n, _ in opts}, f"{cmd} --help documents exactly its options: "
          f"missing {sorted({n for n, _ in opts} - helped)}, extra {sorted(helped - {n for n, _ in opts})}")
    # the man page: the command's section holds every option
    sec = man.split(f'.SS "dwhost {cmd}"', 1)[-1].split(".SS ", 1)[0] if f'.SS "dwhost {cmd}"' in man else ""
    check(sec != "", f"the man page has a section for {cmd}")
    # the completion: the command's case offers every option
    case = re.search(rf"^    {re.escape(cmd)}\)\n(.*?)^        return ;;", comp, re.M | re.S)
    case = case.group(1) if case else ""
    check(case != "", f"the completion has a case for {cmd}")
    for name, takes_value in opts:
        roff_name = "\\-\\-" + name.replace("-", "\\-")
        check(roff_name in sec, f"man page: {cmd} --{name}")
        check(re.search(rf'[" ]--{re.escape(name)}[ "]', case) is not None, f"completion: {cmd} --{name}")
        if name in SHORT:
            check(f"-{SHORT[name]}, --{name}" in out, f"{cmd} --help shows -{SHORT[name]}")
        if name == "help":
            continue
        # the parser knows the option and whether it takes a value
        if takes_value:
            rc, _, err = run(cmd, f"--{name}")
            check(rc == 2 and f"--{name} needs" in err and len(err.splitlines()) == 1,
                  f"{cmd} --{name} without a value: rc={rc} {err!r}")
        else:
            rc, _, err = run(cmd, f"--{name}=yes")
            check(rc == 2 and f"--{name} takes no value" in err, f"{cmd} --{name}=yes: rc={rc} {err!r}")
            rc, hout, err = run(cmd, f"--{name}", "--help")
            check(rc == 0 and hout == out, f"{cmd} accepts --{name}: rc={rc} {err!r}")

# One parser for all: the same lines for the same mistakes in every command.
for cmd, opts in EXPECTED.items():
    takes_source = cmd not in ("list-plugins", "status")
    rc, _, err = run(cmd, "--no-such-option")
    word = "option" if takes_source else "argument"
    check(rc == 2 and err == f"dwhost: {cmd}: unknown {word} '--no-such-option'; run 'dwhost {cmd} --help'\n",
          f"{cmd}: unknown option line: {err!r}")
    if takes_source and cmd not in ("call", "requeue"):  # call <source> <action> [NAME=VALUE]...; requeue ID...
        rc, _, err = run(cmd, "a", "b")
        check(rc == 2 and "give one source name (got 'a' and 'b')" in err, f"{cmd}: two sources: {err!r}")
    rc, out, err = run("help", cmd)
    rc2, out2, _ = run(cmd, "-h")
    check(rc == 0 and rc2 == 0 and out == out2, f"dwhost help {cmd} is {cmd} -h")
# The number parsers (cli_options.c): one line naming the option, its unit and the value, in every command
# that takes a number of something; the option's target keeps nothing of a refused value.
NUMBERS = [
    (("sync", "files", "--config", "x.json", "--state-ttl", "0"),
     "--state-ttl wants a positive whole number of seconds, got '0'"),
    (("sync", "files", "--config", "x.json", "--state-timeout", "1.5"),
     "--state-timeout wants a positive whole number of milliseconds, got '1.5'"),
    (("sync", "files", "--config", "x.json", "--memory-limit", "lots"),
     "--memory-limit wants a positive whole number of MiB, got 'lots'"),
    (("sync", "files", "--config", "x.json", "--heartbeat-timeout", "-3"),
     "--heartbeat-timeout wants a positive whole number of seconds, got '-3'"),
    (("sync", "files", "--config", "x.json", "--batch-rows", "5x"),
     "--batch-rows wants a positive number of rows (e.g. 5000, 64k, 200M), got '5x'"),
    (("sync", "files", "--config", "x.json", "--batch-bytes", "-1M"),
     "--batch-bytes wants a positive number of bytes (e.g. 5000, 64k, 200M), got '-1M'"),
    (("sync", "files", "--config", "x.json", "--batch-bytes", "99999999999999999G"),
     "--batch-bytes wants a positive number of bytes (e.g. 5000, 64k, 200M), got '99999999999999999G'"),
    (("serve", "--stop-grace", "soon"), "--stop-grace wants a positive whole number of seconds, got 'soon'"),
    (("serve", "--memory-limit", "0"), "--memory-limit wants a positive whole number of MiB, got '0'"),
    (("serve", "--max-runs", "many"), "--max-runs wants a positive whole number, got 'many'"),
    (("worker", "--queue", "redis://127.0.0.1:1", "--lease-timeout", "1m"),
     "--lease-timeout wants a positive whole number of seconds, got '1m'"),
    (("enqueue", "files", "--queue", "redis://127.0.0.1:1", "--batch-rows", "0"),
     "--batch-rows wants a positive whole number of rows, got '0'"),
]
for argv, line in NUMBERS:
    rc, _, err = run(*argv)
    check(rc == 2 and err == f"dwhost: {argv[0]}: {line}; run 'dwhost {argv[0]} --help'\n",
          f"{' '.join(argv)}: rc={rc} {err!r}")

# "--" ends the options: a source named like an option
rc, _, err = run("describe", "--", "--json")
check(rc == 3 and "no source named '--json'" in err, f"describe -- --json: rc={rc} {err!r}")

# The man page renders without a warning.
if shutil.which("groff") and man:
    p = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", man_path], capture_output=True, text=True)
    check(p.returncode == 0 and p.stderr == "", f"groff -ww renders dwhost.1 without warnings: {p.stderr[:500]}")
    p = subprocess.run(["groff", "-man", "-Tutf8", man_path], capture_output=True, text=True)
    text = re.sub(r".\x08", "", p.stdout)
    check("--state-namespace NS" in text and "EXIT STATUS" in text and "SIGNALS" in text,
          "the rendered page shows options as typed (--state-namespace NS), exit status and signals")

# The completion completes in bash.
def complete(line):
    """COMPREPLY for the command line `line` (completing its last word)."""
    words = line.split(" ")
    script = (f"source {comp_path}\nCOMP_WORDS=({' '.join(repr(w) for w in words)})\n"
              f"COMP_CWORD={len(words) - 1}\n_dwhost\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n")
    env = dict(os.environ, PATH=os.path.dirname(BIN) + ":" + os.environ.get("PATH", ""))
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], capture_output=True, text=True, env=env)
    return sorted(w for w in p.stdout.split("\n") if w)

if shutil.which("bash") and comp:
    check(complete("dwhost sy") == ["sync"], f"dwhost sy<TAB>: {complete('dwhost sy')}")
    check(complete("dwhost sync --mo") == ["--mode"], f"sync --mo<TAB>: {complete('dwhost sync --mo')}")
    check(complete("dwhost sync --mode ") == ["append", "full", "incremental"],
          f"sync --mode <TAB>: {complete('dwhost sync --mode ')}")
    check(complete("dwhost check --log-level ") == ["debug", "error", "info", "warn"],
          f"check --log-level <TAB>: {complete('dwhost check --log-level ')}")
    check(complete("dwhost help con") == ["conformance"], f"help con<TAB>: {complete('dwhost help con')}")
    got = complete("dwhost status --")
    check(got == sorted(["--warehouse", "--history", "--limit", "--json", "--help"]), f"status --<TAB>: {got}")
    # a source name: the plugins this dwhost finds (the build tree's)
    check("files" in complete("dwhost describe fi"), f"describe fi<TAB>: {complete('dwhost describe fi')}")
done()
