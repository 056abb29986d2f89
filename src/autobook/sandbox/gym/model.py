"""The gym's vocabulary: locations, hourly slots and their keys, members, bookings, the booking
rules and the errors the site answers with. Pure data and parsing: no I/O, no clock."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, field_validator

ZONE = ZoneInfo("Europe/London")
FIRST_HOUR = 6  # first slot starts 06:00 local time
LAST_HOUR = 21  # last slot starts 21:00 local time (the gym closes at 22:00)
SLOT_LENGTH = timedelta(hours=1)

# Location → its sub-locations (bookable areas). Fitness is one open floor.
LOCATIONS: dict[str, tuple[str, ...]] = {"Fitness": (), "X1": ("A", "B"), "X3": ("A", "B")}
DEFAULT_CAPACITIES: dict[str, int] = {"Fitness": 20, "X1-A": 6, "X1-B": 6, "X3-A": 8, "X3-B": 8}

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def area_name(location: str, sub_location: str | None) -> str:
    """The capacity key of a bookable area: "Fitness", "X1-A", …"""
    return f"{location}-{sub_location}" if sub_location else location


def all_areas() -> list[tuple[str, str | None]]:
    return [(loc, sub) for loc, subs in LOCATIONS.items() for sub in (subs or (None,))]


def local_instant(naive: datetime) -> datetime:
    """A wall time in the gym's zone as a real instant. The round trip through UTC moves a wall
    time that DST skips (01:30 on the spring-forward day) to where a wall clock would show it."""
    return naive.replace(tzinfo=ZONE).astimezone(UTC).astimezone(ZONE)


class GymError(Exception):
    """A refusal the site answers with: HTTP status, a stable code and a human message."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"message": self.message, "code": self.code, **self.extra}


def invalid(field: str, problem: str) -> GymError:
    return GymError(422, "invalid_request", f"{field}: {problem}", field=field)


@dataclass(frozen=True, order=True)
class SlotRef:
    """One hourly slot of one bookable area on one local date."""

    day: date
    hour: int
    location: str
    sub_location: str | None = None

    @property
    def time(self) -> str:
        return f"{self.hour:02d}:00"

    @property
    def end_time(self) -> str:
        return f"{self.hour + 1:02d}:00"

    @property
    def area(self) -> str:
        return area_name(self.location, self.sub_location)

    @property
    def key(self) -> str:
        """Stable slot key, e.g. `2026-11-23T07:00|X1|A` or `2026-11-23T07:00|Fitness`."""
        base = f"{self.day.isoformat()}T{self.time}|{self.location}"
        return f"{base}|{self.sub_location}" if self.sub_location else base

    @property
    def wall_start(self) -> datetime:
        return datetime.combine(self.day, time(self.hour))

    @property
    def starts_at(self) -> datetime:
        return local_instant(self.wall_start)

    @property
    def ends_at(self) -> datetime:
        return local_instant(self.wall_start + SLOT_LENGTH)


def parse_date(value: str | None, field: str = "date") -> date:
    if not value:
        raise invalid(field, "is required (YYYY-MM-DD)")
    if not DATE_RE.match(value):
        raise invalid(field, f"{value!r} is not a date in the form YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise invalid(field, f"{value!r} is not a valid date") from exc


def parse_hour(value: str | None, field: str = "time") -> int:
    """ "07:00" (or "07:00:00") → 7. A well-formed time that is not a slot start → 404."""
    if not value:
        raise invalid(field, "is required (HH:MM)")
    m = TIME_RE.match(value.strip())
    if not m or int(m[1]) > 23 or int(m[2]) > 59 or int(m[3] or 0) > 59:
        raise invalid(field, f"{value!r} is not a time in the form HH:MM")
    hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
    if minute or second or not FIRST_HOUR <= hour <= LAST_HOUR:
        raise GymError(
            404,
            "slot_not_found",
            f"There is no slot at {hour:02d}:{minute:02d}. Slots start on the hour "
            f"from {FIRST_HOUR:02d}:00 to {LAST_HOUR:02d}:00.",
        )
    return hour


def parse_area(location: str | None, sub_location: str | None) -> tuple[str, str | None]:
    names = ", ".join(LOCATIONS)
    if not location:
        raise invalid("location", f"is required (one of {names})")
    if location not in LOCATIONS:
        raise invalid("location", f"unknown location {location!r} (one of {names})")
    subs = LOCATIONS[location]
    if not subs:
        if sub_location:
            raise invalid("sub_location", f"{location} has no sub-locations")
        return location, None
    if not sub_location:
        raise invalid("sub_location", f"is required for {location} ({' or '.join(subs)})")
    if sub_location not in subs:
        raise invalid("sub_location", f"{location} has no sub-location {sub_location!r}")
    return location, sub_location


def slot_from_fields(
    day: str | None, at: str | None, location: str | None, sub_location: str | None
) -> SlotRef:
    loc, sub = parse_area(location, sub_location)
    return SlotRef(parse_date(day), parse_hour(at), loc, sub)


def parse_key(key: str) -> SlotRef | None:
    """`2026-11-23T07:00|X1|A` → SlotRef; None when the key names no slot."""
    head, _, rest = key.partition("|")
    day, _, at = head.partition("T")
    location, _, sub = rest.partition("|")
    try:
        return slot_from_fields(day, at, location, sub or None)
    except GymError:
        return None


@dataclass
class Member:
    id: int
    email: str
    password: str
    name: str
    membership: str = "Full access"

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "email": self.email,
            "name": self.name,
            "membership": self.membership,
        }


@dataclass
class Booking:
    reference: str
    member: str  # member email, or a competitor / background booker's name
    slot: SlotRef
    booked_at: datetime
    via: str  # api | web | competitor | seed | admin
    status: str = "confirmed"  # confirmed | cancelled
    cancelled_at: datetime | None = None

    def public(self) -> dict[str, Any]:
        s = self.slot
        return {
            "reference": self.reference,
            "status": self.status,
            "date": s.day.isoformat(),
            "time": s.time,
            "end_time": s.end_time,
            "location": s.location,
            "sub_location": s.sub_location,
            "starts_at": s.starts_at.isoformat(),
            "ends_at": s.ends_at.isoformat(),
            "booked_at": self.booked_at.astimezone(ZONE).isoformat(timespec="seconds"),
            "cancelled_at": (
                self.cancelled_at.astimezone(ZONE).isoformat(timespec="seconds")
                if self.cancelled_at
                else None
            ),
        }


class Rules(BaseModel):
    """The gym's booking rules, settable through `/_sandbox/gym/rules`."""

    unlock_hours: float = Field(48, ge=0, le=24 * 90, description="slots open this long before")
    daily_limit: int = Field(2, ge=1, le=100, description="bookings per member per slot date")
    session_ttl_minutes: int = Field(720, ge=1, le=60 * 24 * 30, description="token/cookie life")
    capacities: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_CAPACITIES))

    @field_validator("capacities")
    @classmethod
    def _known_areas(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = set(value) - set(DEFAULT_CAPACITIES)
        if unknown:
            raise ValueError(f"unknown areas {sorted(unknown)}; known: {list(DEFAULT_CAPACITIES)}")
        if any(not 0 <= v <= 500 for v in value.values()):
            raise ValueError("capacities must be between 0 and 500")
        return {**DEFAULT_CAPACITIES, **value}
