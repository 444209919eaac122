"""test_signals.py -- Ctrl-C (SIGINT) and SIGTERM end every command the same
way (host/cli/cli_signal.h): exit 9 and one line "dwhost: CMD: interrupted
... (SIGINT); <what was kept, how to go on>" on stderr.  The commands that
run a source (check, read, sync) stop at their next safe point; the others
(conformance here) at once -- also while conformance has redirected its
standard error; a second signal stops any command at once."""
import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

from clitest import BIN, BUILD, check, done, env

PAGER = ["--plugin-dir", os.path.join(BUILD, "test-plugins")]
BUNDLED = ["--plugin-dir", os.path.join(BUILD, "plugins")]
tmp = tempfile.mkdtemp(prefix="dwh-signals.")
atexit.register(shutil.rmtree, tmp, True)


def write(name, doc):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        json.dump(doc, f)
    return path


# 100 pages of 10 rows, 100 ms each: about 10 s, interrupted after 1 s
slow = write("pager.json", {"total_rows": 1000, "page_rows": 10, "delay_ms": 100})


def interrupt(args, sig=signal.SIGINT, after=1.0, then=None):
    """Runs dwhost ARGS, sends `sig` after `after` s (and `then` with it:
    both arrive before the process runs on), returns (exit code, stdout, stderr lines, seconds it took to
    stop after the signal)."""
    p = subprocess.Popen([BIN, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(),
                         cwd=tmp)
    time.sleep(after)
    running = p.poll() is None
    if then:
        # both signals pending before it runs again: stopped while they are sent
        p.send_signal(signal.SIGSTOP)
        while open(f"/proc/{p.pid}/stat").read().rsplit(")", 1)[1].split()[0] != "T":
            time.sleep(0.01)
    p.send_signal(sig)
    if then:
        p.send_signal(then)
        p.send_signal(signal.SIGCONT)
    t0 = time.monotonic()
    out, err = p.communicate(timeout=60)
    took = time.monotonic() - t0
    check(running, f"{args[0]} was still running when signalled")
    return p.returncode, out, [l for l in err.splitlines() if l.startswith("dwhost:")], took


# sync: stops after its current batch; the summary names the command that resumes
wh = os.path.join(tmp, "w.db")
rc, out, errs, took = interrupt(["sync", "pager", "--config", slow, "--warehouse", wh, "--batch-rows", "10", *PAGER])
check(rc == 9, f"sync SIGINT: exit {rc}")
check(len(errs) == 1 and errs[0].startswith("dwhost: sync: interrupted (SIGINT); "), f"sync SIGINT line: {errs}")
check("to resume: dwhost sync pager" in out, f"sync SIGINT names the command that resumes: {out[-300:]!r}")
check(took < 5, f"sync stopped {took:.1f} s after the signal")

# SIGTERM is the same, named
rc, out, errs, took = interrupt(["sync", "pager", "--config", slow, "--warehouse", wh, *PAGER], signal.SIGTERM)
check(rc == 9 and len(errs) == 1 and errs[0].startswith("dwhost: sync: interrupted (SIGTERM); "),
      f"sync SIGTERM: exit {rc} {errs}")

# read: every printed row complete, the line names the resume point
state = os.path.join(tmp, "read.state")
rc, out, errs, took = interrupt(["read", "pager", "--config", slow, "--schema", "items", "--state-out", state, *PAGER])
got = [json.loads(l)["id"] for l in out.splitlines()]
check(rc == 9 and len(errs) == 1 and errs[0].startswith(f"dwhost: read: interrupted after {len(got)} rows of "
                                                        "pager/items (SIGINT); resume with --state-in "),
      f"read SIGINT: exit {rc} {errs}")
check(0 < len(got) < 1000 and got == list(range(1, len(got) + 1)), f"read SIGINT: {len(got)} complete rows")

# check against a server that accepts and never answers: the request is cut
# short, not waited out (--http-timeout 60)
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(8)
held = []
threading.Thread(target=lambda: [held.append(srv.accept()) for _ in range(8)], daemon=True).start()
stripe = write("stripe.json", {"stripe_secret_key": "sk_test_abcdefgh12345678",
                               "advanced": {"enabled": True, "api_base": f"http://127.0.0.1:{srv.getsockname()[1]}"}})
rc, out, errs, took = interrupt(["check", "stripe", "--config", stripe, "--allow-internal", "--http-timeout", "60",
                                 *BUNDLED])
check(rc == 9 and len(errs) == 1 and errs[0].startswith("dwhost: check: interrupted (SIGINT); stripe: "),
      f"check SIGINT: exit {rc} {errs}")
check(took < 5, f"check stopped {took:.1f} s after the signal, not after --http-timeout")

# a second signal stops at once
rc, out, errs, took = interrupt(["check", "stripe", "--config", stripe, "--allow-internal", "--http-timeout", "60",
                                 *BUNDLED], signal.SIGINT, then=signal.SIGTERM)
# (which of the two the kernel delivers first is its choice)
check(rc == 9 and len(errs) == 1 and errs[0] in [f"dwhost: check: interrupted again ({s}); stopped at once, what was "
                                                  "committed is kept" for s in ("SIGINT", "SIGTERM")],
      f"second signal: exit {rc} {errs}")
srv.close()

# conformance: stops at once, its line reaches the real stderr although the
# suite captures fds 1 and 2 while the plugin runs
rc, out, errs, took = interrupt(["conformance", "pager", "--config", slow, *PAGER], after=1.5)
check(rc == 9 and errs == ["dwhost: conformance: interrupted (SIGINT); stopped at once"],
      f"conformance SIGINT: exit {rc} {errs}")
check(took < 2, f"conformance stopped {took:.1f} s after the signal")
done()
