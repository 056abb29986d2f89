"""Free slots of one day, as pure functions: no I/O, no clock (callers pass `now`).

The owner's day opens by the weekly rules of its weekday, or by that date's overrides when it
has any (an override with no window closes the day, as Cal.com and Easy!Appointments do). From
the open windows go every busy interval the caller gathered: blocked periods, the connected
calendars' busy times, other appointments widened by their own buffers, the bookings autobook
made or holds on other sites, and live reservations of other guests.

A candidate is a chunk `buffer_before + duration + buffer_after`; chunks start at the window's
start and step by the slot interval (default: the duration). A chunk must fit inside one open
window and touch no busy interval, and the appointment must start no sooner than the minimum
notice. The guest sees `chunk start + buffer_before`.

Times: rules are wall-clock times in the owner's zone; everything else is an aware instant.
Steps are taken in absolute time, so a DST day has the hours it really has. A rule time that
does not exist (01:30 on a spring-forward day in London) is read as Python reads it (fold=0:
the offset before the change, i.e. pushed forward by the gap); an ambiguous one (01:30 on the
autumn day) is its first occurrence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Window:
    """Open from `start` to `end`, wall-clock times of one day (end after start)."""

    start: time
    end: time


@dataclass(frozen=True)
class WeeklyRule:
    weekday: int  # 0 = Monday … 6 = Sunday
    window: Window


@dataclass(frozen=True)
class Interval:
    """A half-open span of absolute time [start, end), both aware."""

    start: datetime
    end: datetime

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end

    def padded(self, before: timedelta, after: timedelta) -> Interval:
        return Interval(self.start - before, self.end + after)


@dataclass(frozen=True)
class Shape:
    """What one appointment type takes of the owner's time."""

    duration: timedelta
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    interval: timedelta | None = None  # between candidate starts; None: the duration

    @property
    def step(self) -> timedelta:
        return self.interval or self.duration

    def occupies(self, start: datetime) -> Interval:
        """The owner's time an appointment starting at `start` takes, buffers included."""
        return Interval(start - self.buffer_before, start + self.duration + self.buffer_after)


@dataclass(frozen=True)
class Policy:
    """The owner's booking window: the zone, the minimum notice and how far ahead."""

    zone: ZoneInfo
    min_notice: timedelta
    max_future_days: int


def instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The aware UTC instant of wall-clock `at` on `day` in `zone` (see the module docstring)."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def day_bounds(day: date, zone: ZoneInfo) -> Interval:
    """The whole local day `day` (23, 24 or 25 hours long)."""
    return Interval(instant(day, time(0), zone), instant(day + timedelta(days=1), time(0), zone))


def bookable_dates(now: datetime, policy: Policy) -> tuple[date, date]:
    """First and last dates a guest may pick: from the day the minimum notice ends on, to today
    plus `max_future_days` (both in the owner's zone)."""
    today = now.astimezone(policy.zone).date()
    first = (now + policy.min_notice).astimezone(policy.zone).date()
    return first, today + timedelta(days=policy.max_future_days)


def windows_for(
    day: date, rules: Iterable[WeeklyRule], overrides: dict[date, Sequence[Window]]
) -> list[Window]:
    """The open windows of `day`: its overrides when it has some entry, else the weekly rules."""
    if day in overrides:
        chosen = list(overrides[day])
    else:
        chosen = [rule.window for rule in rules if rule.weekday == day.weekday()]
    return sorted((w for w in chosen if w.end > w.start), key=lambda w: w.start)


def free_slots(
    day: date,
    shape: Shape,
    *,
    rules: Iterable[WeeklyRule],
    overrides: dict[date, Sequence[Window]],
    busy: Iterable[Interval],
    now: datetime,
    policy: Policy,
) -> list[datetime]:
    """The aware (UTC) start times a guest may book on `day`, earliest first."""
    first, last = bookable_dates(now, policy)
    if not first <= day <= last:
        return []
    earliest = now + policy.min_notice
    bounds = day_bounds(day, policy.zone)
    blocking = sorted((b for b in busy if b.overlaps(bounds)), key=lambda b: b.start)
    found: list[datetime] = []
    for window in windows_for(day, rules, overrides):
        open_at, close_at = (
            instant(day, window.start, policy.zone),
            instant(day, window.end, policy.zone),
        )
        chunk_start = open_at
        while chunk_start + shape.buffer_before + shape.duration + shape.buffer_after <= close_at:
            start = chunk_start + shape.buffer_before
            if start >= earliest and not _touches(shape.occupies(start), blocking):
                found.append(start)
            chunk_start += shape.step
    return sorted(set(found))


def _touches(chunk: Interval, blocking: Sequence[Interval]) -> bool:
    for busy in blocking:
        if busy.start >= chunk.end:
            return False  # sorted by start: nothing later can overlap
        if busy.overlaps(chunk):
            return True
    return False


def slot_is_free(
    start: datetime,
    shape: Shape,
    *,
    rules: Iterable[WeeklyRule],
    overrides: dict[date, Sequence[Window]],
    busy: Iterable[Interval],
    now: datetime,
    policy: Policy,
) -> bool:
    """Whether `start` is one of the free slots of its local day (the check at submit)."""
    day = start.astimezone(policy.zone).date()
    slots = free_slots(
        day, shape, rules=rules, overrides=overrides, busy=busy, now=now, policy=policy
    )
    return start.astimezone(UTC) in slots


def overlapping_windows(windows: Sequence[Window]) -> list[tuple[Window, Window]]:
    """Pairs of windows of one day that overlap (the admin forms refuse them)."""
    ordered = sorted(windows, key=lambda w: w.start)
    return [(a, b) for a, b in pairwise(ordered) if b.start < a.end]
