"""bench/watch_scale: what 1000 watch tasks cost on this machine, and how fast a cancellation
is noticed.

The Better simulator runs in its own process (`autobook sandbox`), the worker in another (the
real `autobook worker`, on a SQLite database in a temporary folder), and this script only sets
up, samples and reads logs. Every wanted session is full; the tasks' first checks are spread
over one poll interval, as in a service that has been running a while (all due at once would
measure a start-up burst instead). At known instants the script frees one court of a session
that exactly one task wants (a cancellation through the admin API) and reads from the
simulator's event log when that task's booking landed.

Prints the worker's CPU time and share of one core, its peak RSS, requests/s to the site,
checks/s done against checks/s due, and the detection latencies; then a Markdown table.
Asserts nothing; loopback only; bounded by --duration.

    uv run python -m bench.watch_scale [--tasks 1000] [--accounts 50] [--concurrency 8]
        [--interval 30] [--duration 120] [--cancel-every 10]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, update

from autobook.db.models import Attempt, Meta, Task
from autobook.db.session import transaction
from autobook.runtime import Runtime
from autobook.sandbox.better.catalog import demo_venues, session_key
from autobook.worker.loop import HEARTBEAT_KEY
from bench.support import (
    ExternalSandbox,
    add_account,
    add_task,
    bench_runtime,
    describe,
    fmt,
    machine,
    markdown_table,
)

PASSWORD = "Watch-pass-1"
# Released days only: the 7th day ahead is listed before its 22:00 release but not bookable,
# and its tasks would sleep until then instead of polling.
DAYS = range(1, 7)
TICKS = os.sysconf("SC_CLK_TCK")
SAMPLE_S = 1.0
PARK_S = 86_400.0
START_TIMEOUT_S = 120.0  # a busy machine takes a while to import and migrate


@dataclass
class Usage:
    """One process tree's CPU seconds and resident memory, read from /proc."""

    cpu_s: float = 0.0
    pss_mib: float = 0.0  # proportional set size: shared pages split between their users


@dataclass
class Run:
    started: float = 0.0  # epoch seconds; the simulator's clock is not skewed here
    ended: float = 0.0
    cpu_start: Usage = field(default_factory=Usage)
    cpu_end: Usage = field(default_factory=Usage)
    site_cpu: tuple[float, float] = (0.0, 0.0)
    pss_peak_tree_mib: float = 0.0
    hwm_mib: float = 0.0  # the worker process's own peak (VmHWM)
    freed: dict[str, float] = field(default_factory=dict)  # session key → freed at
    first_seq: int = 0


