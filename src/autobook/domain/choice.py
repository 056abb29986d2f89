"""Which slot to take, and whether what a site shows is what was asked for.

Ordered time preferences first, then ordered court preferences; a slot on another day or at a
time nobody asked for is never a candidate. The same rule checks what a page reads back before
paying (`differs`) and what a confirmation says after (`off_target`), so the three can never
disagree. Pure rules with no I/O, so the engine, the worker and adapters share them and tests
need nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
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


def is_wanted(starts_at: datetime, day: date, times: Sequence[time], zone: ZoneInfo) -> bool:
    """True when `starts_at`, on the site's clock, is on `day` at one of `times`."""
    local = starts_at.astimezone(zone)
    return local.date() == day and local.time().replace(tzinfo=None) in times


def rank(
    slot: Offer, day: date, times: Sequence[time], courts: Sequence[str], zone: ZoneInfo
) -> tuple[int, int]:
    """(time preference index, court preference index); lower is better. A slot that is not
    on `day` at a wanted time ranks `len(times)`: not wanted at all."""
    local = slot.starts_at.astimezone(zone).time().replace(tzinfo=None)
    wanted = is_wanted(slot.starts_at, day, times, zone)
    t = times.index(local) if wanted else len(times)
    court = (slot.court or "").casefold()
    folded = [c.casefold() for c in courts]
    c = folded.index(court) if court in folded else len(folded)
    return t, c


def choose(
    slots: Iterable[Slot],
    times: Sequence[time],
    courts: Sequence[str],
    zone: ZoneInfo,
    *,
    day: date,
) -> list[Slot]:
    """The bookable slots on `day` that match a wanted time, best first.

    A slot at a time or on a day nobody asked for is never chosen (a site that ignored the
    date asked for still lists its cards); a court not in the preferences is still
    acceptable, after every preferred one.
    """
    matching = [s for s in slots if s.bookable and is_wanted(s.starts_at, day, times, zone)]
    return sorted(matching, key=lambda s: (rank(s, day, times, courts, zone), s.site_id))


def off_target(starts_at: datetime, day: date, times: Sequence[time], zone: ZoneInfo) -> str | None:
    """Why a booking starting at `starts_at` is not one the task asked for; None when it is."""
    local = starts_at.astimezone(zone)
    if local.date() != day:
        return f"it is on {local:%a %d %b %Y}, the task wants {day:%a %d %b %Y}"
    if not is_wanted(starts_at, day, times, zone):
        asked = ", ".join(f"{t:%H:%M}" for t in times)
        return f"it starts at {local:%H:%M}, the task wants {asked}"
    return None


def differs(
    shown_start: datetime,
    shown_court: str | None,
    chosen: Offer,
    day: date,
    times: Sequence[time],
    zone: ZoneInfo,
) -> str | None:
    """Why what a page shows just before paying is not `chosen` (or not wanted at all); None
    when date, time and court all agree. A court the page does not show is not compared."""
    wrong = off_target(shown_start, day, times, zone)
    if wrong is not None:
        return f"the page shows another slot: {wrong}"
    shown, picked = shown_start.astimezone(zone), chosen.starts_at.astimezone(zone)
    if shown != picked:
        return f"the page shows {shown:%a %d %b %H:%M}, the chosen slot is {picked:%a %d %b %H:%M}"
    court = (shown_court or "").strip().casefold()
    if court and chosen.court and court != chosen.court.strip().casefold():
        return f"the page shows {shown_court!r}, the chosen court is {chosen.court!r}"
    return None
