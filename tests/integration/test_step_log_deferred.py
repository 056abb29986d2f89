"""A snipe's last second and its shots run with the step log's writes held back: inside
`StepLog.deferred()` nothing reaches the database or the progress display; at its end every
step is written in order, a failed one too, even when the block raised."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from autobook.db.session import transaction
from autobook.db.taskrepo import delete_task
from autobook.engine import records
from autobook.engine.steps import StepEvent, StepLog
from autobook.runtime import Runtime
from autobook.sites.base import SlotTaken
from engine_support import add_account, add_task, steps_of


def test_deferred_steps_are_written_in_order_after_the_block(runtime: Runtime) -> None:
    account = add_account(runtime, "better", "deferred@example.com", "Deferred-pass-1")
    task = add_task(
        runtime, site="better", venue="hendon-leisure-centre", activity="badminton-60min",
        target_date=date.today() + timedelta(days=3), times=["19:00"], account_ids=[account],
        payment_method="benefit", strategy="snipe",
    )  # fmt: skip
    attempt = records.open_attempt(runtime, records.load_job(runtime, task), "t")
    heard: list[StepEvent] = []
    log = StepLog(runtime, attempt, heard.append)
    seen_inside: list[object] = []

    async def run() -> None:
        async with log.step("wait") as note:
            note.detail = "written at once"
        async with log.deferred():
            async with log.step("strike") as note:
                note.detail = "held 19:00 Court 1"
            async with log.step("pay"):
                seen_inside.extend([steps_of(runtime, attempt), list(heard)])
                raise SlotTaken("the site dropped the hold before checkout")

    with pytest.raises(SlotTaken):
        asyncio.run(run())
    # Inside the block: only the step before it was written and shown.
    assert [s[0] for s in seen_inside[0]] == ["wait"]  # type: ignore[union-attr]
    assert [(e.name, e.status) for e in seen_inside[1]] == [  # type: ignore[union-attr]
        ("wait", "running"), ("wait", "ok"),
    ]  # fmt: skip
    # After it: all of them, in order, the failed one with its reason.
    assert steps_of(runtime, attempt) == [
        ("wait", "ok", "written at once"),
        ("strike", "ok", "held 19:00 Court 1"),
        ("pay", "failed", "the site dropped the hold before checkout"),
    ]
    assert [(e.name, e.status) for e in heard][-2:] == [("strike", "ok"), ("pay", "failed")]


def test_a_task_deleted_while_its_attempt_runs_ends_the_step_log_quietly(runtime: Runtime) -> None:
    # DELETE of a task the worker is checking is allowed; its attempts go with it, and the
    # attempt still running must not fail on writing its next step.
    account = add_account(runtime, "better", "deleted@example.com", "Deleted-pass-1")
    task = add_task(
        runtime, site="better", venue="hendon-leisure-centre", activity="badminton-60min",
        target_date=date.today() + timedelta(days=3), times=["19:00"], account_ids=[account],
        payment_method="benefit",
    )  # fmt: skip
    attempt = records.open_attempt(runtime, records.load_job(runtime, task), "t")
    heard: list[StepEvent] = []
    log = StepLog(runtime, attempt, heard.append)

    async def run() -> None:
        async with log.step("login"):
            pass
        with transaction(runtime.sessions) as session:
            delete_task(session, task_id=task)
        async with log.step("availability") as note:
            note.detail = "two free"

    asyncio.run(run())
    assert steps_of(runtime, attempt) == []
    assert [(e.name, e.status) for e in heard][-1] == ("availability", "ok")
