"""When a site releases a slot for booking, computed on the site's own wall clock.

Two kinds of rule exist across the sites: "N days ahead at a fixed local time" (Better 22:00
seven days ahead, Estelle 00:00 fourteen days ahead) and "N hours before the start" (the gym).
Everything is zone-aware: a naive UTC computation was an hour off across summer time and lost
slots for several public bots.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


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
        if self.hours_before is not None:
            local_start = datetime.combine(day, start, tzinfo=self.zone)
            return local_start.astimezone(UTC) - timedelta(hours=self.hours_before)
        assert self.days_ahead is not None and self.at is not None
        release_day = day - timedelta(days=self.days_ahead)
        # Wall-clock arithmetic in the site's zone, then to UTC: DST-safe.
        return datetime.combine(release_day, self.at, tzinfo=self.zone).astimezone(UTC)

    def describe(self) -> str:
        if self.hours_before is not None:
            return f"{self.hours_before:g} hours before the start ({self.zone.key})"
        assert self.at is not None
        return f"{self.days_ahead} days ahead at {self.at:%H:%M} {self.zone.key}"
