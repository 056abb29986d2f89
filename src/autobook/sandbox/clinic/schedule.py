"""The appointment book: appointments, slots held by widget sessions, and which start times
are free. Pure state and arithmetic; no clock, no events (the site adds those).

A slot is one provider's start time, keyed `provider/YYYY-MM-DD/HH:MM` in local wall time,
e.g. `brandi/2026-02-05/14:30`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from autobook.sandbox.clinic.catalog import (
    PROVIDER_BY_ID,
    SLOT_STEP,
    TZ,
    Provider,
    Service,
)


def slot_key(provider_id: str, start: datetime) -> str:
    local = start.astimezone(TZ)
    return f"{provider_id}/{local:%Y-%m-%d}/{local:%H:%M}"


def parse_slot_key(key: str) -> tuple[Provider, datetime]:
    """The provider and zone-aware start of a slot key; ValueError when malformed."""
    parts = key.split("/")
    if len(parts) != 3 or parts[0] not in PROVIDER_BY_ID:
        raise ValueError(f"bad slot key {key!r}: expected provider/YYYY-MM-DD/HH:MM")
    naive = datetime.strptime(f"{parts[1]} {parts[2]}", "%Y-%m-%d %H:%M")
    return PROVIDER_BY_ID[parts[0]], naive.replace(tzinfo=TZ)


@dataclass
class Appointment:
    reference: str
    provider_id: str
    service_id: str
    start: datetime
    end: datetime
    patient: str  # email, or the competitor's / front desk's name
    price_pence: int
    card_last4: str = ""
    session_id: str = ""
    status: str = "booked"  # booked | cancelled

    @property
    def slot(self) -> str:
        return slot_key(self.provider_id, self.start)


@dataclass
class Hold:
    session_id: str
    provider_id: str
    service_id: str
    start: datetime
    end: datetime

    @property
    def slot(self) -> str:
        return slot_key(self.provider_id, self.start)


class Schedule:
    def __init__(self) -> None:
        self.appointments: dict[str, Appointment] = {}
        self.holds: dict[str, Hold] = {}  # by session id: a session holds at most one slot

    def clear(self) -> None:
        self.appointments.clear()
        self.holds.clear()

    def booked(self) -> list[Appointment]:
        return [a for a in self.appointments.values() if a.status == "booked"]

    def day_starts(self, provider: Provider, day: date, service: Service) -> list[datetime]:
        """Grid start times on `day` at which `service` fits inside the provider's hours."""
        hours = provider.hours.get(day.weekday())
        if hours is None:
            return []
        start = datetime.combine(day, hours[0], tzinfo=TZ)
        closes = datetime.combine(day, hours[1], tzinfo=TZ)
        starts = []
        while start + service.duration <= closes:
            starts.append(start)
            start += SLOT_STEP
        return starts

    def is_free(
        self, provider: Provider, service: Service, start: datetime, *, ignore_session: str = ""
    ) -> bool:
        """On the grid, inside hours, and overlapping no appointment or other session's hold."""
        local = start.astimezone(TZ)
        if local not in self.day_starts(provider, local.date(), service):
            return False
        end = local + service.duration
        for a in self.booked():
            if a.provider_id == provider.id and a.start < end and local < a.end:
                return False
        for h in self.holds.values():
            if h.session_id == ignore_session or h.provider_id != provider.id:
                continue
            if h.start < end and local < h.end:
                return False
        return True

    def free_starts(
        self,
        provider: Provider,
        service: Service,
        day: date,
        *,
        after: datetime,
        ignore_session: str = "",
    ) -> list[datetime]:
        return [
            s
            for s in self.day_starts(provider, day, service)
            if s > after and self.is_free(provider, service, s, ignore_session=ignore_session)
        ]
