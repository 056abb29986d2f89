"""The engine books padel courts on the Estelle Manor simulator in real Chromium, clicking
through from home as a member does, billed to the member account (the only way the site takes
payment). The simulator's own event log is the witness: exactly one booking per booked run, none
for a dry run or a failure."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest

from autobook.db.models import Task
from autobook.db.session import transaction
from autobook.domain.statuses import TaskStatus
from autobook.runtime import Runtime
from autobook.sandbox.estelle.site import DEMO_USERS
from engine_support import (
    LONDON,
    SQLITE_ONLY,
    add_account,
    add_estelle_member,
    add_task,
    as_utc,
    assert_booked,
    assert_site_changed,
    assert_waits_for_release,
    bookings_of,
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

EMAIL, PASSWORD = DEMO_USERS[0]
REFERENCE = re.compile(r"^EMP\d{7}$")


box = sandbox_fixture("estelle")
club = sim_fixture("estelle", prepare=add_estelle_member)  # real clock, every court free
rt = runtime_fixture(typing_ms=2)


def club_day(club: httpx.Client, ahead: int = 3) -> date:
    """A date `ahead` days after the site's today (3: released, every hour still ahead)."""
    return sim_now(str(club.base_url)).date() + timedelta(days=ahead)


def slot_key(day: date, at: str, court: int) -> str:
    return f"{day.isoformat()}T{at}/court-{court}"


def padel_task(rt: Runtime, club: httpx.Client, password: str = PASSWORD, **fields: Any) -> int:
    """A task for the member, with a new site account holding `password`."""
    account = add_account(rt, "estelle", EMAIL, password)
    values: dict[str, Any] = {
        "site": "estelle", "venue": "padel-courts", "activity": "padel-60min",
        "target_date": club_day(club), "times": ["19:00", "20:00"], "account_ids": [account],
        "payment_method": "credit",
    }  # fmt: skip
    return add_task(rt, **{**values, **fields})


def events(club: httpx.Client, kind: str) -> list[dict[str, Any]]:
    return sim_events(str(club.base_url), kind)


def test_books_the_first_time_and_court_it_can_once(rt: Runtime, club: httpx.Client) -> None:
    """19:00 is full, court 1 is taken at 20:00: the fallback time on the next wanted court."""
    day = club_day(club)
    for at, court in (("19:00", 1), ("19:00", 2), ("19:00", 3), ("20:00", 1)):
        occupy(club, slot_key(day, at, court), f"member-{at}-{court}")  # one court per member-hour
    task = padel_task(rt, club, courts=["Padel Court 1", "Padel Court 3"])
    result = run_once(rt, task)

    booking = assert_booked(rt, task, result, REFERENCE)
    assert (result.court, result.price) == ("Padel Court 3", "£40.00")
    assert (booking.court, booking.venue) == ("Padel Court 3", "padel-courts")
    assert booking.price == "£40.00"
    assert as_utc(booking.starts_at) == datetime.combine(day, time(20), LONDON).astimezone(UTC)
    assert as_utc(booking.ends_at) == datetime.combine(day, time(21), LONDON).astimezone(UTC)
    [event] = events(club, "booking")
    assert (event["reference"], event["slot"], event["actor"]) == (
        result.reference, slot_key(day, "20:00", 3), EMAIL,
    )  # fmt: skip
    assert result.screenshot and (rt.settings.screenshots_dir / result.screenshot).is_file()
    # Clicked through from home: the click-through check never sent the browser back.
    assert events(club, "bot_redirect") == []

    again = run_once(rt, task)
    assert again.outcome == "already_booked"
    assert len(events(club, "booking")) == 1


@SQLITE_ONLY
def test_never_pays_twice_for_a_booking_made_elsewhere(rt: Runtime, club: httpx.Client) -> None:
    """The member booked 19:00 by other means: the engine finds it on My Bookings."""
    day = club_day(club)
    reference = occupy(club, slot_key(day, "19:00", 2), EMAIL)
    task = padel_task(rt, club)
    result = run_once(rt, task)

    assert result.outcome == "already_booked", result.message
    assert (result.reference, result.court) == (reference, "Padel Court 2")
    assert [b.reference for b in bookings_of(rt, task)] == [reference]
    assert events(club, "booking") == []
    assert ("POST", "/spa/16499/book") not in requests(club)


@SQLITE_ONLY
def test_dry_runs_stop_at_confirm_and_reuse_the_saved_login(
    rt: Runtime, club: httpx.Client
) -> None:
    task = padel_task(rt, club, payment_method="none")
    result = run_once(rt, task)

    assert result.outcome == "dry_run", result.message
    assert result.screenshot and (rt.settings.screenshots_dir / result.screenshot).is_file()
    assert bookings_of(rt, task) == []
    assert ("GET", "/spa/16499/confirm") in requests(club)
    assert ("POST", "/spa/16499/book") not in requests(club)
    assert len(events(club, "login")) == 1

    rerun(rt, task)  # a new browser: the cookies saved (encrypted) by the first run spare a login
    assert run_once(rt, task).outcome == "dry_run"
    assert len(events(club, "login")) == 1
    assert events(club, "booking") == []


