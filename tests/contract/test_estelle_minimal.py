"""The engine books Estelle Manor padel on a second site written from the notes alone
(estelle_minimal.py), in real Chromium: whatever the notes leave open is done differently
there, so the adapter cannot lean on markup our own simulator happens to have."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

import pytest
from estelle_minimal import LONDON, Booking, MinimalEstelle, Variant
from served import Served

from autobook.domain.booking import Credentials, Want
from autobook.domain.statuses import TaskStatus
from autobook.runtime import Runtime
from autobook.sites.base import SiteChanged
from autobook.sites.estelle import browser as estelle_browser
from autobook.sites.estelle.adapter import EstelleAdapter
from engine_support import (
    SQLITE_ONLY,
    add_account,
    add_task,
    as_utc,
    bookings_of,
    drive_adapter,
    ended_as,
    run_once,
)

pytestmark = pytest.mark.e2e

T = TypeVar("T")

EMAIL, PASSWORD = "alex@example.com", "manor-pass-1"
# What the notes leave open, done two ways, both unlike the simulator.
DIALOG = Variant()  # Book Now panel, month buttons, a new page per look, a confirm dialog
PAGE = Variant(dialog=False, fetch=True, apply_id=False, month_buttons=False, my_bookings=True,
               days_listed=2)  # fmt: skip


def wanted_day() -> date:
    return datetime.now(LONDON).date() + timedelta(days=3)


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


@pytest.fixture
def site() -> MinimalEstelle:
    return MinimalEstelle(members={EMAIL: PASSWORD})


@pytest.fixture
def served(site: MinimalEstelle) -> Iterator[Served]:
    running = Served(site.app()).start()
    yield running
    running.stop()


@pytest.fixture
def rt(runtime: Runtime, served: Served) -> Runtime:
    """Only the site's address changes (AUTOBOOK_ESTELLE_URL), as for a real deployment."""
    update = {"estelle_url": served.url, "human_typing_ms": 2}
    runtime.settings = runtime.settings.model_copy(update=update)
    return runtime


def padel_task(rt: Runtime, password: str = PASSWORD, **fields: object) -> int:
    account = add_account(rt, "estelle", EMAIL, password)
    values: dict[str, object] = {
        "site": "estelle", "venue": "padel-courts", "activity": "padel-60min",
        "target_date": wanted_day(), "times": ["19:00", "20:00"], "account_ids": [account],
        "payment_method": "credit",
    }  # fmt: skip
    return add_task(rt, **{**values, **fields})


def someone_else(site: MinimalEstelle, start: datetime, court: str) -> None:
    site.bookings.append(Booking(f"X-{len(site.bookings)}", "other@example.com", start, court))


@pytest.mark.parametrize("variant", [DIALOG, PAGE], ids=["dialog", "page"])
def test_books_the_wanted_court_on_a_site_built_from_the_notes(
    rt: Runtime, site: MinimalEstelle, variant: Variant
) -> None:
    site.variant = variant
    day = wanted_day()
    someone_else(site, at(day, 19), "Padel 2")
    task = padel_task(rt, courts=["Padel 2", "Padel 3"])
    result = run_once(rt, task)

    ended_as(rt, task, result, "booked", TaskStatus.SUCCEEDED)
    mine = [b for b in site.bookings if b.member == EMAIL]
    assert [(b.start, b.court) for b in mine] == [(at(day, 19), "Padel 3")]
    assert result.reference == mine[0].reference and result.court == "Padel 3"
    [booking] = bookings_of(rt, task)
    assert as_utc(booking.starts_at) == at(day, 19).astimezone(UTC)
    assert site.logins == [(EMAIL, True)]  # a public home page did not pass for a login


@SQLITE_ONLY
def test_a_slot_on_another_date_at_the_wanted_time_is_never_booked(
    rt: Runtime, site: MinimalEstelle
) -> None:
    """The site ignores the date asked for and lists today, 19:00 free on every court."""
    site.variant = Variant(ignore_date=True)
    task = padel_task(rt, times=["19:00"])
    result = run_once(rt, task)

    ended_as(rt, task, result, "site_changed", TaskStatus.FAILED)
    assert "did not take the date" in result.message
    assert site.bookings == [] and bookings_of(rt, task) == []


@SQLITE_ONLY
def test_the_next_day_listed_at_the_wanted_time_is_not_taken(
    rt: Runtime, site: MinimalEstelle
) -> None:
    """Cards from the date asked onwards: the wanted hour is full that day, free the day after."""
    site.variant = Variant(days_listed=2)
    day = wanted_day()
    for court in ("Padel 1", "Padel 2", "Padel 3"):
        someone_else(site, at(day, 19), court)
    task = padel_task(rt, times=["19:00"])
    result = run_once(rt, task)

    ended_as(rt, task, result, "no_slot", TaskStatus.PENDING)
    assert [b for b in site.bookings if b.member == EMAIL] == []


@SQLITE_ONLY
def test_a_booking_made_elsewhere_is_found_on_my_bookings(
    rt: Runtime, site: MinimalEstelle
) -> None:
    site.variant = PAGE
    site.bookings.append(Booking("PD-7", EMAIL, at(wanted_day(), 20), "Padel 1"))
    task = padel_task(rt)
    result = run_once(rt, task)

    ended_as(rt, task, result, "already_booked", TaskStatus.SUCCEEDED)
    assert len(site.bookings) == 1
    [booking] = bookings_of(rt, task)
    assert as_utc(booking.starts_at) == at(wanted_day(), 20).astimezone(UTC)


