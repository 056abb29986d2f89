"""Plain types of the Estelle Manor simulator: rules, slots, members, bookings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Self
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, model_validator

LONDON = ZoneInfo("Europe/London")
SERVICE_ID = 16499  # the real site's id of the "Padel Court - 1 Hour" service (/spa/16499)
SLOT_KEY_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}):00/court-(\d{1,2})$")


class Rules(BaseModel):
    """The club's booking rules; settable at /_sandbox/estelle/rules."""

    days_ahead: int = Field(14, ge=0, le=90, description="a date opens this many days ahead")
    release_hour: int = Field(0, ge=0, le=23, description="local hour of the daily release")
    release_minute: int = Field(0, ge=0, le=59)
    first_hour: int = Field(7, ge=0, le=23, description="start of the first 1-hour slot")
    last_hour: int = Field(20, ge=0, le=23, description="start of the last 1-hour slot")
    courts: int = Field(3, ge=1, le=12)
    price_gbp: float = Field(40.0, ge=0, description="charged to the member's account")
    bot_detection: bool = Field(True, description="funnel pages need the click-through")
    min_confirm_ms: int = Field(
        0, ge=0, le=600_000, description="reject a confirm sooner than this after its page load"
    )

    @model_validator(mode="after")
    def _hours_ordered(self) -> Self:
        if self.last_hour < self.first_hour:
            raise ValueError("last_hour must not be before first_hour")
        return self


@dataclass(frozen=True, order=True)
class Slot:
    """One court for one hour. Key format: "2026-03-15T19:00/court-1"."""

    day: date
    hour: int
    court: int

    @classmethod
    def parse(cls, key: str) -> Slot:
        match = SLOT_KEY_RE.match(key.strip())
        if not match:
            raise ValueError(f"bad slot key {key!r}")
        day = date.fromisoformat(match.group(1))
        hour, court = int(match.group(2)), int(match.group(3))
        if hour > 23 or court < 1:
            raise ValueError(f"bad slot key {key!r}")
        return cls(day, hour, court)

    @property
    def key(self) -> str:
        return f"{self.day.isoformat()}T{self.hour:02d}:00/court-{self.court}"

    @property
    def start(self) -> datetime:
        return datetime.combine(self.day, time(self.hour), tzinfo=LONDON)

    @property
    def court_name(self) -> str:
        return f"Padel Court {self.court}"

    @property
    def slot_start(self) -> str:
        """The text of `span.slot_start`: "DD/MM/YYYY HH:MM:SS"."""
        return self.start.strftime("%d/%m/%Y %H:%M:%S")

    @property
    def start_show(self) -> str:
        """The text of `span.slot_start_show`: "7:00 PM"."""
        return clock_12h(self.hour)

    @property
    def end_show(self) -> str:
        return clock_12h((self.hour + 1) % 24)


def clock_12h(hour: int) -> str:
    return f"{(hour % 12) or 12}:00 {'AM' if hour < 12 else 'PM'}"


def parse_uk_date(text: str) -> date:
    """A date typed as DD/MM/YYYY (the format of `#from_date`)."""
    match = re.fullmatch(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*", text or "")
    if not match:
        raise ValueError("format")
    day, month, year = (int(g) for g in match.groups())
    return date(year, month, day)


@dataclass
class Member:
    email: str
    password: str
    name: str
    member_no: str


@dataclass
class Booking:
    reference: str
    slot: Slot
    member: str  # member email, or a competitor / seed actor
    created: datetime
    method: str  # "web", "competitor", "seed"
    price_gbp: float
    status: str = "confirmed"  # confirmed | cancelled
    detail: dict[str, str] = field(default_factory=dict)
