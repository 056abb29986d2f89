"""What the centres offer: venues, activities, their session times, prices and ids.

Pure data and pure functions; no state. Ids are derived from the session key by hashing, so a
slot keeps the same id from the pre-release listing until it is booked (bots rely on that).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

RESOURCES = "resources"  # court hire: one place per court, the buyer picks a location
TICKETED = "ticketed"  # drop-in: anonymous spaces in one hall


@dataclass(frozen=True)
class Activity:
    slug: str
    name: str
    category: str  # parent category slug, e.g. "badminton"
    kind: str  # RESOURCES | TICKETED
    duration_min: int
    first_start: time
    last_end: time
    step_min: int
    places: int  # courts for court hire, spaces for a drop-in
    price_pence: int
    peak_price_pence: int  # from PEAK_FROM on
    pricing_option_id: int
    v2_only: bool = False  # migrated to v2: v1 answers the generic 422
    hall: str = "Sports Hall"

    @property
    def duration(self) -> str:
        return f"{self.duration_min}min"

    def starts(self) -> list[time]:
        """Every session start time of a day."""
        out: list[time] = []
        at = datetime.combine(date(2000, 1, 1), self.first_start)
        end = datetime.combine(date(2000, 1, 1), self.last_end)
        while at + timedelta(minutes=self.duration_min) <= end:
            out.append(at.time())
            at += timedelta(minutes=self.step_min)
        return out

    def price_at(self, start: time) -> int:
        return self.peak_price_pence if start >= PEAK_FROM else self.price_pence


PEAK_FROM = time(17, 0)


@dataclass(frozen=True)
class Venue:
    slug: str
    name: str
    region: str
    activities: dict[str, Activity] = field(default_factory=dict)


CATEGORY_NAMES = {"badminton": "Badminton"}


def _badminton(minutes: int, courts: int, option: int, *, v2_only: bool = False) -> Activity:
    price, peak = (1000, 1150) if minutes == 40 else (1400, 1640)
    return Activity(
        slug=f"badminton-{minutes}min",
        name=f"Badminton {minutes}min",
        category="badminton",
        kind=RESOURCES,
        duration_min=minutes,
        first_start=time(7, 0),
        last_end=time(22, 0),
        step_min=minutes,
        places=courts,
        price_pence=price,
        peak_price_pence=peak,
        pricing_option_id=option,
        v2_only=v2_only,
    )


def _social(capacity: int, option: int) -> Activity:
    return Activity(
        slug="badminton-social",
        name="Badminton Social Drop-In",
        category="badminton",
        kind=TICKETED,
        duration_min=120,
        first_start=time(19, 0),
        last_end=time(21, 0),
        step_min=120,
        places=capacity,
        price_pence=750,
        peak_price_pence=750,
        pricing_option_id=option,
        v2_only=True,
    )


def demo_venues() -> dict[str, Venue]:
    """The Barnet venues of seed 000. Copthall's 40-minute courts and the drop-in are v2-only."""
    venues = [
        Venue(
            "hendon-leisure-centre",
            "Hendon Leisure Centre",
            "barnet",
            {
                a.slug: a
                for a in (_badminton(40, 4, 3101), _badminton(60, 4, 3102), _social(16, 3103))
            },
        ),
        Venue(
            "barnet-copthall-leisure-centre",
            "Barnet Copthall Leisure Centre",
            "barnet",
            {a.slug: a for a in (_badminton(40, 6, 3201, v2_only=True), _badminton(60, 6, 3202))},
        ),
        Venue(
            "barnet-burnt-oak-leisure-centre",
            "Barnet Burnt Oak Leisure Centre",
            "barnet",
            {a.slug: a for a in (_badminton(40, 3, 3301), _badminton(60, 3, 3302))},
        ),
    ]
    return {v.slug: v for v in venues}


def session_key(venue: str, activity: str, day: date, start: time) -> str:
    """The simulator's slot key: `venue/activity/YYYY-MM-DD/HH:MM` (events, competitor targets)."""
    return f"{venue}/{activity}/{day.isoformat()}/{start.strftime('%H:%M')}"


def parse_key(key: str) -> tuple[str, str, date, time]:
    """Inverse of `session_key`; ValueError when malformed."""
    venue, activity, day, start = key.split("/")
    return venue, activity, date.fromisoformat(day), time.fromisoformat(start)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def session_id(key: str) -> str:
    """The v2 slot id of a session: opaque, stable from listing to booking."""
    return _digest("session:" + key)[:24]


def composite_key(key: str) -> str:
    return _digest("composite:" + key)[:8]


def place_id(key: str, number: int) -> int:
    """Per-court (or per-space) slot id, an integer like the real per-court ids."""
    return int(_digest(f"place:{key}:{number}")[:10], 16) % 900_000_000 + 100_000_000


def ticket_id(key: str) -> int:
    return int(_digest("ticket:" + key)[:8], 16) % 9_000_000 + 1_000_000


def money(pence: int) -> str:
    return f"£{pence / 100:.2f}"


def fmt12(t: time) -> str:
    """ "10:00am" / "7:40pm", the real API's 12-hour format."""
    hour = t.hour % 12 or 12
    return f"{hour}:{t.minute:02d}{'am' if t.hour < 12 else 'pm'}"
