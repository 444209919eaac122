"""crash_test.py -- `dwhost sync` killed for real, then rerun, must leave
exactly the tables of an uninterrupted run: no missing row, no duplicate.

Full refresh three ways: a first sync ("full": no table yet, so it writes
in place and its rows can be queried as they land; state write_mode
"full-first"), a refresh of an existing table ("full-again", --mode full:
staged and swapped in at the end, readers keep the old table until then),
and the same with --full-refresh ("refresh"): rerunning the same command
resumes the staged refresh instead of starting over, and --restart-refresh
starts it over.

Kills: the test-only hook DWHOST_TEST_CRASH_AT (SIGKILL at an exact point:
between staging a batch and its commit, right after a commit, before the
full-refresh swap), the pager plugin abort()ing mid-batch (contained: exit
11), and SIGKILLs at
timed moments.  Every write mode, pages smaller and larger than a batch,
ascending and descending sources.  Run with --state embedded or redis (the
latter starts its own redis-server), and with --warehouse postgres into
a PostgreSQL server the test starts (a database per scenario)."""
import argparse
import json
import os
import shlex
import signal
import time

from synctest import (check, done, env, has_table, rows, run, start, state, sync_args, tmpdir, use_postgres, warehouse,
                      write_config)

ap = argparse.ArgumentParser()
ap.add_argument("--state", choices=["embedded", "redis"], default="embedded")
ap.add_argument("--warehouse", choices=["sqlite", "postgres"], default="sqlite")
opts = ap.parse_args()
if opts.warehouse == "postgres":
    use_postgres()

redis = None
if opts.state == "redis":
    from redis_server import RedisServer
    redis = RedisServer().start()

TOTAL = 3000
LAYOUTS = [
    # pages smaller than a batch: batches end at resume points
    {"page_rows": 70, "batch": 500},
    # pages larger than a batch: batches are cut between resume points and
    # the rows past the last one are skipped when they are re-emitted
    {"page_rows": 700, "batch": 300},
]


def extra_args(mode, batch, d):
    a = ["--full-refresh"] if mode == "refresh" else ["--mode", mode]
    a += ["--batch-rows", str(batch), "--team-id", "t1"]
    if redis:
        # one source id per scenario keeps the Redis keys apart
        a += ["--state", redis.url, "--state-ttl", "3600", "--source-id", os.path.basename(d)]
    return a


def redis_key(d):
    return f"dwhost:resumable:t1:{os.path.basename(d)}/items"


def cli_mode(mode):
    return "full" if mode.startswith("full") else mode  # "refresh": --full-refresh


def sync(d, cfg, mode, batch, **envx):
    return run(sync_args(cfg, warehouse(d), *extra_args(cli_mode(mode), batch, d)), env(**envx))


PRIOR_ROWS = TOTAL // 2


def prepare(d, base_cfg, mode, batch, label):
    """full-again, refresh: the table already holds an earlier full sync (fewer rows)."""
    if mode not in ("full-again", "refresh"):
        return
    pcfg = write_config(d, **dict(base_cfg, total_rows=PRIOR_ROWS))
    rc, out, err = sync(d, pcfg, "full-again", batch)
    check(rc == 0, f"{label}: prior full sync exit {rc}: {err[-300:]}")


def live_count(d):
    from synctest import query
    try:
        return query(warehouse(d), "SELECT count(*) FROM pager_items")[0][0]
    except Exception:
        return None


