"""One bad task never stops the worker: tasks whose stored data the worker cannot use, or whose
adapter raises, end failed with the reason (logged once), the heartbeat goes on and a good task
created after them is booked. A loop that dies anyway is restarted and /health counts it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from test_web_helpers import make_token

from autobook.db.models import Meta, SiteAccount, SystemLog, Task
from autobook.db.session import transaction
from autobook.domain.booking import Want
from autobook.domain.statuses import FINAL, TaskStatus
from autobook.runtime import Runtime
from autobook.sandbox.runner import Sandbox
from autobook.sites.gym.adapter import GymAdapter
from autobook.web.app import create_app
from autobook.worker.containment import read_restarts, supervise
from autobook.worker.distributed import DistributedWorker, is_distributed
from autobook.worker.loop import HEARTBEAT_KEY, Worker
from engine_support import (
    add_account,
    add_task,
    gym_runtime_fixture,
    sandbox_fixture,
    sim_events,
    task_row,
    tomorrow,
)

pytestmark = pytest.mark.e2e  # the confirmation screenshot opens Chromium

ALEX = ("alex@example.com", "alex-gym-2026")
ENDED = FINAL | {TaskStatus.FAILED}


box = sandbox_fixture("gym", seed="demo")


gym = gym_runtime_fixture(screenshots=False)


def _task(runtime: Runtime, account: int, venue: str = "X1", **fields: object) -> int:
    values = {"site": "gym", "venue": venue, "sub_location": "A", "activity": "gym-60min",
              "target_date": tomorrow(), "times": ["08:00"], "account_ids": [account],
              "payment_method": "benefit", **fields}  # fmt: skip
    return add_task(runtime, **values)


def _corrupt(runtime: Runtime, task_id: int, **columns: object) -> None:
    """Stored values no validation would let in now: rows from an older version, a bug."""
    with transaction(runtime.sessions) as session:
        task = session.get(Task, task_id)
        assert task is not None
        for name, value in columns.items():
            setattr(task, name, value)


def _bad_tasks(runtime: Runtime, account: int, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Four tasks that each break the worker a different way."""
    year_one = _task(runtime, account, strategy="snipe")  # its release cannot be computed
    _corrupt(runtime, year_one, target_date=date(1, 1, 1))
    no_time = _task(runtime, account)  # a stored time that does not parse
    _corrupt(runtime, no_time, time_preferences=["25:99"])
    broken = add_account(runtime, "gym", "broken@example.com", "whatever")
    with transaction(runtime.sessions) as session:  # a password the vault cannot decrypt
        row = session.get(SiteAccount, broken)
        assert row is not None
        row.password_enc = "not a token"
    undecryptable = _task(runtime, broken)
    adapter_bug = _task(runtime, account, venue="X3")  # the adapter raises on this venue
    real = GymAdapter.availability

    async def availability(self: GymAdapter, want: Want) -> list[object]:
        if want.venue == "X3":
            raise RuntimeError("a bug in the adapter")
        return await real(self, want)  # type: ignore[return-value]

    monkeypatch.setattr(GymAdapter, "availability", availability)
    return [year_one, no_time, undecryptable, adapter_bug]


def _heartbeat(runtime: Runtime) -> str | None:
    with transaction(runtime.sessions) as session:
        row = session.get(Meta, HEARTBEAT_KEY)
        return row.value if row else None


async def _until(check: Callable[[], bool], rounds: int = 600) -> None:
    """Poll `check` every 0.1 s, at most `rounds` times (a bound, not a timing assertion)."""
    for _ in range(rounds):
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the worker did not get there")


async def _run(runtime: Runtime, loop: Callable[[asyncio.Event], object], ids: list[int]) -> None:
    """Run `loop` until every task is final and the heartbeat beat once more after that."""
    stop = asyncio.Event()
    running = asyncio.create_task(loop(stop))  # type: ignore[arg-type]
    try:
        await _until(lambda: all(TaskStatus(task_row(runtime, i).status) in ENDED for i in ids))
        settled = _heartbeat(runtime)
        await _until(lambda: _heartbeat(runtime) != settled)
    finally:
        stop.set()
        await running


def _loop(runtime: Runtime, kind: str) -> Worker | DistributedWorker:
    if kind == "plain":
        return Worker(runtime, concurrency=2, poll_s=0.1)
    if not is_distributed(runtime.settings):
        pytest.skip("Procrastinate's queue lives in PostgreSQL")
    with transaction(runtime.sessions) as session:
        session.execute(text("TRUNCATE procrastinate_jobs, procrastinate_workers CASCADE"))
    return DistributedWorker(runtime, concurrency=2)


@pytest.mark.parametrize("kind", ["plain", "distributed"])
def test_bad_tasks_fail_with_a_reason_and_the_next_good_task_books(
    gym: Runtime, box: Sandbox, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    loop = _loop(gym, kind)
    account = add_account(gym, "gym", *ALEX)
    bad = _bad_tasks(gym, account, monkeypatch)
    good = _task(gym, account, times=["09:00"])  # created after the bad ones
    asyncio.run(_run(gym, loop.run, [*bad, good]))

    assert task_row(gym, good).status == TaskStatus.SUCCEEDED.value
    assert len(sim_events(box.url("gym", "web"), "booking")) == 1
    for task_id in bad:
        row = task_row(gym, task_id)
        assert row.status == TaskStatus.FAILED.value, task_id
        assert row.error and "internal error" in row.error and row.lease_owner is None
        with transaction(gym.sessions) as session:
            lines = session.scalar(
                select(func.count()).where(SystemLog.task_id == task_id, SystemLog.level == "ERROR")
            )
        assert lines == 1, f"task {task_id} logged its failure {lines} times"
    year_one = task_row(gym, bad[0]).error
    assert year_one and "planning its snipe (ValueError)" in year_one
    assert "RuntimeError" in (task_row(gym, bad[3]).error or "")


def test_a_loop_that_dies_is_restarted_and_health_says_so(gym: Runtime, box: Sandbox) -> None:
    account = add_account(gym, "gym", *ALEX)
    good = _task(gym, account)

    class DiesOnce(Worker):
        died = False

        async def run(self, stop: asyncio.Event) -> None:
            if not self.died:
                self.died = True
                raise RuntimeError("the loop itself broke")
            await super().run(stop)

    worker = DiesOnce(gym, poll_s=0.1, name="w1")
    asyncio.run(_run(gym, lambda stop: supervise(gym, "w1", worker.run, stop, pauses=(0.1,)),
                     [good]))  # fmt: skip

    assert task_row(gym, good).status == TaskStatus.SUCCEEDED.value
    with transaction(gym.sessions) as session:
        restarts = read_restarts(session)
    assert restarts.count == 1 and restarts.last and "w1: RuntimeError" in restarts.last
    with TestClient(create_app(gym.settings, runtime=gym)) as client:
        token = {"Authorization": f"Bearer {make_token(gym)}"}  # the details need signing in
        shown = client.get("/health", headers=token).json()["worker"]
    assert shown["restarts"] == 1 and shown["ok"] is True
