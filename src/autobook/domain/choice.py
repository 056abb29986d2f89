"""Which slot to take: ordered time preferences first, then ordered court preferences.

Pure rules with no I/O, so the engine and the worker choose the same way and tests need nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, time
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo


class Offer(Protocol):
    """What choosing reads of a slot (the sites' `Slot` is one)."""

    @property
    def site_id(self) -> str: ...
    @property
    def starts_at(self) -> datetime: ...
    @property
    def court(self) -> str | None: ...
    @property
    def bookable(self) -> bool: ...


Slot = TypeVar("Slot", bound=Offer)


def rank(
    slot: Offer, times: Sequence[time], courts: Sequence[str], zone: ZoneInfo
) -> tuple[int, int]:
    """(time preference index, court preference index); lower is better."""
    local = slot.starts_at.astimezone(zone).time().replace(tzinfo=None)
    t = times.index(local) if local in times else len(times)
    court = (slot.court or "").casefold()
    wanted = [c.casefold() for c in courts]
    c = wanted.index(court) if court in wanted else len(wanted)
    return t, c


def choose(
    slots: Iterable[Slot], times: Sequence[time], courts: Sequence[str], zone: ZoneInfo
) -> list[Slot]:
    """The bookable slots that match a wanted time, best first.

    A slot at a time nobody asked for is never chosen; a court not in the preferences is still
    acceptable, after every preferred one.
    """
    matching = [s for s in slots if s.bookable and rank(s, times, courts, zone)[0] < len(times)]
    return sorted(matching, key=lambda s: (rank(s, times, courts, zone), s.site_id))