# --- /proc ----------------------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def tree_usage(pid: int) -> Usage:
    """CPU (own + reaped children) and memory of `pid` and every live descendant (Chromium).
    Memory is PSS, so Chromium's many processes do not count their shared pages many times."""
    usage, todo = Usage(), [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            pss_kib = _pss_kib(current)
        except OSError:
            continue  # gone meanwhile
        usage.cpu_s += sum(int(x) for x in fields[11:15]) / TICKS  # utime stime cutime cstime
        usage.pss_mib += pss_kib / 1024
        todo += _children(current)
    return usage


def _pss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


# --- setup ----------------------------------------------------------------------------------
def wanted_sessions() -> list[tuple[str, str, str, int]]:
    """(key, venue, activity, courts) of every court session the simulator lists now."""
    today = datetime.now(UTC).date()  # London is at most an hour ahead: day 1 is tomorrow
    out = []
    for offset in DAYS:
        day = today + timedelta(days=offset)
        for venue in demo_venues().values():
            for act in venue.activities.values():
                if act.kind != "resources":
                    continue
                for start in act.starts():
                    key = session_key(venue.slug, act.slug, day, start)
                    out.append((key, venue.slug, act.slug, act.places))
    random.Random(7).shuffle(out)  # neighbours differ, so accounts get a mix
    return out


def set_up(
    runtime: Runtime, admin: httpx.Client, args: argparse.Namespace
) -> tuple[list[str], Counter[tuple[str, str]]]:
    """Accounts, full sessions and the tasks: the keys wanted by exactly one task, and how many
    tasks want each listing, by (`/v2/times` path, its query)."""
    accounts = []
    for n in range(args.accounts):
        login = f"watcher{n}@example.com"
        body = {"email": login, "password": PASSWORD, "benefit": True}
        admin.post("/_sandbox/better/users", json=body).raise_for_status()
        accounts.append(add_account(runtime, "better", login, PASSWORD))
    sessions = wanted_sessions()
    wanted: dict[str, int] = {}
    listings: Counter[tuple[str, str]] = Counter()
    for i in range(args.tasks):
        key, venue, activity, courts = sessions[i % len(sessions)]
        if key not in wanted:
            body = {"key": key, "taken": list(range(1, courts + 1))}
            admin.post("/_sandbox/better/occupancy", json=body).raise_for_status()
        wanted[key] = wanted.get(key, 0) + 1
        day, start = key.split("/")[2:]
        listings[(f"/venue/{venue}/activity/{activity}/v2/times", f"date={day}")] += 1
        add_task(
            runtime, site="better", venue=venue, activity=activity, target_date=day,
            times=[start], account_ids=[accounts[i % len(accounts)]], strategy="watch",
            payment_method="benefit", poll_interval_s=args.interval,
        )  # fmt: skip
    schedule_first_checks(runtime, 0, after_s=PARK_S)  # until the worker is up
    return [key for key, count in wanted.items() if count == 1], listings


def schedule_first_checks(runtime: Runtime, within_s: float, after_s: float = 0.0) -> None:
    """Each task's first check at a random point of `within_s` seconds from `after_s` on.

    Spread over one poll interval, this is a service that has been running a while rather than
    a start-up burst with all tasks due at once; with `after_s` large, the tasks are parked.
    """
    start, rng = datetime.now(UTC) + timedelta(seconds=after_s), random.Random(11)
    with transaction(runtime.sessions) as session:
        for task_id in session.scalars(select(Task.id)):
            at = start + timedelta(seconds=rng.uniform(0, within_s))
            session.execute(update(Task).where(Task.id == task_id).values(next_run_at=at))


def start_worker(runtime: Runtime, concurrency: int, log_path: Path) -> subprocess.Popen[bytes]:
    s = runtime.settings
    env = os.environ | {
        "DATABASE_URL": s.database_url or "", "ENCRYPTION_KEY": s.encryption_key or "",
        "AUTOBOOK_DATA_DIR": str(s.data_dir), "AUTOBOOK_BETTER_API_URL": s.better_api_url,
        "AUTOBOOK_BETTER_WEB_URL": s.better_web_url, "LOG_LEVEL": "INFO",
    }  # fmt: skip
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "autobook", "worker", "--concurrency", str(concurrency)],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip


def wait_for_heartbeat(runtime: Runtime, worker: subprocess.Popen[bytes], log: Path) -> None:
    """Until the worker's loop has beaten once: its start-up is not part of the figures."""
    give_up = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < give_up and worker.poll() is None:
        with transaction(runtime.sessions) as session:
            if session.get(Meta, HEARTBEAT_KEY) is not None:
                return
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"the worker did not start; the end of its log:\n{tail}")


