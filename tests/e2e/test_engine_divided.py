"""Divide and conquer on the gym simulator (seed 002): a task that wants every listed time is
spread over its accounts within the gym's daily limit of 2, so together they book what one
account could not; and what is already booked is never booked again."""

from __future__ import annotations

import httpx
import pytest

from autobook.domain.statuses import TaskStatus
from autobook.runtime import Runtime
from autobook.sandbox.gym.site import DEMO_USERS
from engine_support import (
    add_account,
    add_task,
    bookings_of,
    run_once,
    runtime_fixture,
    sandbox_fixture,
    sim_events,
    sim_fixture,
    task_row,
    tomorrow,
)

pytestmark = pytest.mark.e2e  # confirmation screenshots open Chromium

TIMES = ["07:00", "08:00", "09:00", "10:00", "11:00"]


box = sandbox_fixture("gym", "quiet")
gym = sim_fixture("gym", seed="quiet")
rt = runtime_fixture()


def _task(rt: Runtime, accounts: int) -> int:
    ids = [add_account(rt, "gym", login, password) for login, password in DEMO_USERS[:accounts]]
    return add_task(
        rt, site="gym", venue="Fitness", activity="gym-60min",
        target_date=tomorrow(), times=TIMES, account_ids=ids,
        payment_method="benefit", book_all=True,
    )  # fmt: skip


def _booked_by(gym: httpx.Client) -> dict[str, int]:
    counts: dict[str, int] = {}
    for event in sim_events(str(gym.base_url), "booking"):
        counts[event["actor"]] = counts.get(event["actor"], 0) + 1
    return counts


def test_three_accounts_book_five_times_one_could_not(rt: Runtime, gym: httpx.Client) -> None:
    task = _task(rt, accounts=3)
    result = run_once(rt, task)
    assert result.outcome == "booked", result.message
    assert task_row(rt, task).status == TaskStatus.SUCCEEDED.value
    rows = bookings_of(rt, task)
    assert len(rows) == 5 and all(b.reference for b in rows)
    assert len({b.account_id for b in rows}) == 3
    per_account = _booked_by(gym)
    assert sum(per_account.values()) == 5 and max(per_account.values()) <= 2


def test_two_accounts_book_four_then_wait_and_never_rebook(rt: Runtime, gym: httpx.Client) -> None:
    task = _task(rt, accounts=2)
    first = run_once(rt, task)
    assert first.outcome == "partial" and "booked 4 of 5" in first.message
    assert task_row(rt, task).status == TaskStatus.PENDING.value
    second = run_once(rt, task)  # the next cycle: the two accounts are still at their limit
    assert second.outcome == "partial" and "booked 4 of 5" in second.message
    assert len(bookings_of(rt, task)) == 4
    assert sum(_booked_by(gym).values()) == 4  # nothing booked twice
