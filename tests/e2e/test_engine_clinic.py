"""The engine books at the Moxie-style clinic simulator (seed 004) in real Chromium: steps 1–4
hold a provider's time for the account's patient, step 5 is paid by a typed test card. The
simulator's own event log is the witness: one booking per booked run, none otherwise."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
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
    assert_waits_for_release,
    bookings_of,
    clinic_thursday,
    ended_as,
    run_once,
    runtime_fixture,
    sandbox_fixture,
    sim_events,
    sim_fixture,
    sim_now,
    snipe_once,
)

pytestmark = pytest.mark.e2e

REFERENCE = re.compile(r"^MX-[A-Z0-9]{6}$")
PATIENT = ("jane@example.com", "+44 7700 900123", "Jane Doe")  # login, phone, name
GOOD_CARD, DECLINED_CARD = "4111111111111111", "4000000000000002"


box = sandbox_fixture("clinic", "empty")
# The simulator on its real clock (the engine checks dates on the real one), no diary.
clinic = sim_fixture("clinic", seed="empty")
rt = runtime_fixture()


def clinic_task(
    rt: Runtime,
    patient: tuple[str, str | None, str] = PATIENT,
    card: str = GOOD_CARD,
    **fields: Any,
) -> int:
    login, phone, name = patient  # the clinic has no login: any password will do
    account = add_account(rt, "clinic", login, "unused-pw-1", display_name=name, phone=phone)
    values: dict[str, Any] = {
        "site": "clinic", "venue": "lumen-skin-clinic", "activity": "botox",
        "target_date": clinic_thursday(), "times": ["14:30", "15:00"],
        "courts": ["Alex", "Brandi"], "account_ids": [account], "payment_method": "card",
    }  # fmt: skip
    values.update(fields)
    if values["payment_method"] == "card" and "payment_profile_id" not in values:
        values["payment_profile_id"] = add_card(rt, account_id=account, card_number=card)
    return add_task(rt, **values)


def test_books_by_card_once_with_the_preferred_provider(rt: Runtime, clinic: httpx.Client) -> None:
    task = clinic_task(rt)
    result = run_once(rt, task)

    booking = assert_booked(rt, task, result, REFERENCE)
    assert (result.court, result.price) == ("Alex", "£250")
    assert (booking.court, booking.price) == ("Alex", "£250")
    assert booking.venue == "Lumen Skin Clinic"  # the clinic's name, as its page gives it
    assert booking.starts_at.astimezone(LONDON).strftime("%H:%M") == "14:30"
    [event] = sim_events(str(clinic.base_url), "booking")
    assert event["reference"] == result.reference
    assert event["slot"] == f"alex/{clinic_thursday().isoformat()}/14:30"
    assert event["actor"] == PATIENT[0] and event["detail"]["card_last4"] == "1111"
    [session] = [e["reference"] for e in sim_events(str(clinic.base_url), "hold")]
    contact = clinic.get(f"/_sandbox/clinic/sessions/{session}").json()["contact"]
    assert (contact["first_name"], contact["last_name"]) == ("Jane", "Doe")
    assert contact["phone"] == "+447700900123"  # the account's phone, spaces dropped
    assert result.screenshot and (rt.settings.screenshots_dir / result.screenshot).is_file()

    again = run_once(rt, task)
    assert again.outcome == "already_booked"
    assert len(sim_events(str(clinic.base_url), "booking")) == 1


@SQLITE_ONLY
def test_falls_back_to_the_next_time_when_the_first_is_taken(
    rt: Runtime, clinic: httpx.Client
) -> None:
    for provider in ("alex", "brandi"):  # phone bookings take 14:30 with both
        slot = f"{provider}/{clinic_thursday().isoformat()}/14:30"
        clinic.post("/_sandbox/clinic/appointments", json={"slot": slot}).raise_for_status()
    task = clinic_task(rt, sub_location="brandi")  # only her diary is read
    result = run_once(rt, task)

    assert result.outcome == "booked", result.message
    assert result.court == "Brandi"
    mine = [e for e in sim_events(str(clinic.base_url), "booking") if e["actor"] == PATIENT[0]]
    assert [e["slot"] for e in mine] == [f"brandi/{clinic_thursday().isoformat()}/15:00"]


@SQLITE_ONLY
def test_declined_card_fails_with_the_sites_reason(rt: Runtime, clinic: httpx.Client) -> None:
    task = clinic_task(rt, card=DECLINED_CARD, sub_location="alex")
    result = run_once(rt, task)

    row = ended_as(rt, task, result, "declined", TaskStatus.FAILED)
    assert row.error and "Payment Failed" in row.error and "Card Declined" in row.error
    assert DECLINED_CARD not in row.error + result.message
    assert sim_events(str(clinic.base_url), "booking") == []
    [payment] = sim_events(str(clinic.base_url), "payment")
    assert payment["detail"]["outcome"] == "declined"  # one click, never retried


@SQLITE_ONLY
def test_dry_run_stops_at_book_appointment(rt: Runtime, clinic: httpx.Client) -> None:
    task = clinic_task(rt, dry_run=True, sub_location="alex")
    result = run_once(rt, task)

    assert result.outcome == "dry_run", result.message
    assert result.screenshot and (rt.settings.screenshots_dir / result.screenshot).is_file()
    assert bookings_of(rt, task) == []
    base = str(clinic.base_url)
    assert sim_events(base, "booking") == [] and sim_events(base, "payment") == []
    [hold] = sim_events(base, "hold")  # steps 1–4 were done, for the preferred provider
    assert hold["slot"] == f"alex/{clinic_thursday().isoformat()}/14:30"


@SQLITE_ONLY
def test_handoff_leaves_the_payment_step_open(rt: Runtime, clinic: httpx.Client) -> None:
    task = clinic_task(rt, payment_method="handoff", sub_location="alex")
    result = run_once(rt, task)

    assert result.outcome == "handoff", result.message
    [hold] = sim_events(str(clinic.base_url), "hold")
    session = clinic.get(f"/_sandbox/clinic/sessions/{hold['reference']}").json()
    assert (session["status"], session["step"]) == ("open", 5)
    assert sim_events(str(clinic.base_url), "booking") == []
    with transaction(rt.sessions) as db:
        [handoff] = db.query(HandoffSession).filter(HandoffSession.task_id == task).all()
        url = rt.vault.decrypt(handoff.handoff_url_enc or "")
    assert (handoff.state, handoff.mode) == ("ready_for_handoff", "url")
    assert ended_as(rt, task, result, "handoff", TaskStatus.AWAITING_PAYMENT)
    assert url == f"{str(clinic.base_url).rstrip('/')}/book/s/{hold['reference']}/step/5"
    assert url in result.message  # for the notification; the log line leaves it out
    assert httpx.get(url).status_code == 200  # a person can open it, no cookie needed


@SQLITE_ONLY
def test_a_redesign_of_the_markup_does_not_stop_it(rt: Runtime, clinic: httpx.Client) -> None:
    """The driver reads what a person sees, not class names: the "redesigned" widget (its
    time grid and buttons renamed) still books."""
    clinic.put("/_sandbox/faults", json={"site_changed": True}).raise_for_status()
    result = run_once(rt, clinic_task(rt, sub_location="alex"))
    assert result.outcome == "booked", result.message
    assert len(sim_events(str(clinic.base_url), "booking")) == 1


@SQLITE_ONLY
def test_a_page_that_says_nothing_after_paying_is_unknown_never_declined(
    rt: Runtime, clinic: httpx.Client
) -> None:
    """The site took the payment, but its answer is a page with no confirmation and no error:
    the task fails as "unknown" with the page saved, and is never paid again."""
    settings = clinic.get("/_sandbox/clinic/settings").json() | {"after_payment": "blank"}
    clinic.put("/_sandbox/clinic/settings", json=settings).raise_for_status()
    rt.settings = rt.settings.model_copy(update={"payment_answer_s": 3.0})  # not what is tested
    task = clinic_task(rt, sub_location="alex")
    result = run_once(rt, task)

    row = ended_as(rt, task, result, "payment_unknown", TaskStatus.FAILED)
    assert row.error and "unknown" in row.error and "declin" not in row.error
    shots = list(rt.settings.screenshots_dir.glob("*pay-changed.png"))
    assert len(shots) == 1  # the page as it was, for a person to check with the clinic
    assert len(sim_events(str(clinic.base_url), "booking")) == 1  # it was in fact paid
    assert run_once(rt, task).outcome != "booked"  # a failed task is not tried again
    assert len(sim_events(str(clinic.base_url), "payment")) == 1


@SQLITE_ONLY
def test_a_day_not_open_yet_waits_for_its_midnight(rt: Runtime, clinic: httpx.Client) -> None:
    later = datetime.now(LONDON).date() + timedelta(days=33)  # the window is 30 days
    task = clinic_task(rt, target_date=later)
    result = run_once(rt, task)

    opens = datetime.combine(later - timedelta(days=30), datetime.min.time(), LONDON)
    assert_waits_for_release(rt, task, result, opens)
    assert "opens on" in result.message


@SQLITE_ONLY
def test_a_missing_mobile_number_is_named_before_anything_is_held(
    rt: Runtime, clinic: httpx.Client
) -> None:
    task = clinic_task(rt, patient=("ann@example.com", None, "Ann Lee"))
    result = run_once(rt, task)

    row = ended_as(rt, task, result, "config", TaskStatus.FAILED)
    assert row.error and "account phone" in row.error and "mobile number" in row.error
    assert "unused-pw-1" not in row.error
    assert sim_events(str(clinic.base_url), "request") == []  # the site was never asked


@SQLITE_ONLY
def test_snipes_the_midnight_release(rt: Runtime, clinic: httpx.Client) -> None:
    """Nothing is listed before the day opens: the snipe's arm finds it not released, waits
    for midnight on the site's clock, then lists, holds and pays right after it."""
    release = next_opening_with_providers(clinic)
    lead = timedelta(seconds=15)  # for the first look and the clock sync
    clinic.post("/_sandbox/clock", json={"now": (release - lead).isoformat()}).raise_for_status()
    task = clinic_task(rt, target_date=release.date() + timedelta(days=30), strategy="snipe")
    result = snipe_once(rt, task, release)
    ended_as(rt, task, result, "booked", TaskStatus.SUCCEEDED)
    [event] = sim_events(str(clinic.base_url), "booking")
    assert event["reference"] == result.reference
    assert datetime.fromisoformat(event["at"]) >= release


def next_opening_with_providers(clinic: httpx.Client) -> datetime:
    """The next local midnight on the site's clock that opens a day someone works (not a
    Sunday): days open 30 days ahead."""
    day = sim_now(str(clinic.base_url)).date() + timedelta(days=1)
    if (day + timedelta(days=30)).weekday() == 6:
        day += timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=LONDON)
