"""The engine books on the Better simulator through the Better adapter: benefit and credit over
the API, saved card and new card in real Chromium (the payment iframe and its bot traps), dry
runs that stop at the pay button, and every error class provoked by the simulator's faults.
The simulator's own event log is the witness: exactly one booking per booked run, none
otherwise."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest

from autobook.domain.statuses import TaskStatus
from autobook.engine.attempt import AttemptResult
from autobook.engine.steps import StepEvent
from autobook.runtime import Runtime
from autobook.sandbox.better.site import DEMO_CARD_CVV, DEMO_USERS
from autobook.sandbox.runner import Sandbox
from engine_support import (
    LONDON,
    SQLITE_ONLY,
    add_account,
    add_card,
    add_task,
    assert_site_changed,
    attempts_of,
    bookings_of,
    ended_as,
    run_once,
    runtime_fixture,
    sandbox_fixture,
    sim_events,
    sim_fixture,
    steps_of,
    task_row,
)

pytestmark = pytest.mark.e2e

# The simulator's clock, pinned per test a week ahead of the real one: the engine compares
# release instants and slot days with its own clock, so the site's "now" must never fall
# behind it (a fixed date would turn every test into "expired" once it has passed).
NOW = datetime.combine(datetime.now(LONDON).date() + timedelta(days=7), time(9, 30), LONDON)
TOMORROW = NOW.date() + timedelta(days=1)  # released (7 days ahead at 22:00)
NEXT_RELEASE_DAY = NOW.date() + timedelta(days=7)  # listed, opens at 22:00 "tonight"
TONIGHT_22 = datetime.combine(NOW.date(), time(22, 0), LONDON).astimezone(UTC)
HENDON, B60 = "hendon-leisure-centre", "badminton-60min"
MEMBER, CREDIT, SAVED = DEMO_USERS
NEW_CARD_USER = ("newcard@example.com", "Newcard-pass-1")
NEW_CARD = "4929000000006"


def occupy(sim: httpx.Client, start: str, *, taken: list[int], free: list[int] = []) -> None:  # noqa: B006
    body = {"key": f"{HENDON}/{B60}/{TOMORROW}/{start}", "taken": taken, "free": free}
    sim.post("/_sandbox/better/occupancy", json=body).raise_for_status()


def courts_to_choose_from(sim: httpx.Client) -> None:
    """Court 1 of tomorrow 20:00 taken (so the engine has courts to choose between) and an
    account with no saved card for new cards."""
    occupy(sim, "20:00", taken=[1], free=[2, 3, 4])
    user = {"email": NEW_CARD_USER[0], "password": NEW_CARD_USER[1]}
    sim.post("/_sandbox/better/users", json=user).raise_for_status()
    sim.delete("/_sandbox/events").raise_for_status()


box = sandbox_fixture("better", "demo")
sim = sim_fixture("better", "api", "demo", now=NOW, prepare=courts_to_choose_from)
rt = runtime_fixture(typing_ms=None)  # a person's pace: the payment iframe times the typing


@pytest.fixture
def api_base(box: Sandbox) -> str:
    return box.url("better", "api")


def better_task(
    rt: Runtime, user: tuple[str, str], method: str, day: date = TOMORROW, **fields: Any
) -> int:
    account = add_account(rt, "better", user[0], user[1])
    if method in ("card", "saved_card"):
        card = {"card_number": NEW_CARD} if method == "card" else {"cvv": DEMO_CARD_CVV}
        fields.setdefault("payment_profile_id", add_card(rt, **card))
    values: dict[str, Any] = {
        "site": "better", "venue": HENDON, "activity": B60, "target_date": day,
        "times": ["20:00", "21:00"], "courts": ["Court 3"], "account_ids": [account],
        "payment_method": method,
    }  # fmt: skip
    return add_task(rt, **{**values, **fields})


def user_for(method: str) -> tuple[str, str]:
    return {"benefit": MEMBER, "credit": CREDIT, "saved_card": SAVED, "card": NEW_CARD_USER}[method]


# Only the bookings by each method also run on PostgreSQL (the rest are SQLITE_ONLY).
METHODS = ["benefit", "credit", "saved_card", "card"]
PRICES = {"benefit": "£0.00", "credit": "£16.40", "saved_card": "£16.40", "card": "£16.40"}


# --- booking with every payment method --------------------------------------------------------
@pytest.mark.parametrize("method", METHODS)
def test_books_with_each_payment_method(
    rt: Runtime, sim: httpx.Client, api_base: str, method: str
) -> None:
    task = better_task(rt, user_for(method), method)
    result = run_once(rt, task)

    assert result.outcome == "booked", result.message
    assert task_row(rt, task).status == TaskStatus.SUCCEEDED
    site_bookings = sim_events(api_base, "booking")
    assert len(site_bookings) == 1, site_bookings
    event = site_bookings[0]
    assert event["detail"]["method"] == method
    assert event["slot"] == f"{HENDON}/{B60}/{TOMORROW}/20:00"
    [row] = bookings_of(rt, task)
    assert row.reference == event["reference"] == result.reference
    assert row.court == event["detail"]["court"] == "Court 3"  # the preferred court
    assert row.price == PRICES[method]
    assert result.screenshot and (rt.settings.screenshots_dir / result.screenshot).is_file()


@SQLITE_ONLY
def test_confirmation_screenshot_is_of_the_logged_in_page(
    rt: Runtime, sim: httpx.Client, box: Sandbox
) -> None:
    task = better_task(rt, CREDIT, "credit")
    result = run_once(rt, task)
    assert result.outcome == "booked", result.message
    web = box.url("better", "web")
    shown = [
        e for e in sim_events(web, "request")
        if e["path"] == f"/booking-confirmed/{result.reference}"
    ]  # fmt: skip
    assert [e["status"] for e in shown] == [200]  # 404 unless the token cookie was sent


# --- dry runs ------------------------------------------------------------------------------
@SQLITE_ONLY
@pytest.mark.parametrize("method", METHODS)
def test_dry_run_stops_at_the_pay_button(
    rt: Runtime, sim: httpx.Client, api_base: str, method: str
) -> None:
    task = better_task(rt, user_for(method), method, dry_run=True)
    result = run_once(rt, task)

    assert result.outcome == "dry_run", result.message
    assert sim_events(api_base, "booking") == []
    assert sim_events(api_base, "payment") == []
    assert result.screenshot and (rt.settings.screenshots_dir / result.screenshot).is_file()
    assert bookings_of(rt, task) == []


# --- error classes -------------------------------------------------------------------------
def run_with_faults(
    rt: Runtime, sim: httpx.Client, faults: dict[str, Any], user: tuple[str, str], method: str
) -> tuple[int, AttemptResult]:
    """A new task for `user` paying by `method`, run once with the simulator's `faults` on."""
    sim.put("/_sandbox/faults", json=faults).raise_for_status()
    task = better_task(rt, user, method)
    return task, run_once(rt, task)


