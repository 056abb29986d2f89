"""Slot choice: ordered time preferences first, then court preferences; never an unwanted time."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from autobook.domain.choice import choose
from autobook.domain.release import LONDON
from autobook.sites.base import Slot


def slot(hhmm: str, court: str | None = None, *, bookable: bool = True) -> Slot:
    local = datetime.fromisoformat(f"2026-12-01T{hhmm}").replace(tzinfo=LONDON)
    start = local.astimezone(UTC)
    return Slot(f"{hhmm}/{court}", start, start + timedelta(hours=1), court, bookable=bookable)


def test_first_time_preference_wins_over_court_preference() -> None:
    slots = [slot("20:00", "Court 1"), slot("19:00", "Court 3"), slot("19:00", "Court 2")]
    chosen = choose(slots, [time(19), time(20)], ["Court 1", "Court 2"], LONDON)
    assert [(s.starts_at.astimezone(LONDON).hour, s.court) for s in chosen] == [
        (19, "Court 2"),
        (19, "Court 3"),
        (20, "Court 1"),
    ]


def test_unwanted_times_and_unbookable_slots_are_never_chosen() -> None:
    slots = [slot("18:00", "Court 1"), slot("19:00", "Court 1", bookable=False)]
    assert choose(slots, [time(19)], [], LONDON) == []


def test_court_names_match_without_case() -> None:
    slots = [slot("19:00", "Court 2"), slot("19:00", "court 1")]
    chosen = choose(slots, [time(19)], ["COURT 1"], LONDON)
    assert chosen[0].court == "court 1"


def test_times_are_read_on_the_site_clock_not_utc() -> None:
    # 19:00 London in summer is 18:00 UTC: a UTC comparison would pick the wrong slot.
    summer = datetime(2026, 7, 1, 18, 0, tzinfo=UTC)
    slots = [Slot("a", summer, summer + timedelta(hours=1))]
    assert choose(slots, [time(19)], [], LONDON) == slots
    assert choose(slots, [time(18)], [], LONDON) == []