@SQLITE_ONLY
def test_site_changed_fails_naming_step_and_selector(rt: Runtime, club: httpx.Client) -> None:
    task = padel_task(rt, club)
    result = assert_site_changed(rt, club, task, step="availability", selector="'div.cardBtn-bd'")
    saved = re.search(r"screenshot (\S+) and page HTML (\S+) saved", result.message)
    assert saved, result.message
    assert (rt.settings.screenshots_dir / saved.group(1)).is_file()
    html = (rt.settings.diagnostics_dir / saved.group(2)).read_text()
    assert "slotCard-body" in html  # the page as the redesigned site showed it
    assert events(club, "booking") == []


@SQLITE_ONLY
def test_wrong_password_is_an_authentication_error(rt: Runtime, club: httpx.Client) -> None:
    task = padel_task(rt, club, password="not-the-password")
    result = run_once(rt, task)

    row = ended_as(rt, task, result, "auth", TaskStatus.FAILED)
    assert row.error and row.error.startswith("authentication error")
    assert "not-the-password" not in row.error + result.message
    assert [e["detail"]["ok"] for e in events(club, "login")] == [False]  # never retried


@SQLITE_ONLY
def test_a_dropped_confirm_waits_for_the_next_cycle(rt: Runtime, club: httpx.Client) -> None:
    club.put("/_sandbox/faults", json={"drop_cart_rate": 1.0}).raise_for_status()
    day = club_day(club)
    for court in (2, 3):  # one candidate, so one confirm the site drops
        occupy(club, slot_key(day, "19:00", court), f"member-{court}")
    task = padel_task(rt, club, times=["19:00"])
    result = run_once(rt, task)

    ended_as(rt, task, result, "slot_taken", TaskStatus.PENDING)
    assert "no longer available" in result.message
    assert events(club, "booking") == []


@SQLITE_ONLY
def test_a_confirm_refused_as_too_quick_is_retried_at_a_calmer_pace(
    rt: Runtime, club: httpx.Client
) -> None:
    # A confirm within 3 s of its page is refused; the adapter's first one comes well within
    # (a glance of a few ms, a second or two on a loaded machine), the retries read 1, 2 and
    # 4 s longer.
    rules = club.get("/_sandbox/estelle/rules").json()
    club.put("/_sandbox/estelle/rules", json={**rules, "min_confirm_ms": 3000}).raise_for_status()
    result = run_once(rt, padel_task(rt, club, times=["19:00"]))

    assert result.outcome == "booked", result.message
    rejected = [e["detail"]["reason"] for e in events(club, "rejected")]
    assert rejected and set(rejected) == {"too_fast"}, rejected
    assert len(events(club, "booking")) == 1


@SQLITE_ONLY
def test_before_release_waits_for_midnight(rt: Runtime, club: httpx.Client) -> None:
    later = club_day(club, ahead=20)
    task = padel_task(rt, club, target_date=later)
    result = run_once(rt, task)

    opens = datetime.combine(later - timedelta(days=14), time(0), tzinfo=LONDON)
    assert_waits_for_release(rt, task, result, opens)


@SQLITE_ONLY
def test_server_errors_are_retried_then_wait(rt: Runtime, club: httpx.Client) -> None:
    club.put("/_sandbox/faults", json={"error_rate": 1.0}).raise_for_status()
    task = padel_task(rt, club)
    result = run_once(rt, task)

    ended_as(rt, task, result, "transient", TaskStatus.PENDING)
    assert "503" in result.message and "after 3 retries" in result.message


@SQLITE_ONLY
def test_snipes_the_midnight_release(rt: Runtime, club: httpx.Client) -> None:
    """Nothing is listed before midnight: the snipe logs in and walks to the date beforehand,
    waits on the site's clock, then lists, picks and confirms right after the release."""
    release = datetime.combine(club_day(club, ahead=1), time(0), tzinfo=LONDON)
    lead = timedelta(seconds=20)  # for login, the first look, My Bookings and the clock sync
    club.post("/_sandbox/clock", json={"now": (release - lead).isoformat()}).raise_for_status()
    target = release.date() + timedelta(days=14)
    task = padel_task(rt, club, target_date=target, strategy="snipe")
    result = snipe_once(rt, task, release)
    ended_as(rt, task, result, "booked", TaskStatus.SUCCEEDED)
    [event] = events(club, "booking")
    assert event["slot"] == slot_key(target, "19:00", 1)
    assert datetime.fromisoformat(event["at"]) >= release


# --- helpers ---------------------------------------------------------------------------------
def occupy(club: httpx.Client, key: str, actor: str) -> str:
    """Book `key` for `actor` behind the scenes (no booking event); its reference."""
    response = club.post("/_sandbox/estelle/occupy", json={"slot": key, "actor": actor})
    response.raise_for_status()
    return str(response.json()["reference"])


def requests(club: httpx.Client) -> list[tuple[str, str]]:
    return [(e["method"], e["path"]) for e in events(club, "request")]


def rerun(rt: Runtime, task_id: int) -> None:
    """Make a finished dry-run task runnable again, as the worker's next cycle would."""
    with transaction(rt.sessions) as session:
        row = session.get(Task, task_id)
        assert row is not None
        row.status = TaskStatus.PENDING.value