@SQLITE_ONLY
def test_wrong_password_fails_once_and_is_never_retried(
    rt: Runtime, sim: httpx.Client, api_base: str
) -> None:
    task = better_task(rt, (CREDIT[0], "not-the-password"), "credit")
    result = run_once(rt, task)
    again = run_once(rt, task)

    row = ended_as(rt, task, result, "auth", TaskStatus.FAILED)
    assert row.error and "authentication error" in row.error
    assert "not-the-password" not in (row.error or "")
    assert again.outcome == "busy"  # a failed task is not run again
    assert len(sim_events(api_base, "login")) == 1


@SQLITE_ONLY
def test_load_shedding_is_retried_then_booked_or_left_pending(
    rt: Runtime, sim: httpx.Client, api_base: str
) -> None:
    """The session releases right now and the site sheds every cart request for 3 s: the
    engine retries (≤3) with backoff, then books, or leaves the task pending."""
    sim.put("/_sandbox/better/load-shedding", json={"rate": 1.0, "window_s": 3.0})
    key = f"{HENDON}/{B60}/{TOMORROW}/20:00"
    now = sim.get("/_sandbox/clock").json()["now"]
    sim.post("/_sandbox/better/release/session", json={"key": key, "at": now})
    task = better_task(rt, CREDIT, "credit", times=["20:00"])
    result = run_once(rt, task)

    shed = [e for e in sim_events(api_base, "rejected") if e["detail"]["reason"] == "load_shedding"]
    assert 1 <= len(shed) <= 4
    hold_steps = [s for s in steps_of(rt, result.attempt_id or 0) if s[0] == "hold"]
    assert "retry 1/3" in (hold_steps[0][2] or "")
    assert_booked_or_pending(rt, task, result, api_base)