# --- the measured run -----------------------------------------------------------------------
def measure(
    worker: subprocess.Popen[bytes], site_pid: int, admin: httpx.Client, targets: list[str],
    args: argparse.Namespace,
) -> Run:  # fmt: skip
    """Sample the worker for --duration seconds, freeing one court every --cancel-every s
    during the first two thirds (the last third leaves time to notice them)."""
    run = Run(first_seq=max((e["seq"] for e in admin.get("/_sandbox/events").json()), default=0))
    run.started, run.cpu_start = time.time(), tree_usage(worker.pid)
    site_start = tree_usage(site_pid).cpu_s
    next_cancel, last_cancel = args.cancel_every, args.duration * 2 / 3
    rng = random.Random(13)
    while (elapsed := time.time() - run.started) < args.duration:
        if elapsed >= next_cancel and next_cancel <= last_cancel and targets:
            key = targets.pop(rng.randrange(len(targets)))
            admin.post("/_sandbox/better/occupancy", json={"key": key, "free": [1]})
            run.freed[key] = time.time()
            next_cancel += args.cancel_every
        run.pss_peak_tree_mib = max(run.pss_peak_tree_mib, tree_usage(worker.pid).pss_mib)
        time.sleep(SAMPLE_S)
    run.ended, run.cpu_end = time.time(), tree_usage(worker.pid)
    run.site_cpu = (site_start, tree_usage(site_pid).cpu_s)
    run.hwm_mib = peak_rss_mib(worker.pid)
    return run


def attempt_seconds(runtime: Runtime, since: float, until: float) -> list[float]:
    """How long each attempt that finished in the window took (the worker's checks)."""
    start, end = (datetime.fromtimestamp(t, UTC) for t in (since, until))
    with transaction(runtime.sessions) as session:
        rows = session.execute(
            select(Attempt.started_at, Attempt.finished_at).where(
                Attempt.finished_at >= start, Attempt.finished_at < end
            )
        ).all()
    return [(done - began).total_seconds() for began, done in rows]


# The run before listings were shared (README, Performance, 2026-11-21, load average 4–6):
# every task a full attempt of its own.
BEFORE = {
    "worker CPU time": "89.6 s (99 % of one core)",
    "requests/s to the site": "40.9",
    "listing requests/s (target: listings / interval)": "–",
    "checks/s done (tasks served by a look or an attempt)": "10.9",
    "checks/s due (tasks / interval)": "33.3",
    "effective interval per task": "92 s",
    "cancellations noticed and booked": "5/6",
    "detection latency (cancel → booked), s": "min 1.9 / median 17.2 / p90 44.4 / p95 – / max 44.4",
}


@dataclass
class Figures:
    rows: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, name: str, value: str) -> None:
        before = BEFORE.get(name, "")
        self.rows.append((name, value, before))
        print(f"{name:<52} {value:<40} {before}")


def checks_done(looks: list[dict[str, Any]], listings: Counter[tuple[str, str]]) -> int:
    """Task checks the listing requests stood for: each look serves every task of its listing
    (an attempt's own read of a listing counts too; there are a handful)."""
    served = 0
    for look in looks:  # the path may carry the simulator's mount prefix
        where = look["path"][look["path"].find("/venue/") :]
        served += listings.get((where, look.get("query", "")), 0)
    return served


