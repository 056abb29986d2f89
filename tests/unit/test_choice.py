"""Slot choice: ordered time preferences first, then court preferences; never an unwanted time or
day; and the read-back rules that check a page against the choice before and after paying."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from autobook.domain.booking import Slot
from autobook.domain.choice import choose, differs, off_target
from autobook.domain.release import LONDON

DAY = date(2026, 12, 1)


def slot(hhmm: str, court: str | None = None, *, bookable: bool = True, day: date = DAY) -> Slot:
    local = datetime.fromisoformat(f"{day.isoformat()}T{hhmm}").replace(tzinfo=LONDON)
    start = local.astimezone(UTC)
    return Slot(f"{hhmm}/{court}", start, start + timedelta(hours=1), court, bookable=bookable)


def test_first_time_preference_wins_over_court_preference() -> None:
    slots = [slot("20:00", "Court 1"), slot("19:00", "Court 3"), slot("19:00", "Court 2")]
    chosen = choose(slots, [time(19), time(20)], ["Court 1", "Court 2"], LONDON, day=DAY)
    assert [(s.starts_at.astimezone(LONDON).hour, s.court) for s in chosen] == [
        (19, "Court 2"),
        (19, "Court 3"),
        (20, "Court 1"),
    ]


def test_unwanted_times_and_unbookable_slots_are_never_chosen() -> None:
    slots = [slot("18:00", "Court 1"), slot("19:00", "Court 1", bookable=False)]
    assert choose(slots, [time(19)], [], LONDON, day=DAY) == []


def test_court_names_match_without_case() -> None:
    slots = [slot("19:00", "Court 2"), slot("19:00", "court 1")]
    chosen = choose(slots, [time(19)], ["COURT 1"], LONDON, day=DAY)
    assert chosen[0].court == "court 1"


def test_times_are_read_on_the_site_clock_not_utc() -> None:
    # 19:00 London in summer is 18:00 UTC: a UTC comparison would pick the wrong slot.
    summer = datetime(2026, 7, 1, 18, 0, tzinfo=UTC)
    slots = [Slot("a", summer, summer + timedelta(hours=1))]
    summer_day = date(2026, 7, 1)
    assert choose(slots, [time(19)], [], LONDON, day=summer_day) == slots
    assert choose(slots, [time(18)], [], LONDON, day=summer_day) == []


def test_a_slot_on_another_day_at_the_wanted_time_is_never_chosen() -> None:
    # A site that ignored the date asked for lists today's cards: same hour, wrong day.
    other_day = slot("19:00", "Court 1", day=date(2026, 11, 28))
    assert choose([other_day], [time(19)], [], LONDON, day=DAY) == []
    wanted = slot("19:00", "Court 2")
    assert choose([other_day, wanted], [time(19)], [], LONDON, day=DAY) == [wanted]


def test_a_booking_off_the_wanted_day_or_time_is_named() -> None:
    at = datetime(2026, 12, 1, 19, tzinfo=LONDON)
    assert off_target(at, DAY, [time(19)], LONDON) is None
    assert "Mon 28 Dec 2026" in (off_target(at.replace(day=28), DAY, [time(19)], LONDON) or "")
    assert "20:00" in (off_target(at.replace(hour=20), DAY, [time(19)], LONDON) or "")


def test_a_read_back_must_match_the_chosen_date_time_and_court() -> None:
    chosen = slot("19:00", "Court 2")
    shown = chosen.starts_at
    times = [time(19), time(20)]
    assert differs(shown, "court 2 ", chosen, DAY, times, LONDON) is None
    assert differs(shown, None, chosen, DAY, times, LONDON) is None  # no court shown
    assert "Court 3" in (differs(shown, "Court 3", chosen, DAY, times, LONDON) or "")
    # Another wanted time than the one chosen, or another day at the chosen time: refused.
    later = shown + timedelta(hours=1)
    assert "20:00" in (differs(later, "Court 2", chosen, DAY, times, LONDON) or "")
    earlier_day = shown - timedelta(days=3)
    assert "another slot" in (differs(earlier_day, "Court 2", chosen, DAY, times, LONDON) or "")