@SQLITE_ONLY
def test_server_errors_are_retried_then_booked_or_left_pending(
    rt: Runtime, sim: httpx.Client, api_base: str
) -> None:
    task, result = run_with_faults(rt, sim, {"error_rate": 0.3}, MEMBER, "benefit")

    assert sim_events(api_base, "fault"), "the fault never fired"
    assert_booked_or_pending(rt, task, result, api_base)


def assert_booked_or_pending(rt: Runtime, task: int, result: AttemptResult, api_base: str) -> None:
    """After retries ran out or won: booked once, or back to pending with nothing booked."""
    assert result.outcome in ("booked", "transient"), result.message
    booked = sim_events(api_base, "booking")
    assert len(booked) == (1 if result.outcome == "booked" else 0)
    expected = TaskStatus.SUCCEEDED if result.outcome == "booked" else TaskStatus.PENDING
    assert task_row(rt, task).status == expected


@SQLITE_ONLY
def test_court_taken_before_the_hold_sends_the_task_back(
    rt: Runtime, sim: httpx.Client, api_base: str
) -> None:
    """Only Court 2 is free; a competitor books it between the listing and the hold."""
    occupy(sim, "20:00", taken=[3, 4])

    def competitor(event: StepEvent) -> None:
        if event.name == "hold" and event.status == "running":
            occupy(sim, "20:00", taken=[2])

    task = better_task(rt, CREDIT, "credit", times=["20:00"])
    result = run_once(rt, task, progress=competitor)

    row = ended_as(rt, task, result, "slot_taken", TaskStatus.PENDING)
    assert row.next_run_at is not None
    assert "already full" in (attempts_of(rt, task)[-1][1] or "")
    assert sim_events(api_base, "booking") == []


@SQLITE_ONLY
def test_hold_dropped_during_checkout_sends_the_task_back(
    rt: Runtime, sim: httpx.Client, api_base: str
) -> None:
    task, result = run_with_faults(rt, sim, {"drop_cart_rate": 1.0}, CREDIT, "credit")

    ended_as(rt, task, result, "slot_taken", TaskStatus.PENDING)
    # Right after the hold its own answer is the basket read back, so the checkout call is
    # the one that finds the basket empty.
    assert "dropped the hold" in result.message or "hold was lost" in result.message
    assert sim_events(api_base, "booking") == []


@SQLITE_ONLY
def test_declined_card_fails_with_the_sites_reason(
    rt: Runtime, sim: httpx.Client, api_base: str
) -> None:
    task, result = run_with_faults(rt, sim, {"decline_payments": True}, SAVED, "saved_card")

    row = ended_as(rt, task, result, "declined", TaskStatus.FAILED)
    assert "payment declined: Your payment was declined" in (row.error or "")
    payments = sim_events(api_base, "payment")
    assert [p["detail"]["outcome"] for p in payments] == ["declined"]
    assert sim_events(api_base, "booking") == []


@SQLITE_ONLY
def test_not_released_yet_waits_for_the_release(
    rt: Runtime, sim: httpx.Client, api_base: str
) -> None:
    task = better_task(rt, CREDIT, "credit", day=NEXT_RELEASE_DAY)
    result = run_once(rt, task)

    row = ended_as(rt, task, result, "not_released", TaskStatus.PENDING)
    assert row.next_run_at is not None  # first_bookable_at: 22:00 London, in UTC
    assert row.next_run_at.replace(tzinfo=UTC) == TONIGHT_22
    assert sim_events(api_base, "hold") == []


@SQLITE_ONLY
def test_site_changed_fails_with_screenshot_html_and_selector(
    rt: Runtime, sim: httpx.Client, api_base: str
) -> None:
    task = better_task(rt, NEW_CARD_USER, "card")
    selector = "I agree to the Terms and Conditions"
    assert_site_changed(rt, sim, task, step="pay", selector=selector)
    screenshots = list(rt.settings.screenshots_dir.glob(f"task{task}-*-changed.png"))
    pages = list(rt.settings.diagnostics_dir.glob(f"task{task}-*.html"))
    assert len(screenshots) == 1 and len(pages) == 1
    html = pages[0].read_text()
    assert "I accept the booking conditions" in html and NEW_CARD not in html
    assert sim_events(api_base, "booking") == []