def report(run: Run, runtime: Runtime, events: list[dict[str, Any]],
           args: argparse.Namespace, listings: Counter[tuple[str, str]]) -> Figures:  # fmt: skip
    wall = run.ended - run.started
    cpu = run.cpu_end.cpu_s - run.cpu_start.cpu_s
    in_window = [e for e in events if e["kind"] == "request" and run.started <= e["t"] < run.ended]
    looks = [e for e in in_window if e["path"].endswith("/v2/times")]
    took = attempt_seconds(runtime, run.started, run.ended)
    done, spans = checks_done(looks, listings), describe(took)
    latencies, waited = [], []
    for key, freed in run.freed.items():
        booked = [e["t"] for e in events if e["kind"] == "booking" and e["slot"] == key
                  and e["actor"].startswith("watcher")]  # fmt: skip
        if booked:
            latencies.append(min(booked) - freed)
        else:
            waited.append(run.ended - freed)  # unnoticed for at least this long
    lat = describe(latencies)
    f = Figures()
    print(f"\n{'figure':<52} {'now':<40} before (README)")
    f.add("tasks / accounts / listings / worker concurrency",
          f"{args.tasks} / {args.accounts} / {len(listings)} / {args.concurrency}")  # fmt: skip
    f.add("poll interval per task", f"{args.interval} s")
    f.add("measured for", f"{wall:.0f} s")
    f.add("worker CPU time", f"{cpu:.1f} s ({cpu / wall * 100:.0f} % of one core)")
    f.add("simulator CPU time (for scale)", f"{run.site_cpu[1] - run.site_cpu[0]:.1f} s")
    f.add("worker peak RSS (VmHWM)", f"{run.hwm_mib:.0f} MiB")
    f.add("worker + Chromium PSS, peak sampled", f"{run.pss_peak_tree_mib:.0f} MiB")
    f.add("requests/s to the site", f"{len(in_window) / wall:.1f}")
    f.add("listing requests/s (target: listings / interval)",
          f"{len(looks) / wall:.2f} (target {len(listings) / args.interval:.2f})")  # fmt: skip
    f.add("checks/s done (tasks served by a look or an attempt)", f"{done / wall:.1f}")
    f.add("checks/s due (tasks / interval)", f"{args.tasks / args.interval:.1f}")
    f.add("attempts (a task saw a free slot), one takes, s", "{}; median {} / p90 {}".format(
        len(took), fmt(spans.get("median"), 2), fmt(spans.get("p90"), 2)))  # fmt: skip
    f.add("effective interval per task", f"{args.tasks / max(done / wall, 1e-9):.0f} s")
    f.add("cancellations noticed and booked", f"{len(latencies)}/{len(run.freed)}")
    f.add("detection latency (cancel → booked), s",
          "min {} / median {} / p90 {} / p95 {} / max {}".format(
              *(fmt(lat.get(k), 1) for k in ("min", "median", "p90", "p95", "max"))))  # fmt: skip
    if waited:
        f.add("cancellations still unnoticed at the end", f"{len(waited)}, after "
              f"{min(waited):.0f}–{max(waited):.0f} s (their latency is longer)")  # fmt: skip
    return f


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1000, choices=range(1, 5001), metavar="N")
    parser.add_argument("--accounts", type=int, default=50, choices=range(1, 501), metavar="N")
    parser.add_argument("--concurrency", type=int, default=8, choices=range(1, 65),
                        metavar="1..64", help="the worker's --concurrency (default 8)")  # fmt: skip
    parser.add_argument("--interval", type=int, default=30, choices=range(5, 3601),
                        metavar="S", help="each task's poll interval (default 30 s)")  # fmt: skip
    parser.add_argument("--duration", type=int, default=120, choices=range(20, 601),
                        metavar="S", help="measured seconds (default 120)")  # fmt: skip
    parser.add_argument("--cancel-every", type=int, default=10, choices=range(1, 301),
                        metavar="S", help="seconds between cancellations (default 10)")  # fmt: skip
    args = parser.parse_args()
    machine_line = machine()
    box = ExternalSandbox().start()
    assert box.process is not None
    try:
        with bench_runtime(box) as runtime, tempfile.TemporaryDirectory() as folder:
            admin = httpx.Client(base_url=box.url("better", "api"), timeout=30)
            admin.post("/_sandbox/seed/demo").raise_for_status()
            admin.post("/_sandbox/clock", json={"offset_s": 0}).raise_for_status()
            print(f"setting up {args.tasks} tasks on {args.accounts} accounts…", flush=True)
            targets, listings = set_up(runtime, admin, args)
            log = Path(folder) / "worker.log"
            worker = start_worker(runtime, args.concurrency, log)
            try:
                wait_for_heartbeat(runtime, worker, log)
                schedule_first_checks(runtime, args.interval)
                print(f"worker {worker.pid} running; measuring {args.duration} s…", flush=True)
                run = measure(worker, box.process.pid, admin, targets, args)
            finally:
                worker.send_signal(signal.SIGTERM)
                worker.wait(timeout=60)
            events = admin.get("/_sandbox/events", params={"since": run.first_seq}).json()
            figures = report(run, runtime, events, args, listings)
    finally:
        box.stop()
    print(f"\nmachine: {machine_line}\n")
    print(markdown_table(["figure", "now", "before (README)"], [list(r) for r in figures.rows]))


if __name__ == "__main__":
    main()
