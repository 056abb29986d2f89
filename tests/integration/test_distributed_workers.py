"""Three `autobook worker` processes on PostgreSQL book 200 tasks on the Better simulator (in its
own process, over HTTP with the membership benefit) while one of them is SIGKILLed mid-run.

Every task must end booked exactly once: the simulator's own event log shows each account
booking once and no court booked twice, and the tasks the dead worker had in flight are
recovered from their expired leases by the others.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from test_web_helpers import make_token

from autobook.db.migrate import upgrade
from autobook.db.models import Attempt, Booking, SystemLog, Task
from autobook.db.queue_schema import ensure_queue_schema, queue_schema_present
from autobook.db.session import make_engine, transaction
from autobook.domain.statuses import FINAL, TaskStatus
from autobook.runtime import Runtime
from autobook.web.app import create_app
from autobook.worker.distributed import TASK_NAME, DistributedWorker, build_app
from autobook.worker.lease import renew_lease
from engine_support import (
    ExternalSandbox,
    add_account,
    add_task,
    sandbox_settings,
    sim_events,
    task_row,
)


def pg_only(test: Any) -> Any:
    """The queue lives in PostgreSQL: these tests run there only."""
    test = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)(test)
    return pytest.mark.postgres(test)


TASKS = 200
WORKERS = 3
CONCURRENCY = 4
LEASE_S = 10  # a killed worker's tasks come back this long after it died
HENDON, B60 = "hendon-leisure-centre", "badminton-60min"
TIMES = [f"{h:02d}:00" for h in range(7, 22)]  # the day's 15 sessions
DAYS = range(1, 7)  # released days ahead (Better releases 7 days ahead at 22:00)
KILL_AFTER = 40  # tasks finished before the victim is killed
DEADLINE_S = 150  # every task final by then, or the test fails


@pytest.fixture(scope="module")
def sandbox() -> Iterator[ExternalSandbox]:
    box = ExternalSandbox().start()
    yield box
    box.stop()


def _sessions() -> list[tuple[date, str]]:
    today = datetime.now(ZoneInfo("Europe/London")).date()
    return [(today + timedelta(days=d), t) for d in DAYS for t in TIMES]


def _prepare_site(api: str, logins: list[str], sessions: list[tuple[date, str]]) -> None:
    """Demo venues, every court of the sessions used free, one benefit member per task."""
    with httpx.Client(base_url=api, timeout=30) as sim:
        sim.post("/_sandbox/reset").raise_for_status()
        sim.post("/_sandbox/seed/demo").raise_for_status()
        for day, start in sessions:
            key = f"{HENDON}/{B60}/{day}/{start}"
            body = {"key": key, "free": [1, 2, 3, 4]}
            sim.post("/_sandbox/better/occupancy", json=body).raise_for_status()
        for login in logins:
            user = {"email": login, "password": "Member-pass-1", "benefit": True}
            sim.post("/_sandbox/better/users", json=user).raise_for_status()
        sim.delete("/_sandbox/events").raise_for_status()


def _add_tasks(runtime: Runtime, logins: list[str], sessions: list[tuple[date, str]]) -> list[int]:
    """Task k books session k mod 90 for its own account: at most 3 tasks per 4-court session,
    so every task can succeed, and courts are contended."""
    ids = []
    for k, login in enumerate(logins):
        day, start = sessions[k % len(sessions)]
        account = add_account(runtime, "better", login, "Member-pass-1")
        fields = {"site": "better", "venue": HENDON, "activity": B60, "target_date": day,
                  "times": [start], "account_ids": [account], "payment_method": "benefit",
                  "poll_interval_s": 5}  # fmt: skip
        ids.append(add_task(runtime, **fields))
    return ids


def _clear_queue(runtime: Runtime) -> None:
    with transaction(runtime.sessions) as session:
        session.execute(text("TRUNCATE procrastinate_jobs, procrastinate_workers CASCADE"))


def _worker_env(runtime: Runtime, sandbox: ExternalSandbox, data: Path) -> dict[str, str]:
    settings = sandbox_settings(runtime.settings, sandbox)  # type: ignore[arg-type]
    assert settings.database_url and settings.encryption_key
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("AUTOBOOK_")},
        "DATABASE_URL": settings.database_url,
        "ENCRYPTION_KEY": settings.encryption_key,
        "AUTOBOOK_DATA_DIR": str(data),
        "AUTOBOOK_BETTER_API_URL": settings.better_api_url,
        "AUTOBOOK_BETTER_WEB_URL": settings.better_web_url,
        "AUTOBOOK_LEASE_SECONDS": str(LEASE_S),
        "AUTOBOOK_SCREENSHOTS": "false",  # 200 bookings must not open Chromium 200 times
        "AUTOBOOK_NOTIFY_URLS": "",
    }


def _start_worker(name: str, env: dict[str, str], folder: Path) -> subprocess.Popen[bytes]:
    log = (folder / f"{name}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "autobook", "worker", "--name", name,
         "--concurrency", str(CONCURRENCY)],
        env=env, cwd=folder, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def _statuses(runtime: Runtime, ids: list[int]) -> list[tuple[int, str, str | None]]:
    with transaction(runtime.sessions) as session:
        rows = session.execute(
            select(Task.id, Task.status, Task.lease_owner).where(Task.id.in_(ids))
        )
        return [(i, s, o) for i, s, o in rows]


def _wait_for(check: Any, what: str, procs: list[subprocess.Popen[bytes]]) -> Any:
    end = time.monotonic() + DEADLINE_S
    while time.monotonic() < end:
        found = check()
        if found:
            return found
        if any(p.poll() is not None for p in procs):
            pytest.fail(f"a worker exited while waiting until {what}")
        time.sleep(0.05)
    pytest.fail(f"timed out waiting until {what}")


def _logs(folder: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in folder.glob("w*.log"))


@pg_only
def test_three_workers_book_200_tasks_once_each_despite_a_kill(
    runtime: Runtime, sandbox: ExternalSandbox, tmp_path: Path
) -> None:
    api = sandbox.url("better", "api")
    logins = [f"player{k:03d}@example.com" for k in range(TASKS)]
    sessions = _sessions()
    _prepare_site(api, logins, sessions)
    ids = _add_tasks(runtime, logins, sessions)
    _clear_queue(runtime)
    env = _worker_env(runtime, sandbox, tmp_path / "data")
    names = [f"w{i}" for i in range(WORKERS)]
    procs = [_start_worker(name, env, tmp_path) for name in names]
    victim, survivors = procs[0], procs[1:]
    try:
        # Kill w0 once the run is well under way and w0 is in the middle of attempts.
        def victim_busy() -> list[int]:
            rows = _statuses(runtime, ids)
            done = sum(TaskStatus(s) in FINAL for _, s, _ in rows)
            held = [i for i, s, o in rows if o == "w0" and TaskStatus(s) not in FINAL]
            return held if done >= KILL_AFTER else []

        _wait_for(victim_busy, "w0 has tasks in flight", procs)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        # What the dead worker held, frozen now: its leases outlive it by up to LEASE_S.
        in_flight = {i for i, s, o in _statuses(runtime, ids) if o == "w0" and s != "succeeded"}

        def all_final() -> bool:
            return all(TaskStatus(s) in FINAL for _, s, _ in _statuses(runtime, ids))

        _wait_for(all_final, "every task is final", survivors)
    finally:
        for proc in survivors:
            proc.send_signal(signal.SIGTERM)
        codes = [proc.wait(timeout=60) for proc in survivors]
    assert codes == [0] * len(survivors), _logs(tmp_path)

    # Every task booked, none lost.
    unfinished = [(i, s) for i, s, _ in _statuses(runtime, ids) if s != "succeeded"]
    assert unfinished == [], _logs(tmp_path)

    # The site's own log: each account (= task) booked once, no court of a session twice.
    ours = [e for e in sim_events(api, "booking") if e["actor"] in set(logins)]
    per_account = Counter(e["actor"] for e in ours)
    per_court = Counter((e["slot"], e["detail"]["court"]) for e in ours)
    assert len(ours) == TASKS
    assert set(per_account) == set(logins) and max(per_account.values()) == 1
    assert max(per_court.values()) == 1

    # Our database agrees: one booking per task, with the site's reference, and no
    # screenshot (AUTOBOOK_SCREENSHOTS=false: no browser was started for them).
    with transaction(runtime.sessions) as session:
        shots = select(Booking.id).where(Booking.screenshot_path.is_not(None))
        assert session.scalar(shots) is None
        refs = Counter(session.scalars(select(Booking.task_id).where(Booking.task_id.in_(ids))))
        assert set(refs) == set(ids) and max(refs.values()) == 1
        booked = set(session.scalars(select(Booking.reference)))
        assert booked == {e["reference"] for e in ours}

        # The dead worker's tasks came back through their expired leases and were finished
        # by the others.
        recovered = set(
            session.scalars(
                select(SystemLog.task_id).where(SystemLog.message.like("recovered from%"))
            )
        )
        assert recovered, f"none of w0's tasks {in_flight} was recovered"
        assert recovered <= in_flight
        finishers = session.execute(
            select(Attempt.task_id, Attempt.worker).where(
                Attempt.task_id.in_(recovered), Attempt.finished_at.is_not(None)
            )
        ).all()
        assert {t for t, w in finishers if w in names[1:]} == recovered


# --- the pieces, in process ---------------------------------------------------------------------


def _jobs(runtime: Runtime) -> list[tuple[str, str, str, Any]]:
    with transaction(runtime.sessions) as session:
        rows = session.execute(
            text("SELECT queue_name, queueing_lock, status::text, args FROM procrastinate_jobs")
        )
        return sorted((q, lock, status, args) for q, lock, status, args in rows)


def _scan(runtime: Runtime, processes: int = 1) -> list[int]:
    """One scan by each of `processes` workers (as several machines would); jobs deferred."""

    async def go() -> list[int]:
        app = build_app(runtime.settings)
        async with app.open_async():
            return [await DistributedWorker(runtime).scan(app) for _ in range(processes)]

    return asyncio.run(go())


def _better_task(runtime: Runtime, day: date, **fields: Any) -> int:
    account = add_account(runtime, "better", f"p{uuid.uuid4().hex[:8]}@example.com", "pw-123456")
    values = {"site": "better", "venue": HENDON, "activity": B60, "target_date": day,
              "times": ["20:00"], "account_ids": [account],
              "payment_method": "benefit"}  # fmt: skip
    return add_task(runtime, **{**values, **fields})


@pg_only
def test_queue_schema_is_applied_once(runtime: Runtime) -> None:
    assert queue_schema_present(runtime.engine)
    assert ensure_queue_schema(runtime.engine) is False  # there already: left alone
    upgrade(runtime.engine)  # `autobook db upgrade` again is harmless


def test_no_queue_schema_on_sqlite(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    upgrade(engine)
    assert ensure_queue_schema(engine) is False
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM sqlite_master WHERE name LIKE 'procr%'")) == 0
    engine.dispose()


@pg_only
def test_scan_defers_one_job_per_due_task_in_its_lane(runtime: Runtime) -> None:
    _clear_queue(runtime)
    london = ZoneInfo("Europe/London")
    soon = datetime.now(london) + timedelta(minutes=5)  # a release inside the pre-login window
    runtime.settings = runtime.settings.model_copy(update={"better_release": f"7d@{soon:%H:%M}"})
    watch = _better_task(runtime, soon.date() + timedelta(days=7))
    snipe = _better_task(runtime, soon.date() + timedelta(days=7), strategy="snipe")
    parked = _better_task(runtime, soon.date() + timedelta(days=8), strategy="snipe")
    later = _better_task(runtime, soon.date() + timedelta(days=7))
    with transaction(runtime.sessions) as session:
        task = session.get(Task, later)
        assert task is not None
        task.next_run_at = datetime.now(UTC) + timedelta(minutes=1)  # checked a moment ago

    assert _scan(runtime, processes=2) == [2, 0]  # the second process finds them queued

    assert _jobs(runtime) == sorted([
        ("snipe", f"task-{snipe}", "todo", {"task_id": snipe}),
        ("watch", f"task-{watch}", "todo", {"task_id": watch}),
    ])  # fmt: skip
    with transaction(runtime.sessions) as session:
        parked_task = session.get(Task, parked)
        assert parked_task is not None and parked_task.status == "scheduled"


@pg_only
def test_a_dead_workers_job_never_blocks_its_task_and_is_swept(runtime: Runtime) -> None:
    _clear_queue(runtime)
    task_id = _better_task(runtime, date.today() + timedelta(days=3))
    with transaction(runtime.sessions) as session:  # a worker SIGKILLed an hour ago, mid-job
        dead = session.scalar(
            text("INSERT INTO procrastinate_workers (last_heartbeat) "
                 "VALUES (now() - interval '1 hour') RETURNING id")
        )  # fmt: skip
        session.execute(
            text("INSERT INTO procrastinate_jobs (queue_name, task_name, status, worker_id, "
                 "queueing_lock, args) VALUES ('watch', :name, 'doing', :worker, :lock, :args)"),
            {"name": TASK_NAME, "worker": dead, "lock": f"task-{task_id}",
             "args": json.dumps({"task_id": task_id})},
        )  # fmt: skip

    assert _scan(runtime) == [1]  # the task is due again: a new job despite the stale one

    assert _jobs(runtime) == [("watch", f"task-{task_id}", "todo", {"task_id": task_id})]


@pytest.mark.parametrize("db_url", ["postgresql", "sqlite"], indirect=True)
def test_a_lease_is_renewed_only_by_its_owner_and_never_shortened(runtime: Runtime) -> None:
    task_id = _better_task(runtime, date.today() + timedelta(days=3))
    now = datetime.now(UTC)
    with transaction(runtime.sessions) as session:
        task = session.get(Task, task_id)
        assert task is not None
        task.status, task.lease_owner = TaskStatus.BOOKING.value, "w1"
        task.lease_expires_at = now + timedelta(seconds=1)

    assert renew_lease(runtime, task_id, "w2", now) is False  # not its task
    assert renew_lease(runtime, task_id, "w1", now) is True
    renewed = task_row(runtime, task_id).lease_expires_at
    assert renewed == now + timedelta(seconds=runtime.settings.lease_seconds)
    assert renew_lease(runtime, task_id, "w1", now - timedelta(minutes=1)) is False
    assert task_row(runtime, task_id).lease_expires_at == renewed


def test_worker_on_sqlite_runs_the_plain_loop_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOBOOK_")}
    env.pop("DATABASE_URL", None)
    env["AUTOBOOK_DATA_DIR"] = str(tmp_path / "data")
    proc = subprocess.Popen(
        [sys.executable, "-m", "autobook", "worker"], env=env, cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:  # the signal handlers are in place once the loop has started
        seen.append(line)
        if " started " in line:
            break
    proc.send_signal(signal.SIGTERM)
    output = "".join(seen) + proc.communicate(timeout=60)[0]
    assert "on SQLite (run only one worker process)" in output, output
    assert proc.returncode == 0, output
    assert output.rstrip().endswith("stopped"), output


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_embedded_worker_in_serve_still_books_on_sqlite(
    runtime: Runtime, sandbox: ExternalSandbox
) -> None:
    api = sandbox.url("better", "api")
    login = "embedded@example.com"
    _prepare_site(api, [login], _sessions()[:1])
    settings = sandbox_settings(runtime.settings, sandbox)  # type: ignore[arg-type]
    runtime.settings = settings.model_copy(update={"screenshots": False})
    [task_id] = _add_tasks(runtime, [login], _sessions()[:1])

    token = make_token(runtime)  # /health shows the worker's heartbeat to a signed-in caller
    with TestClient(create_app(runtime.settings, runtime=runtime, worker=True)) as client:
        for _ in range(600):  # bounded: 60 s of polling at most
            if TaskStatus(task_row(runtime, task_id).status) in FINAL:
                break
            time.sleep(0.1)
        health = client.get("/health", headers={"Authorization": f"Bearer {token}"}).json()

    assert task_row(runtime, task_id).status == "succeeded"
    assert [e["actor"] for e in sim_events(api, "booking")] == [login]
    assert health["worker"]["ok"] is True
