"""When a site releases a slot for booking, computed on the site's own wall clock.

Two kinds of rule exist across the sites: "N days ahead at a fixed local time" (Better 22:00
seven days ahead, Estelle 00:00 fourteen days ahead) and "N hours before the start" (the gym).
Everything is zone-aware: a naive UTC computation was an hour off across summer time and lost
slots for several public bots. Both kinds count on the site's wall clock: the gym opens a 07:00
slot at 07:00 two days earlier even when summer time starts in between (as its simulator does).

Rules are configurable per site as short strings (`parse_rule`): "7d@22:00" (seven days ahead at
22:00), "14d@00:00 Europe/London" (a zone other than London may follow), "48h" (hours before the
start, fractions allowed: "1.5h").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LONDON = ZoneInfo("Europe/London")
MAX_DAYS_AHEAD = 366
MAX_HOURS_BEFORE = 24 * 366
_DAILY = re.compile(r"(\d{1,3})d@(\d{1,2}):(\d{2})", re.ASCII)
_HOURS = re.compile(r"(\d{1,4}(?:\.\d{1,3})?)h", re.ASCII)


@dataclass(frozen=True)
class ReleaseRule:
    """Either `days_ahead` + `at` (local time of day) or `hours_before` the slot's start."""

    zone: ZoneInfo = LONDON
    days_ahead: int | None = None
    at: time | None = None
    hours_before: float | None = None

    def __post_init__(self) -> None:
        daily = self.days_ahead is not None and self.at is not None
        if daily == (self.hours_before is not None):
            raise ValueError("a release rule needs days_ahead and at, or hours_before")

    def release_at(self, day: date, start: time) -> datetime:
        """The UTC instant a slot on `day` starting at local `start` becomes bookable."""
        # Wall-clock arithmetic in the site's zone, then to UTC: DST-safe.
        if self.hours_before is not None:
            wall = datetime.combine(day, start) - timedelta(hours=self.hours_before)
            return wall.replace(tzinfo=self.zone).astimezone(UTC)
        assert self.days_ahead is not None and self.at is not None
        release_day = day - timedelta(days=self.days_ahead)
        return datetime.combine(release_day, self.at, tzinfo=self.zone).astimezone(UTC)

    def describe(self) -> str:
        if self.hours_before is not None:
            return f"{self.hours_before:g} hours before the start ({self.zone.key})"
        assert self.at is not None
        return f"{self.days_ahead} days ahead at {self.at:%H:%M} {self.zone.key}"


def parse_rule(text: str) -> ReleaseRule:
    """A rule from its setting: "7d@22:00", "14d@00:00 Europe/London" or "48h".

    Raises ValueError with a message that says what a good value looks like.
    """
    spec, *zone_name = text.split(None, 1) or [""]
    fields = _rule_fields(spec, text)
    zone = _zone(zone_name[0].strip()) if zone_name else LONDON
    return ReleaseRule(zone=zone, **fields)


def _rule_fields(spec: str, text: str) -> dict[str, Any]:
    if daily := _DAILY.fullmatch(spec):
        days, hour, minute = (int(g) for g in daily.groups())
        if days > MAX_DAYS_AHEAD:
            raise ValueError(f"at most {MAX_DAYS_AHEAD} days ahead, got {days}")
        if hour > 23 or minute > 59:
            raise ValueError(f"{hour:02d}:{minute:02d} is not a time of day")
        return {"days_ahead": days, "at": time(hour, minute)}
    if hours := _HOURS.fullmatch(spec):
        value = float(hours.group(1))
        if value > MAX_HOURS_BEFORE:
            raise ValueError(f"at most {MAX_HOURS_BEFORE} hours before, got {value:g}")
        return {"hours_before": value}
    raise ValueError(
        f"{text.strip()[:40]!r} is not a release rule; use DAYSd@HH:MM (e.g. 7d@22:00) or "
        "HOURSh (e.g. 48h), optionally followed by a time zone (e.g. 7d@22:00 Europe/London)"
    )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name[:40]!r}") from None
