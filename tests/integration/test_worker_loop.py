"""The worker loop against the gym simulator: due tasks run, the heartbeat beats, and a task
left behind by a dead worker is recovered and never booked twice."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from test_notify import Receiver

from autobook.db.models import Attempt, Meta, SystemLog, Task
from autobook.db.session import transaction
from autobook.domain.statuses import FINAL, TaskStatus
from autobook.runtime import Runtime
from autobook.sandbox.runner import Sandbox
from autobook.worker.loop import HEARTBEAT_KEY, Worker, due_task_ids, recover_abandoned
from engine_support import (
    add_account,
    add_task,
    attempts_of,
    bookings_of,
    gym_runtime_fixture,
    run_once,
    sandbox_fixture,
    sim_events,
    task_row,
)

LONDON = ZoneInfo("Europe/London")

pytestmark = pytest.mark.e2e  # the confirmation screenshot opens Chromium


box = sandbox_fixture("gym", seed="demo")


gym = gym_runtime_fixture()


def _task(runtime: Runtime, account: int, hour: str) -> int:
    return add_task(
        runtime, site="gym", venue="X1", sub_location="A", activity="gym-60min",
        target_date=date.today() + timedelta(days=1), times=[hour], account_ids=[account],
        payment_method="benefit",
    )  # fmt: skip


async def _run_until_settled(runtime: Runtime, ids: list[int], worker: Worker) -> None:
    stop = asyncio.Event()
    loop = asyncio.create_task(worker.run(stop))
    for _ in range(600):  # bounded: 60 s of polling at most
        await asyncio.sleep(0.1)
        rows = [task_row(runtime, i) for i in ids]
        if all(TaskStatus(t.status) in FINAL or t.last_checked_at for t in rows):
            break
    stop.set()
    await loop


def test_worker_runs_due_tasks_and_beats(gym: Runtime, box: Sandbox) -> None:
    account = add_account(gym, "gym", "alex@example.com", "alex-gym-2026")
    ids = [_task(gym, account, "08:00"), _task(gym, account, "09:00")]
    asyncio.run(_run_until_settled(gym, ids, Worker(gym, concurrency=2, poll_s=0.2)))
    assert [task_row(gym, i).status for i in ids] == ["succeeded", "succeeded"]
    assert len(sim_events(box.url("gym", "web"), "booking")) == 2
    with transaction(gym.sessions) as session:
        beat = session.get(Meta, HEARTBEAT_KEY)
        assert beat is not None
        assert datetime.now(UTC) - datetime.fromisoformat(beat.value) < timedelta(minutes=5)


def test_abandoned_task_is_recovered_and_not_booked_twice(gym: Runtime, box: Sandbox) -> None:
    account = add_account(gym, "gym", "alex@example.com", "alex-gym-2026")
    task_id = _task(gym, account, "08:00")
    asyncio.run(_run_until_settled(gym, [task_id], Worker(gym, poll_s=0.2)))
    assert len(sim_events(box.url("gym", "web"), "booking")) == 1
    # A second task for the same slot, left in `booking` by a worker that died after paying.
    again = _task(gym, account, "08:00")
    with transaction(gym.sessions) as session:
        task = session.get(Task, again)
        assert task is not None
        task.status = TaskStatus.BOOKING.value
        task.lease_owner = "dead-worker"
        task.lease_expires_at = datetime.now(UTC) - timedelta(seconds=1)
        session.add(Attempt(task_id=again, account_id=account, worker="dead-worker"))
    assert due_task_ids(gym, 10) == []
    assert recover_abandoned(gym) == [again]
    asyncio.run(_run_until_settled(gym, [again], Worker(gym, poll_s=0.2)))
    # The site already shows the account's booking at 08:00: recorded, not booked again.
    assert task_row(gym, again).status == "succeeded"
    assert len(sim_events(box.url("gym", "web"), "booking")) == 1


def test_a_booking_sends_its_notification(gym: Runtime, box: Sandbox) -> None:
    receiver = Receiver()
    receiver.thread.start()
    try:
        gym.settings = gym.settings.model_copy(
            update={"notify_urls": receiver.url("json", "booked")}
        )
        account = add_account(gym, "gym", "alex@example.com", "alex-gym-2026")
        task_id = _task(gym, account, "08:00")
        asyncio.run(_run_until_settled(gym, [task_id], Worker(gym, poll_s=0.2)))
        message = receiver.message("booked")
    finally:
        receiver.server.shutdown()
    (booking,) = bookings_of(gym, task_id)
    assert message["title"].startswith("Booked")
    assert booking.reference and booking.reference in message["message"]
    assert f"/tasks/{task_id}" in message["message"]


def test_empty_polls_keep_one_attempt_and_stay_out_of_the_log(gym: Runtime) -> None:
    account = add_account(gym, "gym", "alex@example.com", "alex-gym-2026")
    task_id = _task(gym, account, "23:00")  # the gym has no slot that late
    for _ in range(3):
        assert run_once(gym, task_id).outcome == "no_slot"
    assert attempts_of(gym, task_id) == [("no_slot", None)]
    with transaction(gym.sessions) as session:
        lines = session.scalars(select(SystemLog).where(SystemLog.task_id == task_id)).all()
    assert lines == []
    assert task_row(gym, task_id).last_checked_at is not None


def test_a_worker_whose_lease_was_taken_over_cannot_move_the_task(gym: Runtime) -> None:
    from autobook.engine import records

    account = add_account(gym, "gym", "alex@example.com", "alex-gym-2026")
    task_id = _task(gym, account, "08:00")
    slow = records.load_job(gym, task_id)
    assert records.claim(gym, slow, "slow-worker")
    with transaction(gym.sessions) as session:  # its lease ran out; another worker took over
        task = session.get(Task, task_id)
        assert task is not None
        task.lease_owner = "other-worker"
    assert not records.move(gym, slow, TaskStatus.BOOKING)
    assert task_row(gym, task_id).status == TaskStatus.CHECKING.value


def test_a_stopped_worker_hands_a_waiting_snipe_back(gym: Runtime) -> None:
    """Scheduled snipes survive restarts: stopping the worker while a snipe waits for its
    release puts the task back to pending, to be planned again by the next worker."""
    account = add_account(gym, "gym", "alex@example.com", "alex-gym-2026")
    # Released in about 30 minutes; with an hour's pre-login the snipe starts (and waits) now.
    gym.settings = gym.settings.model_copy(update={"gym_release": "47.5h", "pre_login_minutes": 60})
    # 48 real hours ahead (adding to a London time would add wall-clock hours: one more or
    # fewer across a clock change), read in London for the task.
    start = (datetime.now(UTC) + timedelta(hours=48)).astimezone(LONDON)
    start = start.replace(second=0, microsecond=0)
    task_id = add_task(
        gym, site="gym", venue="Fitness", activity="gym-60min", target_date=start.date(),
        times=[start.strftime("%H:%M")], account_ids=[account], payment_method="benefit",
        strategy="snipe",
    )  # fmt: skip

    async def run_then_stop() -> None:
        stop = asyncio.Event()
        loop = asyncio.create_task(Worker(gym, poll_s=0.2).run(stop))
        for _ in range(100):
            await asyncio.sleep(0.1)
            if task_row(gym, task_id).status == TaskStatus.CHECKING.value:
                break
        stop.set()
        await loop

    asyncio.run(run_then_stop())
    row = task_row(gym, task_id)
    assert row.status == TaskStatus.PENDING.value and row.lease_owner is None


def test_politeness_caps_checks_per_site(gym: Runtime) -> None:
    """With room for 4 checks but a per-site cap of 1, checks on one site never overlap."""
    gym.settings = gym.settings.model_copy(update={"site_concurrency": 1, "screenshots": False})
    account = add_account(gym, "gym", "alex@example.com", "alex-gym-2026")
    ids = [_task(gym, account, hour) for hour in ("21:00", "22:00", "23:00")]  # none listed
    asyncio.run(_run_until_settled(gym, ids, Worker(gym, concurrency=4, poll_s=0.2)))
    with transaction(gym.sessions) as session:
        spans = sorted(
            (a.started_at, a.finished_at)
            for a in session.scalars(select(Attempt).where(Attempt.task_id.in_(ids)))
        )
    assert len(spans) == 3
    for (_, first_end), (second_start, _) in itertools.pairwise(spans):
        assert first_end is not None and first_end <= second_start
