"""The engine books on the gym simulator: over its JSON API, with the browser (real Chromium)
for the confirmation screenshot and for a dry run's stop at the Book button. The simulator's
own event log is the witness: exactly one booking per booked run, none for a dry run."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx
import pytest

from autobook.domain.booking import Credentials, Hold, Payment, Slot
from autobook.domain.statuses import TaskStatus
from autobook.domain.tasks import PaymentMethod
from autobook.runtime import Runtime
from autobook.sandbox.gym.site import DEMO_USERS
from autobook.sites.base import SiteChanged
from autobook.sites.gym.adapter import GymAdapter
from engine_support import (
    LONDON,
    add_account,
    add_task,
    assert_booked,
    assert_site_changed,
    assert_waits_for_release,
    bookings_of,
    drive_adapter,
    ended_as,
    run_once,
    runtime_fixture,
    sandbox_fixture,
    sim_events,
    sim_fixture,
    steps_of,
    tomorrow,
)

pytestmark = pytest.mark.e2e

ALEX = DEMO_USERS[0]
REFERENCE = re.compile(r"^GYM-[A-Z0-9]{6}$")


box = sandbox_fixture("gym", "quiet")
gym = sim_fixture("gym", seed="quiet")  # its real clock, its demo members, an empty timetable
rt = runtime_fixture()


def gym_task(rt: Runtime, login: tuple[str, str] = ALEX, **fields: Any) -> int:
    account = add_account(rt, "gym", login[0], login[1])
    values: dict[str, Any] = {
        "site": "gym", "venue": "X1", "sub_location": "A", "activity": "gym-60min",
        "target_date": tomorrow(), "times": ["07:00", "08:00"], "account_ids": [account],
        "payment_method": "benefit",
    }  # fmt: skip
    return add_task(rt, **{**values, **fields})


def slot_key(at: str, sub: str = "A") -> str:
    """Tomorrow's slots are all unlocked: the gym opens them 48 hours before they start."""
    return f"{tomorrow().isoformat()}T{at}|X1|{sub}"


def test_books_with_the_membership_once(rt: Runtime, gym: httpx.Client) -> None:
    task = gym_task(rt)
    result = run_once(rt, task)

    booking = assert_booked(rt, task, result, REFERENCE)
    assert (result.court, result.price) == ("A", "£0.00")
    assert (booking.venue, booking.court, booking.price) == ("X1", "A", "£0.00")
    assert booking.starts_at.astimezone(LONDON).strftime("%H:%M") == "07:00"
    events = sim_events(str(gym.base_url), "booking")
    assert [(e["reference"], e["slot"]) for e in events] == [(result.reference, slot_key("07:00"))]
    assert result.screenshot and (rt.settings.screenshots_dir / result.screenshot).is_file()
    # The confirmation page needed the web login, typed into the members' form.
    logins = [e["detail"]["via"] for e in sim_events(str(gym.base_url), "login")]
    assert logins == ["api", "web"]

    again = run_once(rt, task)
    assert again.outcome == "already_booked"
    assert len(sim_events(str(gym.base_url), "booking")) == 1


def test_falls_back_to_the_next_time_and_the_other_area(rt: Runtime, gym: httpx.Client) -> None:
    for key in (slot_key("07:00", "A"), slot_key("07:00", "B")):
        gym.post("/_sandbox/gym/fill", json={"slot": key}).raise_for_status()
    task = gym_task(rt, sub_location=None, courts=["B", "A"])
    result = run_once(rt, task)

    assert result.outcome == "booked", result.message
    assert result.court == "B"  # 08:00 is free in both; B is preferred
    [event] = sim_events(str(gym.base_url), "booking")
    assert event["slot"] == slot_key("08:00", "B") and event["reference"] == result.reference


def test_dry_run_stops_at_the_book_button(rt: Runtime, gym: httpx.Client) -> None:
    task = gym_task(rt, dry_run=True)
    result = run_once(rt, task)

    assert result.outcome == "dry_run", result.message
    assert result.screenshot and (rt.settings.screenshots_dir / result.screenshot).is_file()
    assert sim_events(str(gym.base_url), "booking") == []
    assert bookings_of(rt, task) == []
    requests = [(e["method"], e["path"]) for e in sim_events(str(gym.base_url), "request")]
    assert ("GET", "/book") in requests
    assert not [r for r in requests if r[0] == "POST" and "book" in r[1]]


def test_site_changed_fails_naming_step_and_field(rt: Runtime, gym: httpx.Client) -> None:
    assert_site_changed(rt, gym, gym_task(rt), step="availability", selector="'status'")
    assert sim_events(str(gym.base_url), "booking") == []


def test_wrong_password_is_an_authentication_error(rt: Runtime, gym: httpx.Client) -> None:
    task = gym_task(rt, login=(ALEX[0], "not-the-password"))
    result = run_once(rt, task)

    row = ended_as(rt, task, result, "auth", TaskStatus.FAILED)
    assert row.error and row.error.startswith("authentication error")
    assert "not-the-password" not in (row.error + result.message)
    assert len(sim_events(str(gym.base_url), "login")) == 1  # never retried


def test_daily_limit_waits_for_the_next_cycle(rt: Runtime, gym: httpx.Client) -> None:
    token = gym.post("/api/auth/login", json={"email": ALEX[0], "password": ALEX[1]}).json()
    for at in ("12:00", "13:00"):  # the member's two bookings of that day, made elsewhere
        body = {"date": tomorrow().isoformat(), "time": at, "location": "Fitness"}
        headers = {"Authorization": f"Bearer {token['token']}"}
        gym.post("/api/bookings", json=body, headers=headers).raise_for_status()
    task = gym_task(rt)
    result = run_once(rt, task)

    ended_as(rt, task, result, "account_limit", TaskStatus.PENDING)
    assert "daily limit of 2 bookings" in result.message
    assert len(sim_events(str(gym.base_url), "booking")) == 2


def test_before_unlock_waits_for_the_opening(rt: Runtime, gym: httpx.Client) -> None:
    later = tomorrow() + timedelta(days=3)  # 4 days ahead: locked for two more days
    task = gym_task(rt, target_date=later)
    result = run_once(rt, task)

    # The gym's rule is on the wall clock: 07:00 two days before, in London.
    opens = datetime.combine(later - timedelta(days=2), time(7), tzinfo=LONDON)
    assert_waits_for_release(rt, task, result, opens)
    assert any(name == "find" for name, _, _ in steps_of(rt, result.attempt_id or 0))


def test_dry_run_page_without_its_book_button_is_site_changed(gym: httpx.Client) -> None:
    """The page half of the site_changed fault: the renamed Book button is named in the error."""
    gym.put("/_sandbox/faults", json={"site_changed": True}).raise_for_status()
    slot = Slot(slot_key("07:00"), datetime.now(UTC), datetime.now(UTC), court="A")

    async def dry_run(adapter: GymAdapter) -> None:
        await adapter.checkout(
            Hold(slot, token=slot.site_id), Payment(PaymentMethod.BENEFIT), dry_run=True
        )

    with pytest.raises(SiteChanged) as info:
        drive_adapter(GymAdapter, Credentials(*ALEX), {"gym": str(gym.base_url)}, dry_run)
    assert info.value.step == "checkout" and "button.book-button" in info.value.selector
    assert sim_events(str(gym.base_url), "booking") == []
