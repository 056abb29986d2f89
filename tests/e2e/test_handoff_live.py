"""Live handoff end to end in real Chromium, on the clinic simulator's six-step widget (its
booking lives in the page's memory, not in its URL, as on the real Moxie widget): a person on
a phone-sized browser context opens autobook's `/handoff/{token}` page, sees the held payment
page, taps into the card fields, types the card and taps Book Appointment. The outcome is
detected, and the card number is in no log line, database row or file."""

from __future__ import annotations

import logging
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select
from test_engine_clinic import GOOD_CARD, clinic_task

from autobook.db.models import HandoffSession
from autobook.db.session import transaction
from autobook.domain.statuses import TaskStatus
from autobook.runtime import Runtime
from autobook.sandbox.runner import Sandbox
from engine_support import (
    SQLITE_ONLY,
    bookings_of,
    clinic_thursday,
    ended_as,
    fast_runtime,
    run_once,
    sandbox_fixture,
    sim_events,
    sim_fixture,
    task_row,
)
from handoff_support import (
    Find,
    handoff_runtime,
    served,
    start_body,
    tap_on_picture,
    wait_for,
    wait_until,
)

pytestmark = [pytest.mark.e2e, SQLITE_ONLY]

box = sandbox_fixture("clinic", "empty")
moxie = sim_fixture("clinic", origin="moxie", seed="empty")
PAGE = "/booking/lumen-skin-clinic"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def labelled(label: str) -> Find:
    return lambda page: page.get_by_label(label).or_(page.get_by_role("button", name=label))


@pytest.mark.parametrize(
    ("card", "state", "outcome"),
    [
        ("4111111111111111", "completed", "success"),
        ("4000000000000002", "failed", "payment_failed"),
    ],
)
def test_a_person_pays_in_the_held_tab_from_a_phone(
    runtime: Runtime, box: Sandbox, moxie: httpx.Client, browser: Browser,
    caplog: pytest.LogCaptureFixture, card: str, state: str, outcome: str,
) -> None:  # fmt: skip
    caplog.set_level(logging.DEBUG)
    rt = handoff_runtime(runtime, box)
    with served(rt) as (api, app):
        body: dict[str, Any] = start_body(f"{moxie.base_url}{PAGE}")
        sid = api.post("/api/v1/booking/start", json=body).json()["sessionId"]
        ready = wait_for(api, sid, {"ready_for_handoff"})
        assert ready["state"] == "ready_for_handoff", ready
        handoff = api.get(f"/api/v1/booking/{sid}/handoff-url").json()
        assert "/handoff/" in handoff["handoffUrl"]

        phone = browser.new_context(**PHONE)
        try:
            person = phone.new_page()
            person.goto(handoff["handoffUrl"])
            expect(person.locator("body")).to_contain_text("autobook's browser")
            expect(person.locator("#state")).to_contain_text("Connected")
            frames = re.compile(r"^data:image/jpeg;base64,")
            expect(person.locator("#screen")).to_have_attribute("src", frames)
            for label, typed in (("Card number", card), ("Expiration", "12/30"), ("CVC", "123")):
                tap_on_picture(person, app, sid, labelled(label))
                person.keyboard.type(typed)
            tap_on_picture(person, app, sid, labelled("Book appointment"))
            status = wait_for(api, sid, set())
        finally:
            phone.close()

    assert (status["state"], status["outcome"]) == (state, outcome), status
    booked = sim_events(str(moxie.base_url), "booking")
    if outcome == "success":
        assert status["confirmationDetails"]["confirmationNumber"] == booked[0]["reference"]
    else:
        assert booked == []
    # The card number is nowhere autobook writes: log, database, data folder.
    assert card not in caplog.text
    folder = Path(rt.settings.data_dir)
    db_file = Path(rt.settings.sqlalchemy_url.removeprefix("sqlite:///"))
    for path in [db_file, *folder.rglob("*")]:
        if path.is_file():
            assert card.encode() not in path.read_bytes(), path


def test_a_handoff_task_on_the_six_step_widget_is_walked_again_and_paid_live(
    runtime: Runtime, box: Sandbox, moxie: httpx.Client, browser: Browser
) -> None:
    """The six-step widget keeps its steps in memory (its URL "always lands patients on Step
    2"), so a task's payment page cannot be handed over by URL, nor taken over after a login:
    the task's link is autobook's live page, which says it is getting ready while the handoff
    service walks the steps again, then shows that tab; the person pays there and the task
    ends succeeded with the site's number."""
    rt = handoff_runtime(fast_runtime(runtime, box), box, clinic_url=f"{moxie.base_url}{PAGE}")
    task = clinic_task(rt, payment_method="handoff", sub_location="alex")
    with ThreadPoolExecutor(1) as thread:  # the engine's own loop, beside the sync browser's
        result = thread.submit(run_once, rt, task).result()
    ended_as(rt, task, result, "handoff", TaskStatus.AWAITING_PAYMENT)
    link = result.message.rsplit(" ", 1)[-1]
    assert "/handoff/" in link and not link.startswith(str(moxie.base_url))
    path = link[link.index("/handoff/") :]
    with transaction(rt.sessions) as session:
        [row] = session.scalars(select(HandoffSession)).all()
        assert (row.state, row.mode, row.task_id) == ("created", "live", task)
        sid = row.id

    with served(rt) as (api, app):
        # Before the service walked to the page: a "getting ready" page, not an expired link.
        early = api.get(path)
        assert early.status_code == 200 and "getting" in early.text, early.text[:300]
        wait_until(lambda: sid in app.state.handoffs.live)
        phone = browser.new_context(**PHONE)
        try:
            person = phone.new_page()
            person.goto(f"{api.base_url}{path}")
            expect(person.locator("#state")).to_contain_text("Connected")
            for label, typed in (("Card number", GOOD_CARD), ("Expiration", "12/30"),
                                 ("CVC", "123")):  # fmt: skip
                tap_on_picture(person, app, sid, labelled(label))
                person.keyboard.type(typed)
            tap_on_picture(person, app, sid, labelled("Book appointment"))
            wait_until(lambda: task_row(rt, task).status != TaskStatus.AWAITING_PAYMENT)
        finally:
            phone.close()

    row_task = task_row(rt, task)
    assert row_task.status == TaskStatus.SUCCEEDED.value, row_task.error
    [booked] = sim_events(str(moxie.base_url), "booking")
    assert booked["slot"] == f"alex/{clinic_thursday().isoformat()}/14:30"
    [booking] = bookings_of(rt, task)
    assert booking.reference == booked["reference"]
