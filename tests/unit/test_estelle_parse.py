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
    ("text", "expected"),
    [("05/12/2026", date(2026, 12, 5)), ("Saturday 05 December 2026", date(2026, 12, 5))],
)
def test_dates_in_both_of_the_sites_formats(text: str, expected: date) -> None:
    assert parse.uk_date(text, step="checkout", selector="td") == expected


def test_time_range_in_twelve_hour_clock() -> None:
    assert parse.time_range("7:00 PM - 8:00 PM", step="checkout", selector="td") == (
        time(19),
        time(20),
    )
    assert parse.time_range("11:00 AM - 12:00 PM", step="checkout", selector="td") == (
        time(11),
        time(12),
    )


@pytest.mark.parametrize(
    ("call", "selector"),
    [
        (lambda: parse.slot_start("2026-12-05 19:00", step="availability"), "span.slot_start"),
        (lambda: parse.uk_date("next Tuesday", step="checkout", selector="td.date"), "td.date"),
        (lambda: parse.time_range("19:00", step="checkout", selector="td.time"), "td.time"),
        (lambda: parse.clock("seven", step="bookings", selector="tr"), "tr"),
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
        ("Our booking system is closed for maintenance.", SiteChanged),
    ],
)
def test_the_sites_messages_map_to_error_kinds(message: str, kind: type) -> None:
    error = parse.message_error(message, step="checkout", selector="#booking-error")
    assert type(error) is kind
    assert message in error.message and error.step == "checkout"


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        (sim_club.MSG_NOT_RELEASED.format(days=14), "not_released"),
        (web_funnel.MSG_NONE_LEFT, "empty"),
        (web_funnel.MSG_PAST_DATE, "empty"),
        (web_funnel.MSG_BAD_DATE, "unknown"),
    ],
)
def test_notes_shown_instead_of_slot_cards(message: str, kind: str) -> None:
    assert parse.day_message(message) == kind
