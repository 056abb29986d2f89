"""A task paid by `handoff` uses the booking-session machinery (seed 004): the engine holds the
clinic's payment page and the task waits in awaiting_payment; the handoff service watches the
page, and the task ends succeeded only once the person paid, failed after a declined card."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from playwright.sync_api import Browser
from sqlalchemy import select
from test_engine_clinic import clinic_task
from test_handoff_url import person_pays

from autobook.db.models import HandoffSession, SystemLog
from autobook.db.session import transaction
from autobook.domain.statuses import TaskStatus
from autobook.runtime import Runtime
from autobook.sandbox.runner import Sandbox
from engine_support import (
    SQLITE_ONLY,
    ended_as,
    fast_runtime,
    run_once,
    sandbox_fixture,
    sim_events,
    sim_fixture,
    task_row,
)
from handoff_support import handoff_runtime, service, wait_until

pytestmark = [pytest.mark.e2e, SQLITE_ONLY]

box = sandbox_fixture("clinic", "empty")
clinic = sim_fixture("clinic", seed="empty")


@pytest.fixture
def rt(runtime: Runtime, box: Sandbox) -> Runtime:
    rt = fast_runtime(runtime, box)
    return handoff_runtime(rt, box, clinic_url=rt.settings.clinic_url)


@pytest.mark.parametrize(
    ("card", "status"),
    [("4111111111111111", TaskStatus.SUCCEEDED), ("4000000000000002", TaskStatus.FAILED)],
)
def test_a_handoff_task_ends_with_what_the_person_did(
    rt: Runtime, clinic: httpx.Client, browser: Browser, card: str, status: TaskStatus
) -> None:
    task = clinic_task(rt, payment_method="handoff", sub_location="alex")
    with ThreadPoolExecutor(1) as thread:  # the engine's own loop, beside the sync browser's
        result = thread.submit(run_once, rt, task).result()
    ended_as(rt, task, result, "handoff", TaskStatus.AWAITING_PAYMENT)
    url = result.message.rsplit(" ", 1)[-1]

    with service(rt):
        person_pays(browser, url, card)
        wait_until(lambda: task_row(rt, task).status != TaskStatus.AWAITING_PAYMENT)

    row = task_row(rt, task)
    assert row.status == status.value, row.error
    booked = sim_events(str(clinic.base_url), "booking")
    with transaction(rt.sessions) as session:
        [handoff] = session.scalars(select(HandoffSession)).all()
        lines = [line.message for line in session.scalars(select(SystemLog))]
    if status is TaskStatus.SUCCEEDED:
        assert handoff.confirmation is not None
        assert handoff.confirmation["confirmationNumber"] == booked[0]["reference"]
        assert f"booked {booked[0]['reference']}" in " ".join(lines)
    else:
        assert booked == [] and row.error is not None and "payment_failed" in row.error
    assert handoff.state in ("completed", "failed") and handoff.task_id == task
    assert not any(url in line for line in lines)  # the link is the booking: not in the log
