"""When dates open for booking and which slots a date has; pure functions of rules and a time.

A whole date opens at once: `days_ahead` days before it, at the release wall time in
Europe/London (so across a DST change the UTC instant moves, the local time does not).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from autobook.sandbox.estelle.model import LONDON, Rules, Slot

# The month buttons' labels; spelled out rather than taken from the (locale-dependent) calendar.
MONTHS = ("JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST", "SEPTEMBER")
MONTHS += ("OCTOBER", "NOVEMBER", "DECEMBER")


def local_instant(day: date, hour: int, minute: int) -> datetime:
    """Wall time `hour:minute` on `day` in London, normalised through UTC (DST gaps resolve)."""
    naive = datetime.combine(day, time(hour, minute), tzinfo=LONDON)
    return naive.astimezone(UTC).astimezone(LONDON)


def release_of(day: date, rules: Rules) -> datetime:
    """The instant `day`'s slots open."""
    opens_on = day - timedelta(days=rules.days_ahead)
    return local_instant(opens_on, rules.release_hour, rules.release_minute)


def is_released(day: date, now: datetime, rules: Rules) -> bool:
    return now >= release_of(day, rules)


def today(now: datetime) -> date:
    return now.astimezone(LONDON).date()


def last_open_day(now: datetime, rules: Rules) -> date:
    """The furthest date already open at `now`."""
    last = today(now) + timedelta(days=rules.days_ahead + 1)
    while not is_released(last, now, rules):
        last -= timedelta(days=1)
    return last


def next_release_after(after: datetime, rules: Rules) -> datetime:
    """The first daily release instant strictly after `after`."""
    local_day = after.astimezone(LONDON).date()
    for offset in range(3):
        candidate = local_instant(
            local_day + timedelta(days=offset), rules.release_hour, rules.release_minute
        )
        if candidate > after:
            return candidate
    raise AssertionError("a daily release always falls within three days")


def slots_of(day: date, rules: Rules) -> list[Slot]:
    """Every court-hour of `day`, by time then court."""
    return [
        Slot(day, hour, court)
        for hour in range(rules.first_hour, rules.last_hour + 1)
        for court in range(1, rules.courts + 1)
    ]


def in_hours(slot: Slot, rules: Rules) -> bool:
    return rules.first_hour <= slot.hour <= rules.last_hour and slot.court <= rules.courts


def bookable_months(now: datetime, rules: Rules) -> list[tuple[str, date]]:
    """(upper-case month name, first bookable date in it) for each month with open dates."""
    first, last = today(now), last_open_day(now, rules)
    months: list[tuple[str, date]] = []
    day = first
    while day <= last:
        if not months or months[-1][1].month != day.month:
            months.append((MONTHS[day.month - 1], day))
        day += timedelta(days=1)
    return months
