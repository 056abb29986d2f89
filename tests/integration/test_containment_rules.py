"""The containment rules on their own, on both databases: which tasks a failure may touch, a
lost connection that fails no task, and a supervisor that restarts a dying loop and counts it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import OperationalError

from autobook.db.models import SystemLog, Task
from autobook.db.session import transaction
from autobook.domain.statuses import TaskStatus
from autobook.runtime import Runtime
from autobook.worker.containment import contained, fail_task, read_restarts, supervise
from engine_support import add_task, task_row, tomorrow


def _task(runtime: Runtime) -> int:
    return add_task(runtime, site="gym", venue="X1", sub_location="A", activity="gym-60min",
                    target_date=tomorrow(), times=["08:00"], payment_method="benefit")  # fmt: skip


def _hold(runtime: Runtime, task_id: int, owner: str) -> None:
    with transaction(runtime.sessions) as session:
        task = session.get(Task, task_id)
        assert task is not None
        task.status, task.lease_owner = TaskStatus.CHECKING.value, owner
        task.lease_expires_at = datetime.now(UTC) + timedelta(minutes=5)


def test_a_failure_fails_waiting_tasks_and_own_ones_only(runtime: Runtime) -> None:
    waiting, mine, theirs = _task(runtime), _task(runtime), _task(runtime)
    _hold(runtime, mine, "me")
    _hold(runtime, theirs, "someone-else")
    assert fail_task(runtime, waiting, "me", "why")
    assert fail_task(runtime, mine, "me", "why")
    assert not fail_task(runtime, theirs, "me", "why")
    assert not fail_task(runtime, 999_999, "me", "why")
    assert [task_row(runtime, i).status for i in (waiting, mine, theirs)] == [
        "failed", "failed", "checking"]  # fmt: skip
    assert task_row(runtime, mine).lease_owner is None and task_row(runtime, mine).error == "why"


def test_a_lost_connection_fails_no_task(runtime: Runtime) -> None:
    task_id = _task(runtime)

    async def unreachable() -> None:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    assert asyncio.run(contained(runtime, task_id, "me", "planning it", unreachable)) is None
    assert task_row(runtime, task_id).status == TaskStatus.PENDING.value


def test_an_error_fails_the_task_once_with_its_kind_not_its_text(runtime: Runtime) -> None:
    task_id = _task(runtime)

    async def broken() -> None:
        raise ValueError("secret-looking detail")

    assert asyncio.run(contained(runtime, task_id, "me", "planning it", broken)) is None
    row = task_row(runtime, task_id)
    assert row.status == TaskStatus.FAILED.value
    assert row.error and "planning it (ValueError)" in row.error and "secret" not in row.error
    with transaction(runtime.sessions) as session:
        lines = session.query(SystemLog).filter(SystemLog.task_id == task_id).all()
    assert [line.level for line in lines] == ["ERROR"]


@pytest.mark.parametrize("deaths", [1, 3])
def test_the_supervisor_restarts_a_dying_loop_and_counts_it(runtime: Runtime, deaths: int) -> None:
    runs = []

    async def loop(stop: asyncio.Event) -> None:
        runs.append(1)
        if len(runs) <= deaths:
            raise RuntimeError("broken loop")
        stop.set()  # the last life ends normally

    async def go() -> None:
        await supervise(runtime, "w9", loop, asyncio.Event(), pauses=(0.0,))

    asyncio.run(go())
    assert len(runs) == deaths + 1
    with transaction(runtime.sessions) as session:
        restarts = read_restarts(session)
    assert restarts.count == deaths and restarts.last and "w9: RuntimeError" in restarts.last