def check_final(d, want, label, sort):
    db = warehouse(d)
    got = rows(db)
    check(got == want, f"{label}: final table differs from an uninterrupted run "
                       f"({len(got[1])} rows vs {len(want[1])})")
    ids = [r[0] for r in got[1]]
    check(len(ids) == len(set(ids)), f"{label}: duplicate ids")
    st = state(db)
    check(st and st["write_mode"] is None and st["resume"] is None, f"{label}: state not idle after the run: {st}")
    check(not rows_exist(db, "_dw_staging_pager_items"), f"{label}: staging table left behind")
    if st and st["last_value"] is not None:
        check(st["last_value"] == str(TOTAL), f"{label}: last_value {st['last_value']} != {TOTAL}")
        if sort == "desc":
            check(st["earliest_value"] == "1", f"{label}: earliest_value {st['earliest_value']} != 1")
    if redis:
        raw = redis.get(redis_key(d))
        check(raw is not None, f"{label}: no Redis state")
        if raw:
            rec = json.loads(raw)
            check(rec["seq"] == st["seq"], f"{label}: Redis seq {rec['seq']} != warehouse seq {st['seq']}")
            check(0 < redis.ttl(redis_key(d)) <= 3600, f"{label}: Redis TTL {redis.ttl(redis_key(d))}")


def rows_exist(db, table):
    from synctest import query
    return has_table(db, table)


def rerun_to_completion(d, cfg, mode, batch, label):
    rc, out, err = sync(d, cfg, mode, batch)
    check(rc == 0, f"{label}: rerun exit {rc}: {err[-600:]}")
    return rc


