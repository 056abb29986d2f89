"""Busy intervals out of iCalendar data (a CalDAV search or an ICS feed): timed events,
all-day events, recurring ones expanded; transparent (free) and autobook's own events skipped."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import recurring_ical_events
from icalendar import Calendar as ICalendar

from autobook.appointments.availability import Interval

OWN_UID_SUFFIX = "@autobook"


def _aware(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.combine(value, time(0), tzinfo=UTC)  # an all-day event: the UTC day


def component_interval(component: Any) -> Interval | None:
    """The busy interval of one VEVENT, or None when it does not make the owner busy."""
    if str(component.get("UID", "")).endswith(OWN_UID_SUFFIX):
        return None
    if str(component.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return None
    if str(component.get("STATUS", "")).upper() == "CANCELLED":
        return None
    start_prop = component.get("DTSTART")
    if start_prop is None:
        return None
    start = _aware(start_prop.dt)
    if component.get("DTEND") is not None:
        end = _aware(component.get("DTEND").dt)
    elif component.get("DURATION") is not None:
        end = start + component.get("DURATION").dt
    else:
        end = start + (
            timedelta(days=1) if not isinstance(start_prop.dt, datetime) else timedelta()
        )
    return Interval(start, end) if end > start else None


def busy_from_ics(text: str | bytes, start: datetime, end: datetime) -> list[Interval]:
    """Busy intervals of a whole iCalendar document within [start, end), recurrences expanded."""
    calendar = ICalendar.from_ical(text)
    events: Iterable[Any] = recurring_ical_events.of(calendar).between(start, end)
    found = [component_interval(event) for event in events]
    return [i for i in found if i is not None and i.start < end and i.end > start]
