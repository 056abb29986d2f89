"""Reading Estelle Manor's page texts: what parses, and what an unreadable text turns into."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from autobook.sandbox.estelle import club as sim_club
from autobook.sandbox.estelle import web_checkout, web_funnel
from autobook.sites.base import NotReleased, SiteChanged, SlotTaken, Transient
from autobook.sites.estelle import parse

LONDON = ZoneInfo("Europe/London")


def test_slot_start_is_london_wall_time_across_summer_time() -> None:
    summer = parse.slot_start("15/07/2026 19:00:00", step="availability")
    winter = parse.slot_start("15/12/2026 19:00:00", step="availability")
    assert summer == datetime(2026, 7, 15, 19, tzinfo=LONDON)
    assert summer.utcoffset() != winter.utcoffset()
    assert winter.astimezone(LONDON).hour == 19


@pytest.mark.parametrize(
    ("call", "selector"),
    [
        (lambda: parse.slot_start("2026-12-05 19:00", step="availability"), "span.slot_start"),
    ],
)
def test_an_unreadable_text_is_a_site_change_naming_the_selector(
    call: Callable[[], object], selector: str
) -> None:
    with pytest.raises(SiteChanged) as changed:
        call()
    assert changed.value.selector == selector
    assert selector in changed.value.message


def test_price_as_shown() -> None:
    assert parse.price("£40.00 (charged to your member account)") == "£40.00"
    assert parse.price("Included in your membership") is None


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        (sim_club.MSG_FULL, SlotTaken),
        (sim_club.MSG_LIMIT, SlotTaken),
        (sim_club.MSG_PAST, SlotTaken),
        (sim_club.MSG_CLOSED, SlotTaken),
        (web_checkout.MSG_DROPPED, SlotTaken),
        (sim_club.MSG_NOT_RELEASED.format(days=14), NotReleased),
        (web_checkout.MSG_TOO_FAST, Transient),
    ],
)
def test_the_sites_messages_map_to_error_kinds(message: str, kind: type) -> None:
    error = parse.known_message(message, step="checkout")
    assert type(error) is kind
    assert error is not None and message in error.message and error.step == "checkout"


def test_other_words_are_no_known_message() -> None:
    assert parse.known_message("Our booking system is closed for maintenance.", step="x") is None


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        (sim_club.MSG_NOT_RELEASED.format(days=14), "not_released"),
        (web_funnel.MSG_NONE_LEFT, "empty"),
        (web_funnel.MSG_PAST_DATE, "empty"),
        (web_funnel.MSG_BAD_DATE, "unknown"),
        ("Nothing to book on this date.", "empty"),
    ],
)
def test_notes_shown_instead_of_slot_cards(message: str, kind: str) -> None:
    assert parse.day_message(message) == kind


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05/12/2026", date(2026, 12, 5)),
        ("Saturday 05 December 2026", date(2026, 12, 5)),
        ("Padel 1 · Sat 5 Dec 2026 · 19:00", date(2026, 12, 5)),
        ("on the 5th of nothing", None),
        ("31/02/2026", None),
    ],
)
def test_dates_in_the_forms_sites_print(text: str, expected: date | None) -> None:
    assert parse.find_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7:00 PM - 8:00 PM", time(19)),
        ("7pm", time(19)),
        ("12:30 am", time(0, 30)),
        ("19:00", time(19)),
        ("Court 2", None),
        ("£40.00", None),
    ],
)
def test_times_of_day_in_the_forms_sites_print(text: str, expected: time | None) -> None:
    assert parse.find_clock(text) == expected


def test_a_summary_shows_its_start_under_labels_only() -> None:
    table = "Service\tPadel Court - 1 Hour\nCourt\tPadel Court 2\nDate\tSaturday 05 December 2026"
    assert parse.shown_start(table + "\nTime\t7:00 PM - 8:00 PM") == datetime(
        2026, 12, 5, 19, tzinfo=LONDON
    )
    assert parse.labelled(table)["court"] == "Padel Court 2"
    assert parse.shown_start("Padel 2 on 18 December at 19:00") is None  # no labels: no claim


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("Your booking reference is EMP0000123.", "EMP0000123"),
        ("Thank you, see you on court. Ref PD-48213", "PD-48213"),
        ("See you on court. Reference number 48213", "48213"),
        ("Thank you for booking", None),
    ],
)
def test_a_reference_in_the_confirmations_words(text: str, reference: str | None) -> None:
    assert parse.reference_in(text) == reference


def test_confirmation_and_refusal_words() -> None:
    assert parse.says_confirmed("Booking Confirmed")
    assert parse.says_confirmed("Thank you, see you on court")
    assert not parse.says_confirmed("Confirm your booking")
    assert parse.says_refused("The email address or password you entered is incorrect.")
    assert not parse.says_refused("Welcome back")


def test_booking_rows_live_or_cancelled() -> None:
    row = "EMP0000001\tPadel Court 2\t05/12/2026\t7:00 PM\tConfirmed"
    assert parse.booking_row(row) == (
        datetime(2026, 12, 5, 19, tzinfo=LONDON),
        "Padel Court 2",
        "EMP0000001",
    )
    assert parse.booking_row(row.replace("Confirmed", "Cancelled")) is None
    # A state nobody told us about counts as live: never pay twice.
    assert parse.booking_row(row.replace("Confirmed", "Pending")) is not None
    listed = parse.booking_row("Padel 1 · Fri 18 Dec 2026 · 19:00 · £40.00 · ref PD-7")
    assert listed is not None and listed[0] == datetime(2026, 12, 18, 19, tzinfo=LONDON)
    assert parse.booking_row("Reference\tCourt\tDate\tTime\tStatus") is None