scenarios = 0
for layout in LAYOUTS:
    for mode in ["incremental", "full", "full-again", "refresh", "append"]:
        for sort in (["asc", "desc"] if mode == "incremental" else ["asc"]):
            base_cfg = {"total_rows": TOTAL, "page_rows": layout["page_rows"], "sort": sort, "partition": "md5"}
            name = f"{mode}/{sort}/pages{layout['page_rows']}/batch{layout['batch']}"
            # the reference: one uninterrupted run
            bd = tmpdir()
            prepare(bd, base_cfg, mode, layout["batch"], name)
            bcfg = write_config(bd, **base_cfg)
            rc, out, err = sync(bd, bcfg, mode, layout["batch"])
            check(rc == 0, f"{name}: baseline exit {rc}: {err[-500:]}")
            want = rows(warehouse(bd))
            check(len(want[1]) == TOTAL, f"{name}: baseline has {len(want[1])} rows")

            points = ["after-batch-commit:2", "before-batch-commit:3", "after-batch-commit:1"]
            if mode.startswith("full") or mode == "refresh":
                points.append("before-swap:1")
            want_mode = {"full": "full-first", "full-again": "full", "refresh": "full"}.get(mode, mode)
            for point in points:
                d = tmpdir()
                prepare(d, base_cfg, mode, layout["batch"], f"{name} {point}")
                cfg = write_config(d, **base_cfg)
                rc, _, err = sync(d, cfg, mode, layout["batch"], DWHOST_TEST_CRASH_AT=point)
                check(rc == -signal.SIGKILL, f"{name} {point}: expected SIGKILL, got {rc}: {err[-300:]}")
                if redis and point.startswith("before-batch-commit"):
                    st = state(warehouse(d))
                    rec = json.loads(redis.get(redis_key(d)))
                    check(rec["seq"] == (st["seq"] if st else 0) + 1,
                          f"{name} {point}: Redis should be one ahead of the warehouse")
                st = state(warehouse(d))
                check(point == "before-batch-commit:3" or (st and st["write_mode"] == want_mode),
                      f"{name} {point}: the interrupted run is not recorded: {st}")
                if mode in ("full-again", "refresh"):  # readers still see the old table
                    check(live_count(d) == PRIOR_ROWS, f"{name} {point}: the old table changed: {live_count(d)} rows")
                elif mode == "full" and point != "before-batch-commit:3":  # a first sync's rows are visible
                    check(live_count(d) == st["run_rows"], f"{name} {point}: {live_count(d)} rows visible, "
                                                           f"{st['run_rows']} committed")
                if point == "after-batch-commit:2":
                    # the rerun resumes, skipping rows committed past the resume point
                    rc, out, err = run(sync_args(cfg, warehouse(d), "--json",
                                                 *extra_args(cli_mode(mode), layout["batch"], d)))
                    check(rc == 0, f"{name} {point}: rerun exit {rc}: {err[-300:]}")
                    rep = json.loads(out)["schemas"][0]
                    check(rep["resumed"], f"{name} {point}: the rerun did not resume")
                    # the source was asked only for what follows the resume point
                    before = st["run_rows"] - st["rows_past_resume"]  # committed up to the resume point
                    check(mode == "incremental" or rep["rows"] + rep["skipped_replayed_rows"] == TOTAL - before,
                          f"{name} {point}: the rerun read {rep['rows']} + {rep['skipped_replayed_rows']} rows; "
                          f"{TOTAL - before} follow the resume point")
                    if layout["page_rows"] > layout["batch"] and mode != "incremental":
                        check(rep["skipped_replayed_rows"] > 0, f"{name} {point}: no replayed rows skipped")
                    check(rep["rows"] + st["run_rows"] - rep["skipped_replayed_rows"] <= TOTAL or mode == "incremental",
                          f"{name} {point}: rows do not add up: {rep}")
                else:
                    # a second crash on the resumed run, then completion
                    rc, _, err = sync(d, cfg, mode, layout["batch"], DWHOST_TEST_CRASH_AT="after-batch-commit:1")
                    check(rc in (0, -signal.SIGKILL), f"{name} {point} then again: exit {rc}: {err[-300:]}")
                    rerun_to_completion(d, cfg, mode, layout["batch"], f"{name} {point}")
                check_final(d, want, f"{name} {point}", sort)
                scenarios += 1

            if mode == "refresh":
                # --restart-refresh: the interrupted refresh is dropped, the
                # source read from the start, the result the same
                d = tmpdir()
                prepare(d, base_cfg, mode, layout["batch"], f"{name} restart")
                cfg = write_config(d, **base_cfg)
                rc, _, err = sync(d, cfg, mode, layout["batch"], DWHOST_TEST_CRASH_AT="after-batch-commit:2")
                check(rc == -signal.SIGKILL, f"{name} restart: expected SIGKILL, got {rc}")
                a = extra_args("refresh", layout["batch"], d)
                a[a.index("--full-refresh")] = "--restart-refresh"
                rc, out, err = run(sync_args(cfg, warehouse(d), "--json", *a))
                check(rc == 0, f"{name} restart: exit {rc}: {err[-300:]}")
                rep = json.loads(out)["schemas"][0] if rc == 0 else {}
                check(not rep.get("resumed") and rep.get("rows") == TOTAL and rep.get("skipped_replayed_rows") == 0,
                      f"{name} restart: did not start over: {rep}")
                check_final(d, want, f"{name} restart", sort)

                # Ctrl-C: the summary names both commands exactly; the first resumes
                d = tmpdir()
                prepare(d, base_cfg, mode, layout["batch"], f"{name} SIGINT")
                # ~1.5 s in all (~6 s into PostgreSQL: each look at its state
                # starts psql), interrupted once a batch is committed
                span = 6000 if opts.warehouse == "postgres" else 1500
                cfg = write_config(d, **dict(base_cfg, delay_ms=span * layout["page_rows"] // TOTAL))
                args = sync_args(cfg, warehouse(d), *extra_args("refresh", layout["batch"], d))
                p = start(args)
                deadline = time.time() + 30
                while time.time() < deadline and p.poll() is None and not ((state(warehouse(d)) or {})
                                                                          .get("write_mode")):
                    time.sleep(0.02)
                p.send_signal(signal.SIGINT)
                out, err = p.communicate(timeout=120)
                check(p.returncode == 9, f"{name} SIGINT: exit {p.returncode}: {err[-300:]}")
                check("rerun the same command to resume the refresh, or add --restart-refresh to start it over" in err,
                      f"{name} SIGINT: message {err[-300:]!r}")
                lines = {l.split(": ", 1)[0]: l.split(": ", 1)[1] for l in out.splitlines() if l.startswith("to ")}
                words = ["dwhost"] + args
                check(lines.get("to resume") == shlex.join(words),
                      f"{name} SIGINT: resume command {lines.get('to resume')!r}, want {shlex.join(words)!r}")
                restart = [w for w in words if w != "--full-refresh"] + ["--schema", "items", "--restart-refresh"]
                check(lines.get("to start the refresh of items over instead") == shlex.join(restart),
                      f"{name} SIGINT: restart command {out!r}")
                if lines.get("to resume"):
                    rc, out, err = run(shlex.split(lines["to resume"])[1:] + ["--json"])
                    rep = json.loads(out)["schemas"][0] if rc == 0 else {}
                    check(rc == 0 and rep["resumed"], f"{name} SIGINT: the named command did not resume: {rc} {rep}")
                check_final(d, want, f"{name} SIGINT", sort)
                scenarios += 2

            # the plugin aborts the whole process mid-batch
            d = tmpdir()
            prepare(d, base_cfg, mode, layout["batch"], f"{name} abort")
            cfg = write_config(d, **dict(base_cfg, abort_after_pages=(TOTAL // layout["page_rows"]) // 2))
            rc, _, err = sync(d, cfg, mode, layout["batch"])
            # contained by the crash guard: one line naming the plugin, exit 11
            check(rc == 11 and "plugin 'pager'" in err and "crashed with SIGABRT" in err,
                  f"{name} abort: expected exit 11 (plugin crashed), got {rc}: {err[-300:]}")
            cfg = write_config(d, **base_cfg)
            rerun_to_completion(d, cfg, mode, layout["batch"], f"{name} abort")
            check_final(d, want, f"{name} abort", sort)
            scenarios += 1

            # SIGKILL at timed moments, several runs in a row
            d = tmpdir()
            prepare(d, base_cfg, mode, layout["batch"], f"{name} timed kills")
            cfg = write_config(d, **dict(base_cfg, delay_ms=4))
            for delay in (0.15, 0.25, 0.1, 0.3):
                p = start(sync_args(cfg, warehouse(d), *extra_args(cli_mode(mode), layout["batch"], d)))
                time.sleep(delay)
                p.kill()
                p.communicate()
            rerun_to_completion(d, cfg, mode, layout["batch"], f"{name} timed kills")
            check_final(d, want, f"{name} timed kills", sort)
            scenarios += 1

            # an incremental rerun after completion adds nothing
            if mode == "incremental":
                rc, out, err = sync(d, cfg, mode, layout["batch"])
                check(rc == 0, f"{name}: second run exit {rc}")
                check_final(d, want, f"{name} second run", sort)

# ---- nothing orphaned: a run in another mode (or --reset) drops the staging
# table of an interrupted refresh it cannot continue, and says so
for other, extra in (("incremental", []), ("append", ["--reset"])):
    label = f"staging then {other} {' '.join(extra)}"
    d = tmpdir()
    db = warehouse(d)
    base_cfg = {"total_rows": TOTAL, "page_rows": 70}
    prepare(d, base_cfg, "refresh", 500, label)
    cfg = write_config(d, **base_cfg)
    rc, _, err = sync(d, cfg, "refresh", 500, DWHOST_TEST_CRASH_AT="after-batch-commit:2")
    check(rc == -signal.SIGKILL and rows_exist(db, "_dw_staging_pager_items"), f"{label}: no interrupted refresh: {rc}")
    rc, out, err = run(sync_args(cfg, db, *extra_args(other, 500, d), *extra))
    check(rc == 0, f"{label}: exit {rc}: {err[-300:]}")
    check("dropping _dw_staging_pager_items, the staging table of an interrupted full refresh: this "
          f"{other} run cannot continue it" in err, f"{label}: no line about the staging table: {err[-500:]}")
    check(not rows_exist(db, "_dw_staging_pager_items"), f"{label}: the staging table was left behind")
    from synctest import query
    check(query(db, "SELECT count(*) AS n, count(DISTINCT id) AS d FROM pager_items")[0][1] == TOTAL, f"{label}: rows")

print(f"{scenarios} crash scenarios with state={opts.state}, warehouse={opts.warehouse}")
if redis:
    redis.stop()
done()
