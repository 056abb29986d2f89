"""When sessions become bookable: N days ahead at a local hour, Europe/London (DST-aware), with
per-venue overrides and per-session instants set by tests."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

LONDON = ZoneInfo("Europe/London")


class VenueRule(BaseModel):
    hour: int | None = Field(None, ge=0, le=23)
    minute: int | None = Field(None, ge=0, le=59)
    days_ahead: int | None = Field(None, ge=0, le=60)


class ReleaseRule(BaseModel):
    """London boroughs: 22:00, 7 days ahead. `preview_hours` is how long before its release a
    day's sessions are already listed (status null) so bots can prepare."""

    hour: int = Field(22, ge=0, le=23)
    minute: int = Field(0, ge=0, le=59)
    days_ahead: int = Field(7, ge=0, le=60)
    preview_hours: float = Field(24.0, ge=0, le=24 * 30)
    venues: dict[str, VenueRule] = Field(default_factory=dict)

    def for_venue(self, venue: str) -> tuple[int, int, int]:
        """(hour, minute, days_ahead) for `venue`."""
        o = self.venues.get(venue, VenueRule())
        return (
            self.hour if o.hour is None else o.hour,
            self.minute if o.minute is None else o.minute,
            self.days_ahead if o.days_ahead is None else o.days_ahead,
        )

    def rule_release(self, venue: str, day: date) -> datetime:
        """The instant sessions of `day` at `venue` open, on local wall time."""
        hour, minute, ahead = self.for_venue(venue)
        return datetime.combine(day - timedelta(days=ahead), time(hour, minute), tzinfo=LONDON)

    def next_rule_release(self, venue: str, after: datetime) -> datetime:
        hour, minute, _ = self.for_venue(venue)
        local = after.astimezone(LONDON)
        candidate = datetime.combine(local.date(), time(hour, minute), tzinfo=LONDON)
        while candidate <= after:
            local_day = candidate.date() + timedelta(days=1)
            candidate = datetime.combine(local_day, time(hour, minute), tzinfo=LONDON)
        return candidate

    def released_day(self, venue: str, at: datetime) -> date:
        """The last day whose sessions are released at `at` by the rule."""
        hour, minute, ahead = self.for_venue(venue)
        local = at.astimezone(LONDON)
        day = local.date() + timedelta(days=ahead)
        if local.time() < time(hour, minute):
            day -= timedelta(days=1)
        return day


def local_today(now: datetime) -> date:
    return now.astimezone(LONDON).date()


def first_bookable_at(instant: datetime) -> dict[str, Any]:
    """The v2 `first_bookable_at` object: the exact release instant, UTC and local."""
    local = instant.astimezone(LONDON)
    utc = instant.astimezone(ZoneInfo("UTC"))
    return {
        "utc": utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "local": local.isoformat(timespec="seconds"),
        "timezone": "Europe/London",
        "format_24_hour": local.strftime("%H:%M"),
    }