@SQLITE_ONLY
def test_a_wrong_password_is_a_failed_login_tried_once(rt: Runtime, site: MinimalEstelle) -> None:
    """The site shows its form again, in words autobook does not know."""
    task = padel_task(rt, password="not-the-password")
    result = run_once(rt, task)

    row = ended_as(rt, task, result, "auth", TaskStatus.FAILED)
    assert row.error and row.error.startswith("authentication error")
    assert "not-the-password" not in row.error
    assert site.logins == [(EMAIL, False)]
    assert time(19) not in {b.start.time() for b in site.bookings}


@SQLITE_ONLY
@pytest.mark.parametrize("variant", [DIALOG, PAGE], ids=["dialog", "page"])
def test_a_confirm_the_site_refuses_in_its_words_is_slot_taken(
    rt: Runtime, site: MinimalEstelle, variant: Variant
) -> None:
    site.variant = replace(variant, beaten=True)
    day = wanted_day()
    for court in ("Padel 1", "Padel 2"):  # one candidate left
        someone_else(site, at(day, 19), court)
    task = padel_task(rt, times=["19:00"])
    result = run_once(rt, task)

    ended_as(rt, task, result, "slot_taken", TaskStatus.PENDING)
    assert "no longer available" in result.message
    assert [b for b in site.bookings if b.member == EMAIL] == []


def test_the_card_is_read_back_before_the_click(site: MinimalEstelle, served: Served) -> None:
    """Asked to hold the next day's 19:00 for a task that wants the 19:00 of its own day, the
    adapter reads that card back and refuses it; nothing is booked."""
    site.variant = Variant(days_listed=2)
    day = wanted_day()
    want = Want(venue="padel-courts", activity="padel-60min", day=day, times=(time(19),))

    async def use(adapter: EstelleAdapter) -> None:
        nextday = replace(want, day=day + timedelta(days=1))
        slots = await adapter.availability(nextday)
        [slot] = [s for s in slots if s.court == "Padel 1" and s.starts_at == at(nextday.day, 19)]
        await adapter.hold(slot, want)

    with pytest.raises(SiteChanged) as refused:
        drive(served, use)
    assert "refusing to book" in refused.value.message
    assert site.bookings == []


def test_a_saved_login_is_reused_while_the_site_shows_it_signed_in(
    site: MinimalEstelle, served: Served
) -> None:
    async def use(adapter: EstelleAdapter) -> str | None:
        return await adapter.login(await adapter.login(None))

    assert drive(served, use)
    assert site.logins == [(EMAIL, True)]


def drive(served: Served, use: Callable[[EstelleAdapter], Awaitable[T]]) -> T:
    urls: dict[str, str | None] = {"estelle": served.url}
    member = Credentials(login=EMAIL, password=PASSWORD)
    return drive_adapter(EstelleAdapter, member, urls, use, typing_ms=2)


@SQLITE_ONLY
def test_a_confirmation_of_another_day_is_recorded_and_flagged(
    rt: Runtime, site: MinimalEstelle
) -> None:
    """Money is spent, so the booking is kept as the site shows it, and said to be wrong."""
    site.variant = replace(PAGE, misdated=True)
    task = padel_task(rt, times=["19:00"])
    result = run_once(rt, task)

    assert result.outcome == "booked"
    assert "NOT WHAT THE TASK ASKED" in result.message
    [booking] = bookings_of(rt, task)
    assert as_utc(booking.starts_at) == at(wanted_day() + timedelta(days=1), 19).astimezone(UTC)


@SQLITE_ONLY
def test_a_day_with_nothing_to_book_is_no_slot(rt: Runtime, site: MinimalEstelle) -> None:
    """The site says so in its own words, instead of showing cards."""
    site.variant = replace(PAGE, days_listed=1)
    site.closed.add(wanted_day())
    task = padel_task(rt)
    result = run_once(rt, task)

    ended_as(rt, task, result, "no_slot", TaskStatus.PENDING)


@SQLITE_ONLY
def test_a_confirm_the_site_answers_with_silence_is_an_unknown_payment(
    rt: Runtime, site: MinimalEstelle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It may have booked: final, never retried, never reported as declined or as booked."""
    monkeypatch.setattr(estelle_browser, "CONFIRM_WAIT_S", 2.0)
    site.variant = replace(PAGE, silent=True)
    task = padel_task(rt, times=["19:00"])
    result = run_once(rt, task)

    row = ended_as(rt, task, result, "payment_unknown", TaskStatus.FAILED)
    assert row.error and "payment outcome unknown" in row.error
    assert len(site.bookings) == 1 and bookings_of(rt, task) == []


@SQLITE_ONLY
def test_a_confirm_page_headed_confirmation_is_not_taken_for_a_booking(
    rt: Runtime, site: MinimalEstelle
) -> None:
    """Its button shows late: the dry run waits for it and stops there, nothing booked."""
    site.variant = replace(PAGE, late_button=True)
    task = padel_task(rt, times=["19:00"], payment_method="none")
    result = run_once(rt, task)

    ended_as(rt, task, result, "dry_run", TaskStatus.SUCCEEDED)
    assert site.bookings == [] and bookings_of(rt, task) == []
