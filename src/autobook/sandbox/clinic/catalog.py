"""What the clinic sells and who works when: services, providers and the booking rules.

Static data: `reset()` never changes it. Times of day are local (Europe/London) wall time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/London")
CLINIC_NAME = "Lumen Skin Clinic"
SLOT_STEP = timedelta(minutes=30)  # start times are offered on the half hour
BOOKING_WINDOW_DAYS = 30  # a day opens for online booking 30 days ahead, at local midnight
SESSION_TTL = timedelta(minutes=15)  # widget sessions (and their held slot) die after idling
DEPOSIT_PENCE = 5000  # taken online to secure the appointment, deducted on the day
ANY_PROVIDER = "any"  # the "First Available" choice at step 2


@dataclass(frozen=True)
class Service:
    id: str
    name: str
    category: str
    duration_min: int
    price_pence: int
    description: str

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_min)


@dataclass(frozen=True)
class Provider:
    id: str
    name: str
    title: str
    services: tuple[str, ...]
    hours: dict[int, tuple[time, time]]  # weekday (Mon=0) → opening, closing


SERVICES: tuple[Service, ...] = (
    Service(
        "botox",
        "Botox",
        "Injectables",
        30,
        25000,
        "Anti-wrinkle treatment for up to three areas: forehead, frown lines and crow's feet.",
    ),
    Service(
        "lip-filler",
        "Lip Filler",
        "Injectables",
        45,
        35000,
        "1ml of hyaluronic acid filler for natural-looking volume and definition.",
    ),
    Service(
        "hydrafacial",
        "HydraFacial",
        "Facials",
        60,
        18000,
        "Cleanse, exfoliate, extract and hydrate in one resurfacing facial.",
    ),
    Service(
        "chemical-peel",
        "Chemical Peel",
        "Facials",
        45,
        12000,
        "Medical-grade peel to brighten tone and soften fine lines and pigmentation.",
    ),
    Service(
        "microneedling",
        "Microneedling",
        "Skin",
        60,
        22000,
        "Collagen induction therapy for texture, scarring and enlarged pores.",
    ),
)


def _week(days: tuple[int, ...], opens: time, closes: time) -> dict[int, tuple[time, time]]:
    return {d: (opens, closes) for d in days}


PROVIDERS: tuple[Provider, ...] = (
    Provider(
        "brandi",
        "Brandi",
        "Nurse Injector",
        ("botox", "lip-filler", "microneedling"),
        _week((1, 2, 3, 4, 5), time(10, 0), time(18, 0)),
    ),
    Provider(
        "alex",
        "Alex",
        "Aesthetic Practitioner",
        ("botox", "lip-filler", "hydrafacial", "chemical-peel"),
        _week((0, 1, 2, 3, 4), time(9, 0), time(17, 0)),
    ),
    Provider(
        "sam",
        "Sam",
        "Skin Therapist",
        ("hydrafacial", "chemical-peel", "microneedling"),
        _week((0, 2, 3, 4, 5), time(9, 30), time(17, 30)),
    ),
)

SERVICE_BY_ID = {s.id: s for s in SERVICES}
PROVIDER_BY_ID = {p.id: p for p in PROVIDERS}


def providers_for(service_id: str) -> list[Provider]:
    return [p for p in PROVIDERS if service_id in p.services]


def shortest_service(provider: Provider) -> Service:
    return min((SERVICE_BY_ID[s] for s in provider.services), key=lambda s: s.duration_min)


def money(pence: int) -> str:
    """£250 or £49.50, as the widget prints prices."""
    pounds, rest = divmod(pence, 100)
    return f"£{pounds:,}" if rest == 0 else f"£{pounds:,}.{rest:02d}"


def day_label(day: date | datetime) -> str:
    """Thursday 5 February 2026."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def time_label(at: datetime) -> str:
    """2:30pm, the way the widget (and the seed's requests) write times."""
    local = at.astimezone(TZ)
    hour = local.hour % 12 or 12
    return f"{hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"
