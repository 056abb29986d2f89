"""The engine at the six-step widget (the clinic simulator's "moxie" origin, after the real
Moxie widget): one page whose steps are client-side views, the catalogue in `__NEXT_DATA__`,
free times from GraphQL `AvailableTimeSlots`, and success on `/thank-you`. The simulator's own
event log is the witness."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from autobook.db.models import HandoffSession
from autobook.db.session import transaction
from autobook.domain.statuses import TaskStatus
from autobook.runtime import Runtime
from engine_support import (
    LONDON,
    SQLITE_ONLY,
    add_account,
    add_card,
    add_task,
    assert_booked,
    clinic_thursday,
    ended_as,
    fast_runtime,
    run_once,
    sandbox_fixture,
    sim_events,
    sim_fixture,
)

pytestmark = [pytest.mark.e2e, SQLITE_ONLY]

REFERENCE = re.compile(r"^MX-[A-Z0-9]{6}$")
PAGE = "/booking/lumen-skin-clinic"
GOOD_CARD, DECLINED_CARD = "4111111111111111", "4000000000000002"

box = sandbox_fixture("clinic", "empty")
moxie = sim_fixture("clinic", origin="moxie", seed="empty")


@pytest.fixture
def rt(runtime: Runtime, box: Any, moxie: httpx.Client) -> Runtime:
    """The runtime with the clinic's booking URL on the six-step widget's page."""
    runtime = fast_runtime(runtime, box)
    url = f"{str(moxie.base_url).rstrip('/')}{PAGE}"
    runtime.settings = runtime.settings.model_copy(update={"clinic_url": url})
    return runtime


def task(rt: Runtime, card: str = GOOD_CARD, **fields: Any) -> int:
    account = add_account(rt, "clinic", "jane@example.com", "unused-pw-1",
                          display_name="Jane Doe", phone="+44 7700 900123")  # fmt: skip
    values: dict[str, Any] = {
        "site": "clinic", "venue": "lumen-skin-clinic", "activity": "botox",
        "target_date": clinic_thursday(), "times": ["14:30", "15:00"],
        "courts": ["Alex Morgan", "Brandi Lopez"], "account_ids": [account],
        "payment_method": "card",
    }  # fmt: skip
    values.update(fields)
    if values["payment_method"] == "card":
        values["payment_profile_id"] = add_card(rt, account_id=account, card_number=card)
    return add_task(rt, **values)


def test_books_by_card_and_success_on_thank_you_is_success(
    rt: Runtime, moxie: httpx.Client
) -> None:
    task_id = task(rt)
    result = run_once(rt, task_id)

    booking = assert_booked(rt, task_id, result, REFERENCE)
    assert booking.court == "Alex Morgan" and booking.venue == "Lumen Skin Clinic"
    assert booking.starts_at.astimezone(LONDON).strftime("%H:%M") == "14:30"
    [event] = sim_events(str(moxie.base_url), "booking")
    assert event["reference"] == result.reference and event["detail"]["card_last4"] == "1111"
    assert event["slot"] == f"alex/{clinic_thursday().isoformat()}/14:30"
    # The screenshot is of the thank-you page the browser landed on.
    assert result.screenshot and (rt.settings.screenshots_dir / result.screenshot).is_file()


def test_declined_card_is_declined_with_the_pages_words(rt: Runtime, moxie: httpx.Client) -> None:
    task_id = task(rt, card=DECLINED_CARD, sub_location="brandi")
    result = run_once(rt, task_id)

    row = ended_as(rt, task_id, result, "declined", TaskStatus.FAILED)
    assert row.error and "Payment failed" in row.error and "declined" in row.error
    assert DECLINED_CARD not in row.error
    assert sim_events(str(moxie.base_url), "booking") == []
    [payment] = sim_events(str(moxie.base_url), "payment")
    assert payment["detail"]["outcome"] == "declined"


def test_handoff_stops_at_the_payment_step(rt: Runtime, moxie: httpx.Client) -> None:
    task_id = task(rt, payment_method="handoff", sub_location="alex")
    result = run_once(rt, task_id)

    assert result.outcome == "handoff", result.message
    assert sim_events(str(moxie.base_url), "payment") == []
    assert sim_events(str(moxie.base_url), "booking") == []
    with transaction(rt.sessions) as db:
        [handoff] = db.query(HandoffSession).filter(HandoffSession.task_id == task_id).all()
        url = rt.vault.decrypt(handoff.handoff_url_enc or "")
    # This widget keeps its steps in the page, not in its address: the page's own URL would
    # land the person on step 2. The session walks them again and is shown live
    # (test_handoff_live has the person paying).
    assert url.startswith("/handoff/") and handoff.mode == "live" and handoff.state == "created"
    walk = handoff.request or {}
    assert walk["bookingUrl"] == f"{str(moxie.base_url).rstrip('/')}{PAGE}"
    assert (walk["provider"], walk["time"]) == ("Alex Morgan", "14:30")
    assert result.screenshot and (rt.settings.screenshots_dir / result.screenshot).is_file()


def test_watching_polls_the_availability_data_not_the_pages(
    rt: Runtime, moxie: httpx.Client
) -> None:
    """Checks with nothing to book: after the first, the site sees only GraphQL queries."""
    task_id = task(rt, times=["07:00"])  # before anyone starts work: never free
    first = run_once(rt, task_id)
    assert first.outcome == "no_slot", first.message
    since = max((e["seq"] for e in sim_events(str(moxie.base_url))), default=0)
    for _ in range(2):
        assert run_once(rt, task_id).outcome == "no_slot"
    later = [e for e in sim_events(str(moxie.base_url), "request") if e["seq"] > since]
    assert later, "the checks asked the site nothing"
    assert {(e["method"], e["path"]) for e in later} == {("POST", "/v1/graphql")}
